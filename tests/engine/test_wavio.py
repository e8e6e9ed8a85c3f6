import errno
import io
import struct
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from earshot_engine import wavio
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


def test_reads_8_and_32_bit_pcm_and_64_bit_float(tmp_path: Path) -> None:
    _write_raw(tmp_path / "u8.wav", 1, 8, bytes([128, 192, 64, 0]))
    samples, _ = read_wav(tmp_path / "u8.wav")
    np.testing.assert_array_equal(samples[:, 0], [0.0, 0.5, -0.5, -1.0])

    ints = np.array([0, 1 << 30, -(1 << 30), -(1 << 31)], dtype="<i4")
    _write_raw(tmp_path / "p32.wav", 1, 32, ints.tobytes())
    samples, _ = read_wav(tmp_path / "p32.wav")
    np.testing.assert_array_equal(samples[:, 0], [0.0, 0.5, -0.5, -1.0])

    doubles = np.array([0.125, -0.75], dtype="<f8")
    _write_raw(tmp_path / "f64.wav", 3, 64, doubles.tobytes())
    samples, _ = read_wav(tmp_path / "f64.wav")
    assert samples.dtype == np.float32
    np.testing.assert_array_equal(samples[:, 0], doubles)


def _extensible(subformat: int, bits: int, channels: int, payload: bytes) -> bytes:
    """A WAVE_FORMAT_EXTENSIBLE file: the real encoding is in the sub-format GUID."""
    rate = 48_000
    align = channels * bits // 8
    guid = (
        struct.pack("<H", subformat) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    )
    fmt = struct.pack("<HHIIHH", 0xFFFE, channels, rate, rate * align, align, bits)
    fmt += struct.pack("<HHI", 22, bits, 0b11) + guid
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_reads_wave_format_extensible(tmp_path: Path) -> None:
    pcm = np.array([[16384, -16384], [0, 32767]], dtype="<i2")
    (tmp_path / "ext16.wav").write_bytes(_extensible(1, 16, 2, pcm.tobytes()))
    samples, rate = read_wav(tmp_path / "ext16.wav")
    assert rate == 48_000
    np.testing.assert_allclose(samples, pcm / 32768.0)

    floats = np.array([[0.25, -0.5]], dtype="<f4")
    (tmp_path / "extf.wav").write_bytes(_extensible(3, 32, 2, floats.tobytes()))
    samples, _ = read_wav(tmp_path / "extf.wav")
    np.testing.assert_array_equal(samples, floats)


def test_skips_odd_sized_chunks_before_the_audio(tmp_path: Path) -> None:
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    body = b"WAVE" + b"LIST" + struct.pack("<I", 3) + b"abc" + b"\x00"  # pad byte
    body += b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", 4) + np.array([8192, -8192], "<i2").tobytes()
    (tmp_path / "list.wav").write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    samples, rate = read_wav(tmp_path / "list.wav")
    assert rate == 8000
    np.testing.assert_array_equal(samples[:, 0], [0.25, -0.25])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"fmt " + struct.pack("<I", 4) + b"\x01\x00\x01\x00", "truncated WAV format chunk"),
        (b"data" + struct.pack("<I", 2) + b"\x00\x00", "data before its format chunk"),
        (
            b"fmt "
            + struct.pack("<I", 16)
            + struct.pack("<HHIIHH", 1, 0, 8000, 0, 0, 16)
            + b"data"
            + struct.pack("<I", 2)
            + b"\x00\x00",
            "0 channels",
        ),
    ],
)
def test_broken_headers_raise_clear_errors(tmp_path: Path, body: bytes, message: str) -> None:
    riff = b"WAVE" + body
    (tmp_path / "bad.wav").write_bytes(b"RIFF" + struct.pack("<I", len(riff)) + riff)
    with pytest.raises(UnsupportedAudioError, match=message):
        read_wav(tmp_path / "bad.wav")


@pytest.mark.filterwarnings("error")  # no "invalid value in cast" from NaN
def test_write_wav_writes_nan_as_silence_and_refuses_bad_shapes(tmp_path: Path) -> None:
    write_wav(tmp_path / "n.wav", np.array([np.nan, np.inf, -np.inf, 0.5], np.float32), 8000)
    samples, _ = read_wav(tmp_path / "n.wav")
    np.testing.assert_allclose(samples[:, 0], [0.0, 1.0, -1.0, 0.5], atol=1 / 32768)
    with pytest.raises(ValueError, match="frames, channels"):
        write_wav(tmp_path / "cube.wav", np.zeros((2, 2, 2), np.float32), 8000)
    assert not (tmp_path / "cube.wav").exists()


def test_disk_full_keeps_the_previous_file_and_leaves_no_partial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.wav"
    write_wav(target, np.full(100, 0.5, np.float32), 8000)
    before = target.read_bytes()

    class FullDisk(io.FileIO):
        """A file on a device with 100 bytes free."""

        def write(self, data: Any) -> int:
            if self.tell() + len(data) > 100:
                raise OSError(errno.ENOSPC, "No space left on device")
            return super().write(data)

    monkeypatch.setattr(wavio, "open", FullDisk, raising=False)
    with pytest.raises(OSError, match="No space left") as caught:
        write_wav(target, np.zeros(10_000, np.float32), 8000)
    assert caught.value.errno == errno.ENOSPC
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]
