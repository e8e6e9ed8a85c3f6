"""Removal of playback intermodulation from the Doppler band.

When the speaker plays music along with the carrier, its nonlinearity multiplies
the two: the music's bass reappears as sidebands around the carrier, exactly
where walking Doppler lives. In baseband that distortion is a linear function
of the low-passed playback signal (a short complex filter per microphone, set by
the speaker's nonlinearity and the acoustic paths), so it can be predicted from
the playback reference and subtracted. The filter is estimated by exponentially
weighted least squares; motion does not correlate with the music, so it stays.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

ComplexArray = npt.NDArray[np.complex64]

TAPS = 12
"""Filter length in baseband samples (~12 ms of acoustic delay spread)."""
MEMORY_S = 4.0
"""Time constant of the estimate; the coupling changes only when things move."""
RIDGE = 1e-3
"""Regularisation relative to the reference energy, so silence never blows up the filter."""


class PlaybackCanceller:
    """Predicts the playback distortion in each microphone's baseband and subtracts it."""

    def __init__(self, channels: int, baseband_rate_hz: float = 1000.0) -> None:
        self._channels = channels
        self._decay_per_sample = math.exp(-1.0 / (MEMORY_S * baseband_rate_hz))
        self.reset()

    def reset(self) -> None:
        """Forget the estimated coupling."""
        # Regressors: TAPS lags of the reference plus a constant for the static echo.
        self._history: npt.NDArray[np.float64] = np.zeros(TAPS - 1, dtype=np.float64)
        self._gram = np.zeros((TAPS + 1, TAPS + 1), dtype=np.float64)
        self._cross = np.zeros((TAPS + 1, self._channels), dtype=np.complex128)

    def process(self, baseband: ComplexArray, reference: npt.NDArray[np.float32]) -> ComplexArray:
        """Return ``baseband`` (n, channels) minus the part explained by ``reference`` (n,)."""
        n = baseband.shape[0]
        if n == 0:
            return baseband
        joined = np.concatenate([self._history, reference.astype(np.float64)])
        self._history = joined[-(TAPS - 1) :]
        lagged = np.lib.stride_tricks.sliding_window_view(joined, TAPS)[:, ::-1]
        regressors = np.concatenate([lagged, np.ones((n, 1))], axis=1)
        decay = self._decay_per_sample**n
        self._gram = decay * self._gram + regressors.T @ regressors
        self._cross = decay * self._cross + regressors.T @ baseband.astype(np.complex128)
        energy = float(np.trace(self._gram[:TAPS, :TAPS]))
        if energy <= 0.0:
            return baseband
        regularised = self._gram + np.eye(TAPS + 1) * (RIDGE * energy / TAPS + 1e-12)
        weights = np.linalg.solve(regularised, self._cross)
        distortion = lagged @ weights[:TAPS]
        return np.asarray(baseband - distortion, dtype=np.complex64)
