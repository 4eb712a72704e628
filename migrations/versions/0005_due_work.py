"""one table of due work; effects carry a lease so no two workers carry one out

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 15:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'due_work',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('guild_id', sa.BigInteger(), nullable=False),
        sa.Column('subject', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('due_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('not_before', bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('claimed_by', sa.String(length=36), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('done_at', bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('gave_up', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_due_work')),
        sa.UniqueConstraint('subject', 'kind', 'due_at', name=op.f('uq_due_work_subject')),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_due_work_pending', 'due_work', ['guild_id', 'done_at', 'due_at'], unique=False)
    # Recreated on SQLite with AUTOINCREMENT: an effect's id is its post's nonce, so an id must never come back.
    with op.batch_alter_table(
        'pending_effects', recreate='always', table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.add_column(sa.Column('lease_until', bot.db.types.UTCDateTime(timezone=True), nullable=True))
    # Effects left by a process of the old format cannot be read by this one: set them aside (a person may miss one
    # notice from before the upgrade; nothing is carried out twice or wrongly).
    op.execute("UPDATE pending_effects SET attempts = 99 WHERE kind IN ('notify', 'direct')")


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table('pending_effects') as batch_op:
        batch_op.drop_column('lease_until')
    op.drop_index('ix_due_work_pending', table_name='due_work')
    op.drop_table('due_work')
