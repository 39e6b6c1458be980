"""Elephas' `elephas.enums`: `modes.Mode` and `frequency.Frequency`, string enums that compare
equal to the plain names tusk takes everywhere (`Mode.SYNCHRONOUS == "synchronous"`)."""
from tusk.enums.frequency import Frequency
from tusk.enums.modes import Mode

__all__ = ["Frequency", "Mode", "value"]


def value(member):
    """The plain string of an enum member (or the string itself)."""
    return member.value if isinstance(member, (Mode, Frequency)) else member
