"""memberships remember the post of their join request

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 15:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('memberships') as batch_op:
        batch_op.add_column(sa.Column('request_message_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table('memberships') as batch_op:
        batch_op.drop_column('request_message_id')
