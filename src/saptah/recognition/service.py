"""Recognition rules."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from saptah.campaigns import service as campaigns
from saptah.campaigns.schemas import RecordIn
from saptah.core import signals
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from saptah.core.timeutil import IST
from saptah.directory import service as directory
from saptah.directory.schemas import Principal
from saptah.recognition import repository as repo
from saptah.recognition.models import Certificate, HonourRoll, HonourRollEntry, KarmaEntry

# ---------------------------------------------------------------------------------------------------------------
# Certificates: issued once per (person, kind, subject), with an unguessable public code.
# ---------------------------------------------------------------------------------------------------------------

CERTIFICATE_KINDS = ("course", "event", "campaign", "honour")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
CODE_LENGTH = 12  # 32**12 = 2**60 possibilities


@dataclass(frozen=True)
class Verification:
    """What the public verification page may show: nothing else about the person."""

    code: str
    valid: bool
    name: str
    title: str
    achieved_on: str
    revoked_on: str | None


def new_code() -> str:
    """A fresh, unguessable certificate code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def issue_certificate(
    session: Session,
    *,
    person_id: int,
    kind: str,
    subject_id: int,
    title: str,
    issuer: str | None = None,
    duration_minutes: int | None = None,
    achieved_at: datetime | None = None,
) -> Certificate:
    """Issue a certificate for a course, event, campaign or honour; a second call returns the first."""
    if kind not in CERTIFICATE_KINDS:
        raise InvalidInput(f"A certificate is for one of: {', '.join(CERTIFICATE_KINDS)}.")
    existing = repo.certificate_for(session, person_id, kind, subject_id)
    if existing is not None:
        return existing
    person = directory.repo.get_person(session, person_id)
    if person is None:
        raise NotFound("No such person.")
    cert = Certificate(
        code=new_code(),
        person_id=person_id,
        kind=kind,
        subject_id=subject_id,
        title=title[:300],
        recipient_name=person.full_name,
        issuer=issuer,
        duration_minutes=duration_minutes,
        achieved_at=achieved_at or utcnow(),
        issued_at=utcnow(),
    )
    repo.add(session, cert)
    return cert


@dataclass(frozen=True)
class CertificateIn:
    """A certificate to issue (see `issue_certificate`)."""

    person_id: int
    kind: str
    subject_id: int
    title: str
    issuer: str | None
    duration_minutes: int | None
    achieved_at: datetime


def issue_certificates(session: Session, wanted: Sequence[CertificateIn]) -> None:
    """`issue_certificate` for many at once: one query for the names, one insert; any already issued is kept."""
    if not wanted:
        return
    if any(c.kind not in CERTIFICATE_KINDS for c in wanted):
        raise InvalidInput(f"A certificate is for one of: {', '.join(CERTIFICATE_KINDS)}.")
    people = directory.repo.people_by_ids(session, [c.person_id for c in wanted])
    missing = {c.person_id for c in wanted} - set(people)
    if missing:
        raise NotFound("No such person.")
    now = utcnow()
    rows = {
        (c.person_id, c.kind, c.subject_id): {
            "code": new_code(),
            "person_id": c.person_id,
            "kind": c.kind,
            "subject_id": c.subject_id,
            "title": c.title[:300],
            "recipient_name": people[c.person_id].full_name,
            "issuer": c.issuer,
            "duration_minutes": c.duration_minutes,
            "achieved_at": c.achieved_at,
            "issued_at": now,
        }
        for c in wanted
    }
    repo.insert_certificates(session, [rows[key] for key in sorted(rows)])


def normalise_code(code: str) -> str:
    """Codes are read from paper: ignore case, spaces and dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def verify(session: Session, code: str) -> Verification:
    """The public facts of a certificate, or a plain 404."""
    cert = repo.certificate_by_code(session, normalise_code(code)) if len(code) <= 64 else None
    if cert is None:
        raise NotFound("No certificate has this code.")
    return Verification(
        code=cert.code,
        valid=cert.revoked_at is None,
        name=cert.recipient_name,
        title=cert.title,
        achieved_on=cert.achieved_at.astimezone(IST).strftime("%d %B %Y"),
        revoked_on=cert.revoked_at.astimezone(IST).strftime("%d %B %Y") if cert.revoked_at else None,
    )


def certificates_of(session: Session, person_id: int) -> list[Certificate]:
    """A person's certificates, newest first."""
    return repo.certificates_of(session, person_id)


