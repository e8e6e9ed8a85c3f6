"""A WAV file played as a looping live source (demo and testing without a sound card)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .audio import (
    AudioBlock,
    AudioFormat,
    AudioSource,
    DeviceNotFoundError,
    FloatArray,
    UnsupportedAudioError,
)
from .pacing import RealtimePacer
from .wavio import read_wav

MAX_FILE_BYTES = 512 * 1024 * 1024
"""Larger files are refused: the whole file is held in memory while it plays."""


class WavFileSource(AudioSource):
    """Delivers a WAV file block by block, optionally looping and paced to real time."""

    def __init__(
        self,
        path: str | Path,
        *,
        loop: bool = True,
        realtime: bool = True,
        block_frames: int | None = None,
        pacer: RealtimePacer | None = None,
    ) -> None:
        super().__init__()
        self._path = Path(path)
        self._loop = loop
        self._realtime = realtime
        self._block_frames = block_frames
        self._pacer = pacer
        self._samples: FloatArray | None = None
        self._format: AudioFormat | None = None
        self._position = 0
        self._clock = 0

    @property
    def name(self) -> str:
        return self._path.name

    @property
    def format(self) -> AudioFormat:
        if self._format is None:
            raise RuntimeError("the WAV source is not open")
        return self._format

    def open(self) -> None:
        try:
            size = os.path.getsize(self._path)
        except OSError as err:
            raise DeviceNotFoundError(f"WAV file not found: {self._path}") from err
        if size > MAX_FILE_BYTES:
            raise UnsupportedAudioError(
                f"{self._path}: file too large ({size // 2**20} MiB > {MAX_FILE_BYTES // 2**20})"
            )
        try:
            samples, sample_rate_hz = read_wav(self._path)
        except OSError as err:
            raise DeviceNotFoundError(f"cannot read WAV file {self._path}: {err}") from err
        self._samples = np.ascontiguousarray(samples)
        self._format = AudioFormat(sample_rate_hz, int(samples.shape[1]))
        self._position = 0
        self._clock = 0
        if self._realtime:
            self._pacer = self._pacer or RealtimePacer(sample_rate_hz)
            self._pacer.restart()

    def read(self, timeout_s: float) -> AudioBlock | None:
        if self._samples is None or self._format is None:
            raise RuntimeError("the WAV source is not open")
        rate = self._format.sample_rate_hz
        block = self._block_frames or max(1, rate // 20)
        if self._position >= self._samples.shape[0]:
            if not self._loop:
                raise EOFError(str(self._path))
            self._position = 0
        if (
            self._realtime
            and self._pacer is not None
            and not self._pacer.wait_until_due(self._clock + block, timeout_s)
        ):
            return None
        chunk = self._samples[self._position : self._position + block]
        result = AudioBlock(chunk.copy(), rate, self._clock)
        self._position += chunk.shape[0]
        self._clock += chunk.shape[0]
        return result

    def close(self) -> None:
        self._samples = None
