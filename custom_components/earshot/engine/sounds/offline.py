"""Sound analysis of a whole recording, as the ``earshot analyze`` CLI prints it.

The recording goes through the same streaming detector as live audio, in 50 ms
blocks, so offline results are what Home Assistant would have reported.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..audio import FloatArray
from ..inference import Backend
from ..offline import iter_blocks
from .detector import SoundConfig, SoundEventDetector
from .models import MODELS_DIR
from .results import HazardState, SoundEvent
from .vocabulary import Sensitivity, SoundType

_LOGGER = logging.getLogger(__name__)

MIN_DURATION_S = 0.5
"""Shorter recordings hold too little audio for one stage-1 window: nothing is reported."""


@dataclass(frozen=True, slots=True)
class SoundDetection:
    """One sound found in a recording (what the CLI prints as JSON)."""

    type: SoundType
    start_s: float
    end_s: float
    confidence: float
    level_dbfs: float

    def as_json(self) -> dict[str, object]:
        """The CLI's JSON fields (without ``file``)."""
        return {
            "kind": "sound",
            "type": self.type,
            "start": round(self.start_s, 2),
            "end": round(self.end_s, 2),
            "confidence": round(self.confidence, 3),
        }


def analyze_sounds(
    samples: FloatArray,
    sample_rate_hz: int,
    *,
    sensitivity: Sensitivity = "medium",
    stage1_only: bool = False,
    models_dir: Path = MODELS_DIR,
    backend: Backend = "auto",
    detector: SoundEventDetector | None = None,
) -> list[SoundDetection]:
    """Detect sounds in ``samples`` shaped (frames,) or (frames, channels) at any rate.

    A smoke/CO alarm is reported once, from when its pattern started until it was
    last heard. Too-short input returns no detections (with a log message).
    """
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim == 1:
        samples = samples[:, None]
    duration_s = samples.shape[0] / sample_rate_hz
    if duration_s < MIN_DURATION_S:
        _LOGGER.warning(
            "Recording too short for sound analysis (%.2f s < %.1f s)", duration_s, MIN_DURATION_S
        )
        return []
    config = SoundConfig(sensitivity=sensitivity, stage2=not stage1_only, clips=False)
    if detector is None:
        detector = SoundEventDetector(config, models_dir=models_dir, backend=backend)
    else:
        detector.configure(config)
    detector.reset()
    results: list[object] = []
    for block in iter_blocks(samples, sample_rate_hz):
        results.extend(detector.process(block))
    results.extend(detector.flush())
    return _detections(results)


def _detections(results: list[object]) -> list[SoundDetection]:
    out: list[SoundDetection] = []
    open_hazards: dict[str, int] = {}
    for result in results:
        if isinstance(result, SoundEvent):
            if result.type in ("smoke_alarm", "co_alarm"):
                open_hazards[result.type] = len(out)
            out.append(
                SoundDetection(
                    result.type, result.start_s, result.end_s, result.confidence, result.level_dbfs
                )
            )
        elif isinstance(result, HazardState) and not result.sounding:
            index = open_hazards.pop(result.type, None)
            if index is not None:
                out[index] = replace(out[index], end_s=max(out[index].end_s, result.time_s))
    return sorted(out, key=lambda d: (d.start_s, d.type))
