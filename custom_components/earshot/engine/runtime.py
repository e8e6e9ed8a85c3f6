"""The processing runtime: one worker thread that reads a source and feeds detectors.

Detectors run on the stream's sample clock, one block at a time, in the worker
thread. Whatever they report is handed to a listener (which, in Home Assistant,
forwards it to the event loop with ``call_soon_threadsafe``). When the source
fails the runtime reports it once, closes it and reopens it with exponential
backoff, so an unplugged sound card comes back by itself.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .audio import AudioBlock, AudioSource, AudioSourceError

_LOGGER = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.5
"""How long a read may wait; bounds how late a stop request is noticed."""
MAX_PENDING_COMMANDS = 64


class Detector(Protocol):
    """Consumes blocks in order and returns whatever it detected in them."""

    @property
    def name(self) -> str:
        """Short identifier, used in logs and statistics."""

    def process(self, block: AudioBlock) -> Sequence[object]:
        """Consume one block; return results (possibly none) to hand to the listener."""

    def reset(self) -> None:
        """Forget all stream state; called when the source (re)opens."""


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """The source became available or unavailable."""

    available: bool
    message: str | None = None
    """Why it is unavailable, meant for the user."""
    error_type: str | None = None
    """Class name of the error that made it unavailable."""


@dataclass(frozen=True, slots=True)
class RuntimeStats:
    """Audio health as seen by the runtime."""

    running: bool
    available: bool
    blocks: int
    frames: int
    overruns: int
    reconnects: int
    effective_sample_rate_hz: float | None
    """Frames per wall-clock second over the last few seconds (None until measured)."""
    processing_load: float
    """Seconds of detector CPU time per second of audio, over the whole run."""


Listener = Callable[[object], None]


class _RateMeter:
    """Frames per wall-clock second over a sliding window of blocks."""

    def __init__(self, window: int = 200) -> None:
        self._marks: collections.deque[tuple[float, int]] = collections.deque(maxlen=window)

    def reset(self) -> None:
        self._marks.clear()

    def add(self, wall_s: float, total_frames: int) -> None:
        self._marks.append((wall_s, total_frames))

    def rate(self) -> float | None:
        if len(self._marks) < 2:
            return None
        (t0, f0), (t1, f1) = self._marks[0], self._marks[-1]
        if t1 - t0 < 0.5:
            return None
        return (f1 - f0) / (t1 - t0)


class EngineRuntime:
    """Runs detectors over a source in a worker thread, reconnecting with backoff."""

    def __init__(
        self,
        source: AudioSource,
        detectors: Sequence[Detector],
        listener: Listener,
        *,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 60.0,
    ) -> None:
        self.source = source
        self._detectors = tuple(detectors)
        self._listener = listener
        self._backoff_initial_s = backoff_initial_s
        self._backoff_max_s = backoff_max_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._commands: collections.deque[Callable[[], None]] = collections.deque(
            maxlen=MAX_PENDING_COMMANDS
        )
        self._available = False
        self._blocks = 0
        self._frames = 0
        self._reconnects = 0
        self._busy_s = 0.0
        self._audio_s = 0.0
        self._rate = _RateMeter()

    @property
    def detectors(self) -> tuple[Detector, ...]:
        """The detectors, in the order they see each block."""
        return self._detectors

    @property
    def running(self) -> bool:
        """Whether the worker thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the worker thread (no-op if running)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"earshot-{self.source.name}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the worker thread and close the source; blocks up to ``timeout_s``."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)
            if thread.is_alive():
                _LOGGER.warning("Earshot worker for %s did not stop in time", self.source.name)

    def submit(self, command: Callable[[], None]) -> None:
        """Run ``command`` in the worker thread between two blocks.

        This is how the event loop changes detector settings without locks.
        Commands sent while the runtime is stopped run at its next block.
        """
        self._commands.append(command)

    def stats(self) -> RuntimeStats:
        """A snapshot of the audio health counters."""
        return RuntimeStats(
            running=self.running,
            available=self._available,
            blocks=self._blocks,
            frames=self._frames,
            overruns=self.source.overruns,
            reconnects=self._reconnects,
            effective_sample_rate_hz=self._rate.rate(),
            processing_load=self._busy_s / self._audio_s if self._audio_s > 0 else 0.0,
        )

    def _run(self) -> None:
        backoff_s = self._backoff_initial_s
        while not self._stop.is_set():
            try:
                self.source.open()
                for detector in self._detectors:
                    detector.reset()
                self._rate.reset()
                self._set_available(SourceStatus(available=True))
                backoff_s = self._backoff_initial_s
                self._pump()
            except EOFError:
                self._set_available(SourceStatus(False, "The recording ended", "EOFError"))
                self._stop.set()
            except AudioSourceError as err:
                self._set_available(SourceStatus(False, str(err), type(err).__name__))
            except Exception as err:  # a detector bug must not kill the thread silently
                _LOGGER.exception("Earshot processing failed on %s", self.source.name)
                self._set_available(SourceStatus(False, str(err), type(err).__name__))
            finally:
                self._close_source()
            if self._stop.wait(backoff_s):
                break
            self._reconnects += 1
            backoff_s = min(backoff_s * 2.0, self._backoff_max_s)
        self._available = False

    def _close_source(self) -> None:
        try:
            self.source.close()
        except Exception:  # a failing close must not end the worker; reopening retries
            _LOGGER.exception("Closing %s failed", self.source.name)

    def _pump(self) -> None:
        while not self._stop.is_set():
            self._run_commands()
            block = self.source.read(READ_TIMEOUT_S)
            if block is None:
                continue
            started = time.perf_counter()
            for detector in self._detectors:
                for result in detector.process(block):
                    self._listener(result)
            self._busy_s += time.perf_counter() - started
            self._audio_s += block.frames / block.sample_rate_hz
            self._blocks += 1
            self._frames += block.frames
            self._rate.add(time.monotonic(), self._frames)

    def _run_commands(self) -> None:
        while self._commands:
            command = self._commands.popleft()
            try:
                command()
            except Exception:
                _LOGGER.exception("Earshot command failed")

    def _set_available(self, status: SourceStatus) -> None:
        was = self._available
        self._available = status.available
        if was != status.available or (not status.available and self._reconnects == 0):
            self._listener(status)
