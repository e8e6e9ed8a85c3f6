"""Base entity for Earshot: one device per entry, state pushed by the coordinator."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from homeassistant.core import callback
from homeassistant.helpers.entity import Entity, EntityDescription

from .coordinator import EarshotCoordinator
from .detectors import DetectorFailed, option
from .engine.runtime import SourceStatus


@dataclass(frozen=True, kw_only=True)
class EarshotEntityDescription(EntityDescription):
    """Describes an Earshot entity and the engine messages that update it."""

    message_kinds: tuple[type, ...] = ()
    """Message types (engine results, statistics) after which the state is rewritten."""
    exists_fn: Callable[[EarshotCoordinator], bool] = lambda _: True
    """Whether the entry has this entity (e.g. only with a running presence detector)."""
    detector: str | None = None
    """The detector the state comes from; the entity is unavailable if it failed."""


def build_entities[D: EarshotEntityDescription, E: Entity](
    coordinator: EarshotCoordinator,
    entity_class: Callable[[EarshotCoordinator, D], E],
    descriptions: Iterable[D],
) -> list[E]:
    """The entities of those descriptions that exist for this entry."""
    return [entity_class(coordinator, d) for d in descriptions if d.exists_fn(coordinator)]


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
        """Whether the audio source is delivering (and this entity's detector is running)."""
        return (
            self.coordinator.available
            and self.entity_description.detector not in self.coordinator.failed_detectors
        )

    async def async_added_to_hass(self) -> None:
        """Subscribe to source status and to this entity's messages."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_listener(
                self._async_handle_message,
                (SourceStatus, DetectorFailed, *self.entity_description.message_kinds),
            )
        )

    @callback
    def _async_handle_message(self, message: Any) -> None:
        """React to a message; by default just write the (derived) state."""
        self.async_write_ha_state()


class EarshotOptionEntity(EarshotEntity):
    """An entity that shows and edits the entry option named by its description's key.

    Changing it updates the entry's options; the update listener hands the new
    settings to the detectors without a reload.
    """

    @property
    def available(self) -> bool:
        """Settings can be changed while the source is down."""
        return True

    @property
    def option_value(self) -> Any:
        """The option's current value (or its default)."""
        return option(self.coordinator.config_entry.options, self.entity_description.key)

    @callback
    def async_set_option(self, value: Any) -> None:
        """Store a new value for the option."""
        entry = self.coordinator.config_entry
        self.hass.config_entries.async_update_entry(
            entry, options={**entry.options, self.entity_description.key: value}
        )
