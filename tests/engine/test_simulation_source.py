"""SimulatedHome as an AudioSource: determinism, pacing, looping, EOF, clean close."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from earshot_engine.audio import OutputMixer
from earshot_engine.simulation import SCENES, Scene, SimulatedHome, ToneEmitter, Walk, render_scene

from .helpers import FakeClock

RATE_HZ = 48_000
SHORT = Scene(
    name="short",
    duration_s=1.0,
    actions=(Walk(start_s=0.1, duration_s=0.8, waypoints=((1.0, 3.0), (2.0, 1.5))),),
)


def _read_all(source: SimulatedHome, blocks: int) -> np.ndarray:
    parts = []
    for _ in range(blocks):
        block = source.read(1.0)
        assert block is not None
        parts.append(block.samples)
    return np.concatenate(parts)


def test_same_seed_same_samples_whatever_the_block_size() -> None:
    a = render_scene("demo", seed=3, seconds=1.0, block_frames=4800)
    b = render_scene("demo", seed=3, seconds=1.0, block_frames=1111)
    c = render_scene("demo", seed=4, seconds=1.0, block_frames=4800)
    assert np.array_equal(a, render_scene("demo", seed=3, seconds=1.0, block_frames=4800))
    assert np.allclose(a, b, atol=1e-6)
    assert not np.allclose(a, c, atol=1e-6)


def test_source_matches_offline_render_with_the_same_emitter() -> None:
    source = SimulatedHome(SHORT, seed=1, realtime=False, block_frames=2400)
    source.output.attach(ToneEmitter(20_000.0))
    with source:
        live = _read_all(source, 10)
    offline = render_scene(SHORT, seed=1, emitters=[ToneEmitter(20_000.0)])
    assert live.dtype == np.float32
    assert live.shape == (RATE_HZ // 2, 2)
    assert np.allclose(live, offline[: RATE_HZ // 2], atol=1e-6)


def test_speaker_signal_comes_from_the_output_mixer() -> None:
    with SimulatedHome(SHORT, realtime=False) as source:
        silent = _read_all(source, 4)
    assert isinstance(source.output, OutputMixer)
    assert source.has_output
    source = SimulatedHome(SHORT, realtime=False)
    source.output.attach(ToneEmitter(20_000.0, level_dbfs=-10.0))
    with source:
        loud = _read_all(source, 4)
    assert np.std(loud) > 10 * np.std(silent)


def test_realtime_pacing_follows_the_fake_wall_clock() -> None:
    clock = FakeClock(100.0)
    source = SimulatedHome(SHORT, block_frames=2400, clock=clock, sleep=clock.sleep)
    source.open()
    start_s = clock.now_s
    _read_all(source, 8)
    assert clock.now_s - start_s == pytest.approx(8 * 0.05, abs=1e-6)
    assert source.read(0.01) is None  # next block is due in 50 ms
    clock.now_s += 1.0  # fell behind: blocks come at once
    assert source.read(0.0) is not None
    source.close()


def test_not_looping_ends_with_eof_after_exactly_the_scene() -> None:
    source = SimulatedHome(SHORT, realtime=False, loop=False, block_frames=7000)
    source.open()
    frames = 0
    while frames < RATE_HZ:
        block = source.read(1.0)
        assert block is not None
        assert block.start_frame == frames
        frames += block.frames
    with pytest.raises(EOFError):
        source.read(1.0)
    assert frames == RATE_HZ
    source.close()


def test_looping_replays_the_timeline_and_maps_ground_truth() -> None:
    source = SimulatedHome(SHORT, realtime=False, block_frames=4800)
    source.open()
    _read_all(source, 15)  # past the end of the one-second scene: it loops
    assert source.position_frames == 72_000
    assert source.scene_time_s(1.5) == pytest.approx(0.5)
    assert {a.label for a in source.active_annotations(1.5)} == {"person", "major"}
    assert source.active_annotations(1.95) == ()
    source.close()


def test_close_leaves_no_threads_and_can_be_called_twice() -> None:
    before = threading.active_count()
    source = SimulatedHome("demo", realtime=False)
    source.open()
    _read_all(source, 2)
    source.close()
    source.close()
    assert threading.active_count() == before
    with pytest.raises(RuntimeError):
        source.read(0.1)


@pytest.mark.parametrize(("rate_hz", "channels"), [(16_000, 1), (96_000, 4)])
def test_other_rates_and_channel_counts(rate_hz: int, channels: int) -> None:
    x = render_scene("walk", seconds=0.3, sample_rate_hz=rate_hz, channels=channels)
    assert x.shape == (round(0.3 * rate_hz), channels)
    assert np.all(np.isfinite(x))


def test_scene_names_resolve() -> None:
    source = SimulatedHome("fan")
    assert source.scene is SCENES["fan"]
    assert "fan" in source.name
    with pytest.raises(KeyError):
        SimulatedHome("no-such-scene")


def test_rejects_rates_below_16_khz_and_empty_blocks() -> None:
    with pytest.raises(ValueError, match="16000"):
        SimulatedHome("empty", sample_rate_hz=8_000)
    with pytest.raises(ValueError, match="block_frames"):
        SimulatedHome("empty", block_frames=0)
