"""Who may do what: every command and button, for every kind of person, and nothing stored changes on a refusal.

Each cell is decided from the design (COMMANDS.md): "facilitator" means the group's facilitator or anyone with
Manage Server; members of one group never see or change another group's data. The world is two groups run by
different facilitators (Set A, the one acted on, and Set B), and a third group (Set C) run by Set A's facilitator,
so that a move between two groups of one facilitator and a move across facilitators are both covered.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.engine import Database
from bot.db.models import Base
from bot.domain.errors import AlreadyMemberError, NotFacilitatorError, NotMemberError, UserFacingError
from bot.services.groups import Actor, GroupService, GroupView
from tests.service.helpers import ADMIN, FACILITATOR, GUILD, request_id

OTHER_FACILITATOR = 11
OUTSIDER, MEMBER, OTHER_MEMBER, REQUESTER, NEWCOMER = 30, 21, 31, 40, 50
A_MEMBERS = (MEMBER, 22, 23, 24)
B_MEMBERS = (OTHER_MEMBER, 32)
TEXT_A, TEXT_B, TEXT_C, TEXT_D = 910_001, 910_002, 910_003, 910_004

ACTORS: dict[str, Actor] = {
    "outsider": Actor(OUTSIDER),
    "member": Actor(MEMBER),
    "member of another group": Actor(OTHER_MEMBER),
    "another group's facilitator": Actor(OTHER_FACILITATOR),
    "facilitator": Actor(FACILITATOR),
    "server manager": ADMIN,
}
FACILITATORS = frozenset({"facilitator", "server manager"})


@dataclass
class World:
    """The groups, and the ids the commands and buttons carry."""

    a: GroupView
    b: GroupView
    c: GroupView
    request_id: int
    reserved_split_id: int | None = None


async def _group(groups: GroupService, name: str, facilitator: int, text: int, members: tuple[int, ...]) -> GroupView:
    reserved = await groups.begin_creation(GUILD, ADMIN, name, facilitator)
    group = (await groups.complete_creation(GUILD, reserved.id, text, None)).value
    for user_id in members:
        await groups.add_member(GUILD, Actor(facilitator), group.id, user_id)
        await groups.accept_ground_rules(GUILD, user_id, group.id)
    return group


async def build_world(groups: GroupService) -> World:
    """Set A (four members, one pending join request), Set B (another facilitator, two members), Set C (empty)."""
    a = await _group(groups, "Set A", FACILITATOR, TEXT_A, A_MEMBERS)
    b = await _group(groups, "Set B", OTHER_FACILITATOR, TEXT_B, B_MEMBERS)
    c = await _group(groups, "Set C", FACILITATOR, TEXT_C, ())
    asked = await groups.request_to_join(GUILD, REQUESTER, a.id)
    return World(a, b, c, request_id(asked.effects))


async def _reserve_split(groups: GroupService, world: World) -> None:
    """A split confirmed by a server manager, its new group reserved but not yet completed."""
    new = await groups.begin_split(GUILD, ADMIN, world.a.id, "Set D", [23, 24])
    world.reserved_split_id = new.id


async def _lose_channel(groups: GroupService, world: World) -> None:
    """Set A's channel was deleted by hand: the group waits for /group repair."""
    await groups.lose_channel(GUILD, TEXT_A)


Act = Callable[[GroupService, World, Actor], Awaitable[Any]]


@dataclass(frozen=True)
class Case:
    """One command or button: what it does, who may, what the others are told, whether it stores anything."""

    act: Act
    allowed: frozenset[str]
    refusal: type[UserFacingError]
    writes: bool = True
    prepare: Callable[[GroupService, World], Awaitable[None]] | None = None


async def _split(groups: GroupService, world: World, actor: Actor) -> None:
    new = await groups.begin_split(GUILD, actor, world.a.id, "Set E", [23, 24])
    await groups.complete_split(GUILD, actor, world.a.id, new.id, (TEXT_D, None), [23, 24])


