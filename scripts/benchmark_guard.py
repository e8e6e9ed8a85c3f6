"""CPU cost of the guard's audio-thread parts: the siren emitter and the clip recorder.

Both run in the engine's worker thread on every block (the siren only while it
sounds), so their cost per second of audio must stay a small share of a core.
Prints milliseconds of CPU per second of 48 kHz stereo audio, and the time to cut
a 10 s clip (a stall of the audio thread while it happens).

    .venv/bin/python scripts/benchmark_guard.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from earshot_engine.audio import AudioBlock, OutputMixer
from earshot_engine.guard.recorder import ClipRecorder, ClipRequest
from earshot_engine.guard.siren import SirenEmitter

RATE_HZ = 48_000
BLOCK_FRAMES = 2_400


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    seconds = parser.parse_args().seconds
    blocks = int(seconds * RATE_HZ / BLOCK_FRAMES)

    mixer = OutputMixer()
    siren = SirenEmitter()
    mixer.attach(siren)
    siren.start()
    started = time.process_time()
    for index in range(blocks):
        mixer.render(BLOCK_FRAMES, index * BLOCK_FRAMES, RATE_HZ)
    siren_ms = (time.process_time() - started) / seconds * 1000

    recorder = ClipRecorder()
    noise = np.random.default_rng(0).standard_normal((BLOCK_FRAMES, 2)).astype(np.float32)
    started = time.process_time()
    for index in range(blocks):
        recorder.process(AudioBlock(noise * 0.1, RATE_HZ, index * BLOCK_FRAMES))
    recorder_ms = (time.process_time() - started) / seconds * 1000

    recorder.request(ClipRequest("bench", event_s=seconds - 5.0, pre_roll_s=5.0, post_roll_s=5.0))
    started = time.process_time()
    (clip,) = recorder.process(AudioBlock(noise, RATE_HZ, blocks * BLOCK_FRAMES))
    cut_ms = (time.process_time() - started) * 1000

    for label, ms in (("siren sounding", siren_ms), ("clip recorder", recorder_ms)):
        print(f"{label}: {ms:.2f} ms CPU per s of audio ({ms / 10:.2f}% of a core)")
    print(f"cutting a {clip.clip.duration_s:.1f} s clip: {cut_ms:.1f} ms")


if __name__ == "__main__":
    main()
