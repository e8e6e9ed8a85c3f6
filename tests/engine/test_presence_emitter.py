"""The ultrasonic carrier emitter: level cap, click-free fades, pause, frequency switch."""

from __future__ import annotations

import numpy as np

from earshot_engine.audio import OutputMixer
from earshot_engine.presence.emitter import CarrierEmitter, dbfs_to_amplitude

RATE_HZ = 48_000


def _render(mixer: OutputMixer, start: int, frames: int, block: int = 480) -> np.ndarray:
    parts = [
        mixer.render(min(block, start + frames - f), f, RATE_HZ)
        for f in range(start, start + frames, block)
    ]
    return np.concatenate(parts)


def _dominant_hz(signal: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    return float(np.argmax(spectrum) * RATE_HZ / len(signal))


def test_level_never_exceeds_the_cap_even_when_asked_for_more() -> None:
    mixer = OutputMixer()
    emitter = CarrierEmitter(20_000.0, 0.0, max_level_dbfs=-20.0)
    mixer.attach(emitter)
    out = _render(mixer, 0, RATE_HZ)
    cap = dbfs_to_amplitude(-20.0)
    assert np.max(np.abs(out)) <= cap * 1.0001
    assert np.max(np.abs(out[-4800:])) > 0.95 * cap
    emitter.set_cap(-30.0)
    later = _render(mixer, RATE_HZ, RATE_HZ // 2)
    assert np.max(np.abs(later)) <= dbfs_to_amplitude(-30.0) * 1.0001


def test_fades_in_without_a_click_and_reaches_the_requested_level() -> None:
    mixer = OutputMixer()
    emitter = CarrierEmitter(20_000.0, -30.0)
    mixer.attach(emitter)
    out = _render(mixer, 0, RATE_HZ // 2)
    amplitude = dbfs_to_amplitude(-30.0)
    assert np.max(np.abs(out[:48])) < 0.05 * amplitude  # first millisecond is nearly silent
    assert abs(np.max(np.abs(out[-4800:])) - amplitude) < 0.01 * amplitude
    assert emitter.settled
    assert abs(_dominant_hz(out[-8192:]) - 20_000.0) < 10.0


def test_pause_fades_to_silence_and_resume_brings_the_carrier_back() -> None:
    mixer = OutputMixer()
    emitter = CarrierEmitter(21_000.0, -30.0)
    mixer.attach(emitter)
    _render(mixer, 0, RATE_HZ // 2)
    emitter.pause()
    out = _render(mixer, RATE_HZ // 2, RATE_HZ // 2)
    assert not emitter.emitting
    assert np.max(np.abs(out[:480])) > 0.0  # fading, not cut
    assert not np.any(out[-RATE_HZ // 4 :])
    emitter.resume()
    back = _render(mixer, RATE_HZ, RATE_HZ // 2)
    assert np.max(np.abs(back[-4800:])) > 0.9 * dbfs_to_amplitude(-30.0)


def test_frequency_change_fades_out_switches_and_fades_in() -> None:
    mixer = OutputMixer()
    emitter = CarrierEmitter(19_000.0, -30.0)
    mixer.attach(emitter)
    _render(mixer, 0, RATE_HZ // 2)
    emitter.set_tone(22_000.0, -30.0)
    out = _render(mixer, RATE_HZ // 2, RATE_HZ // 2)
    envelope = np.abs(out).reshape(-1, 480).max(axis=1)
    assert envelope.min() < 0.05 * dbfs_to_amplitude(-30.0)  # went through silence
    assert abs(_dominant_hz(out[-8192:]) - 22_000.0) < 10.0
    assert np.max(np.abs(np.diff(out))) < 2.0 * np.pi * 22_000.0 / RATE_HZ * 0.04


def test_signal_does_not_depend_on_block_size() -> None:
    signals = []
    for block in (480, 1024, 4096):
        mixer = OutputMixer()
        mixer.attach(CarrierEmitter(20_500.0, -25.0))
        signals.append(_render(mixer, 1000, RATE_HZ // 4, block))
    np.testing.assert_allclose(signals[0], signals[1], atol=1e-6)
    np.testing.assert_allclose(signals[0], signals[2], atol=1e-6)
