"""A fixed-size ring of the most recent audio.

A confirmed event hands over a clip that starts before the moment it was
recognised (pre-roll), so the ring must outlive the detection delay.
"""

from __future__ import annotations

import numpy as np

from ..audio import FloatArray


class AudioRing:
    """The last ``capacity`` mono samples of a stream, addressed by absolute index."""

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self._data = np.zeros(capacity, dtype=np.float32)
        self._end = 0
        """Absolute index just after the newest sample."""

    @property
    def capacity(self) -> int:
        """Most samples held."""
        return int(self._data.shape[0])

    @property
    def end(self) -> int:
        """Absolute index just after the newest sample."""
        return self._end

    @property
    def start(self) -> int:
        """Absolute index of the oldest sample still held."""
        return max(0, self._end - self.capacity)

    def reset(self, end: int = 0) -> None:
        """Empty the ring; the next sample written gets index ``end``."""
        self._data[:] = 0.0
        self._end = end

    def write(self, samples: FloatArray) -> None:
        """Append mono samples, overwriting the oldest."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)[-self.capacity :]
        count = samples.shape[0]
        head = self._end % self.capacity
        first = min(count, self.capacity - head)
        self._data[head : head + first] = samples[:first]
        self._data[: count - first] = samples[first:]
        self._end += count

    def read(self, start: int, end: int) -> FloatArray:
        """Return samples [start, end) clipped to what is still held (maybe shorter)."""
        start = max(start, self.start)
        end = min(end, self._end)
        if end <= start:
            return np.zeros(0, dtype=np.float32)
        index = np.arange(start, end) % self.capacity
        out: FloatArray = self._data[index]
        return out
