"""What members read about the method: the names of the modes and what each mode and phase asks of them."""

from __future__ import annotations

from bot.domain.meeting.state import MAX_ACTIONS, Mode, Phase

MODE_NAMES: dict[Mode, str] = {
    Mode.SUPPORTIVE: "Supportive",
    Mode.QUESTIONING: "Questioning",
    Mode.CHALLENGE: "Challenge",
    Mode.DEVILS_ADVOCATE: "Devil's Advocate",
    Mode.GOOD_NEWS: "Good News",
    Mode.STRESS_BUSTERS: "Stress Busters",
    Mode.DRESS_REHEARSAL: "Dress Rehearsal",
}

MODE_PROMPTS: dict[Mode, str] = {
    Mode.SUPPORTIVE: "Offer positive thoughts and ideas: what you would do, or did, in a similar situation.",
    Mode.QUESTIONING: "Ask questions only: help the issue holder see the issue clearly and think towards actions.",
    Mode.CHALLENGE: "Ask challenging questions that take the issue holder to the heart of the issue.",
    Mode.DEVILS_ADVOCATE: "Name your concerns, doubts and niggles about the issue.",
    Mode.GOOD_NEWS: "Celebrate the success, and ask what made it work.",
    Mode.STRESS_BUSTERS: "Give support, feedback and ideas that ease the pressure.",
    Mode.DRESS_REHEARSAL: (
        "The issue holder rehearses a real situation: give one constructive criticism and three positives."
    ),
}

PHASE_PROMPTS: dict[Phase, str] = {
    Phase.OPENING: "Ground rules, then attendance: press Here.",
    Phase.CATCH_UP: "Each in turn, briefly: what you did about your actions, how it went, what you learnt.",
    Phase.VOTE: "Vote on the bids: the winners get the rounds.",
    Phase.PRESENT: "The issue holder explains the issue, succinctly. Everyone else listens.",
    Phase.CLARIFY: "Clarifying questions only, one or two each, in turn.",
    Phase.INPUT: "Each in turn gives their input in the round's mode, or passes. No discussion, no cross-talk.",
    Phase.FACILITATOR: "The facilitator may add thoughts last; raise your hand to add something short.",
    Phase.COMMIT: f"The issue holder says what they learnt and commits to up to {MAX_ACTIONS} actions.",
    Phase.CLOSED: "The meeting has ended.",
}