def own_certificate(session: Session, principal: Principal, code: str) -> Certificate:
    """A certificate the principal holds, or one of a person they administer; else 404."""
    cert = repo.certificate_by_code(session, normalise_code(code))
    if cert is None:
        raise NotFound("No certificate has this code.")
    directory.visible_person(session, principal, cert.person_id)
    return cert


def revoke_certificate(session: Session, *, principal: Principal, code: str, reason: str) -> Certificate:
    """An admin of the holder's organisation (or a national organiser) revokes a certificate, with a reason."""
    directory.require_admin(principal)
    reason = reason.strip()
    if len(reason) < 5:
        raise InvalidInput("Give a reason for revoking (at least 5 characters).")
    cert = repo.certificate_by_code(session, normalise_code(code))
    if cert is None:
        raise NotFound("No certificate has this code.")
    directory.visible_person(session, principal, cert.person_id)
    if cert.revoked_at is None:
        cert.revoked_at = utcnow()
        cert.revoked_reason = reason[:2000]
        cert.revoked_by = principal.person_id
        session.flush()
    return cert


def certificate_pdf(cert: Certificate, *, base_url: str) -> bytes:
    """The certificate as a PDF: name (Hindi or English), title, issuer, duration, date, code and QR."""
    from saptah.recognition.pdf import render_certificate

    return render_certificate(cert, verify_url=verify_url(cert.code, base_url=base_url))


def verify_url(code: str, *, base_url: str) -> str:
    """The public page that verifies a certificate."""
    return f"{base_url.rstrip('/')}/verify/{code}"


# ---------------------------------------------------------------------------------------------------------------
# Karma and leaderboards (recognition engineer) go below this line.
# ---------------------------------------------------------------------------------------------------------------

KARMA_POINTS = {
    "first_sign_in": 5,
    "first_enrolment": 5,
    "course_completed": 5,
    "assessment_passed": 5,
    "plan_course": 10,
    "course_rated": 2,
    "event_attended": 10,
}


def award_karma(
    session: Session,
    *,
    person_id: int,
    reason: str,
    object_key: str,
    points: int,
    note: str,
    at: datetime,
    in_plan: bool = False,
) -> bool:
    """Give points once per (person, reason, object), whatever retries happen; credit them to campaigns."""
    row = {**_karma_row(person_id, reason, object_key, points, note, at), "in_plan": in_plan}
    if not repo.insert_karma(session, row):
        return False
    _credit_karma(session, person_id, reason, object_key, points, note, at)
    return True


def _karma_row(person_id: int, reason: str, object_key: str, points: int, note: str, at: datetime) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "reason": reason,
        "object_key": object_key,
        "points": points,
        "note": note[:300],
        "at": at,
        "month": at.astimezone(IST).strftime("%Y-%m"),
        "in_plan": False,
    }


def _credit_karma(session: Session, pid: int, reason: str, obj: str, points: int, note: str, at: datetime) -> None:
    record = RecordIn(
        source_key=f"karma:{pid}:{reason}:{obj}"[:120],
        person_id=pid,
        kind="karma",
        occurred_at=at,
        karma=points,
        label=note[:200],
    )
    campaigns.ingest_soon(session, [record])


def karma_for_completion(session: Session, event: signals.CourseCompleted) -> None:
    """5 points a course (+5 if its assessment was passed); outside the plan, only up to the monthly cap.

    Inside a signals batch the batch's completions are awarded together at its end (after the plan items the
    plans domain announces for them), with the same result as one by one in order.
    """
    signals.collect(session, "recognition.completions", [event], _award_completions)


