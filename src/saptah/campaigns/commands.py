"""Campaign commands: `saptah recompute --campaign ID` rebuilds credit from the original activity; `saptah check
--campaign ID` verifies the campaign's invariants."""

from __future__ import annotations

from typing import Annotated, Any

import typer


def register(app: typer.Typer) -> None:
    """Add `saptah recompute` and `saptah check` to the CLI."""
    app.command("recompute")(recompute)
    app.command("check")(check)


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


def check(
    campaign: Annotated[int, typer.Option("--campaign", help="the campaign id (see /campaigns)")],
) -> None:
    """Verify a campaign's invariants, read-only, and print every violation; exit 1 when there is one."""
    import time

    from rich.markup import escape

    from saptah.campaigns import check as checks
    from saptah.campaigns import check_repository as check_repo
    from saptah.campaigns import repository as repo
    from saptah.campaigns import service
    from saptah.cli import _errors, _settings, console, factory_for, progress_bar

    started = time.monotonic()
    found = _Printed(console, escape)
    with _errors(), factory_for(_settings())() as session:
        check_repo.read_only(session)
        rules = service.rules_of(service.get(session, campaign))
        total = repo.count_records_between(session, rules.window_start, rules.window_end)
        with progress_bar() as bar:
            task = bar.add_task(f"check campaign {campaign}", total=total)
            _, counts = checks.check(session, campaign, progress=lambda n: bar.update(task, completed=n), found=found)
            bar.update(task, completed=total)
        session.rollback()
    took = time.monotonic() - started
    checked = f"{counts['records']:,} records of {counts['people']:,} people checked in {took:.1f} s"
    if found.count:
        console.print(f"Campaign {campaign}: {found.count:,} violation(s); {checked}.")
        raise typer.Exit(1)
    console.print(f"Campaign {campaign}: no violation; {checked}.")


class _Printed:
    """Violations printed as they are found, one line each (a national run may find millions)."""

    def __init__(self, console: Any, escape: Any) -> None:
        self.console, self.escape, self.count = console, escape, 0

    def append(self, v: Any, /) -> None:
        """Print one violation."""
        self.count += 1
        self.console.print(f"[red]✗ {self.escape(v.kind)}:[/red] {self.escape(v.message)}", soft_wrap=True)
