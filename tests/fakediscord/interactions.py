"""Interactions: building INTERACTION_CREATE from registered commands/components, callbacks, follow-ups, replies."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakediscord.ids import fake_time, snowflake, snowflake_time
from tests.fakediscord.limits import validate_choices, validate_texts
from tests.fakediscord.perms import channel_permissions, flag
from tests.fakediscord.routes import api_error, apply_edit, new_message, validate_message_body
from tests.fakediscord.world import (
    Channel,
    Json,
    Member,
    Message,
    RefusedError,
    Role,
    User,
)

if TYPE_CHECKING:
    from tests.fakediscord.server import FakeDiscord

APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10
SELECT_TYPES = {3, 5, 6, 7, 8}
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
_DM_ABILITIES = "view_channel send_messages embed_links attach_files read_message_history add_reactions"
DM_APP_PERMISSIONS = sum(flag(name) for name in _DM_ABILITIES.split())
"""What the app may do in its DM with a member, sent as ``app_permissions`` there (the basics of a DM)."""


TOKEN_LIFETIME = 15 * 60.0
"""Seconds an interaction's token takes follow-ups and edits (Discord: 15 minutes)."""


@dataclass(eq=False)
class InteractionRecord:
    """One interaction sent to the bot and everything the bot answered to it."""

    id: int
    token: str
    type: int
    member: Member
    channel: Channel
    data: Json
    command_name: str
    source_message: Message | None = None
    payload: Json = field(default_factory=dict)
    dispatched_at: float = 0.0
    callback_at: float | None = None
    callback_type: int | None = None
    late: bool = False
    late_by: float = 0.0
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    modal: Json | None = None
    choices: list[Json] | None = None
    edited: bool = False
    completed_at: float | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def acknowledged(self) -> bool:
        """Whether a callback was accepted."""
        return self.callback_type is not None

    @property
    def latency(self) -> float | None:
        """Seconds from dispatch of INTERACTION_CREATE to the bot's first (accepted or late) callback."""
        return None if self.callback_at is None else self.callback_at - self.dispatched_at

    @property
    def complete(self) -> bool:
        """Callback received and, if deferred with a message, the deferred message was filled in."""
        if self.callback_type is None:
            return False
        if self.callback_type == 5:
            return self.edited or bool(self.followups)
        if self.callback_type == 6:
            return self.edited or bool(self.followups)
        return True

    @property
    def shown_after(self) -> float | None:
        """Seconds from dispatch until the member saw the whole answer (a deferred one filled in)."""
        return None if self.completed_at is None else self.completed_at - self.dispatched_at

    def touch(self) -> None:
        """Wake up waiters (and note when the answer became complete)."""
        if self.completed_at is None and self.complete:
            answered_at_once = self.callback_type not in (5, 6) and self.callback_at is not None
            self.completed_at = self.callback_at if answered_at_once else time.monotonic()
        self.changed.set()


class Reply:
    """What a member saw after an interaction: messages, text, embeds, components, modal, choices, timing."""

    def __init__(self, record: InteractionRecord) -> None:
        self.record = record

    def __repr__(self) -> str:
        kind, modal = self.record.callback_type, self.modal_title
        return f"<Reply type={kind} ephemeral={self.ephemeral} text={self.text!r} modal={modal!r}>"

    @property
    def callback_type(self) -> int | None:
        """4 message, 5 deferred message, 6 deferred update, 7 update message, 8 autocomplete, 9 modal."""
        return self.record.callback_type

    @property
    def deferred(self) -> bool:
        """Whether the first response was a defer (5 or 6)."""
        return self.record.callback_type in (5, 6)

    @property
    def messages(self) -> list[Message]:
        """Messages the interaction produced or updated: original/updated message, then follow-ups."""
        result: list[Message] = []
        original = self.record.original
        visible = original is not None and not original.deleted and not original.loading
        if visible and (self.record.callback_type in (4, 5) or self.record.edited):
            assert original is not None
            result.append(original)
        result.extend(m for m in self.record.followups if not m.deleted and m is not original)
        return result

    @property
    def message(self) -> Message | None:
        """The first message of :attr:`messages`."""
        messages = self.messages
        return messages[0] if messages else None

    @property
    def text(self) -> str:
        """Flattened text of all messages (content, embed texts, text displays)."""
        return "\n".join(m.text for m in self.messages)

    @property
    def content(self) -> str:
        """Content of the first message."""
        return self.message.content if self.message else ""

    @property
    def embeds(self) -> list[Json]:
        """Embeds of all messages."""
        return [e for m in self.messages for e in m.embeds]

    @property
    def components(self) -> list[Json]:
        """All components of all messages, flattened."""
        return [c for m in self.messages for c in m.all_components]

    @property
    def buttons(self) -> list[str]:
        """Button labels of all messages."""
        return [b for m in self.messages for b in m.buttons]

    @property
    def ephemeral(self) -> bool:
        """Whether the first message is ephemeral (only the invoking member sees it)."""
        message = self.message
        return bool(message and message.ephemeral)

    @property
    def modal(self) -> Json | None:
        """The modal the bot opened (``custom_id``, ``title``, ``components``), if any."""
        return self.record.modal

    @property
    def modal_title(self) -> str | None:
        """The opened modal's title."""
        return None if self.record.modal is None else str(self.record.modal.get("title"))

    @property
    def choices(self) -> list[Json]:
        """Autocomplete choices offered."""
        return list(self.record.choices or [])

    @property
    def latency(self) -> float | None:
        """Seconds from dispatch to the first callback."""
        return self.record.latency


