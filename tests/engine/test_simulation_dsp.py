"""Streaming DSP helpers of the simulator: exact across block boundaries."""

from __future__ import annotations

import numpy as np

from earshot_engine.simulation.dsp import (
    ChunkedNoise,
    StreamingFir,
    StreamingUpsampler,
    cubic_read,
    delay_taps,
    kaiser_lowpass,
)


def _blocks(total: int, size: int) -> list[slice]:
    return [slice(s, min(s + size, total)) for s in range(0, total, size)]


def test_streaming_fir_matches_one_long_convolution() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5000, 2))
    taps = rng.standard_normal(300)
    fir = StreamingFir(taps, 2)
    y = np.concatenate([fir.process(x[s]) for s in _blocks(5000, 777)])
    expected = np.stack([np.convolve(x[:, c], taps)[:5000] for c in range(2)], axis=1)
    assert np.allclose(y, expected, atol=1e-4)


def test_upsampler_equals_zero_stuffing_and_filtering() -> None:
    x = np.random.default_rng(1).standard_normal(3000)
    taps = 4 * kaiser_lowpass(0.125, 193)
    up = StreamingUpsampler(4, taps)
    y = np.concatenate([up.process(x[s]) for s in _blocks(3000, 500)])
    stuffed = np.zeros(12_000)
    stuffed[::4] = x
    assert np.allclose(y, np.convolve(stuffed, taps)[:12_000], atol=1e-5)


def test_chunked_noise_does_not_depend_on_the_read_pattern() -> None:
    whole = ChunkedNoise(seed=3, stream=7, channels=2).read(100, 10_000)
    noise = ChunkedNoise(seed=3, stream=7, channels=2)
    parts = np.concatenate(
        [noise.read(100 + s.start, s.stop - s.start) for s in _blocks(10_000, 999)]
    )
    assert np.array_equal(whole, parts)
    assert not np.array_equal(whole, ChunkedNoise(seed=4, stream=7, channels=2).read(100, 10_000))


def test_fractional_delays_land_between_samples() -> None:
    integer = delay_taps(np.array([60.0]), np.array([1.0]), half_width=48)
    assert integer[60] == 1.0
    assert np.abs(np.delete(integer, 60)).max() < 1e-12
    half = delay_taps(np.array([70.5]), np.array([0.5]), half_width=48)
    assert np.allclose(half[:71][::-1][:40], half[71:111])  # symmetric about 70.5
    assert abs(half.sum() - 0.5) < 0.01
    buffer = np.sin(0.1 * np.arange(100)).astype(np.float32)
    read = cubic_read(buffer, np.array([10.25, 50.5]))
    assert np.allclose(read, np.sin(0.1 * np.array([10.25, 50.5])), atol=1e-4)
