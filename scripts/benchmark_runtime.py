"""CPU cost of the runtime on a live 48 kHz stereo stream (no detectors, then the level meter).

A stand-in for PortAudio calls SoundDeviceSource's real callback from its own
thread at the real-time pace, so the measured path is the production one:
callback copy -> bounded queue -> worker thread -> detectors. Prints the share
of one core used, from the process CPU time over wall time.

    .venv/bin/python scripts/benchmark_runtime.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import types
from typing import Any

import numpy as np

from earshot_engine.level import LevelMeter
from earshot_engine.runtime import Detector, EngineRuntime
from earshot_engine.sound_device import SoundDeviceSource


class PacedStream:
    """Calls the stream callback every block, paced to the wall clock."""

    def __init__(self, **kwargs: Any) -> None:
        self._callback = kwargs["callback"]
        self._rate = kwargs["samplerate"]
        self._block = kwargs["blocksize"]
        channels = kwargs["channels"]
        self._in_channels = channels[0] if isinstance(channels, tuple) else channels
        self._duplex = isinstance(channels, tuple)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        rng = np.random.default_rng(0)
        indata = (0.01 * rng.standard_normal((self._block, self._in_channels))).astype(np.float32)
        outdata = np.zeros((self._block, 1), np.float32)
        start = time.monotonic()
        blocks = 0
        while not self._stop.is_set():
            blocks += 1
            due = start + blocks * self._block / self._rate
            time.sleep(max(0.0, due - time.monotonic()))
            # sounddevice's signatures: (indata, [outdata,] frames, time, status)
            if self._duplex:
                self._callback(indata, outdata, self._block, None, None)
            else:
                self._callback(indata, self._block, None, None)

    def abort(self) -> None:
        self._stop.set()
        self._thread.join()

    def close(self) -> None:
        pass


def fake_sounddevice() -> types.ModuleType:
    module = types.ModuleType("sounddevice")
    module.query_hostapis = lambda: [{"name": "benchmark"}]  # type: ignore[attr-defined]
    module.query_devices = lambda: [  # type: ignore[attr-defined]
        {
            "index": 0,
            "name": "bench",
            "hostapi": 0,
            "max_input_channels": 2,
            "max_output_channels": 2,
            "default_samplerate": 48000.0,
        }
    ]
    module.Stream = PacedStream  # type: ignore[attr-defined]
    module.InputStream = PacedStream  # type: ignore[attr-defined]
    return module


def measure(detectors: list[Detector], seconds: float) -> tuple[float, int, int]:
    source = SoundDeviceSource(
        "bench", "bench", sample_rate_hz=48_000, channels=2, block_frames=2400
    )
    runtime = EngineRuntime(source, detectors, lambda _: None)
    runtime.start()
    time.sleep(1.0)  # settle
    cpu0, wall0 = time.process_time(), time.monotonic()
    time.sleep(seconds)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    stats = runtime.stats()
    runtime.stop()
    return cpu / wall, stats.blocks, stats.overruns


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    sys.modules["sounddevice"] = fake_sounddevice()
    for label, detectors in (("no detectors", []), ("level meter", [LevelMeter()])):
        share, blocks, overruns = measure(detectors, args.seconds)
        print(
            f"48 kHz stereo, {label:<12}: {100 * share:.2f} % of one core "
            f"({blocks} blocks, {overruns} overruns)"
        )


if __name__ == "__main__":
    main()
