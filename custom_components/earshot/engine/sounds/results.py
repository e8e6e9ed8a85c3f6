"""What the sound detector reports (frozen dataclasses handed to the runtime's listener)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..audio import FloatArray
from .vocabulary import HazardType, SoundType

CLIP_SAMPLE_RATE_HZ = 16_000


@dataclass(frozen=True, slots=True, eq=False)
class SoundClip:
    """Audio around an event, with pre-roll.

    Mono float32 at 16 kHz (the detector's working rate, whatever the source's),
    from up to 2 s before the event to when it was confirmed.
    """

    samples: FloatArray
    start_s: float
    """Stream time of the first sample."""
    sample_rate_hz: int = CLIP_SAMPLE_RATE_HZ

    @property
    def duration_s(self) -> float:
        """Length of the clip."""
        return int(self.samples.shape[0]) / self.sample_rate_hz


@dataclass(frozen=True, slots=True)
class SoundEvent:
    """A confirmed sound event."""

    type: SoundType
    start_s: float
    """Stream time the sound started."""
    end_s: float
    """Stream time it ended (or was reported, for a sound that goes on)."""
    confidence: float
    """0..1: stage-1 score, averaged with the stage-2 score when stage 2 ran."""
    level_dbfs: float
    """Loudest 100 ms of the event, dB re full scale."""
    clip: SoundClip | None = field(default=None, compare=False, repr=False)
    verified: bool = False
    """Whether stage 2 confirmed it (False when stage 2 is off)."""

    @property
    def duration_s(self) -> float:
        """How long the sound lasted."""
        return self.end_s - self.start_s


AlarmPattern = Literal["t3", "t4", "continuous"]


@dataclass(frozen=True, slots=True)
class HazardState:
    """A smoke or CO alarm started (``sounding``) or stopped being heard."""

    type: HazardType
    sounding: bool
    time_s: float
    """Stream time of the change: when it was recognised, or when it was last heard."""
    pattern: AlarmPattern | None = None
    """How it was recognised (T3/T4 cadence or a continuous/fast-beeping tone)."""


@dataclass(frozen=True, slots=True)
class NoiseFloor:
    """Periodic report of the ambient noise floor the thresholds adapt to."""

    level_dbfs: float
    time_s: float
