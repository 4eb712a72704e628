"""the Stage floor: the ledger holds Stage suppressions as well as server mutes; a meeting may be on a Stage

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('voice_mutes', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), server_default='mute', nullable=False))
        batch_op.add_column(sa.Column('channel_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('changed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_constraint('uq_voice_mutes_guild_id', type_='unique')
        batch_op.create_unique_constraint(op.f('uq_voice_mutes_guild_id'), ['guild_id', 'user_id', 'kind'])
    with op.batch_alter_table('meetings', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('stage', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('stage_instance_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table('meetings', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('stage_instance_id')
        batch_op.drop_column('stage')
    op.execute("DELETE FROM voice_mutes WHERE kind <> 'mute'")
    with op.batch_alter_table('voice_mutes', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint('uq_voice_mutes_guild_id', type_='unique')
        batch_op.create_unique_constraint(op.f('uq_voice_mutes_guild_id'), ['guild_id', 'user_id'])
        batch_op.drop_column('changed')
        batch_op.drop_column('channel_id')
        batch_op.drop_column('kind')
