"""Guard modes and per-mode alert policy."""

from __future__ import annotations

import pytest

from earshot_engine.guard.policy import (
    DETECTIONS,
    GuardMode,
    GuardPolicy,
    mode_for_alarm_panel,
    mode_for_occupancy,
)


def test_defaults_home_alerts_only_hazards_away_also_intrusion() -> None:
    policy = GuardPolicy()
    assert policy.alerts_on(GuardMode.HOME, "smoke_alarm")
    assert policy.alerts_on(GuardMode.HOME, "co_alarm")
    assert not policy.alerts_on(GuardMode.HOME, "glass_break")
    for name in ("smoke_alarm", "glass_break", "footsteps", "door", "dog_bark", "presence"):
        assert policy.alerts_on(GuardMode.AWAY, name), name
    assert not policy.alerts_on(GuardMode.AWAY, "water_running")


def test_off_never_alerts_or_records() -> None:
    policy = GuardPolicy.from_lists({GuardMode.OFF: list(DETECTIONS)})
    assert not any(policy.alerts_on(GuardMode.OFF, name) for name in DETECTIONS)
    assert not policy.records(GuardMode.OFF)
    assert policy.records(GuardMode.AWAY)


def test_from_lists_overrides_and_drops_unknown_names() -> None:
    policy = GuardPolicy.from_lists(
        {GuardMode.HOME: ["glass_break", "not_a_sound"], GuardMode.AWAY: None}
    )
    assert policy.alerts[GuardMode.HOME] == frozenset({"glass_break"})
    assert policy.alerts_on(GuardMode.AWAY, "presence")  # None keeps the default
    empty = GuardPolicy.from_lists({GuardMode.NIGHT: []})
    assert not empty.records(GuardMode.NIGHT)


@pytest.mark.parametrize(
    ("state", "mode"),
    [
        ("armed_away", GuardMode.AWAY),
        ("armed_vacation", GuardMode.AWAY),
        ("armed_home", GuardMode.HOME),
        ("armed_night", GuardMode.NIGHT),
        ("disarmed", GuardMode.OFF),
        ("arming", None),
        ("pending", None),
        ("unavailable", None),
    ],
)
def test_alarm_panel_states(state: str, mode: GuardMode | None) -> None:
    assert mode_for_alarm_panel(state) is mode


def test_occupancy() -> None:
    assert mode_for_occupancy(anyone_home=False) is GuardMode.AWAY
    assert mode_for_occupancy(anyone_home=True) is GuardMode.HOME


def test_vocabulary_has_eleven_sounds_and_presence() -> None:
    assert len(DETECTIONS) == 12
    assert DETECTIONS[-1] == "presence"
