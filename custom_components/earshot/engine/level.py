"""Sound level metering: RMS and peak in dBFS over fixed stretches of stream time."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .audio import AudioBlock

SILENCE_DBFS = -120.0
"""Floor reported for digital silence instead of minus infinity."""


def power_to_dbfs(mean_square: float) -> float:
    """Mean square to dBFS, floored at :data:`SILENCE_DBFS`; NaN input reads as silence."""
    if not math.isfinite(mean_square) or mean_square <= 0.0:
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 10.0 * math.log10(mean_square))


@dataclass(frozen=True, slots=True)
class LevelReading:
    """Sound level over one metering interval ending at ``time_s`` (stream time)."""

    time_s: float
    level_dbfs: float
    peak_dbfs: float


class LevelMeter:
    """Reports the RMS and peak level once per ``interval_s`` of stream time."""

    name = "level"

    def __init__(self, interval_s: float = 1.0) -> None:
        self._interval_s = interval_s
        self.reset()

    def reset(self) -> None:
        self._sum_squares = 0.0
        self._peak = 0.0
        self._count = 0
        self._next_report_s: float | None = None

    def process(self, block: AudioBlock) -> Sequence[LevelReading]:
        samples = np.nan_to_num(block.samples, nan=0.0, posinf=1.0, neginf=-1.0)
        if self._next_report_s is None:
            self._next_report_s = block.start_s + self._interval_s
        self._sum_squares += float(np.sum(np.square(samples, dtype=np.float64)))
        self._count += samples.size
        if samples.size:
            self._peak = max(self._peak, float(np.max(np.abs(samples))))
        if block.end_s < self._next_report_s:
            return ()
        reading = LevelReading(
            time_s=block.end_s,
            level_dbfs=power_to_dbfs(self._sum_squares / max(1, self._count)),
            peak_dbfs=power_to_dbfs(self._peak**2),
        )
        self._sum_squares, self._peak, self._count = 0.0, 0.0, 0
        self._next_report_s += self._interval_s * max(
            1, math.ceil((block.end_s - self._next_report_s) / self._interval_s + 1e-9)
        )
        return (reading,)
