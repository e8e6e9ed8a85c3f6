"""Buttons: recalibrate the ultrasonic presence sensing."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import EarshotConfigEntry
from .entity import EarshotEntity, EarshotEntityDescription

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EarshotButtonDescription(ButtonEntityDescription, EarshotEntityDescription):
    """Describes an Earshot button."""


RECALIBRATE = EarshotButtonDescription(
    key="recalibrate",
    translation_key="recalibrate",
    entity_category=EntityCategory.CONFIG,
    detector="presence",
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EarshotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the recalibrate button when the entry senses presence."""
    coordinator = entry.runtime_data.coordinator
    if coordinator.presence is not None:
        async_add_entities([EarshotRecalibrateButton(coordinator, RECALIBRATE)])


class EarshotRecalibrateButton(EarshotEntity, ButtonEntity):
    """Sweeps the carriers again and picks frequency and level anew (inaudible)."""

    entity_description: EarshotButtonDescription

    async def async_press(self) -> None:
        """Ask the presence detector to calibrate from the next block."""
        presence = self.coordinator.presence
        assert presence is not None
        self.coordinator.submit(presence.recalibrate)
