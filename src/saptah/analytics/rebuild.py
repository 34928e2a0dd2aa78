"""Rebuild the analytics aggregates from stored completions (the demo and the national bulk path use it).

It gives the same rows as the live subscriber (`tasks.on_course_completed`) writes one completion at a time.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from saptah.analytics.models import NATIONAL, CourseDayTotal, GroupDayTotal
from saptah.core.timeutil import ist_day


def rebuild_course_totals(session: Session) -> int:
    """Recount the per-day course and group aggregates from every stored completion; returns completions read."""
    session.execute(delete(CourseDayTotal))
    session.execute(delete(GroupDayTotal))
    if session.get_bind().dialect.name == "postgresql":
        return int(session.execute(text(_PG_REBUILD)).scalar() or 0)
    return _rebuild_python(session)


def _rebuild_python(session: Session) -> int:
    from saptah.catalog.models import Course, CourseCompletion
    from saptah.directory.models import Person

    courses: dict[tuple[int, Any, int], list[int]] = defaultdict(lambda: [0, 0])
    groups: dict[tuple[int, Any, str], list[int]] = defaultdict(lambda: [0, 0])
    stmt = (
        select(
            Person.org_id,
            Person.group,
            CourseCompletion.completed_at,
            CourseCompletion.course_id,
            Course.duration_minutes,
        )
        .join(Person, Person.id == CourseCompletion.person_id)
        .join(Course, Course.id == CourseCompletion.course_id)
    )
    n = 0
    for org_id, group, at, course_id, minutes in session.execute(stmt).all():
        day = ist_day(at)
        for oid in (NATIONAL, org_id):
            acc = courses[(oid, day, course_id)]
            acc[0] += 1
            acc[1] += minutes
            gacc = groups[(oid, day, group or "Others")]
            gacc[0] += 1
            gacc[1] += minutes
        n += 1
    crows = [
        {"org_id": o, "day": d, "course_id": c, "completions": v[0], "minutes": v[1]}
        for (o, d, c), v in courses.items()
    ]
    grows = [{"org_id": o, "day": d, "grp": g, "completions": v[0], "minutes": v[1]} for (o, d, g), v in groups.items()]
    for model, rows in ((CourseDayTotal, crows), (GroupDayTotal, grows)):
        for i in range(0, len(rows), 5000):
            session.execute(insert(model), rows[i : i + 5000])
    return n


_PG_REBUILD = """
WITH c AS (
  SELECT p.org_id, COALESCE(p."group", 'Others') AS grp, (cc.completed_at AT TIME ZONE 'Asia/Kolkata')::date AS day,
         cc.course_id, co.duration_minutes AS minutes
  FROM course_completions cc JOIN people p ON p.id = cc.person_id JOIN courses co ON co.id = cc.course_id
), ins_c AS (
  INSERT INTO analytics_course_day_totals (org_id, day, course_id, completions, minutes)
  SELECT org_id, day, course_id, count(*), sum(minutes) FROM c GROUP BY org_id, day, course_id
  UNION ALL
  SELECT 0, day, course_id, count(*), sum(minutes) FROM c GROUP BY day, course_id
), ins_g AS (
  INSERT INTO analytics_group_day_totals (org_id, day, grp, completions, minutes)
  SELECT org_id, day, grp, count(*), sum(minutes) FROM c GROUP BY org_id, day, grp
  UNION ALL
  SELECT 0, day, grp, count(*), sum(minutes) FROM c GROUP BY day, grp
)
SELECT count(*) FROM c
"""
