"""An erased person leaves the staff lists kept on disk too: each uploaded file, its result file and the outcomes
stored with its chunks lose that person's rows (DPDP Act 2023).

Erasure (`directory.service.erase_person`) keeps a tombstone, the hash of the e-mail, so a re-imported list never
registers the person again (`service._refuse_erased`); PersonErased queues a job here, with only that hash, to
scrub what is stored. A scrubbed row keeps its place (so a resumed import stays aligned with its committed chunks)
with `(erased)` in its first cell and every other cell emptied. Files are rewritten beside themselves in their own
format and put in place atomically; the job can be re-run at any point (a row already scrubbed is found again).
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from saptah.config import Settings
from saptah.core import signals
from saptah.core.db import unit_of_work
from saptah.core.errors import SaptahError
from saptah.core.timeutil import ist_today
from saptah.directory import service as directory
from saptah.directory.onboarding import files, results
from saptah.directory.onboarding import repository as repo
from saptah.directory.onboarding.rules import check_row, match_columns
from saptah.directory.onboarding.service import ERASED_MARK, ERASED_ROW_TEXT
from saptah.jobs import service as jobs
from saptah.jobs.service import JobContext

log = logging.getLogger(__name__)
SCRUB_KIND = "onboarding_erase_rows"
RESULT_FORMAT = files.SheetFormat("csv", "utf-8-sig", ",")  # how ResultWriter writes


def queue_scrub(session: Session, event: signals.PersonErased) -> None:
    """PersonErased: queue the scrubbing of stored staff lists, in the erasure's own transaction."""
    jobs.enqueue(session, kind=SCRUB_KIND, payload={"digests": [directory.erased_digest(event.email)]})


def scrub_uploads(ctx: JobContext) -> dict[str, Any]:
    """The job: every stored upload, result file and chunk loses the rows of the people with these digests."""
    digests = frozenset(str(d) for d in ctx.payload["digests"])
    folder = files.storage_dir(ctx.settings.upload_dir)
    with unit_of_work(ctx.factory) as session:
        uploads = repo.stored_files(session)
    rows = changed = 0
    for done, upload in enumerate(uploads, start=1):
        erased = _scrub_upload(ctx.factory, folder, upload, digests)
        rows += erased
        changed += bool(erased)
        ctx.progress(done, len(uploads))
    return {"uploads": changed, "rows": rows}


def run_queued(factory: sessionmaker[Session], settings: Settings) -> int:
    """Run the queued scrubbing jobs in this process (the command line's erasure); how many ran."""
    from saptah.directory.onboarding.service import run_job_here

    with unit_of_work(factory) as session:
        queued = jobs.queued_of_kind(session, SCRUB_KIND)
    for job_id in queued:
        run_job_here(factory, settings, job_id, lambda done, total: None)
    return len(queued)


def _scrub_upload(
    factory: sessionmaker[Session], folder: Path, upload: repo.StoredFiles, digests: frozenset[str]
) -> int:
    """Scrub one upload's file, result file and chunks; the number of its rows that are the erased people's."""
    path = folder / upload.stored_name
    result = folder / upload.result_name if upload.result_name else None
    positions: set[int] = set()
    try:
        if path.exists():
            positions |= _erased_rows(path, upload.fmt, digests, extra=0)
        if result is not None and result.exists():
            positions |= _erased_rows(result, RESULT_FORMAT, digests, extra=2)
    except SaptahError as exc:  # a file whose header is not a staff list's never had rows to import
        log.warning("upload %s not scrubbed: %s", upload.id, exc.message)
        return 0
    if not positions:
        return 0
    if path.exists():
        _rewrite(path, upload.fmt, positions, tail=0)
    if result is not None and result.exists():
        _rewrite(result, RESULT_FORMAT, positions, tail=2)
        # made again from the scrubbed CSV when asked for
        for copy in (result.with_suffix(".xlsx"), *results.translated_files(result)):
            copy.unlink(missing_ok=True)
    with unit_of_work(factory) as session:
        _scrub_chunks(session, upload.id, positions, digests)
    return len(positions)


def _data_rows(path: Path, fmt: files.SheetFormat) -> Iterator[tuple[int, list[str]]]:
    rows = files.read_rows(path, fmt)
    next(rows, None)  # the header
    return rows


def _erased_rows(path: Path, fmt: files.SheetFormat, digests: frozenset[str], *, extra: int) -> set[int]:
    """The places (0-based, among the data rows) of rows that hold an erased person or were scrubbed before; a
    result file's header has `extra` columns (Status, Error Details) after the staff list's."""
    header = next(files.read_rows(path, fmt), (1, []))[1]
    cols = match_columns(header[: len(header) - extra])
    today, found = ist_today(), set()
    for place, (_number, cells) in enumerate(_data_rows(path, fmt)):
        if cells and cells[0] == ERASED_MARK:
            found.add(place)
            continue
        email = check_row(cells, cols, today).values.get("email")
        if email and directory.erased_digest(email) in digests:
            found.add(place)
    return found


def _rewrite(path: Path, fmt: files.SheetFormat, positions: set[int], *, tail: int) -> None:
    """Rewrite the file in its own format with the rows at `positions` scrubbed (keeping a result row's Status),
    every row at its own row number; put in place atomically."""
    header = next(files.read_rows(path, fmt))[1]

    def records() -> Iterator[list[str]]:
        yield header
        expected = 2
        for place, (number, cells) in enumerate(_data_rows(path, fmt)):
            while expected < number:  # a blank row stays blank, so later rows keep their numbers
                yield [""]
                expected += 1
            if place in positions:
                body = cells[: len(cells) - tail] if tail else cells
                kept = [cells[-2], ERASED_ROW_TEXT] if tail else []
                cells = [ERASED_MARK] + [""] * (max(len(body), 1) - 1) + kept
            yield cells
            expected = number + 1

    tmp = path.with_name(path.name + ".scrub")
    if fmt.kind == "xlsx":
        _write_xlsx(tmp, fmt.sheet or "Staff", records())
    else:
        with tmp.open("w", encoding=fmt.encoding, errors="replace", newline="") as fh:
            csv.writer(fh, delimiter=fmt.delimiter).writerows(records())
    os.replace(tmp, path)


def _write_xlsx(path: Path, sheet: str, records: Iterator[list[str]]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet)
    for cells in records:
        ws.append(cells)
    with path.open("wb") as fh:
        wb.save(fh)


def _scrub_chunks(session: Session, upload_id: int, positions: set[int], digests: frozenset[str]) -> None:
    """The chunks' stored outcomes lose the scrubbed rows' problems (which may quote their cells) and the e-mails
    of the erased people among those the import created."""
    start = 0
    for chunk_no, data in repo.raw_chunks(session, upload_id):
        size = len(data["codes"])
        errors = {
            key: text
            for key, text in data["errors"].items()
            if start + int(key) not in positions or text == ERASED_ROW_TEXT
        }
        created = [e for e in data["created"] if directory.erased_digest(e) not in digests]
        if errors != data["errors"] or created != data["created"]:
            repo.store_raw_chunk(session, upload_id, chunk_no, {**data, "errors": errors, "created": created})
        start += size
