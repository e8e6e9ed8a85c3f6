"""Numbers: the occupancy hold time (an option, adjustable from dashboards)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import OPT_OCCUPANCY_HOLD_S
from .coordinator import EarshotConfigEntry, SettingsUpdated
from .entity import EarshotEntityDescription, EarshotOptionEntity, build_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EarshotNumberDescription(NumberEntityDescription, EarshotEntityDescription):
    """Describes a number that edits one of the entry's options."""


NUMBERS: tuple[EarshotNumberDescription, ...] = (
    EarshotNumberDescription(
        key=OPT_OCCUPANCY_HOLD_S,
        translation_key=OPT_OCCUPANCY_HOLD_S,
        device_class=NumberDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        native_min_value=10,
        native_max_value=3600,
        native_step=10,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        message_kinds=(SettingsUpdated,),
        exists_fn=lambda coordinator: coordinator.presence is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EarshotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up Earshot numbers."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(build_entities(coordinator, EarshotOptionNumber, NUMBERS))


class EarshotOptionNumber(EarshotOptionEntity, NumberEntity):
    """One of the entry's options, as a number."""

    entity_description: EarshotNumberDescription

    @property
    def native_value(self) -> float:
        """The option's value."""
        return float(self.option_value)

    async def async_set_native_value(self, value: float) -> None:
        """Store the new value."""
        self.async_set_option(value)
