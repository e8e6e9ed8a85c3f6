"""Adapting detector results to guard detections."""

from __future__ import annotations

import numpy as np

from earshot_engine.guard.detections import detection_from_result
from earshot_engine.presence.results import MotionDetected, MotionEnded, OccupancyChanged
from earshot_engine.runtime import SourceStatus
from earshot_engine.sounds.results import HazardState, SoundClip, SoundEvent


def test_sound_event_with_clip() -> None:
    clip = SoundClip(np.zeros(16_000 * 12, np.float32), start_s=95.0)
    detection = detection_from_result(SoundEvent("glass_break", 100.0, 101.0, 0.9, -10.0, clip))
    assert detection is not None
    assert detection.kind == "glass_break"
    assert detection.level_dbfs == -10.0
    assert detection.clip is not None
    assert detection.clip.pre_roll_s == 5.0
    assert detection.clip.duration_s == 12.0


def test_sound_event_without_usable_clip() -> None:
    detection = detection_from_result(SoundEvent("door", 1.0, 2.0, 0.5, -30.0))
    assert detection is not None
    assert detection.clip is None
    empty = SoundClip(np.zeros(0, np.float32), start_s=0.0)
    with_empty = detection_from_result(SoundEvent("door", 1.0, 2.0, 0.5, -30.0, empty))
    assert with_empty is not None
    assert with_empty.clip is None


def test_sounding_hazard_keeps_the_alarm_going() -> None:
    sounding = detection_from_result(HazardState("co_alarm", True, 7.0, "t4"))
    assert sounding is not None
    assert (sounding.kind, sounding.start_s, sounding.clip) == ("co_alarm", 7.0, None)
    assert detection_from_result(HazardState("co_alarm", False, 9.0)) is None


def test_presence_is_a_person_walking() -> None:
    motion = detection_from_result(MotionDetected(3.0, "major", 0.7))
    assert motion is not None
    assert (motion.kind, motion.start_s, motion.confidence) == ("presence", 3.0, 0.7)
    # minor motion alone, and occupancy (which any motion turns on), alert nobody
    assert detection_from_result(MotionDetected(2.0, "minor", 0.9)) is None
    assert detection_from_result(OccupancyChanged(True, 4.0)) is None
    assert detection_from_result(OccupancyChanged(False, 5.0)) is None
    assert detection_from_result(MotionEnded(6.0)) is None
    assert detection_from_result(SourceStatus(True)) is None
