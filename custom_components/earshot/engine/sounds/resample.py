"""Windowed-sinc resampling between any two integer rates, streaming or offline.

The engine's features are defined at 16 kHz while sound cards deliver 8, 44.1, 48
or 96 kHz. The ratio is rational (L/M after dividing by the gcd), so the fractional
input position of an output sample takes only L values: the filter taps for each
phase are tabulated once, and each block is one gather plus one dot product.
Numpy only, so it runs inside Home Assistant.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from ..audio import FloatArray

ZERO_CROSSINGS = 16
"""Sinc lobes kept on each side of the output sample (at the lower of the two rates)."""
ROLLOFF = 0.92
"""Cutoff as a fraction of the lower Nyquist frequency, leaving a transition band."""
KAISER_BETA = 8.6
"""About 80 dB stop-band attenuation."""


def _phase_table(up: int, down: int) -> tuple[npt.NDArray[np.float64], int]:
    """Return the (up, 2 * half_width) tap table and the half width in input samples."""
    scale = min(1.0, up / down) * ROLLOFF
    half_width = math.ceil(ZERO_CROSSINGS / scale)
    offsets = np.arange(-half_width + 1, half_width + 1, dtype=np.float64)
    # output phase p sits p/up input samples after the integer input position k0;
    # tap j multiplies input k0 + offsets[j], whose distance from the output is offsets[j] - p/up
    fraction = np.arange(up, dtype=np.float64)[:, None] / up
    distance = offsets[None, :] - fraction
    window = np.kaiser(2 * half_width + 1, KAISER_BETA)
    window_at = np.interp(np.abs(distance), np.arange(half_width + 1), window[half_width:])
    taps = scale * np.sinc(scale * distance) * window_at
    return taps, half_width


class StreamResampler:
    """Resamples a mono stream block by block with no seams between blocks.

    Latency is ``half_width`` input samples; :meth:`flush` returns the tail.
    """

    def __init__(self, input_rate_hz: int, output_rate_hz: int) -> None:
        if input_rate_hz <= 0 or output_rate_hz <= 0:
            raise ValueError("sample rates must be positive")
        gcd = math.gcd(input_rate_hz, output_rate_hz)
        self.input_rate_hz = input_rate_hz
        self.output_rate_hz = output_rate_hz
        self._up = output_rate_hz // gcd
        self._down = input_rate_hz // gcd
        self._taps, self._half_width = _phase_table(self._up, self._down)
        self._taps32 = self._taps.astype(np.float32)
        self.reset()

    def reset(self) -> None:
        """Forget the stream: the next block starts at time zero."""
        # history starts with half_width zeros so the first outputs have full support
        self._buffer: FloatArray = np.zeros(self._half_width, dtype=np.float32)
        self._buffer_start = -self._half_width
        self._next_output = 0
        self._consumed = 0

    def process(self, samples: FloatArray) -> FloatArray:
        """Return the output samples that the input so far fully determines."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        if self._up == self._down:
            return samples.copy()
        self._buffer = np.concatenate([self._buffer, samples])
        self._consumed += samples.shape[0]
        return self._emit(self._buffer_start + self._buffer.shape[0])

    def flush(self) -> FloatArray:
        """Return the remaining outputs, padding the end of the stream with silence."""
        if self._up == self._down:
            return np.zeros(0, dtype=np.float32)
        total_out = -(-self._consumed * self._up // self._down)
        pad = np.zeros(self._half_width + 1, dtype=np.float32)
        self._buffer = np.concatenate([self._buffer, pad])
        out = self._emit(self._buffer_start + self._buffer.shape[0])
        keep = max(0, total_out - (self._next_output - out.shape[0]))
        return out[:keep]

    def _emit(self, available_end: int) -> FloatArray:
        # output n needs inputs k0 - half_width + 1 .. k0 + half_width, k0 = n * down // up
        last_k0 = available_end - 1 - self._half_width
        if last_k0 < 0:
            return np.zeros(0, dtype=np.float32)
        end_output = (last_k0 * self._up) // self._down + 1
        # the largest n with n * down // up <= last_k0
        while (end_output * self._down) // self._up <= last_k0:
            end_output += 1
        n = np.arange(self._next_output, end_output, dtype=np.int64)
        if n.size == 0:
            return np.zeros(0, dtype=np.float32)
        position = n * self._down
        k0 = position // self._up
        phase = position % self._up
        first = k0 - self._half_width + 1 - self._buffer_start
        index = first[:, None] + np.arange(2 * self._half_width)[None, :]
        out: FloatArray = np.einsum("ij,ij->i", self._buffer[index], self._taps32[phase]).astype(
            np.float32
        )
        self._next_output = end_output
        # keep only the history later outputs can still need
        next_k0 = (end_output * self._down) // self._up
        drop = next_k0 - self._half_width + 1 - self._buffer_start
        if drop > 0:
            self._buffer = self._buffer[drop:]
            self._buffer_start += drop
        return out


def resample(samples: FloatArray, input_rate_hz: int, output_rate_hz: int) -> FloatArray:
    """Resample a whole mono signal; the output has ceil(n * out / in) samples."""
    stream = StreamResampler(input_rate_hz, output_rate_hz)
    return np.concatenate([stream.process(samples), stream.flush()])
