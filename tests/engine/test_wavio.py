import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from earshot_engine.audio import UnsupportedAudioError
from earshot_engine.wavio import read_wav, write_wav


def test_round_trip_keeps_samples_rate_and_channels(tmp_path: Path) -> None:
    t = np.arange(4800) / 48_000
    stereo = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), -0.25 * np.ones_like(t)], axis=1)
    write_wav(tmp_path / "a.wav", stereo.astype(np.float32), 48_000)
    samples, rate = read_wav(tmp_path / "a.wav")
    assert rate == 48_000
    assert samples.shape == (4800, 2)
    assert samples.dtype == np.float32
    np.testing.assert_allclose(samples, stereo, atol=1 / 16384)


def _write_raw(path: Path, tag: int, bits: int, payload: bytes, channels: int = 1) -> None:
    rate = 16_000
    fmt = struct.pack(
        "<HHIIHH", tag, channels, rate, rate * channels * bits // 8, channels * bits // 8, bits
    )
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(payload)) + payload
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def test_reads_float32_and_24_bit(tmp_path: Path) -> None:
    values = np.array([0.0, 0.5, -0.5, 0.25], dtype="<f4")
    _write_raw(tmp_path / "f.wav", 3, 32, values.tobytes())
    samples, _ = read_wav(tmp_path / "f.wav")
    np.testing.assert_array_equal(samples[:, 0], values)

    ints = [0, 1 << 22, -(1 << 22)]
    raw = b"".join(int(v & 0xFFFFFF).to_bytes(3, "little") for v in ints)
    _write_raw(tmp_path / "p24.wav", 1, 24, raw)
    samples, _ = read_wav(tmp_path / "p24.wav")
    np.testing.assert_allclose(samples[:, 0], [0.0, 0.5, -0.5])


def test_truncated_data_keeps_whole_frames(tmp_path: Path) -> None:
    write_wav(tmp_path / "t.wav", np.full((1000, 2), 0.1, dtype=np.float32), 16_000)
    data = (tmp_path / "t.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[:-1001])
    samples, _ = read_wav(tmp_path / "cut.wav")
    assert samples.shape[1] == 2
    assert 700 < samples.shape[0] < 1000


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a WAV"),
        (b"hello world, not audio at all", "not a WAV"),
        (b"RIFF\x10\x00\x00\x00WAVEjunk\x02\x00\x00\x00ab", "no data chunk"),
    ],
)
def test_corrupt_files_raise_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "bad.wav").write_bytes(content)
    with pytest.raises(UnsupportedAudioError, match=message):
        read_wav(tmp_path / "bad.wav")


def test_unsupported_encoding_and_empty_data(tmp_path: Path) -> None:
    _write_raw(tmp_path / "alaw.wav", 6, 8, b"\x00\x01")
    with pytest.raises(UnsupportedAudioError, match="unsupported WAV encoding"):
        read_wav(tmp_path / "alaw.wav")
    with wave.open(str(tmp_path / "empty.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
    with pytest.raises(UnsupportedAudioError, match="no audio"):
        read_wav(tmp_path / "empty.wav")


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_wav(tmp_path / "nope.wav")
