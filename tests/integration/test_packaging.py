"""What HACS and Home Assistant read about the integration stays consistent."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
COMPONENT = ROOT / "custom_components" / "earshot"


def test_manifest_matches_the_package() -> None:
    manifest = json.loads((COMPONENT / "manifest.json").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert manifest["domain"] == "earshot"
    assert manifest["version"] == project["version"]
    assert manifest["iot_class"] == "local_push"
    assert manifest["config_flow"] is True
    # musl-installable only: numpy ships with Home Assistant, sounddevice is pure Python
    assert manifest["requirements"] == ["sounddevice==0.5.1"]
    assert project["optional-dependencies"]["audio"] == manifest["requirements"]


def test_hacs_and_brand() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"] == "Earshot"
    assert hacs["homeassistant"] == "2025.4.0"
    for image in ("icon.png", "icon@2x.png", "logo.png"):
        data = (COMPONENT / "brand" / image).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(data) < 50_000


def test_every_entity_key_has_a_name_and_an_icon() -> None:
    from custom_components.earshot import binary_sensor, button, event, number, select, sensor

    strings = json.loads((COMPONENT / "translations" / "en.json").read_text())["entity"]
    icons = json.loads((COMPONENT / "icons.json").read_text())["entity"]
    described = {
        "sensor": [d.translation_key for d in sensor.SENSORS],
        "binary_sensor": [d.translation_key for d in binary_sensor.BINARY_SENSORS],
        "select": [d.translation_key for d in select.OPTION_SELECTS],
        "number": [d.translation_key for d in number.NUMBERS],
        "button": [button.RECALIBRATE.translation_key],
        "event": [event.SOUND.translation_key],
    }
    for platform, keys in described.items():
        for key in keys:
            if key is None:  # named by its device class (occupancy, motion)
                continue
            assert strings[platform][key]["name"], (platform, key)
            assert icons[platform][key]["default"].startswith("mdi:"), (platform, key)