def _option_value(kind: int, value: Any, resolved: Json, guild_member: Member, channel: Channel) -> Any:
    guild = guild_member.guild
    if kind in (USER, MENTIONABLE) and isinstance(value, Member | User):
        member = value if isinstance(value, Member) else guild.members.get(value.id)
        user = value.user if isinstance(value, Member) else value
        resolved.setdefault("users", {})[str(user.id)] = user.payload()
        if member is not None:
            partial = member.payload()
            partial.pop("user")
            partial["permissions"] = str(channel_permissions(guild, member, channel))
            resolved.setdefault("members", {})[str(user.id)] = partial
        return str(user.id)
    if kind in (ROLE, MENTIONABLE) and isinstance(value, Role):
        resolved.setdefault("roles", {})[str(value.id)] = value.payload()
        return str(value.id)
    if kind == CHANNEL and isinstance(value, Channel):
        data = value.payload()
        data["permissions"] = str(channel_permissions(guild, guild_member, value))
        resolved.setdefault("channels", {})[str(value.id)] = data
        return str(value.id)
    if kind == STRING:
        return str(value)
    if kind == INTEGER:
        return int(value)
    if kind == NUMBER:
        return float(value)
    if kind == BOOLEAN:
        return bool(value)
    raise TypeError(f"cannot pass {value!r} to an option of type {kind}")


