import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from earshot_engine.audio import (
    AudioBlock,
    AudioFormat,
    AudioSource,
    DeviceNotFoundError,
    SourceLostError,
)
from earshot_engine.level import LevelMeter, LevelReading
from earshot_engine.runtime import EngineRuntime, SourceStatus
from earshot_engine.wav_file import WavFileSource
from earshot_engine.wavio import write_wav


class ScriptedSource(AudioSource):
    """Delivers `blocks_per_open` blocks, then fails as scripted; counts opens/closes."""

    def __init__(self, failures: Sequence[Exception | None], blocks_per_open: int = 5) -> None:
        super().__init__()
        self._failures = list(failures)
        self._blocks_per_open = blocks_per_open
        self.opens = 0
        self.closes = 0
        self._left = 0
        self._clock = 0
        self.open_now = False

    @property
    def name(self) -> str:
        return "scripted"

    @property
    def format(self) -> AudioFormat:
        return AudioFormat(16_000, 1)

    def open(self) -> None:
        self.opens += 1
        failure = self._failures.pop(0) if self._failures else None
        if isinstance(failure, DeviceNotFoundError):
            raise failure
        self._pending = failure
        self._left = self._blocks_per_open
        self.open_now = True

    def read(self, timeout_s: float) -> AudioBlock | None:
        if self._left == 0:
            if self._pending is not None:
                raise self._pending
            time.sleep(0.001)
            return None
        self._left -= 1
        block = AudioBlock(np.full((1600, 1), 0.1, np.float32), 16_000, self._clock)
        self._clock += 1600
        return block

    def close(self) -> None:
        self.closes += 1
        self.open_now = False


def _wait_for(predicate, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def test_runs_detectors_and_reports_health() -> None:
    source = ScriptedSource([None], blocks_per_open=30)
    messages: list[object] = []
    runtime = EngineRuntime(source, [LevelMeter(1.0)], messages.append)
    runtime.start()
    _wait_for(lambda: runtime.stats().blocks == 30)
    runtime.stop()
    assert messages[0] == SourceStatus(available=True)
    readings = [m for m in messages if isinstance(m, LevelReading)]
    assert len(readings) == 3
    assert readings[0].level_dbfs == pytest.approx(-20.0, abs=0.01)
    stats = runtime.stats()
    assert stats.frames == 30 * 1600
    assert not stats.running
    assert source.closes >= 1
    assert not source.open_now


def test_reconnects_with_backoff_and_reports_loss_once() -> None:
    lost = SourceLostError("unplugged")
    missing = DeviceNotFoundError("gone")
    source = ScriptedSource([lost, missing, missing, None])
    messages: list[object] = []
    runtime = EngineRuntime(
        source, [], messages.append, backoff_initial_s=0.001, backoff_max_s=0.004
    )
    runtime.start()
    _wait_for(lambda: source.opens >= 4 and runtime.stats().available)
    runtime.stop()
    statuses = [m for m in messages if isinstance(m, SourceStatus)]
    assert statuses == [
        SourceStatus(True),
        SourceStatus(False, "unplugged", "SourceLostError"),
        SourceStatus(True),
    ]
    assert runtime.stats().reconnects >= 3


def test_startup_failure_is_reported_and_stop_leaves_no_thread() -> None:
    before = set(threading.enumerate())
    source = ScriptedSource([DeviceNotFoundError("no card")] * 100)
    messages: list[object] = []
    runtime = EngineRuntime(source, [], messages.append, backoff_initial_s=0.01)
    runtime.start()
    _wait_for(lambda: bool(messages))
    runtime.stop()
    assert messages[0] == SourceStatus(False, "no card", "DeviceNotFoundError")
    assert set(threading.enumerate()) == before


def test_commands_run_in_the_worker_thread() -> None:
    source = ScriptedSource([None], blocks_per_open=1000)
    runtime = EngineRuntime(source, [], lambda _: None)
    seen: list[str] = []
    runtime.submit(lambda: seen.append(threading.current_thread().name))
    runtime.start()
    _wait_for(lambda: bool(seen))
    runtime.stop()
    assert seen == ["earshot-scripted"]


def test_detector_crash_is_contained_and_retried() -> None:
    class Exploding:
        name = "boom"
        calls = 0

        def process(self, block: AudioBlock) -> Sequence[object]:
            Exploding.calls += 1
            if Exploding.calls == 1:
                raise ValueError("bug")
            return ()

        def reset(self) -> None:
            pass

    source = ScriptedSource([None, None], blocks_per_open=3)
    messages: list[object] = []
    runtime = EngineRuntime(source, [Exploding()], messages.append, backoff_initial_s=0.001)
    runtime.start()
    _wait_for(lambda: Exploding.calls >= 3)
    runtime.stop()
    assert SourceStatus(False, "bug", "ValueError") in messages
    assert messages[-1] == SourceStatus(True)


def test_a_finished_recording_is_reported_and_the_worker_ends(tmp_path: Path) -> None:
    write_wav(tmp_path / "short.wav", np.full(8000, 0.1, np.float32), 8000)
    source = WavFileSource(tmp_path / "short.wav", loop=False, realtime=False, block_frames=800)
    messages: list[object] = []
    runtime = EngineRuntime(source, [], messages.append, backoff_initial_s=0.001)
    runtime.start()
    _wait_for(lambda: not runtime.running)
    assert messages == [
        SourceStatus(True),
        SourceStatus(False, "The recording ended", "EOFError"),
    ]
    stats = runtime.stats()
    assert stats.frames == 8000  # every frame reached the detectors
    assert stats.reconnects == 0  # a file that ended is not reopened
    assert not stats.available


def test_a_failing_command_is_logged_and_the_next_ones_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source = ScriptedSource([None], blocks_per_open=1000)
    runtime = EngineRuntime(source, [], lambda _: None)
    seen: list[int] = []

    def broken() -> None:
        raise KeyError("no such setting")

    runtime.submit(broken)
    runtime.submit(lambda: seen.append(1))
    runtime.start()
    _wait_for(lambda: bool(seen))
    assert runtime.running
    runtime.stop()
    assert "Earshot command failed" in caplog.text


def test_a_source_that_fails_to_close_does_not_end_the_worker(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class StuckOnClose(ScriptedSource):
        def close(self) -> None:
            super().close()
            if self.closes == 1:
                raise OSError("device busy")

    source = StuckOnClose([SourceLostError("unplugged"), None], blocks_per_open=2)
    messages: list[object] = []
    runtime = EngineRuntime(source, [], messages.append, backoff_initial_s=0.001)
    runtime.start()
    _wait_for(lambda: source.opens >= 2 and runtime.stats().available)
    assert runtime.running
    runtime.stop()
    assert messages[-1] == SourceStatus(True)
    assert "Closing scripted failed" in caplog.text
