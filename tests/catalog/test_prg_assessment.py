"""The assessment form follows post/redirect/get: a reload shows the player again, never "Method Not Allowed"."""

from __future__ import annotations

from saptah.catalog import learning, service
from tests.catalog.conftest import QUIZ
from tests.catalog.test_learning_rules import take
from tests.factories import csrf, sign_in


def test_assessment_submit_redirects_and_a_reload_shows_the_page_not_method_not_allowed(client, db, make, courses):
    person = make.person()
    course = courses.make(assessment=QUIZ)
    service.enrol(db, person_id=person.id, course_id=course.id)
    for module in learning.state(db, person_id=person.id, course_id=course.id).modules:
        take(db, person, course, module)  # time on task, then done
    sign_in(client, person.email)
    sent = client.post(
        f"/learn/{course.id}/assessment",
        data={"q0": "1", "q1": "0", "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/learn/{course.id}#assessment"
    shown = client.get(f"/learn/{course.id}")
    assert shown.status_code == 200 and "You scored 100%: passed." in shown.text
    # reloading the page the browser is on is a plain GET: the page again, the one-time message gone
    again = client.get(f"/learn/{course.id}")
    assert again.status_code == 200 and "You scored" not in again.text and 'data-testid="passed"' in again.text
