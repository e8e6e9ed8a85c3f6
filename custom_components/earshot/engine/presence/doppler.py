"""From microphone samples to Doppler features around the carrier.

Everything the presence detector does happens in a narrow band around the
carrier, so the first step mixes each channel down to complex baseband and
decimates it to about 1 kHz (a polyphase FIR, one matrix product per block):
the rest of the pipeline then costs almost nothing. The static part of the
echo (direct path, walls, furniture) is the baseband's mean over a frame;
removing it leaves what moves. A 256 ms FFT every 50 ms gives ~4 Hz Doppler
bins (~3 cm/s at 20 kHz) over +-500 Hz; bins are pooled into log-spaced bands
per side (approaching / receding), measured against the noise floor just
outside the walking band, which makes features independent of speaker level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..audio import FloatArray

ComplexArray = npt.NDArray[np.complex64]

BASEBAND_TARGET_HZ = 1000.0
PASSBAND_HZ = 430.0
"""Highest Doppler offset kept (walking band up to ~300 Hz plus the noise reference)."""
STOPBAND_ATTENUATION_DB = 80.0
FRAME_SAMPLES = 256
HOP_S = 0.05
BAND_EDGES_HZ = (
    *(2.0, 6.0, 10.0, 16.0, 24.0, 34.0, 48.0),
    *(66.0, 90.0, 120.0, 160.0, 210.0, 270.0, 330.0),
)
"""Doppler band edges per side; 1 Hz ~ 0.86 cm/s of radial speed at 20 kHz."""
NOISE_BAND_HZ = (345.0, 425.0)
"""Offsets beyond walking speed used as the noise-floor reference."""
N_BANDS = 2 * (len(BAND_EDGES_HZ) - 1)
N_PM_BANDS = len(BAND_EDGES_HZ) - 1
N_FEATURES = N_BANDS + N_PM_BANDS
N_ONE_SIDED = FRAME_SAMPLES // 2 + 1
FEATURE_CLIP_DB = (-10.0, 70.0)


def carrier_fits(carrier_hz: float, sample_rate_hz: int) -> bool:
    """Whether the carrier's Doppler band lies below the Nyquist frequency of the stream."""
    return 0.0 <= carrier_hz < sample_rate_hz / 2.0 - PASSBAND_HZ


def decimation_factor(sample_rate_hz: int) -> int:
    """Integer decimation from the stream rate to a ~1 kHz baseband."""
    return max(1, round(sample_rate_hz / BASEBAND_TARGET_HZ))


def lowpass_taps(sample_rate_hz: int, factor: int) -> npt.NDArray[np.float32]:
    """Kaiser-windowed sinc: flat to PASSBAND_HZ, stopband from the first alias edge.

    The length is a multiple of ``factor`` so the filter splits into equal phases.
    """
    baseband_hz = sample_rate_hz / factor
    stop_hz = baseband_hz - PASSBAND_HZ
    transition = 2.0 * math.pi * (stop_hz - PASSBAND_HZ) / sample_rate_hz
    beta = 0.1102 * (STOPBAND_ATTENUATION_DB - 8.7)
    length = math.ceil((STOPBAND_ATTENUATION_DB - 8.0) / (2.285 * transition)) + 1
    length = factor * math.ceil(length / factor)
    cutoff = 0.5 * (PASSBAND_HZ + stop_hz) / sample_rate_hz
    n = np.arange(length) - (length - 1) / 2.0
    taps = 2.0 * cutoff * np.sinc(2.0 * cutoff * n) * np.kaiser(length, beta)
    return np.asarray(taps / taps.sum(), dtype=np.float32)


