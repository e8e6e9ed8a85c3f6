"""The siren emitter: audible sweep, level cap, fades, block-size independence."""

from __future__ import annotations

import numpy as np
import pytest

from earshot_engine.audio import OutputMixer
from earshot_engine.guard.siren import SirenConfig, SirenEmitter, sweep_cycles

from .helpers import dominant_hz, render_blocks

RATE_HZ = 48_000


def test_silent_until_started_then_sweeps_through_the_audible_band() -> None:
    mixer = OutputMixer()
    siren = SirenEmitter()
    mixer.attach(siren)
    assert not np.any(render_blocks(mixer, 0, 4800, RATE_HZ))
    siren.start()
    out = render_blocks(mixer, 4800, 2 * RATE_HZ, RATE_HZ)
    assert siren.is_on
    assert np.max(np.abs(out)) == pytest.approx(10 ** (-6 / 20), rel=0.01)
    # Early in the rise it is near the low tone, at the top near the high tone.
    low = dominant_hz(out[: RATE_HZ // 20], RATE_HZ)
    top = dominant_hz(out[RATE_HZ - RATE_HZ // 40 : RATE_HZ + RATE_HZ // 40], RATE_HZ)
    assert 600 < low < 750
    assert 1250 < top < 1400


def test_fades_in_without_a_click() -> None:
    siren = SirenEmitter()
    siren.start()
    out = np.zeros(RATE_HZ // 10, dtype=np.float32)
    siren.render_into(out, 1000, RATE_HZ)
    fade_frames = int(0.05 * RATE_HZ)
    assert np.max(np.abs(out[:48])) < 0.01
    assert np.max(np.abs(out[fade_frames:])) > 0.4


def test_stop_fades_out_then_finishes() -> None:
    mixer = OutputMixer()
    siren = SirenEmitter()
    mixer.attach(siren)
    siren.start()
    render_blocks(mixer, 0, RATE_HZ, RATE_HZ)
    siren.stop()
    assert not siren.is_on
    tail = render_blocks(mixer, RATE_HZ, RATE_HZ // 5, RATE_HZ)
    fade_frames = int(0.05 * RATE_HZ)
    assert np.max(np.abs(tail[:480])) > 0.3  # still fading
    assert not np.any(tail[fade_frames + 1 :])
    assert siren.finished


def test_duration_stops_by_itself() -> None:
    siren = SirenEmitter()
    siren.start(duration_s=0.5)
    out = np.zeros(RATE_HZ, dtype=np.float32)
    siren.render_into(out, 0, RATE_HZ)
    assert np.max(np.abs(out[: RATE_HZ // 2])) > 0.4
    assert not np.any(out[int(0.56 * RATE_HZ) :])
    assert siren.finished


def test_level_is_capped() -> None:
    loud = SirenConfig(level_dbfs=6.0, max_level_dbfs=-3.0)
    assert loud.amplitude == pytest.approx(10 ** (-3 / 20))
    with pytest.raises(ValueError, match="low_hz"):
        SirenConfig(low_hz=2000.0, high_hz=1000.0)


def test_block_size_does_not_change_the_signal() -> None:
    def run(block: int) -> np.ndarray:
        mixer = OutputMixer()
        siren = SirenEmitter()
        mixer.attach(siren)
        siren.start()
        return render_blocks(mixer, 96_000, RATE_HZ, RATE_HZ, block)

    np.testing.assert_allclose(run(256), run(1000), atol=1e-6)


def test_sweep_phase_is_continuous_across_periods() -> None:
    config = SirenConfig()
    t = np.arange(0, 3 * config.sweep_period_s * RATE_HZ) / RATE_HZ
    inst_hz = np.diff(sweep_cycles(t, config)) * RATE_HZ
    assert inst_hz.min() > config.low_hz - 1
    assert inst_hz.max() < config.high_hz + 1
    assert np.max(np.abs(np.diff(inst_hz))) < 1.0
