"""Full-text search of discussion posts: an external-content FTS5 table kept in step by triggers on SQLite, a GIN
index on to_tsvector('simple', search_text) on PostgreSQL ('simple': Hindi and English words index as they are).

Revision ID: 1210
Revises: 1200
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "1210"
down_revision: str | Sequence[str] | None = "1200"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_EXPR = "to_tsvector('simple', search_text)"
TRIGGERS = {
    "discussion_posts_fts_ai": "AFTER INSERT ON discussion_posts BEGIN "
    "INSERT INTO discussion_posts_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "discussion_posts_fts_ad": "AFTER DELETE ON discussion_posts BEGIN "
    "INSERT INTO discussion_posts_fts(discussion_posts_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "discussion_posts_fts_au": "AFTER UPDATE OF search_text ON discussion_posts BEGIN "
    "INSERT INTO discussion_posts_fts(discussion_posts_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO discussion_posts_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
}


def upgrade() -> None:
    """Create the index (PostgreSQL) or the FTS5 table, its triggers, and index the posts already written (SQLite)."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"CREATE INDEX ix_discussion_posts_search ON discussion_posts USING gin ({SEARCH_EXPR})")
    elif dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE discussion_posts_fts USING fts5(search_text, content='discussion_posts', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        for name, body in TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        op.execute("INSERT INTO discussion_posts_fts(discussion_posts_fts) VALUES ('rebuild')")


def downgrade() -> None:
    """Drop them."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_discussion_posts_search")
    elif dialect == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS discussion_posts_fts")
