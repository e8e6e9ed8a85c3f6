"""Sensors: sound level, and diagnostics for audio health."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS,
    EntityCategory,
    UnitOfFrequency,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .const import CONF_CALIBRATION
from .coordinator import EarshotConfigEntry, EarshotCoordinator, SettingsUpdated
from .engine.level import LevelReading
from .engine.presence.results import PresenceStatus
from .engine.runtime import RuntimeStats
from .engine.sounds.results import NoiseFloor
from .entity import EarshotEntity, EarshotEntityDescription, build_entities

PARALLEL_UPDATES = 0
DBFS = "dBFS"


@dataclass(frozen=True, kw_only=True)
class EarshotSensorDescription(SensorEntityDescription, EarshotEntityDescription):
    """Describes an Earshot sensor."""

    value_fn: Callable[[EarshotCoordinator], StateType | datetime]


def _level(coordinator: EarshotCoordinator, peak: bool = False) -> float | None:
    reading = coordinator.latest(LevelReading)
    if reading is None:
        return None
    return reading.peak_dbfs if peak else reading.level_dbfs


def _stats[T](value_fn: Callable[[RuntimeStats], T]) -> Callable[[EarshotCoordinator], T]:
    return lambda coordinator: value_fn(coordinator.stats)


def _calibration(coordinator: EarshotCoordinator, key: str) -> float | None:
    calibration = coordinator.config_entry.data.get(CONF_CALIBRATION)
    return float(calibration[key]) if calibration else None


def _presence(
    field: Callable[[PresenceStatus], float], calibrated: str | None = None
) -> Callable[[EarshotCoordinator], float | None]:
    """A presence status figure; the stored calibration until the first status arrives."""

    def value(coordinator: EarshotCoordinator) -> float | None:
        status = coordinator.latest(PresenceStatus)
        if status is not None:
            return field(status)
        return _calibration(coordinator, calibrated) if calibrated else None

    return value


def _calibrated_at(coordinator: EarshotCoordinator) -> datetime | None:
    calibration = coordinator.config_entry.data.get(CONF_CALIBRATION)
    return dt_util.parse_datetime(calibration["calibrated_at"]) if calibration else None


def _noise_floor(coordinator: EarshotCoordinator) -> float | None:
    noise = coordinator.latest(NoiseFloor)
    return noise.level_dbfs if noise is not None else None


def _has_presence(coordinator: EarshotCoordinator) -> bool:
    return coordinator.presence is not None


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
    EarshotSensorDescription(
        key="carrier_frequency",
        translation_key="carrier_frequency",
        device_class=SensorDeviceClass.FREQUENCY,
        native_unit_of_measurement=UnitOfFrequency.HERTZ,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        message_kinds=(PresenceStatus, SettingsUpdated),
        exists_fn=_has_presence,
        detector="presence",
        value_fn=_presence(lambda status: status.carrier_hz, "carrier_hz"),
    ),
    EarshotSensorDescription(
        key="emission_level",
        translation_key="emission_level",
        native_unit_of_measurement=DBFS,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        message_kinds=(PresenceStatus, SettingsUpdated),
        exists_fn=_has_presence,
        detector="presence",
        value_fn=_presence(lambda status: status.level_dbfs, "level_dbfs"),
    ),
    EarshotSensorDescription(
        key="presence_snr",
        translation_key="presence_snr",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        message_kinds=(PresenceStatus, SettingsUpdated),
        exists_fn=_has_presence,
        detector="presence",
        value_fn=_presence(lambda status: status.snr_db, "snr_db"),
    ),
    EarshotSensorDescription(
        key="calibration_time",
        translation_key="calibration_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        message_kinds=(SettingsUpdated,),
        exists_fn=_has_presence,
        detector="presence",
        value_fn=_calibrated_at,
    ),
    EarshotSensorDescription(
        key="noise_floor",
        translation_key="noise_floor",
        native_unit_of_measurement=DBFS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        message_kinds=(NoiseFloor,),
        exists_fn=lambda coordinator: coordinator.sounds is not None,
        detector="sounds",
        value_fn=_noise_floor,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: EarshotConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up Earshot sensors."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(build_entities(coordinator, EarshotSensor, SENSORS))


class EarshotSensor(EarshotEntity, SensorEntity):
    """A sensor whose value is derived from the coordinator's latest messages."""

    entity_description: EarshotSensorDescription

    @property
    def native_value(self) -> StateType | datetime:
        """The sensor's value."""
        return self.entity_description.value_fn(self.coordinator)
