"""Diagnostics redact paths, devices and notify targets, and report audio health."""

from __future__ import annotations

from homeassistant.components.diagnostics import REDACTED
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.earshot.const import CONF_PATH, CONF_SOURCE, DOMAIN, SOURCE_WAV_FILE

from .conftest import ControlledSource, wait_for


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    controlled_source: ControlledSource,
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="secret-room.wav",
        unique_id="/media/secret-room.wav",
        data={CONF_SOURCE: SOURCE_WAV_FILE, CONF_PATH: "/media/secret-room.wav"},
        options={"notify_targets": ["mobile_app_alice"], "presence_sensitivity": "high"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    coordinator = entry.runtime_data.coordinator
    await wait_for(hass, lambda: coordinator.runtime.stats().blocks > 0 and coordinator.available)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert "secret-room" not in str(diagnostics)
    assert "alice" not in str(diagnostics)
    assert diagnostics["entry"]["data"] == {CONF_SOURCE: SOURCE_WAV_FILE, CONF_PATH: REDACTED}
    assert diagnostics["entry"]["options"]["presence_sensitivity"] == "high"
    assert diagnostics["entry"]["options"]["notify_targets"] == REDACTED
    assert diagnostics["source"]["available"] is True
    assert diagnostics["source"]["status"] == {
        "available": True,
        "message": None,
        "error_type": None,
    }
    assert diagnostics["detectors"] == ["level", "sounds"]  # no speaker: no presence
    assert diagnostics["failed_detectors"] == []
    assert diagnostics["stats"]["blocks"] > 0
    assert diagnostics["stats"]["running"] is True
    assert await hass.config_entries.async_unload(entry.entry_id)
