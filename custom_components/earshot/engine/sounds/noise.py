"""Ambient noise floor: a slow, robust estimate of how loud the home is when nothing happens.

The floor is a low percentile of the step levels over the last 30 s, so speech or
a passing truck lift it little while a running dishwasher or street noise does.
Thresholds adapt to it (see :mod:`.sensitivity`): in a noisy flat a sound must
stand further above the background before it becomes an event.
"""

from __future__ import annotations

import collections

import numpy as np

WINDOW_S = 30.0
PERCENTILE = 20.0
SILENCE_DBFS = -90.0
"""Reported floor while nothing has been heard yet (and the lowest it reports)."""


class NoiseFloorTracker:
    """Running low-percentile of step levels (bounded memory)."""

    def __init__(self, step_s: float) -> None:
        self._levels: collections.deque[float] = collections.deque(
            maxlen=max(1, round(WINDOW_S / step_s))
        )

    def reset(self) -> None:
        """Forget the history."""
        self._levels.clear()

    def update(self, level_dbfs: float) -> None:
        """Add the level of one step."""
        self._levels.append(max(SILENCE_DBFS, float(level_dbfs)))

    @property
    def floor_dbfs(self) -> float:
        """The current noise floor estimate, dB re full scale."""
        if not self._levels:
            return SILENCE_DBFS
        return float(np.percentile(np.fromiter(self._levels, dtype=np.float64), PERCENTILE))
