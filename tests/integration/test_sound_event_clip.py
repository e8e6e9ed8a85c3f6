"""The sound event entity carries a clip reference when, and only when, the guard records."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.components import media_source
from homeassistant.core import Event, HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.earshot.engine.guard.clips import ClipStore, IncidentRecord
from custom_components.earshot.engine.guard.incidents import ClipAudio
from custom_components.earshot.engine.guard.policy import GuardMode
from custom_components.earshot.engine.sounds.results import SoundEvent
from custom_components.earshot.engine.sounds.vocabulary import SoundType
from custom_components.earshot.guard import EVENT_ALERT, GuardManager

from .conftest import ControlledSource, FakeDetectors, wait_for
from .guard_helpers import sound_event

SOUND = "event.simulated_home_sound"


@pytest.fixture
async def loaded(
    hass: HomeAssistant,
    tmp_path: Path,
    simulated_entry: MockConfigEntry,
    controlled_source: ControlledSource,
    fake_detectors: FakeDetectors,
) -> Any:
    hass.config.config_dir = str(tmp_path)  # clips out of the shared test config
    simulated_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(simulated_entry.entry_id)
    await hass.async_block_till_done()
    yield simulated_entry
    assert await hass.config_entries.async_unload(simulated_entry.entry_id)


def _guard(entry: MockConfigEntry) -> GuardManager:
    guard = entry.runtime_data.guard
    assert guard is not None
    return guard


@pytest.fixture
def away_alerts(hass: HomeAssistant, loaded: MockConfigEntry) -> list[Event]:
    """The guard in away mode; the alerts it fires from now on."""
    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    _guard(loaded).async_set_mode(GuardMode.AWAY)
    return alerts


def _without_audio(kind: SoundType, start_s: float) -> SoundEvent:
    return SoundEvent(kind, start_s, start_s + 1.0, 0.9, -9.0)


async def _hear(
    hass: HomeAssistant, fake_detectors: FakeDetectors, event: SoundEvent
) -> dict[str, Any]:
    """Emit a sound and return the event entity's attributes once it fired for it."""
    before = hass.states.get(SOUND)
    last = None if before is None else before.state
    fake_detectors.sounds.emit(event)
    await wait_for(hass, lambda: (state := hass.states.get(SOUND)) and state.state != last)
    return dict(hass.states.get(SOUND).attributes)


async def test_away_sound_event_carries_a_resolvable_clip(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    fake_detectors: FakeDetectors,
    away_alerts: list[Event],
) -> None:
    first = await _hear(hass, fake_detectors, sound_event("glass_break", 10.0))
    assert first["event_type"] == "glass_break"
    incident_id = first["incident_id"]
    assert incident_id
    clip = f"media-source://earshot/{loaded.entry_id}/{incident_id}"
    assert first["clip"] == clip

    # The alert fires after the clip is written: the same reference, and it resolves.
    await wait_for(hass, lambda: away_alerts)
    assert away_alerts[0].data["incident_id"] == incident_id
    assert away_alerts[0].data["media_content_id"] == clip
    media = await media_source.async_resolve_media(hass, clip, None)
    assert media.url == f"/api/earshot/clips/{loaded.entry_id}/{incident_id}"

    # A sound continuing the incident refers to the same clip.
    second = await _hear(hass, fake_detectors, sound_event("glass_break", 11.0))
    assert second["incident_id"] == incident_id
    assert second["clip"] == clip

    # A sound the away mode does not alert on is not recorded.
    water = await _hear(hass, fake_detectors, sound_event("water_running", 12.0))
    assert water["clip"] is None
    assert water["incident_id"] is None


@pytest.mark.parametrize("mode", [GuardMode.OFF, GuardMode.HOME])
async def test_no_clip_when_the_mode_does_not_record_the_sound(
    hass: HomeAssistant, loaded: MockConfigEntry, fake_detectors: FakeDetectors, mode: GuardMode
) -> None:
    _guard(loaded).async_set_mode(mode)
    attributes = await _hear(hass, fake_detectors, sound_event("glass_break", 10.0))
    assert attributes["event_type"] == "glass_break"
    assert attributes["clip"] is None
    assert attributes["incident_id"] is None
    assert attributes["confidence"] == pytest.approx(0.93)
    assert _guard(loaded).counters["incidents"] == 0


async def test_home_mode_smoke_alarm_is_recorded(
    hass: HomeAssistant, loaded: MockConfigEntry, fake_detectors: FakeDetectors
) -> None:
    _guard(loaded).async_set_mode(GuardMode.HOME)
    attributes = await _hear(hass, fake_detectors, sound_event("smoke_alarm", 10.0))
    assert attributes["clip"] == (
        f"media-source://earshot/{loaded.entry_id}/{attributes['incident_id']}"
    )


async def test_a_sound_without_audio_refers_to_its_incidents_clip_only_if_stored(
    hass: HomeAssistant,
    loaded: MockConfigEntry,
    fake_detectors: FakeDetectors,
    away_alerts: list[Event],
) -> None:
    """Disk full: the first event promised a clip that never came; later ones do not."""
    # Stored: a later sound of the incident that brings no audio still has the clip.
    stored = await _hear(hass, fake_detectors, sound_event("glass_break", 10.0))
    await wait_for(hass, lambda: away_alerts)
    bare = await _hear(hass, fake_detectors, _without_audio("glass_break", 11.0))
    assert bare["incident_id"] == stored["incident_id"]
    assert bare["clip"] == stored["clip"] is not None

    # Not stored (the WAV could not be written): no reference once that is known.
    original = ClipStore.save

    def save_without_audio(
        store: ClipStore, record: IncidentRecord, clip: ClipAudio | None, retention: Any
    ) -> IncidentRecord | None:
        return original(store, record, None, retention)

    with patch.object(ClipStore, "save", save_without_audio):
        failed = await _hear(hass, fake_detectors, sound_event("co_alarm", 100.0))
        await wait_for(hass, lambda: len(away_alerts) == 2)
    assert failed["clip"] is not None  # promised when it fired, before the write
    assert away_alerts[1].data["media_content_id"] is None
    after = await _hear(hass, fake_detectors, _without_audio("co_alarm", 101.0))
    assert after["incident_id"] == failed["incident_id"]
    assert after["clip"] is None