class Demodulator:
    """Mixes every channel down around the carrier and decimates to ~1 kHz complex.

    Phase comes from the sample clock, so dropped blocks do not disturb it; the
    filter history is kept between blocks so output is seamless.
    """

    def __init__(self, carrier_hz: float, sample_rate_hz: int, channels: int) -> None:
        if not carrier_fits(carrier_hz, sample_rate_hz):
            raise ValueError(
                f"carrier {carrier_hz:.0f} Hz does not fit below the Nyquist frequency "
                f"({sample_rate_hz / 2:.0f} Hz) of a {sample_rate_hz} Hz stream"
            )
        self.carrier_hz = carrier_hz
        self.sample_rate_hz = sample_rate_hz
        self.factor = decimation_factor(sample_rate_hz)
        self.baseband_rate_hz = sample_rate_hz / self.factor
        taps = lowpass_taps(sample_rate_hz, self.factor)
        # phases_t[r, p] = taps[r*D + D-1-p]: the tap that sample p of row n - r meets
        # in output n, which sits at the last sample of row n.
        self._phases_t = np.ascontiguousarray(taps.reshape(-1, self.factor)[:, ::-1])
        self._rows = self._phases_t.shape[0]
        self._channels = channels
        self._cycles_per_frame = carrier_hz / sample_rate_hz
        self._oscillator = np.zeros(0, dtype=np.complex64)
        self._pending = np.zeros((0, channels), dtype=np.complex64)
        self._history = np.zeros((self._rows - 1, self._rows, 2 * channels), dtype=np.float32)

    def reset(self) -> None:
        """Forget the filter state."""
        self._pending = np.zeros((0, self._channels), dtype=np.complex64)
        self._history = np.zeros_like(self._history)

    def process(self, samples: FloatArray, start_frame: int) -> ComplexArray:
        """Return the new baseband samples, shape (n, channels)."""
        frames = samples.shape[0]
        if self._oscillator.shape[0] < frames:
            steps = np.arange(frames, dtype=np.float64) * self._cycles_per_frame
            self._oscillator = np.exp(-2j * np.pi * steps).astype(np.complex64)
        start_cycles = (start_frame * self._cycles_per_frame) % 1.0
        rotation = np.complex64(np.exp(-2j * np.pi * start_cycles))
        mixed = np.concatenate(
            [self._pending, samples * (self._oscillator[:frames, None] * rotation)]
        )
        rows = mixed.shape[0] // self.factor
        self._pending = mixed[rows * self.factor :]
        width = 2 * self._channels
        if rows == 0:
            return np.zeros((0, self._channels), dtype=np.complex64)
        # Real view (re/im interleaved per channel) so the filtering is one real GEMM:
        # partial[r, n, k] = row n filtered with phase r.
        real = mixed[: rows * self.factor].view(np.float32).reshape(rows, self.factor, width)
        partial = (self._phases_t @ real.transpose(1, 0, 2).reshape(self.factor, -1)).reshape(
            self._rows, rows, width
        )
        stacked = np.concatenate([self._history, partial.transpose(1, 0, 2)])
        # Output n sums partial[r] of row n - r: a diagonal walk through ``stacked``.
        item = stacked.itemsize
        diagonal = np.lib.stride_tricks.as_strided(
            stacked[self._rows - 1 :],
            shape=(rows, self._rows, width),
            strides=(self._rows * width * item, (width - self._rows * width) * item, item),
            writeable=False,
        )
        out = diagonal.sum(axis=1, dtype=np.float32)
        self._history = stacked[rows:].copy()
        return np.asarray(out.view(np.complex64))


@dataclass(frozen=True, slots=True)
class DopplerFrame:
    """One Doppler spectrum, taken every HOP_S over the last FRAME_SAMPLES."""

    time_s: float
    """Stream time of the frame's end."""
    features: npt.NDArray[np.float32]
    """Band levels over the noise floor in dB, shape (N_FEATURES,): N_BANDS of the whole
    moving echo (receding then approaching), then N_PM_BANDS of its quadrature part."""
    carrier_db: float
    """Received static carrier power over the noise floor (the link's SNR)."""
    power: npt.NDArray[np.float32]
    """Static-removed power over the noise floor, channel mean, (FRAME_SAMPLES,) in FFT order."""


def band_matrix(baseband_rate_hz: float) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """Averaging matrix (N_BANDS, FRAME_SAMPLES) from FFT bins to bands, and the noise mask."""
    freqs = np.fft.fftfreq(FRAME_SAMPLES, 1.0 / baseband_rate_hz)
    edges = np.asarray(BAND_EDGES_HZ)
    matrix = np.zeros((N_BANDS, FRAME_SAMPLES), dtype=np.float32)
    per_side = len(edges) - 1
    for i in range(per_side):
        inside = (np.abs(freqs) >= edges[i]) & (np.abs(freqs) < edges[i + 1])
        receding = inside & (freqs < 0)
        approaching = inside & (freqs > 0)
        # receding bands run from the fastest to the slowest, so the vector reads
        # like the spectrum from -330 Hz to +330 Hz.
        matrix[per_side - 1 - i, receding] = 1.0 / max(1, int(receding.sum()))
        matrix[per_side + i, approaching] = 1.0 / max(1, int(approaching.sum()))
    noise = (np.abs(freqs) >= NOISE_BAND_HZ[0]) & (np.abs(freqs) < NOISE_BAND_HZ[1])
    return matrix, noise


def pm_band_matrix(baseband_rate_hz: float) -> npt.NDArray[np.float32]:
    """Averaging matrix (N_PM_BANDS, FRAME_SAMPLES // 2 + 1) from one-sided bins to bands."""
    freqs = np.fft.rfftfreq(FRAME_SAMPLES, 1.0 / baseband_rate_hz)
    matrix = np.zeros((N_PM_BANDS, N_ONE_SIDED), dtype=np.float32)
    for i in range(N_PM_BANDS):
        inside = (freqs >= BAND_EDGES_HZ[i]) & (freqs < BAND_EDGES_HZ[i + 1])
        matrix[i, inside] = 1.0 / max(1, int(inside.sum()))
    return matrix


