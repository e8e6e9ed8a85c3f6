"""Reading and writing WAV files as float32 arrays, with errors a user can act on.

Reading uses its own small chunk parser rather than the standard library's ``wave``,
which refuses IEEE-float and WAVE_FORMAT_EXTENSIBLE files and truncated recordings
(PCM 8/16/24/32-bit and 32/64-bit float are read). Writing is 16-bit PCM via ``wave``.
"""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np

from .audio import FloatArray, UnsupportedAudioError
from .files import write_atomic

_WAVE_FORMAT_PCM = 1
_WAVE_FORMAT_IEEE_FLOAT = 3
_WAVE_FORMAT_EXTENSIBLE = 0xFFFE


def read_wav(path: str | Path) -> tuple[FloatArray, int]:
    """Return (samples shaped (frames, channels) in +-1.0, sample rate in Hz).

    Raises FileNotFoundError for a missing file and UnsupportedAudioError for a
    file that is not a usable WAV (corrupt, truncated, compressed, empty).
    """
    path = Path(path)
    data = path.read_bytes()
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise UnsupportedAudioError(f"{path}: not a WAV file (no RIFF/WAVE header)")
    fmt, payload = _parse_chunks(path, data)
    format_tag, channels, sample_rate_hz, bits = fmt
    if channels == 0 or sample_rate_hz == 0:
        raise UnsupportedAudioError(f"{path}: invalid WAV header (0 channels or 0 Hz)")
    samples = _decode(path, payload, format_tag, channels, bits)
    if samples.shape[0] == 0:
        raise UnsupportedAudioError(f"{path}: the WAV file holds no audio")
    return samples, sample_rate_hz


def _parse_chunks(path: Path, data: bytes) -> tuple[tuple[int, int, int, int], bytes]:
    pos = 12
    fmt: tuple[int, int, int, int] | None = None
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        body = data[pos + 8 : pos + 8 + size]
        if chunk_id == b"fmt ":
            if len(body) < 16:
                raise UnsupportedAudioError(f"{path}: truncated WAV format chunk")
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == _WAVE_FORMAT_EXTENSIBLE and len(body) >= 26:
                (tag,) = struct.unpack("<H", body[24:26])
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            if fmt is None:
                raise UnsupportedAudioError(f"{path}: WAV data before its format chunk")
            if len(body) < size:
                # Truncated file (recording cut short): keep the whole frames we have.
                block_align = max(1, fmt[1] * fmt[3] // 8)
                body = body[: len(body) - len(body) % block_align]
            return fmt, body
        pos += 8 + size + (size & 1)
    raise UnsupportedAudioError(f"{path}: truncated or corrupt WAV (no data chunk)")


def _decode(path: Path, payload: bytes, format_tag: int, channels: int, bits: int) -> FloatArray:
    width = bits // 8
    usable = len(payload) - len(payload) % (width * channels) if width else 0
    raw = payload[:usable]
    if format_tag == _WAVE_FORMAT_IEEE_FLOAT and bits in (32, 64):
        values = np.frombuffer(raw, dtype="<f4" if bits == 32 else "<f8").astype(np.float32)
    elif format_tag == _WAVE_FORMAT_PCM and bits == 8:
        values = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif format_tag == _WAVE_FORMAT_PCM and bits == 16:
        values = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif format_tag == _WAVE_FORMAT_PCM and bits == 24:
        triplets = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = triplets[:, 0] | (triplets[:, 1] << 8) | (triplets[:, 2] << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        values = ints.astype(np.float32) / float(1 << 23)
    elif format_tag == _WAVE_FORMAT_PCM and bits == 32:
        values = (np.frombuffer(raw, dtype="<i4").astype(np.float64) / 2.0**31).astype(np.float32)
    else:
        raise UnsupportedAudioError(
            f"{path}: unsupported WAV encoding (format {format_tag}, {bits} bits); "
            "use PCM 8/16/24/32-bit or 32/64-bit float"
        )
    return values.reshape(-1, channels)


def write_wav(path: str | Path, samples: FloatArray, sample_rate_hz: int) -> None:
    """Write (frames, channels) or (frames,) float samples as 16-bit PCM, clipping to +-1.

    NaN is written as silence. The file is written beside ``path`` and renamed over it,
    so a full disk raises OSError, leaves no truncated WAV and keeps any previous file.
    """
    array = np.asarray(samples, dtype=np.float32)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(f"samples must be shaped (frames, channels), got {array.shape}")
    finite = np.nan_to_num(array, nan=0.0, posinf=1.0, neginf=-1.0)
    pcm = np.round(np.clip(finite, -1.0, 1.0 - 1.0 / 32768.0) * 32768.0).astype("<i2")

    def write(target: Path) -> None:
        with open(target, "wb") as handle, wave.open(handle, "wb") as out:
            out.setnchannels(int(array.shape[1]))
            out.setsampwidth(2)
            out.setframerate(int(sample_rate_hz))
            out.writeframes(pcm.tobytes())

    write_atomic(path, write)
