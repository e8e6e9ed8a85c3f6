"""Earshot: a speaker and microphone as a home sensor (presence, sound events, guard)."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.typing import ConfigType

from .const import (
    CONF_SOURCE,
    DOMAIN,
    ISSUE_MODEL_MISSING,
    ISSUE_PORTAUDIO_MISSING,
    SOURCE_SOUND_CARD,
)
from .coordinator import (
    EarshotConfigEntry,
    EarshotCoordinator,
    EarshotData,
    async_create_issue,
    async_entry_issues,
    build_source,
    issue_id,
)
from .detectors import build_detectors
from .engine.audio import PortAudioMissingError
from .engine.sound_device import load_sounddevice
from .guard import async_remove_clips, async_setup_guard
from .services import async_setup_services

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SIREN,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register Earshot's actions (clip history, false-alarm feedback)."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: EarshotConfigEntry) -> bool:
    """Start the entry's audio engine and its entities."""
    if entry.data[CONF_SOURCE] == SOURCE_SOUND_CARD:
        try:
            await hass.async_add_executor_job(load_sounddevice)
        except PortAudioMissingError as err:
            async_create_issue(hass, entry, ISSUE_PORTAUDIO_MISSING, str(err))
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN, translation_key=ISSUE_PORTAUDIO_MISSING
            ) from err
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry, ISSUE_PORTAUDIO_MISSING))

    source = await hass.async_add_executor_job(build_source, entry.data, entry.options)
    detectors = await hass.async_add_executor_job(build_detectors, entry, source)
    if detectors.model_problems:
        async_create_issue(hass, entry, ISSUE_MODEL_MISSING, "; ".join(detectors.model_problems))
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry, ISSUE_MODEL_MISSING))
    coordinator = EarshotCoordinator(hass, entry, source, detectors)
    entry.runtime_data = EarshotData(coordinator=coordinator)
    await coordinator.async_start()
    try:
        entry.runtime_data.guard = await async_setup_guard(hass, entry, coordinator)
        entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
        await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    except Exception:
        await coordinator.async_stop()  # no engine thread outlives a failed setup
        raise
    return True


async def _async_entry_updated(hass: HomeAssistant, entry: EarshotConfigEntry) -> None:
    """Options or calibration changed: retune the detectors, or reload for other detectors."""
    coordinator = entry.runtime_data.coordinator
    if coordinator.needs_reload():
        hass.config_entries.async_schedule_reload(entry.entry_id)
    else:
        coordinator.async_apply_settings()


async def async_unload_entry(hass: HomeAssistant, entry: EarshotConfigEntry) -> bool:
    """Stop the entry's engine; no thread, stream or file handle stays behind."""
    unload_ok = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unload_ok:
        await entry.runtime_data.coordinator.async_stop()
    return unload_ok


async def async_remove_entry(hass: HomeAssistant, entry: EarshotConfigEntry) -> None:
    """Forget the entry's repair issues."""
    for key in async_entry_issues(hass, entry):
        ir.async_delete_issue(hass, DOMAIN, key)
    await async_remove_clips(hass, entry.entry_id)
