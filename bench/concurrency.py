"""Benchmark 3: 50 writing interactions landing within the same 100 ms, on SQLite and on PostgreSQL.

20 join requests across 20 groups, 20 ground-rules acceptances, and one Approve button clicked ten times.
Passes when every interaction is answered, no "database is locked" appears, and the repeated click has one effect.
Run: .venv/bin/python -m bench.concurrency
"""

from __future__ import annotations

import asyncio
import time

from bench._world import SETKEEPER, database_url, fake_discord, gather_all, running_bot, seed_groups, table
from tests.fakediscord import Reply


async def one_backend(backend: str) -> list[object]:
    """Run the burst on one back end; returns a table row."""
    async with fake_discord() as world, database_url(backend) as url:
        groups = await seed_groups(world, url, 41, members=2)
        async with running_bot(world, SETKEEPER, url) as bot:
            # Five members are added (not yet accepted) in each of four groups; one newcomer asks to join group 40.
            pending = []
            for group in groups[:4]:
                for n in range(5):
                    person = world.guild.add_member(f"New{group.id}-{n}")
                    await group.facilitator.run(
                        "/group add", member=person, in_channel=world.find_channel(group.channel_id)
                    )
                    pending.append((group, person))
            asker = world.guild.add_member("Asker")
            await asker.run("/group join", group=f"id:{groups[40].id}")
            request = world.find_channel(groups[40].channel_id).message_containing("asks to join")  # type: ignore[union-attr]
            prompts = [
                world.find_channel(group.channel_id).message_containing(f"{person.mention}, welcome")  # type: ignore[union-attr]
                for group, person in pending
            ]
            joiners = [world.guild.add_member(f"Joiner{n}") for n in range(20)]

            started = time.monotonic()
            burst = [
                joiner.run("/group join", group=f"id:{groups[4 + n].id}", within=60) for n, joiner in enumerate(joiners)
            ]
            burst += [
                person.click(prompt, "I accept the ground rules", within=60)
                for (_, person), prompt in zip(pending, prompts, strict=True)
            ]
            burst += [groups[40].facilitator.click(request, "Approve", within=60) for _ in range(10)]
            results = await gather_all(*burst)
            elapsed = time.monotonic() - started

            answered = sum(isinstance(result, Reply) for result in results)
            approvals = sum(isinstance(r, Reply) and r.text.startswith("You approved") for r in results[40:])
            already = sum(isinstance(r, Reply) and "already been answered" in r.text for r in results[40:])
            locked = bot.output.count("database is locked")
            tracebacks = len(bot.tracebacks())
            admitted = sum(
                1
                for m in world.find_channel(groups[40].channel_id).messages_by(world.guild.me)  # type: ignore[union-attr]
                if m.text.startswith(f"{asker.mention}, welcome")
            )
            dispatch_span = max(r.dispatched_at for r in world.interactions.records[-50:]) - min(
                r.dispatched_at for r in world.interactions.records[-50:]
            )
            return [
                backend,
                f"{answered}/50",
                f"{dispatch_span * 1000:.0f} ms",
                f"{elapsed:.2f} s",
                locked,
                tracebacks,
                approvals,
                already,
                admitted,
            ]


async def main() -> None:
    """Run on both back ends and print the table."""
    rows = [await one_backend(backend) for backend in ("sqlite", "postgresql")]
    print(
        table(
            [
                "backend",
                "answered",
                "dispatched within",
                "all done in",
                "db locked",
                "tracebacks",
                "approved",
                "already answered",
                "rules prompts for approved",
            ],
            rows,
        )
    )
    ok = all(row[1] == "50/50" and row[4] == 0 and row[5] == 0 and row[6] == 1 and row[8] == 1 for row in rows)
    print(
        f"\nresult: {'PASS' if ok else 'FAIL'}: every interaction answered, no lock errors, ten clicks -> one approval"
    )


if __name__ == "__main__":
    asyncio.run(main())
