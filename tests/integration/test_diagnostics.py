"""Diagnostics redact paths, devices and notify targets, and report audio health."""

from __future__ import annotations

import pytest
from homeassistant.components.diagnostics import REDACTED
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.earshot.const import CONF_PATH, CONF_SOURCE, DOMAIN, SOURCE_WAV_FILE
from custom_components.earshot.engine.guard.policy import GuardMode
from custom_components.earshot.engine.presence.results import (
    PresenceStatus,
    UltrasoundUnsupported,
)
from custom_components.earshot.engine.sounds.results import NoiseFloor
from custom_components.earshot.engine.sounds.vocabulary import SOUND_TYPES

from .conftest import ControlledSource, FakeDetectors, ScriptedDetector, wait_for


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
    sounds = diagnostics["sounds"]
    assert sounds["backend"] in ("numpy", "litert")
    assert sounds["config"]["enabled"] == sorted(SOUND_TYPES)
    assert sounds["config"]["sensitivity"] == "medium"
    assert sounds["config"]["clips"] is False  # guard off: the detector hands out no audio
    assert diagnostics["presence"] is None
    assert diagnostics["repair_issues"] == []

    # Armed, the detector may cut clips: diagnostics show what it really runs with.
    guard = entry.runtime_data.guard
    assert guard is not None
    guard.async_set_mode(GuardMode.AWAY)
    sounds_detector = coordinator.sounds
    assert sounds_detector is not None
    await wait_for(hass, lambda: sounds_detector.config.clips)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["sounds"]["config"]["clips"] is True
    assert diagnostics["guard"]["mode"] == "away"
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_diagnostics_show_presence_readings_and_repair_issues(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulated_entry: MockConfigEntry,
    controlled_source: ControlledSource,
    fake_detectors: FakeDetectors,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in (("backend", "numpy"), ("stage2_runs", 3), ("stage2_rejected", 1)):
        monkeypatch.setattr(ScriptedDetector, name, value, raising=False)
    controlled_source.speaker = True
    simulated_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(simulated_entry.entry_id)
    fake_detectors.presence.emit(
        PresenceStatus(carrier_hz=19_500.0, level_dbfs=-28.0, snr_db=21.5, emitting=True),
        UltrasoundUnsupported("no carrier above 18 kHz", 3.0),
    )
    fake_detectors.sounds.emit(NoiseFloor(level_dbfs=-55.5, time_s=2.0))
    coordinator = simulated_entry.runtime_data.coordinator
    await wait_for(
        hass,
        lambda: coordinator.latest(PresenceStatus)
        and coordinator.latest(NoiseFloor)
        and coordinator.latest(UltrasoundUnsupported),
    )

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, simulated_entry)
    assert diagnostics["presence"]["status"] == {
        "carrier_hz": 19_500.0,
        "level_dbfs": -28.0,
        "snr_db": 21.5,
        "emitting": True,
    }
    assert diagnostics["presence"]["config"]["sensitivity"] == "medium"
    assert diagnostics["sounds"]["noise_floor_dbfs"] == -55.5
    assert diagnostics["sounds"]["stage2_runs"] == 3
    assert diagnostics["repair_issues"] == ["ultrasound_unsupported"]
    assert await hass.config_entries.async_unload(simulated_entry.entry_id)
