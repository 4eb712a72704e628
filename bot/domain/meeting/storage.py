"""A meeting's state as stored: to JSON and back, with a version number."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.meeting.state import MeetingState, Mode, Phase, RoundState

JSON_VERSION = 1


def to_json(state: MeetingState) -> dict[str, Any]:
    """The state as JSON-ready values, with a version number; `from_json` gives back an equal state."""
    return {
        "version": JSON_VERSION,
        "facilitator_id": state.facilitator_id,
        "phase": state.phase.value,
        "present": list(state.present),
        "rotation": state.rotation,
        "voted_before": state.voted_before,
        "rounds": [
            {
                "holder_id": item.holder_id,
                "bid_id": item.bid_id,
                "mode": item.mode.value,
                "actions": item.actions,
                "inputs": list(item.inputs),
                "passes": list(item.passes),
                "clarify_passes": list(item.clarify_passes),
                "ran": item.ran,
                "cut_short": item.cut_short,
            }
            for item in state.rounds
        ],
        "round_index": state.round_index,
        "queue": list(state.queue),
        "by_hand": state.by_hand,
        "hands": list(state.hands),
        "had_turn": list(state.had_turn),
        "paused": state.paused,
        "break_until": _time_to_json(state.break_until),
        "turn_ends_at": _time_to_json(state.turn_ends_at),
        "time_left_us": None if state.time_left is None else state.time_left // timedelta(microseconds=1),
        "warned": state.warned,
        "overtime": state.overtime,
        "next_mode": None if state.next_mode is None else state.next_mode.value,
        "turn_number": state.turn_number,
    }


def from_json(data: dict[str, Any]) -> MeetingState:
    """The state stored by `to_json`."""
    if data.get("version") != JSON_VERSION:
        raise ValueError(f"unknown meeting state version {data.get('version')!r}")
    return MeetingState(
        facilitator_id=int(data["facilitator_id"]),
        phase=Phase(data["phase"]),
        present=_ids(data["present"]),
        rotation=int(data["rotation"]),
        voted_before=bool(data["voted_before"]),
        rounds=tuple(
            RoundState(
                holder_id=int(item["holder_id"]),
                bid_id=None if item["bid_id"] is None else int(item["bid_id"]),
                mode=Mode(item["mode"]),
                actions=int(item["actions"]),
                inputs=_ids(item["inputs"]),
                passes=_ids(item["passes"]),
                clarify_passes=_ids(item["clarify_passes"]),
                ran=bool(item.get("ran", False)),
                cut_short=bool(item.get("cut_short", False)),
            )
            for item in data["rounds"]
        ),
        round_index=int(data["round_index"]),
        queue=_ids(data["queue"]),
        by_hand=bool(data["by_hand"]),
        hands=_ids(data["hands"]),
        had_turn=_ids(data["had_turn"]),
        paused=bool(data["paused"]),
        break_until=_time_from_json(data["break_until"]),
        turn_ends_at=_time_from_json(data["turn_ends_at"]),
        time_left=None if data["time_left_us"] is None else timedelta(microseconds=int(data["time_left_us"])),
        warned=bool(data["warned"]),
        overtime=bool(data["overtime"]),
        next_mode=None if data["next_mode"] is None else Mode(data["next_mode"]),
        turn_number=int(data.get("turn_number", 0)),  # not stored before turns were counted
    )


def _ids(values: Sequence[Any]) -> tuple[int, ...]:
    return tuple(int(value) for value in values)


def _time_to_json(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _time_from_json(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)
