"""Alembic environment: the URL comes from the caller or from Settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from saptah.core.db import make_engine, normalise_url
from saptah.core.migrate import load_models

config = context.config
target_metadata = load_models().metadata
# Full-text search objects made by hand in migrations (SQLite FTS5 tables, PostgreSQL expression GIN indexes):
# autogenerate cannot compare them, so `alembic check` leaves them alone.
UNMANAGED_PREFIXES = ("courses_fts", "ix_courses_search", "discussion_posts_fts", "ix_discussion_posts_search")


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (name or "").startswith(UNMANAGED_PREFIXES)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    """Run against a given connection, or open one from the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from saptah.config import Settings

        url = Settings().database_url
    engine = make_engine(normalise_url(url))
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


run()
