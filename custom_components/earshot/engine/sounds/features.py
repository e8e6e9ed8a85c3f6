"""Log-mel features at 16 kHz, computed block by block with no seams.

One 25 ms Hann frame every 10 ms, 512-point FFT, 40 mel bands from 60 Hz to
7.6 kHz, natural log of the band power. Training (``models/sounds``) imports this
very module, so the model sees at run time exactly what it saw in training. The
power spectrum is kept alongside because the alarm cadence logic needs the fine
frequency resolution the mel bands blur.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from ..audio import FloatArray

SAMPLE_RATE_HZ: Final = 16_000
WINDOW_SAMPLES: Final = 400
HOP_SAMPLES: Final = 160
FFT_SIZE: Final = 512
N_MELS: Final = 40
MEL_MIN_HZ: Final = 60.0
MEL_MAX_HZ: Final = 7_600.0
FRAME_RATE_HZ: Final = SAMPLE_RATE_HZ // HOP_SAMPLES
LOG_FLOOR: Final = 1e-10
"""Added to band power before the log, so digital silence stays finite (about -23)."""


def _hz_to_mel(hz: float) -> float:
    return 2595.0 * math.log10(1.0 + hz / 700.0)


def _mel_to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    hz: npt.NDArray[np.float64] = 700.0 * (10.0 ** (mel / 2595.0) - 1.0)
    return hz


def mel_filterbank() -> FloatArray:
    """Return the (FFT_SIZE // 2 + 1, N_MELS) triangular HTK-mel filterbank."""
    bins_hz = np.arange(FFT_SIZE // 2 + 1) * SAMPLE_RATE_HZ / FFT_SIZE
    edges_mel = np.linspace(
        _hz_to_mel(MEL_MIN_HZ), _hz_to_mel(MEL_MAX_HZ), N_MELS + 2, dtype=np.float64
    )
    edges_hz = _mel_to_hz(edges_mel)
    low, centre, high = edges_hz[:-2], edges_hz[1:-1], edges_hz[2:]
    rising = (bins_hz[:, None] - low[None, :]) / (centre - low)[None, :]
    falling = (high[None, :] - bins_hz[:, None]) / (high - centre)[None, :]
    bank: FloatArray = np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)
    return bank


def bin_frequencies_hz() -> npt.NDArray[np.float64]:
    """Centre frequency of each power-spectrum bin."""
    return np.arange(FFT_SIZE // 2 + 1) * SAMPLE_RATE_HZ / FFT_SIZE


@dataclass(frozen=True, slots=True)
class FeatureFrames:
    """Consecutive 10 ms frames: log-mel, power spectrum and level."""

    log_mel: FloatArray
    """(frames, N_MELS) natural log of mel band power."""
    power: FloatArray
    """(frames, FFT_SIZE // 2 + 1) power spectrum of the Hann-windowed frame."""
    level_dbfs: FloatArray
    """(frames,) RMS level of the frame's samples, dB re full scale (sine peak 1.0 = -3 dB)."""

    @property
    def count(self) -> int:
        """Number of frames."""
        return int(self.log_mel.shape[0])


def frames_of(windows: FloatArray, filterbank: FloatArray, hann: FloatArray) -> FeatureFrames:
    """Compute the features of (frames, WINDOW_SAMPLES) sample windows."""
    spectrum = np.fft.rfft(windows * hann, n=FFT_SIZE, axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    log_mel = np.log(power @ filterbank + LOG_FLOOR).astype(np.float32)
    mean_square = np.mean(np.square(windows, dtype=np.float64), axis=1)
    level_dbfs = (10.0 * np.log10(mean_square + 1e-12)).astype(np.float32)
    return FeatureFrames(log_mel, power, level_dbfs)


class LogMelStream:
    """Turns a 16 kHz mono stream into feature frames, whatever the block sizes."""

    def __init__(self) -> None:
        self._filterbank = mel_filterbank()
        self._hann = np.hanning(WINDOW_SAMPLES + 1)[:-1].astype(np.float32)
        self._pending: FloatArray = np.zeros(0, dtype=np.float32)

    def reset(self) -> None:
        """Drop buffered samples."""
        self._pending = np.zeros(0, dtype=np.float32)

    def process(self, samples_16k: FloatArray) -> FeatureFrames:
        """Return every frame completed by these samples (possibly none)."""
        buffered: FloatArray = np.concatenate(
            [self._pending, np.asarray(samples_16k, dtype=np.float32)]
        )
        count = (
            0
            if buffered.shape[0] < WINDOW_SAMPLES
            else ((buffered.shape[0] - WINDOW_SAMPLES) // HOP_SAMPLES + 1)
        )
        self._pending = buffered[count * HOP_SAMPLES :]
        if count == 0:
            empty = np.zeros((0, N_MELS), dtype=np.float32)
            return FeatureFrames(
                empty,
                np.zeros((0, FFT_SIZE // 2 + 1), dtype=np.float32),
                np.zeros(0, dtype=np.float32),
            )
        windows = np.lib.stride_tricks.sliding_window_view(buffered, WINDOW_SAMPLES)[
            : count * HOP_SAMPLES : HOP_SAMPLES
        ]
        return frames_of(windows, self._filterbank, self._hann)


def log_mel(samples_16k: FloatArray) -> FloatArray:
    """Log-mel frames of a whole 16 kHz mono signal (training and offline use)."""
    return LogMelStream().process(samples_16k).log_mel
