"""Campaign commands: `saptah recompute --campaign ID` rebuilds credit from the original activity; `saptah check
--campaign ID` verifies the campaign's invariants."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add `saptah recompute` to the CLI."""
    app.command("recompute")(recompute)


def recompute(
    campaign: Annotated[int, typer.Option("--campaign", help="the campaign id (see /campaigns)")],
) -> None:
    """Rebuild a campaign's credit ledger and aggregates from the original activity, with a progress bar."""
    from saptah.campaigns import ledger, service
    from saptah.campaigns import repository as repo
    from saptah.cli import _errors, _settings, console, factory_for, progress_bar
    from saptah.core.db import unit_of_work

    settings = _settings()
    with _errors(), unit_of_work(factory_for(settings)) as session:
        rules = service.rules_of(service.get(session, campaign))
        total = repo.count_records_between(session, rules.window_start, rules.window_end)
        with progress_bar() as bar:
            task = bar.add_task(f"recompute campaign {campaign}", total=total)
            result = ledger.recompute(session, campaign, progress=lambda n: bar.update(task, completed=n))
            bar.update(task, completed=total)
    console.print(
        f"Recomputed campaign {campaign}: {result['records']:,} records, {result['people']:,} people, "
        f"{result['reached']:,} reached the target; {result['repaired']:,} stored records made to agree with "
        "their sources."
    )
