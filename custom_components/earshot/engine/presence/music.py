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
arrives from elsewhere, with other gains and phases. Removing what moves along
the static echo's direction (plus the walls' later echoes of it, fitted as a
filter) takes the distortion out of every channel and leaves the rest of the
motion. It is removed only while it looks like amplitude modulation: far
stronger along that direction than across it, and in phase with the static
echo, so a person whose echo happens to share the direction is not cancelled.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

ComplexArray = npt.NDArray[np.complex64]

TAPS = 32
"""Filter length in baseband samples: ~32 ms covers a room's echoes of the distorted
carrier (wall images trail the direct path by up to ~30 ms) and, for the reference, a
short output-to-input latency of the sound card."""
MEMORY_S = 4.0
"""Time constant of the estimate; the coupling changes only when things move."""
RIDGE = 1e-3
"""Regularisation relative to the reference energy, so silence never blows up the filter."""
PRODUCT_SIZE = 32_768
"""Largest m*n*k of one matrix product in a fit: larger ones wake OpenBLAS's threads,
which cost far more than they save on matrices this small (worst on a busy machine)."""


class LaggedFit:
    """Exponentially weighted least squares of targets (n, C) on ``taps`` lags of one signal.

    Both cancellers model the distortion in each channel as a short filter of a
    signal that carries the music: the playback reference, or the modulation seen
    along the static echo's direction.
    """

    def __init__(
        self, channels: int, baseband_rate_hz: float, *, taps: int, constant: bool
    ) -> None:
        self._channels = channels
        self._taps = taps
        self._constant = constant
        self._decay_per_sample = math.exp(-1.0 / (MEMORY_S * baseband_rate_hz))
        self._newest_first = np.arange(taps - 1, -1, -1)
        self.reset()

    def reset(self) -> None:
        """Forget the signal's history and the fit."""
        size = self._taps + int(self._constant)
        self._history: npt.NDArray[np.complex128] = np.zeros(self._taps - 1, dtype=np.complex128)
        self._gram: npt.NDArray[np.complex128] = np.zeros((size, size), dtype=np.complex128)
        self._cross = np.zeros((size, self._channels), dtype=np.complex128)

    def lags(self, signal: npt.NDArray[np.generic]) -> npt.NDArray[np.complex128]:
        """(n, taps) regressors of the next n samples, newest lag first."""
        n = signal.shape[0]
        joined = np.concatenate([self._history, signal.astype(np.complex128)])
        self._history = joined[-(self._taps - 1) :]
        # row i holds joined[i + taps - 1], joined[i + taps - 2], ..., joined[i]
        return joined[np.arange(n)[:, None] + self._newest_first]

    def update(self, lagged: npt.NDArray[np.complex128], targets: npt.NDArray[np.generic]) -> None:
        """Add n samples of regressors and targets, forgetting old ones."""
        n = lagged.shape[0]
        regressors = np.concatenate([lagged, np.ones((n, 1))], axis=1) if self._constant else lagged
        decay = self._decay_per_sample**n
        gram = decay * self._gram
        rows = max(1, PRODUCT_SIZE // gram.shape[0] ** 2)
        for start in range(0, n, rows):
            part = regressors[start : start + rows]
            gram += part.conj().T @ part
        self._gram = gram
        self._cross = decay * self._cross + regressors.conj().T @ targets.astype(np.complex128)

    def filter(self) -> npt.NDArray[np.complex128] | None:
        """The (taps, C) filter from the signal to each target, None before any signal."""
        taps = self._taps
        energy = float(np.trace(self._gram[:taps, :taps]).real)
        if energy <= 0.0:
            return None
        size = self._gram.shape[0]
        regularised = self._gram + np.eye(size) * (RIDGE * energy / taps + 1e-12)
        weights = np.linalg.solve(regularised, self._cross)
        return np.asarray(weights[:taps], dtype=np.complex128)


class PlaybackCanceller:
    """Predicts the playback distortion in each microphone's baseband and subtracts it."""

    def __init__(self, channels: int, baseband_rate_hz: float = 1000.0) -> None:
        # a constant regressor takes up the static echo
        self._fit = LaggedFit(channels, baseband_rate_hz, taps=TAPS, constant=True)

    def reset(self) -> None:
        """Forget the estimated coupling."""
        self._fit.reset()

    def process(self, baseband: ComplexArray, reference: npt.NDArray[np.float32]) -> ComplexArray:
        """Return ``baseband`` (n, channels) minus the part explained by ``reference`` (n,)."""
        if baseband.shape[0] == 0:
            return baseband
        lagged = self._fit.lags(reference)
        self._fit.update(lagged, baseband)
        weights = self._fit.filter()
        if weights is None:
            return baseband
        return np.asarray(baseband - lagged @ weights, dtype=np.complex64)


STATIC_TIME_S = 0.5
"""Time constant separating the static echo (kept) from what moves (~0.3 Hz corner)."""
DIRECTION_MEMORY_S = 2.0
"""Time constant of the static echo's direction across microphones."""
GATE_TIME_S = 0.25
"""Time constant of the power comparison that sets how much is removed."""
GATE_RATIO = (4.0, 8.0)
"""Motion from a random direction puts 1/C of its power along the static direction. Moving
power there below the first multiple of that share is left alone, above the second it is
taken for distortion and removed; in between, in part."""
PHASE_RATIO = (2.0, 4.0)
"""Amplitude modulation of the carrier stays mostly in phase with the static echo (less so
where wall echoes are strong); a moving reflector's echo is as often in quadrature, and a
dominant reflector's small motion only is. In-phase over quadrature power below the first
value leaves the moving part alone, above the second it may all be distortion."""
UPDATE_SAMPLES = 128
"""Direction, filter and gain are re-estimated on this fixed grid of the stream, so output
does not depend on how the stream is cut into blocks."""


class CrossMicCanceller:
    """Removes the distortion that moves along the static echo's direction, and its echoes.

    With channels x (n, C), the static echo s is x low-passed (time constant
    STATIC_TIME_S) and u is its principal direction across channels (power iteration
    on its exponentially weighted covariance). The modulation m = u^H (x - s) is
    what moves along u. Echoes of the modulated carrier from walls arrive later and
    from other directions, so the part of x - s across u is fitted as a short filter
    of m (TAPS lags, exponentially weighted least squares). Each sample becomes
    ``x - g * (u * m + filtered m)``; the static echo passes. Without music the fit
    would learn to cancel a person from their own echo, so the gain g opens only
    when the moving power along u exceeds what motion alone puts there (GATE_RATIO):
    about 1 under music, 0 without it. A single channel passes through.
    """

    def __init__(self, channels: int, baseband_rate_hz: float = 1000.0) -> None:
        self._channels = channels
        decay = math.exp(-1.0 / (STATIC_TIME_S * baseband_rate_hz))
        lags = np.arange(UPDATE_SAMPLES)
        steps = lags[:, None] - lags[None, :]
        # smoothing[n, k]: weight of input k in the low-passed sample n of one grid cell
        self._smoothing = np.where(steps >= 0, (1.0 - decay) * decay ** np.maximum(steps, 0), 0.0)
        self._carry = decay ** (lags + 1.0)
        self._direction_decay = math.exp(-UPDATE_SAMPLES / (DIRECTION_MEMORY_S * baseband_rate_hz))
        self._gate_decay = math.exp(-UPDATE_SAMPLES / (GATE_TIME_S * baseband_rate_hz))
        self._fit = LaggedFit(channels, baseband_rate_hz, taps=TAPS, constant=False)
        # this grid cell's modulation, its lags and the moving part across u, fitted at its end
        self._cell_modulation = np.zeros(UPDATE_SAMPLES, dtype=np.complex128)
        self._cell_lags = np.zeros((UPDATE_SAMPLES, TAPS), dtype=np.complex128)
        self._cell_across = np.zeros((UPDATE_SAMPLES, channels), dtype=np.complex128)
        self.reset()

    def reset(self) -> None:
        """Forget the static echo, its direction, the echo filter and the gain."""
        self._static: npt.NDArray[np.complex128] | None = None
        self._covariance = np.zeros((self._channels, self._channels), dtype=np.complex128)
        self._direction: npt.NDArray[np.complex128] | None = None
        self._fit.reset()
        self._filter: npt.NDArray[np.complex128] | None = None
        self._position = 0  # samples since the last grid point
        # moving power along u in phase with the static echo, in quadrature, and across u
        self._power: npt.NDArray[np.float64] = np.zeros(3)
        self.gain = 0.0
        """Share of the modelled distortion that is removed."""

    @property
    def direction(self) -> npt.NDArray[np.complex128] | None:
        """Unit vector (C,) of the static echo across channels, once estimated."""
        return self._direction

    def process(self, baseband: ComplexArray) -> ComplexArray:
        """Return ``baseband`` (n, channels) without the distortion that follows the carrier."""
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
        out = piece
        direction = self._direction
        if direction is not None:
            cell = slice(self._position, self._position + n)
            moving = x - static
            modulation = moving @ direction.conj()
            along = np.outer(modulation, direction)
            lagged = self._fit.lags(modulation)
            # in the static echo's phase: amplitude modulation is real, a dominant
            # reflector's small motion imaginary, anything else both
            heading = (static @ direction.conj()).conj()
            self._cell_modulation[cell] = modulation * heading / np.maximum(abs(heading), 1e-300)
            self._cell_across[cell] = moving - along
            if self.gain > 0.0:
                self._cell_lags[cell] = lagged
                distortion = along if self._filter is None else along + lagged @ self._filter
                out = np.asarray(x - self.gain * distortion, dtype=np.complex64)
        self._position += n
        if self._position == UPDATE_SAMPLES:
            self._position = 0
            if direction is not None:
                self._end_cell()
            self._update_direction(static[-1])
        return out

    def _end_cell(self) -> None:
        """Fit the cell's echoes of the modulation and decide how much to remove next.

        The fit learns only while distortion is being removed: without music it would
        learn a person's echoes instead, and the room's echoes of the carrier change
        little between songs.
        """
        if self.gain > 0.0:
            self._fit.update(self._cell_lags, self._cell_across)
            self._filter = self._fit.filter()
        modulation = self._cell_modulation
        powers = (
            float(np.sum(modulation.real**2)),
            float(np.sum(modulation.imag**2)),
            float(np.vdot(self._cell_across, self._cell_across).real),
        )
        self._power = self._gate_decay * self._power + powers
        in_phase, quadrature, across = self._power
        along = in_phase + quadrature
        if along <= 0.0:
            self.gain = 0.0
            return
        motion_share = across / (self._channels - 1)
        self.gain = min(
            _ramp(along / max(motion_share, 1e-300), GATE_RATIO),
            _ramp(in_phase / max(quadrature, 1e-300), PHASE_RATIO),
        )

    def _update_direction(self, static: npt.NDArray[np.complex128]) -> None:
        """One power-iteration step; it keeps the direction's phase continuous."""
        decay = self._direction_decay
        self._covariance = decay * self._covariance + np.outer(static, static.conj())
        start = self._direction
        if start is None:
            start = self._covariance[:, int(np.argmax(np.diag(self._covariance).real))]
        turned = self._covariance @ start
        norm = math.sqrt(float(np.vdot(turned, turned).real))
        if norm > 0.0:
            self._direction = turned / norm


def _ramp(ratio: float, bounds: tuple[float, float]) -> float:
    """0 below the first bound, 1 above the second, linear in between."""
    low, high = bounds
    return float(np.clip((ratio - low) / (high - low), 0.0, 1.0))
