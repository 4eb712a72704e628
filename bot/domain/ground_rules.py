"""The four ground rules every member commits to before taking part."""

from __future__ import annotations

from typing import Final

from bot.domain.text import Text, msg

GROUND_RULES: Final[tuple[tuple[Text, Text], ...]] = (
    (msg("Commitment"), msg("Prepare, turn up, and take part fully in every meeting.")),
    (
        msg("Balancing roles"),
        msg("Each of us is both a mentor and a mentee: we give help and we ask for it."),
    ),
    (msg("Being vulnerable"), msg("Bring real struggles, not polished ones; that is where the learning is.")),
    (
        msg("Confidentiality"),
        msg("What is said in this group stays in this group. Do not repeat or share it elsewhere."),
    ),
)
