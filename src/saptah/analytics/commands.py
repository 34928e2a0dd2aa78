"""Analytics commands: `saptah report` (a campaign report PDF) and the national-scale demo builder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer


def build_national(factory: Any, *, people: int | None, console: Any) -> dict[str, Any]:
    """Build the NLW-2024-shaped dataset (people None: the full 4.6 million), printing each step's time."""
    from saptah.analytics.national import Shape, build

    full = Shape()
    shape = full if people is None else full.scaled(people / full.people)
    started = time.perf_counter()
    console.print(
        f"National-scale demo: {shape.people:,} people, {shape.orgs:,} organisations, {shape.courses:,} courses, "
        f"{shape.completions:,} completions by {shape.active:,} active people."
    )

    def say(step: str, n: int) -> None:
        console.print(f"  {time.perf_counter() - started:7.1f} s  {step}: {n:,}")

    result = build(factory, shape=shape, progress=say)
    console.print(f"Built in {time.perf_counter() - started:.0f} s: {result}")
    return result


def register(app: typer.Typer) -> None:
    """Add `saptah report`."""

    @app.command("report")
    def report_cmd(
        campaign: Annotated[int, typer.Argument(help="campaign id")],
        out: Annotated[Path, typer.Option(help="where to write the PDF")] = Path("campaign-report.pdf"),
        org: Annotated[str | None, typer.Option(help="organisation code (default: national)")] = None,
        lang: Annotated[str, typer.Option(help="language of the report (en, hi)")] = "en",
    ) -> None:
        """Write a campaign report PDF (cover, key figures, charts, tables, per-ministry annex)."""
        from saptah.analytics import report, service
        from saptah.cli import _errors, _settings, console, factory_for
        from saptah.core.db import unit_of_work
        from saptah.core.errors import InvalidInput
        from saptah.directory import service as directory
        from saptah.web.i18n import languages

        settings = _settings()
        with _errors(), unit_of_work(factory_for(settings)) as session:
            if lang not in languages():
                raise InvalidInput(
                    "Unknown language {lang}: choose one of {known}.", lang=lang, known=", ".join(languages())
                )
            org_id = directory.org_by_code(session, org).id if org else None
            scope = service.report_scope(session, campaign_id=campaign, org_id=org_id)
            dash = service.dashboard(session, scope)
            annex = service.annex(session, scope, dash.tables["breakdown"], limit=report.ANNEX_LIMIT)
            pdf = report.render(dash, annex, lang=lang)
            out.write_bytes(bytes(pdf.output()))
        console.print(f"Wrote {out} ({pdf.pages_count} pages) for {scope.campaign_name}, {scope.org_name}.")
