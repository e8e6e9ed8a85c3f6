"""Mapping the stream's sample clock onto a (looping) scene timeline, and placed clips.

Stream frames count up forever; scene frames wrap every scene duration. A block
that straddles the wrap is split into segments so that each segment is a
contiguous run of scene frames.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .dsp import Float64Array


def segments(start_frame: int, frames: int, scene_frames: int) -> list[tuple[int, int, int]]:
    """(offset in block, first scene frame, count) runs covering the block."""
    out = []
    done = 0
    while done < frames:
        scene_start = (start_frame + done) % scene_frames
        count = min(frames - done, scene_frames - scene_start)
        out.append((done, scene_start, count))
        done += count
    return out


def scene_times_s(
    stream_frames: Float64Array, scene_frames: int, sample_rate_hz: int
) -> Float64Array:
    """Scene time of stream frames (which may be fractional or on a coarse grid)."""
    return np.asarray(np.mod(stream_frames, scene_frames) / sample_rate_hz, dtype=np.float64)


class PlacedClip:
    """A mono clip placed on the scene timeline, tiled to fill its active span.

    The clip is synthesized the first time its span is heard and dropped once the
    timeline is well past it, so a long looping scene holds only what is sounding.
    """

    def __init__(
        self,
        start_frame: int,
        frames: int,
        make: Callable[[], Float64Array],
        fade_frames: int = 256,
        keep_frames: int = 48_000,
    ) -> None:
        self.start_frame = start_frame
        self.frames = frames
        self._make = make
        self._fade_frames = max(fade_frames, 1)
        """Fade-out at the end of the span, so cutting a looping clip does not click."""
        self._keep_frames = keep_frames
        """How long after the span the clip is kept (delayed copies still read it)."""
        self._clip: Float64Array | None = None

    def render(self, scene_start: int, count: int) -> Float64Array | None:
        """Samples for scene frames [scene_start, scene_start + count), None if silent there."""
        first = scene_start - self.start_frame
        if first + count <= 0 or first >= self.frames:
            if first >= self.frames + self._keep_frames or first + count <= -self._keep_frames:
                self._clip = None
            return None
        if self._clip is None:
            self._clip = self._make()
        local = np.arange(first, first + count)
        inside = (local >= 0) & (local < self.frames)
        out = np.zeros(count)
        idx = local[inside]
        tail = np.clip((self.frames - idx) / self._fade_frames, 0.0, 1.0)
        out[inside] = self._clip[idx % len(self._clip)] * tail
        return out