def _award_completions(session: Session, events: list[signals.CourseCompleted]) -> None:
    """Completions' karma in order: one query for their plan entries and earlier awards, one for the monthly
    counts, one insert; each completion sees the awards of the ones before it, as if awarded one at a time."""
    if not events:
        return
    objs = [(e.person_id, f"course:{e.course_id}") for e in events]
    keys = repo.karma_keys(session, objs, ("plan_course", "course_completed"))
    months = [e.completed_at.astimezone(IST).strftime("%Y-%m") for e in events]
    outside = [i for i, (pid, obj) in enumerate(objs) if (pid, "plan_course", obj) not in keys]
    caps = dict(
        zip(outside, campaigns.karma_monthly_caps(session, [events[i].completed_at for i in outside]), strict=True)
    )
    paid = repo.paid_outside_plan_many(session, [(objs[i][0], months[i]) for i in outside])
    rows: dict[tuple[int, str, str], dict[str, Any]] = {}
    for i, event in enumerate(events):
        pid, obj = objs[i]
        in_plan = i not in caps
        points, note = KARMA_POINTS["course_completed"], "Course completed"
        if in_plan:
            note = "Course from your learning plan completed"
        elif paid.get((pid, months[i]), 0) >= caps[i]:
            points, note = 0, f"Course completed; the monthly limit of {caps[i]} courses outside your plan was reached"
        elif (pid, "course_completed", obj) not in keys:
            paid[(pid, months[i])] = paid.get((pid, months[i]), 0) + 1
        award = [("course_completed", points, note)]
        if event.assessment_passed:
            bonus = KARMA_POINTS["assessment_passed"] if points else 0
            award.append(("assessment_passed", bonus, "Course assessment passed"))
        for reason, pts, text in award:
            row = {**_karma_row(pid, reason, obj, pts, text, event.completed_at), "in_plan": in_plan}
            rows.setdefault((pid, reason, obj), row)
    inserted = repo.insert_karma_many(session, [rows[key] for key in sorted(rows)])
    for key in sorted(inserted):
        r = rows[key]
        _credit_karma(session, r["person_id"], r["reason"], r["object_key"], r["points"], r["note"], r["at"])


def karma_for_assessment(session: Session, event: signals.AssessmentPassed) -> None:
    """+5 when a completed course's assessment is passed afterwards, as if passed at completion: only if the
    completion itself earned points (not held back by the monthly cap; a plan course lifts both later)."""
    obj = f"course:{event.course_id}"
    completed = repo.karma_entry(session, event.person_id, "course_completed", obj)
    if completed is None:  # its completion's karma is awarded with the pass at the end of the batch
        return
    points = KARMA_POINTS["assessment_passed"] if completed.points else 0
    award_karma(
        session,
        person_id=event.person_id,
        reason="assessment_passed",
        object_key=obj,
        points=points,
        note="Course assessment passed",
        at=event.at,
        in_plan=completed.in_plan,
    )


def plan_points(deadline: datetime | None, completed_at: datetime) -> int:
    """10 on time; late: 10 − (whole months late + 1), never below zero."""
    if deadline is None or completed_at <= deadline:
        return KARMA_POINTS["plan_course"]
    d, c = deadline.astimezone(IST), completed_at.astimezone(IST)
    months = (c.year - d.year) * 12 + (c.month - d.month)
    if (c.day, c.time()) < (d.day, d.time()):
        months -= 1
    return max(0, KARMA_POINTS["plan_course"] - (months + 1))


def karma_for_plan_item(session: Session, event: signals.PlanItemCompleted) -> None:
    """+10 for a plan course done by its deadline (less when late); its completion no longer counts to the cap."""
    obj = f"course:{event.course_id}"
    points = plan_points(event.deadline, event.completed_at)
    late = "" if points == KARMA_POINTS["plan_course"] else " after its deadline"
    award_karma(
        session,
        person_id=event.person_id,
        reason="plan_course",
        object_key=obj,
        points=points,
        note=f"Learning-plan course completed{late}",
        at=event.completed_at,
        in_plan=True,
    )
    for reason in ("course_completed", "assessment_passed"):
        entry = repo.karma_entry(session, event.person_id, reason, obj)
        if entry is not None and not entry.in_plan:
            entry.in_plan = True
            if entry.points == 0:  # held back by the monthly cap, which plan courses do not count against
                entry.points, entry.note = KARMA_POINTS[reason], "Course from your learning plan completed"
                _credit_karma(session, entry.person_id, reason, obj, entry.points, entry.note, entry.at)
            session.flush()


