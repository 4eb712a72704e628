"""Group names on a real database: lookalikes and channel twins are one name; typed options are parsed strictly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import column, insert, select, table

from bot.db.engine import migration_engine
from bot.db.migrate import migrate
from bot.db.models import Group
from bot.domain.errors import GroupNameInvalidError, GroupNameTakenError, GroupNotFoundError
from bot.domain.groups import name_key
from bot.services.groups import GroupService
from tests.service.helpers import ADMIN, FAC, FACILITATOR, GUILD, OTHER_GUILD, TEXT, add_members, make_group

CYRILLIC_E = "\u0435"


@pytest.mark.parametrize(
    "lookalike",
    [
        "Set-A",
        "set_a",
        "\uff33\uff45\uff54 \uff21",  # fullwidth
        f"S{CYRILLIC_E}t A",  # a Cyrillic letter in a Latin word
        "Set \u2013 A",  # en dash
    ],
)
async def test_a_lookalike_of_a_group_name_is_taken(groups: GroupService, lookalike: str) -> None:
    await make_group(groups, "Set A")
    with pytest.raises(GroupNameTakenError, match=r"already a group called .* Choose another name"):
        await groups.begin_creation(GUILD, ADMIN, lookalike, FACILITATOR)


async def test_a_lookalike_is_free_in_another_server(groups: GroupService) -> None:
    await make_group(groups, "Set A")
    other = await groups.begin_creation(OTHER_GUILD, ADMIN, "Set-A", FACILITATOR)
    assert other.name == "Set-A"


async def test_a_name_is_stored_normalised(groups: GroupService) -> None:
    group = await make_group(groups, "Cafe\u0301  \uff21")
    assert group.name == "Caf\u00e9 A"


async def test_a_blank_looking_name_is_refused(groups: GroupService) -> None:
    with pytest.raises(GroupNameInvalidError, match="invisible, blank-looking"):
        await groups.begin_creation(GUILD, ADMIN, "\u3164", FACILITATOR)


async def test_a_split_cannot_take_a_lookalike_name(groups: GroupService) -> None:
    group = await make_group(groups, "Set A")
    await add_members(groups, group, 21, 22, 23, 24)
    await make_group(groups, "Set B", text=TEXT + 1)
    with pytest.raises(GroupNameTakenError):
        await groups.begin_split(GUILD, FAC, group.id, "set_b", [23, 24])
    with pytest.raises(GroupNameInvalidError, match="mention syntax"):
        await groups.begin_split(GUILD, FAC, group.id, "<@&1> fans", [23, 24])


async def test_a_lookalike_typed_in_the_group_option_finds_the_group(groups: GroupService) -> None:
    group = await make_group(groups, "Set A")
    info = await groups.info(GUILD, ADMIN, f"S{CYRILLIC_E}T-a")
    assert info.group.id == group.id


@pytest.mark.parametrize("typed", ["id:\u00b2", "id:\u0661", "Set\x00A", "\x00", "id:\uff11", "\u200b"])
async def test_a_typed_option_no_group_has_is_answered_no_such_group(groups: GroupService, typed: str) -> None:
    await make_group(groups, "Set A")
    with pytest.raises(GroupNotFoundError, match="There is no group by that name"):
        await groups.info(GUILD, ADMIN, typed)


async def test_existing_keys_are_recomputed_and_a_collision_keeps_the_older(fresh_database_url: str) -> None:
    await migrate(fresh_database_url, "0001")
    engine = migration_engine(fresh_database_url)
    common = {
        "status": "active",
        "facilitator_id": FACILITATOR,
        "voice_kind": "none",
        "min_size": 2,
        "max_size": 7,
        "rounds_per_meeting": 2,
        "turn_minutes": 3,
        "presentation_minutes": 5,
        "voting": "single",
        "crosstalk": "lock",
        "report_back_lead_hours": 72,
        "bid_nudge_lead_hours": 24,
        "created_by": 1,
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    old_rows = [(1, "Set A", "set a"), (2, "Set-A", "set-a"), (3, "Team", "team"), (4, "set a x", "set a x")]
    # The table as revision 0001 made it: the model's own table has columns (and defaults) from later revisions.
    groups_0001 = table("groups", *(column(name) for name in ["id", "guild_id", "name", "name_key", *common]))
    async with engine.begin() as connection:
        for group_id, name, key in old_rows:
            await connection.execute(
                insert(groups_0001).values(id=group_id, guild_id=GUILD, name=name, name_key=key, **common)
            )
    await engine.dispose()

    await migrate(fresh_database_url)

    engine = migration_engine(fresh_database_url)
    async with engine.connect() as connection:
        keys = dict((await connection.execute(select(Group.id, Group.name_key).order_by(Group.id))).all())
    await engine.dispose()
    assert keys[1] == name_key("Set A")
    assert keys[2] != keys[1]
    assert keys[2].startswith(name_key("Set-A"))
    assert keys[3] == name_key("Team")
    assert keys[4] == name_key("set a x")

    await migrate(fresh_database_url, "0001", downgrade=True)
    engine = migration_engine(fresh_database_url)
    async with engine.connect() as connection:
        keys = dict((await connection.execute(select(Group.id, Group.name_key).order_by(Group.id))).all())
    await engine.dispose()
    assert keys == {1: "set a", 2: "set-a", 3: "team", 4: "set a x"}


async def test_a_name_with_a_nul_never_opens_the_group_it_would_spell(groups: GroupService) -> None:
    await make_group(groups, "SetA")
    with pytest.raises(GroupNotFoundError, match="There is no group by that name"):
        await groups.info(GUILD, ADMIN, "Set\x00A")
