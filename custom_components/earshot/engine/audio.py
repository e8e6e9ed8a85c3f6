"""Audio blocks, the source contract and the output mixer every source plays through.

A source delivers float32 blocks shaped (frames, channels) stamped with a sample
clock (the index of their first frame since the stream opened), so detectors
reason in stream time, never wall time. Sources with a speaker pull what to play
from an :class:`OutputMixer`, to which emitters (ultrasonic carrier, siren, ...)
are attached; the simulated home renders the room's response to that very signal.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class AudioFormat:
    """Sample rate and channel count of a stream."""

    sample_rate_hz: int
    channels: int

    def __post_init__(self) -> None:
        if self.sample_rate_hz <= 0:
            raise ValueError(f"sample rate must be positive, got {self.sample_rate_hz}")
        if self.channels <= 0:
            raise ValueError(f"channel count must be positive, got {self.channels}")


@dataclass(frozen=True, slots=True)
class AudioBlock:
    """A block of captured audio on the stream's sample clock."""

    samples: FloatArray
    """float32, shape (frames, channels), full scale is +-1.0."""
    sample_rate_hz: int
    start_frame: int
    """Index of the first frame since the stream opened."""

    @property
    def frames(self) -> int:
        """Number of frames in the block."""
        return int(self.samples.shape[0])

    @property
    def channels(self) -> int:
        """Number of channels in the block."""
        return int(self.samples.shape[1])

    @property
    def start_s(self) -> float:
        """Stream time of the first frame, in seconds."""
        return self.start_frame / self.sample_rate_hz

    @property
    def end_s(self) -> float:
        """Stream time just after the last frame, in seconds."""
        return (self.start_frame + self.frames) / self.sample_rate_hz


class AudioSourceError(Exception):
    """A source cannot deliver audio; the message is meant for the user."""


class PortAudioMissingError(AudioSourceError):
    """The PortAudio library is not installed on this host."""


class DeviceNotFoundError(AudioSourceError):
    """The configured sound device is not present."""


class SourceLostError(AudioSourceError):
    """A running source stopped delivering audio (unplugged, file vanished)."""


class UnsupportedAudioError(AudioSourceError):
    """The audio exists but cannot be used (corrupt, truncated, wrong format)."""


class Emitter(Protocol):
    """Something that plays through the speaker: it adds its signal into a buffer."""

    def render_into(self, out: FloatArray, start_frame: int, sample_rate_hz: int) -> None:
        """Add this emitter's signal for frames [start_frame, start_frame + len(out))."""


class OutputMixer:
    """Sums the attached emitters into the speaker signal, hard-limited to +-limit.

    Emitters are attached and detached from the event loop while the audio thread
    renders, so the list is swapped under a lock and rendered from a snapshot.
    """

    def __init__(self, limit: float = 0.99) -> None:
        self._lock = threading.Lock()
        self._emitters: tuple[Emitter, ...] = ()
        self._limit = limit

    def attach(self, emitter: Emitter) -> None:
        """Start playing an emitter (no-op if already attached)."""
        with self._lock:
            if emitter not in self._emitters:
                self._emitters = (*self._emitters, emitter)

    def detach(self, emitter: Emitter) -> None:
        """Stop playing an emitter (no-op if not attached)."""
        with self._lock:
            self._emitters = tuple(e for e in self._emitters if e is not emitter)

    def render(self, frames: int, start_frame: int, sample_rate_hz: int) -> FloatArray:
        """Return the mono speaker signal for the given frames, shape (frames,)."""
        out = np.zeros(frames, dtype=np.float32)
        for emitter in self._emitters:
            emitter.render_into(out, start_frame, sample_rate_hz)
        np.clip(out, -self._limit, self._limit, out=out)
        return out


class AudioSource(ABC):
    """A stream of microphone blocks, optionally with a speaker fed by ``output``."""

    def __init__(self) -> None:
        self.output = OutputMixer()

    @property
    @abstractmethod
    def name(self) -> str:
        """Human-readable name of the source (device name, file name, scene)."""

    @property
    @abstractmethod
    def format(self) -> AudioFormat:
        """Format of the captured blocks; valid after :meth:`open`."""

    @property
    def has_output(self) -> bool:
        """Whether what is attached to ``output`` reaches a speaker."""
        return False

    @property
    def overruns(self) -> int:
        """Blocks lost inside the source (driver overruns, full hand-over queue)."""
        return 0

    @abstractmethod
    def open(self) -> None:
        """Acquire the device or file; raises :class:`AudioSourceError` on failure."""

    @abstractmethod
    def read(self, timeout_s: float) -> AudioBlock | None:
        """Return the next block, or None if none arrived within ``timeout_s``.

        Raises :class:`SourceLostError` when the source stops for good, and
        :class:`EOFError` when a finite source is exhausted.
        """

    @abstractmethod
    def close(self) -> None:
        """Release every thread, stream and handle; safe to call twice."""

    def __enter__(self) -> AudioSource:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
