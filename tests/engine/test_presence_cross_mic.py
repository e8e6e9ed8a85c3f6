"""Cross-microphone music removal: distortion shares the static echo's direction, motion not."""

from __future__ import annotations

import itertools

import numpy as np

from earshot_engine.presence.frontend import DopplerFrontEnd
from earshot_engine.presence.music import CrossMicCanceller
from earshot_engine.simulation import Device, Music, Room, Scene, render_scene

RATE_HZ = 48_000
CARRIER_HZ = 20_000.0
MIC_DELAYS_S = (0.00010, 0.00016)
"""Speaker-to-mic delays: 2 cm apart, so the carrier's phase differs across mics."""
MIC_GAINS = (1.0, 0.7)


MOTION_BAND = 20
"""Feature index of the approaching 66-90 Hz band, where the mover's 70 Hz Doppler lands."""


def _two_mics(seconds: float, motion: bool, music: float = 0.1) -> np.ndarray:
    """Two mics hearing the carrier amplitude-modulated by bass, plus an optional mover."""
    rng = np.random.default_rng(5)
    t = np.arange(int(RATE_HZ * seconds)) / RATE_HZ
    channels = []
    for k, (delay, gain) in enumerate(zip(MIC_DELAYS_S, MIC_GAINS, strict=True)):
        late = t - delay
        bass = sum(
            0.1 * np.sin(2 * np.pi * f * late + phase) * (np.sin(2 * np.pi * 1.7 * late) > 0)
            for f, phase in ((55.0, 0.3), (110.0, 2.0), (164.8, 4.1))
        )
        mic = gain * 0.05 * np.cos(2 * np.pi * CARRIER_HZ * late) * (1.0 + music * bass)
        if motion:  # arrives from the side: another phase step between the mics than the carrier
            mic += 2e-5 * np.cos(2 * np.pi * (CARRIER_HZ + 70.0) * t + 2.5 * k)
        channels.append(mic + 1e-6 * rng.standard_normal(t.shape))
    return np.stack(channels, axis=1).astype(np.float32)


def _band_levels(samples: np.ndarray, frames: int = 40) -> np.ndarray:
    """Features of the last ``frames`` Doppler frames (the cancellers have converged)."""
    frontend = DopplerFrontEnd(CARRIER_HZ, RATE_HZ, samples.shape[1])
    found = []
    for start in range(0, len(samples), 1024):
        found += frontend.process(samples[start : start + 1024], start)
    return np.stack([f.features for f in found[-frames:]])


def test_cross_mic_removes_music_intermodulation() -> None:
    music = _two_mics(6.0, motion=False)
    one_mic = _band_levels(music[:, :1])  # a single mic cannot tell distortion from motion
    two_mics = _band_levels(music)
    assert one_mic.max() > 40.0
    assert two_mics.max() < one_mic.max() - 25.0


def test_motion_survives_the_cross_mic_canceller() -> None:
    moving = _band_levels(_two_mics(6.0, motion=True))[:, MOTION_BAND].mean()
    quiet = _band_levels(_two_mics(6.0, motion=False))[:, MOTION_BAND].mean()
    without_music = _band_levels(_two_mics(6.0, motion=True, music=0.0)[:, :1])
    assert moving > quiet + 20.0
    assert moving > without_music[:, MOTION_BAND].mean() - 6.0


def test_single_channel_passes_through() -> None:
    rng = np.random.default_rng(1)
    baseband = (rng.standard_normal((500, 1)) + 1j * rng.standard_normal((500, 1))).astype(
        np.complex64
    )
    out = CrossMicCanceller(1).process(baseband)
    np.testing.assert_array_equal(out, baseband)


NOISE = 0.002


def _baseband(rng: np.random.Generator, n: int) -> np.ndarray:
    """Static echo (2 channels) modulated along its direction, plus independent noise."""
    static = np.array([1.0 + 0.5j, -0.3 + 0.8j])
    modulation = 0.05 * np.sin(2 * np.pi * 60.0 * np.arange(n) / 1000.0)
    noise = NOISE * (rng.standard_normal((n, 2)) + 1j * rng.standard_normal((n, 2)))
    return ((1.0 + modulation)[:, None] * static + noise).astype(np.complex64)


