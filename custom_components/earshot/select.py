"""Select platform: the guard mode (and, alongside it, settings chosen from a list)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import EarshotConfigEntry
from .guard_entities import GUARD_MODE, GuardModeSelect

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EarshotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entry's selects."""
    data = entry.runtime_data
    entities: list[Entity] = []
    if data.guard is not None:
        entities.append(GuardModeSelect(data.coordinator, data.guard, GUARD_MODE))
    async_add_entities(entities)
