"""Demodulation to baseband and Doppler features around the carrier."""

from __future__ import annotations

import numpy as np
import pytest

from earshot_engine.presence.doppler import (
    BAND_EDGES_HZ,
    N_BANDS,
    N_FEATURES,
    Demodulator,
    DopplerAnalyzer,
    decimation_factor,
)

RATE_HZ = 48_000
Array = np.ndarray
CARRIER_HZ = 20_000.0


def _tones(freqs_amps: list[tuple[float, float]], seconds: float, noise: float = 1e-5) -> Array:
    t = np.arange(int(RATE_HZ * seconds)) / RATE_HZ
    x = sum(a * np.cos(2 * np.pi * f * t) for f, a in freqs_amps)
    x = x + noise * np.random.default_rng(1).standard_normal(t.shape)
    return np.asarray(x, dtype=np.float32)[:, None]


def _demodulate(x: np.ndarray, block: int = 1024) -> np.ndarray:
    demod = Demodulator(CARRIER_HZ, RATE_HZ, x.shape[1])
    return np.concatenate([demod.process(x[i : i + block], i) for i in range(0, len(x), block)])


def test_decimation_gives_about_one_kilohertz() -> None:
    assert decimation_factor(48_000) == 48
    assert decimation_factor(44_100) == 44
    assert decimation_factor(96_000) == 96


def test_in_band_offset_keeps_amplitude_and_sign_out_of_band_is_rejected() -> None:
    up = _demodulate(_tones([(CARRIER_HZ + 120.0, 0.5)], 1.0, 0.0))[200:]
    rate = RATE_HZ / decimation_factor(RATE_HZ)
    rotation_hz = np.angle(np.mean(up[1:] * np.conj(up[:-1]))) * rate / (2 * np.pi)
    assert rotation_hz == pytest.approx(120.0, abs=0.1)
    assert np.mean(np.abs(up)) == pytest.approx(0.25, rel=0.01)  # a cosine is two half-phasors
    far = _demodulate(_tones([(CARRIER_HZ + 800.0, 0.5), (12_000.0, 0.5)], 1.0, 0.0))[200:]
    assert 20 * np.log10(np.max(np.abs(far)) / 0.25) < -70.0


def test_output_does_not_depend_on_block_size() -> None:
    x = _tones([(CARRIER_HZ, 0.1), (CARRIER_HZ - 40.0, 0.01)], 0.5)
    a = _demodulate(x, 480)
    b = _demodulate(x, 4096)
    n = min(len(a), len(b))
    np.testing.assert_allclose(a[:n], b[:n], atol=1e-6)


def test_carrier_beyond_nyquist_is_refused() -> None:
    with pytest.raises(ValueError, match="Nyquist"):
        Demodulator(23_800.0, RATE_HZ, 1)


def _features(x: np.ndarray) -> tuple[np.ndarray, list[float]]:
    demod = Demodulator(CARRIER_HZ, RATE_HZ, x.shape[1])
    analyzer = DopplerAnalyzer(demod.baseband_rate_hz, x.shape[1])
    frames = []
    for i in range(0, len(x), 1024):
        chunk = x[i : i + 1024]
        frames += analyzer.process(demod.process(chunk, i), (i + len(chunk)) / RATE_HZ)
    return np.stack([f.features for f in frames]), [f.carrier_db for f in frames]


def test_static_carrier_alone_shows_no_doppler() -> None:
    features, carrier_db = _features(_tones([(CARRIER_HZ, 0.1)], 1.0))
    assert features.max() < 12.0  # single noise bins peak about 10 dB over their mean
    assert abs(float(features.mean())) < 1.5
    assert min(carrier_db) > 60.0


def test_approaching_echo_lights_the_matching_positive_band_only() -> None:
    features, _ = _features(_tones([(CARRIER_HZ, 0.1), (CARRIER_HZ + 50.0, 1e-3)], 1.0))
    per_side = len(BAND_EDGES_HZ) - 1
    band = per_side + int(np.searchsorted(BAND_EDGES_HZ, 50.0) - 1)
    last = features[-1]
    assert int(np.argmax(last)) == band
    assert last[band] > 40.0
    assert last[per_side - 1 - (band - per_side)] < 10.0  # the mirror (receding) band


def test_every_channel_contributes() -> None:
    mono = _tones([(CARRIER_HZ, 0.1)], 1.0)
    moving = _tones([(CARRIER_HZ, 0.1), (CARRIER_HZ - 30.0, 1e-3)], 1.0)
    one_moving = np.concatenate([mono, moving], axis=1)
    features, _ = _features(one_moving)
    assert features[-1].max() > 30.0


def test_quadrature_bands_separate_motion_from_amplitude_modulation() -> None:
    t = np.arange(RATE_HZ) / RATE_HZ
    carrier = 0.1 * np.cos(2 * np.pi * CARRIER_HZ * t)
    # speaker nonlinearity: the played bass modulates the carrier's amplitude
    music = carrier * (1.0 + 0.01 * np.sin(2 * np.pi * 60.0 * t))
    noise = 1e-6 * np.random.default_rng(2).standard_normal(t.shape)
    am, _ = _features(np.asarray(music + noise, dtype=np.float32)[:, None])
    motion, _ = _features(_tones([(CARRIER_HZ, 0.1), (CARRIER_HZ + 60.0, 5e-4)], 1.0))
    whole, quadrature = slice(0, N_BANDS), slice(N_BANDS, N_FEATURES)
    assert am[-1, whole].max() > 40.0
    assert am[-1, quadrature].max() < am[-1, whole].max() - 30.0
    assert motion[-1, quadrature].max() > motion[-1, whole].max() - 6.0
