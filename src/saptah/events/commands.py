"""`saptah events ...`: close attendance and import attendance files from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the events commands to the CLI."""
    events_app = typer.Typer(help="Webinars, Samuhik Charcha and workshops.", no_args_is_help=True)
    app.add_typer(events_app, name="events")

    @events_app.command("finalise")
    def finalise() -> None:
        """Close live attendance of every ended event and credit final minutes."""
        from saptah.cli import _settings, console, factory_for
        from saptah.core.db import unit_of_work
        from saptah.events import attendance

        with unit_of_work(factory_for(_settings())) as session:
            done = attendance.finalise_due(session)
        console.print(f"Closed attendance of {done} event(s).")

    @events_app.command("import-attendance")
    def import_attendance(
        event_id: Annotated[int, typer.Argument(help="the event's id")],
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX file")],
        kind: Annotated[str, typer.Option(help="report (meeting tool) or sheet (offline)")] = "sheet",
        as_email: Annotated[str, typer.Option("--as", help="e-mail of the organiser doing the import")] = "",
        result: Annotated[Path | None, typer.Option(help="write the per-row result file here (.csv/.xlsx)")] = None,
    ) -> None:
        """Import an attendance report or sheet; prints the counts and writes the result file."""
        from saptah.cli import _settings, console, factory_for
        from saptah.core.db import unit_of_work
        from saptah.core.errors import SaptahError
        from saptah.directory import repository as people
        from saptah.directory.service import load_principal
        from saptah.events import imports, service

        try:
            with unit_of_work(factory_for(_settings())) as session:
                person = people.get_person_by_email(session, as_email.strip().lower())
                if person is None:
                    raise SaptahError("Give --as the e-mail of the event's organiser.")
                principal = load_principal(session, person.id)
                event = service.get_event(session, event_id)
                record = imports.import_attendance(
                    session, principal, event, kind=kind, filename=file.name, content=file.read_bytes()
                )
                if result is not None:
                    result.write_bytes(imports.result_file(record, result.suffix.lstrip(".").lower() or "csv"))
                console.print(f"{record.rows_ok} row(s) imported, {record.rows_failed} with errors.")
        except SaptahError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from exc
