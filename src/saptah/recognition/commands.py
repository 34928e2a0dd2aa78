"""`saptah honours ...`: a national organiser draws, reviews and publishes the ministry-level honour roll."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

AS_HELP = "e-mail of the national organiser acting (drafts are theirs to see and change)"


def register(app: typer.Typer) -> None:
    """Add `saptah honours draw|leave-out|publish|show` to the CLI."""
    honours_app = typer.Typer(help="Ministry-level honours: organisations by size band.", no_args_is_help=True)
    app.add_typer(honours_app, name="honours")
    honours_app.command("draw")(draw)
    honours_app.command("leave-out")(leave_out)
    honours_app.command("publish")(publish)
    honours_app.command("show")(show)


def _principal(session: Any, email: str) -> Any:
    from saptah.core.errors import InvalidInput
    from saptah.directory import service as directory

    person = directory.repo.get_person_by_email(session, directory.normalise_email(email)) if email.strip() else None
    if person is None:
        raise InvalidInput("Give --as the e-mail of a national organiser.")
    return directory.load_principal(session, person.id)


def _print(session: Any, principal: Any, roll_id: int) -> None:
    from saptah.cli import console
    from saptah.recognition import org_honours

    roll, sections = org_honours.roll_of(session, principal, roll_id)
    console.print(f"Honour roll {roll.id} ({roll.status}): top {roll.size} organisations of each size band")
    for s in sections:
        console.print(f"{s.band} · {org_honours.BAND_TEXT[s.band]}, {org_honours.MEASURE_TEXT[s.measure]}:")
        for e in s.entries:
            share = 100 * e.reached / e.registered if e.registered else 0.0
            code = f"  certificate {e.certificate_code}" if e.certificate_code else ""
            console.print(
                f"  {e.position}. (rank {e.rank}) {e.org_name} [org {e.org_id}]: {e.reached:,} of {e.registered:,} "
                f"reached the target ({share:.1f} %), {e.avg_minutes} min a person{code}",
                markup=False,
            )


def draw(
    campaign: Annotated[int, typer.Option("--campaign", help="the campaign id (see /campaigns)")],
    as_email: Annotated[str, typer.Option("--as", help=AS_HELP)],
    size: Annotated[int, typer.Option(help="organisations per size band and measure: 3, 5 or 10")] = 5,
    signatory_name: Annotated[str, typer.Option(help="printed under the signature")] = "",
    signatory_title: Annotated[str, typer.Option(help="printed under the signatory's name")] = "",
    signature: Annotated[Path | None, typer.Option(exists=True, dir_okay=False, help="PNG or JPEG, 512 KB")] = None,
) -> None:
    """Draw a draft honour roll of organisations for review, and print it."""
    from saptah.cli import _errors, _settings, console, factory_for
    from saptah.core.db import unit_of_work
    from saptah.recognition import org_honours

    with _errors(), unit_of_work(factory_for(_settings())) as session:
        principal = _principal(session, as_email)
        roll = org_honours.draft(
            session,
            principal=principal,
            campaign_id=campaign,
            size=size,
            signatory_name=signatory_name,
            signatory_title=signatory_title,
            signature=signature.read_bytes() if signature is not None else None,
        )
        _print(session, principal, roll.id)
    console.print(f"Review it, then `saptah honours publish {roll.id} --as {as_email}`.")


def leave_out(
    roll: Annotated[int, typer.Argument(help="the draft roll's id")],
    org: Annotated[str, typer.Option("--org", help="code of the organisation to leave out")],
    as_email: Annotated[str, typer.Option("--as", help=AS_HELP)],
) -> None:
    """Leave an organisation off a draft roll (the next in its band moves up), and print the roll."""
    from saptah.cli import _errors, _settings, factory_for
    from saptah.core.db import unit_of_work
    from saptah.directory import service as directory
    from saptah.recognition import org_honours

    with _errors(), unit_of_work(factory_for(_settings())) as session:
        principal = _principal(session, as_email)
        org_id = directory.org_by_code(session, org).id
        org_honours.exclude(session, principal=principal, roll_id=roll, org_id=org_id)
        _print(session, principal, roll)


def publish(
    roll: Annotated[int, typer.Argument(help="the reviewed roll's id")],
    as_email: Annotated[str, typer.Option("--as", help=AS_HELP)],
) -> None:
    """Publish a reviewed roll: it appears on /honours and the worker prepares its certificates."""
    from saptah.cli import _errors, _settings, console, factory_for
    from saptah.core.db import unit_of_work
    from saptah.recognition import org_honours, service

    with _errors(), unit_of_work(factory_for(_settings())) as session:
        principal = _principal(session, as_email)
        org_honours.roll_of(session, principal, roll)  # a roll of organisations (people's rolls: the web page)
        published = service.publish_honour_roll(session, principal=principal, roll_id=roll)
        job = published.job_id
    console.print(f"Published honour roll {roll} (/honours/{roll}); certificates are prepared by job {job}.")


def show(
    roll: Annotated[int, typer.Argument(help="the roll's id")],
    as_email: Annotated[str, typer.Option("--as", help=AS_HELP + "; not needed for a published roll")] = "",
) -> None:
    """Print a roll of organisations: a published one for anyone, a draft for a national organiser."""
    from saptah.cli import _errors, _settings, factory_for

    with _errors(), factory_for(_settings())() as session:
        _print(session, _principal(session, as_email) if as_email else None, roll)
