"""Guard modes and which detections alert in each of them.

The policy is pure data so the options flow, the guard manager and the tests all
read one definition of "what matters when": at home only life-safety alarms, away
also everything that hints at an intruder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from ..sounds.vocabulary import HAZARD_TYPES, SOUND_TYPES


class GuardMode(StrEnum):
    """How watchful the guard is; ``off`` records and alerts nothing."""

    OFF = "off"
    HOME = "home"
    NIGHT = "night"
    AWAY = "away"


SOUND_DETECTIONS: tuple[str, ...] = SOUND_TYPES
PRESENCE = "presence"
"""Someone walking in the room (major motion), from the ultrasonic presence detector."""
DETECTIONS: tuple[str, ...] = (*SOUND_DETECTIONS, PRESENCE)

HAZARDS: frozenset[str] = frozenset(HAZARD_TYPES)
INTRUSION_SIGNS = frozenset({"glass_break", "footsteps", "door", "knock", "dog_bark", PRESENCE})
"""Detections that, in an empty home, all point at the same intruder: one incident."""

DEFAULT_ALERTS: Mapping[GuardMode, frozenset[str]] = {
    GuardMode.OFF: frozenset(),
    GuardMode.HOME: HAZARDS,
    GuardMode.NIGHT: HAZARDS | {"glass_break"},
    GuardMode.AWAY: HAZARDS | {"glass_break", "footsteps", "door", "dog_bark", PRESENCE},
}


def _default_alerts() -> dict[GuardMode, frozenset[str]]:
    return dict(DEFAULT_ALERTS)


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    """Which detections raise an alert in each mode."""

    alerts: Mapping[GuardMode, frozenset[str]] = field(default_factory=_default_alerts)

    @classmethod
    def from_lists(cls, lists: Mapping[GuardMode, Iterable[str] | None]) -> GuardPolicy:
        """Build from option lists; a missing list keeps the mode's default, unknown names drop."""
        alerts = _default_alerts()
        for mode, names in lists.items():
            if mode is not GuardMode.OFF and names is not None:
                alerts[mode] = frozenset(n for n in names if n in DETECTIONS)
        return cls(alerts)

    def alerts_on(self, mode: GuardMode, detection: str) -> bool:
        """Whether ``detection`` raises an alert (and so is recorded) in ``mode``."""
        return mode is not GuardMode.OFF and detection in self.alerts.get(mode, frozenset())

    def records(self, mode: GuardMode) -> bool:
        """Whether anything at all may be recorded in ``mode``."""
        return mode is not GuardMode.OFF and bool(self.alerts.get(mode))


ALARM_PANEL_MODES: Mapping[str, GuardMode] = {
    "armed_away": GuardMode.AWAY,
    "armed_vacation": GuardMode.AWAY,
    "armed_home": GuardMode.HOME,
    "armed_night": GuardMode.NIGHT,
    "armed_custom_bypass": GuardMode.HOME,
    "disarmed": GuardMode.OFF,
}
"""Alarm panel state -> guard mode; transitional states (arming, pending) keep the mode."""


def mode_for_alarm_panel(state: str) -> GuardMode | None:
    """The guard mode an alarm panel state asks for, or None to keep the current one."""
    return ALARM_PANEL_MODES.get(state)


def mode_for_occupancy(anyone_home: bool) -> GuardMode:
    """Away when everyone has left, otherwise home (life-safety alarms still alert)."""
    return GuardMode.HOME if anyone_home else GuardMode.AWAY
