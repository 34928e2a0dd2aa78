"""Discussion pages and the JSON API: scoping (404 across ministries), forms with attachments, safe serving of
files, the flood limit's answer, moderation rights, and the digest delivered over real SMTP."""

from __future__ import annotations

from datetime import timedelta

from saptah.core.db import utcnow
from saptah.discussions import digest
from saptah.notify.tasks import send_due
from tests.factories import csrf, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _client_as(app, person):
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url="http://testserver")
    sign_in(client, person.email)
    return client


def test_a_closed_community_is_404_to_another_ministry_in_pages_and_api(app, client, db, kit):
    space = kit.community(closed=True, title="MoHFW only cell")
    thread = kit.thread(space, kit.mohfw_staff, title="Private matter")
    sign_in(client, kit.mha_admin.email)
    for path in (
        f"/discussions/spaces/{space.id}",
        f"/discussions/threads/{thread.id}",
        f"/api/v1/discussions/spaces/{space.id}",
        f"/api/v1/discussions/threads/{thread.id}",
    ):
        assert client.get(path).status_code == 404, path
    assert "MoHFW only cell" not in client.get("/discussions").text
    assert all(s["id"] != space.id for s in client.get("/api/v1/discussions/spaces").json())
    assert client.get("/api/v1/discussions/search", params={"q": "private"}).json()["total"] == 0
    reply = client.post(f"/api/v1/discussions/threads/{thread.id}/replies", json={"body": "let me in"})
    assert reply.status_code == 404
    insider = _client_as(app, kit.mohfw_staff)
    assert insider.get(f"/discussions/spaces/{space.id}").status_code == 200
    assert "Private matter" in insider.get(f"/discussions/spaces/{space.id}").text


def test_a_thread_with_an_attachment_from_the_form_and_the_file_served_strictly(client, db, kit):
    space = kit.community()
    sign_in(client, kit.mohfw_staff.email)
    form = {"csrf_token": csrf(client), "title": "Chart of our OPD queue", "body": "See **the chart** <b>x</b>"}
    files = [
        ("files", ("queue.png", PNG, "application/octet-stream")),
        ("files", ("notes.txt", b"<script>x</script>", "text/html")),
    ]
    made = client.post(f"/discussions/spaces/{space.id}/threads", data=form, files=files, follow_redirects=False)
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert "<strong>the chart</strong>" in page.text and "<b>x</b>" not in page.text
    links = [part.split('"')[0] for part in page.text.split('href="/discussions/attachments/')[1:]]
    assert len(links) == 2
    image = client.get(f"/discussions/attachments/{links[0]}")
    assert image.headers["content-type"] == "image/png" and image.content == PNG
    assert image.headers["content-disposition"].startswith("inline")
    text = client.get(f"/discussions/attachments/{links[1]}")
    assert text.headers["content-type"].startswith("text/plain")  # never text/html, whatever was sent
    assert text.headers["content-disposition"].startswith("attachment")
    assert text.headers["x-content-type-options"] == "nosniff"


def test_a_refused_attachment_shows_the_form_again_with_the_text_kept(client, db, kit):
    space = kit.community()
    sign_in(client, kit.mohfw_staff.email)
    form = {"csrf_token": csrf(client), "title": "My draft title", "body": "A long careful text"}
    files = [("files", ("tool.pdf", b"MZ\x90\x00binary\xff\xfe\x00", "application/pdf"))]
    page = client.post(f"/discussions/spaces/{space.id}/threads", data=form, files=files)
    assert page.status_code == 400
    assert "attach a PDF, PNG, JPEG or plain text file" in page.text
    assert "A long careful text" in page.text and "My draft title" in page.text
    assert client.get(f"/api/v1/discussions/spaces/{space.id}").json()["total"] == 0


def test_flooding_the_api_gets_429_with_a_clear_message(client, db, kit):
    space = kit.community()
    sign_in(client, kit.mohfw_staff.email)
    made = client.post(f"/api/v1/discussions/spaces/{space.id}/threads", json={"title": "Quick one", "body": "hi"})
    assert made.status_code == 201
    thread_id = made.json()["thread"]["id"]
    codes = [
        client.post(f"/api/v1/discussions/threads/{thread_id}/replies", json={"body": f"n{i}"}).status_code
        for i in range(10)
    ]
    assert codes == [201] * 9 + [429]
    refused = client.post(f"/api/v1/discussions/threads/{thread_id}/replies", json={"body": "again"})
    assert refused.status_code == 429 and "Wait a few minutes" in refused.json()["error"]["message"]