def karma_once(session: Session, person_id: int, reason: str, object_key: str, note: str, at: datetime) -> None:
    """A fixed award (sign-in, enrolment, rating, attendance)."""
    points = KARMA_POINTS[reason]
    award_karma(session, person_id=person_id, reason=reason, object_key=object_key, points=points, note=note, at=at)


KARMA_QUEUED = "recognition.karma_once"


def karma_once_soon(session: Session, person_id: int, reason: str, object_key: str, note: str, at: datetime) -> None:
    """`karma_once` now, or at the end of the caller's `signals.batch` with the batch's other fixed awards:
    one insert for all of them (the first award of a key in the batch counts) instead of one per event."""
    state = signals.after_batch(session, _award_queued)
    if state is None:
        karma_once(session, person_id, reason, object_key, note, at)
        return
    row = _karma_row(person_id, reason, object_key, KARMA_POINTS[reason], note, at)
    state.setdefault(KARMA_QUEUED, {}).setdefault((person_id, reason, object_key), row)


def _award_queued(session: Session, state: dict[str, Any]) -> None:
    queued: dict[tuple[int, str, str], dict[str, Any]] = state.pop(KARMA_QUEUED, {})
    rows = [queued[key] for key in sorted(queued)]  # one lock order for concurrent batches
    inserted = repo.insert_karma_many(session, rows)
    for r in rows:
        if (r["person_id"], r["reason"], r["object_key"]) in inserted:
            _credit_karma(session, r["person_id"], r["reason"], r["object_key"], r["points"], r["note"], r["at"])


def karma_of(session: Session, person_id: int) -> tuple[int, list[KarmaEntry]]:
    """A person's karma total and latest entries."""
    return repo.karma_of(session, person_id)


CAMPAIGN_ISSUER = "Capacity Building Commission"


def certify_campaign(session: Session, campaign_id: int, person_ids: Sequence[int]) -> int:
    """Issue the campaign certificate to those of these people who hold its target now (once each); returns how many.

    Runs in a background job, so crediting a record never waits for certificates.
    """
    campaign = campaigns.get(session, campaign_id)
    reached = campaigns.reached_of(session, campaign_id, person_ids)
    todo = sorted(set(reached) - repo.certificate_holders(session, "campaign", campaign_id, list(reached)))
    if not todo:
        return 0
    names = campaigns.people_public(session, todo)
    now = utcnow()
    rows = [
        {
            "code": new_code(),
            "person_id": pid,
            "kind": "campaign",
            "subject_id": campaign_id,
            "title": campaign.name[:300],
            "recipient_name": names[pid][0],
            "issuer": CAMPAIGN_ISSUER,
            "duration_minutes": reached[pid][0],
            "achieved_at": reached[pid][1],
            "issued_at": now,
        }
        for pid in todo
        if pid in names
    ]
    return repo.insert_certificates(session, rows)


@dataclass(frozen=True)
class BoardRow:
    """One line of a public board: name, designation and organisation only."""

    rank: int
    person_id: int
    name: str
    designation: str | None
    organisation: str
    score: int
    reached: bool
    is_me: bool


@dataclass(frozen=True)
class Board:
    """A leaderboard page: the top N and the viewer's own position with neighbours."""

    campaign_id: int
    key: str
    label: str
    rank_by: str
    people: int
    top: list[BoardRow]
    around: list[BoardRow] | None


