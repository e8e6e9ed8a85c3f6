"""Setup, unload, availability and repair issues of an Earshot entry."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.earshot.const import (
    CONF_INPUT_DEVICE,
    CONF_OUTPUT_DEVICE,
    CONF_SOURCE,
    DOMAIN,
    SOURCE_SOUND_CARD,
    STATS_INTERVAL_S,
)
from custom_components.earshot.coordinator import build_source
from custom_components.earshot.engine.audio import (
    AudioFormat,
    DeviceNotFoundError,
    PortAudioMissingError,
    SourceLostError,
)
from custom_components.earshot.engine.simulation import SimulatedHome
from custom_components.earshot.engine.sound_device import SoundDeviceSource
from custom_components.earshot.engine.wav_file import WavFileSource

from .conftest import SAMPLE_RATE_HZ, ControlledSource, wait_for

HA_EXECUTOR_THREADS = ("SyncWorker", "ImportExecutor")
"""Home Assistant's own worker pools, which start threads on demand and keep them."""
LEVEL = "sensor.simulated_home_sound_level"


def _earshot_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("earshot")]


def _sound_card_entry() -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="USB mic",
        unique_id="USB mic",
        data={
            CONF_SOURCE: SOURCE_SOUND_CARD,
            CONF_INPUT_DEVICE: "USB mic",
            CONF_OUTPUT_DEVICE: "none",
        },
    )


def _level(hass: HomeAssistant, entity_id: str = LEVEL) -> float | None:
    state = hass.states.get(entity_id)
    if state is None or state.state in (STATE_UNAVAILABLE, "unknown"):
        return None
    return float(state.state)


async def test_setup_level_follows_source_and_unload_leaves_nothing(
    hass: HomeAssistant, simulated_entry: MockConfigEntry, controlled_source: ControlledSource
) -> None:
    threads_before = set(threading.enumerate())
    simulated_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(simulated_entry.entry_id)
    assert simulated_entry.state is ConfigEntryState.LOADED
    assert len(_earshot_threads()) == 1

    await wait_for(hass, lambda: _level(hass) is not None)
    assert _level(hass) == pytest.approx(-20.0, abs=0.1)  # constant 0.1 full scale
    controlled_source.amplitude = 0.01
    await wait_for(hass, lambda: (_level(hass) or 0) < -39.0)
    assert _level(hass) == pytest.approx(-40.0, abs=0.1)

    device = dr.async_get(hass).async_get_device({(DOMAIN, simulated_entry.entry_id)})
    assert device is not None
    assert device.manufacturer == "Earshot"
    assert device.model == "Simulated home"
    entity = er.async_get(hass).async_get(LEVEL)
    assert entity is not None
    assert entity.unique_id == f"{simulated_entry.entry_id}_sound_level"
    assert entity.device_id == device.id

    assert await hass.config_entries.async_reload(simulated_entry.entry_id)
    await hass.async_block_till_done()
    assert len(_earshot_threads()) == 1
    assert await hass.config_entries.async_unload(simulated_entry.entry_id)
    await hass.async_block_till_done()
    assert simulated_entry.state is ConfigEntryState.NOT_LOADED
    assert _earshot_threads() == []
    assert not controlled_source.is_open
    leftover = set(threading.enumerate()) - threads_before
    assert [t for t in leftover if not t.name.startswith(HA_EXECUTOR_THREADS)] == []
    assert hass.states.get(LEVEL).state == STATE_UNAVAILABLE


