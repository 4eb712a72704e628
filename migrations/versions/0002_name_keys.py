"""group name keys recomputed: lookalike names (TR39 skeleton) and channel-name twins are one name

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from bot.domain.groups import name_key


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

groups = sa.table(
    'groups',
    sa.column('id', sa.Integer),
    sa.column('guild_id', sa.BigInteger),
    sa.column('name', sa.String),
    sa.column('name_key', sa.String),
)


def _placeholder(group_id: int) -> str:
    # No real key contains a space, so this never meets one while keys are being moved.
    return f'~ {group_id}'


def _rekey(key_of: Callable[[str], str]) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(groups.c.id, groups.c.guild_id, groups.c.name).order_by(groups.c.id)).all()
    # Every key is first moved aside, so a new key never meets an old one that is about to change too.
    for row in rows:
        connection.execute(groups.update().where(groups.c.id == row.id).values(name_key=_placeholder(row.id)))
    taken: set[tuple[int, str]] = set()
    for row in rows:  # oldest first (ids only grow)
        key = key_of(row.name)
        if (row.guild_id, key) in taken:
            # Two groups made before this rule whose names now count as one: the older keeps the key; the newer
            # gets a key no name can produce (name_key never keeps a space), so the migration never fails, both
            # groups go on working and are picked from the list as before, and no new group can take the name.
            key = f'{key[:36]} dup {row.id}'[:50]
        taken.add((row.guild_id, key))
        connection.execute(groups.update().where(groups.c.id == row.id).values(name_key=key))


def upgrade() -> None:
    """Apply this revision."""
    _rekey(name_key)


def downgrade() -> None:
    """Revert this revision: the keys of revision 0001 (case and spacing ignored)."""
    _rekey(lambda name: ' '.join(name.split()).casefold())
