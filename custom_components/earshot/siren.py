"""Siren platform: the guard's siren, for sources that have a speaker."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import EarshotConfigEntry
from .guard_entities import SIREN, GuardSiren

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EarshotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the siren when the entry's source can play sound."""
    data = entry.runtime_data
    if data.guard is not None and data.guard.siren is not None:
        async_add_entities([GuardSiren(data.coordinator, data.guard, SIREN)])