def parse_board(session: Session, board: str) -> tuple[str, str]:
    """Check a board key (n, t<id> for a ministry/state, o<id> for an organisation); returns it and its label."""
    if board == "n":
        return board, "National"
    if len(board) < 2 or board[0] not in "to" or not board[1:].isdigit():
        raise InvalidInput("A board is 'n' (national), 't<id>' (ministry or state) or 'o<id>' (organisation).")
    org = directory.repo.get_org(session, int(board[1:]))
    if org is None:
        raise NotFound("No such organisation.")
    if board[0] == "t" and org.depth != 1:
        raise InvalidInput(f"{org.name_en} is not a ministry or state; use its organisation board.")
    return board, org.name_en + (" (whole ministry/state)" if board[0] == "t" else "")


def default_board(session: Session, principal: Principal) -> str:
    """An admin's own subtree board; everyone else starts on the national board."""
    for scope in principal.scopes:
        if scope.org_id is not None and scope.role.value in ("mdo_admin", "mdo_leader"):
            org = directory.repo.get_org(session, scope.org_id)
            if org is not None:
                return f"t{org.id}" if org.depth == 1 else f"o{org.id}"
    return "n"


def leaderboard(session: Session, *, campaign_id: int, board: str, viewer_id: int, limit: int = 20) -> Board:
    """Top N of a board (dense ranks, earlier first among equals) and the viewer's neighbourhood."""
    campaign = campaigns.get(session, campaign_id)
    key, label = parse_board(session, board)
    top = campaigns.board_top(session, campaign_id, key, limit)
    around = campaigns.board_around(session, campaign_id, key, viewer_id)
    ids = {row.person_id for _, row in top} | {row.person_id for _, row in around or []}
    public = campaigns.people_public(session, sorted(ids))

    def line(rank: int, row: Any) -> BoardRow:
        name, designation, org = public.get(row.person_id, ("(removed)", None, ""))
        reached = row.reached_target_at is not None
        return BoardRow(rank, row.person_id, name, designation, org, row.score, reached, row.person_id == viewer_id)

    return Board(
        campaign_id=campaign.id,
        key=key,
        label=label,
        rank_by=campaigns.rules_of(campaign).rank_by,
        people=campaigns.board_size(session, campaign_id, key),
        top=[line(r, row) for r, row in top],
        around=[line(r, row) for r, row in around] if around is not None else None,
    )


# ---------------------------------------------------------------------------------------------------------------
# Honour roll: a national organiser draws the top 5 or 10 of a board, reviews, publishes; certificates in a job.
# ---------------------------------------------------------------------------------------------------------------

HONOUR_SIZES = (5, 10)
SIGNATURE_MAX_BYTES = 512 * 1024


def check_signature(data: bytes | None) -> bytes | None:
    """A PNG or JPEG signature image of at most 512 KB."""
    if not data:
        return None
    if len(data) > SIGNATURE_MAX_BYTES:
        raise PayloadTooLarge("The signature image must be at most 512 KB.")
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise InvalidInput("The signature image must be a PNG or JPEG file.")
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput("The signature image could not be read; upload a valid PNG or JPEG.") from exc
    return data


def draft_honour_roll(
    session: Session,
    *,
    principal: Principal,
    campaign_id: int,
    board: str,
    size: int,
    signatory_name: str | None = None,
    signatory_title: str | None = None,
    signature: bytes | None = None,
) -> HonourRoll:
    """Draw a draft roll from the top of a board, for review."""
    directory.require_national(principal)
    campaigns.get(session, campaign_id)
    if size not in HONOUR_SIZES:
        raise InvalidInput("An honour roll lists the top 5 or the top 10.")
    key, label = parse_board(session, board)
    roll = HonourRoll(
        campaign_id=campaign_id,
        board=key,
        board_label=label,
        size=size,
        excluded=[],
        signatory_name=(signatory_name or "").strip()[:200] or None,
        signatory_title=(signatory_title or "").strip()[:200] or None,
        signature_image=check_signature(signature),
        created_by=principal.person_id,
    )
    repo.add(session, roll)
    if not _fill(session, roll):
        raise InvalidInput("No one has credit on this board yet; there is nobody to honour.")
    return roll


