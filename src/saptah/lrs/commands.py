"""`saptah lrs-client ...`: issue and revoke credentials for content providers."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the lrs-client command group."""
    group = typer.Typer(help="xAPI credentials for content providers.", no_args_is_help=True)
    app.add_typer(group, name="lrs-client")

    @group.command("create")
    def create(
        name: Annotated[str, typer.Argument(help="who the credentials are for, e.g. the provider's name")],
        org: Annotated[str | None, typer.Option(help="the provider's organisation code, e.g. CP_KB")] = None,
        scopes: Annotated[
            str | None, typer.Option(help="space-separated xAPI scopes (default: write, read own)")
        ] = None,
    ) -> None:
        """Issue a key and secret for HTTP Basic access to /xapi; the secret is shown only now."""
        from saptah.cli import _errors, _settings, console, factory_for
        from saptah.core.db import unit_of_work
        from saptah.directory import service as directory
        from saptah.lrs import clients

        settings = _settings()
        with _errors(), unit_of_work(factory_for(settings)) as session:
            org_id = directory.org_by_code(session, org).id if org else None
            client, secret = clients.create_client(
                session, name=name, org_id=org_id, scopes=scopes or clients.DEFAULT_SCOPES
            )
        console.print(f"Endpoint: {settings.base_url}/xapi/")
        console.print(f"Key:      {client.key}")
        console.print(f"Secret:   {secret}")

    @group.command("revoke")
    def revoke(key: Annotated[str, typer.Argument(help="the client's key")]) -> None:
        """Revoke a client's credentials."""
        from saptah.cli import _errors, _settings, console, factory_for
        from saptah.core.db import unit_of_work
        from saptah.core.errors import NotFound
        from saptah.lrs import clients
        from saptah.lrs import repository as repo

        with _errors(), unit_of_work(factory_for(_settings())) as session:
            client = repo.get_client_by_key(session, key)
            if client is None:
                raise NotFound(f"No LRS client has key {key}.")
            clients.revoke_client(session, client.id)
        console.print(f"Revoked {key}.")
