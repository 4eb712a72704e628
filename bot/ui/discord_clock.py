"""Discord's time as its answers tell it (each carries a `Date`), against the local clock the bot runs by."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from types import SimpleNamespace

import aiohttp

from bot.domain.clock import Clock

SKEW_TOLERATED = timedelta(seconds=5)
"""How far the clocks may disagree unremarked: a `Date` is whole seconds, and an answer takes a while to arrive."""
HALF_A_SECOND = timedelta(milliseconds=500)


def _spoken(length: timedelta) -> str:
    """A length of time as a person says it: "20 min 3 s", "2 h 5 min", "7 s"."""
    seconds = round(abs(length).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{seconds} s" if seconds else ""]
    if hours:
        parts[2] = ""  # hours and minutes say enough
    return " ".join(part for part in parts if part) or "0 s"


class DiscordClock:
    """How far the local clock is from Discord's, learnt from every answer Discord sends.

    Interactions are never judged by it (Discord says when one has expired); it places the local clock's moments on
    Discord's (where to look for a post in a channel's history) and tells the log when the two disagree.
    """

    def __init__(self, local: Clock) -> None:
        self._local = local
        self.skew: timedelta | None = None
        """The local clock minus Discord's, as last heard (None until Discord has answered once)."""

    def heard(self, date: str) -> None:
        """Discord answered with this `Date` header just now."""
        try:
            said = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            return
        if said.tzinfo is None:
            return
        # A Date is whole seconds, cut short: Discord's moment lies within the second after it.
        self.skew = self._local.now() - (said + HALF_A_SECOND)

    def discord_time(self, local: datetime) -> datetime:
        """A moment by the local clock, as Discord's clock shows it."""
        return local - (self.skew or timedelta(0))

    def disagreement(self) -> str | None:
        """A line for the log when the clocks disagree by more than a few seconds; None when they agree."""
        if self.skew is None or abs(self.skew) <= SKEW_TOLERATED:
            return None
        way = "ahead of" if self.skew > timedelta(0) else "behind"
        return (
            f"the local clock is {_spoken(self.skew)} {way} Discord's: interactions are judged by Discord, "
            "not by the local clock (set the system clock right, with NTP)"
        )

    def trace(self) -> aiohttp.TraceConfig:
        """An aiohttp trace that hears the `Date` of every answer discord.py receives."""
        config = aiohttp.TraceConfig()

        async def on_request_end(
            session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
        ) -> None:
            date = params.response.headers.get("Date")
            if date:
                self.heard(date)

        config.on_request_end.append(on_request_end)
        return config
