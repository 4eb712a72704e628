"""groups say how many days an archived group's words are kept (the retention period)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("groups", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("keep_days", sa.Integer(), nullable=False, server_default="180"))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("groups", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("keep_days")
