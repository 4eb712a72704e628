"""groups remember that a channel of theirs was deleted, and whether the facilitator was told

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel_lost_at', bot.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('channel_loss_told_at', bot.db.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('channel_loss_told_at')
        batch_op.drop_column('channel_lost_at')
