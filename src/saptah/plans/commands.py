"""Plan commands: `saptah plans remind` queues due reminders and weekly digests."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

plans_app = typer.Typer(help="Learning plans.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `saptah plans ...` to the CLI."""
    app.add_typer(plans_app, name="plans")


@plans_app.command("remind")
def remind(
    on: Annotated[str | None, typer.Option("--date", help="the IST day to act as today (YYYY-MM-DD)")] = None,
    enqueue: Annotated[bool, typer.Option(help="queue a job for the worker instead of running now")] = False,
) -> None:
    """Queue reminders (N days before, deadline passed) and weekly overdue digests; safe to run twice."""
    from saptah.cli import _errors, _settings, console, factory_for
    from saptah.core.db import unit_of_work
    from saptah.jobs import service as jobs
    from saptah.plans import tasks

    try:
        today = date.fromisoformat(on) if on else None
    except ValueError as exc:
        console.print("[red]Error:[/red] --date must be YYYY-MM-DD.")
        raise typer.Exit(2) from exc
    settings = _settings()
    with _errors(), unit_of_work(factory_for(settings)) as session:
        if enqueue:
            payload = {"today": today.isoformat()} if today else {}
            job = jobs.enqueue(session, kind=tasks.JOB_KIND, payload=payload, lock_key=tasks.JOB_KIND)
            console.print(f"Queued reminder job {job.id}.")
            return
        counts = tasks.remind(session, settings, today=today)
    total = sum(v for k, v in counts.items() if k != "digest")
    console.print(f"Queued {total} reminder(s) and {counts.get('digest', 0)} digest(s): {counts or 'nothing due'}.")
