"""The simulated home's optional playback-reference channel (a playback-monitor capture)."""

from __future__ import annotations

import numpy as np

from earshot_engine.presence.frontend import DopplerFrontEnd
from earshot_engine.simulation import SimulatedHome, ToneEmitter, render_scene

RATE_HZ = 48_000
CARRIER_HZ = 20_000.0


def test_reference_is_appended_without_changing_the_mics() -> None:
    plain = render_scene("walk", seed=4, seconds=0.5, channels=2)
    with_reference = render_scene("walk", seed=4, seconds=0.5, channels=2, reference_channel=True)
    assert with_reference.shape == (plain.shape[0], 3)
    np.testing.assert_array_equal(with_reference[:, :2], plain)
    tone = np.zeros(plain.shape[0], dtype=np.float32)
    ToneEmitter(CARRIER_HZ).render_into(tone, 0, RATE_HZ)
    np.testing.assert_allclose(with_reference[:, 2], tone, atol=1e-7)  # no music: the carrier


def test_simulated_home_streams_the_reference_last() -> None:
    plain = SimulatedHome("music", channels=2, realtime=False)
    with_reference = SimulatedHome("music", channels=2, reference_channel=True, realtime=False)
    assert with_reference.format.channels == 3
    for source in (plain, with_reference):
        source.output.attach(ToneEmitter(CARRIER_HZ))
        source.open()
    a, b = plain.read(1.0), with_reference.read(1.0)
    assert a is not None
    assert b is not None
    np.testing.assert_array_equal(b.samples[:, :2], a.samples)
    assert np.std(b.samples[:, 2]) > 0.1  # the loud music, not just the -20 dBFS carrier


def _band_levels(samples: np.ndarray, reference_channel: int | None) -> np.ndarray:
    frontend = DopplerFrontEnd(CARRIER_HZ, RATE_HZ, samples.shape[1], reference_channel)
    frames = []
    for start in range(0, len(samples), 2400):
        frames += frontend.process(samples[start : start + 2400], start)
    return np.stack([f.features for f in frames[-60:]])  # after the canceller converged


def test_reference_channel_cancels_the_simulated_music() -> None:
    recording = render_scene("music", seed=1, seconds=8.0, channels=1, reference_channel=True)
    without = _band_levels(recording[:, :1], None)
    cleaned = _band_levels(recording, 1)
    assert without.max() > 35.0
    assert cleaned.max() < without.max() - 15.0
