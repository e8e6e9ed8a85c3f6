"""Reviewing and deleting the guard's history: media browser, actions, retention, bad disks."""

from __future__ import annotations

import errno
import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch
from urllib.parse import unquote

import pytest
from homeassistant.components import media_source
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.earshot.const import (
    DOMAIN,
    OPT_CLIP_RETENTION_DAYS,
)
from custom_components.earshot.engine.guard.clips import IncidentRecord
from custom_components.earshot.engine.guard.policy import GuardMode
from custom_components.earshot.guard import EVENT_ALERT, GuardManager, media_browser_path

from .conftest import ControlledSource, wait_for
from .guard_helpers import ScriptedDetector, setup_guard, sound


@pytest.fixture
def clips_root(hass: HomeAssistant, tmp_path: Path) -> Path:
    hass.config.config_dir = str(tmp_path)
    return tmp_path / "earshot" / "clips"


async def _setup(
    hass: HomeAssistant, script: list[Any], options: dict[str, Any] | None = None
) -> tuple[MockConfigEntry, GuardManager, ScriptedDetector]:
    entry, guard, detector = await setup_guard(
        hass, ControlledSource(), script, options, title="Hall"
    )
    guard.async_set_mode(GuardMode.AWAY)
    detector.start()
    return entry, guard, detector


async def _two_incidents(
    hass: HomeAssistant, options: dict[str, Any] | None = None
) -> tuple[MockConfigEntry, GuardManager, list[str]]:
    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    script = [(0.5, sound("glass_break")), (1.0, sound("smoke_alarm"))]
    entry, guard, _ = await _setup(hass, script, options)
    await wait_for(hass, lambda: len(alerts) == 2)
    return entry, guard, [e.data["incident_id"] for e in alerts]


async def test_media_browser_lists_by_date_and_plays(hass: HomeAssistant, clips_root: Path) -> None:
    entry, _, ids = await _two_incidents(hass)
    root = await media_source.async_browse_media(hass, "media-source://earshot")
    assert [child.title for child in root.children] == ["Hall"]
    days = await media_source.async_browse_media(hass, root.children[0].media_content_id)
    today = dt_util.utcnow().date().isoformat()
    assert [child.title for child in days.children] == [today]
    day = await media_source.async_browse_media(hass, days.children[0].media_content_id)
    assert len(day.children) == 2
    assert all(child.can_play for child in day.children)
    titles = " ".join(child.title for child in day.children)
    assert "Glass breaking" in titles
    assert "Smoke alarm" in titles
    played = await media_source.async_resolve_media(hass, day.children[0].media_content_id, None)
    assert played.mime_type == "audio/wav"
    assert played.url.startswith(f"/api/earshot/clips/{entry.entry_id}/")
    with pytest.raises(media_source.Unresolvable) as raised:
        await media_source.async_resolve_media(
            hass, f"media-source://earshot/{entry.entry_id}/../../secrets", None
        )
    assert raised.value.translation_key == "not_a_clip"
    with pytest.raises(media_source.Unresolvable) as raised:
        await media_source.async_resolve_media(
            hass, f"media-source://earshot/{entry.entry_id}/0123456789ab", None
        )
    assert raised.value.translation_key == "clip_not_found"
    assert "0123456789ab" in str(raised.value)  # the translated message, placeholders filled
    with pytest.raises(BrowseError) as browse_error:
        await media_source.async_browse_media(
            hass, f"media-source://earshot/{entry.entry_id}/not-a-day"
        )
    assert browse_error.value.translation_key == "unknown_media_item"


async def test_clip_view_requires_auth(
    hass: HomeAssistant, clips_root: Path, hass_client_no_auth: Any, hass_client: Any
) -> None:
    entry, _, ids = await _two_incidents(hass)
    url = f"/api/earshot/clips/{entry.entry_id}/{ids[0]}"
    anonymous = await hass_client_no_auth()
    assert (await anonymous.get(url)).status == 401
    client = await hass_client()
    assert (await client.get(url)).status == 200
    assert (await client.get(f"/api/earshot/clips/{entry.entry_id}/nope")).status == 404


