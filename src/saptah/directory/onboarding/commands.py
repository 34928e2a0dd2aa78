"""`saptah import-users`: onboard a staff list from the command line, with a progress bar and a summary."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from saptah.directory.onboarding.models import Upload


def register(app: typer.Typer) -> None:
    """Add the import-users command."""
    app.command("import-users")(import_users)


def import_users(
    file: Annotated[Path, typer.Argument(help="staff list, CSV or XLSX", exists=True, dir_okay=False)],
    org: Annotated[str, typer.Option(help="organisation code, e.g. MOHFW")],
    mode: Annotated[str, typer.Option(help="create (only new people) or upsert (create or update)")] = "create",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="preview: validate and report, change nothing")] = False,
    report: Annotated[Path | None, typer.Option(help="write the result file here (.csv or .xlsx)")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet name (default: the first)")] = None,
) -> None:
    """Register (or update) staff from a CSV/XLSX list; re-running an interrupted file finishes it."""
    from saptah.cli import _errors, _settings, console, factory_for, progress_bar
    from saptah.core.db import unit_of_work
    from saptah.directory import service as directory
    from saptah.directory.onboarding import files, results, service
    from saptah.directory.onboarding import repository as repo

    settings = _settings()
    factory = factory_for(settings)
    if report is not None and report.suffix.lower() not in (".csv", ".xlsx"):
        console.print("[red]Error:[/red] --report must end in .csv or .xlsx")
        raise typer.Exit(2)
    with _errors():
        received = files.store_copy(settings.upload_dir, file, settings.max_upload_mb)
        with unit_of_work(factory) as session:
            target = directory.org_by_code(session, org)
            upload, resumed = service.start_upload(
                session,
                settings,
                principal=None,
                org=target,
                received=received,
                mode=mode,
                dry_run=dry_run,
                sheet=sheet,
            )
            upload_id, job_id = upload.id, upload.job_id
        if resumed:
            console.print(f"Resuming the unfinished import #{upload_id} of this same file.")
        assert job_id is not None
        with progress_bar() as bar:
            task = bar.add_task("preview" if dry_run else "import", total=None)
            outcome = service.run_job_here(
                factory, settings, job_id, lambda done, total: bar.update(task, completed=done, total=total or None)
            )
        if outcome.elsewhere:  # e.g. `saptah serve`'s worker took the queued job first: the work is done all the same
            console.print(f"Job #{job_id} was run by another Saptah process (such as the server's worker); it is done.")
        welcome_job = outcome.result.get("welcome_job")
        if welcome_job:
            with progress_bar() as bar:
                task = bar.add_task("welcome e-mails", total=None)
                service.run_job_here(
                    factory, settings, int(welcome_job), lambda d, t: bar.update(task, completed=d, total=t or None)
                )
        with unit_of_work(factory) as session:
            done = repo.get_upload(session, upload_id)
            assert done is not None
            _summary(console, done, dry_run)
            if report is not None:
                path, _ = results.result_file(settings, done, report.suffix.lower().lstrip("."))
                shutil.copyfile(path, report)
                console.print(f"Result file written to {report}")


def _summary(console: Console, upload: Upload, dry_run: bool) -> None:
    table = Table(title="Preview (nothing was changed)" if dry_run else "Import finished")
    for col in ("rows", "created", "updated", "unchanged", "failed"):
        table.add_column(("would be " + col) if dry_run and col in ("created", "updated") else col, justify="right")
    table.add_row(*[str(getattr(upload, k)) for k in ("total", "created", "updated", "unchanged", "failed")])
    console.print(table)
    if not dry_run and upload.created:
        console.print("Welcome e-mails are queued in the outbox; the worker sends them at the set pace.")
