"""action reports: each change of an action's status, with what happened and what was learnt

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        'action_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('action_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('happened', sa.Text(), nullable=False),
        sa.Column('learnt', sa.Text(), nullable=False),
        sa.Column('reported_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['action_id'], ['actions.id'], name=op.f('fk_action_reports_action_id_actions'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_action_reports')),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_action_reports_action_id', 'action_reports', ['action_id'], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    op.drop_index('ix_action_reports_action_id', table_name='action_reports')
    op.drop_table('action_reports')
