"""Queries of SCORM packages and their files."""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from saptah.catalog.models import CourseModule, ScormFile, ScormPackage


def get_package(session: Session, package_id: int) -> ScormPackage | None:
    """A package by id."""
    return session.get(ScormPackage, package_id)


def packages_of(session: Session, course_id: int) -> list[ScormPackage]:
    """A course's packages: the whole-course package, or one per SCORM module (in upload order)."""
    return list(session.scalars(select(ScormPackage).where(ScormPackage.course_id == course_id).order_by("id")))


def package_of_module(session: Session, module_id: int) -> ScormPackage | None:
    """The package a SCORM module plays."""
    return session.scalar(select(ScormPackage).where(ScormPackage.module_id == module_id))


def add_files(session: Session, package_id: int, rows: list[dict[str, object]]) -> None:
    """Insert a package's files in one statement."""
    if rows:
        session.execute(insert(ScormFile), [{**r, "package_id": package_id} for r in rows])


def get_file(session: Session, package_id: int, path: str) -> ScormFile | None:
    """One file of a package by its path inside the package."""
    return session.get(ScormFile, (package_id, path))


def next_position(session: Session, course_id: int) -> int:
    """The position after a course's last module."""
    last = session.scalar(select(func.max(CourseModule.position)).where(CourseModule.course_id == course_id))
    return int(last or 0) + 1
