"""groups have a language: what the group reads together is drawn in it

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision: every group made before it speaks English, as it did."""
    with op.batch_alter_table("groups", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=False, server_default="en"))


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("groups", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("language")
