"""The guard manager: modes, incidents, alerts, clips and the siren of one entry.

Detections arrive from the coordinator on the event loop. In a mode whose policy
alerts on them they become incidents (engine ``IncidentTracker``); a new incident
stores its clip (in the executor), then raises one persistent notification, one
message per notify target and an ``earshot_alert`` bus event. A continuing incident
only updates its record and notification. Nothing is recorded in a mode that does
not alert on the detection, and nothing at all with the guard off. Every sound then
goes on to the sound event entity as a :class:`SoundHeard`, with the clip reference
when this guard records it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_HOME
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import (
    async_call_later,
    async_track_state_change_event,
    async_track_time_interval,
)
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .const import (
    DOMAIN,
    GUARD_FOLLOW_ALARM_PANEL,
    GUARD_FOLLOW_MANUAL,
    GUARD_FOLLOW_PEOPLE,
    LOGGER,
    OPT_ALERT_COOLDOWN_S,
    OPT_CLIP_MAX_MB,
    OPT_CLIP_RETENTION_DAYS,
    OPT_GUARD_ALARM_PANEL,
    OPT_GUARD_ALERTS_AWAY,
    OPT_GUARD_ALERTS_HOME,
    OPT_GUARD_ALERTS_NIGHT,
    OPT_GUARD_FOLLOW,
    OPT_GUARD_PEOPLE,
    OPT_NOTIFY_TARGETS,
)
from .coordinator import EarshotCoordinator, SettingsUpdated, async_subscribe
from .detectors import option
from .engine.guard.clips import ClipStore, IncidentRecord, Retention
from .engine.guard.detections import detection_from_result
from .engine.guard.incidents import ClipAudio, Detection, IncidentTracker, IncidentUpdate
from .engine.guard.policy import (
    GuardMode,
    GuardPolicy,
    mode_for_alarm_panel,
    mode_for_occupancy,
)
from .engine.guard.recorder import ClipRecorder, ClipRequest, RecordedClip
from .engine.guard.siren import SirenEmitter
from .engine.runtime import SourceStatus
from .engine.sounds.results import SoundEvent

EVENT_ALERT: Final = "earshot_alert"
EVENT_NOTIFICATION_ACTION: Final = "mobile_app_notification_action"
ACTION_SIREN: Final = "EARSHOT_SIREN"
ACTION_DISMISS: Final = "EARSHOT_DISMISS"
CLIPS_PATH: Final = ("earshot", "clips")
CLIP_URL: Final = "/api/earshot/clips/{entry_id}/{incident_id}"
MEDIA_SOURCE_PREFIX: Final = f"media-source://{DOMAIN}"
RETENTION_INTERVAL: Final = timedelta(hours=1)
SIREN_DEFAULT_DURATION_S: Final = 120.0
SIREN_MAX_DURATION_S: Final = 600.0
ZONE_HOME: Final = "zone.home"

DATA_CLIP_STORE: HassKey[ClipStore] = HassKey(f"{DOMAIN}_clip_store")

LABELS: Final[dict[str, str]] = {
    "smoke_alarm": "Smoke alarm",
    "co_alarm": "CO alarm",
    "glass_break": "Glass breaking",
    "dog_bark": "Dog barking",
    "baby_cry": "Baby crying",
    "knock": "Knocking",
    "doorbell": "Doorbell",
    "footsteps": "Footsteps",
    "door": "Door",
    "water_running": "Running water",
    "appliance_beep": "Appliance beeping",
    "presence": "Someone walking in the room",
}
"""Notification wording for each detection (automations get the raw names)."""


def clip_store(hass: HomeAssistant) -> ClipStore:
    """The one clip store under the config directory, shared by all entries."""
    store = hass.data.get(DATA_CLIP_STORE)
    if store is None:
        store = hass.data[DATA_CLIP_STORE] = ClipStore(Path(hass.config.path(*CLIPS_PATH)))
    return store


def media_content_id(entry_id: str, incident_id: str) -> str:
    """The media source id of an incident's clip."""
    return f"{MEDIA_SOURCE_PREFIX}/{entry_id}/{incident_id}"


