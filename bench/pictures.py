"""The manual's pictures, drawn from the real bot: a short meeting against the fake Discord, screenshotted.

A facilitator and four members meet: bids, /meeting start, Here, the catch-up, the vote, one round through its
phases, Record my actions, the end; then the report-back reminder (the bot's clock moved on to it) and /privacy info.
Each chosen moment is captured as Discord received it (messages, embeds, buttons, forms, ephemeral replies), drawn
as HTML in a Discord-like dark theme (bench/_discord_html.py) and screenshotted by the system's headless Chromium
into docs/pictures/.

Run: .venv/bin/python -m bench pictures            (all pictures into docs/pictures/)
     .venv/bin/python -m bench pictures --check    (CI: the meeting and the HTML, one screenshot to a temporary folder)
"""

from __future__ import annotations

import asyncio
import copy
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench._discord_html import Names, page
from bench._world import ROOT, SETKEEPER, database_url, fake_discord, running_bot
from bot.db.migrate import migrate
from tests.e2e.conftest import GUILD_READY_TIMEOUT, LIMITS_SCALE
from tests.e2e.test_groups_e2e import _group_of, wait_for
from tests.e2e.test_votes_e2e import put_in, vote
from tests.fakediscord import BotProcess, Channel, FakeDiscord, Member, Message, Reply

OUT = ROOT / "docs" / "pictures"
WIDTH = 760
SCALES = (2, 1)
"""Device scale factors tried in turn: sharp on high-density screens, or half the pixels when that is too big."""
TALL = 3000
"""The window is this tall; the picture is then cropped to what was drawn."""
MAX_BYTES = 200_000
PICTURES = (
    "meeting-card",
    "opening",
    "vote-card",
    "catch-up",
    "commit-form",
    "summary",
    "reminder",
    "privacy-info",
)
BOT_NAME = "Setkeeper"


@dataclass
class Picture:
    """One moment to draw: what was on screen (messages and a form), and the time by the bot's clock then."""

    name: str
    items: list[dict[str, Any]]
    now: datetime


@dataclass
class Album:
    """The pictures taken so far, and the names Discord would show for the ids in them."""

    world: FakeDiscord
    bot: BotProcess
    pictures: list[Picture] = field(default_factory=list)

    def take(self, name: str, *items: dict[str, Any]) -> None:
        """Keep a moment (items already snapshotted: a message edited later must not change the picture)."""
        self.pictures.append(Picture(name, list(items), self.bot.now()))

    def names(self) -> Names:
        """Display names of the world's members, channels and roles, the bot under its product name."""
        users = {user.id: user.username for user in self.world.users.values()}
        users[self.world.bot_user.id] = BOT_NAME
        guild = self.world.guild
        return Names(
            users=users,
            channels={channel.id: channel.name for channel in guild.channels.values()},
            roles={role.id: role.name for role in guild.roles.values()},
            bots={self.world.bot_user.id},
        )


def snap(message: Message) -> dict[str, Any]:
    """A message as Discord holds it now: author, text, embeds, components, ephemeral, who ran the command."""
    record = message.interaction
    return {
        "kind": "message",
        "author": message.author.id,
        "content": message.content,
        "embeds": copy.deepcopy(message.embeds),
        "components": copy.deepcopy(message.components),
        "ephemeral": message.ephemeral,
        "timestamp": message.created_at,
        "used": None
        if record is None or record.type != 2
        else {"user": record.member.id, "command": command(record.data)},
    }


def command(data: dict[str, Any]) -> str:
    """The command as the member typed it, subcommands and all ("privacy info")."""
    words = [str(data.get("name", ""))]
    options = data.get("options") or []
    while options and options[0].get("type") in (1, 2):  # a subcommand (group) and what it holds
        words.append(str(options[0]["name"]))
        options = options[0].get("options") or []
    return " ".join(words)


def snap_form(reply: Reply, typed: dict[str, str]) -> dict[str, Any]:
    """A form (modal) the bot opened, with what the member typed into it by field id."""
    if reply.modal is None:
        raise RuntimeError(f"expected a form, the bot answered {reply!r}")
    return {"kind": "form", "form": copy.deepcopy(reply.modal), "typed": dict(typed)}


def card(channel: Channel) -> Message:
    """The meeting's live card: the newest one (each hand-over posts it anew)."""
    return channel.message_containing("Meeting of Set A")


def phase(channel: Channel) -> str:
    """The live card's title."""
    return str(card(channel).embeds[0].get("title", "")) if card(channel).embeds else ""


def speaker(channel: Channel, people: list[Member]) -> Member:
    """Who the live card says has the floor."""
    floor = next(f for f in card(channel).embeds[0].get("fields", []) if f.get("name") == "Has the floor")
    return next(person for person in people if person.mention in str(floor.get("value")))


