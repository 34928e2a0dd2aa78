"""What a dashboard needs to know about courses: title, provider, competency areas, first language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from saptah.analytics import repository as repo

LANGUAGE_NAMES = {
    "en": "English",
    "hi": "Hindi",
    "bn": "Bengali",
    "ta": "Tamil",
    "te": "Telugu",
    "mr": "Marathi",
    "gu": "Gujarati",
    "kn": "Kannada",
    "ml": "Malayalam",
    "or": "Odia",
    "pa": "Punjabi",
    "as": "Assamese",
    "ur": "Urdu",
}


@dataclass(frozen=True)
class CourseFacts:
    """A course as the dashboard groups it."""

    title: str
    provider: str
    areas: list[str]
    language: str


# Above this many courses, read the whole catalogue (a few thousand rows, one index-free scan) rather than send
# thousands of bound parameters: at national scale binding 2,400 ids cost more than the queries themselves.
WHOLE_CATALOGUE_FROM = 200


def course_facts(session: Session, course_ids: Sequence[int]) -> dict[int, CourseFacts]:
    """Facts of these courses, in two queries whatever their number."""
    if not course_ids:
        return {}
    wanted = set(course_ids)
    which = None if len(wanted) > WHOLE_CATALOGUE_FROM else list(wanted)
    areas = repo.course_areas(session, which)
    out = {}
    for cid, title, provider, languages in repo.course_rows(session, which):
        if cid not in wanted:
            continue
        first = (languages or "en").split("|")[0]
        out[cid] = CourseFacts(title, provider or "", sorted(areas.get(cid, [])), LANGUAGE_NAMES.get(first, first))
    return out
