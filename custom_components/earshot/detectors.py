"""Which detectors an entry runs, and how its options and calibration become their settings.

Building detectors loads models from disk, so it runs in the executor. A model
that is missing or corrupt leaves that detector out (the rest keeps working) and
is reported so the integration can raise a repair issue instead of failing. A
model-backed detector that raises while running is switched off the same way,
instead of taking the stream down and back up every second.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntry

from .const import (
    CONF_CALIBRATION,
    DEFAULT_OPTIONS,
    OPT_HIGH_SENSITIVITY_WINDOW_S,
    OPT_LOW_POWER,
    OPT_LOW_POWER_PAUSE_S,
    OPT_OCCUPANCY_HOLD_S,
    OPT_PRESENCE_ENABLED,
    OPT_PRESENCE_MAX_LEVEL_DBFS,
    OPT_PRESENCE_SENSITIVITY,
    OPT_SOUND_LEVEL_INTERVAL_S,
    OPT_SOUND_MODELS,
    OPT_SOUND_SENSITIVITY,
    OPT_SOUND_SENSITIVITY_PER_SOUND,
    OPT_SOUNDS_ENABLED,
)
from .engine.audio import AudioBlock, AudioSource
from .engine.guard.recorder import ClipRecorder
from .engine.inference import ModelLoadError
from .engine.level import LevelMeter
from .engine.presence.config import PresenceConfig
from .engine.presence.detector import PresenceDetector
from .engine.runtime import Detector
from .engine.sounds.detector import SoundConfig, SoundEventDetector
from .engine.sounds.models import MODEL_SETS, parse_model_set
from .engine.sounds.vocabulary import parse_sensitivity, parse_sound_type

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DetectorFailed:
    """A detector raised while processing and was switched off until the entry reloads."""

    detector: str
    message: str


class IsolatedDetector:
    """Runs a detector so that its failure switches off only that detector.

    Runs in the worker thread like the detector it wraps; the failure is logged
    once and reported as :class:`DetectorFailed`.
    """

    def __init__(self, detector: Detector) -> None:
        self._detector = detector
        self.failed = False

    @property
    def name(self) -> str:
        """The wrapped detector's name."""
        return self._detector.name

    def process(self, block: AudioBlock) -> Sequence[object]:
        """The wrapped detector's results; nothing once it has failed."""
        if self.failed:
            return ()
        try:
            return self._detector.process(block)
        except Exception as err:  # a bug or a bad model must not stop the other detectors
            _LOGGER.exception("Earshot %s detector failed; switching it off", self.name)
            self.failed = True
            return (DetectorFailed(self.name, f"{type(err).__name__}: {err}"),)

    def reset(self) -> None:
        """Forget the stream (a failed detector stays off: the failure is not the stream's)."""
        if not self.failed:
            self._detector.reset()


@dataclass
class DetectorSet:
    """An entry's detectors, with typed handles on the ones settings reach."""

    detectors: list[Detector]
    presence: PresenceDetector | None = None
    sounds: SoundEventDetector | None = None
    model_problems: list[str] = field(default_factory=list)
    """User-facing reasons why a detector had to be left out."""


def option(options: Mapping[str, Any], key: str) -> Any:
    """An option's value, or its default."""
    return options.get(key, DEFAULT_OPTIONS.get(key))


def presence_config(
    options: Mapping[str, Any], calibration: Mapping[str, Any] | None
) -> PresenceConfig:
    """Presence settings from the entry's options and stored calibration."""
    config = PresenceConfig(
        sensitivity=parse_sensitivity(option(options, OPT_PRESENCE_SENSITIVITY)),
        hold_time_s=float(option(options, OPT_OCCUPANCY_HOLD_S)),
        alert_window_s=float(option(options, OPT_HIGH_SENSITIVITY_WINDOW_S)),
        low_power=bool(option(options, OPT_LOW_POWER)),
        low_power_pause_s=float(option(options, OPT_LOW_POWER_PAUSE_S)),
        max_level_dbfs=float(option(options, OPT_PRESENCE_MAX_LEVEL_DBFS)),
    )
    if calibration:
        config = dataclasses.replace(
            config,
            carrier_hz=float(calibration["carrier_hz"]),
            level_dbfs=float(calibration["level_dbfs"]),
        )
    return config


def with_user_settings(current: PresenceConfig, wanted: PresenceConfig) -> PresenceConfig:
    """``current`` (the detector's own carrier and level) with ``wanted``'s user settings."""
    return dataclasses.replace(
        current,
        sensitivity=wanted.sensitivity,
        hold_time_s=wanted.hold_time_s,
        alert_window_s=wanted.alert_window_s,
        low_power=wanted.low_power,
        low_power_pause_s=wanted.low_power_pause_s,
        max_level_dbfs=wanted.max_level_dbfs,
    )


def sound_config(options: Mapping[str, Any]) -> SoundConfig:
    """Sound settings from the entry's options."""
    per_sound = option(options, OPT_SOUND_SENSITIVITY_PER_SOUND)
    return SoundConfig(
        enabled=frozenset(parse_sound_type(name) for name in option(options, OPT_SOUNDS_ENABLED)),
        sensitivity=parse_sensitivity(option(options, OPT_SOUND_SENSITIVITY)),
        per_sound=tuple(
            (parse_sound_type(sound), parse_sensitivity(level))
            for sound, level in sorted(per_sound.items())
        ),
    )


def build_detectors(entry: ConfigEntry, source: AudioSource) -> DetectorSet:
    """Create the entry's detectors (blocking: loads models).

    Presence needs a speaker for its carrier, so sources without one get none.
    """
    level_meter = LevelMeter(interval_s=float(option(entry.options, OPT_SOUND_LEVEL_INTERVAL_S)))
    result = DetectorSet(detectors=[level_meter])
    if option(entry.options, OPT_PRESENCE_ENABLED) and source.has_output:
        try:
            result.presence = PresenceDetector(
                source.output,
                presence_config(entry.options, entry.data.get(CONF_CALIBRATION)),
            )
        except ModelLoadError as err:
            result.model_problems.append(f"presence: {err}")
        else:
            # Presence carries no audio: the guard asks this ring for its incidents' clips.
            result.detectors.extend((IsolatedDetector(result.presence), ClipRecorder()))
    if option(entry.options, OPT_SOUNDS_ENABLED):
        try:
            models_dir = MODEL_SETS[parse_model_set(option(entry.options, OPT_SOUND_MODELS))]
            result.sounds = SoundEventDetector(sound_config(entry.options), models_dir=models_dir)
        except ModelLoadError as err:
            result.model_problems.append(f"sounds: {err}")
        else:
            result.detectors.append(IsolatedDetector(result.sounds))
    return result
