"""SCORM packages in the catalogue: upload as a course or as one module of a native course, the package's files
served from Saptah's origin, and the time on task and module completion the SCORM run-time reports.

The run-time itself (CMI data per learner and attempt, statements in the LRS) is `lrs/scorm.py`, as cmi5 is
`lrs/cmi5.py`: a whole-course package completes its course through the LRS's statement, like any xAPI course;
a SCORM module is marked done through the native player's own rule (`learning.mark_done`, time on task included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from saptah.catalog import learning, scorm_package, service
from saptah.catalog import repository as repo
from saptah.catalog import scorm_repository as srepo
from saptah.catalog.models import (
    Course,
    CourseModule,
    CourseStatus,
    LaunchKind,
    ModuleProgress,
    ScormFile,
    ScormPackage,
)
from saptah.catalog.time_on_task import ModuleNeed, TimeRules, declared_minutes, need
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from saptah.directory import service as directory
from saptah.directory.models import OrgType
from saptah.directory.schemas import Principal

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,59}$")
MB = 1024 * 1024


@dataclass(frozen=True)
class CourseForm:
    """What the upload form says about a new SCORM course (the package says the rest)."""

    code: str
    duration_minutes: int
    title: str = ""
    provider_code: str = ""
    competency_codes: tuple[str, ...] = ()


def _store(session: Session, pkg: scorm_package.Package, *, course: Course, module_id: int | None, by: int) -> int:
    row = ScormPackage(
        course_id=course.id,
        module_id=module_id,
        version=pkg.version,
        title=pkg.title,
        scos=[s.as_json() for s in pkg.scos],
        file_count=len(pkg.files),
        total_bytes=pkg.total_bytes,
        uploaded_by=by,
    )
    repo.add(session, row)
    files = [
        {"path": path, "content_type": scorm_package.content_type_of(path), "size": len(data), "data": data}
        for path, data in sorted(pkg.files.items())
    ]
    srepo.add_files(session, row.id, files)
    session.flush()
    return row.id


def upload_course(
    session: Session, *, principal: Principal, data: bytes, form: CourseForm, base_url: str, max_bytes: int
) -> Course:
    """A new draft course that plays a SCORM package; the provider is the uploader's organisation (organisers
    choose one)."""
    service.require_publisher(principal)
    code = form.code.strip()
    if not CODE.match(code):
        raise InvalidInput("The course code must be 2-60 letters, digits, '.', '_' or '-', starting with one of them.")
    if repo.course_by_code(session, code) is not None:
        raise Conflict("A course with code {code} exists already; choose another code.", code=code)
    if not 1 <= form.duration_minutes <= 10_000:
        raise InvalidInput("The duration must be between 1 and 10000 minutes.")
    provider_id = _provider(session, principal, form.provider_code)
    known = service.known_competency_codes(session, list(form.competency_codes))
    unknown = sorted(set(form.competency_codes) - set(known))
    if unknown:
        raise InvalidInput("Unknown competency codes: {items}.", items=", ".join(unknown))
    pkg = scorm_package.read(data, max_bytes=max_bytes)
    course = Course(
        code=code,
        title_en=(form.title.strip() or pkg.title)[:300],
        provider_org_id=provider_id,
        duration_minutes=form.duration_minutes,
        status=CourseStatus.DRAFT.value,
        launch_kind=LaunchKind.SCORM.value,
        activity_id=f"{base_url.rstrip('/')}/courses/{code}",
        created_by=principal.person_id,
    )
    repo.add(session, course)
    comps = repo.competencies_by_codes(session, known)
    repo.set_competencies(session, course.id, [c.id for c in comps.values()])
    _store(session, pkg, course=course, module_id=None, by=principal.person_id)
    return course


def _provider(session: Session, principal: Principal, code: str) -> int:
    if not code.strip():
        if principal.is_national:
            raise InvalidInput("Choose the content provider whose course this is.")
        return principal.org_id
    org = directory.repo.get_org_by_code(session, code.strip().upper())
    if org is None or org.type != OrgType.CONTENT_PROVIDER.value:
        raise InvalidInput("There is no content provider with code {code}.", code=code.strip()[:40])
    if not principal.is_national and org.id != principal.org_id:
        raise Forbidden("You may upload courses only for your own organisation.")
    return org.id


def upload_module(
    session: Session, *, principal: Principal, course: Course, data: bytes, title: str, minutes: int | None,
    max_bytes: int,
) -> CourseModule:  # fmt: skip
    """A SCORM package added as the last module of a native course its provider (or an organiser) manages."""
    if not service.may_manage(principal, course):
        raise Forbidden("Only the course's provider or a national organiser adds modules to it.")
    if course.launch_kind != LaunchKind.NATIVE.value:
        raise Conflict("A SCORM module can be added only to a course taken in the Saptah player.")
    if minutes is not None and not 1 <= minutes <= 10_000:
        raise InvalidInput("The module's minutes must be between 1 and 10000.")
    pkg = scorm_package.read(data, max_bytes=max_bytes)
    module = CourseModule(
        course_id=course.id,
        position=srepo.next_position(session, course.id),
        title=(title.strip() or pkg.title)[:300],
        kind="scorm",
        minutes=minutes,
    )
    repo.add(session, module)
    _store(session, pkg, course=course, module_id=module.id, by=principal.person_id)
    return module


def package(session: Session, package_id: int) -> ScormPackage:
    """A package, or a clear 404."""
    row = srepo.get_package(session, package_id)
    if row is None:
        raise NotFound("There is no such SCORM package.")
    return row


def playable(session: Session, principal: Principal, package_id: int) -> tuple[ScormPackage, Course]:
    """A package the principal may open: enrolled in its course, or managing it (a preview)."""
    row = package(session, package_id)
    course = service.visible_course(session, principal, row.course_id)
    if (
        not service.may_manage(principal, course)
        and repo.get_enrolment(session, principal.person_id, course.id) is None
    ):
        raise Conflict("Enrol in this course first.")
    return row, course


def file_of(session: Session, principal: Principal, package_id: int, path: str) -> ScormFile:
    """One of a package's files for someone who may open it; the path is looked up as stored, never on disk."""
    playable(session, principal, package_id)
    found = srepo.get_file(session, package_id, path)
    if found is None:
        raise NotFound("This SCORM package has no such file.")
    return found


