"""Ministry-level honours: the top organisations of each size band, drawn, reviewed and published by a national
organiser like the honour roll of people, with a certificate for each place and a public page.

An organisation is ranked within its size band (registered staff when the campaign began) by two measures: the share
of its staff who reached the target, and the average minutes credited per registered person. The figures come from
the campaign's organisation aggregates (`campaigns.org_board`), so drawing a roll costs the same on any day.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from saptah.campaigns import service as campaigns
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, InvalidInput, NotFound
from saptah.directory import service as directory
from saptah.directory.models import Role
from saptah.directory.schemas import Principal
from saptah.recognition import repository as repo
from saptah.recognition import service
from saptah.recognition.models import HonourRoll, OrgHonourEntry
from saptah.web.i18n import N_

KIND = "organisations"
SIZES = (3, 5, 10)
MEASURES = ("share", "minutes")
MEASURE_TEXT = {
    "share": N_("by the share of staff who reached the target"),
    "minutes": N_("by the average minutes of learning per person"),
}
BAND_TEXT = {
    "XL": N_("over 50,000 people"),
    "L": N_("10,000–50,000 people"),
    "M": N_("1,000–10,000 people"),
    "S": N_("500–1,000 people"),
    "XS": N_("under 500 people"),
}
CERTIFIERS = (Role.MDO_ADMIN, Role.MDO_LEADER)


@dataclass(frozen=True)
class Section:
    """The honoured organisations of one size band by one measure, in order."""

    band: str
    measure: str
    entries: list[OrgHonourEntry]


def draft(
    session: Session,
    *,
    principal: Principal,
    campaign_id: int,
    size: int,
    signatory_name: str | None = None,
    signatory_title: str | None = None,
    signature: bytes | None = None,
) -> HonourRoll:
    """Draw a draft roll of organisations: the top `size` of each size band by each measure, for review."""
    directory.require_national(principal)
    campaigns.get(session, campaign_id)
    if size not in SIZES:
        raise InvalidInput("An organisations' honour roll lists the top 3, 5 or 10 of each size band.")
    roll = HonourRoll(
        campaign_id=campaign_id,
        kind=KIND,
        board="bands",
        board_label="Organisations by size band",
        size=size,
        excluded=[],
        signatory_name=(signatory_name or "").strip()[:200] or None,
        signatory_title=(signatory_title or "").strip()[:200] or None,
        signature_image=service.check_signature(signature),
        created_by=principal.person_id,
    )
    repo.add(session, roll)
    if not _fill(session, roll):
        raise InvalidInput("No organisation has credited learning in this campaign yet; there is none to honour.")
    return roll


def _ranked(rows: list[dict[str, Any]], measure: str) -> list[tuple[int, dict[str, Any]]]:
    """Organisations with a non-zero figure, best first, ranked as the organisation board ranks them (equal figures
    share a rank, the next rank skips; listed by the other measure, then by name)."""
    first, second = ("share", "avg_minutes") if measure == "share" else ("avg_minutes", "share")
    scored = sorted((r for r in rows if r[first] > 0), key=lambda r: (-r[first], -r[second], r["org"].name_en))
    ranked: list[tuple[int, dict[str, Any]]] = []
    for i, row in enumerate(scored):
        same = i > 0 and row[first] == scored[i - 1][first]
        ranked.append((ranked[-1][0] if same else i + 1, row))
    return ranked


def citation(rank: int, band: str, measure: str, campaign_name: str) -> str:
    """The line printed on an organisation's certificate and shown when it is verified."""
    return f"Rank {rank} among organisations of {BAND_TEXT[band]}, {MEASURE_TEXT[measure]}, in {campaign_name}"[:300]


def _fill(session: Session, roll: HonourRoll) -> int:
    campaign = campaigns.get(session, roll.campaign_id)
    left_out = set(roll.excluded)
    entries: list[OrgHonourEntry] = []
    for band, rows in campaigns.org_board(session, roll.campaign_id).items():
        for measure in MEASURES:
            chosen = [(rank, r) for rank, r in _ranked(rows, measure) if r["org"].id not in left_out][: roll.size]
            entries += [
                OrgHonourEntry(
                    roll_id=roll.id,
                    band=band,
                    measure=measure,
                    position=i + 1,
                    rank=rank,
                    org_id=r["org"].id,
                    org_name=r["org"].name_en[:300],
                    registered=r["registered"],
                    reached=r["reached"],
                    avg_minutes=r["avg_minutes"],
                    citation=citation(rank, band, measure, campaign.name),
                )
                for i, (rank, r) in enumerate(chosen)
            ]
    repo.replace_org_honour_entries(session, roll.id, entries)
    return len(entries)


