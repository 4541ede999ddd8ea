"""The vocabulary of a person's privacy: consent purposes, erasure and its placeholder.

Personal fields are ``PersonalData`` values (``domain.values``); storage encrypts each with a
key of its data subject. Erasing a person destroys that key, so their old events still load,
with every personal field reading ``ERASED``.
"""

from __future__ import annotations

from enum import StrEnum

from domain.errors import InvariantViolation

ERASED = "[erased]"
"""What a personal field reads once its subject has been erased."""


class Purpose(StrEnum):
    """What a person's data is used for, each with its own consent.

    Enrolment records the person's agreement to the programme (the PIN's enrolment form
    covers all three); any of them can be withdrawn later, and given again.
    """

    PARTICIPATION = "programme_participation"
    SHARING = "cross_network_sharing"
    FOLLOW_UP = "follow_up_contact"


class PersonErased(InvariantViolation):
    """Nothing more can be recorded about an erased person."""

    def __init__(self, what: str = "The person") -> None:
        super().__init__(
            f"{what} was erased; nothing more can be recorded about them. "
            "Someone who returns is enrolled again, as a new person."
        )


class ConsentWithdrawn(InvariantViolation):
    """The person withdrew the consent this command needs."""

    def __init__(self, what: str, purpose: Purpose) -> None:
        super().__init__(f"{what} withdrew consent to {purpose.value.replace('_', ' ')}.")
