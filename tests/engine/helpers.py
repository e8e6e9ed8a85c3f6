"""Shared test helpers: render a mixer block by block, find the loudest tone, a fake clock,
knocks, a thunder clap and rain setting in."""

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


def raps(onsets_s: list[float], seconds: float = 3.0, seed: int = 0) -> np.ndarray:
    """Knuckles on a door at 16 kHz: at each onset a 120 Hz thump and three wood modes
    decaying within about 40 ms, with a click, in faint noise."""
    rate_hz = 16_000
    rng = np.random.default_rng(seed)
    x = 1e-3 * rng.normal(size=int(seconds * rate_hz))
    t = np.arange(int(0.2 * rate_hz)) / rate_hz
    for onset_s in onsets_s:
        thump = np.sin(2 * np.pi * 120 * t) * np.exp(-t / 0.04)
        click = rng.normal(size=t.size) * np.exp(-t / 0.003)
        modes = rng.uniform(180, 1_200, 3)
        phases = rng.uniform(0, 6, 3)
        body = np.mean(np.sin(2 * np.pi * modes[:, None] * t + phases[:, None]), axis=0)
        rap = thump + 0.3 * click + body * np.exp(-t / 0.028)
        start = int(onset_s * rate_hz)
        x[start : start + t.size] += 0.3 * rap / np.max(np.abs(rap))
    return x.astype(np.float32)


def thunder(seconds: float = 5.0, seed: int = 0) -> np.ndarray:
    """A thunder clap at 1 s at 16 kHz: a broadband crack, then 3 s of rolling low rumble."""
    rate_hz = 16_000
    rng = np.random.default_rng(seed)
    x = 1e-3 * rng.normal(size=int(seconds * rate_hz))
    t = np.arange(int(3.0 * rate_hz)) / rate_hz
    crack = rng.normal(size=t.size) * np.exp(-t / 0.05)
    rumble = np.convolve(rng.normal(size=t.size), np.ones(80) / 80, mode="same")
    roll = 1 + 0.5 * np.sin(2 * np.pi * 1.7 * t) * np.sin(2 * np.pi * 0.6 * t)
    burst = crack + 8 * rumble * roll * np.exp(-t / 1.0)
    x[rate_hz : rate_hz + t.size] += 0.4 * burst / np.max(np.abs(burst))
    return x.astype(np.float32)


def rain(onsets_s: list[float], seconds: float = 3.0, seed: int = 0) -> np.ndarray:
    """Rain setting in at 16 kHz: broadband noise whose level steps up by 15 dB at each
    onset and stays (a downpour after a thunder clap: onsets, but none dies away)."""
    rate_hz = 16_000
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    level = 1e-3 * 10 ** (0.75 * np.sum(t[:, None] >= np.array(onsets_s)[None, :], axis=1))
    return (level * rng.normal(size=t.size)).astype(np.float32)
