"""Merge the domain branches into one head.

Revision ID: 0900
Revises: 0300, 0400, 0500, 0610, 0700, 0800
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0900"
down_revision: str | Sequence[str] | None = ("0300", "0400", "0500", "0610", "0700", "0800")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the branches only join here."""


def downgrade() -> None:
    """Nothing to change."""
