"""The coordinator: owns one entry's engine runtime and hands its results to the event loop.

The engine runs in its own worker thread; everything it reports (detector results,
source status) is forwarded to the event loop with ``call_soon_threadsafe`` and
dispatched there to the entities and to any other listener (such as the guard)
that subscribed to that kind of message. Audio-health statistics are sampled on a
timer and dispatched the same way, so entities only ever react to messages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .const import (
    CONF_CALIBRATION,
    CONF_INPUT_DEVICE,
    CONF_OUTPUT_DEVICE,
    CONF_PATH,
    CONF_SCENE,
    CONF_SEED,
    CONF_SOURCE,
    DEFAULT_SCENE,
    DOMAIN,
    ISSUE_DETECTOR_FAILED,
    ISSUE_DEVICE_MISSING,
    ISSUE_PORTAUDIO_MISSING,
    ISSUE_ULTRASOUND_UNSUPPORTED,
    LOGGER,
    MANUFACTURER,
    NO_OUTPUT_DEVICE,
    OPT_INPUT_CHANNELS,
    OPT_PRESENCE_ENABLED,
    OPT_SAMPLE_RATE_HZ,
    OPT_SOUND_LEVEL_INTERVAL_S,
    OPT_SOUND_MODELS,
    OPT_SOUNDS_ENABLED,
    RECONNECT_INITIAL_S,
    RECONNECT_MAX_S,
    SOURCE_SIMULATED,
    SOURCE_SOUND_CARD,
    SOURCE_WAV_FILE,
    STATS_INTERVAL_S,
)
from .detectors import (
    DetectorFailed,
    DetectorSet,
    option,
    presence_config,
    sound_config,
    with_user_settings,
)
from .engine.audio import (
    AudioSource,
    DeviceNotFoundError,
    PortAudioMissingError,
    SourceLostError,
)
from .engine.presence.results import CalibrationResult, PresenceStatus, UltrasoundUnsupported
from .engine.runtime import EngineRuntime, RuntimeStats, SourceStatus
from .engine.simulation import SimulatedHome
from .engine.sound_device import SoundDeviceSource
from .engine.wav_file import WavFileSource

if TYPE_CHECKING:
    from .guard import GuardManager

type EarshotConfigEntry = ConfigEntry[EarshotData]
type MessageCallback = Callable[[Any], None]

SOURCE_MODELS = {
    SOURCE_SIMULATED: "Simulated home",
    SOURCE_SOUND_CARD: "Sound card",
    SOURCE_WAV_FILE: "WAV file (looped)",
}
_MISSING_DEVICE_ERRORS = {DeviceNotFoundError.__name__, SourceLostError.__name__}


@dataclass(frozen=True, slots=True)
class SettingsUpdated:
    """Dispatched after the entry's options or calibration changed."""


def _structure(options: Mapping[str, Any]) -> tuple[object, ...]:
    """The options that shape the stream and the detector set (a change needs a reload)."""
    return (
        int(option(options, OPT_SAMPLE_RATE_HZ)),
        int(option(options, OPT_INPUT_CHANNELS)),
        bool(option(options, OPT_PRESENCE_ENABLED)),
        bool(option(options, OPT_SOUNDS_ENABLED)),
        float(option(options, OPT_SOUND_LEVEL_INTERVAL_S)),
        str(option(options, OPT_SOUND_MODELS)),
    )


@dataclass
class EarshotData:
    """What an entry keeps at run time (``entry.runtime_data``)."""

    coordinator: EarshotCoordinator
    guard: GuardManager | None = None
    """The entry's guard (modes, incidents, alerts, clips, siren)."""


def issue_id(entry: ConfigEntry, issue: str) -> str:
    """The id of an entry's repair issue of kind ``issue``."""
    return f"{issue}_{entry.entry_id}"


@callback
def async_entry_issues(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, ir.IssueEntry]:
    """The entry's repair issues, by :func:`issue_id`."""
    return {
        key: issue
        for (domain, key), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and key.endswith(f"_{entry.entry_id}")
    }


@callback
def async_create_issue(
    hass: HomeAssistant, entry: ConfigEntry, issue: str, message: str | None = None
) -> None:
    """Raise (or refresh) a repair issue about an entry; ``issue`` is its translation key."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(entry, issue),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=issue,
        translation_placeholders={"name": entry.title, "message": message or ""},
    )


@callback
def async_subscribe[T](listeners: list[T], listener: T) -> CALLBACK_TYPE:
    """Add ``listener`` to ``listeners``; returns the function that takes it out again."""
    listeners.append(listener)

    @callback
    def remove() -> None:
        if listener in listeners:
            listeners.remove(listener)

    return remove


def output_device(data: Mapping[str, Any]) -> str | None:
    """The speaker a sound-card entry's data names; None when it has none."""
    output = data.get(CONF_OUTPUT_DEVICE, NO_OUTPUT_DEVICE)
    return None if output == NO_OUTPUT_DEVICE else output


