"""Config, reconfigure and options flows."""

from __future__ import annotations

import json
import wave
from pathlib import Path
from typing import Any
from unittest.mock import patch

import numpy as np
import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.earshot.const import (
    CONF_INPUT_DEVICE,
    CONF_OUTPUT_DEVICE,
    CONF_PATH,
    CONF_SCENE,
    CONF_SEED,
    CONF_SOURCE,
    DEFAULT_OPTIONS,
    DOMAIN,
    NO_OUTPUT_DEVICE,
    SOUND_NAMES,
    SOURCE_SIMULATED,
    SOURCE_SOUND_CARD,
    SOURCE_WAV_FILE,
)
from custom_components.earshot.engine.audio import AudioSourceError, PortAudioMissingError
from custom_components.earshot.engine.sound_device import SoundDevice

DEVICES = [
    SoundDevice(0, "Built-in Audio", "ALSA", 2, 2, 48_000.0),
    SoundDevice(1, "USB Mic", "ALSA", 1, 0, 48_000.0),
    SoundDevice(2, "HDMI", "ALSA", 0, 8, 48_000.0),
]
FLOW = "custom_components.earshot.config_flow"


@pytest.fixture(autouse=True)
async def no_setup(hass: HomeAssistant) -> Any:
    """Flows only: never start an engine.

    Entries the flows "loaded" (and reloads they scheduled) are settled and unloaded
    while setup and unload are still stubbed: Home Assistant's teardown would
    otherwise run the real ones on entries that have no runtime data.
    """
    with (
        patch("custom_components.earshot.async_setup_entry", return_value=True) as setup,
        patch("custom_components.earshot.async_unload_entry", return_value=True),
    ):
        yield setup
        await hass.async_block_till_done()
        for entry in hass.config_entries.async_entries(DOMAIN):
            if entry.state is ConfigEntryState.LOADED:
                assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.fixture
def devices() -> Any:
    with (
        patch(f"{FLOW}.list_devices", return_value=DEVICES),
        patch(f"{FLOW}._check_sound_card") as check,
    ):
        yield check


def _write_wav(path: Path, channels: int = 1, frames: int = 4800) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(48_000)
        out.writeframes(np.zeros((frames, channels), np.int16).tobytes())
    return path


async def _start(hass: HomeAssistant, kind: str) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == [SOURCE_SIMULATED, SOURCE_SOUND_CARD, SOURCE_WAV_FILE]
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": kind})


async def test_simulated_home(hass: HomeAssistant) -> None:
    result = await _start(hass, SOURCE_SIMULATED)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == SOURCE_SIMULATED
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SCENE: "demo", CONF_SEED: 3}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Simulated home"
    assert result["data"] == {CONF_SOURCE: SOURCE_SIMULATED, CONF_SCENE: "demo", CONF_SEED: 3}
    assert result["result"].unique_id == "simulated_home"

    result = await _start(hass, SOURCE_SIMULATED)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_sound_card(hass: HomeAssistant, devices: Any) -> None:
    result = await _start(hass, SOURCE_SOUND_CARD)
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"].schema
    inputs = next(v for k, v in schema.items() if k == CONF_INPUT_DEVICE)
    outputs = next(v for k, v in schema.items() if k == CONF_OUTPUT_DEVICE)
    assert [o["value"] for o in inputs.config["options"]] == ["Built-in Audio", "USB Mic"]
    assert [o["value"] for o in outputs.config["options"]] == [
        NO_OUTPUT_DEVICE,
        "Built-in Audio",
        "HDMI",
    ]
    defaults = {str(k): k.default() for k in schema}
    assert defaults == {CONF_INPUT_DEVICE: "Built-in Audio", CONF_OUTPUT_DEVICE: "Built-in Audio"}

    devices.side_effect = AudioSourceError("Cannot open sound device 'USB Mic': busy")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_INPUT_DEVICE: "USB Mic", CONF_OUTPUT_DEVICE: "HDMI"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_open_device"}
    assert "busy" in result["description_placeholders"]["error"]

    devices.side_effect = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_INPUT_DEVICE: "USB Mic", CONF_OUTPUT_DEVICE: "HDMI"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "USB Mic"
    assert result["result"].unique_id == "USB Mic"
    assert result["data"] == {
        CONF_SOURCE: SOURCE_SOUND_CARD,
        CONF_INPUT_DEVICE: "USB Mic",
        CONF_OUTPUT_DEVICE: "HDMI",
    }
    devices.assert_called_with("USB Mic", "HDMI")

    checks = devices.call_count
    result = await _start(hass, SOURCE_SOUND_CARD)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_INPUT_DEVICE: "USB Mic", CONF_OUTPUT_DEVICE: NO_OUTPUT_DEVICE}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert devices.call_count == checks  # the running entry holds it: not opened again


