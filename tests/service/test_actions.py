"""Actions between meetings on a real database: set, list within shared groups, report with history, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.app import Services
from bot.db.engine import Database
from bot.db.uow import UnitOfWorkFactory
from bot.domain.actions import SAME_REPORT_WITHIN, ActionNotFoundError, ActionStatus, ActionTextInvalidError
from bot.domain.clock import FixedClock
from bot.domain.errors import NotEligibleError
from bot.services.actions import ActionService
from bot.services.groups import GroupService
from tests.service.helpers import ADMIN, GUILD, add_members, make_group

A, B, C = 21, 22, 23
SECRET = "Call the supplier about the late order"


@pytest.fixture
def actions(services: Services) -> ActionService:
    """The action service on the test database."""
    return services.actions


async def _two_groups(groups: GroupService) -> tuple[int, int]:
    """Set A with A and B; Set B with A and C."""
    first = await make_group(groups, "Set A")
    await add_members(groups, first, A, B)
    second = await make_group(groups, "Set B", text=900_003)
    await add_members(groups, second, A, C)
    return first.id, second.id


async def test_a_member_sets_an_action_and_sees_it_listed(groups: GroupService, actions: ActionService) -> None:
    first, _ = await _two_groups(groups)
    added = await actions.add(GUILD, A, f"  {SECRET}  ", first)
    assert (added.value.text, added.value.status, added.value.from_meeting) == (SECRET, ActionStatus.OPEN, False)
    (listed,) = await actions.listing(GUILD, A)
    assert (listed.id, listed.group_name) == (added.value.id, "Set A")


async def test_an_action_is_stored_encrypted(groups: GroupService, actions: ActionService, database: Database) -> None:
    first, _ = await _two_groups(groups)
    await actions.add(GUILD, A, SECRET, first)
    async with database.engine.connect() as connection:
        stored = [row[0] for row in await connection.execute(text("SELECT text FROM actions"))]
    assert stored
    assert all(SECRET not in value for value in stored)


async def test_only_a_member_who_accepted_the_rules_sets_an_action(
    groups: GroupService, actions: ActionService
) -> None:
    first, _ = await _two_groups(groups)
    with pytest.raises(NotEligibleError):
        await actions.add(GUILD, C, SECRET, first)
    group = await make_group(groups, "Set C", text=900_004)
    await add_members(groups, group, B, accept=False)
    with pytest.raises(NotEligibleError):
        await actions.add(GUILD, B, SECRET, group.id)
    assert await actions.listing(GUILD, C) == []
    assert await actions.listing(GUILD, B) == []


@pytest.mark.parametrize("bad", ["   ", "x" * 301])
async def test_an_empty_or_too_long_action_is_refused(groups: GroupService, actions: ActionService, bad: str) -> None:
    first, _ = await _two_groups(groups)
    with pytest.raises(ActionTextInvalidError):
        await actions.add(GUILD, A, bad, first)
    assert await actions.listing(GUILD, A) == []


async def test_a_fellow_members_actions_show_only_in_the_groups_both_share(
    groups: GroupService, actions: ActionService
) -> None:
    first, second = await _two_groups(groups)
    await actions.add(GUILD, A, "In Set A", first)
    await actions.add(GUILD, A, "In Set B", second)
    assert [view.text for view in await actions.listing(GUILD, B, A)] == ["In Set A"]
    assert [view.text for view in await actions.listing(GUILD, C, A)] == ["In Set B"]
    assert {view.text for view in await actions.listing(GUILD, A)} == {"In Set A", "In Set B"}
    assert await actions.listing(GUILD, 99, A) == [], "a stranger sees nothing"


async def test_a_report_changes_the_status_and_keeps_the_history(
    groups: GroupService, actions: ActionService, clock: FixedClock
) -> None:
    first, _ = await _two_groups(groups)
    action = (await actions.add(GUILD, A, SECRET, first)).value
    await actions.report(GUILD, A, action.id, "partly", "Called once", "")
    clock.moment += timedelta(days=3)
    done = (await actions.report(GUILD, A, action.id, "done", "Order arrived", "Call early")).value
    assert done.status is ActionStatus.DONE
    assert [(r.status, r.happened, r.learnt) for r in done.reports] == [
        (ActionStatus.PARTLY, "Called once", ""),
        (ActionStatus.DONE, "Order arrived", "Call early"),
    ]
    (listed,) = await actions.listing(GUILD, A)
    assert listed.reports == done.reports


async def test_the_same_report_sent_twice_is_recorded_once(
    groups: GroupService, actions: ActionService, clock: FixedClock
) -> None:
    first, _ = await _two_groups(groups)
    action = (await actions.add(GUILD, A, SECRET, first)).value
    await actions.report(GUILD, A, action.id, "done", "Finished", "")
    again = await actions.report(GUILD, A, action.id, "done", "Finished", "")
    assert len(again.value.reports) == 1
    clock.moment += SAME_REPORT_WITHIN + timedelta(seconds=1)
    later = await actions.report(GUILD, A, action.id, "done", "Finished", "")
    assert len(later.value.reports) == 2, "the same words much later are a new report"


async def test_only_the_owner_reports_on_an_action(groups: GroupService, actions: ActionService) -> None:
    first, _ = await _two_groups(groups)
    action = (await actions.add(GUILD, A, SECRET, first)).value
    with pytest.raises(ActionNotFoundError):
        await actions.report(GUILD, B, action.id, "done", "Not mine", "")
    with pytest.raises(ActionNotFoundError):
        await actions.mine(GUILD + 1, A, action.id)
    (listed,) = await actions.listing(GUILD, A)
    assert (listed.status, listed.reports) == (ActionStatus.OPEN, [])


@pytest.mark.parametrize(("status", "happened"), [("open", "x"), ("finished", "x"), ("done", "x" * 1001)])
async def test_a_bad_report_changes_nothing(
    groups: GroupService, actions: ActionService, status: str, happened: str
) -> None:
    first, _ = await _two_groups(groups)
    action = (await actions.add(GUILD, A, SECRET, first)).value
    with pytest.raises(ActionTextInvalidError):
        await actions.report(GUILD, A, action.id, status, happened, "")
    (listed,) = await actions.listing(GUILD, A)
    assert (listed.status, listed.reports) == (ActionStatus.OPEN, [])


async def test_the_catch_up_still_asks_about_what_is_partly_done_or_not_yet(
    groups: GroupService, actions: ActionService, uow: UnitOfWorkFactory
) -> None:
    first, _ = await _two_groups(groups)
    ids = [(await actions.add(GUILD, A, f"Action {n}", first)).value.id for n in range(4)]
    for action_id, status in zip(ids, ("done", "partly", "not_yet", "dropped"), strict=True):
        await actions.report(GUILD, A, action_id, status, "", "")
    async with uow(write=False) as unit:
        asked = [action.text for action in await unit.meetings.open_actions(first, [A])]
    assert asked == ["Action 1", "Action 2"]


async def test_the_list_puts_what_is_still_to_do_first(groups: GroupService, actions: ActionService) -> None:
    first, _ = await _two_groups(groups)
    ids = [(await actions.add(GUILD, A, f"Action {n}", first)).value.id for n in range(3)]
    await actions.report(GUILD, A, ids[0], "done", "", "")
    assert [view.text for view in await actions.listing(GUILD, A)] == ["Action 1", "Action 2", "Action 0"]


async def test_an_archived_groups_actions_are_not_reported_on(groups: GroupService, actions: ActionService) -> None:
    first, _ = await _two_groups(groups)
    action = (await actions.add(GUILD, A, SECRET, first)).value
    await groups.archive(GUILD, ADMIN, first)
    with pytest.raises(ActionNotFoundError, match="archived"):
        await actions.report(GUILD, A, action.id, "done", "Too late", "")
