"""Discussion rules at the service: scoping, safe text, mentions, votes and answers, moderation, the flood limit,
search, and karma only where a campaign's rules give it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from saptah.audit.models import AuditEntry
from saptah.campaigns import repository as campaigns_repo
from saptah.campaigns import service as campaigns
from saptah.campaigns.schemas import CampaignCreate, RulesChangeIn
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, Forbidden, InvalidInput, NotFound, PayloadTooLarge, TooManyRequests
from saptah.core.timeutil import IST
from saptah.discussions import service
from saptah.notify.models import OutboxMessage
from saptah.recognition import repository as karma_repo


def test_a_closed_community_of_one_ministry_is_invisible_to_another_ministrys_staff(db, kit):
    space = kit.community(closed=True)
    kit.thread(space, kit.mohfw_staff, title="Ward rounds", body="Only for us")
    for outsider in (kit.mha_staff, kit.mha_admin):
        with pytest.raises(NotFound):
            service.visible_space(db, kit.p(outsider), space.id)
        assert space.id not in [s.id for s in service.list_spaces(db, kit.p(outsider))]
        assert service.search(db, kit.p(outsider), "ward")[0] == 0
    # MoHFW's own staff (an attached department too) and the national organiser see it
    for insider in (kit.mohfw_staff, kit.mohfw_other, kit.organiser):
        assert service.visible_space(db, kit.p(insider), space.id).id == space.id
    assert service.search(db, kit.p(kit.mohfw_staff), "WARD rounds")[0] == 1
    public = kit.community(title="Open to all")
    assert service.visible_space(db, kit.p(kit.mha_staff), public.id).id == public.id


def test_only_admins_and_organisers_open_communities_and_only_for_their_subtree(db, kit):
    from saptah.discussions.schemas import CommunityIn

    with pytest.raises(Forbidden):
        service.open_community(db, kit.p(kit.mohfw_staff), CommunityIn(title_en="Mine"))
    with pytest.raises(Forbidden):
        service.open_community(db, kit.p(kit.mha_admin), CommunityIn(title_en="Not mine", org_code="MOHFW"))
    space = service.open_community(
        db, kit.p(kit.organiser), CommunityIn(title_en="For MHA", org_code="MHA", closed=True)
    )
    assert service.may_moderate(db, kit.p(kit.organiser), space)
    assert not service.may_moderate(db, kit.p(kit.mha_admin), space)  # not an owner
    entry = db.scalar(select(AuditEntry).where(AuditEntry.act == "discussion.open_community"))
    assert entry is not None and entry.actor_id == kit.organiser.id


def test_course_and_event_spaces_are_made_once_and_moderated_by_provider_and_organiser(db, kit):
    course = kit.course()
    first = service.course_space(db, kit.p(kit.mha_staff), course.id)
    again = service.course_space(db, kit.p(kit.mohfw_staff), course.id)
    assert first.id == again.id and first.title_en == course.title_en
    assert service.may_moderate(db, kit.p(kit.provider), first)
    assert not service.may_moderate(db, kit.p(kit.mohfw_admin), first)
    charcha = kit.event()
    space = service.event_space(db, kit.p(kit.mha_staff), charcha.id)  # an open event's space is for everyone
    assert service.may_moderate(db, kit.p(kit.mohfw_admin), space)
    assert not service.may_moderate(db, kit.p(kit.mha_admin), space)
    closed = kit.event(title_en="Closed charcha", access="closed")
    with pytest.raises(NotFound):
        service.event_space(db, kit.p(kit.mha_staff), closed.id)


def test_posts_render_safely_no_raw_html_no_script_links(db, kit):
    space = kit.community()
    body = (
        "**Bold** <script>alert(1)</script> <img src=x onerror=alert(1)> "
        "[bad](javascript:alert(1)) [good](https://igotkarmayogi.gov.in) ![img](https://evil.example/x.png)"
    )
    thread = kit.thread(space, kit.mohfw_staff, body=body)
    views = service.thread_posts(db, kit.p(kit.mohfw_other), thread, space)
    html = views[0].html
    assert "<strong>Bold</strong>" in html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "evil.example/x.png" not in html.split("<a ")[0]  # an image is at most a link, never loaded
    assert "&lt;script&gt;" in html  # shown as text
    assert 'href="https://igotkarmayogi.gov.in"' in html and "nofollow" in html


def test_a_mention_shows_the_name_and_mails_the_colleague_who_may_see_the_space(db, kit):
    space = kit.community(closed=True)
    thread = kit.thread(space, kit.mohfw_admin)
    outsider = kit.mha_staff
    kit.reply(thread, kit.mohfw_other, f"Please look, @anjali.staff@example.gov.in and @{outsider.email}")
    views = service.thread_posts(db, kit.p(kit.mohfw_admin), thread, space)
    assert '<span class="mention">@Anjali Staff</span>' in views[1].html
    mails = list(db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "discussion_mention")))
    assert [m.to_addr for m in mails] == ["anjali.staff@example.gov.in"]  # the MHA person may not see the space
    assert "Suresh Colleague mentioned you" in mails[0].subject and f"/discussions/threads/{thread.id}" in mails[0].body


def test_upvotes_once_never_ones_own_and_the_asker_accepts_an_answer(db, kit):
    space = kit.community()
    thread = kit.thread(space, kit.mohfw_staff)
    answer = kit.reply(thread, kit.mha_staff, "Start with the iGOT app.")
    for _ in range(2):
        service.upvote(db, kit.p(kit.mohfw_other), answer.id, on=True)
    assert answer.upvotes == 1
    service.upvote(db, kit.p(kit.organiser), answer.id, on=True)
    assert answer.upvotes == 2
    service.upvote(db, kit.p(kit.organiser), answer.id, on=False)
    assert answer.upvotes == 1
    with pytest.raises(InvalidInput):
        service.upvote(db, kit.p(kit.mha_staff), answer.id, on=True)
    with pytest.raises(Forbidden):
        service.accept(db, kit.p(kit.mohfw_other), answer.id)
    service.accept(db, kit.p(kit.mohfw_staff), answer.id)
    assert thread.accepted_post_id == answer.id
    with pytest.raises(InvalidInput):
        service.accept(db, kit.p(kit.mohfw_staff), service.repo.opening_post(db, thread.id).id)


def test_report_hide_restore_are_recorded_and_hidden_text_is_for_moderators_only(db, kit):
    course = kit.course()
    space = service.course_space(db, kit.p(kit.mohfw_staff), course.id)
    thread = kit.thread(space, kit.mohfw_staff)
    bad = kit.reply(thread, kit.mha_staff, "Buy cheap certificates here")
    service.report(db, kit.p(kit.mohfw_staff), bad.id, "Spam")
    with pytest.raises(Conflict):
        service.report(db, kit.p(kit.mohfw_staff), bad.id, "Spam again")
    assert [p.id for p, _t, _r in service.reported(db, kit.p(kit.provider), space)] == [bad.id]
    assert service.reported(db, kit.p(kit.mohfw_staff), space) == []
    with pytest.raises(Forbidden):
        service.moderate(db, kit.p(kit.mohfw_admin), bad.id, "not theirs to hide", hide=True)
    with pytest.raises(InvalidInput):
        service.moderate(db, kit.p(kit.provider), bad.id, "", hide=True)
    service.moderate(db, kit.p(kit.provider), bad.id, "Advertising", hide=True)
    reader = service.thread_posts(db, kit.p(kit.mohfw_other), thread, space)[1]
    assert reader.html is None and reader.post.hidden_reason == "Advertising"
    moderator = service.thread_posts(db, kit.p(kit.provider), thread, space)[1]
    assert "cheap certificates" in moderator.html
    assert service.search(db, kit.p(kit.mohfw_other), "cheap")[0] == 0
    service.moderate(db, kit.p(kit.provider), bad.id, "Was a real offer of help", hide=False)
    assert service.thread_posts(db, kit.p(kit.mohfw_other), thread, space)[1].html is not None
    acts = list(db.scalars(select(AuditEntry.act).where(AuditEntry.act.like("discussion.%")).order_by(AuditEntry.id)))
    assert acts == ["discussion.report", "discussion.hide", "discussion.restore"]


def test_hiding_a_threads_first_post_hides_the_thread(db, kit):
    space = kit.community()
    thread = kit.thread(space, kit.mha_staff, title="Off-topic rant")
    opening = service.repo.opening_post(db, thread.id)
    service.moderate(db, kit.p(kit.mohfw_admin), opening.id, "Off topic", hide=True)
    assert thread.hidden
    assert service.threads_of(db, kit.p(kit.mohfw_other), space)[0] == 0
    with pytest.raises(NotFound):
        service.visible_thread(db, kit.p(kit.mohfw_other), thread.id)
    assert service.threads_of(db, kit.p(kit.mohfw_admin), space)[0] == 1


def test_flooding_is_refused_with_a_clear_message(db, kit):
    space = kit.community()
    thread = kit.thread(space, kit.mohfw_staff)
    for i in range(service.POST_LIMIT - 1):
        kit.reply(thread, kit.mohfw_staff, f"reply {i}")
    with pytest.raises(TooManyRequests) as refused:
        kit.reply(thread, kit.mohfw_staff, "one too many")
    assert "Wait a few minutes" in refused.value.message
    kit.reply(thread, kit.mohfw_other, "others may still post")


def test_attachments_are_limited_in_type_and_size(db, kit):
    space = kit.community()
    thread = kit.thread(space, kit.mohfw_staff)
    post = kit.reply(thread, kit.mohfw_other, "The circular", [service.Upload("circular.pdf", b"%PDF-1.4 test")])
    attached = service.repo.attachments(db, [post.id])[post.id]
    assert [(a.filename, a.media_type) for a in attached] == [("circular.pdf", "application/pdf")]
    assert (kit.upload_dir / "discussions" / attached[0].stored_name).read_bytes() == b"%PDF-1.4 test"
    with pytest.raises(InvalidInput):  # an executable named .pdf is refused by its content
        kit.reply(thread, kit.mohfw_other, "x", [service.Upload("notes.pdf", b"MZ\x90\x00\x03\x00\x00\x00\xff\xfe")])
    with pytest.raises(PayloadTooLarge):
        kit.reply(thread, kit.mohfw_other, "x", [service.Upload("big.txt", b"a" * (5 * 1024 * 1024 + 1))])
    with pytest.raises(InvalidInput):
        kit.reply(thread, kit.mohfw_other, "x", [service.Upload(f"{i}.txt", b"hi") for i in range(4)])


def test_search_finds_hindi_and_english_words(db, kit):
    space = kit.community()
    kit.thread(space, kit.mohfw_staff, title="शिकायत निवारण", body="सात दिनों में समाधान")
    kit.thread(space, kit.mohfw_other, title="Grievance redressal", body="Resolve in SEVEN days")
    assert service.search(db, kit.p(kit.mha_staff), "समाधान")[0] == 1
    assert service.search(db, kit.p(kit.mha_staff), "seven grievance")[0] == 1
    assert service.search(db, kit.p(kit.mha_staff), "100%_")[0] == 0  # no word of it is in any post
    assert service.search(db, kit.p(kit.mha_staff), "' OR \"")[0] == 0  # quotes alone: nothing, no error


def test_full_text_search_matches_word_prefixes_in_both_scripts_within_the_readers_scope(db, kit):
    open_space, closed = kit.community(title="Open"), kit.community(closed=True, title="MoHFW only")
    kit.thread(open_space, kit.mohfw_staff, title="ई-ऑफिस में फ़ाइल", body="फ़ाइलों की नोटिंग कैसे करें? e-Office notings")
    kit.thread(closed, kit.mohfw_staff, title="नोटिंग का प्रारूप", body="Internal noting format")
    spam = kit.reply(kit.thread(open_space, kit.mohfw_other, title="Offer"), kit.mha_staff, "नोटिंग course, cheap")
    hits = lambda who, q: service.search(db, kit.p(who), q)  # noqa: E731
    # a Hindi word, a Hindi prefix, English in any case, two scripts in one query
    assert [p.body for p, _t, _s in hits(kit.mohfw_other, "नोटिंग")[1]] == [
        "नोटिंग course, cheap", "Internal noting format", "फ़ाइलों की नोटिंग कैसे करें? e-Office notings"]  # fmt: skip
    assert hits(kit.mha_staff, "फ़ाइल")[0] == 1  # "फ़ाइलों" begins with it
    assert hits(kit.mha_staff, "NOTING ई-ऑफिस")[0] == 1
    assert hits(kit.mha_staff, "oting")[0] == 0  # words match from their start, not inside
    # another ministry's staff never find the closed community's post; a hidden post is found by nobody
    assert hits(kit.mha_staff, "नोटिंग")[0] == 2 and hits(kit.mha_staff, "प्रारूप")[0] == 0
    service.moderate(db, kit.p(kit.mohfw_admin), spam.id, "Advertising", hide=True)
    assert hits(kit.mha_staff, "cheap")[0] == 0 and hits(kit.organiser, "cheap")[0] == 0
    assert hits(kit.organiser, "प्रारूप")[0] == 1


def test_taking_part_earns_karma_only_when_the_campaigns_rules_say_so(db, kit):
    today = utcnow().astimezone(IST).date()
    camp = campaigns.create(
        db,
        actor_id=None,
        data=CampaignCreate(
            name="Week with discussions", starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=1)
        ),
    )
    db.flush()
    space = kit.community()
    kit.thread(space, kit.mohfw_staff)
    assert karma_repo.karma_entry(db, kit.mohfw_staff.id, "discussion", f"day:{today.isoformat()}") is None
    campaigns.change_rules(
        db, campaign_id=camp.id, actor_id=None, data=RulesChangeIn(reason="Reward Samuhik Charcha", discussion_karma=3)
    )
    thread = kit.thread(space, kit.mohfw_other)
    kit.reply(thread, kit.mohfw_other, "and again the same day")
    entry = karma_repo.karma_entry(db, kit.mohfw_other.id, "discussion", f"day:{today.isoformat()}")
    assert entry is not None and entry.points == 3  # once a day, however much one posts
    db.flush()
    total = campaigns_repo.get_total(db, camp.id, kit.mohfw_other.id)
    assert total is not None and total.karma == 3 and total.total_minutes == 0  # never learning minutes
