"""What the benchmarks share: a throwaway SQLite file and PostgreSQL database, dropped afterwards."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text


@contextmanager
def throwaway_databases(pg_admin_url: str) -> Iterator[list[tuple[str, str]]]:
    """[("sqlite", url), ("postgresql", url)]: a new SQLite file and a new PostgreSQL database on the server of
    `pg_admin_url`, which is dropped when the block ends (even when it fails)."""
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    pg_url = pg_admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        yield [("sqlite", f"sqlite:///{tempfile.mkdtemp()}/b.db"), ("postgresql", pg_url)]
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
