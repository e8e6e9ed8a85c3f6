"""The shipped sound models: stage 1 (streaming, always on) and two stage-2 verifiers.

``sound_stage2`` checks alarm cadences and steady tones; ``sound_verifier_events``
confirms every other event. They are separate because the event verifier learns
from hours of mined household audio, and that teaches a network to suppress the
tonal patterns the alarm check needs.

Each model is ``NAME.npz`` + ``NAME.tflite`` (run by :mod:`..inference`, LiteRT
when importable, exact numpy otherwise) plus ``NAME.json``: the sound order of
the output heads and the per-sound thresholds calibrated for "medium".
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from ..audio import FloatArray
from ..inference import Backend, Model, ModelLoadError, StreamingModel, load_model
from .vocabulary import SOUND_TYPES, SoundType, parse_name

_LOGGER = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
SoundModelSet = Literal["standard", "extended"]
MODEL_SETS: dict[SoundModelSet, Path] = {
    "standard": MODELS_DIR,
    "extended": MODELS_DIR / "extended",
}
"""Folders of the two shipped sound model sets. ``standard`` is trained on permissively
licensed and synthetic audio only; ``extended`` also on ESC-50's CC BY-NC recordings
(glass break, cats, snoring, horns, bells, thunder, sirens), so it inherits that
licence: for non-commercial use only."""


def parse_model_set(name: str) -> SoundModelSet:
    """A model set's name checked against :data:`MODEL_SETS` (options, command line)."""
    return parse_name(name, tuple(MODEL_SETS), "sound model set")


STAGE1_NAME = "sound_stage1"
STAGE2_NAME = "sound_stage2"
EVENTS_NAME = "sound_verifier_events"
MODEL_SUFFIXES = (".json", ".npz", ".tflite")


@dataclass(frozen=True, slots=True)
class HeadInfo:
    """Which sound each output head scores, and its calibrated threshold."""

    sounds: tuple[SoundType, ...]
    thresholds: tuple[float, ...]
    alarm_check_thresholds: tuple[float, ...]
    """For a head asked whether an alarm cadence is an alarm at all (stage 2). A
    sound's event threshold may be raised to fit a false-alert budget; a real alarm
    must not pay for that, so these are the unraised ones (the event thresholds
    when the metadata has none)."""

    def threshold(self, sound: SoundType) -> float:
        """Calibrated ("medium") threshold of one sound."""
        return self.thresholds[self.sounds.index(sound)]

    def alarm_check_threshold(self, sound: SoundType) -> float:
        """Calibrated ("medium") threshold of one head when it checks an alarm cadence."""
        return self.alarm_check_thresholds[self.sounds.index(sound)]

    def covers(self, sound: SoundType) -> bool:
        """Whether the model has a head for ``sound``."""
        return sound in self.sounds


def read_head_info(path: Path) -> HeadInfo:
    """Read NAME.json; its sounds must be the public vocabulary or a prefix of it.

    A prefix happens when a sound was appended to the vocabulary and only stage 1
    got its head (see models/sounds/README.md, "Adding a sound").
    """
    try:
        meta = json.loads(path.read_text())
        sounds = tuple(str(s) for s in meta["sounds"])
        thresholds = tuple(float(t) for t in meta["thresholds"])
        checks = tuple(float(t) for t in meta.get("alarm_check_thresholds", thresholds))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ModelLoadError(f"model metadata {path} is missing or corrupt: {err!r}") from err
    if (
        not sounds
        or sounds != SOUND_TYPES[: len(sounds)]
        or not len(thresholds) == len(checks) == len(sounds)
    ):
        raise ModelLoadError(f"model metadata {path} does not match the sound vocabulary")
    return HeadInfo(SOUND_TYPES[: len(sounds)], thresholds, checks)


class Stage1:
    """Streaming stage 1: ten log-mel frames in, one score per sound out."""

    def __init__(self, models_dir: Path = MODELS_DIR, backend: Backend = "auto") -> None:
        self._model = StreamingModel(load_model(models_dir / STAGE1_NAME, backend))
        self.heads = read_head_info(models_dir / f"{STAGE1_NAME}.json")
        self._input = self._model.input_names[0]
        self.step_frames = int(self._model.model.spec.input_info(self._input).shape[1] or 10)

    @property
    def model(self) -> Model:
        """The underlying network (for backend and MAC reports)."""
        return self._model.model

    def reset(self) -> None:
        """Zero the recurrent state."""
        self._model.reset()

    def step(self, log_mel: FloatArray) -> FloatArray:
        """Scores (len(SOUND_TYPES),) for one step of (step_frames, n_mels) frames."""
        out = self._model.run({self._input: log_mel[None]})
        return np.asarray(out["scores"], dtype=np.float32).reshape(-1)


class Stage2:
    """A verifier: one score per sound for a fixed window of log-mel frames."""

    def __init__(
        self, models_dir: Path = MODELS_DIR, backend: Backend = "auto", name: str = STAGE2_NAME
    ) -> None:
        self.model = load_model(models_dir / name, backend)
        self.heads = read_head_info(models_dir / f"{name}.json")
        self._input = self.model.input_names[0]
        self.window_frames = int(self.model.spec.input_info(self._input).shape[1] or 200)

    def scores(self, log_mel: FloatArray) -> FloatArray:
        """Scores for a (window_frames, n_mels) window."""
        out = self.model.run({self._input: log_mel[None]})
        return np.asarray(out["scores"], dtype=np.float32).reshape(-1)


def load_event_verifier(models_dir: Path, backend: Backend, alarm_verifier: Stage2) -> Stage2:
    """The event verifier in ``models_dir``, or ``alarm_verifier`` in an older layout.

    Models directories from before the split have no ``sound_verifier_events`` files;
    there ``sound_stage2`` confirms events too, with its own event thresholds, as it
    did then. A partial set of files is an error, like any missing model file.
    """
    if not any((models_dir / f"{EVENTS_NAME}{suffix}").exists() for suffix in MODEL_SUFFIXES):
        _LOGGER.info("No %s in %s: %s confirms events", EVENTS_NAME, models_dir, STAGE2_NAME)
        return alarm_verifier
    return Stage2(models_dir, backend, EVENTS_NAME)
