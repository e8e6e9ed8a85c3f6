"""Guard entities: the guard-mode select (used by ``select.py``) and the siren."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.components.siren import SirenEntity, SirenEntityDescription
from homeassistant.components.siren.const import ATTR_DURATION, SirenEntityFeature
from homeassistant.core import Event, callback
from homeassistant.helpers.restore_state import RestoreEntity

from .const import GUARD_FOLLOW_MANUAL
from .coordinator import EarshotCoordinator
from .engine.guard.policy import DETECTIONS, GuardMode
from .entity import EarshotEntity, EarshotEntityDescription
from .guard import EVENT_ALERT, GuardManager


@dataclass(frozen=True, kw_only=True)
class GuardSelectDescription(SelectEntityDescription, EarshotEntityDescription):
    """Describes the guard-mode select."""


@dataclass(frozen=True, kw_only=True)
class GuardSirenDescription(SirenEntityDescription, EarshotEntityDescription):
    """Describes the siren."""


GUARD_MODE = GuardSelectDescription(
    key="guard_mode",
    translation_key="guard_mode",
    options=[str(mode) for mode in GuardMode],
)
SIREN = GuardSirenDescription(key="siren", translation_key="siren")


@dataclass(frozen=True, kw_only=True)
class GuardAlertDescription(EventEntityDescription, EarshotEntityDescription):
    """Describes the guard-alert event entity."""


GUARD_ALERT = GuardAlertDescription(
    key="guard_alert", translation_key="guard_alert", event_types=list(DETECTIONS)
)


ALERT_ATTRIBUTES = ("incident_id", "types", "mode", "confidence", "media_content_id")


class GuardBoundEntity(EarshotEntity):
    """An entity of the entry that works with the entry's guard."""

    def __init__(
        self,
        coordinator: EarshotCoordinator,
        guard: GuardManager,
        description: EarshotEntityDescription,
    ) -> None:
        super().__init__(coordinator, description)
        self.guard = guard


class _GuardEntity(GuardBoundEntity):
    """An entity whose state is the guard's: rewritten when the guard changes."""

    async def async_added_to_hass(self) -> None:
        """Also follow the guard's changes."""
        await super().async_added_to_hass()
        self.async_on_remove(self.guard.async_add_listener(self.async_write_ha_state))


class GuardModeSelect(_GuardEntity, SelectEntity, RestoreEntity):
    """Off / home / night / away; follows HA when the options say so."""

    entity_description: GuardSelectDescription

    @property
    def available(self) -> bool:
        """A setting: changeable even while the audio source is down."""
        return True

    @property
    def current_option(self) -> str:
        """The guard's mode."""
        return str(self.guard.mode)

    async def async_select_option(self, option: str) -> None:
        """Set the mode by hand (a followed panel or people may change it again)."""
        self.guard.async_set_mode(GuardMode(option), "selected")

    async def async_added_to_hass(self) -> None:
        """Restore a hand-set mode across restarts."""
        await super().async_added_to_hass()
        if self.guard.follow != GUARD_FOLLOW_MANUAL:
            return
        last = await self.async_get_last_state()
        if last is not None and last.state in self.options:
            self.guard.async_set_mode(GuardMode(last.state), "restored")


class GuardSiren(_GuardEntity, SirenEntity):
    """Plays the siren tone through the device's speaker."""

    entity_description: GuardSirenDescription
    _attr_supported_features = (
        SirenEntityFeature.TURN_ON | SirenEntityFeature.TURN_OFF | SirenEntityFeature.DURATION
    )

    @property
    def is_on(self) -> bool:
        """Whether the siren sounds."""
        return self.guard.siren_on

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Sound the siren (for ``duration`` seconds, or the default)."""
        duration = kwargs.get(ATTR_DURATION)
        self.guard.async_sound_siren(None if duration is None else float(duration))

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Silence the siren."""
        self.guard.async_stop_siren()


class GuardAlert(GuardBoundEntity, EventEntity):
    """Fires once per guard incident (the ``earshot_alert`` event), typed by what it is."""

    entity_description: GuardAlertDescription

    @property
    def available(self) -> bool:
        """Alerts of the past stay readable while the source is down."""
        return True

    async def async_added_to_hass(self) -> None:
        """Follow this entry's alerts."""
        await super().async_added_to_hass()
        entry_id = self.coordinator.config_entry.entry_id
        self.async_on_remove(
            self.hass.bus.async_listen(
                EVENT_ALERT,
                self._async_on_alert,
                event_filter=callback(lambda data: data.get("entry_id") == entry_id),
            )
        )

    @callback
    def _async_on_alert(self, event: Event) -> None:
        data = event.data
        self._trigger_event(data["type"], {key: data.get(key) for key in ALERT_ATTRIBUTES})
        self.async_write_ha_state()
