"""Catalogue commands: import courses from a file, load the reference catalogue, generate a full-size one."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Annotated

import typer

MAX_FILE_MB = 50


def register(app: typer.Typer) -> None:
    """Add the catalogue's commands to the `saptah` CLI."""
    app.command("import-courses")(import_courses)
    app.command("load-catalogue")(load_catalogue)
    app.command("generate-catalogue")(generate_catalogue)


def import_courses(
    file: Annotated[Path, typer.Argument(help="a .csv or .json course file", exists=True, dir_okay=False)],
) -> None:
    """Import courses from CSV/JSON; every row is checked and nothing is written unless all rows are good."""
    from saptah.catalog import importer
    from saptah.cli import _errors, _settings, console, factory_for
    from saptah.core.db import unit_of_work

    if file.stat().st_size > MAX_FILE_MB * 1024 * 1024:
        console.print(f"[red]Error:[/red] the file is larger than {MAX_FILE_MB} MB.")
        raise typer.Exit(1)
    settings = _settings()
    with _errors(), unit_of_work(factory_for(settings)) as session:
        rows, first = importer.parse_file(file.name, file.read_bytes())
        result = importer.import_courses(session, rows=rows, actor=None, base_url=settings.base_url, first_row=first)
        if not result.ok:
            session.rollback()
    if not result.ok:
        for line in result.errors:
            console.print(f"[red]{line}[/red]")
        console.print(f"Nothing was imported: {len(result.errors)} problem(s).")
        raise typer.Exit(1)
    console.print(f"Imported {result.created} new course(s), updated {result.updated}.")


def load_catalogue() -> None:
    """Load the competency dictionary, the reference courses and programs (idempotent)."""
    from saptah.catalog.tasks import load_reference_catalogue
    from saptah.cli import _errors, _settings, console, factory_for
    from saptah.core.db import unit_of_work

    settings = _settings()
    with _errors(), unit_of_work(factory_for(settings)) as session:
        added = load_reference_catalogue(session, base_url=settings.base_url)
    console.print(f"Reference catalogue loaded ({added} new course(s)).")


def generate_catalogue(
    courses: Annotated[int, typer.Option(help="how many generated courses", min=1, max=1_000_000)] = 2400,
    providers: Annotated[int, typer.Option(help="how many content providers in all", min=1, max=10_000)] = 200,
    seed: Annotated[int, typer.Option(help="random seed")] = 2024,
) -> None:
    """Add a full-size synthetic catalogue (courses in 16 languages from many providers) for scale tests."""
    from saptah.catalog import generator
    from saptah.catalog.tasks import load_competencies
    from saptah.cli import _errors, _settings, console, factory_for, progress_bar
    from saptah.core.db import unit_of_work

    settings = _settings()
    with _errors(), unit_of_work(factory_for(settings)) as session, progress_bar() as bar:
        task = bar.add_task("courses", total=courses)
        load_competencies(session)
        added = generator.generate(
            session,
            random.Random(seed),
            courses=courses,
            providers=providers,
            base_url=settings.base_url,
            progress=lambda n: bar.advance(task, n),
        )
    console.print(f"Generated {added} course(s).")
