"""a group's meeting schedule: its cadence rule, the next meeting, and the Discord scheduled event for it

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('groups', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('schedule', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('next_meeting_at', bot.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('event_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table('groups', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('event_id')
        batch_op.drop_column('next_meeting_at')
        batch_op.drop_column('schedule')