class DopplerAnalyzer:
    """Turns baseband samples into a DopplerFrame every HOP_S."""

    def __init__(self, baseband_rate_hz: float, channels: int) -> None:
        self.baseband_rate_hz = baseband_rate_hz
        self.hop = max(1, round(HOP_S * baseband_rate_hz))
        self._channels = channels
        window = np.hanning(FRAME_SAMPLES).astype(np.float32)
        self._window = window[:, None]
        self._window_weights = window / window.sum()
        self._sample_index = np.arange(FRAME_SAMPLES, dtype=np.float32)[:, None]
        self._channel_mean = np.full(channels, 1.0 / channels, dtype=np.float32)
        # Power of a unit tone through the window, to express powers per unit tone power.
        self._scale = np.float32(1.0 / float(window.sum()) ** 2)
        bands, noise = band_matrix(baseband_rate_hz)
        self._noise_bins = np.flatnonzero(noise)
        self._noise_middle = self._noise_bins.size // 2
        # One matrix from [two-sided power; one-sided quadrature power] to all features. A
        # real signal's power splits evenly over +-f: count both halves in the one-sided bins.
        pm_bands = 2.0 * pm_band_matrix(baseband_rate_hz)
        self._features = np.zeros((N_FEATURES, FRAME_SAMPLES + N_ONE_SIDED), dtype=np.float32)
        self._features[:N_BANDS, :FRAME_SAMPLES] = bands
        self._features[N_BANDS:, FRAME_SAMPLES:] = pm_bands
        self._mirror = -np.arange(N_ONE_SIDED) % FRAME_SAMPLES
        """FFT bin -k for every one-sided bin k."""
        self._buffer: ComplexArray = np.zeros((FRAME_SAMPLES, channels), dtype=np.complex64)
        self._filled = 0
        self._since_hop = 0
        self._end_sample = 0

    def reset(self) -> None:
        """Forget buffered baseband."""
        self._buffer[:] = 0
        self._filled = 0
        self._since_hop = 0
        self._end_sample = 0

    def process(self, baseband: ComplexArray, end_time_s: float) -> list[DopplerFrame]:
        """Consume baseband samples ending at ``end_time_s``; return any completed frames."""
        frames: list[DopplerFrame] = []
        n = baseband.shape[0]
        pos = 0
        while pos < n:
            take = min(n - pos, self.hop - self._since_hop)
            self._buffer[:-take] = self._buffer[take:].copy()
            self._buffer[-take:] = baseband[pos : pos + take]
            pos += take
            self._since_hop += take
            self._filled = min(FRAME_SAMPLES, self._filled + take)
            if self._since_hop == self.hop:
                self._since_hop = 0
                if self._filled == FRAME_SAMPLES:
                    time_s = end_time_s - (n - pos) / self.baseband_rate_hz
                    frames.append(self.frame(self._buffer, time_s))
        return frames

    def frame(self, window: ComplexArray, time_s: float) -> DopplerFrame:
        """Doppler features of one (FRAME_SAMPLES, channels) baseband window."""
        # The static echo dominates the lag-one correlation; its angle is the residual
        # carrier offset (estimated carrier, DAC/ADC clock drift). Undo it so the static
        # part sits exactly at DC, where removing the mean removes it.
        lag = np.sum(window[1:] * window[:-1].conj(), axis=0)
        phase = self._sample_index * -np.angle(lag)
        derotate = np.empty(phase.shape, dtype=np.complex64)
        derotate.real, derotate.imag = np.cos(phase), np.sin(phase)
        window = window * derotate
        static = self._window_weights @ window
        # Turned so the static echo is real: playback distortion (speaker nonlinearity)
        # amplitude-modulates the carrier, so it stays in the real part, while a moving
        # reflector's phase is arbitrary and shows in the imaginary (quadrature) part too.
        # Quadrature bands stay quiet under music.
        magnitude = np.abs(static)
        heading = np.where(magnitude > 0.0, static.conj() / np.maximum(magnitude, 1e-30), 1.0)
        spectrum = np.fft.fft((window - static) * (self._window * heading), axis=0)
        # The spectrum of the imaginary part z.imag is (Z[k] - conj(Z[-k])) / 2j.
        quadrature = spectrum[:N_ONE_SIDED] - spectrum[self._mirror].conj()
        power = np.concatenate(
            [
                spectrum.real**2 + spectrum.imag**2,
                (quadrature.real**2 + quadrature.imag**2) * np.float32(0.25),
            ]
        )
        carrier = magnitude**2
        # The middle noise bin over ln 2 is the mean of exponential (noise-bin) powers,
        # robust to a stray tone.
        middle = np.partition(power[self._noise_bins], self._noise_middle, axis=0)
        noise = np.maximum(
            middle[self._noise_middle] * (self._scale / np.float32(math.log(2.0))),
            carrier * 1e-12 + 1e-20,
        )
        relative = (power * (self._scale / noise)) @ self._channel_mean
        features = np.clip(10.0 * np.log10(self._features @ relative + 1e-6), *FEATURE_CLIP_DB)
        carrier_db = float(10.0 * np.log10(float((carrier / noise) @ self._channel_mean) + 1e-12))
        return DopplerFrame(
            time_s,
            features.astype(np.float32),
            carrier_db,
            relative[:FRAME_SAMPLES].astype(np.float32),
        )
