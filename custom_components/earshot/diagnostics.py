"""Diagnostics: entry settings (paths and device names redacted) and audio health."""

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
from .coordinator import EarshotConfigEntry

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
        "guard": entry.runtime_data.guard.diagnostics() if entry.runtime_data.guard else None,
    }
