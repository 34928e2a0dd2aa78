"""Campaign aggregates: a shard column on the score histograms and organisation-day totals.

Every ingest transaction adds its deltas to one shard, picked at random, so concurrent ingests no longer queue
on the same national histogram and organisation-day rows; readers sum over the shards, and recompute writes
shard 0 only.

Revision ID: 0930
Revises: 0920
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0930"
down_revision: str | Sequence[str] | None = "0920"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = {
    "campaign_score_counts": (("campaign_id", "board", "score"), ("people",)),
    "campaign_org_day_totals": (
        ("campaign_id", "org_id", "day"),
        ("minutes", "completions", "active_people", "reached_people"),
    ),
}


def upgrade() -> None:
    """Add the shard to each table and to its unique key."""
    for table, (key, _values) in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("shard", sa.SmallInteger(), server_default="0", nullable=False))
            batch_op.drop_constraint(f"uq_{table}_{'_'.join(key)}", type_="unique")
            batch_op.create_unique_constraint(f"uq_{table}_{'_'.join(key)}_shard", [*key, "shard"])


def downgrade() -> None:
    """Fold every key's shards into its shard 0 row, then drop the column."""
    for table, (key, values) in TABLES.items():
        same = " AND ".join(f"o.{k} = {table}.{k}" for k in key)
        sums = ", ".join(f"{v} = (SELECT sum(o.{v}) FROM {table} o WHERE {same})" for v in values)
        op.execute(f"UPDATE {table} SET {sums} WHERE shard = 0")
        cols, no_zero = ", ".join(key), " AND ".join(f"z.{k} = t.{k}" for k in key)
        op.execute(
            f"INSERT INTO {table} ({cols}, shard, {', '.join(values)})"
            f" SELECT {cols}, 0, {', '.join(f'sum({v})' for v in values)} FROM {table} t"
            f" WHERE NOT EXISTS (SELECT 1 FROM {table} z WHERE z.shard = 0 AND {no_zero}) GROUP BY {cols}"
        )
        op.execute(f"DELETE FROM {table} WHERE shard <> 0")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"uq_{table}_{'_'.join(key)}_shard", type_="unique")
            batch_op.create_unique_constraint(f"uq_{table}_{'_'.join(key)}", list(key))
            batch_op.drop_column("shard")
