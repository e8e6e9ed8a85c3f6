"""The classic Doppler-energy threshold detector (SoundWave, Gupta et al., CHI 2012).

SoundWave calls motion whenever the spectrum around the carrier spreads: energy
in bins outside a guard band around the carrier rises above a threshold. It is
the evaluation's baseline row, run on the same Doppler frames as the classifier,
and the fallback of the offline analysis when no model is available.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .doppler import FRAME_SAMPLES, DopplerFrame
from .results import MotionLevel


@dataclass(frozen=True, slots=True)
class BaselineConfig:
    """Thresholds of the energy detector (tuned on the training scenes by the recipe)."""

    guard_hz: float = 8.0
    """Bins closer than this to the carrier are ignored (breathing, drift, leakage)."""
    max_hz: float = 300.0
    threshold_db: float = 12.0
    """Mean Doppler power per bin over the noise floor that counts as motion."""
    major_spread_hz: float = 60.0
    """A bin above ``bin_threshold_db`` this far from the carrier means walking speed."""
    bin_threshold_db: float = 20.0


class EnergyBaseline:
    """Scores each Doppler frame by its out-of-guard-band energy."""

    def __init__(self, baseband_rate_hz: float, config: BaselineConfig | None = None) -> None:
        self.config = config or BaselineConfig()
        freqs = np.fft.fftfreq(FRAME_SAMPLES, 1.0 / baseband_rate_hz)
        offset = np.abs(freqs)
        self._band: npt.NDArray[np.bool_] = (offset >= self.config.guard_hz) & (
            offset <= self.config.max_hz
        )
        self._offset_hz = offset[self._band]

    def score_db(self, frame: DopplerFrame) -> float:
        """Mean power per bin in the Doppler band, over the noise floor, in dB."""
        return float(10.0 * np.log10(np.mean(frame.power[self._band]) + 1e-6))

    def spread_hz(self, frame: DopplerFrame) -> float:
        """How far from the carrier strong Doppler bins reach (SoundWave's bandwidth)."""
        strong = frame.power[self._band] > 10.0 ** (self.config.bin_threshold_db / 10.0)
        return float(self._offset_hz[strong].max()) if np.any(strong) else 0.0

    def level(self, frame: DopplerFrame) -> MotionLevel | None:
        """``"major"``, ``"minor"`` or None for one frame."""
        if self.score_db(frame) < self.config.threshold_db:
            return None
        return "major" if self.spread_hz(frame) >= self.config.major_spread_hz else "minor"