async def test_sound_card_portaudio_missing(hass: HomeAssistant) -> None:
    hint = "The PortAudio library is not installed ... 'apk add portaudio'"
    with patch(f"{FLOW}.list_devices", side_effect=PortAudioMissingError(hint)):
        result = await _start(hass, SOURCE_SOUND_CARD)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "portaudio_missing"
    assert result["description_placeholders"] == {"error": hint}


async def test_sound_card_without_microphones(hass: HomeAssistant) -> None:
    with patch(f"{FLOW}.list_devices", return_value=[DEVICES[2]]):
        result = await _start(hass, SOURCE_SOUND_CARD)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_input_devices"


async def test_wav_file(hass: HomeAssistant, tmp_path: Path) -> None:
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    good = _write_wav(tmp_path / "kitchen.wav")
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")

    result = await _start(hass, SOURCE_WAV_FILE)
    assert result["type"] is FlowResultType.FORM
    for path, error in (
        (tmp_path / "missing.wav", "file_not_found"),
        (corrupt, "unsupported_audio"),
        ("/etc/hostname", "path_not_allowed"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PATH: str(path)}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {CONF_PATH: error}
    assert result["description_placeholders"]["error"] == ""

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PATH: f" {good} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "kitchen.wav"
    assert result["data"] == {CONF_SOURCE: SOURCE_WAV_FILE, CONF_PATH: str(good)}
    assert result["result"].unique_id == str(good)


async def test_wav_file_unexpected_error(hass: HomeAssistant, tmp_path: Path) -> None:
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    result = await _start(hass, SOURCE_WAV_FILE)
    with patch(f"{FLOW}._check_wav_file", side_effect=ValueError("boom")):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PATH: str(tmp_path / "x.wav")}
        )
    assert result["errors"] == {"base": "unknown"}


async def test_wav_file_corrupt_message_is_shown(hass: HomeAssistant, tmp_path: Path) -> None:
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(_write_wav(tmp_path / "full.wav").read_bytes()[:30])
    result = await _start(hass, SOURCE_WAV_FILE)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PATH: str(truncated)}
    )
    assert result["errors"] == {CONF_PATH: "unsupported_audio"}
    assert "truncated.wav" in result["description_placeholders"]["error"]


async def test_reconfigure_sound_card_to_other_device(
    hass: HomeAssistant, devices: Any, no_setup: Any
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Built-in Audio",
        unique_id="Built-in Audio",
        data={
            CONF_SOURCE: SOURCE_SOUND_CARD,
            CONF_INPUT_DEVICE: "Built-in Audio",
            CONF_OUTPUT_DEVICE: "Built-in Audio",
            "calibration": {"carrier_hz": 20_000},
        },
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == SOURCE_SOUND_CARD
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_INPUT_DEVICE: "USB Mic", CONF_OUTPUT_DEVICE: "HDMI"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.unique_id == "USB Mic"
    assert entry.title == "USB Mic"
    assert entry.data == {
        CONF_SOURCE: SOURCE_SOUND_CARD,
        CONF_INPUT_DEVICE: "USB Mic",
        CONF_OUTPUT_DEVICE: "HDMI",
    }


async def test_reconfigure_onto_a_configured_device_aborts(
    hass: HomeAssistant, devices: Any
) -> None:
    for name in ("Built-in Audio", "USB Mic"):
        MockConfigEntry(
            domain=DOMAIN,
            title=name,
            unique_id=name,
            data={CONF_SOURCE: SOURCE_SOUND_CARD, CONF_INPUT_DEVICE: name},
        ).add_to_hass(hass)
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_INPUT_DEVICE: "USB Mic", CONF_OUTPUT_DEVICE: NO_OUTPUT_DEVICE}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_INPUT_DEVICE] == "Built-in Audio"


