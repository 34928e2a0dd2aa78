"""Time on task: a native course cannot be completed for its full duration in seconds. Through the player's HTTP
routes: a module is done only after half its declared minutes (or 90 % of an inline video), the page says what is
left, pings share one clock, and organisers see completions whose time on task was unusually short."""

from __future__ import annotations

from datetime import timedelta

import pytest

from saptah.campaigns import repository as campaign_repo
from saptah.catalog import repository as repo
from saptah.catalog import service
from saptah.catalog.models import ModuleProgress
from saptah.catalog.time_on_task import TimeRules, add_watched, declared_minutes, need, parse_intervals
from saptah.core.db import utcnow
from saptah.core.timeutil import ist_day
from saptah.directory.models import Role
from saptah.recognition import karma
from tests.campaigns.helpers import campaign
from tests.catalog.conftest import QUIZ, study
from tests.factories import csrf, sign_in

THREE = [
    {"title": "The ministry", "body": "..."},
    {"title": "Its schemes", "body": "..."},
    {"title": "You", "body": "..."},
]


def know_your_ministry(courses):
    return courses.make(title_en="Know Your Ministry", duration_minutes=165, modules=THREE, assessment=QUIZ)


def done(client, course, module):
    return client.post(f"/learn/{course.id}/modules/{module.id}/done", data={"csrf_token": csrf(client)})


def test_know_your_ministry_cannot_be_completed_in_seconds(client, db, make, courses, clock):
    today = ist_day(utcnow())
    # through tomorrow: the player's clock moves on about 90 minutes, past midnight when the test runs after 22:30 IST
    c = campaign(db, "Time on task", starts_on=today, ends_on=today + timedelta(days=1))
    course = know_your_ministry(courses)
    learner = make.person("DOHFW")
    db.commit()
    sign_in(client, learner.email)
    client.post(f"/courses/{course.id}/enrol", data={"csrf_token": csrf(client)})
    modules = repo.modules_of(db, course.id)
    for m in modules:  # Mark as done on each module, two seconds apart: every one refused, saying what is left
        clock.advance(2)
        r = done(client, course, m)
        assert r.status_code == 409
        assert "Not yet: Spend about 28 minutes more on this module before marking it done." in r.text
    r = client.post(f"/learn/{course.id}/assessment", data={"csrf_token": csrf(client), "q0": "1", "q1": "0"})
    assert r.status_code == 409 and "Finish every module" in r.text
    db.expire_all()
    assert service.completions_for(db, person_ids=[learner.id], course_ids=[course.id]) == {}
    total = campaign_repo.get_total(db, c.id, learner.id)
    assert total is None or total.total_minutes == 0
    assert not [e for e in karma.karma_of(db, learner.id)[1] if e.reason in ("course_completed", "assessment_passed")]
    # 27 minutes on the first module is not yet half of its 55; 28 is
    study(client, clock, course.id, modules[0].id, 27 * 60)
    page = client.get(f"/learn/{course.id}?module={modules[0].id}").text
    assert "Spend about 1 minutes more" in page or "Spend about 30 seconds more" in page
    assert done(client, course, modules[0]).status_code == 409
    study(client, clock, course.id, modules[0].id, 60)
    assert done(client, course, modules[0]).status_code == 200
    for m in modules[1:]:
        study(client, clock, course.id, m.id, 28 * 60)
        assert done(client, course, m).status_code == 200
    r = client.post(f"/learn/{course.id}/assessment", data={"csrf_token": csrf(client), "q0": "1", "q1": "0"})
    assert "You scored 100%" in r.text
    db.expire_all()
    assert campaign_repo.get_total(db, c.id, learner.id).courses == 165  # the declared duration, as NLW counted it


def test_an_inline_video_is_done_when_nine_tenths_of_it_were_watched(client, db, make, courses, clock):
    video = {"title": "Talk", "kind": "video", "url": "https://media.example.in/talk.mp4", "minutes": 10}
    course = courses.make(duration_minutes=10, modules=[video])
    learner = make.person("DOHFW")
    db.commit()
    sign_in(client, learner.email)
    client.post(f"/courses/{course.id}/enrol", data={"csrf_token": csrf(client)})
    module = repo.modules_of(db, course.id)[0]
    page = client.get(f"/learn/{course.id}").text
    assert 'data-testid="video"' in page and "talk.mp4" in page
    # a forged report of the whole video after one minute gains no more than a minute at twice the speed
    r = study(client, clock, course.id, module.id, 60, watched="0-600")
    assert r.json()["watched_seconds"] == 120
    assert "about 7 minutes of it is still unwatched" in done(client, course, module).text
    r = study(client, clock, course.id, module.id, 4 * 60, watched="0-530")
    assert r.json()["watched_seconds"] == 530 and r.json()["left_seconds"] == 10
    assert done(client, course, module).status_code == 409
    r = study(client, clock, course.id, module.id, 60, watched="0-545")
    assert r.json()["left_seconds"] == 0
    assert done(client, course, module).status_code == 200
    bad = client.post(
        f"/learn/{course.id}/ping",
        data={"csrf_token": csrf(client), "module_id": module.id, "seconds": 5, "watched": "9-3"},
    )
    assert bad.status_code == 400 and "is not a range" in bad.text


