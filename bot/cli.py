"""The operator's command line, `python -m bot privacy ...`: acts on the stored data with no Discord at all.

Each subcommand is two small functions: one adds its arguments, one does the work on the services and returns
what to print. `privacy` gathers them; a new one is one more line in `PRIVACY_COMMANDS`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.app import Services, SystemClock
from bot.bootstrap import build_services
from bot.config import ConfigError, StorageSettings, load_storage_settings
from bot.db.crypto import Cipher, EncryptionKeyError
from bot.db.engine import Database, is_sqlite, safe_url
from bot.db.keys import KeyFileError, default_key_file, read_key_file
from bot.db.migrate import current_revision, head_revision
from bot.domain.errors import UserFacingError
from bot.domain.words import plural
from bot.services.privacy import what_changed


class OperatorError(Exception):
    """The command cannot go on; the message is one line for the operator."""


@dataclass(frozen=True)
class Subcommand:
    """One `privacy` subcommand: its name, its help, its arguments, and the work it does."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Services], Awaitable[str]]


def _snowflake(text: str) -> int:
    """A Discord id as typed on the command line."""
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 1 << 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Discord id (a number such as 1234567890123456789)")
    return int(text)


def _forget_server_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("guild_id", type=_snowflake, help="the server's id (Discord: right-click it, Copy Server ID)")
    parser.add_argument("--yes", action="store_true", help="really erase (there is no undo, and no question asked)")


async def _forget_server(args: argparse.Namespace, services: Services) -> str:
    if not args.yes:
        raise OperatorError(
            f"this erases every row of server {args.guild_id} for good; run it again with --yes to go ahead"
        )
    counts = await services.retention.forget_server(args.guild_id)
    rows = ", ".join(f"{table} {count}" for table, count in sorted(counts.items()) if count)
    total = sum(counts.values())
    if not total:
        return f"Server {args.guild_id}: nothing stored, nothing erased."
    return f"Server {args.guild_id}: erased {plural(total, 'row')} ({rows})."


def _person_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("user_id", type=_snowflake, help="the person's Discord id (right-click them, Copy User ID)")
    parser.add_argument(
        "--guild", type=_snowflake, help="only this server (default: every server where anything of theirs is stored)"
    )


async def _servers(args: argparse.Namespace, services: Services) -> list[int]:
    return [args.guild] if args.guild is not None else await services.privacy.guilds_of(args.user_id)


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    _person_arguments(parser)
    parser.add_argument("--out", type=Path, default=Path("."), help="the folder to write the files to (default: here)")


async def _export(args: argparse.Namespace, services: Services) -> str:
    servers = await _servers(args, services)
    if not servers:
        return f"User {args.user_id}: nothing stored in any server."
    args.out.mkdir(parents=True, exist_ok=True)
    lines = []
    for guild_id in servers:
        files = await services.privacy.export(guild_id, args.user_id)
        stem = args.out / f"setkeeper-{guild_id}-{args.user_id}"
        stem.with_suffix(".json").write_text(files.json, encoding="utf-8")
        stem.with_suffix(".md").write_text(files.markdown, encoding="utf-8")
        lines.append(f"Server {guild_id}: {plural(files.rows, 'record')} in {stem}.json and {stem}.md")
    return "\n".join(lines)


def _forget_arguments(parser: argparse.ArgumentParser) -> None:
    _person_arguments(parser)
    parser.add_argument("--yes", action="store_true", help="really erase (there is no undo, and no question asked)")


async def _forget(args: argparse.Namespace, services: Services) -> str:
    if not args.yes:
        raise OperatorError(
            f"this erases what user {args.user_id} wrote and takes them out of their groups, for good; run it again "
            "with --yes to go ahead"
        )
    servers = await _servers(args, services)
    if not servers:
        return f"User {args.user_id}: nothing stored in any server, nothing erased."
    lines, queued = [], False
    for guild_id in servers:
        try:
            report = await services.privacy.forget(guild_id, args.user_id)
        except UserFacingError as exc:
            lines.append(f"Server {guild_id}: not erased: {exc}")
            continue
        queued = queued or bool(report.effects)
        erased = ", ".join(f"{table} {count}" for table, count in sorted(report.erased.items()) if count)
        lines.append(
            f"Server {guild_id}: words erased in {plural(sum(report.erased.values()), 'row')} ({erased or 'none'}); "
            f"left {plural(report.groups_left, 'group')}; {what_changed(report, 'them')}"
            if report.anything
            else f"Server {guild_id}: nothing of theirs left to erase"
        )
    if queued:
        lines.append("Taking them out of their channels is queued for Discord: the bot does it within a minute.")
    return "\n".join(lines)


