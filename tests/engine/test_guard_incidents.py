"""Grouping detections into incidents."""

from __future__ import annotations

import itertools

import pytest

from earshot_engine.guard.incidents import (
    Detection,
    IncidentTracker,
    group_for,
)


def _tracker(cooldown_s: float = 30.0) -> IncidentTracker:
    counter = itertools.count(1)
    return IncidentTracker(cooldown_s, new_id=lambda: f"inc{next(counter)}")


def _det(
    kind: str, start_s: float, confidence: float = 0.8, level: float | None = -20.0
) -> Detection:
    return Detection(kind, start_s, start_s + 1.0, confidence, level)


def test_continuing_smoke_alarm_is_one_updated_incident() -> None:
    tracker = _tracker()
    updates = [tracker.observe(_det("smoke_alarm", float(t))) for t in range(0, 60, 4)]
    assert updates[0].created
    assert not any(u.created for u in updates[1:])
    final = updates[-1].incident
    assert final.incident_id == "inc1"
    assert final.detections == len(updates)
    assert final.first_s == 0.0
    assert final.last_s == 57.0


def test_cooldown_expiry_opens_a_new_incident() -> None:
    tracker = _tracker(cooldown_s=10.0)
    first = tracker.observe(_det("glass_break", 0.0))
    again = tracker.observe(_det("glass_break", 11.0))  # 10 s after the first ended
    later = tracker.observe(_det("glass_break", 30.0))
    assert first.created
    assert not again.created
    assert later.created
    assert later.incident.incident_id == "inc2"


def test_presence_and_footsteps_are_one_intrusion() -> None:
    tracker = _tracker()
    a = tracker.observe(_det("presence", 0.0, confidence=0.6, level=None))
    b = tracker.observe(_det("footsteps", 2.0, confidence=0.9))
    c = tracker.observe(_det("footsteps", 3.0))
    assert a.created
    assert not b.created
    assert not c.created
    assert b.new_kinds == ("footsteps",)
    assert c.new_kinds == ()
    incident = c.incident
    assert incident.group == "intrusion"
    assert incident.kinds == ("presence", "footsteps")
    assert incident.confidence == 0.9
    assert incident.level_dbfs == -20.0


def test_hazards_do_not_merge_with_intrusion_and_take_priority() -> None:
    tracker = _tracker()
    tracker.observe(_det("glass_break", 0.0))
    smoke = tracker.observe(_det("smoke_alarm", 1.0))
    assert smoke.created
    assert smoke.incident.primary == "smoke_alarm"
    assert {i.group for i in tracker.open_incidents} == {"intrusion", "smoke_alarm"}
    assert group_for("doorbell") == "doorbell"


def test_event_confirmed_late_with_an_earlier_start_continues() -> None:
    tracker = _tracker()
    tracker.observe(_det("smoke_alarm", 9.6))  # the alarm's state, reported first
    late = tracker.observe(_det("smoke_alarm", 2.0))  # its event, which began at 2 s
    assert not late.created
    assert late.incident.first_s == 2.0
    assert late.incident.last_s == 10.6


def test_close_all_forgets_open_incidents() -> None:
    tracker = _tracker()
    tracker.observe(_det("door", 0.0))
    tracker.close_all()
    assert tracker.open_incidents == ()
    assert tracker.observe(_det("door", 1.0)).created


def test_negative_cooldown_rejected() -> None:
    with pytest.raises(ValueError, match="cooldown"):
        IncidentTracker(-1.0)
