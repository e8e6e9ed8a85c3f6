"""Base entity for Earshot: one device per entry, state pushed by the coordinator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.core import callback
from homeassistant.helpers.entity import Entity, EntityDescription

from .coordinator import EarshotCoordinator
from .engine.runtime import SourceStatus


@dataclass(frozen=True, kw_only=True)
class EarshotEntityDescription(EntityDescription):
    """Describes an Earshot entity and the engine messages that update it."""

    message_kinds: tuple[type, ...] = ()
    """Message types (engine results, statistics) after which the state is rewritten."""


class EarshotEntity(Entity):
    """An entity of one Earshot entry; unavailable while its audio source is down."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description: EarshotEntityDescription

    def __init__(
        self, coordinator: EarshotCoordinator, description: EarshotEntityDescription
    ) -> None:
        self.coordinator = coordinator
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.config_entry.entry_id}_{description.key}"
        self._attr_device_info = coordinator.device_info

    @property
    def available(self) -> bool:
        """Whether the audio source is delivering."""
        return self.coordinator.available

    async def async_added_to_hass(self) -> None:
        """Subscribe to source status and to this entity's messages."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_listener(
                self._async_handle_message,
                (SourceStatus, *self.entity_description.message_kinds),
            )
        )

    @callback
    def _async_handle_message(self, message: Any) -> None:
        """React to a message; by default just write the (derived) state."""
        self.async_write_ha_state()
