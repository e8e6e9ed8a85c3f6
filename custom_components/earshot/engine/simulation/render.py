"""Offline rendering of a scene to an array (tests, training pools, ``earshot simulate``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..audio import Emitter, FloatArray, OutputMixer
from .catalog import SCENES
from .dsp import db_to_gain
from .home import HomeRenderer
from .scene import Scene

DEFAULT_CARRIER_HZ = 20_000.0
DEFAULT_CARRIER_DBFS = -20.0
RENDER_BLOCK_FRAMES = 4800


@dataclass(frozen=True, slots=True)
class ToneEmitter:
    """A steady sine through the speaker (the default carrier of offline renders)."""

    frequency_hz: float
    level_dbfs: float = DEFAULT_CARRIER_DBFS
    """Peak level of the sine."""

    def render_into(self, out: FloatArray, start_frame: int, sample_rate_hz: int) -> None:
        """Add the tone; the phase is exact on the sample clock."""
        frames = np.arange(start_frame, start_frame + len(out), dtype=np.float64)
        cycles = np.mod(self.frequency_hz * frames, sample_rate_hz) / sample_rate_hz
        out += (db_to_gain(self.level_dbfs) * np.sin(2 * np.pi * cycles)).astype(np.float32)


def render_scene(
    scene: Scene | str,
    *,
    seed: int = 0,
    seconds: float | None = None,
    sample_rate_hz: int = 48_000,
    channels: int = 2,
    reference_channel: bool = False,
    emitters: Sequence[Emitter] = (),
    default_carrier_hz: float | None = DEFAULT_CARRIER_HZ,
    block_frames: int = RENDER_BLOCK_FRAMES,
) -> FloatArray:
    """Render ``seconds`` (default: one pass) of a scene to float32 (frames, channels).

    With no emitters, a ``default_carrier_hz`` sine at -20 dBFS plays through the
    speaker so the recording shows the scene's Doppler (unless the sample rate is
    too low for it); pass None for no carrier.
    Longer renders loop the scene. ``reference_channel`` appends the speaker drive
    as a last channel (see :class:`HomeRenderer`).
    """
    chosen = SCENES[scene] if isinstance(scene, str) else scene
    renderer = HomeRenderer(
        chosen,
        seed=seed,
        sample_rate_hz=sample_rate_hz,
        channels=channels,
        reference_channel=reference_channel,
    )
    mixer = OutputMixer()
    for emitter in emitters:
        mixer.attach(emitter)
    if (
        not emitters
        and default_carrier_hz is not None
        and default_carrier_hz < 0.45 * sample_rate_hz
    ):
        mixer.attach(ToneEmitter(default_carrier_hz))
    total = math.ceil((chosen.duration_s if seconds is None else seconds) * sample_rate_hz)
    out = np.empty((total, channels + int(reference_channel)), dtype=np.float32)
    for start in range(0, total, block_frames):
        frames = min(block_frames, total - start)
        out[start : start + frames] = renderer.render(
            start, mixer.render(frames, start, sample_rate_hz)
        )
    return out