async def test_reconfigure_wav_and_simulated(hass: HomeAssistant, tmp_path: Path) -> None:
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    first, second = _write_wav(tmp_path / "a.wav"), _write_wav(tmp_path / "b.wav", channels=2)
    wav_entry = MockConfigEntry(
        domain=DOMAIN,
        title="a.wav",
        unique_id=str(first),
        data={CONF_SOURCE: SOURCE_WAV_FILE, CONF_PATH: str(first)},
    )
    wav_entry.add_to_hass(hass)
    result = await wav_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == SOURCE_WAV_FILE
    defaults = {str(k): k.default() for k in result["data_schema"].schema}
    assert defaults == {CONF_PATH: str(first)}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PATH: str(second)}
    )
    assert result["reason"] == "reconfigure_successful"
    assert wav_entry.data[CONF_PATH] == str(second)
    assert wav_entry.unique_id == str(second)

    sim_entry = MockConfigEntry(
        domain=DOMAIN,
        title="Simulated home",
        unique_id="simulated_home",
        data={CONF_SOURCE: SOURCE_SIMULATED, CONF_SCENE: "demo", CONF_SEED: 0},
    )
    sim_entry.add_to_hass(hass)
    result = await sim_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == SOURCE_SIMULATED
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SCENE: "demo", CONF_SEED: 7}
    )
    assert result["reason"] == "reconfigure_successful"
    assert sim_entry.data[CONF_SEED] == 7


async def test_options_flow(hass: HomeAssistant, simulated_entry: MockConfigEntry) -> None:
    simulated_entry.add_to_hass(hass)
    hass.services.async_register("notify", "mobile_app_phone", lambda call: None)

    async def open_step(step: str) -> dict[str, Any]:
        result = await hass.config_entries.options.async_init(simulated_entry.entry_id)
        assert result["type"] is FlowResultType.MENU
        assert result["menu_options"] == ["presence", "sounds", "guard"]
        return await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": step}
        )

    result = await open_step("presence")
    suggested = {str(k): k.description["suggested_value"] for k in result["data_schema"].schema}
    assert suggested["presence_sensitivity"] == "medium"
    assert suggested["occupancy_hold_s"] == DEFAULT_OPTIONS["occupancy_hold_s"]
    presence = {
        "presence_enabled": True,
        "presence_sensitivity": "high",
        "occupancy_hold_s": 120,
        "high_sensitivity_window_s": 300,
        "low_power": True,
        "low_power_pause_s": 30,
        "presence_max_level_dbfs": -30,
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], presence)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert simulated_entry.options == presence

    result = await open_step("sounds")
    per_sound = dict.fromkeys(SOUND_NAMES, "default") | {"dog_bark": "low"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "sounds_enabled": ["smoke_alarm", "dog_bark"],
            "sound_sensitivity": "high",
            "sound_level_interval_s": 30,
            "sound_models": "extended",
            "per_sound": per_sound,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert simulated_entry.options == presence | {
        "sounds_enabled": ["smoke_alarm", "dog_bark"],
        "sound_sensitivity": "high",
        "sound_level_interval_s": 30,
        "sound_models": "extended",
        "sound_sensitivity_per_sound": {"dog_bark": "low"},
    }

    result = await open_step("sounds")
    per_sound_key = next(k for k in result["data_schema"].schema if str(k) == "per_sound")
    dog_bark = next(
        k for k in result["data_schema"].schema[per_sound_key].schema.schema if k == "dog_bark"
    )
    assert dog_bark.default() == "low"

    result = await open_step("guard")
    schema_keys = {str(k) for k in result["data_schema"].schema}
    assert "guard_alarm_panel" in schema_keys
    notify = next(v for k, v in result["data_schema"].schema.items() if k == "notify_targets")
    assert notify.config["options"] == ["mobile_app_phone"]
    guard = {
        "guard_follow": "alarm_panel",
        "guard_alarm_panel": "alarm_control_panel.home",
        "guard_people": [],
        "guard_alerts_home": ["smoke_alarm"],
        "guard_alerts_night": ["smoke_alarm", "glass_break"],
        "guard_alerts_away": ["glass_break", "presence"],
        "notify_targets": ["mobile_app_phone"],
        "clip_retention_days": 7,
        "clip_max_mb": 50,
        "alert_cooldown_s": 60,
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], guard)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert simulated_entry.options["guard_alarm_panel"] == "alarm_control_panel.home"
    assert simulated_entry.options["clip_max_mb"] == 50
    assert simulated_entry.options["presence_sensitivity"] == "high"

    result = await open_step("guard")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {k: v for k, v in guard.items() if k != "guard_alarm_panel"}
    )
    assert simulated_entry.options["guard_alarm_panel"] is None


async def test_guard_defaults(hass: HomeAssistant) -> None:
    assert DEFAULT_OPTIONS["guard_alerts_home"] == ["smoke_alarm", "co_alarm"]
    assert set(DEFAULT_OPTIONS["guard_alerts_away"]) == {
        "smoke_alarm",
        "co_alarm",
        "glass_break",
        "footsteps",
        "door",
        "dog_bark",
        "presence",
    }


