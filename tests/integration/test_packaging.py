"""What HACS and Home Assistant read about the integration stays consistent."""

from __future__ import annotations

import ast
import json
import re
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
    from custom_components.earshot import guard_entities as guard

    strings = json.loads((COMPONENT / "translations" / "en.json").read_text())["entity"]
    icons = json.loads((COMPONENT / "icons.json").read_text())["entity"]
    described = {
        "sensor": [d.translation_key for d in sensor.SENSORS],
        "binary_sensor": [d.translation_key for d in binary_sensor.BINARY_SENSORS],
        "select": [d.translation_key for d in (*select.OPTION_SELECTS, guard.GUARD_MODE)],
        "number": [d.translation_key for d in number.NUMBERS],
        "button": [button.RECALIBRATE.translation_key],
        "event": [event.SOUND.translation_key, guard.GUARD_ALERT.translation_key],
        "siren": [guard.SIREN.translation_key],
    }
    for platform, keys in described.items():
        for key in keys:
            if key is None:  # named by its device class (occupancy, motion)
                continue
            assert strings[platform][key]["name"], (platform, key)
            assert icons[platform][key]["default"].startswith("mdi:"), (platform, key)


def test_every_state_attribute_and_error_is_translated() -> None:
    """Event types, select options, event attributes, exceptions and repair issues."""
    from custom_components.earshot import const, event, select
    from custom_components.earshot import guard_entities as guard
    from custom_components.earshot.engine.sounds.results import SoundEvent
    from custom_components.earshot.guard import SoundHeard

    strings = json.loads((COMPONENT / "translations" / "en.json").read_text())
    icons = json.loads((COMPONENT / "icons.json").read_text())["entity"]["event"]
    events = strings["entity"]["event"]
    for description in (event.SOUND, guard.GUARD_ALERT):
        key = description.translation_key
        assert description.event_types
        for event_type in description.event_types:
            assert events[key]["state_attributes"]["event_type"]["state"][event_type]
            assert icons[key]["state_attributes"]["event_type"]["state"][event_type]
    heard = SoundHeard(SoundEvent("knock", 1.0, 1.2, 0.9, -20.0, None), "abc", "media-source://x")
    attributes = {
        event.SOUND.translation_key: set(event.event_attributes(heard)),
        guard.GUARD_ALERT.translation_key: set(guard.ALERT_ATTRIBUTES),
    }
    for key, names in attributes.items():
        for name in names:
            assert events[key]["state_attributes"][name]["name"], (key, name)

    for description in (*select.OPTION_SELECTS, guard.GUARD_MODE):
        assert description.options
        for option in description.options:
            assert strings["entity"]["select"][description.translation_key]["state"][option]

    for key in _exception_translation_keys(const):
        assert strings["exceptions"][key]["message"], key
    issues = [v for k, v in vars(const).items() if k.startswith("ISSUE_")]
    assert issues
    for issue in issues:
        assert strings["issues"][issue]["title"], issue
        assert strings["issues"][issue]["description"], issue


def _exception_translation_keys(const: object) -> set[str]:
    """``translation_key`` of every call that also names a ``translation_domain``."""
    keys: set[str] = set()
    for path in COMPONENT.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            kwargs = {kw.arg: kw.value for kw in node.keywords}
            value = kwargs.get("translation_key")
            if "translation_domain" not in kwargs or value is None:
                continue
            if isinstance(value, ast.Constant):
                keys.add(str(value.value))
            else:
                assert isinstance(value, ast.Name), (path.name, ast.dump(value))
                keys.add(getattr(const, value.id))
    assert len(keys) >= 5
    return keys


def test_quality_scale_self_assessment_is_complete() -> None:
    """Every rule is done, or exempt with the reason; README sections it cites exist."""
    import yaml

    rules = yaml.safe_load((COMPONENT / "quality_scale.yaml").read_text())["rules"]
    assert len(rules) >= 50
    readme = (ROOT / "README.md").read_text()
    for name, rule in rules.items():
        status = rule if isinstance(rule, str) else rule["status"]
        assert status in ("done", "exempt"), name
        if status == "exempt":
            assert rule["comment"], name
        comment = "" if isinstance(rule, str) else rule.get("comment", "")
        for section in re.findall(r'README "([^"]+)"', comment):
            assert f"## {section}" in readme, (name, section)
