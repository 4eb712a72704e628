"""What members read about the method: the names of the modes and what each mode and phase asks of them."""

from __future__ import annotations

from bot.domain.meeting.state import MAX_ACTIONS, Mode, Phase
from bot.domain.text import Text, msg, msgn

MODE_NAMES: dict[Mode, Text] = {
    Mode.SUPPORTIVE: msg("Supportive"),
    Mode.QUESTIONING: msg("Questioning"),
    Mode.CHALLENGE: msg("Challenge"),
    Mode.DEVILS_ADVOCATE: msg("Devil's Advocate"),
    Mode.GOOD_NEWS: msg("Good News"),
    Mode.STRESS_BUSTERS: msg("Stress Busters"),
    Mode.DRESS_REHEARSAL: msg("Dress Rehearsal"),
}

MODE_PROMPTS: dict[Mode, Text] = {
    Mode.SUPPORTIVE: msg("Offer positive thoughts and ideas: what you would do, or did, in a similar situation."),
    Mode.QUESTIONING: msg("Ask questions only: help the issue holder see the issue clearly and think towards actions."),
    Mode.CHALLENGE: msg("Ask challenging questions that take the issue holder to the heart of the issue."),
    Mode.DEVILS_ADVOCATE: msg("Name your concerns, doubts and niggles about the issue."),
    Mode.GOOD_NEWS: msg("Celebrate the success, and ask what made it work."),
    Mode.STRESS_BUSTERS: msg("Give support, feedback and ideas that ease the pressure."),
    Mode.DRESS_REHEARSAL: msg(
        "The issue holder rehearses a real situation: give one constructive criticism and three positives."
    ),
}

PHASE_PROMPTS: dict[Phase, Text] = {
    Phase.OPENING: msg("Ground rules, then attendance: press Here."),
    Phase.CATCH_UP: msg("Each in turn, briefly: what you did about your actions, how it went, what you learnt."),
    Phase.VOTE: msg("Vote on the bids: the winners get the rounds."),
    Phase.PRESENT: msg("The issue holder explains the issue, succinctly. Everyone else listens."),
    Phase.CLARIFY: msg("Clarifying questions only, one or two each, in turn."),
    Phase.INPUT: msg("Each in turn gives their input in the round's mode, or passes. No discussion, no cross-talk."),
    Phase.FACILITATOR: msg("The facilitator may add thoughts last; raise your hand to add something short."),
    Phase.COMMIT: msgn(
        "The issue holder says what they learnt and commits to up to {n} action.",
        "The issue holder says what they learnt and commits to up to {n} actions.",
        MAX_ACTIONS,
    ),
    Phase.CLOSED: msg("The meeting has ended."),
}
