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
GATE_TIME_S = 0.25
"""Time constant of the power comparison that sets how much is removed."""
GATE_MARGIN = 4.0
"""Motion from a random direction puts 1/C of its power along the static direction; only
power there beyond this many times that share is taken for distortion."""
UPDATE_SAMPLES = 64
"""Direction and gain are re-estimated on this fixed grid of the stream, so output does
not depend on how the stream is cut into blocks."""


class CrossMicCanceller:
    """Removes distortion: the moving part of the channels along the static echo's direction.

    With channels x (n, C), the static echo s is x low-passed (time constant
    STATIC_TIME_S) and u is its principal direction across channels (power iteration
    on its exponentially weighted covariance). Each sample becomes
    ``x - g * u * (u^H (x - s))``: the static echo and everything orthogonal to u pass.
    Removing all of it would also null people whose echo happens to arrive along u, so
    the gain g follows how far the moving power along u exceeds what motion alone puts
    there (a Wiener-like rule): about 1 under music, 0 without it. Costs about
    3*C*UPDATE_SAMPLES operations per sample. A single channel passes through.
    """

    def __init__(self, channels: int, baseband_rate_hz: float = 1000.0) -> None:
        self._channels = channels
        decay = math.exp(-1.0 / (STATIC_TIME_S * baseband_rate_hz))
        lags = np.arange(UPDATE_SAMPLES)
        steps = lags[:, None] - lags[None, :]
        # smoothing[n, k]: weight of input k in the low-passed sample n of one grid cell
        self._smoothing = np.where(steps >= 0, (1.0 - decay) * decay ** np.maximum(steps, 0), 0.0)
        self._carry = decay ** (lags + 1.0)
        self._direction_decay = math.exp(-1.0 / (DIRECTION_MEMORY_S * baseband_rate_hz))
        self._gate_decay = math.exp(-UPDATE_SAMPLES / (GATE_TIME_S * baseband_rate_hz))
        self.reset()

    def reset(self) -> None:
        """Forget the static echo, its direction and the gain."""
        self._static: npt.NDArray[np.complex128] | None = None
        self._covariance = np.zeros((self._channels, self._channels), dtype=np.complex128)
        self._direction: npt.NDArray[np.complex128] | None = None
        self._position = 0  # samples since the last grid point
        self._cell_power = np.zeros(2)  # moving power along u and across it, this grid cell
        self._power: npt.NDArray[np.float64] = np.zeros(2)  # the same, averaged over cells
        self.gain = 0.0
        """Share of the moving part along the static direction that is removed."""

    @property
    def direction(self) -> npt.NDArray[np.complex128] | None:
        """Unit vector (C,) of the static echo across channels, once estimated."""
        return self._direction

    def process(self, baseband: ComplexArray) -> ComplexArray:
        """Return ``baseband`` (n, channels) without the distortion along the static direction."""
        if self._channels < 2 or baseband.shape[0] == 0:
            return baseband
        out = np.empty_like(baseband)
        start = 0
        while start < baseband.shape[0]:
            stop = min(baseband.shape[0], start + UPDATE_SAMPLES - self._position)
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
            moving = x - static
            along = moving @ self._direction.conj()
            along_power = float(np.sum(along.real**2 + along.imag**2))
            total_power = float(np.sum(moving.real**2 + moving.imag**2))
            self._cell_power += (along_power, total_power - along_power)
            out = np.asarray(x - self.gain * np.outer(along, self._direction), dtype=np.complex64)
        self._position += n
        if self._position == UPDATE_SAMPLES:
            self._position = 0
            self._update_gain()
            self._update_direction()
        return out

    def _update_gain(self) -> None:
        self._power = self._gate_decay * self._power + self._cell_power
        self._cell_power = np.zeros(2)
        along, across = self._power
        motion_share = across / (self._channels - 1)
        self.gain = max(0.0, 1.0 - GATE_MARGIN * motion_share / along) if along > 0.0 else 0.0

    def _update_direction(self) -> None:
        """One power-iteration step; it keeps the direction's phase continuous."""
        start = self._direction
        if start is None:
            start = self._covariance[:, int(np.argmax(np.diag(self._covariance).real))]
        turned = self._covariance @ start
        norm = float(np.linalg.norm(turned))
        if norm > 0.0:
            self._direction = turned / norm