async def test_sound_card_check_opens_and_always_closes(hass: HomeAssistant) -> None:
    with (
        patch(f"{FLOW}.list_devices", return_value=DEVICES),
        patch(f"{FLOW}.SoundDeviceSource") as source_cls,
    ):
        source_cls.return_value.open.side_effect = AudioSourceError("Invalid sample rate")
        result = await _start(hass, SOURCE_SOUND_CARD)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_INPUT_DEVICE: "USB Mic", CONF_OUTPUT_DEVICE: "HDMI"}
        )
    assert result["errors"] == {"base": "cannot_open_device"}
    assert result["description_placeholders"]["error"] == "Invalid sample rate"
    source_cls.assert_called_once_with("USB Mic", "HDMI", sample_rate_hz=48_000, channels=1)
    source_cls.return_value.close.assert_called_once()


def test_every_choice_is_translated() -> None:
    from custom_components.earshot.engine.simulation import SCENES

    strings = json.loads(
        (Path(__file__).parents[2] / "custom_components/earshot/translations/en.json").read_text()
    )
    selector = strings["selector"]
    # new scenes may land before their label (the raw name shows); stale labels may not stay
    assert "demo" in selector["scene"]["options"]
    assert set(selector["scene"]["options"]) <= set(SCENES)
    assert set(selector["sound"]["options"]) == set(SOUND_NAMES)
    assert set(selector["detection"]["options"]) == {*SOUND_NAMES, "presence"}
    per_sound = strings["options"]["step"]["sounds"]["sections"]["per_sound"]["data"]
    assert set(per_sound) == set(SOUND_NAMES)


async def test_options_audio_step_for_sound_cards_only(
    hass: HomeAssistant, simulated_entry: MockConfigEntry
) -> None:
    simulated_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(simulated_entry.entry_id)
    assert "audio" not in result["menu_options"]

    entry = MockConfigEntry(
        domain=DOMAIN,
        title="USB Mic",
        unique_id="USB Mic",
        data={
            CONF_SOURCE: SOURCE_SOUND_CARD,
            CONF_INPUT_DEVICE: "USB Mic",
            CONF_OUTPUT_DEVICE: "HDMI",
        },
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["menu_options"] == ["audio", "presence", "sounds", "guard"]

    listen_only = MockConfigEntry(
        domain=DOMAIN,
        unique_id="Mic",
        data={CONF_SOURCE: SOURCE_SOUND_CARD, CONF_INPUT_DEVICE: "Mic", CONF_OUTPUT_DEVICE: "none"},
    )
    wav = MockConfigEntry(
        domain=DOMAIN, unique_id="/a.wav", data={CONF_SOURCE: SOURCE_WAV_FILE, CONF_PATH: "/a.wav"}
    )
    for other, menu in ((listen_only, ["audio", "sounds", "guard"]), (wav, ["sounds", "guard"])):
        other.add_to_hass(hass)
        menu_result = await hass.config_entries.options.async_init(other.entry_id)
        assert menu_result["menu_options"] == menu
        hass.config_entries.options.async_abort(menu_result["flow_id"])
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "audio"}
    )
    suggested = {str(k): k.description["suggested_value"] for k in result["data_schema"].schema}
    assert suggested == {"sample_rate_hz": "48000", "input_channels": 1}

    with patch(
        f"{FLOW}._check_sound_card", side_effect=AudioSourceError("Invalid sample rate")
    ) as check:
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"sample_rate_hz": "96000", "input_channels": 2}
        )
    check.assert_called_once_with("USB Mic", "HDMI", 96_000, 2)
    assert result["errors"] == {"base": "cannot_open_device"}
    assert result["description_placeholders"] == {"error": "Invalid sample rate"}

    with patch(f"{FLOW}._check_sound_card"):
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"sample_rate_hz": "96000", "input_channels": 2}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {"sample_rate_hz": 96_000, "input_channels": 2}


async def test_a_card_held_by_a_running_entry_is_not_opened_twice(
    hass: HomeAssistant, devices: Any
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="USB Mic",
        unique_id="USB Mic",
        data={CONF_SOURCE: SOURCE_SOUND_CARD, CONF_INPUT_DEVICE: "USB Mic"},
        state=ConfigEntryState.LOADED,
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "audio"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"sample_rate_hz": "44100", "input_channels": 1}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["sample_rate_hz"] == 44_100

    with patch("custom_components.earshot.async_unload_entry", return_value=True):
        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_INPUT_DEVICE: "USB Mic", CONF_OUTPUT_DEVICE: "HDMI"}
        )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_OUTPUT_DEVICE] == "HDMI"
    devices.assert_not_called()
