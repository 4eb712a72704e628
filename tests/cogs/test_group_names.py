"""The autocomplete cache of group names: fresh enough, and never a database wait per keystroke."""

from __future__ import annotations

from cogs.groups._names import GroupNames


class Loader:
    """Counts loads and serves whatever `groups` holds now."""

    def __init__(self) -> None:
        self.groups: list[tuple[int, str]] = [(1, "Set A"), (2, "Founders Circle"), (3, "set b")]
        self.loads = 0

    async def __call__(self, guild_id: int) -> list[tuple[int, str]]:
        self.loads += 1
        return list(self.groups)


async def test_matches_ignore_case_and_spacing() -> None:
    names = GroupNames(Loader())
    assert await names.matching(1, "  SET ") == [(1, "Set A"), (3, "set b")]
    assert await names.matching(1, "") == [(1, "Set A"), (2, "Founders Circle"), (3, "set b")]


async def test_typing_reuses_the_list_until_it_is_stale() -> None:
    loader, now = Loader(), [0.0]
    names = GroupNames(loader, ttl=10.0, clock=lambda: now[0])
    for typed in ("s", "se", "set"):
        await names.matching(1, typed)
    assert loader.loads == 1
    loader.groups.append((4, "Set C"))
    now[0] = 11.0
    assert (4, "Set C") in await names.matching(1, "set")
    assert loader.loads == 2


async def test_a_change_made_here_shows_at_once() -> None:
    loader = Loader()
    names = GroupNames(loader)
    await names.matching(1, "set")
    loader.groups.append((4, "Set C"))
    names.forget(1)
    assert (4, "Set C") in await names.matching(1, "set")


async def test_at_most_25_choices_as_discord_allows() -> None:
    loader = Loader()
    loader.groups = [(n, f"Set {n}") for n in range(40)]
    assert len(await GroupNames(loader).matching(1, "set")) == 25
