"""Result files (the uploaded rows with Status and Error Details), previews, blank templates, welcome mail.

Every cell goes out through saptah.core.exports.safe_cell, so a cell such as '=HYPERLINK(..)' in an
uploaded list is stored as text and can never run as a formula in the result file.
"""

from __future__ import annotations

import csv
import os
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from saptah.audit import service as audit
from saptah.audit.schemas import Act
from saptah.auth.service import queue_setup_links
from saptah.config import Settings
from saptah.core import bulk, signals
from saptah.core.db import unit_of_work
from saptah.core.errors import Conflict, InvalidInput
from saptah.core.exports import DANGEROUS_PREFIXES, safe_cell, to_csv, to_xlsx
from saptah.directory.onboarding import files
from saptah.directory.onboarding import repository as repo
from saptah.directory.onboarding.models import Upload
from saptah.directory.onboarding.rules import CIRCULAR_TEMPLATE, IGOT_TEMPLATE, Columns
from saptah.directory.schemas import Principal
from saptah.jobs.service import JobContext
from saptah.web.i18n import DEFAULT, N_, languages, translate, translate_stored

LABELS = {"C": N_("Created"), "U": N_("Updated"), "N": N_("Unchanged"), "F": N_("Failed")}
PREVIEW_LABELS = {"C": N_("Will be created"), "U": N_("Will be updated"), "N": N_("No change"), "F": N_("Failed")}
# the two columns a result file adds to the uploaded ones (stored in English; shown in the admin's language)
ADDED_COLUMNS = (N_("Status"), N_("Error Details"))
XLSX_MAX_ROWS = 1_048_575
RISKY = frozenset(p[0] for p in DANGEROUS_PREFIXES)  # first characters that need safe_cell


class ResultWriter:
    """Writes the result CSV chunk by chunk beside the upload, and puts it in place only when complete."""

    def __init__(self, upload_dir: Path, upload_id: int, cols: Columns, dry_run: bool) -> None:
        self.name = f"result-{upload_id}.csv"
        self.folder = files.storage_dir(upload_dir)
        self.width = len(cols.header)
        self.labels = PREVIEW_LABELS if dry_run else LABELS
        self.header = [safe_cell(h) for h in cols.header] + list(ADDED_COLUMNS)

    def __enter__(self) -> ResultWriter:
        self._fh = (self.folder / f"{self.name}.part").open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._fh)
        self._csv.writerow(self.header)
        return self

    def write(self, rows: list[list[str]], outcomes: list[list[str]]) -> None:
        """Append a chunk: each uploaded row (cells made safe) with its status and problems."""
        width, labels, risky = self.width, self.labels, RISKY
        out = []
        for cells, (code, errors) in zip(rows, outcomes, strict=True):
            if len(cells) != width:
                cells = (cells + [""] * width)[:width]
            safe = ["'" + c if c[:1] in risky else c for c in cells]  # what safe_cell does, inline: 1M rows
            safe.append(labels[code])
            safe.append("'" + errors if errors[:1] in risky else errors)
            out.append(safe)
        self._csv.writerows(out)

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._fh.close()
        part = self.folder / f"{self.name}.part"
        if exc_type is None:
            os.replace(part, self.folder / self.name)
        else:
            part.unlink(missing_ok=True)


def result_file(settings: Settings, upload: Upload, kind: str, lang: str = DEFAULT) -> tuple[Path, str]:
    """The result file as CSV or XLSX, in the language (each made from the stored English CSV when first asked for).

    The uploaded columns keep their names (the file can be corrected and uploaded again); the Status and Error
    Details columns, each row's status and its problems are in the language.
    """
    if upload.result_name is None:
        raise Conflict("The result file is not ready yet; wait for the upload to finish.")
    if kind not in ("csv", "xlsx"):
        raise InvalidInput("Choose csv or xlsx.")
    folder = files.storage_dir(settings.upload_dir)
    csv_path = folder / upload.result_name
    stem = Path(upload.filename).stem or "staff-list"
    if lang != DEFAULT:
        csv_path = _translated_csv(csv_path, lang)
    if kind == "csv":
        return csv_path, f"{stem}-result.csv"
    xlsx_path = csv_path.with_suffix(".xlsx")
    if not xlsx_path.exists():
        if upload.total > XLSX_MAX_ROWS:
            raise InvalidInput("This result is too long for one Excel sheet; download the CSV instead.")
        with csv_path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            data = to_xlsx(header, reader, sheet="Result")
        _put(xlsx_path, data)
    return xlsx_path, f"{stem}-result.xlsx"


def translated_files(result: Path) -> list[Path]:
    """The result file's copies in other languages (CSV and XLSX), made again from the English one when asked for."""
    return [result.with_suffix(f".{lang}{ext}") for lang in languages() if lang != DEFAULT for ext in (".csv", ".xlsx")]


