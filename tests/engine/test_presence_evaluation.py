"""The presence evaluation: scenes as deployed, walk scenes scored on the room's first entry."""

from __future__ import annotations

import dataclasses

import pytest

from earshot_engine.presence.calibration import CalibrationPlan
from earshot_engine.simulation.scene import Room, Scene, Walk
from models.presence.data import as_deployed, make_job
from models.presence.evaluate import _onsets


def _walk(start_s: float) -> Walk:
    """In through the left wall, to the middle of the room, and out again at 1 m/s."""
    return Walk.at_speed(
        start_s=start_s, waypoints=((-0.6, 2.0), (0.5, 2.0), (2.5, 2.0), (-0.6, 2.0)), speed_m_s=1.0
    )


def _scene(*walks: Walk) -> Scene:
    return Scene(name="walks", duration_s=30.0, room=Room(), actions=walks)


def test_the_first_walker_to_enter_sets_the_onset_and_the_last_to_leave_clears() -> None:
    late, early = _walk(12.0), _walk(2.0)
    early_onset, _ = _onsets(_scene(early), seed=1)
    _, late_clear = _onsets(_scene(late), seed=1)
    # the later walker is listed first (scenes list actions in any order)
    onset, clear = _onsets(_scene(late, early), seed=1)
    assert early_onset is not None
    assert 2.0 < early_onset < 4.0
    assert onset == pytest.approx(early_onset, abs=0.1)
    assert clear == pytest.approx(late_clear, abs=0.1)


def test_scenes_play_what_calibration_picks_in_their_room() -> None:
    job = make_job("test", 3, kind="walk")
    deployed = as_deployed(job)
    plan = CalibrationPlan()
    assert deployed.carrier_hz in plan.candidates_hz
    assert plan.min_level_dbfs <= deployed.level_dbfs <= plan.max_level_dbfs
    unchanged = dataclasses.replace(deployed, carrier_hz=job.carrier_hz, level_dbfs=job.level_dbfs)
    assert unchanged == job  # the same scene, only the carrier and level differ
