"""meetings remember when, by Discord's clock, an interaction last moved the turn on

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("meetings", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("turn_moved_at", bot.db.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("meetings", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("turn_moved_at")
