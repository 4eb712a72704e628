"""`python -m bot`: read settings, migrate the database, connect to Discord; fail with one clear line."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
import ssl
import sys
import uuid

import aiohttp
import discord

from bot.app import MovedClock, Services, ShardedSetkeeper, SystemClock
from bot.bootstrap import build_bot, build_services
from bot.config import ConfigError, Settings, application_of, load_settings
from bot.db.crypto import EncryptionKeyError
from bot.db.engine import Database, DataFolderError, ensure_sqlite_folder, is_sqlite, safe_url
from bot.db.identify_lock import IDENTIFY_WINDOW, IdentifyTurns
from bot.db.keys import KeyFileError, default_key_file, load_cipher
from bot.db.migrate import current_revision, head_revision, migrate
from bot.db.shard_lock import ShardLocks
from bot.db.wake import WakeUps
from bot.domain.shards import Shards
from bot.logs import configure_logging

log = logging.getLogger("setkeeper")


class StartupError(Exception):
    """Start-up cannot go on; the message is one line for the person running the bot."""


class ShardsLostError(Exception):
    """The connection holding this process's shard locks broke: it stopped, and exits non-zero to be restarted."""


SHARDS_LOST = 3
"""The exit code of a process that stopped because it lost its shards' locks (a service manager restarts it)."""


