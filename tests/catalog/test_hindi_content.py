"""The demo's native courses in Hindi: a Hindi reader gets each module's Hindi title and text and the Hindi
questions; an English reader the English ones; fetching a page ahead (for offline reading) records nothing."""

from __future__ import annotations

from saptah.catalog import learning, service
from saptah.catalog import repository as repo
from saptah.catalog.tasks import data_file
from tests.catalog.test_learning_rules import take
from tests.factories import sign_in


def test_every_demo_module_and_question_has_its_hindi_version():
    for course in data_file("reference_courses.json"):
        for module in course.get("modules") or []:
            assert module.get("title_hi") and module.get("body_hi"), (course["code"], module["title"])
        for question in (course.get("assessment") or {}).get("questions", []):
            assert question.get("prompt_hi") and len(question["options_hi"]) == len(question["options"])


def test_a_hindi_reader_learns_in_hindi_and_an_english_reader_in_english(client, db, make, reference):
    course = repo.course_by_code(db, "DOPT-STRESS")
    hindi, english = make.person(), make.person()
    hindi.preferred_language = "hi"
    db.flush()
    for person in (hindi, english):
        service.enrol(db, person_id=person.id, course_id=course.id)
    sign_in(client, hindi.email)
    page = client.get(f"/learn/{course.id}").text
    assert '<h2 data-testid="module-title">तनाव की पहचान</h2>' in page and "चिड़चिड़ापन, थकान" in page
    assert "प्रबंधन" in page and "Recognising stress" not in page
    for module in learning.state(db, person_id=hindi.id, course_id=course.id).modules:
        take(db, hindi, course, module)
    page = client.get(f"/learn/{course.id}").text
    assert "इनमें से कौन-सा तनाव का शुरुआती संकेत है?" in page and "चिड़चिड़ापन और थकान" in page
    assert "Which of these is an early sign of stress?" not in page
    client.cookies.clear()
    sign_in(client, english.email)
    page = client.get(f"/learn/{course.id}").text
    assert "Recognising stress" in page and "तनाव की पहचान" not in page


def test_a_page_fetched_ahead_for_offline_reading_records_no_resume_point(client, db, make, reference):
    course = repo.course_by_code(db, "DOPT-OFFICE-PROC")
    person = make.person()
    service.enrol(db, person_id=person.id, course_id=course.id)
    sign_in(client, person.email)
    listed = client.get("/learn/offline.json").json()["urls"]
    modules = repo.modules_of(db, course.id)
    assert listed == [f"/learn/{course.id}", *[f"/learn/{course.id}?module={m.id}" for m in modules]]
    ahead = client.get(listed[-1], headers={"X-Saptah-Prefetch": "1"})
    assert ahead.status_code == 200 and modules[-1].title in ahead.text
    db.expire_all()
    assert repo.get_enrolment(db, person.id, course.id).last_module_id is None
    assert repo.module_progress(db, person.id, course.id) == {}
    client.get(listed[-1])  # opened: now it is where the learner left off
    db.expire_all()
    assert repo.get_enrolment(db, person.id, course.id).last_module_id == modules[-1].id
    client.cookies.clear()
    assert client.get("/learn/offline.json", follow_redirects=False).status_code in (302, 303, 401)
