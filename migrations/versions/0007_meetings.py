"""meetings with their state, actions, round notes and contributions; whether a group's floor moves on when time is up

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('groups', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('auto_advance', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'meetings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('state', sa.JSON(), nullable=False),
        sa.Column('started_by', sa.BigInteger(), nullable=False),
        sa.Column('started_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('card_message_id', sa.BigInteger(), nullable=True),
        sa.Column('vote_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['group_id'], ['groups.id'], name=op.f('fk_meetings_group_id_groups'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_meetings_group_id_status', 'meetings', ['group_id', 'status'], unique=False)
    op.create_table(
        'actions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('round_index', sa.Integer(), nullable=True),
        sa.Column('owner_id', sa.BigInteger(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['group_id'], ['groups.id'], name=op.f('fk_actions_group_id_groups'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['meeting_id'], ['meetings.id'], name=op.f('fk_actions_meeting_id_meetings'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_actions')),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_actions_group_id_owner_id', 'actions', ['group_id', 'owner_id'], unique=False)
    op.create_table(
        'round_notes',
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('round_index', sa.Integer(), nullable=False),
        sa.Column('holder_id', sa.BigInteger(), nullable=False),
        sa.Column('learnt', sa.Text(), nullable=False),
        sa.Column('written_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['meeting_id'], ['meetings.id'], name=op.f('fk_round_notes_meeting_id_meetings'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('meeting_id', 'round_index', name=op.f('pk_round_notes')),
    )
    op.create_table(
        'contributions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('round_index', sa.Integer(), nullable=False),
        sa.Column('phase', sa.String(length=16), nullable=False),
        sa.Column('author_id', sa.BigInteger(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('posted_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['meeting_id'], ['meetings.id'], name=op.f('fk_contributions_meeting_id_meetings'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contributions')),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_contributions_meeting_id', 'contributions', ['meeting_id', 'round_index'], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    op.drop_index('ix_contributions_meeting_id', table_name='contributions')
    op.drop_table('contributions')
    op.drop_table('round_notes')
    op.drop_index('ix_actions_group_id_owner_id', table_name='actions')
    op.drop_table('actions')
    op.drop_index('ix_meetings_group_id_status', table_name='meetings')
    op.drop_table('meetings')
    with op.batch_alter_table('groups', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('auto_advance')
