"""Adapting detector results to guard detections."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from earshot_engine.guard.detections import detection_from_result
from earshot_engine.presence.results import MotionDetected, MotionEnded, OccupancyChanged
from earshot_engine.runtime import SourceStatus


@dataclass(frozen=True)
class FakeClip:
    samples: np.ndarray
    sample_rate_hz: int
    start_s: float


@dataclass(frozen=True)
class FakeSoundEvent:
    type: str
    start_s: float
    end_s: float
    confidence: float
    level_dbfs: float
    clip: object


def test_sound_event_with_clip() -> None:
    clip = FakeClip(np.zeros((16_000 * 12, 1), np.float32), 16_000, 95.0)
    detection = detection_from_result(FakeSoundEvent("glass_break", 100.0, 101.0, 0.9, -10.0, clip))
    assert detection is not None
    assert detection.kind == "glass_break"
    assert detection.level_dbfs == -10.0
    assert detection.clip is not None
    assert detection.clip.pre_roll_s == 5.0
    assert detection.clip.duration_s == 12.0


def test_sound_event_without_usable_clip() -> None:
    detection = detection_from_result(FakeSoundEvent("door", 1.0, 2.0, 0.5, -30.0, None))
    assert detection is not None
    assert detection.clip is None
    empty = FakeClip(np.zeros(0, np.float32), 16_000, 0.0)
    assert detection_from_result(FakeSoundEvent("door", 1.0, 2.0, 0.5, -30.0, empty)).clip is None  # type: ignore[union-attr]


def test_unknown_sound_type_is_not_a_detection() -> None:
    assert detection_from_result(FakeSoundEvent("laughter", 1.0, 2.0, 0.5, -30.0, None)) is None


def test_presence_results() -> None:
    motion = detection_from_result(MotionDetected(3.0, "major", 0.7))
    assert motion is not None
    assert (motion.kind, motion.start_s, motion.confidence) == ("presence", 3.0, 0.7)
    occupied = detection_from_result(OccupancyChanged(True, 4.0))
    assert occupied is not None
    assert occupied.kind == "presence"
    assert detection_from_result(OccupancyChanged(False, 5.0)) is None
    assert detection_from_result(MotionEnded(6.0)) is None
    assert detection_from_result(SourceStatus(True)) is None
