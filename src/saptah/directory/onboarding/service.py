"""Bulk onboarding rules: start an upload, import it in resumable chunks, report every row.

An import runs as a job. Each chunk of rows (people written, outcomes stored, counters and the
checkpoint moved) is one transaction, so a crash loses nothing committed and a re-run skips it.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from saptah.audit import service as audit
from saptah.audit.schemas import Act
from saptah.config import Settings
from saptah.core import signals
from saptah.core.db import unit_of_work, utcnow
from saptah.core.errors import Conflict, InvalidInput, NotFound, SaptahError
from saptah.core.text import N_
from saptah.core.timeutil import ist_today
from saptah.directory import service as directory
from saptah.directory.models import Organisation
from saptah.directory.onboarding import files, pipeline
from saptah.directory.onboarding import repository as repo
from saptah.directory.onboarding.models import Upload
from saptah.directory.onboarding.results import ResultWriter, send_welcome, welcome_batch
from saptah.directory.onboarding.rules import CheckedRow, Columns, check_row
from saptah.directory.schemas import Principal
from saptah.jobs import service as jobs
from saptah.jobs.service import JobContext

CHUNK_ROWS = 10_000
BAD_ROW_TEXT = (
    "This row is not valid {encoding} text (a byte that is no character is shown as �): correct it, save the "
    "file as CSV UTF-8 and upload again."
)
ERASED_ROW_TEXT = (
    "This person's personal data was erased at their request: Saptah does not register them again from a staff list."
)
ERASED_MARK = "(erased)"  # the first cell of a row scrubbed from a stored file (the rest are emptied)
FOLLOW_SECONDS = 0.5  # how often the CLI looks at a job another process is running
MODES = ("create", "upsert")
JOB_KIND = "import_users"
WELCOME_KIND = "onboarding_welcome"


def lock_key(org_id: int) -> str:
    """One running upload per organisation."""
    return f"import-users:{org_id}"


def start_upload(
    session: Session,
    settings: Settings,
    *,
    principal: Principal | None,
    org: Organisation,
    received: files.Received,
    mode: str,
    dry_run: bool = False,
    sheet: str | None = None,
) -> tuple[Upload, bool]:
    """Check the file and queue its import; the same unfinished file is resumed (returns resumed=True)."""
    path = files.storage_dir(settings.upload_dir) / received.stored_name
    try:
        if principal is not None:
            directory.require_org_admin(session, principal, org.id)
        if mode not in MODES:
            raise InvalidInput("Mode must be 'create' (create only) or 'upsert' (create or update).")
        fmt = files.detect(path, max_mb=settings.max_upload_mb, sheet=sheet)
        files.inspect(path, fmt, count=False)
        earlier = (
            None if dry_run else repo.unfinished_same_file(session, org_id=org.id, sha256=received.sha256, mode=mode)
        )
        if earlier is not None:
            path.unlink(missing_ok=True)  # the earlier copy of the same bytes is kept
            _record(session, earlier, principal, resumed=True)
            return _requeue(session, earlier, principal), True
        upload = Upload(
            org_id=org.id,
            uploaded_by=principal.person_id if principal else None,
            filename=(received.filename or "staff-list")[:255],
            stored_name=received.stored_name,
            size_bytes=received.size,
            sha256=received.sha256,
            file_kind=fmt.kind,
            encoding=fmt.encoding,
            delimiter=fmt.delimiter,
            sheet=sheet,
            mode=mode,
            dry_run=dry_run,
        )
        repo.add(session, upload)
        upload.job_id = _enqueue(session, upload, principal)
        if not dry_run:
            _record(session, upload, principal, resumed=False)
    except SaptahError:
        path.unlink(missing_ok=True)
        raise
    return upload, False


def _record(session: Session, upload: Upload, principal: Principal | None, *, resumed: bool) -> None:
    audit.record(
        session,
        act=Act.STAFF_IMPORT,
        actor_id=principal.person_id if principal else None,
        org_id=upload.org_id,
        target=f"upload {upload.id}",
        details={"mode": upload.mode, "size_bytes": upload.size_bytes, "sha256": upload.sha256, "resumed": resumed},
    )


def _enqueue(session: Session, upload: Upload, principal: Principal | None) -> int:
    job = jobs.enqueue(
        session,
        kind=JOB_KIND,
        payload={"upload_id": upload.id},
        lock_key=lock_key(upload.org_id),
        created_by=principal.person_id if principal else None,
    )
    return job.id


def _requeue(session: Session, upload: Upload, principal: Principal | None) -> Upload:
    """The unfinished upload, to be finished: by its own job if that is still queued or running (a dead
    runner's job, its heartbeat stale, is taken over by whoever runs it next), else by a new one."""
    current = jobs.get(session, upload.job_id) if upload.job_id is not None else None
    if upload.status == "done" or (current is not None and current.status in ("queued", "running")):
        return upload  # (a done upload is here for its unfinished welcome e-mails, whose job is resumed the same way)
    upload.job_id = _enqueue(session, upload, principal)
    upload.status, upload.error = "queued", None
    session.flush()
    return upload


def import_previewed(session: Session, settings: Settings, *, principal: Principal, upload: Upload) -> Upload:
    """Import a previewed file for real, in the mode it was previewed with."""
    if not upload.dry_run:
        raise InvalidInput("This upload was an import, not a preview.")
    if upload.status != "done":
        raise Conflict("Wait for the preview to finish before importing.")
    org = directory.require_org_admin(session, principal, upload.org_id)
    folder = files.storage_dir(settings.upload_dir)
    copy = f"{uuid.uuid4().hex}.upload"  # each upload owns its file; the preview's stays with the preview
    shutil.copyfile(folder / upload.stored_name, folder / copy)
    received = files.Received({}, upload.filename, copy, upload.size_bytes, upload.sha256)
    new, _ = start_upload(
        session, settings, principal=principal, org=org, received=received, mode=upload.mode, sheet=upload.sheet
    )
    return new


def visible_upload(session: Session, principal: Principal, upload_id: int) -> Upload:
    """An upload into a subtree the principal administers; any other is a 404."""
    upload = repo.get_upload(session, upload_id)
    if upload is None:
        raise NotFound("No such upload.")
    org = directory.repo.get_org(session, upload.org_id)
    if org is None or not principal.covers(org.path, *directory.ADMIN_ROLES):
        raise NotFound("No such upload.")
    return upload


def job_state(session: Session, upload: Upload) -> tuple[str, str | None, int, int]:
    """(status, error, done, total) merging the upload with its job (a crashed handler fails the job)."""
    status, error = upload.status, upload.error
    done, total = upload.rows_done, upload.total
    if upload.job_id is not None:
        job = jobs.get(session, upload.job_id)
        done = max(done, job.progress_done)
        total = max(total, job.progress_total)
        if job.status == "failed" and status != "done":
            status, error = "failed", error or job.error
    return status, error, done, total


# ---------------------------------------------------------------- the import job


@dataclass
class _Plan:
    """What a running import knows about its upload and the file seen so far."""

    upload_id: int
    org_id: int
    org_path: str
    org_name: str
    mode: str
    dry_run: bool
    path: Path
    fmt: files.SheetFormat
    today: date = field(default_factory=ist_today)
    seen_emails: dict[str, tuple[int, int]] = field(default_factory=dict)
    seen_ext: dict[str, int] = field(default_factory=dict)
    matched: dict[int, int] = field(default_factory=dict)  # person id -> row that matched them
    orgs: dict[str, tuple[int, str, str] | None] = field(default_factory=dict)
    touched: set[int] = field(default_factory=set)  # organisations whose staff this upload added to or changed


def _load_plan(ctx: JobContext, upload_id: int) -> tuple[_Plan, list[int]]:
    """The plan of the import, and the sizes of the chunks an earlier run committed."""
    with unit_of_work(ctx.factory) as session:
        upload = repo.get_upload(session, upload_id)
        if upload is None:
            raise NotFound("The upload of this job no longer exists.")
        org = directory.repo.get_org(session, upload.org_id)
        assert org is not None
        upload.status, upload.started_at = "running", upload.started_at or utcnow()
        fmt = files.SheetFormat(upload.file_kind, upload.encoding, upload.delimiter, upload.sheet)
        path = files.storage_dir(ctx.settings.upload_dir) / upload.stored_name
        plan = _Plan(upload.id, org.id, org.path, org.name_en, upload.mode, upload.dry_run, path, fmt)
        return plan, repo.chunk_sizes(session, upload.id, upload.chunks_done)


def run_import(ctx: JobContext) -> dict[str, Any]:
    """The job: count, then validate, write and report chunk by chunk from the checkpoint."""
    upload_id = int(ctx.payload["upload_id"])
    plan, committed = _load_plan(ctx, upload_id)
    try:
        cols, _ = files.inspect(plan.path, plan.fmt, count=False)
        total = files.estimate_rows(plan.path, plan.fmt)  # exact at the end: a second parse costs 2 s a million
        with unit_of_work(ctx.factory) as session:
            upload = repo.get_upload(session, upload_id)
            assert upload is not None
            upload.total = total
            done = upload.rows_done
        ctx.progress(done, total)
        with pipeline.fewer_gc_passes(), ResultWriter(ctx.settings.upload_dir, upload_id, cols, plan.dry_run) as writer:
            for chunk_no, batch in enumerate(pipeline.read_ahead(_checked_chunks(plan, cols, committed))):
                if chunk_no < len(committed):  # committed before a crash: imported already, only reported again
                    with unit_of_work(ctx.factory) as session:
                        stored = repo.load_chunk(session, upload_id, chunk_no)
                    outcomes = stored["rows"]
                    plan.touched.update(stored.get("orgs", [plan.org_id]))
                else:
                    with unit_of_work(ctx.factory) as session:
                        outcomes = _commit_chunk(session, plan, chunk_no, batch)
                    done += len(batch)
                    total = max(total, done)  # the estimate can be low for a file with only CR line ends
                    ctx.progress(done, total)
                writer.write([cells for _, cells, _ in batch], outcomes)
        return _finish(ctx, plan, writer.name)
    except Exception as exc:
        message = exc.message if isinstance(exc, SaptahError) else "The import stopped on an unexpected error."
        with unit_of_work(ctx.factory) as session:
            upload = repo.get_upload(session, upload_id)
            if upload is not None:
                upload.status, upload.error, upload.finished_at = "failed", message, utcnow()
                _staff_changed(session, plan)  # the chunks committed before the failure count as staff
        raise


Checked = tuple[int, list[str], CheckedRow]


def _checked_chunks(plan: _Plan, cols: Columns, committed: list[int]) -> Iterator[list[Checked]]:
    """The file's rows, checked, in chunks: first cut as the committed chunks were (an earlier run, perhaps of a
    release with another CHUNK_ROWS, stored their outcomes), then in chunks of CHUNK_ROWS."""
    rows = files.read_rows(plan.path, plan.fmt)
    next(rows)  # the header
    sizes = iter(committed)
    size = next(sizes, CHUNK_ROWS)
    batch: list[Checked] = []
    for number, cells in rows:
        batch.append((number, cells, _check_in_file(plan, number, cells, cols)))
        if len(batch) == size:
            yield batch
            batch = []
            size = next(sizes, CHUNK_ROWS)
    if batch:
        yield batch


def _check_in_file(plan: _Plan, number: int, cells: list[str], cols: Columns) -> CheckedRow:
    if cells and cells[0] == ERASED_MARK and not any(cells[1:]):
        scrubbed = CheckedRow()
        scrubbed.errors.append(ERASED_ROW_TEXT)
        return scrubbed
    checked = check_row(cells, cols, plan.today)
    if any(files.BAD_TEXT in cell for cell in cells):
        checked.errors.insert(0, BAD_ROW_TEXT.format(encoding=plan.fmt.encoding.upper()))
    email = checked.values.get("email")
    if email:
        fingerprint = hash(tuple(cells[: len(cols.header)]))
        first = plan.seen_emails.get(email)
        if first is None:
            plan.seen_emails[email] = (number, fingerprint)
        elif first[1] == fingerprint:
            checked.errors.append(N_("This row repeats row {row} exactly.").format(row=first[0]))
        else:
            checked.errors.append(
                N_("E-mail {email} already appears in row {row} of this file.").format(email=email, row=first[0])
            )
    ext = checked.values.get("external_system_id")
    if ext and not (checked.errors and any("repeats row" in e for e in checked.errors)):
        first_ext = plan.seen_ext.setdefault(ext.lower(), number)
        if first_ext != number:
            checked.errors.append(
                N_("External System ID {ext} already appears in row {row} of this file.").format(ext=ext, row=first_ext)
            )
    return checked


def _commit_chunk(session: Session, plan: _Plan, chunk_no: int, batch: list[Checked]) -> list[list[str]]:
    upload = repo.get_upload(session, plan.upload_id, lock=True)
    assert upload is not None
    if upload.chunks_done > chunk_no:  # another run committed it meanwhile
        rows: list[list[str]] = repo.load_chunk(session, plan.upload_id, chunk_no)["rows"]
        return rows
    outcomes, created, touched = _apply(session, plan, [(n, c) for n, _, c in batch])
    repo.save_chunk(session, plan.upload_id, chunk_no, outcomes, created, sorted(touched))
    plan.touched |= touched
    if created and not plan.dry_run:  # welcomed in the same transaction: nobody is created without a welcome
        upload.welcomed += welcome_batch(session, created)
        upload.welcome_chunks_done = chunk_no + 1
    counts = {"C": 0, "U": 0, "N": 0, "F": 0}
    for code, _ in outcomes:
        counts[code] += 1
    upload.created += counts["C"]
    upload.updated += counts["U"]
    upload.unchanged += counts["N"]
    upload.failed += counts["F"]
    upload.rows_done += len(batch)
    upload.chunks_done = chunk_no + 1
    session.flush()
    return outcomes


def _resolve_orgs(session: Session, plan: _Plan, batch: list[tuple[int, CheckedRow]]) -> None:
    codes = {c.values["org_code"] for _, c in batch if "org_code" in c.values} - plan.orgs.keys()
    if codes:
        found = repo.orgs_by_codes(session, sorted(codes))
        for code in codes:
            plan.orgs[code] = found.get(code)
    for _, checked in batch:
        code = checked.values.pop("org_code", None)
        if code is None:
            checked.values["org_id"] = plan.org_id
            continue
        org = plan.orgs.get(code)
        if org is None:
            checked.errors.append(N_("No organisation has code {code}.").format(code=code))
        elif not org[1].startswith(plan.org_path):
            checked.errors.append(
                N_("Organisation {code} ({name}) is outside {org_name}; this upload can add people only there.").format(
                    code=code, name=org[2], org_name=plan.org_name
                )
            )
        else:
            checked.values["org_id"] = org[0]


def _refuse_erased(session: Session, batch: list[tuple[int, CheckedRow]]) -> None:
    """Fail the rows of people erased at their request (their tombstones), so a stored or re-uploaded staff list
    never registers them again."""
    if not directory.repo.anyone_erased(session):  # one look-up a chunk, and no hashing while no one was erased
        return
    digests = {c.values["email"]: directory.erased_digest(c.values["email"]) for _, c in batch if not c.errors}
    erased = directory.repo.erased_among(session, list(digests.values()))
    if erased:
        for _, checked in batch:
            if not checked.errors and digests[checked.values["email"]] in erased:
                checked.errors.append(ERASED_ROW_TEXT)


def _apply(
    session: Session, plan: _Plan, batch: list[tuple[int, CheckedRow]]
) -> tuple[list[list[str]], list[str], set[int]]:
    """Decide each row (create, update, unchanged, failed) and write the chunk unless previewing; returns the
    outcomes, the e-mails of the people created and the organisations whose staff changed."""
    _resolve_orgs(session, plan, batch)
    _refuse_erased(session, batch)
    good = [(n, c) for n, c in batch if not c.errors]
    by_email = repo.people_by_emails(session, [c.values["email"] for _, c in good])
    by_ext: dict[tuple[int, str], dict[str, Any]] = {}
    if plan.mode == "upsert":
        keys = {
            (c.values["org_id"], c.values["external_system_id"])
            for _, c in good
            if c.values["email"] not in by_email and "external_system_id" in c.values
        }
        by_ext = repo.people_by_external_ids(session, keys)
    now = utcnow()
    codes: dict[int, str] = {}
    new_rows: list[repo.NewRow] = []
    updates: list[dict[str, Any]] = []
    upsert = plan.mode == "upsert"
    for number, checked in good:
        values = checked.values
        existing = by_email.get(values["email"]) if by_email else None
        if existing is None and upsert and "external_system_id" in values:
            existing = by_ext.get((values["org_id"], values["external_system_id"]))
        if existing is None:
            new_rows.append(repo.new_person_row(values))
            codes[number] = "C"
        elif plan.mode == "create":
            checked.errors.append(
                "Someone with this e-mail is already registered; use 'create or update' to change them."
            )
        else:
            codes[number] = _decide_update(plan, number, checked, existing, updates, now)
    created: list[str] = []
    touched: set[int] = set()
    if not plan.dry_run:
        repo.insert_people(session, new_rows, now)
        created = [r[1] for r in new_rows]
        repo.update_people(session, updates)
        was = {p["id"]: p["org_id"] for p in [*by_email.values(), *by_ext.values()]}
        touched = {r[-1] for r in new_rows} | {u["org_id"] for u in updates} | {was[u["pid"]] for u in updates}
        # StaffChanged is published once, when the upload ends (_finish): a recount of an organisation's staff
        # after each chunk would read the organisation again and again (quadratic in the upload's size).
    outcomes = [["F", " ".join(c.errors)] if c.errors else [codes[n], ""] for n, c in batch]
    return outcomes, created, touched


def _decide_update(
    plan: _Plan, number: int, checked: CheckedRow, existing: dict[str, Any], updates: list[dict[str, Any]], now: Any
) -> str:
    if not existing["path"].startswith(plan.org_path):
        checked.errors.append(
            N_(
                "This e-mail is registered with an organisation outside {org_name}; it can be changed only there."
            ).format(org_name=plan.org_name)
        )
        return "F"
    first = plan.matched.setdefault(existing["id"], number)
    if first != number:
        checked.errors.append(N_("This row matches the same person as row {row}.").format(row=first))
        return "F"
    changes = {k: v for k, v in checked.values.items() if existing.get(k) != v}
    if not changes:
        return "N"
    merged = {k: existing[k] for k in repo.FIELDS} | {"org_id": existing["org_id"]} | checked.values
    updates.append({"pid": existing["id"], **merged, "updated_at": now})
    return "U"


def _staff_changed(session: Session, plan: _Plan) -> None:
    """Announce, once for the whole upload, the organisations whose staff it added to or changed."""
    if plan.touched and not plan.dry_run:
        signals.publish(session, signals.StaffChanged(tuple(sorted(plan.touched))))


def _finish(ctx: JobContext, plan: _Plan, result_name: str) -> dict[str, Any]:
    with unit_of_work(ctx.factory) as session:
        upload = repo.get_upload(session, plan.upload_id)
        assert upload is not None
        upload.result_name, upload.status, upload.error, upload.finished_at = result_name, "done", None, utcnow()
        upload.total = upload.rows_done  # every non-blank row went through a committed chunk
        summary = {k: getattr(upload, k) for k in ("total", "created", "updated", "unchanged", "failed")}
        _staff_changed(session, plan)
        welcome = None
        if upload.created and not upload.dry_run and upload.welcome_chunks_done < upload.chunks_done:
            welcome = jobs.enqueue(session, kind=WELCOME_KIND, payload={"upload_id": upload.id}).id
    ctx.progress(summary["total"], summary["total"])  # the estimate made at the start becomes exact
    return {"upload_id": plan.upload_id, "welcome_job": welcome, **summary}


def describe(
    session: Session, upload: Upload, *, org_name: str | None = None, who: str | None = None, resumed: bool = False
) -> dict[str, Any]:
    """Everything a page or the API shows about an upload."""
    status, error, done, total = job_state(session, upload)
    if org_name is None:
        org = directory.repo.get_org(session, upload.org_id)
        org_name = org.name_en if org else ""
    if who is None:
        person = directory.repo.get_person(session, upload.uploaded_by) if upload.uploaded_by else None
        who = person.full_name if person else "command line"
    ready = upload.result_name is not None
    return {
        "id": upload.id,
        "org_id": upload.org_id,
        "org_name": org_name,
        "uploaded_by": who,
        "filename": upload.filename,
        "mode": upload.mode,
        "preview": upload.dry_run,
        "status": status,
        "error": error,
        "total": total,
        "done": min(done, total) if total else done,
        "percent": 100 if status == "done" else (min(99, int(100 * done / total)) if total else 0),
        "created": upload.created,
        "updated": upload.updated,
        "unchanged": upload.unchanged,
        "failed": upload.failed,
        "welcomed": upload.welcomed,
        "resumed": resumed,
        "created_at": upload.created_at,
        "finished_at": upload.finished_at,
        "result_csv": f"/onboarding/{upload.id}/result.csv" if ready else None,
        "result_xlsx": f"/onboarding/{upload.id}/result.xlsx" if ready else None,
    }


def history(session: Session, principal: Principal, *, limit: int = 50) -> list[dict[str, Any]]:
    """Recent uploads into the principal's subtrees."""
    directory.require_admin(principal)
    rows = repo.history(session, directory.admin_paths(principal), limit=limit)
    return [describe(session, u, org_name=org, who=who) for u, org, who in rows]


def upload_orgs(session: Session, principal: Principal) -> list[Organisation]:
    """Organisations the principal may upload into (their subtrees)."""
    directory.require_admin(principal)
    return directory.repo.subtree(session, directory.admin_paths(principal))


@dataclass
class Outcome:
    """How a job given to `run_job_here` ended: its result, and whether another process (a worker) ran it."""

    result: dict[str, Any]
    elsewhere: bool


def run_job_here(
    factory: sessionmaker[Session], settings: Settings, job_id: int, on_progress: Callable[[int, int], None]
) -> Outcome:
    """Run one job in this process (the CLI), recording it in the job table like the worker does.

    The job is claimed atomically: when it is queued, or its runner died (stale heartbeat), it runs here, from its
    checkpoint. When a worker (e.g. `saptah serve`'s) runs or ran it, this follows it to its end instead."""
    while True:
        with unit_of_work(factory) as session:
            if jobs.claim_job(session, job_id):
                job = jobs.get(session, job_id)
                kind, payload = job.kind, dict(job.payload)
                break
            job = jobs.get(session, job_id)
            status, result, error = job.status, job.result, job.error
            on_progress(job.progress_done, job.progress_total)
        if status == "done":
            return Outcome(dict(result or {}), elsewhere=True)
        if status == "failed":
            raise SaptahError(error or "The job failed.")
        time.sleep(FOLLOW_SECONDS)  # running in another process: follow it (and take it over should it die)
    handler = {JOB_KIND: run_import, WELCOME_KIND: send_welcome}.get(kind) or jobs.handler(kind)
    ctx = _ReportingContext(factory, settings, job_id, payload, on_progress)
    try:
        result = handler(ctx)
    except Exception as exc:
        with unit_of_work(factory) as session:
            job = jobs.get(session, job_id)
            job.status, job.finished_at = "failed", utcnow()
            job.error = exc.message if isinstance(exc, SaptahError) else repr(exc)
        raise
    with unit_of_work(factory) as session:
        job = jobs.get(session, job_id)
        job.status, job.result, job.finished_at = "done", result, utcnow()
    return Outcome(result, elsewhere=False)


class _ReportingContext(JobContext):
    """A job context that also reports progress to a callback (the CLI's progress bar)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        job_id: int,
        payload: dict[str, Any],
        on_progress: Callable[[int, int], None],
    ) -> None:
        super().__init__(factory, settings, job_id, payload)
        self.on_progress = on_progress

    def progress(self, done: int, total: int | None = None) -> None:
        """Record progress and tell the callback."""
        super().progress(done, total)
        self.on_progress(done, total or 0)
