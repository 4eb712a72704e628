"""reminders: quiet hours, how late a missed post may still go, DMs by default or by a member's choice, outcomes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('groups', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('quiet_start_hour', sa.Integer(), nullable=False, server_default='22'))
        batch_op.add_column(sa.Column('quiet_end_hour', sa.Integer(), nullable=False, server_default='8'))
        batch_op.add_column(sa.Column('reminder_late_hours', sa.Integer(), nullable=False, server_default='24'))
        batch_op.add_column(sa.Column('reminder_dms', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('reminded', sa.JSON(), nullable=True))
    with op.batch_alter_table('memberships', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('reminder_dm', sa.Boolean(), nullable=True))
    with op.batch_alter_table('due_work', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=16), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table('due_work', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('outcome')
    with op.batch_alter_table('memberships', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('reminder_dm')
    with op.batch_alter_table('groups', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('reminded')
        batch_op.drop_column('reminder_dms')
        batch_op.drop_column('reminder_late_hours')
        batch_op.drop_column('quiet_end_hour')
        batch_op.drop_column('quiet_start_hour')
