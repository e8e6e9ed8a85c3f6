"""Shared test helpers: render a mixer block by block, find the loudest tone, a fake clock."""

from __future__ import annotations

import numpy as np

from earshot_engine.audio import OutputMixer


def render_blocks(
    mixer: OutputMixer, start: int, frames: int, rate_hz: int, block: int = 480
) -> np.ndarray:
    """``frames`` of the mixer's output from ``start``, asked for as a sound card would."""
    parts = [
        mixer.render(min(block, start + frames - f), f, rate_hz)
        for f in range(start, start + frames, block)
    ]
    return np.concatenate(parts)


def dominant_hz(signal: np.ndarray, rate_hz: int) -> float:
    """Frequency of the strongest spectral peak (Hann window)."""
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    return float(np.argmax(spectrum) * rate_hz / len(signal))


class FakeClock:
    """A wall clock that moves only when slept on, so pacing tests never really sleep."""

    def __init__(self, now_s: float = 0.0) -> None:
        self.now_s = now_s
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now_s

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now_s += seconds
