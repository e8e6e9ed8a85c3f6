"""Binary sensors: occupancy and motion (ultrasonic presence), smoke and CO alarms sounding."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import EarshotConfigEntry
from .engine.presence.results import MotionDetected, MotionEnded, OccupancyChanged
from .engine.runtime import SourceStatus
from .engine.sounds.results import HazardState
from .entity import EarshotEntity, EarshotEntityDescription, build_entities

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class EarshotBinarySensorDescription(BinarySensorEntityDescription, EarshotEntityDescription):
    """Describes a binary sensor driven by detector results."""

    is_on_fn: Callable[[Any], bool | None]
    """The state a message implies, or None when the message is not about this sensor."""
    attributes_fn: Callable[[Any], dict[str, Any]] | None = None


def _hazard(kind: str) -> Callable[[Any], bool | None]:
    return lambda message: message.sounding if message.type == kind else None


BINARY_SENSORS: tuple[EarshotBinarySensorDescription, ...] = (
    EarshotBinarySensorDescription(
        key="occupancy",
        device_class=BinarySensorDeviceClass.OCCUPANCY,
        message_kinds=(OccupancyChanged,),
        exists_fn=lambda coordinator: coordinator.presence is not None,
        detector="presence",
        is_on_fn=lambda message: message.occupied,
    ),
    EarshotBinarySensorDescription(
        key="motion",
        device_class=BinarySensorDeviceClass.MOTION,
        message_kinds=(MotionDetected, MotionEnded),
        exists_fn=lambda coordinator: coordinator.presence is not None,
        detector="presence",
        is_on_fn=lambda message: isinstance(message, MotionDetected),
        attributes_fn=lambda message: (
            {"level": message.level, "confidence": round(message.confidence, 2)}
            if isinstance(message, MotionDetected)
            else {}
        ),
    ),
    EarshotBinarySensorDescription(
        key="smoke_alarm",
        translation_key="smoke_alarm",
        device_class=BinarySensorDeviceClass.SMOKE,
        message_kinds=(HazardState,),
        exists_fn=lambda coordinator: coordinator.sounds is not None,
        detector="sounds",
        is_on_fn=_hazard("smoke_alarm"),
    ),
    EarshotBinarySensorDescription(
        key="co_alarm",
        translation_key="co_alarm",
        device_class=BinarySensorDeviceClass.CO,
        message_kinds=(HazardState,),
        exists_fn=lambda coordinator: coordinator.sounds is not None,
        detector="sounds",
        is_on_fn=_hazard("co_alarm"),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EarshotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up Earshot binary sensors."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(build_entities(coordinator, EarshotBinarySensor, BINARY_SENSORS))


class EarshotBinarySensor(EarshotEntity, BinarySensorEntity):
    """On/off from detector results; off again whenever the stream (re)starts."""

    entity_description: EarshotBinarySensorDescription
    _attr_is_on = False

    @callback
    def _async_handle_message(self, message: Any) -> None:
        description = self.entity_description
        if isinstance(message, SourceStatus):
            if message.available:  # detectors start from scratch on every (re)open
                self._attr_is_on = False
        elif isinstance(message, description.message_kinds):
            if (is_on := description.is_on_fn(message)) is None:
                return  # about another sensor (e.g. the other hazard)
            self._attr_is_on = is_on
            if description.attributes_fn is not None:
                self._attr_extra_state_attributes = description.attributes_fn(message)
        self.async_write_ha_state()
