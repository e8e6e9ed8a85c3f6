"""The tracker asks the verifier only about new motion, and a rejection reports nothing."""

from __future__ import annotations

import pytest

from earshot_engine.presence import tracker
from earshot_engine.presence.config import PresenceConfig
from earshot_engine.presence.results import MotionDetected
from earshot_engine.presence.tracker import OccupancyTracker, OperatingPoint

VERIFIED = OperatingPoint(0.9, 0.9, 2, 8, verify_major=0.5, verify_minor=0.5)
UNVERIFIED_MAJOR = OperatingPoint(0.9, 0.9, 2, 8, verify_major=0.0, verify_minor=0.5)


@pytest.fixture(autouse=True)
def _medium_is(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Medium sensitivity runs at the test's operating point (strict and alert)."""
    point = getattr(request, "param", VERIFIED)
    for alert in (False, True):
        monkeypatch.setitem(tracker.OPERATING_POINTS, ("medium", alert), point)


def _run(verdict: float, frames: int) -> tuple[list[MotionDetected], int]:
    occupancy = OccupancyTracker(PresenceConfig(sensitivity="medium"))
    asked = 0

    def verify() -> float:
        nonlocal asked
        asked += 1
        return verdict

    events = []
    for k in range(frames):
        events += occupancy.update(0.05 * k, 1.0, 0.0, verify)
    return [e for e in events if isinstance(e, MotionDetected)], asked


def test_a_confirmed_proposal_is_reported_once_and_the_episode_needs_no_more_checks() -> None:
    motion, asked = _run(1.0, 40)
    assert [m.level for m in motion] == ["major"]
    assert motion[0].time_s == 0.05 * (VERIFIED.major_frames - 1)
    assert asked == 1


def test_a_rejected_proposal_reports_nothing_and_is_asked_again() -> None:
    motion, asked = _run(0.0, 40)
    assert motion == []
    assert asked == 40 - VERIFIED.major_frames + 1


@pytest.mark.parametrize("_medium_is", [UNVERIFIED_MAJOR], indirect=True)
def test_a_point_that_needs_no_confirmation_never_asks() -> None:
    motion, asked = _run(0.0, 40)
    assert [m.level for m in motion] == ["major"]
    assert asked == 0


def test_without_a_verifier_the_classifier_alone_decides() -> None:
    occupancy = OccupancyTracker(PresenceConfig(sensitivity="medium"))
    events = []
    for k in range(10):
        events += occupancy.update(0.05 * k, 1.0, 0.0)
    assert [e.level for e in events if isinstance(e, MotionDetected)] == ["major"]
