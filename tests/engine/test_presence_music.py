"""Playback-distortion removal: the music's intermodulation leaves the Doppler band."""

from __future__ import annotations

import numpy as np

from earshot_engine.presence.frontend import DopplerFrontEnd

RATE_HZ = 48_000
CARRIER_HZ = 20_000.0


def _recording(seconds: float, motion: bool) -> np.ndarray:
    """Mic: carrier modulated by the played bass (speaker nonlinearity); ch 1: playback."""
    rng = np.random.default_rng(3)
    t = np.arange(int(RATE_HZ * seconds)) / RATE_HZ
    bass = sum(
        0.1 * np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) * (np.sin(2 * np.pi * 1.7 * t) > 0)
        for f in (55.0, 110.0, 164.8)
    )
    carrier = 0.05 * np.cos(2 * np.pi * CARRIER_HZ * t)
    mic = carrier * (1.0 + 0.1 * bass) + 1e-6 * rng.standard_normal(t.shape)
    delayed = np.roll(mic, 40)  # the acoustic path delays what the mic hears
    if motion:
        delayed += 2e-5 * np.cos(2 * np.pi * (CARRIER_HZ + 70.0) * t)
    playback = bass + carrier
    return np.stack([delayed, playback], axis=1).astype(np.float32)


def _band_levels(samples: np.ndarray, reference_channel: int | None) -> np.ndarray:
    channels = samples.shape[1] if reference_channel is not None else 1
    data = samples if reference_channel is not None else samples[:, :1]
    frontend = DopplerFrontEnd(CARRIER_HZ, RATE_HZ, channels, reference_channel)
    frames = []
    for start in range(0, len(data), 1024):
        frames += frontend.process(data[start : start + 1024], start)
    return np.stack([f.features for f in frames[-40:]])  # after the canceller converged


def test_reference_removes_music_intermodulation() -> None:
    music = _recording(8.0, motion=False)
    without = _band_levels(music, None)
    cleaned = _band_levels(music, 1)
    assert without.max() > 40.0  # the bass paints the Doppler band
    assert cleaned.max() < without.max() - 25.0


def test_motion_survives_the_canceller() -> None:
    cleaned = _band_levels(_recording(8.0, motion=True), 1)
    quiet = _band_levels(_recording(8.0, motion=False), 1)
    assert cleaned.max() > quiet.max() + 10.0
