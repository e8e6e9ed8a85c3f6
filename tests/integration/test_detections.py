"""Presence and sound entities, settings reaching the detectors, calibration and repairs."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import numpy as np
import pytest
from homeassistant.components.button import SERVICE_PRESS
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.earshot.const import DOMAIN
from custom_components.earshot.engine.inference import ModelLoadError
from custom_components.earshot.engine.presence.results import (
    CalibrationResult,
    MotionDetected,
    MotionEnded,
    OccupancyChanged,
    PresenceStatus,
    UltrasoundUnsupported,
)
from custom_components.earshot.engine.runtime import SourceStatus
from custom_components.earshot.engine.sounds.models import MODEL_SETS
from custom_components.earshot.engine.sounds.results import (
    HazardState,
    NoiseFloor,
    SoundClip,
    SoundEvent,
)

from .conftest import ControlledSource, FakeDetectors, wait_for

NAME = "simulated_home"


def _state(hass: HomeAssistant, entity_id: str) -> str | None:
    state = hass.states.get(entity_id)
    return None if state is None else state.state


@pytest.fixture
async def loaded(
    hass: HomeAssistant,
    simulated_entry: MockConfigEntry,
    controlled_source: ControlledSource,
    fake_detectors: FakeDetectors,
) -> Any:
    controlled_source.speaker = True
    simulated_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(simulated_entry.entry_id)
    await wait_for(
        hass, lambda: _state(hass, f"sensor.{NAME}_sound_level") not in (None, "unknown")
    )
    yield simulated_entry
    assert await hass.config_entries.async_unload(simulated_entry.entry_id)


async def test_presence_entities_follow_the_detector(
    hass: HomeAssistant, loaded: MockConfigEntry, fake_detectors: FakeDetectors
) -> None:
    occupancy, motion = f"binary_sensor.{NAME}_occupancy", f"binary_sensor.{NAME}_motion"
    assert _state(hass, occupancy) == STATE_OFF
    assert _state(hass, motion) == STATE_OFF

    fake_detectors.presence.emit(
        MotionDetected(time_s=1.0, level="major", confidence=0.97),
        OccupancyChanged(occupied=True, time_s=1.0),
    )
    await wait_for(hass, lambda: _state(hass, occupancy) == STATE_ON)
    state = hass.states.get(motion)
    assert state.state == STATE_ON
    assert state.attributes["device_class"] == "motion"
    assert state.attributes["level"] == "major"
    assert hass.states.get(occupancy).attributes["device_class"] == "occupancy"

    fake_detectors.presence.emit(MotionEnded(time_s=2.0))
    await wait_for(hass, lambda: _state(hass, motion) == STATE_OFF)
    assert _state(hass, occupancy) == STATE_ON

    fake_detectors.presence.emit(
        PresenceStatus(carrier_hz=20_500.0, level_dbfs=-31.5, snr_db=64.2, emitting=True)
    )
    await wait_for(hass, lambda: _state(hass, f"sensor.{NAME}_presence_signal_to_noise_ratio"))
    await wait_for(
        hass, lambda: _state(hass, f"sensor.{NAME}_presence_signal_to_noise_ratio") == "64.2"
    )
    assert float(_state(hass, f"sensor.{NAME}_carrier_frequency")) == pytest.approx(20_500)
    assert _state(hass, f"sensor.{NAME}_emission_level") == "-31.5"

    # the source drops and comes back: detectors start afresh, so does the state
    coordinator = loaded.runtime_data.coordinator
    coordinator._async_dispatch(SourceStatus(False, "gone", "SourceLostError"))
    assert _state(hass, occupancy) == STATE_UNAVAILABLE
    coordinator._async_dispatch(SourceStatus(True))
    assert _state(hass, occupancy) == STATE_OFF


async def test_sound_entities_follow_the_detector(
    hass: HomeAssistant, loaded: MockConfigEntry, fake_detectors: FakeDetectors
) -> None:
    smoke, co = f"binary_sensor.{NAME}_smoke_alarm", f"binary_sensor.{NAME}_co_alarm"
    event = f"event.{NAME}_sound"
    assert _state(hass, smoke) == STATE_OFF
    assert hass.states.get(smoke).attributes["device_class"] == "smoke"
    assert hass.states.get(co).attributes["device_class"] == "carbon_monoxide"
    assert hass.states.get(event).attributes["event_types"][:2] == ["smoke_alarm", "co_alarm"]

    clip = SoundClip(np.zeros(16_000, np.float32), start_s=8.0)
    fake_detectors.sounds.emit(
        HazardState("smoke_alarm", True, 12.0, "t3"),
        SoundEvent("glass_break", 10.0, 10.4, 0.93, -12.34, clip, verified=True),
        NoiseFloor(level_dbfs=-61.25, time_s=12.0),
    )
    await wait_for(hass, lambda: _state(hass, smoke) == STATE_ON)
    assert _state(hass, co) == STATE_OFF
    await wait_for(hass, lambda: hass.states.get(event).attributes.get("event_type"))
    attributes = hass.states.get(event).attributes
    assert attributes["event_type"] == "glass_break"
    assert attributes["confidence"] == 0.93
    assert attributes["duration"] == pytest.approx(0.4)
    assert attributes["level"] == -12.3
    assert attributes["verified"] is True
    await wait_for(hass, lambda: _state(hass, f"sensor.{NAME}_noise_floor") == "-61.25")

    fake_detectors.sounds.emit(HazardState("smoke_alarm", False, 30.0))
    await wait_for(hass, lambda: _state(hass, smoke) == STATE_OFF)


async def test_settings_reach_the_detectors_without_reload(
    hass: HomeAssistant, loaded: MockConfigEntry, fake_detectors: FakeDetectors
) -> None:
    presence, sounds = fake_detectors.presence, fake_detectors.sounds
    assert presence.config.sensitivity == "medium"
    assert presence.args[0] is loaded.runtime_data.coordinator.runtime.source.output

    select = f"select.{NAME}_presence_sensitivity"
    assert _state(hass, select) == "medium"
    await hass.services.async_call(
        "select", SERVICE_SELECT_OPTION, {ATTR_ENTITY_ID: select, ATTR_OPTION: "high"}, True
    )
    assert loaded.options["presence_sensitivity"] == "high"
    await wait_for(hass, lambda: presence.config.sensitivity == "high")
    assert _state(hass, select) == "high"

    number = f"number.{NAME}_occupancy_hold_time"
    assert float(_state(hass, number)) == 300
    await hass.services.async_call(
        "number", SERVICE_SET_VALUE, {ATTR_ENTITY_ID: number, ATTR_VALUE: 90}, True
    )
    await wait_for(hass, lambda: presence.config.hold_time_s == 90)
    assert presence.config.sensitivity == "high"
    assert float(_state(hass, number)) == 90

    hass.config_entries.async_update_entry(
        loaded, options={**loaded.options, "presence_max_level_dbfs": -30}
    )
    await wait_for(hass, lambda: presence.config.max_level_dbfs == -30)
    assert presence.config.hold_time_s == 90

    await hass.services.async_call(
        "select",
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: f"select.{NAME}_sound_sensitivity", ATTR_OPTION: "low"},
        True,
    )
    await wait_for(hass, lambda: sounds.config.sensitivity == "low")

    hass.config_entries.async_update_entry(
        loaded,
        options={
            **loaded.options,
            "sounds_enabled": ["smoke_alarm", "dog_bark"],
            "sound_sensitivity_per_sound": {"dog_bark": "high"},
        },
    )
    await wait_for(hass, lambda: sounds.config.enabled == {"smoke_alarm", "dog_bark"})
    assert sounds.config.sensitivity_for("dog_bark") == "high"
    assert sounds.config.sensitivity_for("smoke_alarm") == "low"
    assert loaded.state is ConfigEntryState.LOADED
    assert fake_detectors.presence is presence  # not rebuilt: no reload


async def test_calibration_is_stored_and_unsupported_hardware_repaired(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    fake_detectors: FakeDetectors,
    caplog: pytest.LogCaptureFixture,
) -> None:
    issues = ir.async_get(hass)
    issue_id = f"ultrasound_unsupported_{loaded.entry_id}"
    await hass.services.async_call(
        "button", SERVICE_PRESS, {ATTR_ENTITY_ID: f"button.{NAME}_recalibrate_presence"}, True
    )
    await wait_for(hass, lambda: ("recalibrate", None) in fake_detectors.presence.calls)

    fake_detectors.presence.emit(
        CalibrationResult(22_500.0, -12.0, 31.0, False, "no carrier above 18 kHz", 3.0, True),
        UltrasoundUnsupported("no carrier above 18 kHz", 3.0),
    )
    await wait_for(hass, lambda: issues.async_get_issue(DOMAIN, issue_id))
    fake_detectors.presence.emit(  # a retry fails again; then a status marks "processed"
        CalibrationResult(22_500.0, -12.0, 31.0, False, "no carrier above 18 kHz", 9.0, True),
        PresenceStatus(carrier_hz=22_500.0, level_dbfs=-12.0, snr_db=31.0, emitting=False),
    )
    await wait_for(
        hass, lambda: _state(hass, f"sensor.{NAME}_presence_signal_to_noise_ratio") == "31.0"
    )
    assert caplog.text.count("calibration of 'Simulated home' failed") == 1
    assert issues.async_get_issue(DOMAIN, issue_id).translation_placeholders["message"] == (
        "no carrier above 18 kHz"
    )
    assert "calibration" not in loaded.data

    fake_detectors.presence.emit(CalibrationResult(19_500.0, -34.0, 61.0, True, "ok", 6.0))
    await wait_for(hass, lambda: "calibration" in loaded.data)
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    assert loaded.data["calibration"]["carrier_hz"] == 19_500.0
    await wait_for(
        hass, lambda: _state(hass, f"sensor.{NAME}_last_calibration") not in (None, "unknown")
    )
    assert float(_state(hass, f"sensor.{NAME}_carrier_frequency")) == pytest.approx(19_500)
    assert loaded.state is ConfigEntryState.LOADED


async def test_stored_calibration_skips_the_sweep_on_start(
    hass: HomeAssistant,
    simulated_entry: MockConfigEntry,
    controlled_source: ControlledSource,
    fake_detectors: FakeDetectors,
) -> None:
    controlled_source.speaker = True
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=simulated_entry.title,
        unique_id=simulated_entry.unique_id,
        data={
            **simulated_entry.data,
            "calibration": {
                "carrier_hz": 21_500.0,
                "level_dbfs": -28.0,
                "snr_db": 60.0,
                "calibrated_at": "2026-01-01T00:00:00+00:00",
            },
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert fake_detectors.presence.config.carrier_hz == 21_500.0
    assert fake_detectors.presence.config.level_dbfs == -28.0
    assert _state(hass, f"sensor.{NAME}_last_calibration") == "2026-01-01T00:00:00+00:00"
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert ("close", None) in fake_detectors.presence.calls


async def test_turning_presence_off_reloads_without_presence_entities(
    hass: HomeAssistant, loaded: MockConfigEntry, fake_detectors: FakeDetectors
) -> None:
    first = fake_detectors.presence
    hass.config_entries.async_update_entry(
        loaded, options={**loaded.options, "presence_enabled": False}
    )
    await hass.async_block_till_done()
    assert loaded.state is ConfigEntryState.LOADED
    assert loaded.runtime_data.coordinator.presence is None
    assert ("close", None) in first.calls
    assert hass.states.get(f"binary_sensor.{NAME}_occupancy").state == STATE_UNAVAILABLE
    assert _state(hass, f"binary_sensor.{NAME}_smoke_alarm") is not None


async def test_choosing_the_extended_sound_models_reloads_onto_them(
    hass: HomeAssistant, simulated_entry: MockConfigEntry, controlled_source: ControlledSource
) -> None:
    simulated_entry.add_to_hass(hass)
    with (
        patch("custom_components.earshot.detectors.SoundEventDetector") as sounds,
        patch("custom_components.earshot.detectors.PresenceDetector"),
    ):
        assert await hass.config_entries.async_setup(simulated_entry.entry_id)
        assert sounds.call_args.kwargs["models_dir"] == MODEL_SETS["standard"]
        hass.config_entries.async_update_entry(
            simulated_entry, options={**simulated_entry.options, "sound_models": "extended"}
        )
        await hass.async_block_till_done()
        assert sounds.call_args.kwargs["models_dir"] == MODEL_SETS["extended"]
    assert simulated_entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(simulated_entry.entry_id)


async def test_missing_model_leaves_detector_out_with_repair_issue(
    hass: HomeAssistant, simulated_entry: MockConfigEntry, controlled_source: ControlledSource
) -> None:
    controlled_source.speaker = True
    simulated_entry.add_to_hass(hass)
    with patch(
        "custom_components.earshot.detectors.PresenceDetector",
        side_effect=ModelLoadError("models/presence.tflite is missing"),
    ):
        assert await hass.config_entries.async_setup(simulated_entry.entry_id)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"model_missing_{simulated_entry.entry_id}")
    assert issue is not None
    assert "presence.tflite" in issue.translation_placeholders["message"]
    assert hass.states.get(f"binary_sensor.{NAME}_occupancy") is None
    assert hass.states.get(f"binary_sensor.{NAME}_smoke_alarm") is not None
    await wait_for(hass, lambda: _state(hass, f"sensor.{NAME}_sound_level") != "unknown")
    assert await hass.config_entries.async_unload(simulated_entry.entry_id)


async def test_audio_format_change_reloads_onto_a_new_stream(
    hass: HomeAssistant, loaded: MockConfigEntry, fake_detectors: FakeDetectors
) -> None:
    first = loaded.runtime_data.coordinator
    with patch(
        "custom_components.earshot.build_source", wraps=lambda *_: first.runtime.source
    ) as build:
        hass.config_entries.async_update_entry(
            loaded, options={**loaded.options, "sample_rate_hz": 96_000}
        )
        await hass.async_block_till_done()
    build.assert_called_once()
    assert build.call_args.args[1]["sample_rate_hz"] == 96_000
    assert loaded.runtime_data.coordinator is not first
    assert loaded.state is ConfigEntryState.LOADED


async def test_failing_detector_is_switched_off_alone(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    fake_detectors: FakeDetectors,
    controlled_source: ControlledSource,
    caplog: pytest.LogCaptureFixture,
) -> None:
    occupancy, smoke = f"binary_sensor.{NAME}_occupancy", f"binary_sensor.{NAME}_smoke_alarm"
    fake_detectors.presence.emit(ValueError("input 'doppler' must have shape (1, 20, 26)"))
    await wait_for(hass, lambda: _state(hass, occupancy) == STATE_UNAVAILABLE)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"detector_failed_{loaded.entry_id}")
    assert issue is not None
    assert "presence: ValueError" in issue.translation_placeholders["message"]
    assert _state(hass, f"button.{NAME}_recalibrate_presence") == STATE_UNAVAILABLE
    assert _state(hass, f"sensor.{NAME}_carrier_frequency") == STATE_UNAVAILABLE

    # the stream and the other detectors carry on; the failed one is not fed again
    opens = controlled_source.opens
    fake_detectors.presence.emit(OccupancyChanged(occupied=True, time_s=5.0))
    fake_detectors.sounds.emit(HazardState("smoke_alarm", True, 5.0, "t3"))
    await wait_for(hass, lambda: _state(hass, smoke) == STATE_ON)
    assert _state(hass, occupancy) == STATE_UNAVAILABLE
    assert fake_detectors.presence.queued  # never processed
    assert controlled_source.opens == opens
    assert _state(hass, f"sensor.{NAME}_sound_level") not in (STATE_UNAVAILABLE, None)
    assert _state(hass, f"select.{NAME}_presence_sensitivity") == "medium"
    assert caplog.text.count("presence detector failed") == 1


async def test_missing_sound_model_leaves_presence_running(
    hass: HomeAssistant, simulated_entry: MockConfigEntry, controlled_source: ControlledSource
) -> None:
    controlled_source.speaker = True
    simulated_entry.add_to_hass(hass)
    with (
        patch(
            "custom_components.earshot.detectors.SoundEventDetector",
            side_effect=ModelLoadError("sound_stage2.tflite is corrupt"),
        ),
        patch("custom_components.earshot.detectors.PresenceDetector"),
    ):
        assert await hass.config_entries.async_setup(simulated_entry.entry_id)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"model_missing_{simulated_entry.entry_id}")
    assert issue.translation_placeholders["message"] == "sounds: sound_stage2.tflite is corrupt"
    assert hass.states.get(f"event.{NAME}_sound") is None
    assert hass.states.get(f"binary_sensor.{NAME}_occupancy") is not None
    assert await hass.config_entries.async_unload(simulated_entry.entry_id)

    # models repaired: the next set-up clears the issue
    with (
        patch("custom_components.earshot.detectors.SoundEventDetector"),
        patch("custom_components.earshot.detectors.PresenceDetector"),
    ):
        assert await hass.config_entries.async_setup(simulated_entry.entry_id)
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, f"model_missing_{simulated_entry.entry_id}")
        is None
    )
    assert await hass.config_entries.async_unload(simulated_entry.entry_id)