def _translated_csv(english: Path, lang: str) -> Path:
    """The result CSV with its added columns, statuses and problems in the language; every cell kept formula-safe."""
    path = english.with_suffix(f".{lang}.csv")
    if path.exists():
        return path
    seen: dict[str, str] = {}  # problems repeat from row to row: each translated once

    def problems(text: str) -> str:
        if text not in seen:
            plain = text[1:] if text[:1] == "'" and text[1:2] in RISKY else text
            out = translate_stored(plain, lang)
            seen[text] = "'" + out if out[:1] in RISKY else out
        return seen[text]

    tmp = _part(path)
    try:
        with (
            english.open(encoding="utf-8-sig", newline="") as fh,
            tmp.open("w", encoding="utf-8-sig", newline="") as out,
        ):
            reader, writer = csv.reader(fh), csv.writer(out)
            header = next(reader)
            writer.writerow([*header[:-2], *(translate(h, lang) for h in header[-2:])])
            # row by row: a result file may hold a million rows
            writer.writerows([*row[:-2], translate(row[-2], lang), problems(row[-1])] for row in reader)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _part(path: Path) -> Path:
    """Where a file is written before it is put in place whole (two downloads at once each write their own)."""
    return path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")


def _put(path: Path, data: bytes) -> None:
    tmp = _part(path)
    tmp.write_bytes(data)
    os.replace(tmp, path)


def result_rows(
    settings: Settings, upload: Upload, *, only_failed: bool, offset: int, limit: int
) -> list[dict[str, Any]]:
    """Rows of the result file for a preview table: row number, name, e-mail, status and problems."""
    if upload.result_name is None:
        return []
    path = files.storage_dir(settings.upload_dir) / upload.result_name
    out: list[dict[str, Any]] = []
    skipped = 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        keys = [h.lower() for h in header]
        name_i = _find(keys, ("full name", "full name*", "name"))
        email_i = _find(keys, ("email", "email*", "email id"))
        for number, row in enumerate(reader, start=2):
            status, errors = row[-2], row[-1]
            if only_failed and status != "Failed":
                continue
            if skipped < offset:
                skipped += 1
                continue
            out.append(
                {
                    "number": number,
                    "name": row[name_i] if name_i is not None else "",
                    "email": row[email_i] if email_i is not None else "",
                    "status": status,
                    "errors": errors,
                }
            )
            if len(out) >= limit:
                break
    return out


def _find(keys: list[str], names: tuple[str, ...]) -> int | None:
    for i, key in enumerate(keys):
        if key.strip() in names:
            return i
    return None


def blank_template(kind: str, fmt: str) -> tuple[bytes, str, str]:
    """A blank staff-list template (iGOT or circular) as CSV or XLSX: (bytes, file name, media type)."""
    header = {"igot": IGOT_TEMPLATE, "circular": CIRCULAR_TEMPLATE}.get(kind)
    if header is None:
        raise InvalidInput("Template must be 'igot' or 'circular'.")
    if fmt == "csv":
        return to_csv(header, []), f"saptah-{kind}-template.csv", "text/csv; charset=utf-8"
    if fmt == "xlsx":
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return to_xlsx(header, [], sheet="Staff"), f"saptah-{kind}-template.xlsx", media
    raise InvalidInput("Choose csv or xlsx.")


def welcome_batch(session: Session, emails: list[str]) -> int:
    """Announce a chunk's new people and queue their welcome e-mails, set-based: one look-up, one write, and
    subscribers of PersonOnboarded collect the whole chunk (signals.batch) for their own one query. The
    set-password link of each is made when their e-mail is sent (auth.compose_setup). Returns how many."""
    with signals.batch(session):
        for person_id, email in repo.welcome_rows(session, emails):
            signals.publish(session, signals.PersonOnboarded(person_id, email))
    queue_setup_links(session, emails)
    return len(emails)


def send_welcome(ctx: JobContext) -> dict[str, Any]:
    """The job after an import whose chunks were committed without their welcome (an upload begun by an earlier
    release): announce each new person and queue their set-password e-mail, chunk by chunk."""
    upload_id = int(ctx.payload["upload_id"])
    with unit_of_work(ctx.factory) as session:
        upload = repo.get_upload(session, upload_id)
        if upload is None:
            return {"welcomed": 0}
        start, chunks = upload.welcome_chunks_done, upload.chunks_done
    with bulk.fewer_gc_passes():  # tens of thousands of short-lived rows a chunk: keep the collector out
        for chunk_no in range(start, chunks):
            _welcome_chunk(ctx, upload_id, chunk_no)
            ctx.progress(chunk_no + 1, chunks)
    return {"upload_id": upload_id, "chunks": chunks}


def _welcome_chunk(ctx: JobContext, upload_id: int, chunk_no: int) -> None:
    """One chunk's welcome in its own transaction, skipped when an earlier run committed it."""
    with unit_of_work(ctx.factory) as session:
        upload = repo.get_upload(session, upload_id, lock=True)
        assert upload is not None
        if upload.welcome_chunks_done > chunk_no:
            return
        emails = repo.load_chunk(session, upload_id, chunk_no)["created"]
        welcomed = welcome_batch(session, emails) if emails else 0
        upload = repo.get_upload(session, upload_id)
        assert upload is not None
        upload.welcome_chunks_done = chunk_no + 1
        upload.welcomed += welcomed


def record_result_download(session: Session, principal: Principal, upload: Upload, fmt: str) -> None:
    """A result file repeats the staff list's rows (personal data): its download is recorded in the audit log."""
    audit.record(
        session,
        act=Act.PERSONAL_DATA_EXPORT,
        actor_id=principal.person_id,
        org_id=upload.org_id,
        target=f"upload {upload.id} result",
        details={"export": "onboarding_result", "format": fmt},
    )