def _draft_roll(session: Session, principal: Principal, roll_id: int) -> HonourRoll:
    directory.require_national(principal)
    roll = repo.honour_roll(session, roll_id)
    if roll is None or roll.kind != KIND:
        raise NotFound("No such honour roll of organisations.")
    if roll.status != "draft":
        raise Conflict("This honour roll is already published and can no longer change.")
    return roll


def exclude(session: Session, *, principal: Principal, roll_id: int, org_id: int) -> HonourRoll:
    """At review, leave an organisation out of every list of the roll; the next in its band moves up."""
    roll = _draft_roll(session, principal, roll_id)
    if org_id not in {e.org_id for e in repo.org_honour_entries(session, roll.id)}:
        raise NotFound("That organisation is not on this honour roll.")
    roll.excluded = [*roll.excluded, org_id]
    _fill(session, roll)
    return roll


def roll_of(session: Session, principal: Principal | None, roll_id: int) -> tuple[HonourRoll, list[Section]]:
    """A roll of organisations by band and measure: published ones for everyone (signed in or not), drafts for
    national organisers only."""
    roll = repo.honour_roll(session, roll_id)
    national = principal is not None and principal.is_national
    if roll is None or roll.kind != KIND or (roll.status != "published" and not national):
        raise NotFound("No such honour roll of organisations.")
    return roll, sections(repo.org_honour_entries(session, roll.id))


def sections(entries: list[OrgHonourEntry]) -> list[Section]:
    """Entries grouped by band (largest first) and measure, each in its order."""
    out = []
    for band in BAND_TEXT:
        for measure in MEASURES:
            group = [e for e in entries if e.band == band and e.measure == measure]
            if group:
                out.append(Section(band, measure, sorted(group, key=lambda e: e.position)))
    return out


def published(session: Session, campaign_id: int | None = None) -> list[HonourRoll]:
    """Published rolls of organisations, newest first (of one campaign, or of all)."""
    return repo.published_org_rolls(session, campaign_id)


def may_download(principal: Principal | None, org_path: str) -> bool:
    """National organisers, and the admins and leaders of the organisation (or above it), get its certificate."""
    return principal is not None and principal.covers(org_path, *CERTIFIERS)


def certificate(session: Session, principal: Principal, code: str) -> tuple[HonourRoll, OrgHonourEntry]:
    """An organisation's certificate for its own admins and leaders, or a national organiser; else 404."""
    found = repo.org_honour_by_code(session, service.normalise_code(code)) if len(code) <= 64 else None
    if found is None:
        raise NotFound("No certificate has this code.")
    entry, roll = found
    org = directory.repo.get_org(session, entry.org_id)
    if org is None or not may_download(principal, org.path):
        raise NotFound("No certificate has this code.")  # 404: other ministries' certificates are not listed
    return roll, entry


def certificate_pdf(roll: HonourRoll, entry: OrgHonourEntry, *, base_url: str) -> bytes:
    """The organisation's certificate: its name, the citation, the signatory, the code and a verification QR."""
    from saptah.recognition.honour_pdf import honour_page

    assert entry.certificate_code is not None and roll.published_at is not None
    return honour_page(
        name=entry.org_name,
        title=entry.citation,
        when=roll.published_at,
        code=entry.certificate_code,
        verify_url=service.verify_url(entry.certificate_code, base_url=base_url),
        signature=roll.signature_image,
        signatory_name=roll.signatory_name,
        signatory_title=roll.signatory_title,
    )


def _published(session: Session, roll_id: int) -> HonourRoll:
    roll = repo.honour_roll(session, roll_id)
    if roll is None or roll.kind != KIND or roll.status != "published":
        raise NotFound("No such published honour roll of organisations.")
    return roll


def assign_codes(session: Session, roll_id: int) -> int:
    """Give each place of a published roll its certificate code, once; returns how many places the roll has."""
    _published(session, roll_id)
    entries = repo.org_honour_entries(session, roll_id)
    for entry in entries:
        if entry.certificate_code is None:
            entry.certificate_code = service.new_code()
    session.flush()
    return len(entries)


def render_archive(session: Session, roll_id: int, *, base_url: str) -> bytes:
    """The roll's certificates as one ZIP of PDFs. Only reads: the job renders outside a write transaction, so a
    slow render never holds SQLite's write lock against people's requests."""
    roll = _published(session, roll_id)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in repo.org_honour_entries(session, roll.id):
            if entry.certificate_code is None:
                raise Conflict("Certificate codes are given before the archive is made.")
            name = f"{entry.band}-{entry.measure}-{entry.position:02d}-{entry.certificate_code}.pdf"
            archive.writestr(name, certificate_pdf(roll, entry, base_url=base_url))
    return buf.getvalue()


def store_archive(session: Session, roll_id: int, archive: bytes) -> None:
    """Keep the roll's ZIP for the national organiser's download."""
    roll = _published(session, roll_id)
    roll.archive, roll.archive_ready_at = archive, utcnow()
    session.flush()