async def test_delete_one_entry_and_all(hass: HomeAssistant, clips_root: Path) -> None:
    entry, guard, ids = await _two_incidents(hass)
    result = await hass.services.async_call(
        DOMAIN,
        "delete_clip",
        {"config_entry_id": entry.entry_id, "incident_id": ids[0]},
        blocking=True,
        return_response=True,
    )
    assert result == {"deleted": 1}
    assert guard.store.get(entry.entry_id, ids[0]) is None
    assert not list(clips_root.rglob(f"{ids[0]}.*"))
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "delete_clip",
            {"config_entry_id": entry.entry_id, "incident_id": ids[0]},
            blocking=True,
        )
    result = await hass.services.async_call(
        DOMAIN,
        "delete_clips",
        {"config_entry_id": entry.entry_id},
        blocking=True,
        return_response=True,
    )
    assert result == {"deleted": 1}
    assert guard.store.records() == []
    # Something of another (removed) entry is still there until "delete all".
    other = IncidentRecord(**{**_record_fields(guard, ids[1]), "entry_id": "gone"})
    await hass.async_add_executor_job(guard.store.save, other, None, guard.retention)
    result = await hass.services.async_call(
        DOMAIN, "delete_all_clips", {}, blocking=True, return_response=True
    )
    assert result == {"deleted": 1}
    assert not any(clips_root.rglob("*.json"))


def _record_fields(guard: GuardManager, incident_id: str) -> dict[str, Any]:
    now = dt_util.utcnow()
    return {
        "incident_id": incident_id,
        "entry_id": guard.entry.entry_id,
        "device": "Hall",
        "mode": "away",
        "kinds": ("door",),
        "primary": "door",
        "started_at": now,
        "updated_at": now,
        "detections": 1,
        "confidence": 0.5,
    }


@pytest.mark.parametrize(
    ("action", "with_entry", "with_incident"),
    [
        ("delete_clip", True, True),
        ("delete_clips", True, False),
        ("delete_all_clips", False, False),
    ],
)
async def test_a_failed_deletion_is_reported_not_hidden(
    hass: HomeAssistant, clips_root: Path, action: str, with_entry: bool, with_incident: bool
) -> None:
    """A read-only clips folder: the action says so instead of "not found" or success."""
    entry, guard, ids = await _two_incidents(hass)
    data: dict[str, Any] = {}
    if with_entry:
        data["config_entry_id"] = entry.entry_id
    if with_incident:
        data["incident_id"] = ids[0]

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Read-only file system")

    with (
        patch("pathlib.Path.unlink", refuse),
        patch("custom_components.earshot.engine.guard.clips.shutil.rmtree", refuse),
        pytest.raises(HomeAssistantError) as raised,
    ):
        await hass.services.async_call(DOMAIN, action, data, blocking=True)
    assert not isinstance(raised.value, ServiceValidationError)
    assert raised.value.translation_key == "delete_failed"
    assert guard.store.get(entry.entry_id, ids[0]) is not None


async def test_mark_false_alarm_action(hass: HomeAssistant, clips_root: Path) -> None:
    entry, guard, ids = await _two_incidents(hass)
    await hass.services.async_call(
        DOMAIN,
        "mark_false_alarm",
        {"config_entry_id": entry.entry_id, "incident_id": ids[1]},
        blocking=True,
    )
    record = guard.store.get(entry.entry_id, ids[1])
    assert record is not None
    assert record.false_alarm
    await hass.services.async_call(
        DOMAIN,
        "mark_false_alarm",
        {"config_entry_id": entry.entry_id, "incident_id": ids[1], "false_alarm": False},
        blocking=True,
    )
    record = guard.store.get(entry.entry_id, ids[1])
    assert record is not None
    assert not record.false_alarm
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "mark_false_alarm",
            {"config_entry_id": "not_an_entry", "incident_id": ids[1]},
            blocking=True,
        )


