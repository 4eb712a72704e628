"""the mute ledger knows a person per meeting and voice channel: one row per person, group and channel, not per server

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision.

    A server mute row written before now names its group but no channel: it takes the voice channel of the group's
    meeting under way (whose floor wanted it). A row whose meeting has ended keeps none: no floor wants it any more,
    and it is undone as before. Rows were unique per person, guild and kind, so they stay unique with more columns.
    """
    op.execute(
        "UPDATE voice_mutes SET channel_id = ("
        "SELECT meetings.voice_channel_id FROM meetings "
        "WHERE meetings.group_id = voice_mutes.group_id AND meetings.status = 'open' "
        "ORDER BY meetings.id DESC LIMIT 1"
        ") WHERE kind = 'mute' AND channel_id IS NULL"
    )
    with op.batch_alter_table("voice_mutes", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_constraint("uq_voice_mutes_guild_id", type_="unique")
        batch_op.create_unique_constraint(
            op.f("uq_voice_mutes_guild_id"), ["guild_id", "user_id", "kind", "group_id", "channel_id"]
        )


def downgrade() -> None:
    """Undo this revision: of a person's rows of one kind, the newest is kept (one row per person, guild and kind).

    The rows dropped are mutes the bot may still owe an undo: they are lost, as they would have been overwritten.
    """
    op.execute(
        "DELETE FROM voice_mutes WHERE EXISTS ("
        "SELECT 1 FROM voice_mutes AS newer WHERE newer.guild_id = voice_mutes.guild_id "
        "AND newer.user_id = voice_mutes.user_id AND newer.kind = voice_mutes.kind AND newer.id > voice_mutes.id)"
    )
    op.execute("UPDATE voice_mutes SET channel_id = NULL WHERE kind = 'mute'")
    with op.batch_alter_table("voice_mutes", table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_constraint("uq_voice_mutes_guild_id", type_="unique")
        batch_op.create_unique_constraint(op.f("uq_voice_mutes_guild_id"), ["guild_id", "user_id", "kind"])
