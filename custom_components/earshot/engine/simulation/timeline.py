"""Mapping the stream's sample clock onto a (looping) scene timeline, and placed clips.

Stream frames count up forever; scene frames wrap every scene duration. A block
that straddles the wrap is split into segments so that each segment is a
contiguous run of scene frames.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class PlacedClip:
    """A mono clip placed on the scene timeline, tiled to fill its active span."""

    start_frame: int
    frames: int
    clip: Float64Array
    fade_frames: int = 256
    """Fade-out at the end of the span, so cutting a looping clip does not click."""

    def render(self, scene_start: int, count: int) -> Float64Array | None:
        """Samples for scene frames [scene_start, scene_start + count), None if silent there."""
        local = np.arange(scene_start - self.start_frame, scene_start - self.start_frame + count)
        if local[-1] < 0 or local[0] >= self.frames:
            return None
        inside = (local >= 0) & (local < self.frames)
        out = np.zeros(count)
        idx = local[inside]
        tail = np.clip((self.frames - idx) / max(self.fade_frames, 1), 0.0, 1.0)
        out[inside] = self.clip[idx % len(self.clip)] * tail
        return out
