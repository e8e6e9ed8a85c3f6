"""The shipped automation blueprints load, validate and do what they say."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint import models
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml_dict
from pytest_homeassistant_custom_component.common import async_mock_service

BLUEPRINTS = Path(__file__).parents[2] / "blueprints" / "automation" / "earshot"


@pytest.fixture(autouse=True)
def installed_blueprints(hass: HomeAssistant, tmp_path: Path) -> None:
    """Install the blueprints the way importing them does: under blueprints/automation."""
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(BLUEPRINTS, tmp_path / "blueprints" / "automation" / "earshot")


@pytest.mark.parametrize("path", sorted(BLUEPRINTS.glob("*.yaml")), ids=lambda p: p.name)
def test_blueprint_schema_is_valid(path: Path) -> None:
    blueprint = models.Blueprint(
        load_yaml_dict(str(path)),
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )
    assert blueprint.validate() is None
    assert blueprint.metadata["source_url"].endswith(f"/earshot/{path.name}")


async def _automation(hass: HomeAssistant, name: str, inputs: dict[str, object]) -> str:
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": name,
                "alias": name,
                "use_blueprint": {"path": f"earshot/{name}.yaml", "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()
    entity_id = f"automation.{name}"
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == STATE_ON
    return entity_id


def _alert(mode: str, types: list[str]) -> dict[str, object]:
    return {
        "entry_id": "e1",
        "device": "Hall",
        "incident_id": "abc123",
        "mode": mode,
        "type": types[0],
        "types": types,
        "confidence": 0.91,
        "level_dbfs": -12.0,
        "time": "2026-11-21T20:00:00+00:00",
        "media_content_id": "media-source://earshot/e1/abc123",
        "clip_url": "/api/earshot/clips/e1/abc123?authSig=x",
    }


async def test_alert_when_away(hass: HomeAssistant) -> None:
    phone = async_mock_service(hass, "notify", "mobile_app_ann")
    await _automation(hass, "alert_when_away", {"notify_targets": ["mobile_app_ann"]})
    hass.bus.async_fire("earshot_alert", _alert("home", ["smoke_alarm"]))
    hass.bus.async_fire("earshot_alert", _alert("away", ["water_running"]))
    await hass.async_block_till_done()
    assert not phone  # not away / not a chosen detection
    hass.bus.async_fire("earshot_alert", _alert("away", ["presence", "glass_break"]))
    await hass.async_block_till_done()
    assert len(phone) == 1
    assert "presence, glass break" in phone[0].data["message"]
    assert "Hall" in phone[0].data["message"]
    assert phone[0].data["data"]["audio"].startswith("/api/earshot/clips/")


async def test_occupancy_lights(hass: HomeAssistant) -> None:
    on = async_mock_service(hass, "light", "turn_on")
    off = async_mock_service(hass, "light", "turn_off")
    hass.states.async_set("binary_sensor.hall_occupancy", "off")
    await _automation(
        hass,
        "occupancy_lights",
        {
            "occupancy_sensor": "binary_sensor.hall_occupancy",
            "lights": {"entity_id": "light.hall"},
        },
    )
    hass.states.async_set("binary_sensor.hall_occupancy", "on")
    await hass.async_block_till_done()
    assert [c.data["entity_id"] for c in on] == [["light.hall"]]
    hass.states.async_set("binary_sensor.hall_occupancy", "off")
    await hass.async_block_till_done()
    assert [c.data["entity_id"] for c in off] == [["light.hall"]]


async def test_smoke_alarm_lights_and_everyone(hass: HomeAssistant) -> None:
    lights = async_mock_service(hass, "light", "turn_on")
    ann = async_mock_service(hass, "notify", "mobile_app_ann")
    bob = async_mock_service(hass, "notify", "mobile_app_bob")
    event_entity = "event.hall_sound"
    hass.states.async_set(event_entity, "unknown", {"event_type": None})
    await _automation(
        hass,
        "smoke_alarm_lights",
        {"sound_event": event_entity, "notify_targets": ["mobile_app_ann", "mobile_app_bob"]},
    )
    hass.states.async_set(event_entity, "2026-11-21T20:00:00", {"event_type": "dog_bark"})
    await hass.async_block_till_done()
    assert not lights
    hass.states.async_set(event_entity, "2026-11-21T20:00:05", {"event_type": "smoke_alarm"})
    await hass.async_block_till_done()
    assert [c.data["entity_id"] for c in lights] == ["all"]
    assert len(ann) == 1
    assert len(bob) == 1
    assert ann[0].data["title"] == "Smoke alarm at home"
