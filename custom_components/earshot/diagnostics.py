"""Diagnostics: settings, audio health, detectors, repair issues and the guard.

Paths, device names, notify targets and followed entities are redacted; the
detectors' effective settings (calibration included) and latest readings are not.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import (
    CONF_INPUT_DEVICE,
    CONF_OUTPUT_DEVICE,
    CONF_PATH,
    OPT_GUARD_ALARM_PANEL,
    OPT_GUARD_PEOPLE,
    OPT_NOTIFY_TARGETS,
)
from .coordinator import EarshotConfigEntry, EarshotCoordinator, async_entry_issues
from .engine.presence.results import PresenceStatus
from .engine.sounds.results import NoiseFloor

TO_REDACT = {
    CONF_PATH,
    CONF_INPUT_DEVICE,
    CONF_OUTPUT_DEVICE,
    OPT_NOTIFY_TARGETS,
    OPT_GUARD_PEOPLE,
    OPT_GUARD_ALARM_PANEL,
    "title",
    "unique_id",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: EarshotConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for a config entry."""
    coordinator = entry.runtime_data.coordinator
    runtime = coordinator.runtime
    status = coordinator.status
    return {
        "entry": async_redact_data(
            {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            TO_REDACT,
        ),
        "source": {
            "kind": coordinator.source_kind,
            "has_output": runtime.source.has_output,
            "available": coordinator.available,
            "status": asdict(status) if status is not None else None,
        },
        "detectors": [detector.name for detector in runtime.detectors],
        "failed_detectors": sorted(coordinator.failed_detectors),
        "stats": asdict(runtime.stats()),
        "sounds": _sounds(coordinator),
        "presence": _presence(coordinator),
        "repair_issues": sorted(
            issue.translation_key or key for key, issue in async_entry_issues(hass, entry).items()
        ),
        "guard": entry.runtime_data.guard.diagnostics() if entry.runtime_data.guard else None,
    }


def _sounds(coordinator: EarshotCoordinator) -> dict[str, Any] | None:
    """What the sound detector runs with (``clips``: whether it may hand out audio)."""
    if (sounds := coordinator.sounds) is None:
        return None
    config = sounds.config
    noise = coordinator.latest(NoiseFloor)
    return {
        "backend": sounds.backend,
        "config": {**asdict(config), "enabled": sorted(config.enabled)},
        "stage2_runs": sounds.stage2_runs,
        "stage2_rejected": sounds.stage2_rejected,
        "noise_floor_dbfs": None if noise is None else noise.level_dbfs,
    }


def _presence(coordinator: EarshotCoordinator) -> dict[str, Any] | None:
    """The presence settings in effect (calibration included) and the last sonar health."""
    if (presence := coordinator.presence) is None:
        return None
    status = coordinator.latest(PresenceStatus)
    return {
        "config": asdict(presence.config),
        "status": None if status is None else asdict(status),
    }