def _fill(session: Session, roll: HonourRoll) -> int:
    top = campaigns.board_top(session, roll.campaign_id, roll.board, roll.size + len(roll.excluded))
    chosen = [(rank, row) for rank, row in top if row.person_id not in set(roll.excluded)][: roll.size]
    entries = [
        HonourRollEntry(roll_id=roll.id, position=i + 1, person_id=row.person_id, rank=rank, score=row.score)
        for i, (rank, row) in enumerate(chosen)
    ]
    repo.replace_honour_entries(session, roll.id, entries)
    return len(entries)


def _draft(session: Session, principal: Principal, roll_id: int) -> HonourRoll:
    directory.require_national(principal)
    roll = repo.honour_roll(session, roll_id)
    if roll is None:
        raise NotFound("No such honour roll.")
    if roll.status != "draft":
        raise Conflict("This honour roll is already published and can no longer change.")
    return roll


def exclude_from_roll(session: Session, *, principal: Principal, roll_id: int, person_id: int) -> HonourRoll:
    """At review, leave someone out; the next on the board moves up."""
    roll = _draft(session, principal, roll_id)
    if person_id not in {e.person_id for e in repo.honour_entries(session, roll.id)}:
        raise NotFound("That person is not on this honour roll.")
    roll.excluded = [*roll.excluded, person_id]
    _fill(session, roll)
    return roll


def publish_honour_roll(session: Session, *, principal: Principal, roll_id: int) -> HonourRoll:
    """Publish a reviewed roll; its certificates are generated in the background."""
    from saptah.jobs import service as jobs

    roll = _draft(session, principal, roll_id)
    roll.status, roll.published_by, roll.published_at = "published", principal.person_id, utcnow()
    job = jobs.enqueue(
        session, kind="recognition.honour_certificates", payload={"roll_id": roll.id}, lock_key=f"honour:{roll.id}"
    )
    roll.job_id = job.id
    session.flush()
    return roll


def honour_roll(session: Session, principal: Principal, roll_id: int) -> tuple[HonourRoll, list[HonourRollEntry]]:
    """A roll and its entries: published ones for everyone, drafts for national organisers only."""
    roll = repo.honour_roll(session, roll_id)
    if roll is None or (roll.status != "published" and not principal.is_national):
        raise NotFound("No such honour roll.")
    return roll, repo.honour_entries(session, roll.id)


def honour_rolls(session: Session, principal: Principal, campaign_id: int) -> list[HonourRoll]:
    """A campaign's rolls (drafts only for national organisers)."""
    return repo.honour_rolls(session, campaign_id, published_only=not principal.is_national)


def build_honour_archive(session: Session, roll_id: int, *, base_url: str) -> int:
    """Issue each honour certificate once and pack the PDFs into the roll's ZIP archive."""
    import io
    import zipfile

    from saptah.recognition.honour_pdf import render_honour

    roll = repo.honour_roll(session, roll_id)
    if roll is None or roll.status != "published":
        raise NotFound("No such published honour roll.")
    campaign = campaigns.get(session, roll.campaign_id)
    buf = io.BytesIO()
    entries = repo.honour_entries(session, roll.id)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            title = f"Rank {entry.rank} on the {roll.board_label} board of {campaign.name}"
            cert = issue_certificate(
                session,
                person_id=entry.person_id,
                kind="honour",
                subject_id=roll.id,
                title=title,
                issuer="Capacity Building Commission",
                achieved_at=roll.published_at,
            )
            entry.certificate_code = cert.code
            pdf = render_honour(
                cert,
                verify_url=verify_url(cert.code, base_url=base_url),
                signature=roll.signature_image,
                signatory_name=roll.signatory_name,
                signatory_title=roll.signatory_title,
            )
            archive.writestr(f"{entry.position:02d}-{cert.code}.pdf", pdf)
    roll.archive, roll.archive_ready_at = buf.getvalue(), utcnow()
    session.flush()
    return len(entries)
