"""a group's cycle length: how many meetings make one cycle (4 to 6), for the cycle's ledger

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('groups', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('cycle_length', sa.Integer(), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table('groups', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('cycle_length')