def test_streaming_equals_batch() -> None:
    baseband = _baseband(np.random.default_rng(2), 3000)
    batch = CrossMicCanceller(2).process(baseband)
    streaming = CrossMicCanceller(2)
    sizes = np.random.default_rng(3).integers(1, 180, size=100)
    ends = np.cumsum(sizes)
    cuts = [0, *ends[ends < len(baseband)].tolist(), len(baseband)]
    parts = [streaming.process(baseband[a:b]) for a, b in itertools.pairwise(cuts)]
    np.testing.assert_allclose(np.concatenate(parts), batch, atol=1e-5)
    # the modulation is gone (what moves is about half the noise), the static echo kept
    before = baseband[500:] - baseband[500:].mean(axis=0)
    after = batch[500:] - batch[500:].mean(axis=0)
    noise_power = 2 * NOISE**2
    assert np.mean(np.abs(before) ** 2) > 5 * noise_power
    assert np.mean(np.abs(after) ** 2) < 0.6 * noise_power
    np.testing.assert_allclose(batch[500:].mean(axis=0), [1.0 + 0.5j, -0.3 + 0.8j], atol=0.01)


def test_direction_is_the_static_echo() -> None:
    canceller = CrossMicCanceller(2)
    canceller.process(_baseband(np.random.default_rng(4), 2000))
    direction = canceller.direction
    assert direction is not None
    static = np.array([1.0 + 0.5j, -0.3 + 0.8j])
    alignment = abs(np.vdot(direction, static)) / np.linalg.norm(static)
    assert alignment > 0.999


def test_motion_without_music_passes_unchanged() -> None:
    """Without distortion the gain closes: a person is not nulled for sharing some direction."""
    n = 3000
    rng = np.random.default_rng(6)
    static = np.array([1.0 + 0.5j, -0.3 + 0.8j])
    mover = 0.02 * np.array([1.0, 0.2 - 0.6j])  # a sixth of its power along the static echo
    doppler = np.exp(2j * np.pi * 40.0 * np.arange(n) / 1000.0)
    noise = NOISE * (rng.standard_normal((n, 2)) + 1j * rng.standard_normal((n, 2)))
    baseband = (static + doppler[:, None] * mover + noise).astype(np.complex64)
    canceller = CrossMicCanceller(2)
    out = canceller.process(baseband)
    assert canceller.gain == 0.0
    np.testing.assert_allclose(out[1000:], baseband[1000:], atol=1e-6)


def test_features_do_not_depend_on_block_size() -> None:
    """Training feeds cached baseband hop by hop; the detector gets sound-card blocks."""
    music = _two_mics(3.0, motion=True)
    levels = []
    for block in (480, 4800):
        frontend = DopplerFrontEnd(CARRIER_HZ, RATE_HZ, 2)
        frames = []
        for start in range(0, len(music), block):
            frames += frontend.process(music[start : start + block], start)
        levels.append(np.stack([f.features for f in frames]))
    np.testing.assert_allclose(levels[0], levels[1], atol=0.2)  # float32 rounding: ~0.1 dB


ECHOING = Scene(
    name="echoing",
    duration_s=8.0,
    room=Room(
        width_m=5.9,
        depth_m=5.3,
        height_m=2.85,
        device_position=(4.67, 0.42, 0.63),
        wall_reflection=0.68,
    ),
    device=Device(coupling_db=6.6, nonlinearity=(0.053, 0.035), speaker_cutoff_hz=21_000.0),
    actions=(Music(start_s=0.0, duration_s=8.0, level_dbfs=-12.0, bass_dbfs=-10.0),),
)
"""Weak direct coupling, hard walls close by: the walls' echoes of the distortion matter."""


def test_simulated_music_leaves_with_its_wall_echoes() -> None:
    recording = render_scene(ECHOING, seed=1, channels=2)
    one_mic = _band_levels(recording[:, :1], frames=60)
    two_mics = _band_levels(recording, frames=60)
    assert one_mic.max() > 45.0
    # removing only what moves along the static direction leaves ~42 dB here
    assert two_mics.max() < one_mic.max() - 20.0


def test_a_moving_dominant_reflector_is_not_taken_for_music() -> None:
    """Someone right by the device may outshine the direct path; their motion is not music."""
    n = 4000
    rng = np.random.default_rng(7)
    t = np.arange(n) / 1000.0
    direct = np.array([0.2, 0.2j])
    person = np.array([1.0 + 0.5j, -0.3 + 0.8j])  # their echo sets the static direction
    phase = 1.5 * np.sin(2 * np.pi * 3.0 * t) + 0.8 * np.sin(2 * np.pi * 0.7 * t + 1.0)
    noise = NOISE * (rng.standard_normal((n, 2)) + 1j * rng.standard_normal((n, 2)))
    baseband = (direct + np.exp(1j * phase)[:, None] * person + noise).astype(np.complex64)
    canceller = CrossMicCanceller(2)
    out = canceller.process(baseband)
    assert canceller.gain == 0.0
    np.testing.assert_allclose(out[1000:], baseband[1000:], atol=1e-6)