@dataclass(frozen=True, slots=True)
class SoundHeard:
    """A confirmed sound, as the guard took it: the sound event entity fires on these.

    ``clip`` is the media-source id of the clip of the incident the sound belongs
    to (``media-source://earshot/<entry_id>/<incident_id>``), set only when the
    guard's mode alerts on the sound and audio for that incident is in hand and
    being stored. The event fires at once rather than after the write, so an
    automation never waits on disk IO; the id resolves as soon as the store has
    written the WAV (milliseconds). Only a failing store (disk full, read-only
    folder) leaves it unresolvable; the guard alert event, which fires after the
    write, then reports no clip. With the guard off, or in a mode that does not
    alert on the sound, nothing is recorded and ``clip`` is None.
    """

    event: SoundEvent
    incident_id: str | None = None
    clip: str | None = None


def media_browser_path(record: IncidentRecord) -> str:
    """A frontend path opening the media browser on the incident's day.

    The browser's path lists every level from the root, each as ``<player>,<id>``
    URL-encoded; "app" plays in the browser itself.
    """
    levels = [
        MEDIA_SOURCE_PREFIX,
        f"{MEDIA_SOURCE_PREFIX}/{record.entry_id}",
        f"{MEDIA_SOURCE_PREFIX}/{record.entry_id}/{record.started_at.date().isoformat()}",
    ]
    segments = [quote(f"app,{levels[0]}", safe="")]
    segments += [quote(f",{level}", safe="") for level in levels[1:]]
    return "/media-browser/browser/" + "/".join(segments)


def describe(kinds: tuple[str, ...] | list[str]) -> str:
    """Human wording of what was detected, e.g. "Footsteps and Door"."""
    labels = [LABELS.get(kind, kind) for kind in kinds]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _policy(entry: ConfigEntry) -> GuardPolicy:
    return GuardPolicy.from_lists(
        {
            GuardMode.HOME: option(entry.options, OPT_GUARD_ALERTS_HOME),
            GuardMode.NIGHT: option(entry.options, OPT_GUARD_ALERTS_NIGHT),
            GuardMode.AWAY: option(entry.options, OPT_GUARD_ALERTS_AWAY),
        }
    )


def _retention(entry: ConfigEntry) -> Retention:
    return Retention(
        max_age_days=float(option(entry.options, OPT_CLIP_RETENTION_DAYS)),
        max_bytes=int(float(option(entry.options, OPT_CLIP_MAX_MB)) * 1_000_000),
    )


def parse_action(action: str) -> tuple[str, str, str] | None:
    """Split an actionable-notification id into (kind, entry_id, incident_id)."""
    parts = action.split(":")
    if len(parts) != 3 or parts[0] not in (ACTION_SIREN, ACTION_DISMISS):
        return None
    return parts[0], parts[1], parts[2]


