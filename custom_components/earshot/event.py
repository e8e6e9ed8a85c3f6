"""Event entity: every confirmed sound (smoke alarm, glass break, dog bark, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import SOUND_NAMES
from .coordinator import EarshotConfigEntry
from .engine.sounds.results import SoundEvent
from .entity import EarshotEntity, EarshotEntityDescription
from .guard_entities import GUARD_ALERT, GuardAlert

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EarshotEventDescription(EventEntityDescription, EarshotEntityDescription):
    """Describes an Earshot event entity."""


SOUND = EarshotEventDescription(
    key="sound",
    translation_key="sound",
    event_types=list(SOUND_NAMES),
    message_kinds=(SoundEvent,),
    detector="sounds",
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EarshotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sound event entity when the entry listens for sounds."""
    coordinator = entry.runtime_data.coordinator
    if coordinator.sounds is not None:
        async_add_entities([EarshotSoundEvent(coordinator, SOUND)])
    if (guard := entry.runtime_data.guard) is not None:
        async_add_entities([GuardAlert(coordinator, guard, GUARD_ALERT)])


def event_attributes(event: SoundEvent) -> dict[str, Any]:
    """What automations get with each sound (the clip itself goes to the guard)."""
    return {
        "confidence": round(event.confidence, 3),
        "duration": round(event.duration_s, 2),
        "level": round(event.level_dbfs, 1),
        "verified": event.verified,
    }


class EarshotSoundEvent(EarshotEntity, EventEntity):
    """Fires one event per confirmed sound; the event type is the sound's name."""

    entity_description: EarshotEventDescription

    @callback
    def _async_handle_message(self, message: Any) -> None:
        if isinstance(message, SoundEvent):
            self._trigger_event(message.type, event_attributes(message))
        self.async_write_ha_state()
