"""Real-time pacing for sources that render or read audio faster than real time."""

from __future__ import annotations

import time
from collections.abc import Callable


class RealtimePacer:
    """Releases frames no faster than the wall clock, like a sound card would.

    The clock and sleep functions are injectable so tests never sleep.
    """

    def __init__(
        self,
        sample_rate_hz: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._sample_rate_hz = sample_rate_hz
        self._clock = clock
        self._sleep = sleep
        self._start_s: float | None = None

    def restart(self) -> None:
        """Start counting from now (call when the stream opens)."""
        self._start_s = self._clock()

    def wait_until_due(self, frame: int, timeout_s: float) -> bool:
        """Sleep until ``frame`` is due; False if that is more than ``timeout_s`` away."""
        if self._start_s is None:
            self.restart()
        assert self._start_s is not None
        delay_s = self._start_s + frame / self._sample_rate_hz - self._clock()
        if delay_s > timeout_s:
            self._sleep(timeout_s)
            return False
        if delay_s > 0:
            self._sleep(delay_s)
        return True
