"""Simulated household sounds: alarm cadences, levels, distance and the sound vocabulary."""

from __future__ import annotations

import numpy as np
import pytest

from earshot_engine.simulation import (
    DISTRACTOR_SOUNDS,
    SOUND_KINDS,
    Room,
    Scene,
    Sound,
    render_scene,
)
from earshot_engine.simulation.household import synthesize

RATE_HZ = 48_000
DRY_ROOM = Room(rt60_s=0.15, background_db_spl=20.0)


def _on_off_runs(x: np.ndarray, lo_hz: float, hi_hz: float) -> list[tuple[bool, float]]:
    """(sounding, seconds) runs of the band envelope in 5 ms frames, 20 dB below the peak."""
    spec = np.fft.rfft(x.astype(np.float64))
    freqs = np.fft.rfftfreq(len(x), 1.0 / RATE_HZ)
    band = np.fft.irfft(np.where((freqs > lo_hz) & (freqs < hi_hz), spec, 0), len(x))
    frame = RATE_HZ // 200
    power = np.mean(band[: len(band) // frame * frame].reshape(-1, frame) ** 2, axis=1)
    on = power > power.max() / 100.0
    runs: list[tuple[bool, float]] = []
    for state in on:
        if runs and runs[-1][0] == state:
            runs[-1] = (state, runs[-1][1] + 0.005)
        else:
            runs.append((bool(state), 0.005))
    merged: list[tuple[bool, float]] = []
    for state, seconds in runs:  # reverberation flickers around the threshold: fold blips
        if merged and (merged[-1][0] == state or seconds < 0.04):
            merged[-1] = (merged[-1][0], merged[-1][1] + seconds)
        else:
            merged.append((state, seconds))
    return merged


def _onset_intervals(runs: list[tuple[bool, float]]) -> list[float]:
    """Seconds between successive onsets (robust to reverberant tails)."""
    onsets = np.cumsum([0.0] + [s for _, s in runs])[:-1][[state for state, _ in runs]]
    return list(np.diff(onsets))


def _alarm(kind: str, variant: str, seconds: float) -> np.ndarray:
    """Render an alarm starting after 0.5 s of silence."""
    sound = Sound(start_s=0.5, duration_s=seconds, kind=kind, distance_m=1.0, variant=variant)
    scene = Scene(name=kind, duration_s=seconds + 0.5, room=DRY_ROOM, actions=(sound,))
    return render_scene(scene, default_carrier_hz=None)[:, 0]


@pytest.mark.parametrize(("variant", "lo_hz", "hi_hz"), [("piezo", 2900, 3500), ("lf", 450, 600)])
def test_smoke_alarm_follows_t3_cadence(variant: str, lo_hz: float, hi_hz: float) -> None:
    runs = _on_off_runs(_alarm("smoke_alarm", variant, 8.2), lo_hz, hi_hz)[1:-1]  # cut ends
    on = [s for state, s in runs if state]
    off = [s for state, s in runs if not state]
    assert len(on) == 6
    assert all(0.48 < s < 0.6 for s in on)  # reverberation lengthens tones a little
    assert np.allclose(_onset_intervals(runs), [1.0, 1.0, 2.0, 1.0, 1.0], atol=0.02)
    assert np.allclose(off, [0.5, 0.5, 1.5, 0.5, 0.5, 1.5], atol=0.08)


def test_co_alarm_follows_t4_cadence() -> None:
    runs = _on_off_runs(_alarm("co_alarm", "", 11.0), 2900, 3600)[1:-1]  # cut ends
    on = [s for state, s in runs if state]
    assert len(on) == 8
    assert all(0.08 < s < 0.16 for s in on)
    assert np.allclose(_onset_intervals(runs), [0.2, 0.2, 0.2, 5.1, 0.2, 0.2, 0.2], atol=0.02)


def test_alarm_tone_frequency_stays_in_the_piezo_band() -> None:
    x = _alarm("smoke_alarm", "piezo", 2.0).astype(np.float64)
    freqs = np.fft.rfftfreq(len(x), 1.0 / RATE_HZ)
    peak_hz = freqs[np.argmax(np.abs(np.fft.rfft(x)))]
    assert 3000.0 <= peak_hz <= 3400.0


@pytest.mark.parametrize("kind", [*SOUND_KINDS, "speech", *DISTRACTOR_SOUNDS])
def test_every_kind_synthesizes_a_normalised_varied_clip(kind: str) -> None:
    a = synthesize(kind, np.random.default_rng(1), 16_000, 3.0)
    b = synthesize(kind, np.random.default_rng(2), 16_000, 3.0)
    assert np.all(np.isfinite(a))
    assert 0.5 < np.max(np.abs(a)) < 30.0  # unit RMS while sounding, so a sane crest factor
    assert a.shape != b.shape or not np.allclose(a, b)


def test_far_sounds_are_quieter_and_default_levels_are_spl() -> None:
    def level_db(distance_m: float) -> float:
        sound = Sound(
            start_s=0.0, duration_s=2.0, kind="water_running", distance_m=distance_m, variant="x"
        )
        scene = Scene(name="w", duration_s=2.0, room=DRY_ROOM, actions=(sound,))
        x = render_scene(scene, seconds=2.0, default_carrier_hz=None)[:, 0].astype(np.float64)
        return float(10 * np.log10(np.mean(x**2)))

    near, one_metre, far = level_db(0.5), level_db(1.0), level_db(5.0)
    assert near - far > 4.0  # beyond the critical distance the reverberant field dominates
    assert -60.0 < one_metre < -50.0  # 62 dB SPL at 1 m with 0 dBFS = 120 dB SPL, + reverb


def test_unknown_sound_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown sound kind"):
        Sound(start_s=0.0, duration_s=1.0, kind="lawnmower")


@pytest.mark.parametrize("kind", ["glass_break", "door"])
def test_one_shot_sounds_do_not_repeat_within_their_span(kind: str) -> None:
    clip = synthesize(kind, np.random.default_rng(3), 16_000, 8.0)
    assert len(clip) == 8 * 16_000
    assert np.max(np.abs(clip[4 * 16_000 :])) < 1e-3 * np.max(np.abs(clip))
