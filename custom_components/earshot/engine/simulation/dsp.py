"""Small signal-processing helpers shared by the simulator's renderers.

Everything here is stateless or keeps explicit stream state, so that rendering
a stream in blocks of any size gives the same samples as rendering it at once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
Float64Array = npt.NDArray[np.float64]

SPEED_OF_SOUND_M_S = 343.0
REFERENCE_SPL_DB = 120.0
"""Sound pressure level that reaches 0 dBFS at the mic (a MEMS mic: -26 dBFS at 94 dB SPL)."""
NOISE_CHUNK_FRAMES = 4096
"""Noise is drawn per fixed chunk of the sample clock, so block size never changes it."""


def db_to_gain(level_db: float) -> float:
    """Amplitude ratio of a level difference in dB."""
    return float(10.0 ** (level_db / 20.0))


def spl_to_gain(level_db_spl: float) -> float:
    """Full-scale amplitude (RMS) of a sound of the given SPL at the mic."""
    return db_to_gain(level_db_spl - REFERENCE_SPL_DB)


def seeded_rng(seed: int, *keys: int) -> np.random.Generator:
    """An independent generator for one named stream of randomness of a seed."""
    return np.random.default_rng([seed & 0xFFFFFFFF, *(k & 0xFFFFFFFF for k in keys)])


class ChunkedNoise:
    """White Gaussian noise on the sample clock, identical whatever the block size."""

    def __init__(self, seed: int, stream: int, channels: int) -> None:
        self._seed = seed
        self._stream = stream
        self._channels = channels
        self._cached_index = -1
        self._cached: FloatArray = np.zeros((NOISE_CHUNK_FRAMES, channels), dtype=np.float32)

    def _chunk(self, index: int) -> FloatArray:
        if index != self._cached_index:
            rng = seeded_rng(self._seed, self._stream, index)
            self._cached = rng.standard_normal(
                (NOISE_CHUNK_FRAMES, self._channels), dtype=np.float32
            )
            self._cached_index = index
        return self._cached

    def read(self, start_frame: int, frames: int) -> FloatArray:
        """Unit-variance noise for frames [start_frame, start_frame + frames)."""
        out = np.empty((frames, self._channels), dtype=np.float32)
        done = 0
        while done < frames:
            frame = start_frame + done
            index, offset = divmod(frame, NOISE_CHUNK_FRAMES)
            count = min(frames - done, NOISE_CHUNK_FRAMES - offset)
            out[done : done + count] = self._chunk(index)[offset : offset + count]
            done += count
        return out


class StreamingFir:
    """FIR filter over a stream of (frames, channels) blocks, by FFT overlap-save.

    Keeps the last ``len(taps) - 1`` input frames, so output is exact across
    block boundaries; skips the transforms while input and history are silent.
    """

    def __init__(self, taps: Float64Array, channels: int) -> None:
        """``taps`` is (K,) for one filter on every channel or (K, C) for one per channel.

        With per-channel taps the input may be mono; it then feeds every output channel.
        """
        self._taps = np.asarray(taps, dtype=np.float64)
        self._history: Float64Array = np.zeros((len(self._taps) - 1, channels))
        self._spectra: dict[int, npt.NDArray[np.complex128]] = {}
        self._silent_frames = len(self._taps)

    def process(self, block: npt.NDArray[np.floating]) -> FloatArray:
        """Filter one block (frames, channels) and return the same shape, float32."""
        frames = block.shape[0]
        keep = len(self._taps) - 1
        silent = not np.any(block)
        self._silent_frames = self._silent_frames + frames if silent else 0
        if silent and self._silent_frames >= keep + frames:
            self._history = np.zeros_like(self._history)
            return np.zeros((frames, self._out_channels(block)), dtype=np.float32)
        joined = np.concatenate([self._history, block.astype(np.float64)], axis=0)
        self._history = joined[joined.shape[0] - keep :]
        size = 1 << int(np.ceil(np.log2(joined.shape[0])))
        spectrum = self._spectra.get(size)
        if spectrum is None:
            spectrum = np.fft.rfft(self._taps, size, axis=0)
            if spectrum.ndim == 1:
                spectrum = spectrum[:, None]
            if len(self._spectra) > 8:
                self._spectra.clear()
            self._spectra[size] = spectrum
        full = np.fft.irfft(np.fft.rfft(joined, size, axis=0) * spectrum, size, axis=0)
        return full[keep : keep + frames].astype(np.float32)

    def _out_channels(self, block: npt.NDArray[np.floating]) -> int:
        return int(self._taps.shape[1]) if self._taps.ndim == 2 else int(block.shape[1])


class StreamingUpsampler:
    """Integer-factor interpolation of a mono stream (polyphase FIR, exact across blocks)."""

    def __init__(self, factor: int, taps: Float64Array) -> None:
        per_phase = -(-len(taps) // factor)
        padded = np.zeros(per_phase * factor)
        padded[: len(taps)] = taps
        self._factor = factor
        self._phases = [padded[p::factor] for p in range(factor)]
        self._history: Float64Array = np.zeros(per_phase - 1)

    def process(self, block: Float64Array) -> FloatArray:
        """``factor`` output samples per input sample, float32."""
        joined = np.concatenate([self._history, block])
        self._history = joined[len(joined) - len(self._history) :]
        out = np.empty(len(block) * self._factor, dtype=np.float32)
        for p, phase in enumerate(self._phases):
            out[p :: self._factor] = np.convolve(joined, phase, "valid")
        return out


def kaiser_lowpass(cutoff: float, num_taps: int, beta: float = 8.0) -> Float64Array:
    """Linear-phase low-pass taps; ``cutoff`` is a fraction of the sample rate (0..0.5)."""
    n = np.arange(num_taps) - (num_taps - 1) / 2.0
    taps = 2.0 * cutoff * np.sinc(2.0 * cutoff * n) * np.kaiser(num_taps, beta)
    return np.asarray(taps / taps.sum(), dtype=np.float64)


def response_taps(
    magnitude: Callable[[Float64Array], Float64Array], sample_rate_hz: int, num_taps: int
) -> Float64Array:
    """Linear-phase FIR (odd length) approximating a magnitude response by frequency sampling."""
    grid = 4096
    freqs_hz = np.fft.rfftfreq(grid, 1.0 / sample_rate_hz)
    impulse = np.fft.irfft(magnitude(freqs_hz.astype(np.float64)), grid)
    half = num_taps // 2
    taps = np.concatenate([impulse[-half:], impulse[: half + 1]]) * np.hanning(2 * half + 3)[1:-1]
    return np.asarray(taps, dtype=np.float64)


def butterworth_magnitude(freqs_hz: Float64Array, cutoff_hz: float, order: int) -> Float64Array:
    """Magnitude of a Butterworth low-pass (used to model transducer roll-off)."""
    return np.asarray(1.0 / np.sqrt(1.0 + (freqs_hz / cutoff_hz) ** (2 * order)), np.float64)


def highpass_magnitude(freqs_hz: Float64Array, cutoff_hz: float, order: int) -> Float64Array:
    """Magnitude of a Butterworth high-pass (small speakers reproduce no deep bass)."""
    safe = np.maximum(freqs_hz, 1e-9)
    return np.asarray(1.0 / np.sqrt(1.0 + (cutoff_hz / safe) ** (2 * order)), np.float64)


def delay_taps(
    delays_frames: Float64Array, gains: Float64Array, half_width: int, beta: float = 8.0
) -> Float64Array:
    """FIR taps summing band-limited fractional delays (Kaiser-windowed sincs).

    Each delay must be at least ``half_width`` frames so its sinc fits in the taps.
    """
    length = int(np.ceil(np.max(delays_frames))) + half_width + 1
    n = np.arange(length, dtype=np.float64)
    taps = np.zeros(length)
    for delay, gain in zip(delays_frames, gains, strict=True):
        offset = n - delay
        inside = np.abs(offset) < half_width
        shape = np.i0(beta * np.sqrt(np.clip(1.0 - (offset / half_width) ** 2, 0.0, 1.0)))
        taps += np.where(inside, gain * np.sinc(offset) * shape / np.i0(beta), 0.0)
    return taps


def cubic_read(buffer: FloatArray, position: Float64Array) -> FloatArray:
    """Four-point Lagrange interpolation of ``buffer`` at fractional ``position``.

    Callers keep ``1 <= position <= len(buffer) - 3``; the buffer is oversampled,
    so the cubic's error stays far below the echoes it renders. Positions are
    float64 (a fraction of a sample matters); the arithmetic is float32 (speed).
    """
    index = position.astype(np.int64)
    frac = (position - index).astype(np.float32)
    fm1 = frac - np.float32(1.0)
    fm2 = frac - np.float32(2.0)
    fp1 = frac + np.float32(1.0)
    sixth = np.float32(1.0 / 6.0)
    half = np.float32(0.5)
    out: FloatArray = (
        -frac * fm1 * fm2 * sixth * buffer.take(index - 1)
        + fp1 * fm1 * fm2 * half * buffer.take(index)
        - fp1 * frac * fm2 * half * buffer.take(index + 1)
        + fp1 * frac * fm1 * sixth * buffer.take(index + 2)
    )
    return out


def shaped_noise(
    rng: np.random.Generator,
    frames: int,
    sample_rate_hz: int,
    magnitude: Callable[[Float64Array], Float64Array],
) -> Float64Array:
    """Noise with a given spectral shape, periodic over ``frames`` (so clips loop seamlessly)."""
    spectrum = np.fft.rfft(rng.standard_normal(frames))
    spectrum *= magnitude(np.fft.rfftfreq(frames, 1.0 / sample_rate_hz).astype(np.float64))
    out = np.fft.irfft(spectrum, frames)
    rms = float(np.sqrt(np.mean(out**2)))
    return np.asarray(out / rms if rms > 0 else out, dtype=np.float64)


def circular_filter(
    signal: Float64Array,
    sample_rate_hz: int,
    magnitude: Callable[[Float64Array], Float64Array],
) -> Float64Array:
    """Zero-phase filtering of a looping clip in the frequency domain (the loop stays seamless)."""
    freqs_hz = np.fft.rfftfreq(len(signal), 1.0 / sample_rate_hz).astype(np.float64)
    spectrum = np.fft.rfft(signal) * magnitude(freqs_hz)
    return np.asarray(np.fft.irfft(spectrum, len(signal)), dtype=np.float64)


def fade(frames: int, sample_rate_hz: int, ramp_s: float = 0.005) -> Float64Array:
    """Raised-cosine fade-in/out envelope, so synthesized tones start without clicks."""
    env = np.ones(frames)
    ramp = min(int(ramp_s * sample_rate_hz), frames // 2)
    if ramp > 0:
        rise = 0.5 - 0.5 * np.cos(np.pi * np.arange(ramp) / ramp)
        env[:ramp] = rise
        env[frames - ramp :] = rise[::-1]
    return env
