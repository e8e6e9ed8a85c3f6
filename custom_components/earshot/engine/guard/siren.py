"""A siren tone for the speaker: a rising and falling "wail", capped in level, with fades.

The sweep is a triangle in frequency, so its phase is continuous (no clicks) and it
is computed from the sample clock alone: blocks of any size render the same signal.
Start and stop come from the event loop while the audio thread renders, so they only
set flags that the next rendered block picks up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..audio import FloatArray

Float64Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SirenConfig:
    """Shape and loudness of the siren."""

    low_hz: float = 650.0
    high_hz: float = 1350.0
    sweep_period_s: float = 2.0
    """One rise and fall."""
    level_dbfs: float = -6.0
    max_level_dbfs: float = -3.0
    """Hard cap whatever ``level_dbfs`` asks, to protect small speakers and ears."""
    fade_s: float = 0.05

    def __post_init__(self) -> None:
        if not 0 < self.low_hz < self.high_hz:
            raise ValueError("siren needs 0 < low_hz < high_hz")
        if self.sweep_period_s <= 0 or self.fade_s <= 0:
            raise ValueError("siren sweep period and fade must be positive")

    @property
    def amplitude(self) -> float:
        """Peak amplitude after the level cap."""
        return float(10.0 ** (min(self.level_dbfs, self.max_level_dbfs) / 20.0))


def sweep_cycles(t_s: Float64Array, config: SirenConfig) -> Float64Array:
    """Accumulated cycles of the triangle sweep at times ``t_s`` (float64, from 0)."""
    period = config.sweep_period_s
    half = period / 2.0
    span = config.high_hz - config.low_hz
    whole, within = np.divmod(t_s, period)
    rising = within < half
    up = np.minimum(within, half)
    down = np.maximum(within - half, 0.0)
    cycles_up = config.low_hz * up + span * up * up / period
    cycles_down = config.high_hz * down - span * down * down / period
    mean_hz = (config.low_hz + config.high_hz) / 2.0
    return np.asarray(
        whole * mean_hz * period + cycles_up + np.where(rising, 0.0, cycles_down),
        dtype=np.float64,
    )


class SirenEmitter:
    """An :class:`~..audio.Emitter` that sounds the siren while started."""

    def __init__(self, config: SirenConfig | None = None) -> None:
        self.config = config or SirenConfig()
        self._requested_on = False
        self._duration_s: float | None = None
        self._start_frame: int | None = None
        self._stop_frame: int | None = None
        self._silent = True

    @property
    def is_on(self) -> bool:
        """Whether the siren was asked to sound (it may still be fading out)."""
        return self._requested_on

    @property
    def finished(self) -> bool:
        """Whether the siren has gone quiet after a stop (safe to detach)."""
        return self._silent and not self._requested_on

    def start(self, duration_s: float | None = None) -> None:
        """Sound from the next rendered block, for ``duration_s`` or until :meth:`stop`."""
        self._duration_s = duration_s
        self._start_frame = None
        self._stop_frame = None
        self._requested_on = True
        self._silent = False

    def stop(self) -> None:
        """Fade out from the next rendered block."""
        self._requested_on = False

    def render_into(self, out: FloatArray, start_frame: int, sample_rate_hz: int) -> None:
        """Add the siren for frames [start_frame, start_frame + len(out))."""
        if self._silent:
            return
        if self._start_frame is None:
            self._start_frame = start_frame
            if self._duration_s is not None:
                self._stop_frame = start_frame + round(self._duration_s * sample_rate_hz)
        if not self._requested_on and (self._stop_frame is None or self._stop_frame > start_frame):
            self._stop_frame = start_frame
        frames = np.arange(start_frame, start_frame + len(out), dtype=np.int64)
        elapsed_s = (frames - self._start_frame) / float(sample_rate_hz)
        gain = np.clip(elapsed_s / self.config.fade_s, 0.0, 1.0)
        if self._stop_frame is not None:
            remaining_s = (self._stop_frame - frames) / float(sample_rate_hz)
            gain = np.minimum(gain, np.clip(remaining_s / self.config.fade_s + 1.0, 0.0, 1.0))
            if remaining_s[-1] + self.config.fade_s <= 0:
                self._silent = True
                self._requested_on = False
        phase = 2.0 * np.pi * np.mod(sweep_cycles(elapsed_s, self.config), 1.0)
        out += (self.config.amplitude * gain * np.sin(phase)).astype(np.float32)
