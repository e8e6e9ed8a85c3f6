"""Constants for the Earshot integration.

The option keys below are a public contract: the options flow writes them, the
coordinator, the entities and the guard read them, and users' automations may
reference them through diagnostics.
"""

from __future__ import annotations

import logging
from typing import Final

from .engine.guard.policy import DEFAULT_ALERTS, DETECTIONS, GuardMode
from .engine.presence.config import CARRIER_CAP_RANGE_DBFS
from .engine.sounds.models import MODEL_SETS
from .engine.sounds.vocabulary import SENSITIVITIES, SOUND_TYPES

DOMAIN: Final = "earshot"
LOGGER = logging.getLogger(__package__)
MANUFACTURER: Final = "Earshot"

# --- Config entry data: which audio source an entry runs on -------------------
CONF_SOURCE: Final = "source"
SOURCE_SIMULATED: Final = "simulated"
SOURCE_SOUND_CARD: Final = "sound_card"
SOURCE_WAV_FILE: Final = "wav_file"

CONF_SCENE: Final = "scene"
CONF_SEED: Final = "seed"
CONF_INPUT_DEVICE: Final = "input_device"
CONF_OUTPUT_DEVICE: Final = "output_device"
CONF_PATH: Final = "path"
CONF_CALIBRATION: Final = "calibration"
"""Presence calibration result, stored in the entry data so it survives restarts."""

NO_OUTPUT_DEVICE: Final = "none"
SIMULATED_UNIQUE_ID: Final = "simulated_home"
DEFAULT_SCENE: Final = "demo"

# --- Options: audio (sound cards; a change reopens the stream) ---------------------
OPT_SAMPLE_RATE_HZ: Final = "sample_rate_hz"
OPT_INPUT_CHANNELS: Final = "input_channels"
SAMPLE_RATES_HZ: Final = (44_100, 48_000, 96_000)

# --- Options: presence ----------------------------------------------------------
OPT_PRESENCE_ENABLED: Final = "presence_enabled"
OPT_PRESENCE_SENSITIVITY: Final = "presence_sensitivity"
OPT_OCCUPANCY_HOLD_S: Final = "occupancy_hold_s"
OPT_HIGH_SENSITIVITY_WINDOW_S: Final = "high_sensitivity_window_s"
OPT_LOW_POWER: Final = "low_power"
OPT_LOW_POWER_PAUSE_S: Final = "low_power_pause_s"
OPT_PRESENCE_MAX_LEVEL_DBFS: Final = "presence_max_level_dbfs"
"""Ceiling on the ultrasound carrier's level; calibration never goes above it."""

# --- Options: sound events ------------------------------------------------------
OPT_SOUNDS_ENABLED: Final = "sounds_enabled"
OPT_SOUND_SENSITIVITY: Final = "sound_sensitivity"
OPT_SOUND_SENSITIVITY_PER_SOUND: Final = "sound_sensitivity_per_sound"
OPT_SOUND_LEVEL_INTERVAL_S: Final = "sound_level_interval_s"
"""How long each sound level reading averages (and so how often it is published)."""
OPT_SOUND_MODELS: Final = "sound_models"
"""Which shipped sound model set runs: ``standard`` or ``extended`` (CC BY-NC)."""
SOUND_MODEL_SETS: Final = tuple(MODEL_SETS)

# --- Options: guard ---------------------------------------------------------------
OPT_GUARD_FOLLOW: Final = "guard_follow"
OPT_GUARD_ALARM_PANEL: Final = "guard_alarm_panel"
OPT_GUARD_PEOPLE: Final = "guard_people"
OPT_GUARD_ALERTS_HOME: Final = "guard_alerts_home"
OPT_GUARD_ALERTS_NIGHT: Final = "guard_alerts_night"
OPT_GUARD_ALERTS_AWAY: Final = "guard_alerts_away"
OPT_NOTIFY_TARGETS: Final = "notify_targets"
OPT_CLIP_RETENTION_DAYS: Final = "clip_retention_days"
OPT_CLIP_MAX_MB: Final = "clip_max_mb"
OPT_ALERT_COOLDOWN_S: Final = "alert_cooldown_s"

SENSITIVITY_MEDIUM: Final = "medium"
SENSITIVITY_LEVELS: Final = SENSITIVITIES
SENSITIVITY_DEFAULT: Final = "default"
"""Per-sound sensitivity that follows the overall sound sensitivity."""

GUARD_FOLLOW_MANUAL: Final = "manual"
GUARD_FOLLOW_ALARM_PANEL: Final = "alarm_panel"
GUARD_FOLLOW_PEOPLE: Final = "people"
GUARD_FOLLOW_MODES: Final = (GUARD_FOLLOW_MANUAL, GUARD_FOLLOW_ALARM_PANEL, GUARD_FOLLOW_PEOPLE)

SOUND_NAMES: Final = SOUND_TYPES
"""The public sound vocabulary (event types, CLI output, options)."""
DETECTION_NAMES: Final = DETECTIONS


def _alerts(mode: GuardMode) -> list[str]:
    return [name for name in DETECTIONS if name in DEFAULT_ALERTS[mode]]


DEFAULT_OPTIONS: Final[dict[str, object]] = {
    OPT_SAMPLE_RATE_HZ: 48_000,
    OPT_INPUT_CHANNELS: 1,
    OPT_PRESENCE_ENABLED: True,
    OPT_PRESENCE_SENSITIVITY: SENSITIVITY_MEDIUM,
    OPT_OCCUPANCY_HOLD_S: 300,
    OPT_HIGH_SENSITIVITY_WINDOW_S: 600,
    OPT_LOW_POWER: False,
    OPT_LOW_POWER_PAUSE_S: 60,
    OPT_PRESENCE_MAX_LEVEL_DBFS: CARRIER_CAP_RANGE_DBFS[1],
    OPT_SOUNDS_ENABLED: list(SOUND_NAMES),
    OPT_SOUND_SENSITIVITY: SENSITIVITY_MEDIUM,
    OPT_SOUND_SENSITIVITY_PER_SOUND: {},
    OPT_SOUND_LEVEL_INTERVAL_S: 1,
    OPT_SOUND_MODELS: "standard",
    OPT_GUARD_FOLLOW: GUARD_FOLLOW_MANUAL,
    OPT_GUARD_PEOPLE: [],
    OPT_GUARD_ALERTS_HOME: _alerts(GuardMode.HOME),
    OPT_GUARD_ALERTS_NIGHT: _alerts(GuardMode.NIGHT),
    OPT_GUARD_ALERTS_AWAY: _alerts(GuardMode.AWAY),
    OPT_NOTIFY_TARGETS: [],
    OPT_CLIP_RETENTION_DAYS: 30,
    OPT_CLIP_MAX_MB: 200,
    OPT_ALERT_COOLDOWN_S: 300,
}
"""Option values used until the user changes them (``guard_alarm_panel`` has none)."""

# --- Repair issues --------------------------------------------------------------
ISSUE_DEVICE_MISSING: Final = "device_missing"
ISSUE_PORTAUDIO_MISSING: Final = "portaudio_missing"
ISSUE_ULTRASOUND_UNSUPPORTED: Final = "ultrasound_unsupported"
ISSUE_MODEL_MISSING: Final = "model_missing"
ISSUE_DETECTOR_FAILED: Final = "detector_failed"

STATS_INTERVAL_S: Final = 10.0
"""How often audio-health statistics are sampled from the runtime."""
RECONNECT_INITIAL_S: Final = 1.0
RECONNECT_MAX_S: Final = 60.0