def why_discord_is_unreachable(exc: BaseException) -> str:
    """What stopped the connection to Discord, in words a person can act on (never an exception's class name)."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"no network or DNS (could not look up {exc.host})"
    if isinstance(exc, aiohttp.ClientSSLError | ssl.SSLError):
        return "its certificate could not be checked (is the system clock right, and are CA certificates installed?)"
    if isinstance(exc, aiohttp.ClientConnectorError):
        code = exc.os_error.errno
        if code == errno.ECONNREFUSED:
            return f"the connection to {exc.host}:{exc.port} was refused (nothing is listening there)"
        if code in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN):
            return f"no network (there is no route to {exc.host})"
        return f"could not connect to {exc.host}:{exc.port}"
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return "no answer in time (a slow network, or a firewall in the way?)"
    if isinstance(exc, discord.DiscordServerError):
        return f"Discord is having trouble (it answered HTTP {exc.status}); try again in a few minutes"
    if isinstance(exc, discord.HTTPException):
        return f"Discord answered HTTP {exc.status} where it should have let me log in"
    if isinstance(exc, aiohttp.ClientError):
        return "the connection broke off, or the answer was not Discord's"
    return "no network or DNS"


async def prepare_database(settings: Settings) -> None:
    """Create and upgrade the database, or explain in one line why that is not possible."""
    url = settings.database_url
    # Alembic's own chatter ("Context impl SQLiteImpl.", "Will assume ...") says nothing to a person running the bot.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        made = ensure_sqlite_folder(url)
        if made is not None:
            log.info("made the database's folder", extra={"folder": str(made.resolve())})
        current, head = await current_revision(url), head_revision()
        if settings.auto_migrate and current != head:
            await migrate(url)
            log.info("database upgraded", extra={"from_revision": current or "none", "to_revision": head})
            return
    except DataFolderError as exc:
        raise StartupError(str(exc)) from None
    except Exception as exc:  # any driver's "cannot connect" is reported the same way
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StartupError(f"cannot reach the database at {safe_url(url)}: {reason}") from None
    if current != head and not settings.auto_migrate:
        raise StartupError(
            f"the database is at revision {current or 'none'} but this Setkeeper needs {head}: "
            "set AUTO_MIGRATE=true, or run `alembic upgrade head`"
        )


async def run(settings: Settings) -> None:
    """Build every resource here, pass it in, and run until stopped."""
    await prepare_database(settings)
    keys = settings.encryption_key_list()
    key_path = None if keys else settings.encryption_key_file or default_key_file(settings.database_url)
    made = key_path is not None and not key_path.exists()
    try:
        cipher = load_cipher(keys, settings.encryption_key_file, settings.database_url)
    except KeyFileError as exc:
        raise StartupError(str(exc)) from None
    database = Database(settings.database_url, cipher=cipher)
    clock = MovedClock(settings.test_clock_file) if settings.test_clock_file else SystemClock()
    shards = settings.shards()
    services = build_services(
        database, clock, instance_id=str(uuid.uuid4()), owner=settings.process_name, shards=shards
    )
    if not await services.state.key_reads_this_database(cipher):
        await database.dispose()
        if made and key_path is not None:
            key_path.unlink(missing_ok=True)  # a new key for old text would only hide the lost one
        raise StartupError(
            "the encryption key cannot read the text this database holds (bids, actions): the key it was written "
            "with is missing or was replaced. Put back the key file or ENCRYPTION_KEYS you backed up "
            "(see docs/admins/backups.md)"
        )
    try:
        rewrapped, sealed = await services.state.settle_keys(cipher)
    except EncryptionKeyError:
        await database.dispose()
        raise StartupError(
            "a group's encryption key cannot be read with the configured keys: a key that was removed from "
            "ENCRYPTION_KEYS or the key file is still needed (see docs/admins/backups.md)"
        ) from None
    await database.load_keys()
    if rewrapped or sealed:
        log.info("encryption keys settled", extra={"group_keys_rewrapped": rewrapped, "rows_sealed": sealed})
    locks = await hold_shards(settings, services)
    bot = build_bot(settings, services)
    wake_ups = None
    if locks is not None:  # sharded on PostgreSQL: another process's work for my guilds wakes me at once
        wake_ups = WakeUps(settings.database_url)
        # A group key another process destroyed is dropped from this process's keyring too (read again: erased).
        await wake_ups.listen(bot.woken_for, database.keyring.forget)
        if isinstance(bot, ShardedSetkeeper):  # every process's shards IDENTIFY in turn, bucket by bucket
            window = IDENTIFY_WINDOW * settings.discord_limits_scale
            bot.identify_turns = IdentifyTurns(
                settings.database_url, application_of(settings.discord_token.get_secret_value()), window
            )
    loop = asyncio.get_running_loop()
    watching: set[asyncio.Future[None]] = set()
    lost_locks: list[bool] = []
    closing: set[asyncio.Future[None]] = set()  # held until done: the loop keeps only weak references
    if locks is not None:

        def lost() -> None:
            lost_locks.append(True)
            log.error(
                "the database connection holding my shards' locks broke: stopping, so that only one process serves "
                "them (a standby takes them over; restart me to stand by again)",
                extra={"shards": shards.describe()},
            )
            closing.add(asyncio.ensure_future(bot.close()))

        watch = loop.create_task(locks.watch(lost))
        watching.add(watch)
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, lambda: asyncio.ensure_future(bot.close()))
    if isinstance(clock, MovedClock):  # tests move the clock by rewriting its file, then say so with SIGUSR1
        moving: set[asyncio.Future[None]] = set()

        def clock_moved() -> None:
            task = asyncio.ensure_future(bot.clock_moved(clock.reread()))
            moving.add(task)  # held until done: the loop keeps only a weak reference to a task
            task.add_done_callback(moving.discard)

        loop.add_signal_handler(signal.SIGUSR1, clock_moved)
    try:
        async with bot:
            await bot.start(settings.discord_token.get_secret_value())
    except discord.LoginFailure:
        raise StartupError("Discord refused the token: copy it again from the Developer Portal's Bot page") from None
    except discord.PrivilegedIntentsRequired:
        raise StartupError(
            "Discord refused an intent this bot asked for; see docs/admins/application.md, step 4"
        ) from None
    except (OSError, aiohttp.ClientError, discord.HTTPException, discord.GatewayNotFound) as exc:
        if bot.user is not None:
            raise  # connected once: not a start-up problem
        raise StartupError(f"cannot reach Discord: {why_discord_is_unreachable(exc)}") from None
    finally:
        for task in watching:
            task.cancel()
        if wake_ups is not None:
            await wake_ups.close()
        if isinstance(bot, ShardedSetkeeper) and bot.identify_turns is not None:
            await bot.identify_turns.close()
        await finish_work_in_flight(FINISH_WITHIN)
        if locks is not None:
            await locks.release()  # only now, with nothing left running: a standby takes over at once
        await database.dispose()
        if bot.user is not None:
            log.info("stopped")
    if lost_locks:
        raise ShardsLostError(
            "the database connection holding my shards' locks broke, so I stopped; restart me to stand by again"
        )


async def hold_shards(settings: Settings, services: Services) -> ShardLocks | None:
    """A sharded process on PostgreSQL holds its shards' locks first, standing by while another process holds them.

    None where there is nothing to hold: SQLite (one process only) or a bot that is not sharded.
    """
    shards = settings.shards()
    if not shards.sharded or is_sqlite(settings.database_url):
        return None
    locks = ShardLocks(settings.database_url, application_of(settings.discord_token.get_secret_value()), shards.ids)

    def waiting(held: list[int]) -> None:
        log.info(
            "standing by for %s: another process serves them; I take over when it stops",
            Shards(shards.count, tuple(held), sharded=True).describe(),
            extra={"shards": held, "shard_count": shards.count},
        )

    try:
        waited = await locks.acquire(waiting)
    except BaseException:
        await locks.release()
        raise
    services.due.shards_held()  # every claim their guilds still carry is a dead holder's: taken back at start
    log.info("took over %s" if waited else "holding %s", shards.describe(), extra={"shards": list(shards.ids)})
    return locks


FINISH_WITHIN = 3.0
"""Seconds a stopping bot gives the handlers still running (one may be inside a transaction) to finish."""


async def finish_work_in_flight(within: float) -> None:
    """Let what still runs once the bot has closed finish, then cancel the rest, all before the database closes.

    Left to `asyncio.run`, a handler would be cancelled after the database was disposed, in the middle of its
    transaction, and SQLAlchemy would log the interrupted rollback as an error with a traceback.
    """
    current = asyncio.current_task()
    running = {task for task in asyncio.all_tasks() if task is not current and not task.done()}
    if not running:
        return
    _, left = await asyncio.wait(running, timeout=within)
    for task in left:
        task.cancel()
    await asyncio.gather(*left, return_exceptions=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code. With arguments: the operator's command line (`bot.cli`)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        from bot.cli import main as operator_main  # the bot's own start-up needs none of it

        return operator_main(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        sys.stderr.write(f"Setkeeper cannot start: {exc}\n")
        return 2
    configure_logging(
        settings.log_level,
        settings.log_format,
        [settings.discord_token.get_secret_value(), *settings.encryption_key_list()],
    )
    try:
        asyncio.run(run(settings))
    except StartupError as exc:
        sys.stderr.write(f"Setkeeper cannot start: {exc}\n")
        return 1
    except ShardsLostError as exc:
        sys.stderr.write(f"Setkeeper stopped: {exc}\n")
        return SHARDS_LOST
    return 0


if __name__ == "__main__":
    sys.exit(main())