async def _complete_reserved_split(groups: GroupService, world: World, actor: Actor) -> None:
    assert world.reserved_split_id is not None
    await groups.complete_split(GUILD, actor, world.a.id, world.reserved_split_id, (TEXT_D, None), [23, 24])


CASES: dict[str, Case] = {
    "/groupadmin create": Case(
        lambda g, w, actor: g.begin_creation(GUILD, actor, "Set F", FACILITATOR),
        frozenset({"server manager"}),
        NotFacilitatorError,
    ),
    "/group add": Case(
        lambda g, w, actor: g.add_member(GUILD, actor, w.a.id, NEWCOMER), FACILITATORS, NotFacilitatorError
    ),
    "/group remove": Case(
        lambda g, w, actor: g.remove_member(GUILD, actor, w.a.id, 22), FACILITATORS, NotFacilitatorError
    ),
    # Anyone may ask to join; a member of the group is told they are one already. (The design is silent about the
    # group's own facilitator asking to join it; today that is a request like anyone's.)
    "/group join": Case(
        lambda g, w, actor: g.request_to_join(GUILD, actor.user_id, w.a.id),
        frozenset(ACTORS) - {"member"},
        AlreadyMemberError,
    ),
    "/group leave": Case(
        lambda g, w, actor: g.leave(GUILD, actor.user_id, w.a.id), frozenset({"member"}), NotMemberError
    ),
    "/group info": Case(
        lambda g, w, actor: g.info(GUILD, actor, w.a.id),
        frozenset({"member", "facilitator", "server manager"}),
        NotMemberError,
        writes=False,
    ),
    "/group facilitator appoint": Case(
        lambda g, w, actor: g.appoint_facilitator(GUILD, actor, w.a.id, 22), FACILITATORS, NotFacilitatorError
    ),
    "/group facilitator rotate": Case(
        lambda g, w, actor: g.rotate_facilitator(GUILD, actor, w.a.id), FACILITATORS, NotFacilitatorError
    ),
    "/group move, to a group of the same facilitator": Case(
        lambda g, w, actor: g.move_member(GUILD, actor, w.a.id, 22, w.c.id), FACILITATORS, NotFacilitatorError
    ),
    # The facilitator must run both groups: Set A's facilitator does not run Set B, and Set B's does not run Set A.
    "/group move, to another facilitator's group": Case(
        lambda g, w, actor: g.move_member(GUILD, actor, w.a.id, 22, w.b.id),
        frozenset({"server manager"}),
        NotFacilitatorError,
    ),
    "/group split (before the panel shows)": Case(
        lambda g, w, actor: g.facilitated(GUILD, actor, f"id:{w.a.id}"), FACILITATORS, NotFacilitatorError, writes=False
    ),
    "split panel: Split the group": Case(_split, FACILITATORS, NotFacilitatorError),
    "split panel: completing a reserved split": Case(
        _complete_reserved_split, FACILITATORS, NotFacilitatorError, prepare=_reserve_split
    ),
    "/group settings, changing one": Case(
        lambda g, w, actor: g.update_settings(GUILD, actor, w.a.id, {"turn_minutes": 4}),
        FACILITATORS,
        NotFacilitatorError,
    ),
    "/group settings, only looking": Case(
        lambda g, w, actor: g.update_settings(GUILD, actor, w.a.id, {}), FACILITATORS, NotFacilitatorError, writes=False
    ),
    "/group schedule": Case(
        lambda g, w, actor: g.set_schedule(GUILD, actor, w.a.id, "monthly_day", at="18:30", zone="UTC", day=1),
        FACILITATORS,
        NotFacilitatorError,
    ),
    "/group history": Case(
        lambda g, w, actor: g.history(GUILD, actor, w.a.id), FACILITATORS, NotFacilitatorError, writes=False
    ),
    "/group archive (before the panel shows)": Case(
        lambda g, w, actor: g.facilitated(GUILD, actor, None, TEXT_A), FACILITATORS, NotFacilitatorError, writes=False
    ),
    "archive panel: Archive": Case(
        lambda g, w, actor: g.archive(GUILD, actor, w.a.id), FACILITATORS, NotFacilitatorError
    ),
    "button: I accept the ground rules": Case(
        lambda g, w, actor: g.accept_ground_rules(GUILD, actor.user_id, w.a.id), frozenset({"member"}), NotMemberError
    ),
    "button: Approve": Case(
        lambda g, w, actor: g.answer_join_request(GUILD, actor, w.request_id, approve=True),
        FACILITATORS,
        NotFacilitatorError,
    ),
    "button: Decline": Case(
        lambda g, w, actor: g.answer_join_request(GUILD, actor, w.request_id, approve=False),
        FACILITATORS,
        NotFacilitatorError,
    ),
    "/group repair (before anything is made)": Case(
        lambda g, w, actor: g.begin_repair(GUILD, actor, f"id:{w.a.id}"),
        FACILITATORS,
        NotFacilitatorError,
        writes=False,
        prepare=_lose_channel,
    ),
    "repair: a remade channel is stored": Case(
        lambda g, w, actor: g.replace_channel(GUILD, actor, w.a.id, TEXT_D, voice=False),
        FACILITATORS,
        NotFacilitatorError,
        prepare=_lose_channel,
    ),
    "repair: completed": Case(
        lambda g, w, actor: g.complete_repair(GUILD, actor, w.a.id),
        FACILITATORS,
        NotFacilitatorError,
        prepare=_lose_channel,
    ),
}

