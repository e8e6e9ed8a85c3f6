"""Entities follow the simulated home, rendered faster than real time."""

from __future__ import annotations

import functools
from unittest.mock import patch

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.earshot.const import CONF_SCENE, CONF_SEED, CONF_SOURCE, DOMAIN
from custom_components.earshot.engine.simulation import SimulatedHome

from .conftest import wait_for

LEVEL = "sensor.simulated_home_sound_level"


async def test_sound_level_follows_the_smoke_alarm_scene(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Simulated home",
        unique_id="simulated_home",
        data={CONF_SOURCE: "simulated", CONF_SCENE: "smoke_alarm", CONF_SEED: 0},
    )
    entry.add_to_hass(hass)
    levels: list[float] = []

    def record(state: State | None) -> None:
        if state is not None and state.state not in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            levels.append(float(state.state))

    fast = functools.partial(SimulatedHome, realtime=False)
    with patch("custom_components.earshot.coordinator.SimulatedHome", fast):
        assert await hass.config_entries.async_setup(entry.entry_id)
        hass.bus.async_listen(
            "state_changed",
            lambda event: record(event.data["new_state"])
            if event.data["entity_id"] == LEVEL
            else None,
        )
        # quiet room first (alarm starts 2 s into the scene), then the alarm is loud
        await wait_for(hass, lambda: any(level > -30 for level in levels))
        assert await hass.config_entries.async_unload(entry.entry_id)
    assert levels[0] < -70
    assert max(levels) > -30
    assert hass.states.get(LEVEL).state == STATE_UNAVAILABLE
