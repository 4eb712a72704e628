"""The cipher: text comes back as it went in, keys rotate, and a wrong or malformed key is refused by name."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db.crypto import DESTROYED, ERASED, Cipher, EncryptedJSON, EncryptionKeyError, Keyring, attach_cipher
from tests.conftest import TEST_ENCRYPTION_KEY

OLD_KEY = "LpCmYIJdLe1rV8XNm-t5wRCPlMTQfGzdFQnkx2Pyj2U="
TEXT = "I want to ask my manager for a day a week on the new project"


def test_text_comes_back_as_it_went_in_and_is_not_stored_as_is() -> None:
    cipher = Cipher([TEST_ENCRYPTION_KEY])
    token = cipher.encrypt(TEXT)
    assert TEXT not in token
    assert cipher.decrypt(token) == TEXT


def test_a_rotated_key_list_reads_old_text_and_writes_with_the_new_key() -> None:
    old_token = Cipher([OLD_KEY]).encrypt(TEXT)
    rotated = Cipher([TEST_ENCRYPTION_KEY, OLD_KEY])
    assert rotated.decrypt(old_token) == TEXT
    new_token = rotated.encrypt(TEXT)
    assert Cipher([TEST_ENCRYPTION_KEY]).decrypt(new_token) == TEXT
    with pytest.raises(EncryptionKeyError):
        Cipher([OLD_KEY]).decrypt(new_token)


def test_text_written_with_another_key_cannot_be_read() -> None:
    token = Cipher([OLD_KEY]).encrypt(TEXT)
    with pytest.raises(EncryptionKeyError):
        Cipher([TEST_ENCRYPTION_KEY]).decrypt(token)


@pytest.mark.parametrize("key", ["", "short", "x" * 44, TEST_ENCRYPTION_KEY[:-2]])
def test_a_malformed_key_is_refused_without_being_echoed(key: str) -> None:
    with pytest.raises(EncryptionKeyError) as caught:
        Cipher([key] if key else [])
    if key:
        assert key not in str(caught.value)


def test_an_encrypted_json_value_written_before_encryption_is_read_as_it_is() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")  # connects to nothing: only its dialect is used
    attach_cipher(engine, Cipher([TEST_ENCRYPTION_KEY]))
    column, dialect = EncryptedJSON(), engine.sync_engine.dialect
    assert column.process_result_value('{"notice": "welcome"}', dialect) == {"notice": "welcome"}
    stored = column.process_bind_param({"notice": TEXT}, dialect)
    assert stored is not None
    assert TEXT not in stored
    assert column.process_result_value(stored, dialect) == {"notice": TEXT}


def test_a_groups_token_is_read_with_its_group_key_and_an_old_token_with_the_settings_keys() -> None:
    group_key = Fernet.generate_key()
    keyring = Keyring(
        Cipher([TEST_ENCRYPTION_KEY]),
        loader=lambda _group: Cipher([TEST_ENCRYPTION_KEY]).encrypt(group_key.decode("ascii")),
    )
    token = "g5:" + Fernet(group_key).encrypt(TEXT.encode()).decode("ascii")
    assert keyring.decrypt(token) == TEXT
    assert keyring.decrypt(Cipher([TEST_ENCRYPTION_KEY]).encrypt(TEXT)) == TEXT


def test_a_groups_token_reads_as_erased_once_its_key_is_destroyed() -> None:
    keyring = Keyring(Cipher([TEST_ENCRYPTION_KEY]), loader=lambda _group: DESTROYED)
    assert keyring.decrypt("g5:" + Fernet(Fernet.generate_key()).encrypt(b"x").decode("ascii")) == ERASED


def test_a_groups_token_whose_key_is_not_in_the_key_store_is_an_error_not_a_guess() -> None:
    keyring = Keyring(Cipher([TEST_ENCRYPTION_KEY]), loader=lambda _group: None)
    with pytest.raises(EncryptionKeyError, match="group 5 is not in the key store"):
        keyring.decrypt("g5:" + Fernet(Fernet.generate_key()).encrypt(b"x").decode("ascii"))
