"""due work claims name their owner (stable across a restart), so a restarted process takes back at once what it held

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('due_work', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('claim_owner', sa.String(length=100), nullable=True))
        batch_op.create_index('ix_due_work_claim_owner', ['claim_owner'], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table('due_work', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_index('ix_due_work_claim_owner')
        batch_op.drop_column('claim_owner')
