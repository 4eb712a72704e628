"""the voice floor: a meeting's voice channel, and the ledger of server mutes the bot owns

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('meetings', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('voice_channel_id', sa.BigInteger(), nullable=True))
    op.create_table(
        'voice_mutes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('guild_id', sa.BigInteger(), nullable=False),
        sa.Column('user_id', sa.BigInteger(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('written_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('theirs', sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_mutes')),
        sa.UniqueConstraint('guild_id', 'user_id', name=op.f('uq_voice_mutes_guild_id')),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table('voice_mutes')
    with op.batch_alter_table('meetings', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('voice_channel_id')
