"""Facts the bot keeps about itself between runs."""

from __future__ import annotations

from bot.db.crypto import Cipher, EncryptionKeyError
from bot.db.uow import UnitOfWorkFactory
from bot.domain.clock import Clock

KEY_CHECK = "encryption:check"
_CHECK_TEXT = "setkeeper"


class BotStateService:
    """Remembers what was last synced to Discord, so an unchanged command tree is not sent again."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def last_synced(self, scope: str) -> str | None:
        """The digest of the command tree last synced for `scope`."""
        async with self._uow(write=False) as uow:
            return await uow.state.get(f"commands:{scope}")

    async def record_synced(self, scope: str, digest: str) -> None:
        """Remember that the tree with `digest` is now registered for `scope`."""
        async with self._uow() as uow:
            await uow.state.put(f"commands:{scope}", digest, self._clock.now())
            await uow.commit()

    async def key_reads_this_database(self, cipher: Cipher) -> bool:
        """Whether `cipher` reads what this database holds, by a check value written with the first key it met.

        A database that has never seen a key takes this one; after that, a lost or replaced key is caught at
        start-up instead of as unreadable bids later.
        """
        async with self._uow() as uow:
            token = await uow.state.get(KEY_CHECK)
            if token is None:
                await uow.state.put(KEY_CHECK, cipher.encrypt(_CHECK_TEXT), self._clock.now())
                await uow.commit()
                return True
        try:
            return cipher.decrypt(token) == _CHECK_TEXT
        except EncryptionKeyError:
            return False
