"""The guard in Home Assistant: incidents, alerts, clips, modes, siren, feedback."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components import persistent_notification
from homeassistant.core import Event, HomeAssistant, ServiceCall
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.earshot.const import (
    DOMAIN,
    OPT_NOTIFY_TARGETS,
)
from custom_components.earshot.engine.guard.policy import GuardMode
from custom_components.earshot.engine.wavio import read_wav
from custom_components.earshot.guard import EVENT_ALERT, GuardManager

from .conftest import ControlledSource, wait_for
from .guard_helpers import (
    CLIP_RATE_HZ,
    EVENT_LEVEL,
    PRE_ROLL_LEVEL,
    PRE_ROLL_S,
    ScriptedDetector,
    setup_guard,
    sound,
)

TARGETS = ["mobile_app_phone", "family_email"]


@pytest.fixture(autouse=True)
def clips_in_tmp(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Keep clips out of the shared test config directory."""
    hass.config.config_dir = str(tmp_path)
    return tmp_path / "earshot" / "clips"


async def _setup(
    hass: HomeAssistant,
    source: ControlledSource,
    script: Sequence[tuple[float, Callable[[float], object]]],
    options: dict[str, Any] | None = None,
    mode: GuardMode = GuardMode.OFF,
) -> tuple[MockConfigEntry, GuardManager, ScriptedDetector]:
    entry, guard, detector = await setup_guard(
        hass, source, script, {OPT_NOTIFY_TARGETS: TARGETS, **(options or {})}
    )
    guard.async_set_mode(mode)
    detector.start()
    return entry, guard, detector


def _notifications(hass: HomeAssistant) -> dict[str, Any]:
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    return {k: v for k, v in notifications.items() if k.startswith(DOMAIN)}


async def test_glass_break_away_one_incident_everywhere(
    hass: HomeAssistant, controlled_source: ControlledSource, clips_in_tmp: Path, hass_client: Any
) -> None:
    phone = async_mock_service(hass, "notify", "mobile_app_phone")
    email = async_mock_service(hass, "notify", "family_email")
    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    script = [(1.0, sound("glass_break")), (1.5, sound("glass_break"))]
    entry, guard, _ = await _setup(hass, controlled_source, script, mode=GuardMode.AWAY)
    # Both scripted detections: the second one updates the incident (and its record).
    await wait_for(
        hass, lambda: len(phone) == 1 and len(email) == 1 and alerts and guard.counters["updates"]
    )

    assert guard.counters["incidents"] == 1
    assert len(alerts) == 1
    data = alerts[0].data
    assert data["type"] == "glass_break"
    assert data["device"] == "Living room"
    assert data["confidence"] == pytest.approx(0.93)
    incident_id = data["incident_id"]
    assert data["media_content_id"] == f"media-source://earshot/{entry.entry_id}/{incident_id}"

    # The guard-alert event entity fired too, for automations on the entity.
    alert_entity = hass.states.get("event.living_room_guard_alert")
    assert alert_entity is not None
    assert alert_entity.attributes["event_type"] == "glass_break"
    assert alert_entity.attributes["incident_id"] == incident_id

    notes = _notifications(hass)
    assert list(notes) == [f"earshot_{entry.entry_id}_{incident_id}"]
    assert "Glass breaking" in notes[next(iter(notes))]["message"]

    # Mobile app: the clip as audio, a link into HA, the two actions.
    call: ServiceCall = phone[0]
    mobile = call.data["data"]
    assert mobile["audio"] == data["clip_url"]
    assert mobile["audio"].startswith(f"/api/earshot/clips/{entry.entry_id}/{incident_id}?authSig=")
    assert mobile["attachment"] == {"url": mobile["audio"], "content-type": "wav"}
    assert mobile["url"].startswith("/media-browser/")
    assert [a["title"] for a in mobile["actions"]] == ["Dismiss as false alarm"]  # no speaker
    assert "/media-browser/" in email[0].data["message"]
    assert "data" not in email[0].data

    # The clip resolves through media_source and downloads with the signed URL.
    client = await hass_client()
    response = await client.get(mobile["audio"])
    assert response.status == 200
    wav_bytes = await response.read()
    stored = next(clips_in_tmp.rglob("*.wav"))
    assert stored.read_bytes() == wav_bytes
    samples, rate = read_wav(stored)
    assert rate == CLIP_RATE_HZ
    pre_roll = samples[: int(PRE_ROLL_S * CLIP_RATE_HZ) - 10, 0]
    assert abs(float(pre_roll.mean()) - PRE_ROLL_LEVEL) < 1e-3
    assert abs(float(samples[-100:, 0].mean()) - EVENT_LEVEL) < 1e-3
    record = guard.store.get(entry.entry_id, incident_id)
    assert record is not None
    assert record.pre_roll_s == PRE_ROLL_S
    assert record.detections == 2


async def test_guard_off_stores_nothing(
    hass: HomeAssistant, controlled_source: ControlledSource, clips_in_tmp: Path
) -> None:
    phone = async_mock_service(hass, "notify", "mobile_app_phone")
    script = [(0.2, sound("smoke_alarm")), (0.4, sound("glass_break"))]
    _, guard, _ = await _setup(hass, controlled_source, script)
    assert guard.mode is GuardMode.OFF
    seen: list[object] = []
    guard.coordinator.async_add_listener(seen.append)
    await wait_for(hass, lambda: len([m for m in seen if hasattr(m, "clip")]) == 2)
    assert guard.counters["incidents"] == 0
    assert not clips_in_tmp.exists() or not any(clips_in_tmp.rglob("*"))
    assert not phone
    assert not _notifications(hass)
