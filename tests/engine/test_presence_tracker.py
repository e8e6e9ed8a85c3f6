"""The tracker asks the verifier only about new motion, and a rejection reports nothing."""

from __future__ import annotations

from earshot_engine.presence.config import PresenceConfig
from earshot_engine.presence.results import MotionDetected
from earshot_engine.presence.tracker import OPERATING_POINTS, OccupancyTracker

STRICT = OPERATING_POINTS[("medium", False)]


def _run(verdict: float, frames: int) -> tuple[list[MotionDetected], int]:
    tracker = OccupancyTracker(PresenceConfig())
    asked = 0

    def verify() -> float:
        nonlocal asked
        asked += 1
        return verdict

    events = []
    for k in range(frames):
        events += tracker.update(0.05 * k, 1.0, 0.0, verify)
    return [e for e in events if isinstance(e, MotionDetected)], asked


def test_a_confirmed_proposal_is_reported_once_and_the_episode_needs_no_more_checks() -> None:
    motion, asked = _run(1.0, 40)
    assert [m.level for m in motion] == ["major"]
    assert motion[0].time_s == 0.05 * (STRICT.major_frames - 1)
    assert asked == 1


def test_a_rejected_proposal_reports_nothing_and_is_asked_again() -> None:
    motion, asked = _run(0.0, 40)
    assert motion == []
    assert asked == 40 - STRICT.major_frames + 1


def test_without_a_verifier_the_classifier_alone_decides() -> None:
    tracker = OccupancyTracker(PresenceConfig())
    events = []
    for k in range(10):
        events += tracker.update(0.05 * k, 1.0, 0.0)
    assert [e.level for e in events if isinstance(e, MotionDetected)] == ["major"]
