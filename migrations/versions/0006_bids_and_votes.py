"""bids, votes, vote_bids and ballots; whether a group lets members vote for their own bid; the outbox encrypted

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    # On SQLite both tables are copied: they keep AUTOINCREMENT, since their ids are in buttons and post nonces.
    with op.batch_alter_table('groups', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('own_bid_votes', sa.Boolean(), nullable=False, server_default=sa.true()))
    # Queued posts will quote what members wrote: the payload becomes an encrypted token (text). Rows already
    # queued stay plain JSON, which the column type still reads.
    with op.batch_alter_table('pending_effects', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.alter_column(
            'payload', existing_type=sa.JSON(), type_=sa.Text(), postgresql_using='payload::text', existing_nullable=False
        )
    op.create_table(
        'bids',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.BigInteger(), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('help', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('put_in_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('closed_at', bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('chosen_by_vote_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_bids_group_id_groups'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bids')),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_bids_group_id_status', 'bids', ['group_id', 'status'], unique=False)
    op.create_table(
        'votes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('method', sa.String(length=16), nullable=False),
        sa.Column('seats', sa.Integer(), nullable=False),
        sa.Column('own_bid_votes', sa.Boolean(), nullable=False),
        sa.Column('opened_by', sa.BigInteger(), nullable=False),
        sa.Column('opened_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('closes_at', bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('closed_at', bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('closed_by', sa.BigInteger(), nullable=True),
        sa.Column('close_reason', sa.String(length=16), nullable=True),
        sa.Column('card_message_id', sa.BigInteger(), nullable=True),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ['group_id'], ['groups.id'], name=op.f('fk_votes_group_id_groups'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_votes_group_id_status', 'votes', ['group_id', 'status'], unique=False)
    op.create_table(
        'vote_bids',
        sa.Column('vote_id', sa.Integer(), nullable=False),
        sa.Column('bid_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('struck_at', bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['bid_id'], ['bids.id'], name=op.f('fk_vote_bids_bid_id_bids'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['vote_id'], ['votes.id'], name=op.f('fk_vote_bids_vote_id_votes'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('vote_id', 'bid_id', name=op.f('pk_vote_bids')),
    )
    op.create_table(
        'ballots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('vote_id', sa.Integer(), nullable=False),
        sa.Column('voter_id', sa.BigInteger(), nullable=False),
        sa.Column('choices', sa.Text(), nullable=False),
        sa.Column('cast_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('changed_at', bot.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['vote_id'], ['votes.id'], name=op.f('fk_ballots_vote_id_votes'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots')),
        sa.UniqueConstraint('vote_id', 'voter_id', name=op.f('uq_ballots_vote_id')),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table('ballots')
    op.drop_table('vote_bids')
    op.drop_index('ix_votes_group_id_status', table_name='votes')
    op.drop_table('votes')
    op.drop_index('ix_bids_group_id_status', table_name='bids')
    op.drop_table('bids')
    # Encrypted rows cannot go back to plain JSON without the key: queued effects are set aside, not misread.
    op.execute("DELETE FROM pending_effects WHERE payload NOT LIKE '{%'")
    with op.batch_alter_table('pending_effects', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.alter_column(
            'payload', existing_type=sa.Text(), type_=sa.JSON(), postgresql_using='payload::json', existing_nullable=False
        )
    with op.batch_alter_table('groups', table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('own_bid_votes')
