"""Logs: structured fields on one line, the token never written."""

from __future__ import annotations

import json
import logging

from bot.logs import JsonFormatter, RedactSecrets, TextFormatter, configure_logging

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123"


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("setkeeper", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_text_lines_carry_the_ids_as_key_values() -> None:
    line = TextFormatter().format(_record("group created", guild_id=1, group_id=7))
    assert line.endswith("INFO setkeeper group created guild_id=1 group_id=7")


def test_json_lines_are_one_object_with_the_ids() -> None:
    payload = json.loads(JsonFormatter().format(_record("group created", guild_id=1)))
    assert (payload["message"], payload["guild_id"], payload["level"]) == ("group created", 1, "INFO")


def test_a_token_that_slips_into_a_message_is_redacted() -> None:
    record = _record("connecting with %s", TOKEN)
    assert RedactSecrets([TOKEN]).filter(record)
    assert TOKEN not in TextFormatter().format(record)
    assert "[redacted]" in record.getMessage()


def test_interaction_tokens_in_urls_are_redacted() -> None:
    record = _record("PATCH /api/v10/webhooks/1234/aW50ZXJhY3Rpb246abc_-/messages/@original has returned 200")
    RedactSecrets([TOKEN]).filter(record)
    assert record.getMessage() == "PATCH /api/v10/webhooks/1234/[redacted]/messages/@original has returned 200"


def test_discord_py_never_logs_below_info_even_at_debug() -> None:
    configure_logging("DEBUG", "text", [TOKEN])
    for name in ("discord", "discord.gateway", "discord.http", "discord.webhook.async_", "discord.client"):
        assert logging.getLogger(name).getEffectiveLevel() >= logging.INFO, name
    assert logging.getLogger("setkeeper").getEffectiveLevel() == logging.DEBUG
