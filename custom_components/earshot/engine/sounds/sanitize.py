"""Input hygiene: downmix, replace NaN/inf, remove DC, flag clipping.

Broken input must never become an event: non-finite samples are zeroed, a DC
offset (cheap USB microphones) is removed before levels are measured, and
steps with heavy clipping are marked unreliable. Each problem is logged in
words a user can act on, at most once a minute of stream time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..audio import FloatArray

_LOGGER = logging.getLogger(__name__)

CLIP_LEVEL = 0.999
CLIPPED_FRACTION = 0.01
"""A block with more than 1 % of its samples at full scale is clipping (warned)."""
SATURATED_FRACTION = 0.1
"""With more than 10 % at full scale the block is unusable: no events come from it.

A loud, close sound that clips a few peaks is still a real sound; a saturated
input (gain far too high, a broken driver) is not."""
DC_WARN_LEVEL = 0.05
DC_TIME_CONSTANT_S = 0.5
WARN_INTERVAL_S = 60.0


@dataclass(frozen=True, slots=True)
class CleanBlock:
    """A mono, finite, DC-free block and what was wrong with it."""

    samples: FloatArray
    non_finite: bool
    saturated: bool


class InputSanitizer:
    """Stateful per stream: the DC estimate and when each warning was last logged."""

    def __init__(self, source_name: str = "input") -> None:
        self._source_name = source_name
        self.reset()

    def reset(self) -> None:
        """Forget the DC estimate and the warning times."""
        self._dc = 0.0
        self._warned_s: dict[str, float] = {}

    def clean(self, samples: FloatArray, sample_rate_hz: int, time_s: float) -> CleanBlock:
        """Return the block as clean mono audio."""
        mono = samples.mean(axis=1) if samples.ndim == 2 else samples.reshape(-1)
        mono = np.asarray(mono, dtype=np.float32)
        finite = np.isfinite(mono)
        non_finite = not bool(finite.all())
        if non_finite:
            self._warn(
                "nan",
                time_s,
                "%s: %d NaN/inf samples at %.1f s replaced by silence (driver or file defect)",
                int(mono.size - np.count_nonzero(finite)),
                time_s,
            )
            mono = np.where(finite, mono, np.float32(0.0))
        at_full_scale = np.count_nonzero(np.abs(mono) >= CLIP_LEVEL)
        saturated = at_full_scale > SATURATED_FRACTION * mono.size
        if at_full_scale > CLIPPED_FRACTION * mono.size:
            self._warn(
                "clip",
                time_s,
                "%s: the input is clipping at %.1f s; lower the microphone gain",
                time_s,
            )
        if mono.size:
            alpha = min(1.0, mono.size / (DC_TIME_CONSTANT_S * sample_rate_hz))
            self._dc += alpha * (float(np.mean(mono)) - self._dc)
            if abs(self._dc) > DC_WARN_LEVEL:
                self._warn(
                    "dc",
                    time_s,
                    "%s: DC offset of %.2f full scale removed at %.1f s (faulty microphone?)",
                    self._dc,
                    time_s,
                )
            mono = mono - np.float32(self._dc)
        return CleanBlock(mono, non_finite, bool(saturated))

    def _warn(self, kind: str, time_s: float, message: str, *args: object) -> None:
        last = self._warned_s.get(kind)
        if last is not None and time_s - last < WARN_INTERVAL_S:
            return
        self._warned_s[kind] = time_s
        _LOGGER.warning(message, self._source_name, *args)
