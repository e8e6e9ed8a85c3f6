"""Earshot actions: delete recorded history, and mark an incident as a false alarm."""

from __future__ import annotations

from typing import Final

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .const import DOMAIN
from .engine.guard.clips import ClipStore, is_safe_id
from .guard import GuardManager, clip_store
from .media_source import EarshotClipView

SERVICE_DELETE_CLIP: Final = "delete_clip"
SERVICE_DELETE_CLIPS: Final = "delete_clips"
SERVICE_DELETE_ALL_CLIPS: Final = "delete_all_clips"
SERVICE_MARK_FALSE_ALARM: Final = "mark_false_alarm"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_INCIDENT_ID: Final = "incident_id"
ATTR_FALSE_ALARM: Final = "false_alarm"


def _safe_id(value: object) -> str:
    text = cv.string(value)
    if not is_safe_id(text):
        raise vol.Invalid("not a valid id")
    return text


ENTRY_SCHEMA = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): _safe_id})
INCIDENT_SCHEMA = ENTRY_SCHEMA.extend({vol.Required(ATTR_INCIDENT_ID): _safe_id})
FALSE_ALARM_SCHEMA = INCIDENT_SCHEMA.extend(
    {vol.Optional(ATTR_FALSE_ALARM, default=True): cv.boolean}
)


def _guard(hass: HomeAssistant, entry_id: str) -> GuardManager:
    entry = hass.config_entries.async_get_entry(entry_id)
    guard: GuardManager | None = None
    if entry is not None and entry.domain == DOMAIN and entry.state is ConfigEntryState.LOADED:
        guard = entry.runtime_data.guard
    if guard is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"entry_id": entry_id},
        )
    return guard


def _not_found(call: ServiceCall) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="incident_not_found",
        translation_placeholders={"incident_id": call.data[ATTR_INCIDENT_ID]},
    )


def _delete_failed() -> HomeAssistantError:
    """Deletion failed on disk: the user must not believe the history is gone."""
    return HomeAssistantError(translation_domain=DOMAIN, translation_key="delete_failed")


async def _ensure_gone(hass: HomeAssistant, store: ClipStore, entry_id: str | None) -> None:
    if await hass.async_add_executor_job(store.records, entry_id):
        raise _delete_failed()


async def _delete_clip(call: ServiceCall) -> ServiceResponse:
    store = clip_store(call.hass)
    entry_id, incident_id = call.data[ATTR_CONFIG_ENTRY_ID], call.data[ATTR_INCIDENT_ID]
    if await call.hass.async_add_executor_job(store.delete, entry_id, incident_id):
        return {"deleted": 1}
    if await call.hass.async_add_executor_job(store.get, entry_id, incident_id) is not None:
        raise _delete_failed()
    raise _not_found(call)


async def _delete_clips(call: ServiceCall) -> ServiceResponse:
    store = clip_store(call.hass)
    entry_id = call.data[ATTR_CONFIG_ENTRY_ID]
    deleted = await call.hass.async_add_executor_job(store.delete_entry, entry_id)
    await _ensure_gone(call.hass, store, entry_id)
    return {"deleted": deleted}


async def _delete_all_clips(call: ServiceCall) -> ServiceResponse:
    store = clip_store(call.hass)
    deleted = await call.hass.async_add_executor_job(store.delete_all)
    await _ensure_gone(call.hass, store, None)
    return {"deleted": deleted}


async def _mark_false_alarm(call: ServiceCall) -> None:
    guard = _guard(call.hass, call.data[ATTR_CONFIG_ENTRY_ID])
    if not await guard.async_mark_false_alarm(
        call.data[ATTR_INCIDENT_ID], call.data[ATTR_FALSE_ALARM]
    ):
        raise _not_found(call)


def async_setup_services(hass: HomeAssistant) -> None:
    """Register Earshot's actions and the clip view (once, at integration setup)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_DELETE_CLIP,
        _delete_clip,
        schema=INCIDENT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_DELETE_CLIPS,
        _delete_clips,
        schema=ENTRY_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_DELETE_ALL_CLIPS,
        _delete_all_clips,
        schema=vol.Schema({}),
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_MARK_FALSE_ALARM, _mark_false_alarm, schema=FALSE_ALARM_SCHEMA
    )
    if hass.http is not None:
        hass.http.register_view(EarshotClipView(clip_store(hass)))
