"""Adapters from detector results to the guard's :class:`Detection`.

The guard only needs "what, when, how sure, and the audio": presence and sound
detectors each report richer results, and this module is the one place that knows
their shapes. Anything else (statistics, status messages) is not a detection.
"""

from __future__ import annotations

from ..presence.results import MotionDetected
from ..sounds.results import HazardState, SoundClip, SoundEvent
from .incidents import ClipAudio, Detection
from .policy import PRESENCE


def clip_audio(clip: SoundClip | None, event_start_s: float) -> ClipAudio | None:
    """The guard's view of a sound event's clip, or None if it carries no audio."""
    if clip is None or clip.samples.size == 0:
        return None
    return ClipAudio(
        samples=clip.samples,
        sample_rate_hz=clip.sample_rate_hz,
        start_s=clip.start_s,
        pre_roll_s=max(0.0, event_start_s - clip.start_s),
    )


def detection_from_result(result: object) -> Detection | None:
    """The detection a result stands for, or None if it is not one."""
    if isinstance(result, MotionDetected):
        # A person walking (major motion), not minor motion alone: an intruder walks, while
        # fans, curtains and pets are often mistaken for minor motion (15-44 % of the false
        # motion events are minor; models/presence/MODEL_CARD.md).
        if result.level != "major":
            return None
        return Detection(PRESENCE, result.time_s, result.time_s, result.confidence)
    if isinstance(result, SoundEvent):
        return Detection(
            kind=result.type,
            start_s=result.start_s,
            end_s=result.end_s,
            confidence=result.confidence,
            level_dbfs=result.level_dbfs,
            clip=clip_audio(result.clip, result.start_s),
        )
    if isinstance(result, HazardState) and result.sounding:
        # The alarm is still sounding: keeps its incident open between events.
        return Detection(result.type, result.time_s, result.time_s, 1.0)
    return None