async def test_retention_at_start_and_removal_of_entry(
    hass: HomeAssistant, clips_root: Path
) -> None:
    entry, guard, ids = await _two_incidents(hass, {OPT_CLIP_RETENTION_DAYS: 7})
    old = guard.store.get(entry.entry_id, ids[0])
    assert old is not None
    aged = replace(old, started_at=old.started_at - timedelta(days=8))
    await hass.async_add_executor_job(guard.store.delete, entry.entry_id, ids[0])
    await hass.async_add_executor_job(guard.store.save, aged, None, guard.retention)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert [r.incident_id for r in guard.store.records()] == [ids[1]]
    # Removing the device removes its history.
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert guard.store.records() == []


async def test_read_only_clips_directory_never_breaks_the_guard(
    hass: HomeAssistant, clips_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Tests may run as root, where permissions do not stop writes; a file where the
    # clips directory should be fails the same way a read-only mount does.
    clips_root.parent.mkdir(parents=True)
    clips_root.write_text("in the way")
    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    script = [(0.5, sound("glass_break")), (5.0, sound("smoke_alarm"))]
    with caplog.at_level(logging.WARNING):
        entry, guard, _ = await _setup(hass, script)
        await wait_for(hass, lambda: len(alerts) == 2)
    # Still alerted, without a clip; the problem is logged once.
    assert all(e.data["media_content_id"] is None for e in alerts)
    assert len([r for r in caplog.records if "clip store" in r.getMessage()]) == 1
    assert entry.state is ConfigEntryState.LOADED
    assert guard.store.error_count >= 2


async def test_full_disk_keeps_alerting(
    hass: HomeAssistant, clips_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    with (
        patch("custom_components.earshot.engine.guard.clips.write_wav", full),
        caplog.at_level(logging.WARNING),
    ):
        _, _, _ = await _setup(hass, [(0.5, sound("glass_break")), (1.0, sound("smoke_alarm"))])
        await wait_for(hass, lambda: len(alerts) == 2)
    assert all(e.data["media_content_id"] is None for e in alerts)
    assert len([r for r in caplog.records if "No space left" in r.getMessage()]) == 1


async def test_notification_link_opens_the_incident_day_in_the_media_browser(
    hass: HomeAssistant, clips_root: Path
) -> None:
    entry, guard, ids = await _two_incidents(hass)
    record = guard.store.get(entry.entry_id, ids[0])
    assert record is not None
    link = media_browser_path(record)
    day = record.started_at.date().isoformat()
    assert link == (
        "/media-browser/browser/app%2Cmedia-source%3A%2F%2Fearshot"
        f"/%2Cmedia-source%3A%2F%2Fearshot%2F{entry.entry_id}"
        f"/%2Cmedia-source%3A%2F%2Fearshot%2F{entry.entry_id}%2F{day}"
    )
    # Every level of the link is browsable, and the last one lists the incident.
    for segment in link.removeprefix("/media-browser/browser/").split("/"):
        content_id = unquote(segment).split(",", 1)[1]
        folder = await media_source.async_browse_media(hass, content_id)
    assert f"{entry.entry_id}/{ids[0]}" in [c.identifier for c in folder.children]


async def test_actions_are_described(hass: HomeAssistant, clips_root: Path) -> None:
    await _two_incidents(hass)
    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]
    assert set(descriptions) >= {
        "delete_clip",
        "delete_clips",
        "delete_all_clips",
        "mark_false_alarm",
    }
    assert set(descriptions["delete_clip"]["fields"]) == {"config_entry_id", "incident_id"}
    assert descriptions["delete_all_clips"]["name"] == "Delete all history"
