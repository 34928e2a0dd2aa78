"""The `saptah` command line (Typer)."""

from __future__ import annotations

import signal
import threading
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from saptah.config import Settings
from saptah.core.db import make_engine, make_sessionmaker, unit_of_work
from saptah.core.errors import SaptahError
from saptah.domains import domain_modules

app = typer.Typer(help="Saptah: run a civil-service learning campaign.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="People and roles.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
console = Console()


@app.callback()
def _wire() -> None:
    """Every command, and any process it starts, runs wired: subscribers and job handlers registered in one place,
    so no command can publish a domain event that nobody hears (tests/foundation/test_cli_wiring.py)."""
    from saptah.wiring import wire

    wire()


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        console.print(f"[red]Settings error:[/red] {exc}")
        raise typer.Exit(2) from exc


def factory_for(settings: Settings):  # type: ignore[no-untyped-def]
    """A session factory for the configured database; its sessions' acts are recorded as the command line's."""
    from saptah.audit.service import ORIGIN_KEY, cli_origin

    factory = make_sessionmaker(make_engine(settings.database_url))
    factory.configure(info={ORIGIN_KEY: cli_origin()})
    return factory


def progress_bar() -> Progress:
    """The progress bar used by long commands."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema."""
    from saptah.core.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    console.print(f"Database is up to date: {settings.database_url}")


@db_app.command("check")
def db_check() -> None:
    """Fail when models and migrations disagree."""
    from saptah.core.migrate import check

    check(_settings().database_url)
    console.print("Models and migrations agree.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes (production)")] = 1,
) -> None:
    """Serve the web app, the JSON API and xAPI (and, embedded, the background worker)."""
    import uvicorn

    from saptah.core.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    console.print(f"Saptah is serving at http://{host}:{port}  (API docs: /docs)")
    uvicorn.run(
        "saptah.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=settings.access_log,
        # X-Forwarded-For/-Proto are believed only from the configured proxies (none by default): uvicorn's own
        # default trusts every local client, which could then pose as any address (and dodge sign-in limits).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or "",
    )


@app.command()
def demo(
    people: Annotated[int | None, typer.Option(help="demo staff (default 3000; national: 4.6 million)")] = None,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="serve when built")] = True,
    reset: Annotated[bool, typer.Option(help="delete an existing SQLite demo database first")] = True,
    port: Annotated[int, typer.Option(help="port to serve on")] = 8000,
    scale: Annotated[str, typer.Option(help="small, or national (NLW 2024's shape, bulk path)")] = "small",
) -> None:
    """Build the demo database (real organisation tree, plausible staff) and serve it."""
    from saptah import demo as demo_mod
    from saptah.core.migrate import upgrade
    from saptah.directory.tasks import DEMO_PASSWORD, demo_accounts

    if scale not in ("small", "national"):
        console.print("[red]Error:[/red] --scale is small or national.")
        raise typer.Exit(2)
    settings = _settings()
    if reset and settings.is_sqlite:
        path = Path(settings.database_url.split("///", 1)[-1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    upgrade(settings.database_url)
    factory = factory_for(settings)
    if scale == "national":
        from saptah.analytics.commands import build_national

        with _errors():
            build_national(factory, people=people, console=console)
    else:
        staff = 3000 if people is None else people
        with progress_bar() as bar:
            tasks: dict[str, TaskID] = {}

            def report(domain: str, n: int) -> None:
                if domain not in tasks:
                    tasks[domain] = bar.add_task(f"demo: {domain}", total=staff if domain == "directory" else None)
                bar.advance(tasks[domain], n)

            demo_mod.build(factory, people=staff, progress=report)
    table = Table(title=f"Demo sign-ins (password: {DEMO_PASSWORD})")
    table.add_column("role")
    table.add_column("e-mail")
    for acc in demo_accounts():
        table.add_row(acc["role"].value if acc["role"] else "learner", acc["email"])
    console.print(table)
    if serve_after:
        serve(port=port)


@app.command()
def worker() -> None:
    """Run background jobs and send e-mail until interrupted (production)."""
    from saptah.jobs.tasks import work

    settings = _settings()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    console.print("Worker running; Ctrl-C to stop.")
    try:
        # not factory_for: a job's acts are recorded where they were asked for, the worker is the system
        work(make_sessionmaker(make_engine(settings.database_url)), settings, stop)
    except KeyboardInterrupt:
        stop.set()


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="e-mail (the sign-in)")],
    name: Annotated[str, typer.Option(help="full name")],
    org: Annotated[str, typer.Option(help="organisation code, e.g. MOHFW")],
    password: Annotated[str | None, typer.Option(help="password; omit to e-mail a set-password link")] = None,
) -> None:
    """Register a person."""
    from saptah.auth.service import issue_password_link
    from saptah.directory import service

    settings = _settings()
    with _errors(), unit_of_work(factory_for(settings)) as session:
        person = service.create_person(
            session, full_name=name, email=email, org=service.org_by_code(session, org), password=password
        )
        if password is None:
            issue_password_link(session, settings, person=person, purpose="setup")
    console.print(f"Created {person.email} (id {person.id}).")


def _grant_or_revoke(email: str, role: str, org: str | None, expires: str | None, revoke: bool) -> None:
    from saptah.directory import repository as repo
    from saptah.directory import service
    from saptah.directory.models import Role

    settings = _settings()
    with _errors(), unit_of_work(factory_for(settings)) as session:
        person = repo.get_person_by_email(session, email)
        if person is None:
            raise SaptahError(f"No one is registered with e-mail {email}.")
        try:
            the_role = Role(role)
        except ValueError as exc:
            raise SaptahError(f"Role must be one of: {', '.join(r.value for r in Role)}.") from exc
        scope = service.org_by_code(session, org) if org else None
        if revoke:
            service.revoke_role(session, actor=None, person=person, role=the_role, org=scope)
        else:
            until = date.fromisoformat(expires) if expires else None
            service.grant_role(session, actor=None, person=person, role=the_role, org=scope, expires_on=until)
    console.print(f"{'Revoked' if revoke else 'Granted'} {role} {'from' if revoke else 'to'} {email}.")


@user_app.command("grant")
def user_grant(
    email: Annotated[str, typer.Argument(help="whose role")],
    role: Annotated[str, typer.Argument(help="mdo_admin, mdo_leader, national_organiser or content_provider")],
    org: Annotated[str | None, typer.Option(help="organisation code of the subtree")] = None,
    expires: Annotated[str | None, typer.Option(help="expiry date, YYYY-MM-DD")] = None,
) -> None:
    """Grant a role over an organisation subtree."""
    _grant_or_revoke(email, role, org, expires, revoke=False)


@user_app.command("revoke")
def user_revoke(
    email: Annotated[str, typer.Argument(help="whose role")],
    role: Annotated[str, typer.Argument(help="the role to take away")],
    org: Annotated[str | None, typer.Option(help="organisation code of the subtree")] = None,
) -> None:
    """Revoke a role."""
    _grant_or_revoke(email, role, org, None, revoke=True)


class _errors:
    """Print domain errors as one clear line and exit 1."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, SaptahError):
            console.print(f"[red]Error:[/red] {exc.message}")
            raise typer.Exit(1)


_registered: list[bool] = []


def _register_domain_commands() -> None:
    if _registered:  # once per process (tests call it too)
        return
    _registered.append(True)
    for _domain, module in domain_modules("commands"):
        module.register(app)


def main() -> None:
    """Entry point of the console script."""
    _register_domain_commands()
    app()
