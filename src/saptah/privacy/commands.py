"""`saptah privacy`: erase a person's personal data, or write out what Saptah holds about them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the `privacy` command group."""
    privacy_app = typer.Typer(help="Personal data (DPDP Act 2023): export and erase.", no_args_is_help=True)
    app.add_typer(privacy_app, name="privacy")

    @privacy_app.command("erase")
    def erase(
        email: Annotated[str, typer.Argument(help="the person's e-mail")],
        reason: Annotated[str, typer.Option(help="the request's reason or reference (kept in the audit log)")],
    ) -> None:
        """Erase a person's personal data on request; their learning keeps counting, anonymously."""
        from saptah.cli import _errors, _settings, console, factory_for
        from saptah.core.db import unit_of_work
        from saptah.directory.onboarding import erasure
        from saptah.privacy import service
        from saptah.wiring import wire

        wire()
        settings = _settings()
        factory = factory_for(settings)
        with _errors():
            with unit_of_work(factory) as session:
                person = service.erase_by_email(session, email=email, reason=reason)
                person_id = person.id
            console.print(f"Erased the personal data of person {person_id}.")
            erasure.run_queued(factory, settings)  # staff lists kept on disk: at once, not when a worker runs
        console.print("Their rows are scrubbed from the staff lists kept on disk.")

    @privacy_app.command("export")
    def export(
        email: Annotated[str, typer.Argument(help="the person's e-mail")],
        out: Annotated[Path, typer.Option(help="the JSON file to write")],
    ) -> None:
        """Write everything Saptah holds about a person to a JSON file (an access request made offline)."""
        from saptah.audit import service as audit
        from saptah.audit.schemas import Act
        from saptah.cli import _errors, _settings, console, factory_for
        from saptah.core.db import unit_of_work
        from saptah.core.errors import NotFound
        from saptah.directory import repository as people
        from saptah.directory.service import normalise_email
        from saptah.privacy import service

        with _errors(), unit_of_work(factory_for(_settings())) as session:
            person = people.get_person_by_email(session, normalise_email(email))
            if person is None:
                raise NotFound("No one is registered with e-mail {email}.", email=email)
            data = service.personal_data(session, person.id)
            audit.record(
                session,
                act=Act.PERSONAL_DATA_EXPORT,
                actor_id=None,
                target_person_id=person.id,
                target=f"person {person.id}",
                details={"export": "personal_data"},
            )
        out.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str), "utf-8")
        console.print(f"Wrote {out}.")