async def test_unavailable_while_source_lost_logged_once_with_repair_issue(
    hass: HomeAssistant,
    controlled_source: ControlledSource,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = _sound_card_entry()
    entry.add_to_hass(hass)
    issue_id = f"device_missing_{entry.entry_id}"
    with patch("custom_components.earshot.load_sounddevice"):
        assert await hass.config_entries.async_setup(entry.entry_id)
    level = "sensor.usb_mic_sound_level"
    await wait_for(hass, lambda: _level(hass, level) is not None)
    issues = ir.async_get(hass)

    controlled_source.failure = SourceLostError("Sound device 'USB mic' lost: unplugged")
    await wait_for(hass, lambda: hass.states.get(level).state == STATE_UNAVAILABLE)
    opens = controlled_source.opens
    await wait_for(hass, lambda: controlled_source.opens >= opens + 2)  # retrying, backoff
    controlled_source.failure = DeviceNotFoundError("Sound input device 'USB mic' is gone")
    await wait_for(hass, lambda: controlled_source.opens >= opens + 4)
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "device_missing"
    assert hass.states.get(level).state == STATE_UNAVAILABLE
    assert caplog.text.count("is unavailable") == 1

    controlled_source.failure = None
    await wait_for(hass, lambda: _level(hass, level) is not None)
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    assert caplog.text.count("is available again") == 1
    assert caplog.text.count("is unavailable") == 1

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert _earshot_threads() == []


async def test_wav_file_lost_makes_no_repair_issue(
    hass: HomeAssistant, simulated_entry: MockConfigEntry, controlled_source: ControlledSource
) -> None:
    controlled_source.failure = DeviceNotFoundError("WAV file not found")
    simulated_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(simulated_entry.entry_id)
    await wait_for(hass, lambda: controlled_source.opens >= 2)
    assert hass.states.get(LEVEL).state == STATE_UNAVAILABLE
    assert not ir.async_get(hass).issues
    assert await hass.config_entries.async_unload(simulated_entry.entry_id)


async def test_portaudio_missing_at_setup(hass: HomeAssistant) -> None:
    entry = _sound_card_entry()
    entry.add_to_hass(hass)
    with patch(
        "custom_components.earshot.load_sounddevice",
        side_effect=PortAudioMissingError("PortAudio is not installed"),
    ):
        assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"portaudio_missing_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders["message"] == "PortAudio is not installed"
    assert _earshot_threads() == []

    await hass.config_entries.async_remove(entry.entry_id)
    assert not ir.async_get(hass).issues


async def test_portaudio_missing_while_running_raises_repair_issue(
    hass: HomeAssistant, controlled_source: ControlledSource
) -> None:
    entry = _sound_card_entry()
    entry.add_to_hass(hass)
    controlled_source.failure = PortAudioMissingError("PortAudio vanished")
    with patch("custom_components.earshot.load_sounddevice"):
        assert await hass.config_entries.async_setup(entry.entry_id)
    issues = ir.async_get(hass)
    await wait_for(
        hass, lambda: issues.async_get_issue(DOMAIN, f"portaudio_missing_{entry.entry_id}")
    )
    assert issues.async_get_issue(DOMAIN, f"device_missing_{entry.entry_id}") is None
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_audio_health_sensors_are_sampled(
    hass: HomeAssistant, simulated_entry: MockConfigEntry, controlled_source: ControlledSource
) -> None:
    simulated_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(simulated_entry.entry_id)
    coordinator = simulated_entry.runtime_data.coordinator
    await wait_for(hass, lambda: coordinator.runtime.stats().effective_sample_rate_hz)
    rate = "sensor.simulated_home_effective_sample_rate"
    assert hass.states.get(rate).state == "unknown"
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=STATS_INTERVAL_S + 1))
    await hass.async_block_till_done()
    assert float(hass.states.get(rate).state) > SAMPLE_RATE_HZ  # 20x faster than real time
    assert hass.states.get("sensor.simulated_home_audio_blocks_dropped").state == "0"
    assert float(hass.states.get("sensor.simulated_home_processing_load").state) >= 0
    assert await hass.config_entries.async_unload(simulated_entry.entry_id)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ({CONF_SOURCE: "simulated", "scene": "walk", "seed": 3}, SimulatedHome),
        ({CONF_SOURCE: "wav_file", "path": "/media/a.wav"}, WavFileSource),
        (
            {CONF_SOURCE: SOURCE_SOUND_CARD, CONF_INPUT_DEVICE: "USB", CONF_OUTPUT_DEVICE: "none"},
            SoundDeviceSource,
        ),
    ],
)
def test_build_source(data: dict[str, object], kind: type) -> None:
    source = build_source(data, {})
    assert isinstance(source, kind)
    assert not source.has_output or kind is SimulatedHome


def test_build_source_sound_card_with_speaker_and_unknown_kind() -> None:
    source = build_source(
        {CONF_SOURCE: SOURCE_SOUND_CARD, CONF_INPUT_DEVICE: "USB", CONF_OUTPUT_DEVICE: "USB"},
        {"sample_rate_hz": 96_000, "input_channels": 2},
    )
    assert source.has_output
    assert source.format == AudioFormat(96_000, 2)
    with pytest.raises(ValueError, match="unknown"):
        build_source({CONF_SOURCE: "telepathy"}, {})


async def test_home_assistant_stop_closes_the_source(
    hass: HomeAssistant,
    simulated_entry: MockConfigEntry,
    controlled_source: ControlledSource,
    caplog: pytest.LogCaptureFixture,
) -> None:
    simulated_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(simulated_entry.entry_id)
    await wait_for(hass, lambda: controlled_source.is_open)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert _earshot_threads() == []
    assert not controlled_source.is_open
    assert await hass.config_entries.async_unload(simulated_entry.entry_id)  # still clean
    # The fired one-time stop listener is not removed a second time (HA logs an error).
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_failed_guard_setup_stops_the_engine(
    hass: HomeAssistant, simulated_entry: MockConfigEntry, controlled_source: ControlledSource
) -> None:
    simulated_entry.add_to_hass(hass)
    with patch(
        "custom_components.earshot.guard.GuardManager.async_start",
        side_effect=RuntimeError("boom"),
    ):
        assert not await hass.config_entries.async_setup(simulated_entry.entry_id)
    assert simulated_entry.state is ConfigEntryState.SETUP_ERROR
    assert _earshot_threads() == []
    assert not controlled_source.is_open


async def test_failed_platform_setup_stops_the_engine(
    hass: HomeAssistant, simulated_entry: MockConfigEntry, controlled_source: ControlledSource
) -> None:
    simulated_entry.add_to_hass(hass)
    with patch.object(
        hass.config_entries, "async_forward_entry_setups", side_effect=RuntimeError("boom")
    ):
        assert not await hass.config_entries.async_setup(simulated_entry.entry_id)
    assert simulated_entry.state is ConfigEntryState.SETUP_ERROR
    assert _earshot_threads() == []