async def turns(channel: Channel, people: list[Member], name: str, act: Callable[[Member], Awaitable[None]]) -> None:
    """Each turn of the phase called `name`, ended by `act` of whoever has the floor."""
    while name in phase(channel):
        moved = handed_over(channel, card(channel), name)
        await act(speaker(channel, people))
        await wait_for(moved)


def handed_over(channel: Channel, before: Message, name: str) -> Callable[[], bool]:
    """Whether the floor has moved on from the card `before` (a new card is posted), or the phase has ended."""
    return lambda: card(channel) is not before or name not in phase(channel)


async def drive(world: FakeDiscord, bot: BotProcess) -> Album:
    """The meeting as members would run it, with a picture taken at each chosen moment."""
    album = Album(world, bot)
    fran, people = await _group_of(world, 4)
    alice, bob, cleo, dev = people
    everyone = [*people, fran]
    channel = world.guild.channel_named("set-a")
    await fran.run("/group settings", rounds_per_meeting=1, in_channel=channel)
    # Last time's actions, so the catch-up has something to ask about.
    for person, text in (
        (alice, "Ask my manager for a weekly hour"),
        (bob, "Sketch the new rota"),
        (cleo, "Book a talk with HR"),
        (dev, "Write down what blocks the release"),
    ):
        await person.run("/action add", text=text, in_channel=channel)
    (mine,) = await alice.autocomplete("/action report", "action", "weekly hour")
    report = await alice.run("/action report", action=mine["value"], status="partly", in_channel=channel)
    await alice.submit_modal(report, {"happened": "We meet every other week", "learnt": "Ask with a proposal"})
    for person, title, help_wanted in (
        (alice, "Saying no to extra projects", "How do you turn work down without burning bridges?"),
        (bob, "A team that never disagrees", "How do I get honest pushback in meetings?"),
        (dev, "Hiring my first report", "What did you wish you had known?"),
    ):
        await put_in(person, channel, title, help_wanted)

    await fran.run("/meeting start", in_channel=channel)
    await world.settle()
    here = await alice.click(card(channel), "Here")
    await bob.click(card(channel), "Here")
    await world.settle()
    album.take("opening", snap(card(channel)), *(snap(m) for m in here.messages))
    for person in (cleo, dev):
        await person.click(card(channel), "Here")
    await world.settle()

    await fran.click(card(channel), "Next")
    await wait_for(lambda: "Catch-up" in phase(channel))
    await world.settle()
    album.take("catch-up", snap(card(channel)))

    async def done(person: Member) -> None:
        await person.click(card(channel), "Done")

    await turns(channel, everyone, "Catch-up", done)
    await wait_for(lambda: any("Vote in Set A" in m.text for m in channel.live_messages))
    ballot = channel.message_containing("Vote in Set A")
    choices = {
        alice: ["Saying no to extra projects", "A team that never disagrees"],
        bob: ["A team that never disagrees"],
        cleo: ["A team that never disagrees", "Hiring my first report"],
    }
    for person, chosen in choices.items():
        await vote(person, ballot, chosen)
    await world.settle()
    album.take("vote-card", snap(ballot))
    await vote(dev, ballot, ["Saying no to extra projects", "A team that never disagrees"])
    await wait_for(lambda: "presents" in phase(channel))

    await turns(channel, everyone, "presents", done)
    await turns(channel, everyone, "Clarifying", done)
    await wait_for(lambda: "Input" in phase(channel))
    await world.settle()
    album.take("meeting-card", snap(card(channel)))  # posted at the hand-over: the ping line, both rows of buttons
    await turns(channel, everyone, "Input", done)

    async def next_(person: Member) -> None:
        await person.click(card(channel), "Next")

    await turns(channel, everyone, "facilitator", next_)
    await wait_for(lambda: "Learning and actions" in phase(channel))
    holder = speaker(channel, everyone)
    form = await holder.click(card(channel), "Record my actions")
    typed = {
        "learnt": "Disagreement has to be asked for out loud, and made safe.",
        "action:1": "Open the next team meeting with one question for dissent",
        "action:2": "Ask Cleo how she runs her retros",
    }
    album.take("commit-form", snap_form(form, typed))
    await holder.submit_modal(form, typed)
    await wait_for(lambda: any("Summary of the meeting of Set A" in m.text for m in channel.live_messages))
    await world.settle()
    album.take("summary", snap(channel.message_containing("Summary of the meeting of Set A")))

    info = await cleo.run("/privacy info", in_channel=channel)
    album.take("privacy-info", *(snap(m) for m in info.messages))

    due = bot.now().replace(second=0, microsecond=0) + timedelta(minutes=3)
    meets = due + timedelta(hours=1)
    await fran.run(
        "/reminder settings",
        in_channel=channel,
        report_back_hours=1,
        bid_nudge_hours=1,
        quiet_from=0,
        quiet_until=0,
    )
    await fran.run(
        "/group schedule once",
        in_channel=channel,
        date=meets.date().isoformat(),
        time=meets.strftime("%H:%M"),
        zone="UTC",
    )
    await bot.move_clock(to=due)
    await wait_for(lambda: any("Time to report back" in m.text for m in channel.live_messages), within=15)
    await world.settle()
    album.take("reminder", snap(channel.message_containing("Time to report back")))
    return album


