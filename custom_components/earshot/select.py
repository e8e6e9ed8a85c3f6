"""Select platform: the guard mode, and the presence and sound sensitivities."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import OPT_PRESENCE_SENSITIVITY, OPT_SOUND_SENSITIVITY, SENSITIVITY_LEVELS
from .coordinator import EarshotConfigEntry, SettingsUpdated
from .entity import EarshotEntityDescription, EarshotOptionEntity, build_entities
from .guard_entities import GUARD_MODE, GuardModeSelect

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EarshotOptionSelectDescription(SelectEntityDescription, EarshotEntityDescription):
    """Describes a select that edits one of the entry's options (key = option key)."""


OPTION_SELECTS: tuple[EarshotOptionSelectDescription, ...] = (
    EarshotOptionSelectDescription(
        key=OPT_PRESENCE_SENSITIVITY,
        translation_key=OPT_PRESENCE_SENSITIVITY,
        options=list(SENSITIVITY_LEVELS),
        entity_category=EntityCategory.CONFIG,
        message_kinds=(SettingsUpdated,),
        exists_fn=lambda coordinator: coordinator.presence is not None,
    ),
    EarshotOptionSelectDescription(
        key=OPT_SOUND_SENSITIVITY,
        translation_key=OPT_SOUND_SENSITIVITY,
        options=list(SENSITIVITY_LEVELS),
        entity_category=EntityCategory.CONFIG,
        message_kinds=(SettingsUpdated,),
        exists_fn=lambda coordinator: coordinator.sounds is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EarshotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entry's selects."""
    data = entry.runtime_data
    entities: list[Entity] = [
        *build_entities(data.coordinator, EarshotOptionSelect, OPTION_SELECTS)
    ]
    if data.guard is not None:
        entities.append(GuardModeSelect(data.coordinator, data.guard, GUARD_MODE))
    async_add_entities(entities)


class EarshotOptionSelect(EarshotOptionEntity, SelectEntity):
    """One of the entry's options, chosen from a list."""

    entity_description: EarshotOptionSelectDescription

    @property
    def current_option(self) -> str:
        """The option's value."""
        return str(self.option_value)

    async def async_select_option(self, option: str) -> None:
        """Store the choice."""
        self.async_set_option(option)
