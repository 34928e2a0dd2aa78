"""Time on task read offline: a ping kept on the device is judged at the time it was made, by the same rule."""

from __future__ import annotations

import time

from saptah.catalog import learning, service
from tests.factories import csrf, sign_in


def _ping(client, course_id: int, module_id: int, seconds: int, kept_at: int | None = None) -> int:
    data = {"csrf_token": csrf(client), "module_id": str(module_id), "seconds": str(seconds)}
    if kept_at is not None:
        data["kept_at"] = str(kept_at)
    answer = client.post(f"/learn/{course_id}/ping", data=data)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["module_seconds"])


def test_pings_kept_offline_count_as_they_would_have_live_and_no_more(client, db, make, courses):
    person = make.person()
    course = courses.make()
    service.enrol(db, person_id=person.id, course_id=course.id)
    module = learning.state(db, person_id=person.id, course_id=course.id).modules[0]
    sign_in(client, person.email)
    now_ms = int(time.time() * 1000)
    # three half-minute pings made offline a minute apart, sent together when the connection returned
    totals = [_ping(client, course.id, module.id, 30, kept_at=now_ms - ago * 1000) for ago in (180, 120, 60)]
    assert totals == [30, 60, 90]
    # the same three sent again without their times are judged now: one clock, at most a minute before the first
    again = [_ping(client, course.id, module.id, 30) for _ in range(3)]
    assert again[-1] - 90 <= 60
    # a time in the future, or before the last counted activity, is held to now and to that activity
    assert _ping(client, course.id, module.id, 30, kept_at=now_ms + 3_600_000) - again[-1] <= 6
