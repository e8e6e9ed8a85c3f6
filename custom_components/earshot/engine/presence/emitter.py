"""The ultrasonic carrier played through the source's output mixer.

The carrier must never click (a step in an ultrasonic tone is audible as a tick),
never exceed the configured level cap, and be pausable. Settings change from the
worker thread while the audio thread renders, so the requested state is one
immutable tuple swapped atomically; the render path ramps its gain towards it.
A frequency change fades to silence first, switches, then fades back in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..audio import FloatArray
from .config import CARRIER_CAP_RANGE_DBFS

DEFAULT_FADE_S = 0.08
"""Raised-cosine-like fade length; long enough to keep the spectrum splatter inaudible."""


def dbfs_to_amplitude(level_dbfs: float) -> float:
    """Peak amplitude of a sine at ``level_dbfs`` (0 dBFS = full-scale peak)."""
    return float(10.0 ** (level_dbfs / 20.0))


@dataclass(frozen=True, slots=True)
class _Target:
    carrier_hz: float
    amplitude: float
    on: bool


class CarrierEmitter:
    """A continuous sine carrier with fades, a hard level cap and pause/resume."""

    def __init__(
        self,
        carrier_hz: float,
        level_dbfs: float,
        *,
        max_level_dbfs: float = CARRIER_CAP_RANGE_DBFS[1],
        fade_s: float = DEFAULT_FADE_S,
    ) -> None:
        self._cap = dbfs_to_amplitude(max_level_dbfs)
        self._fade_s = fade_s
        self._target = _Target(carrier_hz, self._capped(level_dbfs), on=True)
        self._carrier_hz = carrier_hz
        self._gain = 0.0
        self._fading_to: _Target | None = None
        self._step = 0.0
        self._phase_cycles = 0.0
        self._next_frame: int | None = None

    @property
    def carrier_hz(self) -> float:
        """The carrier frequency currently requested."""
        return self._target.carrier_hz

    @property
    def level_dbfs(self) -> float:
        """The emission level currently requested (after the cap)."""
        return 20.0 * math.log10(max(self._target.amplitude, 1e-12))

    @property
    def emitting(self) -> bool:
        """Whether emission is requested (not paused)."""
        return self._target.on

    @property
    def settled(self) -> bool:
        """Whether the rendered tone has reached the requested frequency and level."""
        target = self._target
        wanted = target.amplitude if target.on else 0.0
        return self._carrier_hz == target.carrier_hz and abs(self._gain - wanted) < 1e-9

    def set_cap(self, max_level_dbfs: float) -> None:
        """Change the hard cap; the requested level is clamped to it."""
        self._cap = dbfs_to_amplitude(max_level_dbfs)
        target = self._target
        self._target = _Target(target.carrier_hz, min(target.amplitude, self._cap), target.on)

    def set_tone(self, carrier_hz: float, level_dbfs: float) -> None:
        """Request a carrier frequency and level (clamped to the cap)."""
        self._target = _Target(carrier_hz, self._capped(level_dbfs), self._target.on)

    def pause(self) -> None:
        """Fade the carrier out and keep it silent until :meth:`resume`."""
        target = self._target
        self._target = _Target(target.carrier_hz, target.amplitude, on=False)

    def resume(self) -> None:
        """Fade the carrier back in after :meth:`pause`."""
        target = self._target
        self._target = _Target(target.carrier_hz, target.amplitude, on=True)

    def render_into(self, out: FloatArray, start_frame: int, sample_rate_hz: int) -> None:
        """Add the carrier for frames [start_frame, start_frame + len(out))."""
        frames = len(out)
        if frames == 0:
            return
        target = self._target
        switching = target.carrier_hz != self._carrier_hz
        goal = 0.0 if switching or not target.on else target.amplitude
        if target is not self._fading_to:
            # Each fade takes fade_s whatever the levels involved (no faster, no slower).
            self._fading_to = target
            span = max(target.amplitude, self._gain, 1e-9)
            self._step = span / max(1.0, self._fade_s * sample_rate_hz)
        step = self._step
        ramp = np.arange(1, frames + 1, dtype=np.float64) * step
        if goal >= self._gain:
            gain = np.minimum(self._gain + ramp, goal)
        else:
            gain = np.maximum(self._gain - ramp, goal)
        self._gain = float(gain[-1])
        if switching and self._gain == 0.0:
            self._carrier_hz = target.carrier_hz
        if not np.any(gain):
            self._next_frame = start_frame + frames
            return
        cycles_per_frame = self._carrier_hz / sample_rate_hz
        if self._next_frame != start_frame:
            # Phase from the sample clock so a restarted stream stays coherent.
            self._phase_cycles = (start_frame * cycles_per_frame) % 1.0
        phase = self._phase_cycles + cycles_per_frame * np.arange(frames, dtype=np.float64)
        out += (np.minimum(gain, self._cap) * np.sin(2.0 * np.pi * phase)).astype(np.float32)
        self._phase_cycles = (self._phase_cycles + cycles_per_frame * frames) % 1.0
        self._next_frame = start_frame + frames

    def _capped(self, level_dbfs: float) -> float:
        return min(dbfs_to_amplitude(level_dbfs), self._cap)
