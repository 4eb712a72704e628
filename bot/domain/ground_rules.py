"""The four ground rules every member commits to before taking part."""

from __future__ import annotations

from typing import Final

GROUND_RULES: Final[tuple[tuple[str, str], ...]] = (
    ("Commitment", "Prepare, turn up, and take part fully in every meeting."),
    (
        "Balancing roles",
        "Each of us is both a mentor and a mentee: we give help and we ask for it.",
    ),
    ("Being vulnerable", "Bring real struggles, not polished ones; that is where the learning is."),
    (
        "Confidentiality",
        "What is said in this group stays in this group. Do not repeat or share it elsewhere.",
    ),
)