def test_organisers_see_completions_with_unusually_short_time_on_task(client, db, make, courses, clock):
    course = courses.make(title_en="Quick read", duration_minutes=60)
    slow, fast = make.person("DOHFW", full_name="Slow Reader"), make.person("DOHFW", full_name="Fast Clicker")
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="tot.org@dopt.gov.in")
    # one learner took the modules; the other's completion was recorded before the player measured time
    for who in (slow, fast):
        service.enrol(db, person_id=who.id, course_id=course.id)
    for m in repo.modules_of(db, course.id):
        db.add(
            ModuleProgress(person_id=fast.id, course_id=course.id, module_id=m.id, seconds_in_use=40, done_at=utcnow())
        )
    db.flush()
    repo.get_enrolment(db, fast.id, course.id).seconds_in_use = 80
    service.complete_course(db, person_id=fast.id, course_id=course.id, at=utcnow(), source="native")
    db.commit()
    sign_in(client, slow.email)
    for m in repo.modules_of(db, course.id):
        study(client, clock, course.id, m.id, 16 * 60)
        assert done(client, course, m).status_code == 200
    assert client.get(f"/courses/{course.id}/time-on-task").status_code == 403
    assert client.get(f"/api/v1/courses/{course.id}/time-on-task").status_code == 403
    client.cookies.clear()
    sign_in(client, "tot.org@dopt.gov.in")
    assert 'data-testid="time-on-task-link"' in client.get(f"/courses/{course.id}").text
    page = client.get(f"/courses/{course.id}/time-on-task").text
    table = page.split('data-testid="short-completions"')[1]
    assert "Fast Clicker" in table and "Slow Reader" not in table
    assert "1 of 2 completions" in page
    api = client.get(f"/api/v1/courses/{course.id}/time-on-task").json()
    assert (api["completions"], api["required_share"], api["declared_minutes"]) == (2, 0.5, 60)
    assert [(s["name"], s["minutes_on_task"]) for s in api["short"]] == [("Fast Clicker", 1.3)]


def test_declared_minutes_fill_the_course_duration_evenly():
    assert declared_minutes([None, None, None], 165) == [55, 55, 55]
    assert declared_minutes([None, None], 25) == [13, 12]
    assert declared_minutes([20, None, None], 60) == [20, 20, 20]
    assert declared_minutes([90, None], 60) == [90, 0]


def test_watched_ranges_merge_and_new_seconds_are_bounded():
    assert add_watched([(0, 30)], [(10, 50), (100, 120)], length=600, budget=25) == [(0, 50), (100, 105)]
    assert add_watched([], [(590, 700)], length=600, budget=100) == [(590, 600)]
    with pytest.raises(ValueError):
        parse_intervals("abc")
    standing = need(TimeRules(), declared_minutes=10, spent_seconds=0, watched=[(0, 300)], inline_video=True)
    assert standing.left_seconds == 240 and not standing.ready


def test_the_player_says_what_is_left_in_the_learners_language(client, db, make, courses, clock):
    course = know_your_ministry(courses)
    learner = make.person("DOHFW")
    learner.preferred_language = "hi"
    db.commit()
    sign_in(client, learner.email)
    client.post(f"/courses/{course.id}/enrol", data={"csrf_token": csrf(client)})
    first = repo.modules_of(db, course.id)[0]
    page = client.get(f"/learn/{course.id}").text
    assert "इस मॉड्यूल को पूर्ण चिह्नित करने से पहले इस पर लगभग 28 मिनट और व्यतीत करें।" in page
    refused = done(client, course, first)
    assert refused.status_code == 409
    assert "अभी नहीं: इस मॉड्यूल को पूर्ण चिह्नित करने से पहले इस पर लगभग 28 मिनट" in refused.text
    assert "Spend about" not in refused.text
    ping = study(client, clock, course.id, first.id, 28 * 60)
    assert ping.json()["message"] == "आपने इस मॉड्यूल पर पर्याप्त समय व्यतीत कर लिया है; अब इसे पूर्ण चिह्नित कर सकते हैं।"