class InteractionEngine:
    """Builds interactions from the registered commands and tracks the bot's answers."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.records: list[InteractionRecord] = []
        self._by_id: dict[int, InteractionRecord] = {}
        self._by_token: dict[str, InteractionRecord] = {}

    # ----- commands -----------------------------------------------------------------------------------------

    def find_command(self, member: Member, path: str) -> tuple[Json, list[Json], list[Json]]:
        """Resolve ``"/groupadmin create"`` to (command, option chain for data.options, leaf option schemas)."""
        parts = path.lstrip("/").split()
        if not parts:
            raise ValueError("empty command")
        commands = self.fake.guild_commands.get(member.guild.id, []) + self.fake.global_commands
        command = next((c for c in commands if c["name"] == parts[0] and c.get("type", 1) == 1), None)
        if command is None:
            names = sorted(c["name"] for c in commands)
            raise LookupError(f"command /{parts[0]} is not registered; registered: {names}")
        chain: list[Json] = []
        schemas: list[Json] = command.get("options") or []
        for part in parts[1:]:
            sub = next(
                (o for o in schemas if o["name"] == part and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)), None
            )
            if sub is None:
                raise LookupError(f"{path!r}: no subcommand {part!r}; have {[o['name'] for o in schemas]}")
            chain.append(sub)
            schemas = sub.get("options") or []
        if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schemas):
            raise LookupError(f"{path!r} needs a subcommand: {[o['name'] for o in schemas]}")
        return command, chain, schemas

    def _check_can_use(self, member: Member, command: Json, channel: Channel) -> None:
        perms = channel_permissions(member.guild, member, channel)
        if not perms & flag("use_application_commands"):
            raise RefusedError(403, 50013, f"{member.name} cannot use application commands in #{channel.name}")
        required = command.get("default_member_permissions")
        if required is not None and int(required) & perms != int(required):
            raise RefusedError(
                403, 50013, f"/{command['name']} is hidden from {member.name} (default_member_permissions)"
            )

    def _build_options(
        self, member: Member, channel: Channel, schemas: list[Json], given: dict[str, Any], focused: str | None = None
    ) -> tuple[list[Json], Json]:
        resolved: Json = {}
        options: list[Json] = []
        by_name = {o["name"]: o for o in schemas}
        for name in given:
            if name not in by_name:
                raise LookupError(f"unknown option {name!r}; options: {list(by_name)}")
        for schema in schemas:
            name = schema["name"]
            if name == focused:
                options.append(
                    {"name": name, "type": schema["type"], "value": str(given.get(name, "")), "focused": True}
                )
                continue
            if name not in given:
                if schema.get("required") and focused is None:
                    raise ValueError(f"missing required option {name!r}")
                continue
            value = _option_value(schema["type"], given[name], resolved, member, channel)
            choices = schema.get("choices")
            if choices and focused is None and value not in [c["value"] for c in choices]:
                raise ValueError(f"{value!r} is not a choice of {name!r}: {[c['value'] for c in choices]}")
            options.append({"name": name, "type": schema["type"], "value": value})
        return options, resolved

    def _command_data(
        self, command: Json, chain: list[Json], leaf_options: list[Json], resolved: Json, guild_id: int
    ) -> Json:
        options = leaf_options
        for sub in reversed(chain):
            options = [{"name": sub["name"], "type": sub["type"], "options": options}]
        data: Json = {
            "id": command["id"],
            "name": command["name"],
            "type": command.get("type", 1),
            "options": options,
        }
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        else:
            data["guild_id"] = str(guild_id)
        if resolved:
            data["resolved"] = resolved
        return data

    def _default_channel(self, member: Member, channel: Channel | None) -> Channel:
        if channel is not None:
            return channel
        return member.guild.channel_named("general")

    # ----- sending interactions --------------------------------------------------------------------------------

    def _dm_payload(self, record: InteractionRecord) -> Json:
        """An interaction in the bot's DM with a member: no guild, the ``user`` instead of a ``member``, context 1."""
        channel = record.channel
        payload: Json = {
            "id": str(record.id),
            "application_id": str(self.fake.application_id),
            "type": record.type,
            "data": record.data,
            "channel_id": str(channel.id),
            "channel": channel.payload(),
            "user": record.member.user.payload(),
            "token": record.token,
            "version": 1,
            "app_permissions": str(DM_APP_PERMISSIONS),
            "locale": record.member.user.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": "0"},
            "context": 1,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if record.source_message is not None:
            payload["message"] = record.source_message.payload()
        return payload

    def _payload(self, record: InteractionRecord) -> Json:
        member = record.member
        guild = member.guild
        channel = record.channel
        if channel.guild is None:
            return self._dm_payload(record)
        member_data = member.payload()
        member_data["permissions"] = str(channel_permissions(guild, member, channel))
        channel_data = channel.payload()
        channel_data["permissions"] = member_data["permissions"]
        payload: Json = {
            "id": str(record.id),
            "application_id": str(self.fake.application_id),
            "type": record.type,
            "data": record.data,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": list(guild.features)},
            "channel_id": str(channel.id),
            "channel": channel_data,
            "member": member_data,
            "token": record.token,
            "version": 1,
            "app_permissions": str(channel_permissions(guild, guild.me, channel)),
            "locale": member.user.locale,
            "guild_locale": guild.preferred_locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if record.source_message is not None:
            payload["message"] = record.source_message.payload()
        return payload

    def _new_record(
        self, member: Member, channel: Channel, kind: int, data: Json, name: str, source: Message | None = None
    ) -> InteractionRecord:
        record = InteractionRecord(
            snowflake(), "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48), kind, member, channel, data, name, source
        )
        record.payload = self._payload(record)
        return record

    async def send(self, record: InteractionRecord) -> InteractionRecord:
        """Dispatch INTERACTION_CREATE for ``record``; refused where the bot is no longer (its commands went too)."""
        guild = record.member.guild
        if record.channel.guild is not None and guild.id in self.fake.departed:
            raise RefusedError(404, 10004, f"the bot is not in {guild.name}: its commands are gone from it")
        if self.fake.session is None:
            try:
                await self.fake.wait_ready(within=15.0)
            except TimeoutError:
                raise RuntimeError("the bot is not connected to the gateway") from None
        self.records.append(record)
        self._by_id[record.id] = record
        self._by_token[record.token] = record
        record.dispatched_at = time.monotonic()
        await self.fake.dispatch("INTERACTION_CREATE", record.payload)
        return record

    async def wait(self, record: InteractionRecord, within: float) -> Reply:
        """Wait until the interaction is complete and the bot went quiet; fail with details on timeout."""
        deadline = time.monotonic() + within
        while not record.complete and not record.late:
            if record.callback_type == 6:
                await self.fake.settle(quiet=0.4, within=max(0.0, deadline - time.monotonic()))
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"interaction {record.command_name!r} by {record.member.name} not complete after {within}s "
                    f"(callback type {record.callback_type}, late={record.late}); "
                    f"recent requests: {[(r.key, r.status) for r in self.fake.requests[-8:]]}"
                )
            record.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(record.changed.wait(), min(remaining, 0.25))
        await self.fake.settle()
        return Reply(record)

    async def send_command(
        self,
        member: Member,
        path: str,
        given: dict[str, Any],
        channel: Channel | None = None,
        *,
        focused: str | None = None,
    ) -> InteractionRecord:
        """Send a slash command as ``member`` without waiting for the answer; ``wait`` on the record for it.

        With ``focused`` (an autocomplete option's name) it is the autocomplete interaction for what ``given``
        holds under that name. Checks what Discord checks before dispatching: the command exists, ``member`` may
        use it in ``channel`` (#general by default), and the options fit its schema.
        """
        where = self._default_channel(member, channel)
        command, chain, schemas = self.find_command(member, path)
        self._check_can_use(member, command, where)
        if focused is not None:
            schema = next((o for o in schemas if o["name"] == focused), None)
            if schema is None or not schema.get("autocomplete"):
                raise LookupError(f"option {focused!r} of {path!r} is not an autocomplete option")
        options, resolved = self._build_options(member, where, schemas, given, focused)
        data = self._command_data(command, chain, options, resolved, member.guild.id)
        kind = APPLICATION_COMMAND if focused is None else AUTOCOMPLETE
        return await self.send(self._new_record(member, where, kind, data, path.lstrip("/").split()[0]))

    async def slash(
        self, member: Member, path: str, given: dict[str, Any], channel: Channel | None, within: float
    ) -> Reply:
        """Run a slash command as ``member``."""
        record = await self.send_command(member, path, given, channel)
        return await self.wait(record, within)

    async def autocomplete(
        self, member: Member, path: str, option: str, value: str, given: dict[str, Any], channel: Channel | None
    ) -> list[Json]:
        """Send an autocomplete interaction for ``option`` typed as ``value``; return the choices."""
        record = await self.send_command(member, path, {**given, option: value}, channel, focused=option)
        reply = await self.wait(record, 10.0)
        return reply.choices

    def _check_sees(self, member: Member, message: Message) -> Channel:
        if message.deleted:
            raise RefusedError(404, 10008, "Unknown Message (deleted)")
        if message.ephemeral:
            if message.interaction is None or message.interaction.member is not member:
                raise RefusedError(403, 50001, f"{member.name} cannot see an ephemeral message for someone else")
        elif message.channel.guild is None:
            if message.channel.recipient is not member.user:
                raise RefusedError(403, 50001, f"{member.name} cannot see another member's DMs with the bot")
        elif not member.can("view_channel", message.channel):
            raise RefusedError(403, 50001, f"{member.name} cannot see #{message.channel.name}")
        return message.channel

    async def send_click(
        self, member: Member, message: Message, label: str | None = None, *, custom_id: str | None = None
    ) -> InteractionRecord:
        """Click a button without waiting for the answer; ``wait`` on the record for it."""
        channel = self._check_sees(member, message)
        button = message.find_component(label, custom_id, ctype=2)
        if button.get("disabled"):
            raise ValueError(f"button {label or custom_id!r} is disabled")
        data = {"custom_id": button["custom_id"], "component_type": 2}
        record = self._new_record(member, channel, COMPONENT, data, f"button:{button.get('label')}", message)
        return await self.send(record)

    async def click(
        self, member: Member, message: Message, label: str | None, *, custom_id: str | None, within: float
    ) -> Reply:
        """Click a button."""
        record = await self.send_click(member, message, label, custom_id=custom_id)
        return await self.wait(record, within)

    def _select_values(
        self, member: Member, channel: Channel, select: Json, values: list[Any]
    ) -> tuple[list[str], Json]:
        kind = int(select["type"])
        low, high = int(select.get("min_values", 1)), int(select.get("max_values", 1))
        if not low <= len(values) <= high:
            raise ValueError(f"select needs {low}..{high} values, got {len(values)}")
        resolved: Json = {}
        if kind == 3:
            allowed = [str(o["value"]) for o in select.get("options") or []]
            for value in values:
                if str(value) not in allowed:
                    raise ValueError(f"{value!r} is not an option of the select: {allowed}")
            return [str(v) for v in values], resolved
        option_kind = {5: USER, 6: ROLE, 7: MENTIONABLE, 8: CHANNEL}[kind]
        return [str(_option_value(option_kind, v, resolved, member, channel)) for v in values], resolved

    async def select(
        self,
        member: Member,
        message: Message,
        values: list[Any],
        placeholder: str | None,
        *,
        custom_id: str | None,
        within: float,
    ) -> Reply:
        """Choose values in a select menu."""
        channel = self._check_sees(member, message)
        select = next(
            (
                c
                for c in message.all_components
                if c.get("type") in SELECT_TYPES
                and (placeholder is None or c.get("placeholder") == placeholder)
                and (custom_id is None or c.get("custom_id") == custom_id)
            ),
            None,
        )
        if select is None:
            raise LookupError(f"no select placeholder={placeholder!r} custom_id={custom_id!r} on the message")
        if select.get("disabled"):
            raise ValueError("select is disabled")
        chosen, resolved = self._select_values(member, channel, select, values)
        data: Json = {"custom_id": select["custom_id"], "component_type": select["type"], "values": chosen}
        if resolved:
            data["resolved"] = resolved
        record = self._new_record(member, channel, COMPONENT, data, f"select:{select['custom_id']}", message)
        await self.send(record)
        return await self.wait(record, within)

    def _modal_component(
        self,
        member: Member,
        channel: Channel,
        component: Json,
        values: dict[str, Any],
        used: set[str],
        resolved: Json,
        label: str | None = None,
    ) -> Json | None:
        kind = int(component.get("type", 0))
        if kind == 1:
            inner = [
                self._modal_component(member, channel, c, values, used, resolved)
                for c in component.get("components") or []
            ]
            return {"type": 1, "components": [c for c in inner if c is not None]}
        if kind == 18:
            wrapped = self._modal_component(
                member, channel, component["component"], values, used, resolved, component.get("label")
            )
            return {"type": 18, "id": component.get("id", 0), "component": wrapped}
        custom_id = component.get("custom_id")
        if custom_id is None:
            return None
        label = label or component.get("label")
        key = custom_id if custom_id in values else (label if label in values else None)
        if key is not None:
            used.add(key)
        if kind == 4:
            text = "" if key is None else str(values[key])
            if key is None and component.get("value"):
                text = str(component["value"])
            if component.get("required", True) and not text:
                raise ValueError(f"modal field {label or custom_id!r} is required")
            if text and not int(component.get("min_length", 0)) <= len(text) <= int(component.get("max_length", 4000)):
                raise ValueError(f"modal field {label or custom_id!r} length out of range")
            return {"type": 4, "id": component.get("id", 0), "custom_id": custom_id, "value": text}
        if kind in SELECT_TYPES:
            # Left untouched, a select submits the options the bot marked as chosen already, as Discord's does.
            preset = [o["value"] for o in component.get("options") or [] if o.get("default")]
            raw = preset if key is None else values[key]
            chosen, extra = self._select_values(
                member, channel, {**component, "min_values": component.get("min_values", 0)}, list(raw)
            )
            for group, items in extra.items():
                resolved.setdefault(group, {}).update(items)
            return {"type": kind, "id": component.get("id", 0), "custom_id": custom_id, "values": chosen}
        return None

    async def send_modal(
        self, member: Member, modal: Reply | InteractionRecord | Json, values: dict[str, Any]
    ) -> InteractionRecord:
        """Submit a modal without waiting for the answer; ``wait`` on the record for it."""
        if isinstance(modal, InteractionRecord):
            modal = Reply(modal)
        origin: InteractionRecord | None = modal.record if isinstance(modal, Reply) else None
        spec = modal.modal if isinstance(modal, Reply) else modal
        if spec is None:
            raise ValueError(f"the bot did not open a modal: {modal!r}")
        channel = origin.channel if origin else member.guild.channel_named("general")
        used: set[str] = set()
        resolved: Json = {}
        components = [
            self._modal_component(member, channel, c, values, used, resolved) for c in spec.get("components") or []
        ]
        unknown = set(values) - used
        if unknown:
            raise LookupError(f"modal has no fields {sorted(unknown)}")
        data: Json = {"custom_id": spec["custom_id"], "components": [c for c in components if c is not None]}
        if resolved:
            data["resolved"] = resolved
        source = origin.source_message if origin else None
        record = self._new_record(member, channel, MODAL_SUBMIT, data, f"modal:{spec.get('title')}", source)
        return await self.send(record)

    async def submit_modal(self, member: Member, modal: Reply | Json, values: dict[str, Any], within: float) -> Reply:
        """Submit a modal the bot opened with field values keyed by custom_id or label."""
        record = await self.send_modal(member, modal, values)
        return await self.wait(record, within)

    # ----- the bot's answers ----------------------------------------------------------------------------------------

    def _store(self, record: InteractionRecord, message: Message) -> None:
        if message.ephemeral:
            self.fake.ephemeral_messages.append(message)
        else:
            message.channel.messages.append(message)

    async def handle_callback(self, interaction_id: str, token: str, body: Json) -> tuple[int, Any]:
        """POST /interactions/{id}/{token}/callback."""
        record = self._by_id.get(int(interaction_id)) if interaction_id.isdigit() else None
        if record is None or record.token != token:
            raise api_error(404, 10062, "Unknown interaction")
        now = time.monotonic()
        if record.callback_type is not None:
            raise api_error(400, 40060, "Interaction has already been acknowledged.")
        if now - record.dispatched_at > self.fake.faults.interaction_deadline:
            record.late = True
            record.late_by = now - record.dispatched_at
            if record.callback_at is None:
                record.callback_at = now
            record.touch()
            raise api_error(404, 10062, "Unknown interaction")
        kind = int(body.get("type", 0))
        data: Json = body.get("data") or {}
        message: Message | None = None
        if kind == 4:
            if record.type == AUTOCOMPLETE:
                raise api_error(400, 50035, "Invalid Form Body")
            validate_message_body(data)
            message = new_message(
                record.channel,
                self.fake.bot_user,
                data,
                type=20 if record.type == APPLICATION_COMMAND else 0,
                interaction=record,
                webhook_id=self.fake.application_id,
            )
            self._store(record, message)
        elif kind == 5:
            message = new_message(
                record.channel,
                self.fake.bot_user,
                {"flags": (int(data.get("flags") or 0) & 64) | 128},
                type=20 if record.type == APPLICATION_COMMAND else 0,
                interaction=record,
                webhook_id=self.fake.application_id,
            )
            self._store(record, message)
        elif kind in (6, 7):
            if record.source_message is None:
                raise api_error(400, 50035, "Invalid Form Body")
            message = record.source_message
            if kind == 7:
                apply_edit(message, data)
                record.edited = True
        elif kind == 8:
            if record.type != AUTOCOMPLETE:
                raise api_error(400, 50035, "Invalid Form Body")
            choices = list(data.get("choices") or [])
            if len(choices) > 25:
                raise api_error(400, 50035, "Invalid Form Body")
            validate_choices(choices)
            record.choices = choices
        elif kind == 9:
            if record.type in (AUTOCOMPLETE, MODAL_SUBMIT):
                raise api_error(400, 50035, "Invalid Form Body")
            if not data.get("custom_id") or not data.get("title") or len(str(data["title"])) > 45:
                raise api_error(400, 50035, "Invalid Form Body")
            if not 1 <= len(data.get("components") or []) <= 5:
                raise api_error(400, 50035, "Invalid Form Body")
            validate_texts(data, modal=True)
            record.modal = data
        else:
            raise api_error(400, 50035, "Invalid Form Body")
        record.callback_type = kind
        record.callback_at = now
        record.original = message
        if message is not None and not message.ephemeral:
            event = "MESSAGE_UPDATE" if kind in (6, 7) else "MESSAGE_CREATE"
            if kind != 6:
                await self.fake.dispatch(event, message.payload())
        record.touch()
        interaction: Json = {
            "id": str(record.id),
            "type": record.type,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(message and message.ephemeral),
        }
        if message is not None:
            interaction["response_message_id"] = str(message.id)
        resource: Json = {"type": kind}
        if message is not None and kind in (4, 5, 7):
            resource["message"] = message.payload()
        return 200, {"interaction": interaction, "resource": resource}

    def _record_for_token(self, token: str) -> InteractionRecord:
        record = self._by_token.get(token)
        if record is None or not record.acknowledged:
            raise api_error(404, 10015, "Unknown Webhook")
        # An interaction's token lives 15 minutes from the interaction, by Discord's clock.
        if fake_time() - snowflake_time(record.id).timestamp() > TOKEN_LIFETIME:
            raise api_error(404, 10015, "Unknown Webhook")
        return record

    async def handle_followup(self, token: str, body: Json) -> tuple[int, Any]:
        """POST /webhooks/{app_id}/{token}: a follow-up (the first after a defer fills the deferred message)."""
        record = self._record_for_token(token)
        body = body or {}
        validate_message_body(body)
        original = record.original
        if record.callback_type == 5 and original is not None and original.loading:
            apply_edit(original, {k: v for k, v in body.items() if k != "flags"})
            record.edited = True
            record.followups.append(original)
            if not original.ephemeral:
                await self.fake.dispatch("MESSAGE_UPDATE", original.payload())
            record.touch()
            return 200, original.payload()
        message = new_message(
            record.channel, self.fake.bot_user, body, interaction=record, webhook_id=self.fake.application_id
        )
        self._store(record, message)
        record.followups.append(message)
        if not message.ephemeral:
            await self.fake.dispatch("MESSAGE_CREATE", message.payload())
        record.touch()
        return 200, message.payload()

    def webhook_message(self, token: str, message_id: str) -> Message:
        """The @original or a follow-up message of an interaction."""
        record = self._record_for_token(token)
        if message_id == "@original":
            if record.original is None or record.original.deleted:
                raise api_error(404, 10008, "Unknown Message")
            return record.original
        for message in [record.original, *record.followups]:
            if message is not None and str(message.id) == message_id and not message.deleted:
                return message
        raise api_error(404, 10008, "Unknown Message")

    async def edit_webhook_message(self, token: str, message_id: str, body: Json) -> tuple[int, Any]:
        """PATCH @original or a follow-up."""
        record = self._record_for_token(token)
        message = self.webhook_message(token, message_id)
        apply_edit(message, body or {})
        if message is record.original:
            record.edited = True
        if not message.ephemeral:
            await self.fake.dispatch("MESSAGE_UPDATE", message.payload())
        record.touch()
        return 200, message.payload()

    async def delete_webhook_message(self, token: str, message_id: str) -> None:
        """DELETE @original or a follow-up."""
        record = self._record_for_token(token)
        message = self.webhook_message(token, message_id)
        self.fake.record_deletion(message, self.fake.bot_user)
        if message is record.original:
            record.edited = True
        if not message.ephemeral:
            data: Json = {"id": str(message.id), "channel_id": str(message.channel.id)}
            if message.channel.guild is not None:
                data["guild_id"] = str(message.channel.guild.id)
            await self.fake.dispatch("MESSAGE_DELETE", data)
        record.touch()

    # ----- checks & timing ------------------------------------------------------------------------------------------

    def unanswered(self) -> list[str]:
        """Problems: interactions never answered, answered too late, or deferred and never completed."""
        problems: list[str] = []
        for record in self.records:
            who = f"{record.command_name!r} by {record.member.name} (interaction {record.id})"
            if record.late:
                if self.fake.faults.fail_on_late_callback:
                    problems.append(f"interaction {who} was answered {record.late_by:.2f}s after dispatch (too late)")
            elif record.callback_type is None:
                problems.append(f"interaction {who} never got a callback")
            elif record.callback_type == 5 and not record.complete:
                problems.append(f"interaction {who} was deferred but never completed")
        return problems

    def latencies(self) -> list[float]:
        """Dispatch-to-first-callback latency of every answered interaction, in seconds."""
        return [r.latency for r in self.records if r.latency is not None]
