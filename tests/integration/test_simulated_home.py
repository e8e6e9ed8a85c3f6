"""Entities follow the simulated home, rendered faster than real time."""

from __future__ import annotations

import functools
from pathlib import Path
from unittest.mock import patch

import pytest
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State

from custom_components.earshot.engine.simulation import SimulatedHome

from .conftest import simulated_home_entry, wait_for

LEVEL = "sensor.simulated_home_sound_level"
COMPONENT_MODELS = Path(__file__).parents[2] / "custom_components" / "earshot" / "models"


@pytest.mark.parametrize("interval_s", [None, 10])
async def test_sound_level_follows_the_smoke_alarm_scene(
    hass: HomeAssistant, interval_s: int | None
) -> None:
    """Readings average over the configured interval (default 1 s)."""
    options = {} if interval_s is None else {"sound_level_interval_s": interval_s}
    entry = simulated_home_entry("smoke_alarm", options)
    entry.add_to_hass(hass)
    levels: list[float] = []

    def record(state: State | None) -> None:
        if state is not None and state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            levels.append(float(state.state))

    fast = functools.partial(SimulatedHome, realtime=False)
    # Listen before setup: faster than real time, the alarm may start before setup returns.
    hass.bus.async_listen(
        "state_changed",
        lambda event: record(event.data["new_state"]) if event.data["entity_id"] == LEVEL else None,
    )
    with patch("custom_components.earshot.coordinator.SimulatedHome", fast):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await wait_for(hass, lambda: any(level > -30 for level in levels))
        assert await hass.config_entries.async_unload(entry.entry_id)
    if interval_s is None:  # quiet room first: the alarm starts 2 s into the scene
        assert levels[0] < -70
    else:  # the first 10 s already hold 8 s of alarm
        assert levels[0] > -40
    assert max(levels) > -30
    assert hass.states.get(LEVEL).state == STATE_UNAVAILABLE


@pytest.mark.skipif(
    not (COMPONENT_MODELS / "presence.tflite").exists(), reason="presence model not built"
)
async def test_presence_senses_the_walk_scene(hass: HomeAssistant) -> None:
    """Real detector, real simulated Doppler: calibrate, store it, then see someone walk."""
    entry = simulated_home_entry("walk", {"sounds_enabled": []})
    entry.add_to_hass(hass)
    motions: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: motions.append(event.data["new_state"].attributes.get("level"))
        if event.data["entity_id"] == "binary_sensor.simulated_home_motion"
        and event.data["new_state"].state == "on"
        else None,
    )
    fast = functools.partial(SimulatedHome, realtime=False)
    with patch("custom_components.earshot.coordinator.SimulatedHome", fast):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await wait_for(hass, lambda: "calibration" in entry.data, timeout_s=60)
        await wait_for(hass, lambda: "major" in motions, timeout_s=60)
        assert hass.states.get("binary_sensor.simulated_home_occupancy").state == "on"
        assert await hass.config_entries.async_unload(entry.entry_id)
    carrier_hz = entry.data["calibration"]["carrier_hz"]
    assert 18_000 < carrier_hz < 24_000
    assert hass.states.get("binary_sensor.simulated_home_smoke_alarm") is None  # sounds off


async def test_sound_detector_hears_the_smoke_alarm_scene(hass: HomeAssistant) -> None:
    """Real sound models on the simulated T3 alarm: the smoke sensor turns on, CO stays off."""
    entry = simulated_home_entry("smoke_alarm", {"presence_enabled": False})
    entry.add_to_hass(hass)
    smoke, co = "binary_sensor.simulated_home_smoke_alarm", "binary_sensor.simulated_home_co_alarm"
    fast = functools.partial(SimulatedHome, realtime=False)
    with patch("custom_components.earshot.coordinator.SimulatedHome", fast):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await wait_for(hass, lambda: hass.states.get(smoke).state == "on", timeout_s=60)
        assert hass.states.get(co).state == "off"
        assert hass.states.get("binary_sensor.simulated_home_occupancy") is None
        assert await hass.config_entries.async_unload(entry.entry_id)
