"""Adapters from detector results to the guard's :class:`Detection`.

The guard only needs "what, when, how sure, and the audio": presence and sound
detectors each report richer results, and this module is the one place that knows
their shapes. Anything else (statistics, status messages) is not a detection.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from ..presence.results import MotionDetected, OccupancyChanged
from .incidents import ClipAudio, Detection
from .policy import PRESENCE, SOUND_DETECTIONS


@runtime_checkable
class ClipLike(Protocol):
    """Audio handed over with a sound event (pre-roll plus the event)."""

    @property
    def samples(self) -> object:
        """float32 samples, (frames,) or (frames, channels)."""

    @property
    def sample_rate_hz(self) -> int:
        """Sample rate of ``samples``."""

    @property
    def start_s(self) -> float:
        """Stream time of the first sample."""


@runtime_checkable
class SoundEventLike(Protocol):
    """The shape of a confirmed sound event from the sound detector."""

    @property
    def type(self) -> str:
        """One of the sound vocabulary's names."""

    @property
    def start_s(self) -> float:
        """Stream time the sound began."""

    @property
    def end_s(self) -> float:
        """Stream time the sound ended (or was confirmed)."""

    @property
    def confidence(self) -> float:
        """Detector confidence in [0, 1]."""

    @property
    def level_dbfs(self) -> float:
        """Loudness of the event."""

    @property
    def clip(self) -> object:
        """The event's audio, if the detector kept any."""


def clip_audio(clip: object, event_start_s: float) -> ClipAudio | None:
    """The guard's view of a detector's clip, or None if it carries no usable audio."""
    if not isinstance(clip, ClipLike):
        return None
    samples = np.asarray(clip.samples, dtype=np.float32)
    if samples.size == 0 or samples.ndim not in (1, 2):
        return None
    return ClipAudio(
        samples=samples,
        sample_rate_hz=int(clip.sample_rate_hz),
        start_s=float(clip.start_s),
        pre_roll_s=max(0.0, event_start_s - float(clip.start_s)),
    )


def detection_from_result(result: object) -> Detection | None:
    """The detection a result stands for, or None if it is not one."""
    if isinstance(result, MotionDetected):
        return Detection(PRESENCE, result.time_s, result.time_s, result.confidence)
    if isinstance(result, OccupancyChanged):
        if not result.occupied:
            return None
        return Detection(PRESENCE, result.time_s, result.time_s, 1.0)
    if isinstance(result, SoundEventLike) and str(result.type) in SOUND_DETECTIONS:
        return Detection(
            kind=str(result.type),
            start_s=float(result.start_s),
            end_s=float(result.end_s),
            confidence=float(result.confidence),
            level_dbfs=float(result.level_dbfs),
            clip=clip_audio(result.clip, float(result.start_s)),
        )
    return None
