from pathlib import Path

import numpy as np
import pytest

from earshot_engine import wav_file
from earshot_engine.audio import DeviceNotFoundError, UnsupportedAudioError
from earshot_engine.pacing import RealtimePacer
from earshot_engine.wav_file import WavFileSource
from earshot_engine.wavio import write_wav

from .helpers import FakeClock


def _ramp_file(path: Path, frames: int = 1000, channels: int = 2) -> np.ndarray:
    samples = np.linspace(-0.5, 0.5, frames * channels, dtype=np.float32).reshape(frames, channels)
    write_wav(path, samples, 8000)
    return samples


def test_loops_with_a_continuous_sample_clock(tmp_path: Path) -> None:
    _ramp_file(tmp_path / "r.wav")
    with WavFileSource(tmp_path / "r.wav", realtime=False, block_frames=300) as source:
        assert source.format.sample_rate_hz == 8000
        assert source.format.channels == 2
        blocks = [source.read(0.1) for _ in range(5)]
    starts = [b.start_frame for b in blocks if b]
    sizes = [b.frames for b in blocks if b]
    assert sizes == [300, 300, 300, 100, 300]
    assert starts == [0, 300, 600, 900, 1000]
    assert not source.has_output


def test_without_loop_ends_with_eof(tmp_path: Path) -> None:
    _ramp_file(tmp_path / "r.wav", frames=500)
    source = WavFileSource(tmp_path / "r.wav", loop=False, realtime=False, block_frames=400)
    source.open()
    assert source.read(0.1) is not None
    assert source.read(0.1) is not None
    with pytest.raises(EOFError):
        source.read(0.1)
    source.close()


def test_realtime_pacing_waits_for_the_wall_clock(tmp_path: Path) -> None:
    _ramp_file(tmp_path / "r.wav", frames=8000)
    clock = FakeClock(100.0)
    pacer = RealtimePacer(8000, clock=clock, sleep=clock.sleep)
    source = WavFileSource(tmp_path / "r.wav", block_frames=800, pacer=pacer)
    source.open()
    block = source.read(1.0)
    assert block is not None
    assert clock.slept == [pytest.approx(0.1)]
    assert source.read(0.01) is None  # next block is due 0.1 s later
    source.close()


def test_missing_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(DeviceNotFoundError, match="not found"):
        WavFileSource(tmp_path / "missing.wav").open()
    (tmp_path / "bad.wav").write_bytes(b"RIFF....WAVEgarbage")
    with pytest.raises(UnsupportedAudioError):
        WavFileSource(tmp_path / "bad.wav").open()
    with pytest.raises(RuntimeError, match="not open"):
        WavFileSource(tmp_path / "bad.wav").read(0.1)


def test_too_large_and_unreadable_files_are_refused_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ramp_file(tmp_path / "big.wav", frames=1000)
    with monkeypatch.context() as patched:
        patched.setattr(wav_file, "MAX_FILE_BYTES", 1024)
        with pytest.raises(UnsupportedAudioError, match="too large"):
            WavFileSource(tmp_path / "big.wav").open()
    (tmp_path / "folder.wav").mkdir()
    with pytest.raises(DeviceNotFoundError, match="cannot read"):
        WavFileSource(tmp_path / "folder.wav").open()
    with pytest.raises(RuntimeError, match="not open"):
        _ = WavFileSource(tmp_path / "big.wav").format


def test_a_truncated_recording_plays_every_whole_frame(tmp_path: Path) -> None:
    samples = _ramp_file(tmp_path / "r.wav", frames=1000)
    data = (tmp_path / "r.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[: len(data) - 2 * 2 * 250 - 1])  # 250.25 frames
    source = WavFileSource(tmp_path / "cut.wav", loop=False, realtime=False, block_frames=400)
    source.open()
    blocks = [source.read(0.1), source.read(0.1)]
    with pytest.raises(EOFError):
        source.read(0.1)
    played = np.concatenate([b.samples for b in blocks if b is not None])
    assert played.shape == (749, 2)
    np.testing.assert_allclose(played, samples[:749], atol=1 / 16384)
    source.close()


def test_reopening_starts_over_and_sees_a_replaced_file(tmp_path: Path) -> None:
    _ramp_file(tmp_path / "r.wav", frames=500)
    source = WavFileSource(tmp_path / "r.wav", realtime=False, block_frames=400)
    source.open()
    assert source.read(0.1) is not None
    source.close()
    write_wav(tmp_path / "r.wav", np.full((600, 1), 0.25, np.float32), 16_000)
    source.open()
    block = source.read(0.1)
    assert block is not None
    assert block.start_frame == 0
    assert source.format.sample_rate_hz == 16_000
    assert source.format.channels == 1
    np.testing.assert_allclose(block.samples, 0.25, atol=1 / 32768)
    source.close()