def test_votes_answers_and_moderation_through_the_api(app, client, db, kit):
    course = kit.course()
    sign_in(client, kit.mha_staff.email)
    space = client.get(f"/api/v1/discussions/courses/{course.id}/space").json()
    assert space["kind"] == "course" and not space["may_moderate"]
    thread = client.post(
        f"/api/v1/discussions/spaces/{space['id']}/threads", json={"title": "Hindi version?", "body": "?"}
    )
    thread_id = thread.json()["thread"]["id"]
    other = _client_as(app, kit.mohfw_staff)
    answer = other.post(f"/api/v1/discussions/threads/{thread_id}/replies", json={"body": "Choose हिन्दी at the top."})
    post_id = answer.json()["id"]
    assert client.put(f"/api/v1/discussions/posts/{post_id}/upvote").status_code == 204
    assert client.put(f"/api/v1/discussions/posts/{post_id}/accepted").status_code == 204
    assert other.put(f"/api/v1/discussions/posts/{post_id}/upvote").status_code == 400  # one's own
    view = client.get(f"/api/v1/discussions/threads/{thread_id}").json()
    assert view["thread"]["answered"] and view["posts"][1]["upvotes"] == 1 and view["posts"][1]["accepted"]
    assert client.post(f"/api/v1/discussions/posts/{post_id}/report", json={"reason": "x"}).status_code == 400
    assert (
        client.post(f"/api/v1/discussions/posts/{post_id}/report", json={"reason": "Wrong advice"}).status_code == 204
    )
    assert client.post(f"/api/v1/discussions/posts/{post_id}/hide", json={"reason": "mine?"}).status_code == 403
    provider = _client_as(app, kit.provider)
    assert (
        provider.post(f"/api/v1/discussions/posts/{post_id}/hide", json={"reason": "Wrong advice"}).status_code == 204
    )
    hidden = client.get(f"/api/v1/discussions/threads/{thread_id}").json()["posts"][1]
    assert hidden["hidden"] and hidden["body"] is None and hidden["html"] is None
    assert hidden["hidden_reason"] == "Wrong advice" and not hidden["accepted"]
    log = _client_as(app, kit.organiser).get("/api/v1/audit", params={"act": "discussion.hide"}).json()
    assert log["total"] == 1 and log["entries"][0]["target"] == f"discussion post {post_id}"


def test_moderation_from_the_thread_page(app, client, db, kit):
    charcha = kit.event()
    sign_in(client, kit.mohfw_other.email)
    space_page = client.get(f"/discussions/events/{charcha.id}")
    assert space_page.status_code == 200 and "Samuhik Charcha: citizen-first" in space_page.text
    space_id = int(str(space_page.url).rsplit("/", 1)[1])
    from saptah.discussions import repository as repo

    space = repo.get_space(db, space_id)
    thread = kit.thread(space, kit.mha_staff, title="Unrelated sales pitch")
    opening = repo.opening_post(db, thread.id)
    token = csrf(client)
    reported = client.post(f"/discussions/posts/{opening.id}/report", data={"csrf_token": token, "reason": "Spam"})
    assert reported.status_code == 200 and "the moderators will look at it" in reported.text
    admin = _client_as(app, kit.mohfw_admin)
    assert "Reported posts" in admin.get(f"/discussions/spaces/{space_id}").text
    hid = admin.post(f"/discussions/posts/{opening.id}/hide", data={"csrf_token": csrf(admin), "reason": "Off topic"})
    assert hid.status_code == 200 and "The post is hidden." in hid.text
    assert client.get(f"/discussions/threads/{thread.id}").status_code == 404
    assert "Unrelated sales pitch" not in client.get(f"/discussions/spaces/{space_id}").text


def test_following_and_the_daily_digest_over_smtp(app, client, db, kit, smtp, settings):
    space = kit.community()
    sign_in(client, kit.mohfw_staff.email)
    assert client.put("/api/v1/discussions/follows", json={"space_id": space.id}).status_code == 204
    assert client.put("/api/v1/discussions/follows", json={"space_id": space.id, "thread_id": 1}).status_code == 400
    kit.thread(space, kit.mohfw_other, title="New circular on e-Office", body="Read para 4.")
    kit.thread(space, kit.mohfw_staff, title="My own thread")  # one's own posts are not news
    queued, _ = digest.send_due(db, base_url="http://testserver", now=utcnow() + timedelta(days=1, minutes=1))
    assert queued == 1
    assert send_due(db, settings) >= 1
    mail = smtp.to(kit.mohfw_staff.email)
    assert len(mail) == 1
    text = mail[0].get_body().get_content()
    assert "New circular on e-Office" in text and "My own thread" not in text and "/discussions/following" in text
    assert digest.send_due(db, base_url="http://testserver", now=utcnow() + timedelta(days=1, minutes=2))[0] == 0
    assert client.put("/api/v1/discussions/digest", json={"frequency": "weekly"}).status_code == 204
    assert client.get("/api/v1/discussions/following").json()["frequency"] == "weekly"
    assert client.put("/api/v1/discussions/digest", json={"frequency": "hourly"}).status_code == 400


def test_pages_in_hindi_and_a_new_community_from_the_form(client, db, kit):
    sign_in(client, kit.mohfw_admin.email)
    client.get("/lang/hi")
    page = client.get("/discussions")
    assert page.status_code == 200 and "चर्चा" in page.text
    form = {
        "csrf_token": csrf(client),
        "title_en": "Nursing officers",
        "title_hi": "नर्सिंग अधिकारी",
        "org_code": "MOHFW",
        "closed": "yes",
    }
    made = client.post("/discussions/new", data=form)
    assert made.status_code == 200 and "नर्सिंग अधिकारी" in made.text
    bad = client.post("/discussions/new", data={"csrf_token": csrf(client), "title_en": "x"})
    assert bad.status_code == 400
