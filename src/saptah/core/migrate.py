"""Alembic, driven from code: the same migrations on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from saptah.core.db import Base
from saptah.domains import domain_modules


def load_models() -> type[Base]:
    """Import every domain's models so the metadata is complete."""
    list(domain_modules("models"))  # importing a models module registers its tables
    return Base


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", "saptah:migrations")
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str | None = None, connection: Connection | None = None) -> None:
    """Bring the database to the newest revision(s)."""
    command.upgrade(alembic_config(url, connection), "heads")


def check(url: str) -> None:
    """Fail when the models and the migrations disagree (CI runs this)."""
    command.check(alembic_config(url))