CELLS = [pytest.param(command, who, id=f"{command} | {who}") for command in CASES for who in ACTORS]


async def stored(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (groups, memberships, queued effects, ...), in key order."""
    async with database.engine.connect() as connection:
        snapshot = {}
        for table in Base.metadata.sorted_tables:
            rows = await connection.execute(select(table).order_by(*table.primary_key.columns))
            snapshot[table.name] = [tuple(row) for row in rows]
        return snapshot


@pytest.mark.parametrize(("command", "who"), CELLS)
async def test_each_person_gets_the_designed_answer_and_a_refusal_changes_nothing(
    groups: GroupService, database: Database, command: str, who: str
) -> None:
    case = CASES[command]
    world = await build_world(groups)
    if case.prepare is not None:
        await case.prepare(groups, world)
    before = await stored(database)
    if who in case.allowed:
        await case.act(groups, world, ACTORS[who])
        after = await stored(database)
        assert (after != before) is case.writes, "an allowed change is stored; a look changes nothing"
        return
    with pytest.raises(case.refusal):
        await case.act(groups, world, ACTORS[who])
    assert await stored(database) == before, "a refusal stores nothing and queues no effect"


# The public methods the matrix exercises on someone's behalf; a new one must be added to CASES and here.
COVERED = {
    "begin_creation",
    "add_member",
    "remove_member",
    "request_to_join",
    "leave",
    "info",
    "appoint_facilitator",
    "rotate_facilitator",
    "move_member",
    "facilitated",
    "begin_split",
    "complete_split",
    "update_settings",
    "set_schedule",
    "history",
    "archive",
    "accept_ground_rules",
    "answer_join_request",
    "begin_repair",
    "replace_channel",
    "complete_repair",
}


def test_every_service_method_that_checks_who_acts_is_in_the_matrix() -> None:
    checked = {
        name
        for name, method in inspect.getmembers(GroupService, inspect.isfunction)
        # mutmut adds its mutants to the class as x...__mutmut_N methods: they are not the service's surface.
        if not name.startswith("_")
        and "__mutmut_" not in name
        and {"actor", "viewer"} & set(inspect.signature(method).parameters)
    }
    assert checked <= COVERED, f"add these to the permission matrix: {sorted(checked - COVERED)}"
