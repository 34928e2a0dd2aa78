"""Passport commands: `saptah passport rebuild` rebuilds every passport from the original activity;
`saptah passport import-needs` loads an organisation's role needs from a CSV or XLSX file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

passport_app = typer.Typer(help="Competency passports and role needs.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `saptah passport ...` to the CLI."""
    app.add_typer(passport_app, name="passport")


@passport_app.command("rebuild")
def rebuild(
    totals_only: Annotated[
        bool, typer.Option("--totals-only", help="only the gaps dashboard's totals, from the stored levels")
    ] = False,
) -> None:
    """Rebuild every passport (evidence, levels and the gaps dashboard's totals) from the stored completions and
    attendance; with --totals-only, only the totals from the stored levels, needs and staff."""
    from saptah.cli import _errors, _settings, console, factory_for, progress_bar
    from saptah.core.db import unit_of_work
    from saptah.passport import ingest, service

    if totals_only:
        with _errors(), unit_of_work(factory_for(_settings())) as session:
            service.rebuild_totals(session)
        console.print("Rebuilt the gaps dashboard's totals.")
        return
    with _errors(), unit_of_work(factory_for(_settings())) as session, progress_bar() as bar:
        task = bar.add_task("rebuild passports", total=None)
        result = ingest.rebuild(session, progress=lambda n: bar.update(task, completed=n))
    console.print(
        f"Rebuilt passports: {result['signals']:,} completions and attendances, {result['evidence']:,} evidence rows."
    )


@passport_app.command("import-needs")
def import_needs(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a .csv or .xlsx file")],
    org: Annotated[str, typer.Option("--org", help="the organisation's code, e.g. MOHFW")],
) -> None:
    """Load role needs (Designation, Group, Competency, Level) for an organisation; nothing is stored on an error."""
    from saptah.cli import _errors, _settings, console, factory_for
    from saptah.core.db import unit_of_work
    from saptah.directory import service as directory
    from saptah.passport import service

    with _errors(), unit_of_work(factory_for(_settings())) as session:
        target = directory.org_by_code(session, org)
        result = service.import_needs(
            session, principal=None, org=target, filename=file.name, content=file.read_bytes()
        )
        if result.errors:
            for line in result.errors:
                console.print(f"[red]✗[/red] {line}")
            session.rollback()
            raise typer.Exit(1)
    console.print(f"Stored {result.stored:,} needs for {target.name_en}.")