async def meeting(folder: Path) -> Album:
    """A fresh fake Discord and database, the real bot, the meeting driven; the pictures' moments."""
    async with fake_discord() as world, database_url("sqlite") as url:
        await migrate(url)
        settings = {
            "DISCORD_LIMITS_SCALE": str(LIMITS_SCALE),
            "DISCORD_GUILD_READY_TIMEOUT": str(GUILD_READY_TIMEOUT),
            "TEST_CLOCK_FILE": str(folder / "bot-clock"),
        }
        async with running_bot(world, SETKEEPER, url, **settings) as bot:
            album = await drive(world, bot)
            await world.settle()
            problems = [*world.problems(), *bot.tracebacks()]
            if problems:
                raise RuntimeError("the meeting went wrong:\n" + "\n".join(problems) + "\n" + bot.tail(40))
            return album


def write_pages(album: Album, folder: Path) -> dict[str, Path]:
    """Each picture's HTML page in `folder`, by picture name."""
    names = album.names()
    pages = {}
    for picture in album.pictures:
        path = folder / f"{picture.name}.html"
        channel = None if any(item["kind"] == "form" for item in picture.items) else "set-a"
        path.write_text(page(picture.items, names, picture.now, channel), encoding="utf-8")
        pages[picture.name] = path
    missing = set(PICTURES) - set(pages)
    if missing:
        raise RuntimeError(f"no moment captured for {sorted(missing)}")
    return pages


def chromium() -> str | None:
    """The system's Chromium (Debian's package), if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def screenshot(browser: str, html: Path, png: Path) -> None:
    """Headless Chromium draws the page, cropped to what was drawn; a tall one at half the pixels, to stay small."""
    raw = png.with_suffix(".raw.png")
    for scale in SCALES:
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run(
                [
                    browser,
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    "--no-first-run",
                    "--disable-extensions",
                    f"--user-data-dir={profile}",
                    f"--force-device-scale-factor={scale}",
                    f"--window-size={WIDTH},{TALL}",
                    f"--screenshot={raw}",
                    html.as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
        shrink(raw, png, scale)
        raw.unlink()
        if png.stat().st_size <= MAX_BYTES:
            return
    raise RuntimeError(f"{png.name} is {png.stat().st_size // 1000} kB even at device scale {SCALES[-1]}")


def shrink(raw: Path, png: Path, scale: int) -> None:
    """Crop to the drawn part (the page's own background colour below it) and store as a palette PNG."""
    from PIL import Image, ImageChops

    with Image.open(raw) as opened:
        image = opened.convert("RGB")
    background = Image.new("RGB", image.size, image.getpixel((0, image.height - 1)))
    box = ImageChops.difference(image, background).getbbox()
    if box is None:
        raise RuntimeError(f"{html_name(raw)}: Chromium drew nothing")
    image = image.crop((0, 0, image.width, min(image.height, box[3] + 12 * scale)))
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(png, optimize=True)


def html_name(path: Path) -> str:
    """The picture's name from one of its files."""
    return path.name.split(".")[0]


async def main(args: list[str]) -> None:
    """Draw the pictures (or, with --check, prove the script still runs)."""
    check = "--check" in args
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        album = await meeting(folder)
        driven = time.monotonic() - began
        pages = write_pages(album, folder)
        browser = chromium()
        if check:
            if browser is None:
                print(f"meeting driven and {len(pages)} pages drawn in {driven:.1f} s; no Chromium, no screenshot")
                return
            shot = folder / "meeting-card.png"
            screenshot(browser, pages["meeting-card"], shot)
            print(f"meeting driven in {driven:.1f} s, {len(pages)} pages, one screenshot ({shot.stat().st_size} B)")
            print(f"in all {time.monotonic() - began:.1f} s")
            return
        if browser is None:
            raise SystemExit("no Chromium: install Debian's package (apt-get install -y chromium)")
        OUT.mkdir(parents=True, exist_ok=True)
        for name in PICTURES:
            target = OUT / f"{name}.png"
            screenshot(browser, pages[name], target)
            print(f"{target.relative_to(ROOT)}  {target.stat().st_size // 1024} KiB")
    print(f"meeting driven in {driven:.1f} s; in all {time.monotonic() - began:.1f} s")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
