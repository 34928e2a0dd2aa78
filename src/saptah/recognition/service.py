"""Recognition rules: certificates, leaderboards and the honour roll (karma points are in `karma.py`)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from saptah.audit import service as audit
from saptah.audit.schemas import Act
from saptah.campaigns import service as campaigns
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from saptah.core.timeutil import IST
from saptah.directory import service as directory
from saptah.directory.schemas import Principal
from saptah.recognition import repository as repo
from saptah.recognition.models import Certificate, HonourRoll, HonourRollEntry
from saptah.web.i18n import N_, translate

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
    title_hi: str | None = None,
) -> Certificate:
    """Issue a certificate for a course, event, campaign or honour; a second call returns the first."""
    if kind not in CERTIFICATE_KINDS:
        raise InvalidInput("A certificate is for one of: {values}.", values=", ".join(CERTIFICATE_KINDS))
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
        title_hi=title_hi[:300] if title_hi else None,
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
    title_hi: str | None = None


def issue_certificates(session: Session, wanted: Sequence[CertificateIn]) -> None:
    """`issue_certificate` for many at once: one query for the names, one insert; any already issued is kept."""
    if not wanted:
        return
    if any(c.kind not in CERTIFICATE_KINDS for c in wanted):
        raise InvalidInput("A certificate is for one of: {values}.", values=", ".join(CERTIFICATE_KINDS))
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
            "title_hi": c.title_hi[:300] if c.title_hi else None,
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
    """The public facts of a certificate (a person's, or an organisation's honour), or a plain 404."""
    cert = repo.certificate_by_code(session, normalise_code(code)) if len(code) <= 64 else None
    if cert is None:
        org_honour = repo.org_honour_by_code(session, normalise_code(code)) if len(code) <= 64 else None
        if org_honour is None:
            raise NotFound("No certificate has this code.")
        entry, roll = org_honour  # an organisation's certificate: published rolls cannot change, so it stays valid
        assert roll.published_at is not None
        day = roll.published_at.astimezone(IST).strftime("%d %B %Y")
        return Verification(entry.certificate_code or "", True, entry.org_name, entry.citation, day, None)
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
        audit.record(
            session,
            act=Act.CERTIFICATE_REVOKE,
            actor_id=principal.person_id,
            target_person_id=cert.person_id,
            target=f"certificate {cert.code}",
            details={"reason": reason[:300]},
        )
    return cert


def certificate_pdf(cert: Certificate, *, base_url: str, lang: str = "en") -> bytes:
    """The certificate as a PDF in the holder's language: name, title, issuer, duration, date, code and QR."""
    from saptah.recognition.pdf import render_certificate

    return render_certificate(cert, verify_url=verify_url(cert.code, base_url=base_url), lang=lang)


def holder_language(session: Session, cert: Certificate) -> str:
    """The interface language kept in the certificate holder's profile."""
    person = directory.repo.get_person(session, cert.person_id)
    return person.preferred_language if person is not None else "en"


def verify_url(code: str, *, base_url: str) -> str:
    """The public page that verifies a certificate."""
    return f"{base_url.rstrip('/')}/verify/{code}"


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


# ---------------------------------------------------------------------------------------------------------------
# Leaderboards: a board's top N and the viewer's neighbourhood, read from the campaign aggregates.
# ---------------------------------------------------------------------------------------------------------------


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
    ranks_as_of: datetime  # ranks count the board's distinct scores as of this moment (campaigns.BoardScores)


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
        raise InvalidInput("{name} is not a ministry or state; use its organisation board.", name=org.name_en)
    return board, (WHOLE.format(name=org.name_en) if board[0] == "t" else org.name_en)


WHOLE = N_("{name} (whole ministry/state)")
HONOUR_TITLE = N_("Rank {rank} on the {board} board of {campaign}")


def board_label_in(session: Session, board: str, lang: str) -> str:
    """A board's name in a language (the organisation's Hindi name in Hindi, where it has one)."""
    if board == "n" or not board[1:].isdigit():
        return translate("National", lang)
    org = directory.repo.get_org(session, int(board[1:]))
    if org is None:
        return translate("National", lang)
    name = org.name_hi if lang == "hi" and org.name_hi else org.name_en
    return translate(WHOLE, lang, name=name) if board[0] == "t" else name


def board_choices(session: Session) -> list[tuple[str, str]]:
    """Every board an honour roll can be drawn from, as (key, label): national, each ministry or state as a
    whole, then each organisation, in tree order (the organiser's Board picker)."""
    orgs = directory.repo.subtree(session, None)
    whole = [(f"t{o.id}", f"{o.name_en} ({o.code}), whole ministry/state") for o in orgs if o.depth == 1]
    single = [(f"o{o.id}", f"{'· ' * o.depth}{o.name_en} ({o.code})") for o in orgs]
    return [("n", "National"), *whole, *single]


def default_board(session: Session, principal: Principal) -> str:
    """An admin's own subtree board; everyone else starts on the national board."""
    for scope in principal.scopes:
        if scope.org_id is not None and scope.role.value in ("mdo_admin", "mdo_leader"):
            org = directory.repo.get_org(session, scope.org_id)
            if org is not None:
                return f"t{org.id}" if org.depth == 1 else f"o{org.id}"
    return "n"


def leaderboard(
    session: Session, *, campaign_id: int, board: str, viewer_id: int, limit: int = 20, max_age: float = 0
) -> Board:
    """Top N of a board (dense ranks, earlier first among equals) and the viewer's neighbourhood; the ranks count
    the board's scores as of at most `max_age` seconds ago (shared by the readers of this process)."""
    campaign = campaigns.get(session, campaign_id)
    key, label = parse_board(session, board)
    scores = campaigns.board_ranks(session, campaign_id, key, max_age=max_age)
    top = campaigns.board_top(session, campaign_id, key, limit, scores=scores)
    around = campaigns.board_around(session, campaign_id, key, viewer_id, scores=scores)
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
        ranks_as_of=scores.as_of,
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
    audit.record(
        session,
        act=Act.HONOUR_ROLL_PUBLISH,
        actor_id=principal.person_id,
        target=f"honour roll {roll.id}",
        details={"campaign_id": roll.campaign_id, "board": roll.board, "size": roll.size},
    )
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
    people = directory.repo.people_by_ids(session, [e.person_id for e in entries])
    board_hi = board_label_in(session, roll.board, "hi")
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            cert = issue_certificate(
                session,
                person_id=entry.person_id,
                kind="honour",
                subject_id=roll.id,
                title=HONOUR_TITLE.format(rank=entry.rank, board=roll.board_label, campaign=campaign.name),
                title_hi=translate(HONOUR_TITLE, "hi", rank=entry.rank, board=board_hi, campaign=campaign.name),
                issuer="Capacity Building Commission",
                achieved_at=roll.published_at,
            )
            entry.certificate_code = cert.code
            holder = people.get(entry.person_id)
            pdf = render_honour(
                cert,
                verify_url=verify_url(cert.code, base_url=base_url),
                signature=roll.signature_image,
                signatory_name=roll.signatory_name,
                signatory_title=roll.signatory_title,
                lang=holder.preferred_language if holder is not None else "en",
            )
            archive.writestr(f"{entry.position:02d}-{cert.code}.pdf", pdf)
    roll.archive, roll.archive_ready_at = buf.getvalue(), utcnow()
    session.flush()
    return len(entries)
