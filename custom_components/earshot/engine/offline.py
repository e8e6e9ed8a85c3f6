"""Running streaming detectors over a whole recording, exactly as the live runtime would."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .audio import AudioBlock, FloatArray
from .runtime import Detector

DEFAULT_BLOCK_S = 0.05


def iter_blocks(
    samples: FloatArray, sample_rate_hz: int, block_frames: int | None = None
) -> Iterator[AudioBlock]:
    """Cut (frames, channels) samples into consecutive blocks on a sample clock."""
    step = block_frames or max(1, int(sample_rate_hz * DEFAULT_BLOCK_S))
    for start in range(0, samples.shape[0], step):
        yield AudioBlock(samples[start : start + step], sample_rate_hz, start)


def run_detectors(
    samples: FloatArray,
    sample_rate_hz: int,
    detectors: Sequence[Detector],
    block_frames: int | None = None,
) -> list[object]:
    """Feed a recording through fresh detectors and collect every result in order."""
    for detector in detectors:
        detector.reset()
    results: list[object] = []
    for block in iter_blocks(samples, sample_rate_hz, block_frames):
        for detector in detectors:
            results.extend(detector.process(block))
    return results
