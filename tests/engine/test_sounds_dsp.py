"""Resampler, log-mel features, ring buffer and vocabulary of the sound pipeline."""

from __future__ import annotations

import numpy as np
import pytest

from custom_components.earshot.engine.sounds.features import (
    N_MELS,
    LogMelStream,
    log_mel,
    mel_filterbank,
)
from custom_components.earshot.engine.sounds.resample import StreamResampler, resample
from custom_components.earshot.engine.sounds.ring_buffer import AudioRing
from custom_components.earshot.engine.sounds.vocabulary import (
    SOUND_TYPES,
    parse_sensitivity,
    parse_sound_type,
)


def _sine(freq_hz: float, rate_hz: int, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(rate_hz * seconds)) / rate_hz
    return np.sin(2 * np.pi * freq_hz * t).astype(np.float32)


@pytest.mark.parametrize("rate_hz", [8_000, 16_000, 44_100, 48_000, 96_000])
def test_resample_keeps_a_tone(rate_hz: int) -> None:
    out = resample(_sine(1_000.0, rate_hz), rate_hz, 16_000)
    assert out.shape[0] == 16_000
    expected = _sine(1_000.0, 16_000)
    assert np.max(np.abs(out - expected)[300:-300]) < 5e-3


@pytest.mark.parametrize("rate_hz", [44_100, 48_000, 96_000])
def test_resample_rejects_what_16k_cannot_hold(rate_hz: int) -> None:
    out = resample(_sine(10_000.0, rate_hz), rate_hz, 16_000)
    assert np.sqrt(np.mean(out[300:-300] ** 2)) < 1e-3  # aliasing would put 6 kHz here


@pytest.mark.parametrize("rate_hz", [8_000, 44_100, 48_000])
def test_streaming_resampler_has_no_seams(rate_hz: int) -> None:
    x = np.random.default_rng(0).normal(0, 0.1, rate_hz).astype(np.float32)
    whole = resample(x, rate_hz, 16_000)
    stream = StreamResampler(rate_hz, 16_000)
    sizes = [1, 7, 100, 441, 2048, 3]
    parts, pos, i = [], 0, 0
    while pos < x.shape[0]:
        parts.append(stream.process(x[pos : pos + sizes[i % len(sizes)]]))
        pos += sizes[i % len(sizes)]
        i += 1
    parts.append(stream.flush())
    np.testing.assert_allclose(np.concatenate(parts), whole, atol=1e-6)


def test_resampler_rejects_bad_rates() -> None:
    with pytest.raises(ValueError, match="positive"):
        StreamResampler(0, 16_000)


def test_log_mel_streaming_matches_whole_signal() -> None:
    x = np.random.default_rng(1).normal(0, 0.1, 16_000).astype(np.float32)
    stream = LogMelStream()
    parts = [stream.process(x[i : i + 333]).log_mel for i in range(0, x.shape[0], 333)]
    np.testing.assert_allclose(np.concatenate(parts), log_mel(x), atol=1e-5)
    assert log_mel(x).shape == (98, N_MELS)


def test_log_mel_puts_a_tone_in_its_band_and_silence_stays_finite() -> None:
    bank = mel_filterbank()
    tone = log_mel(_sine(3_000.0, 16_000))
    band = int(np.argmax(bank[int(3_000 / 31.25)]))
    assert int(np.argmax(tone.mean(axis=0))) == band
    silent = log_mel(np.zeros(8_000, dtype=np.float32))
    assert np.all(np.isfinite(silent))


def test_ring_buffer_wraps_and_clips_reads() -> None:
    ring = AudioRing(10)
    ring.write(np.arange(7, dtype=np.float32))
    ring.write(np.arange(7, 15, dtype=np.float32))
    assert (ring.start, ring.end) == (5, 15)
    np.testing.assert_array_equal(ring.read(8, 12), [8, 9, 10, 11])
    np.testing.assert_array_equal(ring.read(0, 7), [5, 6])  # older samples are gone
    assert ring.read(20, 30).size == 0
    ring.write(np.arange(100, 125, dtype=np.float32))  # longer than the ring
    np.testing.assert_array_equal(ring.read(ring.start, ring.end), np.arange(115, 125))


def test_vocabulary_is_the_public_contract() -> None:
    assert SOUND_TYPES == (
        "smoke_alarm",
        "co_alarm",
        "glass_break",
        "dog_bark",
        "baby_cry",
        "knock",
        "doorbell",
        "footsteps",
        "door",
        "water_running",
        "appliance_beep",
    )
    assert parse_sound_type("dog_bark") == "dog_bark"
    assert parse_sensitivity("high") == "high"
    with pytest.raises(ValueError, match="unknown sound"):
        parse_sound_type("cat")
    with pytest.raises(ValueError, match="unknown sensitivity"):
        parse_sensitivity("max")
