"""each group's own data key, wrapped by the settings keys, so that erasing a group can destroy its key

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.types

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision.

    No key is made here (a migration holds no settings key): a group gets its key with its first words after this,
    and the bot seals rows written before it under their group's key at start-up (`bot.db.group_keys`).
    """
    op.create_table(
        "group_keys",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.Text(), nullable=True),
        sa.Column("destroyed_at", bot.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_keys_group_id_groups"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_group_keys")),
    )


def downgrade() -> None:
    """Undo this revision.

    Rows sealed with a group's key cannot be read without it: going below this revision loses them, so it is
    refused while any group has a key.
    """
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT count(*) FROM group_keys")).scalar():
        raise RuntimeError(
            "groups' words are sealed with their own keys since revision 0018_keys; downgrading would make them "
            "unreadable. Restore a backup taken before the upgrade instead"
        )
    op.drop_table("group_keys")
