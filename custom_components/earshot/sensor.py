"""Sensors: sound level, and diagnostics for audio health."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfFrequency
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import EarshotConfigEntry, EarshotCoordinator
from .engine.level import LevelReading
from .engine.runtime import RuntimeStats
from .entity import EarshotEntity, EarshotEntityDescription

PARALLEL_UPDATES = 0
DBFS = "dBFS"


@dataclass(frozen=True, kw_only=True)
class EarshotSensorDescription(SensorEntityDescription, EarshotEntityDescription):
    """Describes an Earshot sensor."""

    value_fn: Callable[[EarshotCoordinator], StateType]


def _level(coordinator: EarshotCoordinator, peak: bool = False) -> float | None:
    reading = coordinator.latest(LevelReading)
    if reading is None:
        return None
    return reading.peak_dbfs if peak else reading.level_dbfs


def _stats[T](value_fn: Callable[[RuntimeStats], T]) -> Callable[[EarshotCoordinator], T]:
    return lambda coordinator: value_fn(coordinator.stats)


SENSORS: tuple[EarshotSensorDescription, ...] = (
    EarshotSensorDescription(
        key="sound_level",
        translation_key="sound_level",
        native_unit_of_measurement=DBFS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        message_kinds=(LevelReading,),
        value_fn=_level,
    ),
    EarshotSensorDescription(
        key="sound_peak",
        translation_key="sound_peak",
        native_unit_of_measurement=DBFS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        message_kinds=(LevelReading,),
        value_fn=lambda coordinator: _level(coordinator, peak=True),
    ),
    EarshotSensorDescription(
        key="overruns",
        translation_key="overruns",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        message_kinds=(RuntimeStats,),
        value_fn=_stats(lambda stats: stats.overruns),
    ),
    EarshotSensorDescription(
        key="reconnects",
        translation_key="reconnects",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        message_kinds=(RuntimeStats,),
        value_fn=_stats(lambda stats: stats.reconnects),
    ),
    EarshotSensorDescription(
        key="effective_sample_rate",
        translation_key="effective_sample_rate",
        device_class=SensorDeviceClass.FREQUENCY,
        native_unit_of_measurement=UnitOfFrequency.HERTZ,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        message_kinds=(RuntimeStats,),
        value_fn=_stats(lambda stats: stats.effective_sample_rate_hz),
    ),
    EarshotSensorDescription(
        key="processing_load",
        translation_key="processing_load",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        message_kinds=(RuntimeStats,),
        value_fn=_stats(lambda stats: 100.0 * stats.processing_load),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EarshotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up Earshot sensors."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(EarshotSensor(coordinator, description) for description in SENSORS)


class EarshotSensor(EarshotEntity, SensorEntity):
    """A sensor whose value is derived from the coordinator's latest messages."""

    entity_description: EarshotSensorDescription

    @property
    def native_value(self) -> StateType:
        """The sensor's value."""
        return self.entity_description.value_fn(self.coordinator)
