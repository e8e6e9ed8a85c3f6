"""Removal of playback intermodulation from the Doppler band.

When the speaker plays music along with the carrier, its nonlinearity multiplies
the two: the music's bass reappears as sidebands around the carrier, exactly
where walking Doppler lives. In baseband that distortion is a linear function
of the low-passed playback signal (a short complex filter per microphone, set by
the speaker's nonlinearity and the acoustic paths), so it can be predicted from
the playback reference and subtracted. The filter is estimated by exponentially
weighted least squares; motion does not correlate with the music, so it stays.

Without a reference, two or more microphones still tell the distortion apart:
it leaves the speaker as the carrier amplitude-modulated by the music, so it
reaches the microphones along the same paths as the carrier itself, with the
inter-microphone gains and phases of the static echo. A moving person's echo
arrives from elsewhere, with other gains and phases. Removing whatever moves
along the static echo's direction takes the distortion out of every channel and
leaves the rest of the motion.
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


STATIC_TIME_S = 0.5
"""Time constant separating the static echo (kept) from what moves (~0.3 Hz corner)."""
DIRECTION_MEMORY_S = 2.0
"""Time constant of the static echo's direction across microphones."""
DIRECTION_UPDATE_SAMPLES = 64
"""The direction is re-estimated on this fixed grid of the stream, so output does not
depend on how the stream is cut into blocks."""


class CrossMicCanceller:
    """Removes the moving part of every channel that lies along the static echo's direction.

    With channels x (n, C), the static echo s is x low-passed (time constant
    STATIC_TIME_S) and u is its principal direction across channels (power iteration
    on its exponentially weighted covariance). Each sample becomes
    ``x - u * (u^H (x - s))``: the static echo and every component orthogonal to u
    pass unchanged. Costs about 3*C*DIRECTION_UPDATE_SAMPLES operations per sample.
    A single channel has no other direction to keep, so it passes through.
    """

    def __init__(self, channels: int, baseband_rate_hz: float = 1000.0) -> None:
        self._channels = channels
        decay = math.exp(-1.0 / (STATIC_TIME_S * baseband_rate_hz))
        lags = np.arange(DIRECTION_UPDATE_SAMPLES)
        steps = lags[:, None] - lags[None, :]
        # smoothing[n, k]: weight of input k in the low-passed sample n of one grid cell
        self._smoothing = np.where(steps >= 0, (1.0 - decay) * decay ** np.maximum(steps, 0), 0.0)
        self._carry = decay ** (lags + 1.0)
        self._direction_decay = math.exp(-1.0 / (DIRECTION_MEMORY_S * baseband_rate_hz))
        self.reset()

    def reset(self) -> None:
        """Forget the static echo and its direction."""
        self._static: npt.NDArray[np.complex128] | None = None
        self._covariance = np.zeros((self._channels, self._channels), dtype=np.complex128)
        self._direction: npt.NDArray[np.complex128] | None = None
        self._position = 0  # samples since the last grid point

    @property
    def direction(self) -> npt.NDArray[np.complex128] | None:
        """Unit vector (C,) of the static echo across channels, once estimated."""
        return self._direction

    def process(self, baseband: ComplexArray) -> ComplexArray:
        """Return ``baseband`` (n, channels) without its motion along the static direction."""
        if self._channels < 2 or baseband.shape[0] == 0:
            return baseband
        out = np.empty_like(baseband)
        start = 0
        while start < baseband.shape[0]:
            stop = min(baseband.shape[0], start + DIRECTION_UPDATE_SAMPLES - self._position)
            out[start:stop] = self._piece(baseband[start:stop])
            start = stop
        return out

    def _piece(self, piece: ComplexArray) -> ComplexArray:
        """Samples that stay inside one grid cell."""
        n = piece.shape[0]
        x = piece.astype(np.complex128)
        if self._static is None:
            self._static = x[0].copy()
        static = self._smoothing[:n, :n] @ x + np.outer(self._carry[:n], self._static)
        self._static = static[-1]
        self._covariance = self._direction_decay**n * self._covariance + static.T @ static.conj()
        out = piece
        if self._direction is not None:
            along = (x - static) @ self._direction.conj()
            out = np.asarray(x - np.outer(along, self._direction), dtype=np.complex64)
        self._position += n
        if self._position == DIRECTION_UPDATE_SAMPLES:
            self._position = 0
            self._update_direction()
        return out

    def _update_direction(self) -> None:
        """One power-iteration step; it keeps the direction's phase continuous."""
        start = self._direction
        if start is None:
            start = self._covariance[:, int(np.argmax(np.diag(self._covariance).real))]
        turned = self._covariance @ start
        norm = float(np.linalg.norm(turned))
        if norm > 0.0:
            self._direction = turned / norm
