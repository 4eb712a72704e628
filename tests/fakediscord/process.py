"""Runs the real bot as a subprocess: start, wait for "bot ready", kill, stop, and capture its output."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

TRACEBACK_MARKER = "Traceback (most recent call last)"
CLOCK_MOVED = "clock moved"


class BotProcess:
    """A bot subprocess; ``start()`` returns once the output says ``bot ready`` (again after each restart)."""

    def __init__(
        self,
        command: list[str],
        env: dict[str, str],
        cwd: Path,
        *,
        ready_marker: str = "bot ready",
        ready_timeout: float = 20.0,
    ) -> None:
        self.command = command
        self.env = env
        self.cwd = cwd
        self.ready_marker = ready_marker
        self.ready_timeout = ready_timeout
        self.lines: list[tuple[str, str]] = []
        self.starts = 0
        self._proc: asyncio.subprocess.Process | None = None
        self._readers: list[asyncio.Task[None]] = []
        self._new_line = asyncio.Event()

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._proc is not None and self._proc.returncode is None

    @property
    def pid(self) -> int | None:
        """The process id, if started."""
        return self._proc.pid if self._proc else None

    @property
    def output(self) -> str:
        """Everything the bot printed (stdout and stderr interleaved, all runs)."""
        return "\n".join(line for _, line in self.lines)

    @property
    def stdout(self) -> str:
        """Everything the bot printed on stdout."""
        return "\n".join(line for stream, line in self.lines if stream == "stdout")

    @property
    def stderr(self) -> str:
        """Everything the bot printed on stderr (its log)."""
        return "\n".join(line for stream, line in self.lines if stream == "stderr")

    def tail(self, count: int = 60) -> str:
        """The last ``count`` output lines."""
        return "\n".join(line for _, line in self.lines[-count:])

    def tracebacks(self) -> list[str]:
        """Each traceback printed by the bot, with the lines following it."""
        found: list[str] = []
        for index, (_, line) in enumerate(self.lines):
            if TRACEBACK_MARKER in line:
                found.append("\n".join(text for _, text in self.lines[max(0, index - 2) : index + 25]))
        return found

    @property
    def clock_offset(self) -> timedelta:
        """How far the bot's clock is moved on from the real one (its TEST_CLOCK_FILE)."""
        path = self._clock_file()
        text = path.read_text().strip() if path.exists() else ""
        return timedelta(seconds=float(text or 0))

    def now(self) -> datetime:
        """The time by the bot's clock."""
        return datetime.now(UTC) + self.clock_offset

    async def move_clock(self, to: datetime, *, wait: bool = True) -> None:
        """Move the bot's clock on to `to`; a running bot carries out what is due by then before this returns.

        A stopped bot reads the moved clock when it starts. The clock only moves forward, as time does.
        `wait=False` returns once the bot is told, without waiting for what falls due (a test that holds it back).
        """
        offset = to - datetime.now(UTC)
        if offset < self.clock_offset:
            raise ValueError(f"the clock moves forward only: {to.isoformat()} is before {self.now().isoformat()}")
        path = self._clock_file()
        written = path.with_suffix(".new")
        written.write_text(f"{offset.total_seconds():.6f}\n")
        written.replace(path)  # whole, never half-written, when the bot reads it
        if not self.running:
            return
        assert self._proc is not None
        moved_before = sum(CLOCK_MOVED in line for _, line in self.lines)
        os.kill(self._proc.pid, signal.SIGUSR1)
        if not wait:
            return
        deadline = time.monotonic() + 10.0
        while sum(CLOCK_MOVED in line for _, line in self.lines) == moved_before:
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not log {CLOCK_MOVED!r} within 10 s; output:\n{self.tail(40)}")
            self._new_line.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_line.wait(), 0.2)

    def _clock_file(self) -> Path:
        name = self.env.get("TEST_CLOCK_FILE")
        if not name:
            raise RuntimeError("this bot runs on the real clock: its environment has no TEST_CLOCK_FILE")
        return Path(name)

    async def _read(self, stream: asyncio.StreamReader, name: str) -> None:
        while True:
            raw = await stream.readline()
            if not raw:
                return
            self.lines.append((name, raw.decode(errors="replace").rstrip("\n")))
            self._new_line.set()

    async def start(self) -> None:
        """Spawn the bot and wait for its ready line; raise with the output if it exits or times out."""
        if self.running:
            raise RuntimeError("bot already running")
        first_line = len(self.lines)
        self.starts += 1
        self._proc = await asyncio.create_subprocess_exec(
            *self.command,
            cwd=str(self.cwd),
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        assert self._proc.stdout is not None
        assert self._proc.stderr is not None
        self._readers = [
            asyncio.create_task(self._read(self._proc.stdout, "stdout")),
            asyncio.create_task(self._read(self._proc.stderr, "stderr")),
        ]
        deadline = time.monotonic() + self.ready_timeout
        while True:
            if any(self.ready_marker in line for _, line in self.lines[first_line:]):
                return
            if self._proc.returncode is not None or time.monotonic() > deadline:
                if self._proc.returncode is None:
                    await self.kill()
                    reason = f"did not log {self.ready_marker!r} within {self.ready_timeout}s"
                else:
                    await asyncio.gather(*self._readers)
                    reason = f"exited with code {self._proc.returncode} before logging {self.ready_marker!r}"
                raise AssertionError(f"bot {reason}; command {self.command}; output:\n{self.tail(120)}")
            self._new_line.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_line.wait(), 0.2)

    async def _finish(self, within: float) -> None:
        assert self._proc is not None
        await asyncio.wait_for(self._proc.wait(), within)
        await asyncio.gather(*self._readers)

    async def kill(self) -> None:
        """SIGKILL the bot (a crash) and wait for it to die."""
        if self._proc is None or self._proc.returncode is not None:
            return
        os.kill(self._proc.pid, signal.SIGKILL)
        await self._finish(10.0)

    async def stop(self, grace: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after ``grace`` seconds; returns the exit code."""
        if self._proc is None:
            return None
        if self._proc.returncode is None:
            os.kill(self._proc.pid, signal.SIGTERM)
            try:
                await self._finish(grace)
            except TimeoutError:
                await self.kill()
        return self._proc.returncode

    async def restart(self) -> None:
        """Graceful stop, then start again."""
        await self.stop()
        await self.start()
