"""The public sound vocabulary: event types, CLI output and option values.

These names are a contract with Home Assistant users (automations match on them),
so they never change; a new sound is appended at the end.
"""

from __future__ import annotations

from typing import Final, Literal, TypeVar, get_args

SoundType = Literal[
    "smoke_alarm",
    "co_alarm",
    "glass_break",
    "dog_bark",
    "baby_cry",
    "knock",
    "doorbell",
    "footsteps",
    "door",
    "water_running",
    "appliance_beep",
]
SOUND_TYPES: Final[tuple[SoundType, ...]] = get_args(SoundType)

HazardType = Literal["smoke_alarm", "co_alarm"]
HAZARD_TYPES: Final[tuple[HazardType, ...]] = get_args(HazardType)

Sensitivity = Literal["low", "medium", "high"]
SENSITIVITIES: Final[tuple[Sensitivity, ...]] = get_args(Sensitivity)


_Name = TypeVar("_Name", bound=str)


def parse_name(name: str, names: tuple[_Name, ...], what: str) -> _Name:
    """Return ``name`` as one of ``names``, or raise ValueError listing the valid names."""
    for known in names:
        if known == name:
            return known
    raise ValueError(f"unknown {what} {name!r}; expected one of {', '.join(names)}")


def parse_sound_type(name: str) -> SoundType:
    """Return ``name`` as a sound type, or raise ValueError listing the valid names."""
    return parse_name(name, SOUND_TYPES, "sound")


def parse_sensitivity(name: str) -> Sensitivity:
    """Return ``name`` as a sensitivity, or raise ValueError listing the valid names."""
    return parse_name(name, SENSITIVITIES, "sensitivity")
