"""Facts the bot keeps about itself between runs."""

from __future__ import annotations

from bot.db.crypto import Cipher, EncryptionKeyError
from bot.db.group_keys import rewrap_group_keys, rotate_queued_posts, seal_legacy_rows
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

    async def settle_keys(self, cipher: Cipher) -> tuple[int, int]:
        """At start-up, once the keys read this database: put everything under the first settings key.

        Group keys sealed with an older settings key are sealed again with the first one (the rows they seal are
        not touched), as are the check value and queued posts; rows written before group keys are sealed under
        their group's key.
        After this, a settings key that is no longer first can be removed. How many group keys were sealed again,
        and how many old rows.
        """
        async with self._uow() as uow:
            rewrapped = await rewrap_group_keys(uow.session, cipher)
            await rotate_queued_posts(uow.session, cipher)
            token = await uow.state.get(KEY_CHECK)
            rotated = None if token is None else cipher.rotated(token)
            if rotated is not None:
                await uow.state.put(KEY_CHECK, rotated, self._clock.now())
            await uow.commit()
        sealed = 0
        while True:
            async with self._uow() as uow:
                batch = await seal_legacy_rows(uow.session)
                await uow.commit()
            sealed += batch
            if not batch:
                return rewrapped, sealed