def build_source(data: Mapping[str, Any], options: Mapping[str, Any]) -> AudioSource:
    """Create (not open) the audio source an entry's data and options describe."""
    kind = data[CONF_SOURCE]
    if kind == SOURCE_SIMULATED:
        return SimulatedHome(data.get(CONF_SCENE, DEFAULT_SCENE), seed=data.get(CONF_SEED, 0))
    if kind == SOURCE_SOUND_CARD:
        return SoundDeviceSource(
            data[CONF_INPUT_DEVICE],
            output_device(data),
            sample_rate_hz=int(option(options, OPT_SAMPLE_RATE_HZ)),
            channels=int(option(options, OPT_INPUT_CHANNELS)),
        )
    if kind == SOURCE_WAV_FILE:
        return WavFileSource(data[CONF_PATH])
    raise ValueError(f"unknown Earshot source kind {kind!r}")


class EarshotCoordinator:
    """Runs one entry's engine and dispatches what it reports on the event loop."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EarshotConfigEntry,
        source: AudioSource,
        detectors: DetectorSet,
    ) -> None:
        self.hass = hass
        self.config_entry = entry
        self.source_kind: str = entry.data[CONF_SOURCE]
        self.presence = detectors.presence
        self.sounds = detectors.sounds
        self.failed_detectors: set[str] = set()
        """Detectors switched off after an error (their entities are unavailable)."""
        self._built_with = _structure(entry.options)
        self.runtime = EngineRuntime(
            source,
            detectors.detectors,
            self._on_engine_message,
            backoff_initial_s=RECONNECT_INITIAL_S,
            backoff_max_s=RECONNECT_MAX_S,
        )
        self.available = False
        self.status: SourceStatus | None = None
        self.stats: RuntimeStats = self.runtime.stats()
        self._latest: dict[type, Any] = {}
        self._listeners: list[tuple[MessageCallback, tuple[type, ...] | None]] = []
        self._unavailable_logged = False
        self._calibration_failure_logged = False
        self._stopped = False
        self._unsub_stats: CALLBACK_TYPE | None = None
        self._unsub_hass_stop: CALLBACK_TYPE | None = None
        self.device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=entry.title,
            manufacturer=MANUFACTURER,
            model=SOURCE_MODELS.get(self.source_kind),
        )

    # --- lifecycle -------------------------------------------------------------

    async def async_start(self) -> None:
        """Start the worker thread and the statistics timer."""
        self._stopped = False
        self.runtime.start()
        self._unsub_stats = async_track_time_interval(
            self.hass,
            self._async_sample_stats,
            timedelta(seconds=STATS_INTERVAL_S),
            name=f"earshot stats {self.config_entry.title}",
            cancel_on_shutdown=True,
        )
        # Entries are not unloaded at shutdown: close the sound card cleanly anyway.
        self._unsub_hass_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._async_on_hass_stop
        )

    async def _async_on_hass_stop(self, _event: Event) -> None:
        self._unsub_hass_stop = None  # a fired one-time listener is gone already
        await self.async_stop()

    async def async_stop(self) -> None:
        """Stop the worker thread and close the source; nothing is left running."""
        self._stopped = True
        for unsub in (self._unsub_stats, self._unsub_hass_stop):
            if unsub is not None:
                unsub()
        self._unsub_stats = self._unsub_hass_stop = None
        await self.hass.async_add_executor_job(self.runtime.stop)
        if self.presence is not None:
            self.presence.close()
        self.available = False

    # --- settings -----------------------------------------------------------------

    def needs_reload(self) -> bool:
        """Whether the options ask for other detectors than the ones running."""
        return _structure(self.config_entry.options) != self._built_with

    @callback
    def async_apply_settings(self) -> None:
        """Hand the entry's current options to the detectors and refresh the entities."""
        options = self.config_entry.options
        if (presence := self.presence) is not None:
            wanted = presence_config(options, None)
            self.submit(lambda: presence.update_config(with_user_settings(presence.config, wanted)))
        if (sounds := self.sounds) is not None:
            config = sound_config(options)
            self.submit(lambda: sounds.configure(config))
        self._async_dispatch(SettingsUpdated())

    # --- subscriptions ---------------------------------------------------------

    @callback
    def async_add_listener(
        self, message_callback: MessageCallback, kinds: tuple[type, ...] | None = None
    ) -> CALLBACK_TYPE:
        """Call ``message_callback`` on the loop for each message of ``kinds`` (None: all).

        Messages are detector results (the engine's dataclasses), :class:`SourceStatus`
        and :class:`RuntimeStats`. Returns the function that unsubscribes.
        """
        return async_subscribe(self._listeners, (message_callback, kinds))

    def latest[T](self, kind: type[T]) -> T | None:
        """The most recent message of ``kind``, if any arrived since start."""
        message = self._latest.get(kind)
        return message if isinstance(message, kind) else None

    def submit(self, command: Callable[[], None]) -> None:
        """Run ``command`` in the worker thread (how settings reach the detectors)."""
        self.runtime.submit(command)

    # --- engine → loop ----------------------------------------------------------

    def _on_engine_message(self, message: object) -> None:
        """Worker thread: hand the message to the event loop."""
        if self._stopped:
            return
        with contextlib.suppress(RuntimeError):  # the loop closed while stopping
            self.hass.loop.call_soon_threadsafe(self._async_dispatch, message)

    @callback
    def _async_dispatch(self, message: object) -> None:
        if self._stopped:
            return
        if isinstance(message, SourceStatus):
            self._async_handle_status(message)
        elif isinstance(message, CalibrationResult):
            self._async_handle_calibration(message)
        elif isinstance(message, DetectorFailed):
            self.failed_detectors.add(message.detector)
            async_create_issue(
                self.hass,
                self.config_entry,
                ISSUE_DETECTOR_FAILED,
                f"{message.detector}: {message.message}",
            )
        elif isinstance(message, UltrasoundUnsupported):
            async_create_issue(
                self.hass, self.config_entry, ISSUE_ULTRASOUND_UNSUPPORTED, message.reason
            )
        self._latest[type(message)] = message
        for message_callback, kinds in tuple(self._listeners):
            if kinds is None or isinstance(message, kinds):
                message_callback(message)

    @callback
    def _async_handle_calibration(self, result: CalibrationResult) -> None:
        """Keep a good calibration with the entry so the next start need not sweep."""
        if not result.ok:
            if not self._calibration_failure_logged:  # the detector retries; say it once
                LOGGER.warning(
                    "Earshot calibration of '%s' failed: %s", self.config_entry.title, result.reason
                )
                self._calibration_failure_logged = True
            return
        self._calibration_failure_logged = False
        self._latest.pop(PresenceStatus, None)  # stale: sensors show the new calibration
        ir.async_delete_issue(
            self.hass, DOMAIN, issue_id(self.config_entry, ISSUE_ULTRASOUND_UNSUPPORTED)
        )
        calibration = {
            "carrier_hz": result.carrier_hz,
            "level_dbfs": result.level_dbfs,
            "snr_db": result.snr_db,
            "calibrated_at": dt_util.utcnow().isoformat(),
        }
        self.hass.config_entries.async_update_entry(
            self.config_entry, data={**self.config_entry.data, CONF_CALIBRATION: calibration}
        )

    @callback
    def _async_sample_stats(self, _now: Any = None) -> None:
        self.stats = self.runtime.stats()
        self._async_dispatch(self.stats)

    @callback
    def _async_handle_status(self, status: SourceStatus) -> None:
        name = self.config_entry.title
        self.status = status
        self.available = status.available
        if status.available:
            if self._unavailable_logged:
                LOGGER.info("Earshot audio source '%s' is available again", name)
                self._unavailable_logged = False
            for issue in (ISSUE_DEVICE_MISSING, ISSUE_PORTAUDIO_MISSING):
                ir.async_delete_issue(self.hass, DOMAIN, issue_id(self.config_entry, issue))
            return
        if not self._unavailable_logged:
            LOGGER.warning("Earshot audio source '%s' is unavailable: %s", name, status.message)
            self._unavailable_logged = True
        if status.error_type == PortAudioMissingError.__name__:
            issue = ISSUE_PORTAUDIO_MISSING
        elif self.source_kind == SOURCE_SOUND_CARD and status.error_type in _MISSING_DEVICE_ERRORS:
            issue = ISSUE_DEVICE_MISSING
        else:
            return
        async_create_issue(self.hass, self.config_entry, issue, status.message)