def packages_of(session: Session, course_id: int) -> list[ScormPackage]:
    """A course's packages."""
    return srepo.packages_of(session, course_id)


def package_of_module(session: Session, module_id: int) -> ScormPackage | None:
    """The package a SCORM module plays."""
    return srepo.package_of_module(session, module_id)


def credit_time(
    session: Session, *, person_id: int, package_row: ScormPackage, seconds: int, now: datetime | None = None
) -> None:
    """Add SCORM session time (already checked against the clock by the run-time) to the learner's time on task:
    the enrolment's, and the module's when the package is one module of a course."""
    now = now or utcnow()
    course = service.get_course(session, package_row.course_id)
    enrolment = repo.get_enrolment(session, person_id, course.id)
    if enrolment is None:
        enrolment = service.enrol_quietly(session, person_id=person_id, course=course, at=now)
    enrolment.seconds_in_use += seconds
    enrolment.last_active_at = now
    if package_row.module_id is not None:
        progress = repo.module_progress(session, person_id, course.id)
        row = progress.get(package_row.module_id)
        if row is None:
            row = ModuleProgress(
                person_id=person_id, course_id=course.id, module_id=package_row.module_id, seconds_in_use=0,
                first_seen_at=now - timedelta(seconds=seconds),
            )  # fmt: skip
            repo.add(session, row)
        row.seconds_in_use = (row.seconds_in_use or 0) + seconds
    session.flush()


def standing(session: Session, *, person_id: int, package_row: ScormPackage, rules: TimeRules) -> ModuleNeed:
    """Time on task against what the course (or the SCORM module) declares."""
    course = service.get_course(session, package_row.course_id)
    if package_row.module_id is None:
        enrolment = repo.get_enrolment(session, person_id, course.id)
        spent = enrolment.seconds_in_use if enrolment is not None else 0
        return need(rules, declared_minutes=course.duration_minutes, spent_seconds=spent, watched=[],
                    inline_video=False)  # fmt: skip
    modules = repo.modules_of(session, course.id)
    minutes = declared_minutes([m.minutes for m in modules], course.duration_minutes)
    declared = next((d for m, d in zip(modules, minutes, strict=True) if m.id == package_row.module_id), 0)
    row = repo.module_progress(session, person_id, course.id).get(package_row.module_id)
    spent = (row.seconds_in_use or 0) if row is not None else 0
    return need(rules, declared_minutes=declared, spent_seconds=spent, watched=[], inline_video=False)


def module_satisfied(session: Session, *, person_id: int, package_row: ScormPackage, rules: TimeRules) -> bool:
    """Every SCO of a SCORM module is satisfied: mark the module done by the native player's rule (which checks
    time on task and completes the course when its last step is done); False while time on task is short."""
    assert package_row.module_id is not None
    try:
        learning.mark_done(
            session, person_id=person_id, course_id=package_row.course_id, module_id=package_row.module_id,
            rules=rules, by_scorm=True,
        )  # fmt: skip
    except learning.NotYet:
        return False
    return True
