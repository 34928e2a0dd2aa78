"""Result files (the uploaded rows with Status and Error Details), previews, blank templates, welcome mail.

Every cell goes out through saptah.core.exports.safe_cell, so a cell such as '=HYPERLINK(..)' in an
uploaded list is stored as text and can never run as a formula in the result file.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from saptah.auth.service import issue_setup_links
from saptah.config import Settings
from saptah.core import bulk, signals
from saptah.core.db import unit_of_work
from saptah.core.errors import Conflict, InvalidInput
from saptah.core.exports import DANGEROUS_PREFIXES, safe_cell, to_csv, to_xlsx
from saptah.directory.onboarding import files
from saptah.directory.onboarding import repository as repo
from saptah.directory.onboarding.models import Upload
from saptah.directory.onboarding.rules import CIRCULAR_TEMPLATE, IGOT_TEMPLATE, Columns
from saptah.jobs.service import JobContext

LABELS = {"C": "Created", "U": "Updated", "N": "Unchanged", "F": "Failed"}
PREVIEW_LABELS = {"C": "Will be created", "U": "Will be updated", "N": "No change", "F": "Failed"}
XLSX_MAX_ROWS = 1_048_575
RISKY = frozenset(p[0] for p in DANGEROUS_PREFIXES)  # first characters that need safe_cell


class ResultWriter:
    """Writes the result CSV chunk by chunk beside the upload, and puts it in place only when complete."""

    def __init__(self, upload_dir: Path, upload_id: int, cols: Columns, dry_run: bool) -> None:
        self.name = f"result-{upload_id}.csv"
        self.folder = files.storage_dir(upload_dir)
        self.width = len(cols.header)
        self.labels = PREVIEW_LABELS if dry_run else LABELS
        self.header = [safe_cell(h) for h in cols.header] + ["Status", "Error Details"]

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


def result_file(settings: Settings, upload: Upload, kind: str) -> tuple[Path, str]:
    """The result file as CSV or XLSX (made from the CSV the first time it is asked for)."""
    if upload.result_name is None:
        raise Conflict("The result file is not ready yet; wait for the upload to finish.")
    folder = files.storage_dir(settings.upload_dir)
    csv_path = folder / upload.result_name
    stem = Path(upload.filename).stem or "staff-list"
    if kind == "csv":
        return csv_path, f"{stem}-result.csv"
    if kind != "xlsx":
        raise InvalidInput("Choose csv or xlsx.")
    xlsx_path = csv_path.with_suffix(".xlsx")
    if not xlsx_path.exists():
        if upload.total > XLSX_MAX_ROWS:
            raise InvalidInput("This result is too long for one Excel sheet; download the CSV instead.")
        with csv_path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            data = to_xlsx(header, reader, sheet="Result")
        tmp = xlsx_path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, xlsx_path)
    return xlsx_path, f"{stem}-result.xlsx"


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


def _welcome_batch(session: Session, settings: Settings, emails: list[str]) -> None:
    """Announce a chunk's new people and queue their set-password links, set-based: one look-up, one write per
    table, and subscribers of PersonOnboarded collect the whole chunk (signals.batch) for their own one query."""
    people = repo.welcome_rows(session, emails)
    with signals.batch(session):
        for row in people:
            signals.publish(session, signals.PersonOnboarded(row.id, row.email))
    issue_setup_links(session, settings, [(r.id, r.email, r.full_name) for r in people if not r.has_password])


def send_welcome(ctx: JobContext) -> dict[str, Any]:
    """The job after an import: announce each new person and queue their set-password e-mail, chunk by chunk."""
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
        if emails:
            _welcome_batch(session, ctx.settings, emails)
        upload = repo.get_upload(session, upload_id)
        assert upload is not None
        upload.welcome_chunks_done = chunk_no + 1
        upload.welcomed += len(emails)
