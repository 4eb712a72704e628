"""The floor card's buttons and the meeting's forms; state lives in custom ids, so all survive a restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.domain.meeting import MAX_ACTIONS, Mode, Phase
from bot.domain.meeting.rounds import may_press
from bot.i18n import Text, msg, render, t
from bot.services.meetings import CommitDraft, MeetingView, turn_mark
from cogs.groups._views import guarded, single_item_view

if TYPE_CHECKING:
    from bot.app import Setkeeper

COMMIT_FORM = re.compile(r"setkeeper:commit:(?P<meeting>[0-9]{1,12})(?::(?P<round>[0-9]{1,3}))?")
REHEARSAL_FORM = re.compile(r"setkeeper:rehearse:(?P<meeting>[0-9]{1,12})")
LABELS: dict[str, tuple[Text, discord.ButtonStyle]] = {
    "here": (msg("Here"), discord.ButtonStyle.success),
    "done": (msg("Done"), discord.ButtonStyle.primary),
    "pass": (msg("Pass"), discord.ButtonStyle.secondary),
    "hand": (msg("Raise hand"), discord.ButtonStyle.secondary),
    "commit": (msg("Record my actions"), discord.ButtonStyle.success),
    "input": (msg("Give my input"), discord.ButtonStyle.primary),
    "next": (msg("Next"), discord.ButtonStyle.secondary),
    "pause": (msg("Pause"), discord.ButtonStyle.secondary),
    "resume": (msg("Resume"), discord.ButtonStyle.success),
    "report": (msg("My actions"), discord.ButtonStyle.secondary),
    "end": (msg("End meeting"), discord.ButtonStyle.danger),
    "endnow": (msg("Yes, end the meeting for everyone"), discord.ButtonStyle.danger),
}
"""Each button's label (drawn in the language of whoever reads the card) and style."""
FACILITATOR_ACTIONS = frozenset({"next", "pause", "resume", "end"})
"""The facilitator's buttons: a row of their own under the members', headed "Facilitator:"."""
MEMBERS_ROW, FACILITATOR_ROW = 0, 1


class FloorButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=(
        r"setkeeper:meet:(?P<meeting>[0-9]{1,12}):(?P<action>here|done|pass|hand|commit|input|next|pause|resume|report|end|endnow)"
        r"(?::(?P<mark>[0-9a-f]{8}))?"
    ),
):
    """A button on the floor card; Next carries the mark of the turn it was drawn in."""

    def __init__(self, meeting_id: int, action: str, mark: str | None = None) -> None:
        label, style = LABELS[action]
        custom_id = f"setkeeper:meet:{meeting_id}:{action}" + (f":{mark}" if mark else "")
        row = FACILITATOR_ROW if action in FACILITATOR_ACTIONS else MEMBERS_ROW
        super().__init__(discord.ui.Button(label=render(label), style=style, custom_id=custom_id), row=row)
        self.meeting_id, self.action, self.mark = meeting_id, action, mark

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FloorButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["meeting"]), match["action"], match["mark"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the press to the cog."""
        from cogs.meetings._cog import Meetings  # the cog imports this module: looked up when pressed

        cog = cast("Setkeeper", interaction.client).get_cog(Meetings.__cog_name__)
        await guarded(
            interaction,
            lambda: cog.pressed(interaction, self.meeting_id, self.action, self.mark),  # type: ignore[union-attr]
        )


def card_buttons(view: MeetingView) -> discord.ui.View:
    """The buttons the card carries in its current phase."""
    state = view.state
    actions: list[str]
    if state.paused or state.break_until is not None:
        actions = ["resume"]
    elif state.phase is Phase.OPENING:
        actions = ["here", "next"]
    elif state.phase is Phase.VOTE:
        actions = ["here"]
    elif state.phase is Phase.COMMIT:
        actions = ["commit", "next", "pause"]
    elif state.phase is Phase.INPUT and state.round is not None and state.round.mode is Mode.DRESS_REHEARSAL:
        actions = ["input", "pass", "next", "pause"]
    else:
        actions = ["done", "pass", "hand", "next", "pause"]
        if state.phase not in (Phase.CATCH_UP, Phase.FACILITATOR):
            actions.remove("hand")
        if state.phase is Phase.CATCH_UP:
            actions.append("report")  # each member reports on last time's actions from here, in a click or two
    if state.phase not in (Phase.OPENING, Phase.VOTE) or state.paused or state.break_until is not None:
        actions.insert(0, "here")  # a late joiner can still arrive (during a pause or a break too)
    if not view.can_arrive:
        actions.remove("here")  # everyone is here
    actions.append("end")
    mark = turn_mark(state)
    members = [FloorButton(view.id, action) for action in actions if action not in FACILITATOR_ACTIONS]
    facilitator = [
        FloorButton(view.id, action, mark if action == "next" else None)
        for action in actions
        if action in FACILITATOR_ACTIONS
    ]
    return single_item_view(*members, facilitator_heading(view.id), *facilitator)


def facilitator_heading(meeting_id: int) -> discord.ui.Button[Any]:
    """A greyed-out "Facilitator:" that cannot be pressed, heading the row of the facilitator's buttons."""
    return discord.ui.Button(
        label=t("Facilitator:"),
        style=discord.ButtonStyle.secondary,
        disabled=True,
        custom_id=f"setkeeper:meet:{meeting_id}:heading",
        row=FACILITATOR_ROW,
    )


def end_confirmation(meeting_id: int) -> discord.ui.View:
    """The facilitator's second step before the meeting ends: a button of its own, in a reply only they see."""
    return single_item_view(FloorButton(meeting_id, "endnow"))


def own_buttons(view: MeetingView, user_id: int) -> discord.ui.View | None:
    """The card's buttons that `user_id` may press now, for `/meeting status`; None when there are none.

    A holder whose round has ended in this meeting also gets Record my actions, to change what they recorded.
    """
    allowed = may_press(view.state, user_id) if view.open else frozenset[str]()
    items = [item for item in card_buttons(view).children if isinstance(item, FloorButton) and item.action in allowed]
    if "commit" in allowed and not any(item.action == "commit" for item in items):
        items.append(FloorButton(view.id, "commit"))
    return single_item_view(*items) if items else None


def commit_form(meeting_id: int, draft: CommitDraft | None = None) -> discord.ui.Modal:
    """The holder's form: up to three actions and what they learnt, for the draft's round (with what it recorded)."""
    texts, learnt = (draft.actions, draft.learnt) if draft is not None else ([], "")
    changing = draft is not None and draft.changing
    title = t("Change your learning and actions") if changing else t("Your learning and actions")
    custom_id = f"setkeeper:commit:{meeting_id}" + (f":{draft.round_index}" if draft is not None else "")
    if draft is not None and draft.final:
        hint = t("Sending ends the meeting, so these are final: check them first")
    else:
        hint = t("Something you will do before the next meeting; you can change it until the meeting ends")
    form = discord.ui.Modal(title=title, custom_id=custom_id, timeout=None)
    for number in range(1, MAX_ACTIONS + 1):
        form.add_item(
            discord.ui.Label(
                text=t("Action {number}", number=number),
                description=hint if number == 1 else None,
                component=discord.ui.TextInput(
                    custom_id=f"action:{number}",
                    required=number == 1,
                    max_length=300,
                    default=texts[number - 1] if number <= len(texts) else None,
                ),
            )
        )
    form.add_item(
        discord.ui.Label(
            text=t("What you learnt"),
            component=discord.ui.TextInput(
                custom_id="learnt",
                style=discord.TextStyle.paragraph,
                required=False,
                max_length=1000,
                default=learnt or None,
            ),
        )
    )
    return form


def rehearsal_form(meeting_id: int) -> discord.ui.Modal:
    """A peer's Dress Rehearsal input: one constructive criticism and three positive statements, all required."""
    form = discord.ui.Modal(
        title=t("Your Dress Rehearsal input"), custom_id=f"setkeeper:rehearse:{meeting_id}", timeout=None
    )
    form.add_item(
        discord.ui.Label(
            text=t("One constructive criticism"),
            component=discord.ui.TextInput(custom_id="criticism", style=discord.TextStyle.paragraph, max_length=500),
        )
    )
    for number in range(1, 4):
        form.add_item(
            discord.ui.Label(
                text=t("Positive statement {number}", number=number),
                component=discord.ui.TextInput(custom_id=f"positive:{number}", max_length=300),
            )
        )
    return form