PRIVACY_COMMANDS: tuple[Subcommand, ...] = (
    Subcommand("export", "write everything stored about one person to files, now", _export_arguments, _export),
    Subcommand(
        "forget", "erase what one person wrote and take them out of their groups, now", _forget_arguments, _forget
    ),
    Subcommand(
        "forget-server", "erase everything stored about one server, now", _forget_server_arguments, _forget_server
    ),
)


def parser() -> argparse.ArgumentParser:
    """`python -m bot privacy <subcommand> ...`."""
    top = argparse.ArgumentParser(prog="python -m bot", description="Without arguments: run the bot.")
    groups = top.add_subparsers(dest="group", required=True, metavar="privacy")
    privacy = groups.add_parser("privacy", help="act on stored data for a privacy request, without Discord")
    commands = privacy.add_subparsers(dest="command", required=True)
    for command in PRIVACY_COMMANDS:
        sub = commands.add_parser(command.name, help=command.help, description=command.help)
        command.arguments(sub)
        sub.set_defaults(run=command.run)
    return top


def _cipher(settings: StorageSettings) -> Cipher:
    """The keys from the settings, or the key file; never a new key (text under it would read as nothing)."""
    keys = settings.encryption_key_list()
    if keys:
        return Cipher(keys)
    path = settings.encryption_key_file or default_key_file(settings.database_url)
    if not path.exists():
        raise OperatorError(f"no encryption key: set ENCRYPTION_KEYS, or ENCRYPTION_KEY_FILE ({path} does not exist)")
    try:
        return Cipher(read_key_file(path))
    except KeyFileError as exc:
        raise OperatorError(str(exc)) from None


def _check_file(url: str) -> None:
    """A SQLite database must exist already: connecting to a missing file would make an empty one."""
    if is_sqlite(url):
        path = make_url(url).database
        if not path or not Path(path).exists():
            raise OperatorError(f"there is no database at {safe_url(url)} (set DATABASE_URL as the bot has it)")


async def _run(args: argparse.Namespace, url: str, cipher: Cipher) -> str:
    try:
        revision = await current_revision(url)
    except Exception as exc:  # any driver's "cannot connect" reads the same
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise OperatorError(f"cannot reach the database at {safe_url(url)}: {reason}") from None
    if revision != head_revision():
        raise OperatorError(
            f"the database is at revision {revision or 'none'}, not {head_revision()}: start the bot once to upgrade it"
        )
    database = Database(url, cipher=cipher)
    try:
        services = build_services(database, SystemClock(), instance_id=str(uuid.uuid4()), owner="operator")
        if not await services.state.key_reads_this_database(cipher):
            raise OperatorError("the encryption key cannot read this database's text: give the key the bot uses")
        try:
            await database.load_keys()
        except EncryptionKeyError:
            raise OperatorError(
                "a group's key cannot be read with the configured keys: give every key the bot has"
            ) from None
        run: Callable[[argparse.Namespace, Services], Awaitable[str]] = args.run
        return await run(args, services)
    finally:
        await database.dispose()


def main(argv: Sequence[str]) -> int:
    """Run one operator command; returns the exit code (errors are one line on stderr)."""
    args = parser().parse_args(argv)
    try:
        settings = load_storage_settings()
        _check_file(settings.database_url)
        sys.stdout.write(asyncio.run(_run(args, settings.database_url, _cipher(settings))) + "\n")
    except (ConfigError, OperatorError) as exc:
        sys.stderr.write(f"Setkeeper privacy: {exc}\n")
        return 1
    return 0