class GuardManager:
    """The guard of one entry."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, coordinator: EarshotCoordinator
    ) -> None:
        self.hass = hass
        self.entry = entry
        self.coordinator = coordinator
        self.store = clip_store(hass)
        self.mode = GuardMode.OFF
        self.policy = _policy(entry)
        self.retention = _retention(entry)
        self.tracker = IncidentTracker(float(option(entry.options, OPT_ALERT_COOLDOWN_S)))
        source = coordinator.runtime.source
        self.siren: SirenEmitter | None = SirenEmitter() if source.has_output else None
        self.counters: dict[str, int] = dict.fromkeys(
            ("incidents", "updates", "notifications_sent", "notify_failures", "false_alarms"), 0
        )
        self._records: dict[str, IncidentRecord] = {}
        """Records of the incidents that are still open (bounded by the groups)."""
        self._pending_updates: set[str] = set()
        self._clips_expected: set[str] = set()
        """Open incidents whose audio is stored or being stored."""
        self._sound_listeners: list[Callable[[SoundHeard], None]] = []
        self._io_lock = asyncio.Lock()
        self._listeners: list[Callable[[], None]] = []
        self._unsubs: list[CALLBACK_TYPE] = []
        self._follow_unsub: CALLBACK_TYPE | None = None
        self._siren_timer: CALLBACK_TYPE | None = None
        self._warned_targets: set[str] = set()

    # --- lifecycle -----------------------------------------------------------------

    @property
    def follow(self) -> str:
        """What sets the mode: manual, an alarm panel, or people."""
        return str(option(self.entry.options, OPT_GUARD_FOLLOW))

    @property
    def name(self) -> str:
        """Device name used in alerts."""
        return self.entry.title

    async def async_start(self) -> None:
        """Subscribe to detections, follow HA if asked, enforce retention now and hourly."""
        self._unsubs.append(self.coordinator.async_add_listener(self._async_on_message))
        self._unsubs.append(
            self.hass.bus.async_listen(EVENT_NOTIFICATION_ACTION, self._async_on_action)
        )
        self._unsubs.append(
            async_track_time_interval(
                self.hass,
                self._async_enforce_retention,
                RETENTION_INTERVAL,
                name=f"earshot retention {self.entry.title}",
                cancel_on_shutdown=True,
            )
        )
        self._async_sync_clips()
        self._async_follow()
        await self._async_enforce_retention()

    async def async_stop(self) -> None:
        """Stop listening and silence the siren."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._follow_unsub is not None:
            self._follow_unsub()
            self._follow_unsub = None
        self._cancel_siren_timer()
        if self.siren is not None:
            self.siren.stop()
            self.coordinator.runtime.source.output.detach(self.siren)

    @callback
    def async_apply_options(self) -> None:
        """Re-read the entry's guard options (the options flow saved new ones)."""
        self.policy = _policy(self.entry)
        self.retention = _retention(self.entry)
        self.tracker.cooldown_s = float(option(self.entry.options, OPT_ALERT_COOLDOWN_S))
        self._async_sync_clips()
        self._async_follow()
        self._async_notify_listeners()

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call ``listener`` when the mode, the options or the siren change."""
        return async_subscribe(self._listeners, listener)

    @callback
    def async_add_sound_listener(self, listener: Callable[[SoundHeard], None]) -> CALLBACK_TYPE:
        """Call ``listener`` with every confirmed sound, after the guard has taken it.

        Whatever the mode: the sound event entity fires on all sounds, with the
        clip reference when the guard records this one.
        """
        return async_subscribe(self._sound_listeners, listener)

    @callback
    def _async_notify_listeners(self) -> None:
        for listener in tuple(self._listeners):
            listener()

    # --- mode ------------------------------------------------------------------------

    @callback
    def async_set_mode(self, mode: GuardMode, reason: str = "manual") -> None:
        """Switch the mode; open incidents end so the new mode starts afresh."""
        if mode is self.mode:
            return
        LOGGER.info("Earshot guard of %s: %s -> %s (%s)", self.name, self.mode, mode, reason)
        self.mode = mode
        self.tracker.close_all()
        self._records.clear()
        self._clips_expected.clear()
        self._async_sync_clips()
        self._async_notify_listeners()

    @callback
    def _async_follow(self) -> None:
        if self._follow_unsub is not None:
            self._follow_unsub()
            self._follow_unsub = None
        follow = self.follow
        if follow == GUARD_FOLLOW_ALARM_PANEL:
            panel = option(self.entry.options, OPT_GUARD_ALARM_PANEL)
            if not panel:
                LOGGER.warning("Earshot guard of %s follows no alarm panel", self.name)
                return
            self._follow_unsub = async_track_state_change_event(
                self.hass, [panel], self._async_on_panel_change
            )
            self._async_apply_panel(self.hass.states.get(panel))
        elif follow == GUARD_FOLLOW_PEOPLE:
            people: list[str] = list(option(self.entry.options, OPT_GUARD_PEOPLE) or [])
            watched = people or [ZONE_HOME]
            self._follow_unsub = async_track_state_change_event(
                self.hass, watched, self._async_on_people_change
            )
            self._async_apply_people()
        elif follow != GUARD_FOLLOW_MANUAL:
            LOGGER.warning("Unknown guard follow mode %s", follow)

    @callback
    def _async_on_panel_change(self, event: Event[EventStateChangedData]) -> None:
        self._async_apply_panel(event.data["new_state"])

    @callback
    def _async_apply_panel(self, state: State | None) -> None:
        if state is None:
            return
        mode = mode_for_alarm_panel(state.state)
        if mode is not None:
            self.async_set_mode(mode, f"{state.entity_id} is {state.state}")

    @callback
    def _async_on_people_change(self, _event: Event[EventStateChangedData]) -> None:
        self._async_apply_people()

    @callback
    def _async_apply_people(self) -> None:
        people: list[str] = list(option(self.entry.options, OPT_GUARD_PEOPLE) or [])
        if people:
            states = [self.hass.states.get(person) for person in people]
            known = [state for state in states if state is not None]
            if not known:
                return
            anyone_home = any(state.state == STATE_HOME for state in known)
        else:
            zone = self.hass.states.get(ZONE_HOME)
            if zone is None:
                return
            try:
                anyone_home = int(float(zone.state)) > 0
            except ValueError:
                return
        self.async_set_mode(
            mode_for_occupancy(anyone_home), "someone is home" if anyone_home else "everyone left"
        )

    # --- detections → incidents ------------------------------------------------------

    @callback
    def _async_sync_clips(self) -> None:
        """Let the sound detector cut clips only while this mode may record.

        Re-sent after every settings update, which rebuilds the detector's config.
        """
        if (sounds := self.coordinator.sounds) is None:
            return
        wanted = self.policy.records(self.mode)

        def apply() -> None:
            if sounds.config.clips != wanted:
                sounds.configure(replace(sounds.config, clips=wanted))

        self.coordinator.submit(apply)

    @callback
    def _async_on_message(self, message: object) -> None:
        if isinstance(message, SettingsUpdated):
            self._async_sync_clips()
            return
        if isinstance(message, SourceStatus) and message.available:
            # The source (re)opened: its sample clock restarts, open incidents end.
            self.tracker.close_all()
            return
        if isinstance(message, RecordedClip):
            self.entry.async_create_task(
                self.hass, self._async_write_update(message.incident_id, message.clip)
            )
            return
        detection = detection_from_result(message)
        incident_id = None if detection is None else self.async_handle_detection(detection)
        if isinstance(message, SoundEvent):
            heard = SoundHeard(message, incident_id, self.clip_reference(incident_id))
            for listener in tuple(self._sound_listeners):
                listener(heard)

    @callback
    def async_handle_detection(self, detection: Detection) -> str | None:
        """Turn a detection into a new or continued incident, if the mode alerts on it.

        Returns the incident's id, or None when the mode ignores the detection.
        """
        if not self.policy.alerts_on(self.mode, detection.kind):
            return None  # privacy: nothing of it is kept
        update = self.tracker.observe(detection)
        if update.created:
            self._async_open(update, detection)
        else:
            self._async_continue(update, detection)
        return update.incident.incident_id

    def clip_reference(self, incident_id: str | None) -> str | None:
        """The media-source id of an open incident's clip, if its audio is being stored."""
        if incident_id is None:
            return None
        record = self._records.get(incident_id)
        stored = record is not None and record.clip is not None
        if not stored and incident_id not in self._clips_expected:
            return None
        return media_content_id(self.entry.entry_id, incident_id)

    @callback
    def _async_open(self, update: IncidentUpdate, detection: Detection) -> None:
        incident = update.incident
        now = dt_util.utcnow()
        record = IncidentRecord(
            incident_id=incident.incident_id,
            entry_id=self.entry.entry_id,
            device=self.name,
            mode=str(self.mode),
            kinds=incident.kinds,
            primary=incident.primary,
            started_at=now,
            updated_at=now,
            detections=incident.detections,
            confidence=round(incident.confidence, 3),
            level_dbfs=None if incident.level_dbfs is None else round(incident.level_dbfs, 1),
        )
        open_ids = {i.incident_id for i in self.tracker.open_incidents}
        self._records = {k: v for k, v in self._records.items() if k in open_ids}
        self._clips_expected &= open_ids
        self._records[record.incident_id] = record
        self.counters["incidents"] += 1
        if detection.clip is None:
            self._request_clip(record.incident_id, detection.start_s)
        else:
            self._clips_expected.add(record.incident_id)
        self.entry.async_create_task(self.hass, self._async_raise(record, detection.clip))

    def _request_clip(self, incident_id: str, event_s: float) -> None:
        """Ask the engine's recorder for the audio around a detection that has none."""
        recorder = next(
            (d for d in self.coordinator.runtime.detectors if isinstance(d, ClipRecorder)), None
        )
        if recorder is not None:
            request = ClipRequest(incident_id, event_s)
            self.coordinator.submit(lambda: recorder.request(request))

    @callback
    def _async_continue(self, update: IncidentUpdate, detection: Detection) -> None:
        incident = update.incident
        current = self._records.get(incident.incident_id)
        if current is None:
            return
        record = replace(
            current,
            kinds=incident.kinds,
            primary=incident.primary,
            updated_at=dt_util.utcnow(),
            detections=incident.detections,
            confidence=round(incident.confidence, 3),
            level_dbfs=None if incident.level_dbfs is None else round(incident.level_dbfs, 1),
        )
        self._records[record.incident_id] = record
        self.counters["updates"] += 1
        if record.incident_id not in self._pending_updates:
            self._pending_updates.add(record.incident_id)
            if detection.clip is not None:
                self._clips_expected.add(record.incident_id)
            self.entry.async_create_task(
                self.hass, self._async_write_update(record.incident_id, detection.clip)
            )

    async def _async_raise(self, record: IncidentRecord, clip: ClipAudio | None) -> None:
        """Store the new incident, then alert once everywhere.

        Works from the record itself: a mode change while waiting for the store
        closes the incident but must not swallow its alert.
        """
        async with self._io_lock:
            stored = await self.hass.async_add_executor_job(
                self.store.save, record, clip, self.retention
            )
        record = self._merge_stored(record.incident_id, stored) or stored or record
        if record.clip is None:
            self._clips_expected.discard(record.incident_id)  # the store failed
        self._async_persistent_notification(record)
        audio_url = await self._async_audio_url(record)
        self.hass.bus.async_fire(EVENT_ALERT, self._event_data(record, audio_url))
        await self._async_send_notifications(record, audio_url)

    async def _async_write_update(self, incident_id: str, clip: ClipAudio | None) -> None:
        """Write an incident's latest state, with audio if it had none yet.

        Updates of a continuing incident coalesce while one is pending. A clip the
        recorder cut may arrive after the incident closed: it is still stored.
        """
        async with self._io_lock:
            self._pending_updates.discard(incident_id)
            is_open = incident_id in self._records
            record = self._records.get(incident_id) or await self.hass.async_add_executor_job(
                self.store.get, self.entry.entry_id, incident_id
            )
            if record is None:
                return
            if record.clip is None and clip is not None:
                stored = await self.hass.async_add_executor_job(
                    self.store.save, record, clip, self.retention
                )
                record = self._merge_stored(incident_id, stored) or stored or record
                if record.clip is None:
                    self._clips_expected.discard(incident_id)  # the store failed
            elif is_open:
                await self.hass.async_add_executor_job(self.store.update, record)
        if is_open:
            self._async_persistent_notification(record)

    def _merge_stored(
        self, incident_id: str, stored: IncidentRecord | None
    ) -> IncidentRecord | None:
        """Keep the clip fields the store filled in, on the newest in-memory record."""
        current = self._records.get(incident_id)
        if stored is None or current is None:
            return current
        merged = replace(
            current,
            clip=stored.clip,
            clip_duration_s=stored.clip_duration_s,
            pre_roll_s=stored.pre_roll_s,
        )
        self._records[incident_id] = merged
        return merged

    # --- delivery ----------------------------------------------------------------------

    def _text(self, record: IncidentRecord) -> tuple[str, str]:
        what = describe(record.kinds)
        when = dt_util.as_local(record.started_at).strftime("%H:%M:%S")
        title = f"Earshot: {what}"
        message = (
            f"{what} detected by {record.device} at {when} "
            f"(confidence {round(record.confidence * 100)}%, guard {record.mode})."
        )
        if record.detections > 1:
            message += f" Still going: {record.detections} detections so far."
        return title, message

    @callback
    def _async_persistent_notification(self, record: IncidentRecord) -> None:
        title, message = self._text(record)
        if record.clip is not None:
            link = media_browser_path(record)
            message += f"\n\n[Listen to the clip]({link})"
        persistent_notification.async_create(
            self.hass, message, title, self.notification_id(record.incident_id)
        )

    def notification_id(self, incident_id: str) -> str:
        """The persistent notification of an incident."""
        return f"{DOMAIN}_{self.entry.entry_id}_{incident_id}"

    async def _async_audio_url(self, record: IncidentRecord) -> str | None:
        """A signed URL of the clip, resolved through media_source (None without clip)."""
        if record.clip is None:
            return None
        # Imported late: media_source pulls in the frontend, only needed with a clip.
        from homeassistant.components import media_source
        from homeassistant.components.media_player.browse_media import (
            async_process_play_media_url,
        )

        try:
            media = await media_source.async_resolve_media(
                self.hass, media_content_id(record.entry_id, record.incident_id), None
            )
        except HomeAssistantError as err:
            LOGGER.debug("Clip of %s is not resolvable: %s", record.incident_id, err)
            return None
        return async_process_play_media_url(self.hass, media.url, allow_relative_url=True)

    def _event_data(self, record: IncidentRecord, audio_url: str | None) -> dict[str, Any]:
        return {
            "entry_id": record.entry_id,
            "device": record.device,
            "incident_id": record.incident_id,
            "mode": record.mode,
            "type": record.primary,
            "types": list(record.kinds),
            "confidence": record.confidence,
            "level_dbfs": record.level_dbfs,
            "time": record.started_at.isoformat(),
            "media_content_id": (
                media_content_id(record.entry_id, record.incident_id) if record.clip else None
            ),
            "clip_url": audio_url,
        }

    def _absolute(self, path: str) -> str:
        try:
            return get_url(self.hass) + path
        except NoURLAvailableError:
            return path

    async def _async_send_notifications(
        self, record: IncidentRecord, audio_url: str | None
    ) -> None:
        title, message = self._text(record)
        link = media_browser_path(record)
        for target in option(self.entry.options, OPT_NOTIFY_TARGETS) or []:
            service = str(target).removeprefix("notify.")
            if not self.hass.services.has_service("notify", service):
                if service not in self._warned_targets:
                    self._warned_targets.add(service)
                    LOGGER.warning("Earshot guard: notify service notify.%s not found", service)
                self.counters["notify_failures"] += 1
                continue
            if service.startswith("mobile_app_"):
                data: dict[str, Any] = {
                    "title": title,
                    "message": message,
                    "data": self._mobile_data(record, audio_url, link),
                }
            else:
                data = {"title": title, "message": f"{message}\n{self._absolute(link)}"}
            try:
                await self.hass.services.async_call("notify", service, data, blocking=True)
            except (HomeAssistantError, ValueError) as err:
                self.counters["notify_failures"] += 1
                LOGGER.warning("Earshot guard could not notify %s: %s", service, err)
            else:
                self.counters["notifications_sent"] += 1

    def _mobile_data(
        self, record: IncidentRecord, audio_url: str | None, link: str
    ) -> dict[str, Any]:
        ids = f"{record.entry_id}:{record.incident_id}"
        actions = [{"action": f"{ACTION_DISMISS}:{ids}", "title": "Dismiss as false alarm"}]
        if self.siren is not None:
            actions.insert(0, {"action": f"{ACTION_SIREN}:{ids}", "title": "Sound siren"})
        data: dict[str, Any] = {
            "tag": self.notification_id(record.incident_id),
            "url": link,
            "clickAction": link,
            "actions": actions,
        }
        if audio_url is not None:
            data["audio"] = audio_url
            # iOS shows the clip as a playable attachment; Android opens the link.
            data["attachment"] = {"url": audio_url, "content-type": "wav"}
        return data

    # --- feedback and siren ---------------------------------------------------------

    async def _async_on_action(self, event: Event) -> None:
        parsed = parse_action(str(event.data.get("action", "")))
        if parsed is None or parsed[1] != self.entry.entry_id:
            return
        kind, _, incident_id = parsed
        if kind == ACTION_SIREN:
            self.async_sound_siren()
        else:
            await self.async_mark_false_alarm(incident_id)

    async def async_mark_false_alarm(self, incident_id: str, false_alarm: bool = True) -> bool:
        """Keep the user's verdict with the incident; False if it is not stored."""
        async with self._io_lock:
            record = self._records.get(incident_id) or await self.hass.async_add_executor_job(
                self.store.get, self.entry.entry_id, incident_id
            )
            if record is None:
                return False
            record = replace(record, false_alarm=false_alarm)
            if incident_id in self._records:
                self._records[incident_id] = record
            ok = await self.hass.async_add_executor_job(self.store.update, record)
        if ok and false_alarm:
            self.counters["false_alarms"] += 1
            persistent_notification.async_dismiss(self.hass, self.notification_id(incident_id))
        return ok

    @property
    def siren_on(self) -> bool:
        """Whether the siren is sounding."""
        return self.siren is not None and self.siren.is_on

    @callback
    def async_sound_siren(self, duration_s: float | None = None) -> None:
        """Sound the siren through the speaker for ``duration_s`` (capped)."""
        if self.siren is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="no_speaker",
                translation_placeholders={"name": self.name},
            )
        duration = min(duration_s or SIREN_DEFAULT_DURATION_S, SIREN_MAX_DURATION_S)
        self.siren.start(duration)
        self.coordinator.runtime.source.output.attach(self.siren)
        self._cancel_siren_timer()
        self._siren_timer = async_call_later(self.hass, duration, self._async_siren_elapsed)
        self._async_notify_listeners()

    @callback
    def async_stop_siren(self) -> None:
        """Silence the siren (it fades out)."""
        if self.siren is None:
            return
        self.siren.stop()
        self._cancel_siren_timer()
        self._async_notify_listeners()

    @callback
    def _async_siren_elapsed(self, _now: datetime) -> None:
        self._siren_timer = None
        self.async_stop_siren()

    def _cancel_siren_timer(self) -> None:
        if self._siren_timer is not None:
            self._siren_timer()
            self._siren_timer = None

    # --- history ---------------------------------------------------------------------

    async def _async_enforce_retention(self, _now: datetime | None = None) -> None:
        removed = await self.hass.async_add_executor_job(
            self.store.enforce_retention, self.entry.entry_id, self.retention, dt_util.utcnow()
        )
        if removed:
            LOGGER.debug("Earshot retention removed %s incidents of %s", removed, self.name)

    def diagnostics(self) -> dict[str, Any]:
        """Guard configuration and counters (no audio, no notify targets)."""
        return {
            "mode": str(self.mode),
            "follow": self.follow,
            "alerts": {str(m): sorted(k) for m, k in self.policy.alerts.items()},
            "cooldown_s": self.tracker.cooldown_s,
            "retention_days": self.retention.max_age_days,
            "retention_max_bytes": self.retention.max_bytes,
            "notify_target_count": len(option(self.entry.options, OPT_NOTIFY_TARGETS) or []),
            "siren_available": self.siren is not None,
            "open_incidents": len(self._records),
            "store_errors": self.store.error_count,
            **self.counters,
        }


async def async_remove_clips(hass: HomeAssistant, entry_id: str) -> int:
    """Delete an entry's whole history (the entry was removed)."""
    return await hass.async_add_executor_job(clip_store(hass).delete_entry, entry_id)


async def async_setup_guard(
    hass: HomeAssistant, entry: ConfigEntry, coordinator: EarshotCoordinator
) -> GuardManager:
    """Start an entry's guard; it stops when the entry unloads and follows option changes."""
    guard = GuardManager(hass, entry, coordinator)

    async def _options_updated(_hass: HomeAssistant, _entry: ConfigEntry) -> None:
        guard.async_apply_options()

    entry.async_on_unload(entry.add_update_listener(_options_updated))
    entry.async_on_unload(guard.async_stop)
    await guard.async_start()
    return guard
