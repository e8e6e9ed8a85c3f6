"""Event entity: every confirmed sound (smoke alarm, glass break, dog bark, ...).

Sounds reach the entity through the guard (not straight from the coordinator), so
the guard has decided whether it records the sound before the event fires: the
event then carries the clip reference (see :class:`.guard.SoundHeard`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import SOUND_NAMES
from .coordinator import EarshotConfigEntry
from .entity import EarshotEntityDescription
from .guard import SoundHeard
from .guard_entities import GUARD_ALERT, GuardAlert, GuardBoundEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EarshotEventDescription(EventEntityDescription, EarshotEntityDescription):
    """Describes an Earshot event entity."""


SOUND = EarshotEventDescription(
    key="sound",
    translation_key="sound",
    event_types=list(SOUND_NAMES),
    detector="sounds",
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EarshotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sound event entity when the entry listens for sounds."""
    coordinator = entry.runtime_data.coordinator
    if (guard := entry.runtime_data.guard) is None:
        return  # set up with the coordinator, before the platforms
    if coordinator.sounds is not None:
        async_add_entities([EarshotSoundEvent(coordinator, guard, SOUND)])
    async_add_entities([GuardAlert(coordinator, guard, GUARD_ALERT)])


def event_attributes(heard: SoundHeard) -> dict[str, Any]:
    """What automations get with each sound.

    ``clip`` is the media-source id of the recorded clip (playable with
    ``media_player.play_media``) when the guard records this sound, else None;
    ``incident_id`` names the guard incident the sound belongs to, if any.
    """
    event = heard.event
    return {
        "confidence": round(event.confidence, 3),
        "duration": round(event.duration_s, 2),
        "level": round(event.level_dbfs, 1),
        "verified": event.verified,
        "clip": heard.clip,
        "incident_id": heard.incident_id,
    }


class EarshotSoundEvent(GuardBoundEntity, EventEntity):
    """Fires one event per confirmed sound; the event type is the sound's name."""

    entity_description: EarshotEventDescription

    async def async_added_to_hass(self) -> None:
        """Also follow the sounds the guard has taken."""
        await super().async_added_to_hass()
        self.async_on_remove(self.guard.async_add_sound_listener(self._async_on_sound))

    @callback
    def _async_on_sound(self, heard: SoundHeard) -> None:
        self._trigger_event(heard.event.type, event_attributes(heard))
        self.async_write_ha_state()
