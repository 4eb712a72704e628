"""a queued post notes when it was sent and a digest of what it said, to be recognised after its nonce is forgotten

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('pending_effects', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('sent_at', bot.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sent_digest', sa.Text(), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table('pending_effects', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('sent_digest')
        batch_op.drop_column('sent_at')
