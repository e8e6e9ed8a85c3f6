"""Offline presence analysis: carrier search, clear errors, motion segments."""

from __future__ import annotations

import numpy as np
import pytest

from earshot_engine.presence.offline import CarrierError, analyze_presence, find_carrier_hz

RATE_HZ = 48_000


def _recording(seconds: float, carrier_hz: float, motion: tuple[float, float] | None) -> np.ndarray:
    """A carrier echo; during ``motion`` a reflector swings like a hand (+-0.4 m/s)."""
    rng = np.random.default_rng(7)
    t = np.arange(int(RATE_HZ * seconds)) / RATE_HZ
    x = 0.05 * np.cos(2 * np.pi * carrier_hz * t) + 1e-5 * rng.standard_normal(t.shape)
    if motion is not None:
        start, end = motion
        inside = (t >= start) & (t < end)
        # path length oscillating 0.2 m at 1.5 Hz: Doppler sweeping up to ~+-110 Hz
        path_m = 0.2 * np.sin(2 * np.pi * 1.5 * (t - start))
        echo = 2e-3 * np.cos(2 * np.pi * carrier_hz * (t - path_m / 343.0))
        x += np.where(inside, echo, 0.0)
    return x.astype(np.float32)[:, None]


def test_finds_the_carrier_to_a_fraction_of_a_hertz() -> None:
    samples = _recording(3.0, 21_037.4, None)
    assert find_carrier_hz(samples, RATE_HZ) == pytest.approx(21_037.4, abs=0.2)


def test_no_carrier_is_a_clear_error() -> None:
    noise = (0.01 * np.random.default_rng(1).standard_normal((RATE_HZ * 2, 1))).astype(np.float32)
    with pytest.raises(CarrierError, match="no steady ultrasonic carrier"):
        analyze_presence(noise, RATE_HZ)


def test_carrier_above_nyquist_is_a_clear_error() -> None:
    samples = _recording(1.0, 20_000.0, None)
    with pytest.raises(CarrierError, match="Nyquist"):
        analyze_presence(samples, RATE_HZ, carrier_hz=25_000.0)
    with pytest.raises(CarrierError, match="cannot hold an ultrasonic carrier"):
        analyze_presence(samples[::3], 16_000)


def test_reference_channel_must_exist() -> None:
    with pytest.raises(ValueError, match="reference channel 3"):
        analyze_presence(_recording(1.0, 20_000.0, None), RATE_HZ, reference_channel=3)


def test_motion_is_found_where_it_happens_and_only_there() -> None:
    segments = analyze_presence(_recording(8.0, 20_000.0, (3.0, 6.0)), RATE_HZ)
    assert segments, "the swinging reflector was not detected"
    assert all(2.9 <= s.start_s <= 6.5 and s.end_s <= 6.6 for s in segments)
    assert not analyze_presence(_recording(8.0, 20_000.0, None), RATE_HZ)
