"""Config, reconfigure and options flows for Earshot.

The user picks an audio source (simulated home, sound card or looped WAV file);
each source is validated off the event loop before an entry is created. The same
per-source steps serve the reconfigure flow, which may move an entry to another
device or file. Options are grouped in a menu: presence, sounds and guard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)

from .const import (
    CONF_INPUT_DEVICE,
    CONF_OUTPUT_DEVICE,
    CONF_PATH,
    CONF_SCENE,
    CONF_SEED,
    CONF_SOURCE,
    DEFAULT_SCENE,
    DETECTION_NAMES,
    DOMAIN,
    GUARD_FOLLOW_MODES,
    LOGGER,
    NO_OUTPUT_DEVICE,
    OPT_ALERT_COOLDOWN_S,
    OPT_CLIP_MAX_MB,
    OPT_CLIP_RETENTION_DAYS,
    OPT_GUARD_ALARM_PANEL,
    OPT_GUARD_ALERTS_AWAY,
    OPT_GUARD_ALERTS_HOME,
    OPT_GUARD_ALERTS_NIGHT,
    OPT_GUARD_FOLLOW,
    OPT_GUARD_PEOPLE,
    OPT_HIGH_SENSITIVITY_WINDOW_S,
    OPT_INPUT_CHANNELS,
    OPT_LOW_POWER,
    OPT_LOW_POWER_PAUSE_S,
    OPT_NOTIFY_TARGETS,
    OPT_OCCUPANCY_HOLD_S,
    OPT_PRESENCE_ENABLED,
    OPT_PRESENCE_MAX_LEVEL_DBFS,
    OPT_PRESENCE_SENSITIVITY,
    OPT_SAMPLE_RATE_HZ,
    OPT_SOUND_LEVEL_INTERVAL_S,
    OPT_SOUND_MODELS,
    OPT_SOUND_SENSITIVITY,
    OPT_SOUND_SENSITIVITY_PER_SOUND,
    OPT_SOUNDS_ENABLED,
    SAMPLE_RATES_HZ,
    SENSITIVITY_DEFAULT,
    SENSITIVITY_LEVELS,
    SIMULATED_UNIQUE_ID,
    SOUND_MODEL_SETS,
    SOUND_NAMES,
    SOURCE_SIMULATED,
    SOURCE_SOUND_CARD,
    SOURCE_WAV_FILE,
)
from .coordinator import SOURCE_MODELS, output_device
from .detectors import option
from .engine.audio import AudioSourceError, DeviceNotFoundError, PortAudioMissingError
from .engine.presence.config import CARRIER_CAP_RANGE_DBFS
from .engine.simulation import SCENES
from .engine.sound_device import SoundDevice, SoundDeviceSource, list_devices
from .engine.wav_file import WavFileSource

SECTION_PER_SOUND = "per_sound"


def _select(
    options: Sequence[str] | Sequence[SelectOptionDict],
    *,
    translation_key: str | None = None,
    multiple: bool = False,
    custom_value: bool = False,
) -> SelectSelector:
    config = SelectSelectorConfig(
        options=options,
        multiple=multiple,
        custom_value=custom_value,
        mode=SelectSelectorMode.DROPDOWN,
    )
    if translation_key is not None:
        config["translation_key"] = translation_key
    return SelectSelector(config)


def _number(minimum: float, maximum: float, step: float, unit: str) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=minimum,
            max=maximum,
            step=step,
            unit_of_measurement=unit,
            mode=NumberSelectorMode.BOX,
        )
    )


def _check_sound_card(
    input_device: str,
    output_device: str | None,
    sample_rate_hz: int = 48_000,
    channels: int = 1,
) -> None:
    """Open the chosen devices briefly, so a bad choice fails here and not at setup."""
    source = SoundDeviceSource(
        input_device, output_device, sample_rate_hz=sample_rate_hz, channels=channels
    )
    try:
        source.open()
    finally:
        source.close()


def _held_by_earshot(hass: HomeAssistant, input_device: str) -> bool:
    """Whether a running entry holds this microphone (a second open would fail as busy)."""
    return any(
        entry.state is ConfigEntryState.LOADED and entry.data.get(CONF_INPUT_DEVICE) == input_device
        for entry in hass.config_entries.async_entries(DOMAIN)
    )


def _has_speaker(data: Mapping[str, Any]) -> bool:
    """Whether an entry's source can play (the simulated home and cards with an output)."""
    if data[CONF_SOURCE] == SOURCE_SOUND_CARD:
        return output_device(data) is not None
    return bool(data[CONF_SOURCE] == SOURCE_SIMULATED)


def _check_wav_file(path: Path) -> None:
    """Read the file and its first block; raises AudioSourceError if it is unusable."""
    source = WavFileSource(path, realtime=False)
    try:
        source.open()
        source.read(0.0)
    finally:
        source.close()


class EarshotConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up an Earshot entry on one audio source."""

    VERSION = 1
    MINOR_VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> EarshotOptionsFlow:
        """Options of an entry."""
        return EarshotOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the user pick the kind of audio source."""
        return self.async_show_menu(
            step_id="user", menu_options=[SOURCE_SIMULATED, SOURCE_SOUND_CARD, SOURCE_WAV_FILE]
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the device, file or scene of an existing entry."""
        kind = self._get_reconfigure_entry().data[CONF_SOURCE]
        if kind == SOURCE_SOUND_CARD:
            return await self.async_step_sound_card()
        if kind == SOURCE_WAV_FILE:
            return await self.async_step_wav_file()
        return await self.async_step_simulated()

    def _current(self, key: str, default: Any = None) -> Any:
        """The value being reconfigured, or ``default`` in a new flow."""
        if self.source == SOURCE_RECONFIGURE:
            return self._get_reconfigure_entry().data.get(key, default)
        return default

    async def _async_finish(
        self, unique_id: str, title: str, data: dict[str, Any]
    ) -> ConfigFlowResult:
        """Create the entry, or update the reconfigured one (dropping stale calibration)."""
        if self.source != SOURCE_RECONFIGURE:
            await self.async_set_unique_id(unique_id)
            self._abort_if_unique_id_configured()
            return self.async_create_entry(title=title, data=data)
        entry = self._get_reconfigure_entry()
        if unique_id != entry.unique_id:
            await self.async_set_unique_id(unique_id)
            self._abort_if_unique_id_configured()
        return self.async_update_reload_and_abort(
            entry, unique_id=unique_id, title=title, data=data
        )

    async def async_step_simulated(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The built-in simulated home: pick a scene."""
        if self.source != SOURCE_RECONFIGURE:
            await self.async_set_unique_id(SIMULATED_UNIQUE_ID)
            self._abort_if_unique_id_configured()
        if user_input is not None:
            return await self._async_finish(
                SIMULATED_UNIQUE_ID,
                SOURCE_MODELS[SOURCE_SIMULATED],
                {
                    CONF_SOURCE: SOURCE_SIMULATED,
                    CONF_SCENE: user_input[CONF_SCENE],
                    CONF_SEED: int(user_input[CONF_SEED]),
                },
            )
        schema = vol.Schema(
            {
                vol.Required(CONF_SCENE, default=self._current(CONF_SCENE, DEFAULT_SCENE)): (
                    _select(sorted(SCENES), translation_key=CONF_SCENE)
                ),
                vol.Required(CONF_SEED, default=self._current(CONF_SEED, 0)): _number(
                    0, 1_000_000, 1, ""
                ),
            }
        )
        return self.async_show_form(step_id=SOURCE_SIMULATED, data_schema=schema)

    async def async_step_sound_card(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A sound card: its microphone, and the speaker that emits the ultrasound."""
        try:
            devices: list[SoundDevice] = await self.hass.async_add_executor_job(list_devices)
        except PortAudioMissingError as err:
            return self.async_abort(
                reason="portaudio_missing", description_placeholders={"error": str(err)}
            )
        inputs = [d for d in devices if d.max_input_channels > 0]
        outputs = [d for d in devices if d.max_output_channels > 0]
        if not inputs:
            return self.async_abort(reason="no_input_devices")

        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"error": ""}
        if user_input is not None:
            input_device = user_input[CONF_INPUT_DEVICE]
            output = user_input.get(CONF_OUTPUT_DEVICE, NO_OUTPUT_DEVICE)
            try:
                if not _held_by_earshot(self.hass, input_device):
                    await self.hass.async_add_executor_job(
                        _check_sound_card, input_device, output_device(user_input)
                    )
            except AudioSourceError as err:
                errors["base"] = "cannot_open_device"
                placeholders["error"] = str(err)
            else:
                return await self._async_finish(
                    input_device,
                    input_device,
                    {
                        CONF_SOURCE: SOURCE_SOUND_CARD,
                        CONF_INPUT_DEVICE: input_device,
                        CONF_OUTPUT_DEVICE: output,
                    },
                )

        user_input = user_input or {}
        default_input = user_input.get(
            CONF_INPUT_DEVICE, self._current(CONF_INPUT_DEVICE, inputs[0].name)
        )
        same_card = next((d.name for d in outputs if d.name == default_input), NO_OUTPUT_DEVICE)
        default_output = user_input.get(
            CONF_OUTPUT_DEVICE, self._current(CONF_OUTPUT_DEVICE, same_card)
        )
        schema = vol.Schema(
            {
                vol.Required(CONF_INPUT_DEVICE, default=default_input): _select(
                    [_device_option(d, d.max_input_channels) for d in inputs]
                ),
                vol.Required(CONF_OUTPUT_DEVICE, default=default_output): _select(
                    [
                        SelectOptionDict(value=NO_OUTPUT_DEVICE, label="-"),
                        *(_device_option(d, d.max_output_channels) for d in outputs),
                    ]
                ),
            }
        )
        return self.async_show_form(
            step_id=SOURCE_SOUND_CARD,
            data_schema=schema,
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_wav_file(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A WAV file played in a loop as if it were a microphone."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"error": ""}
        if user_input is not None:
            path = Path(self.hass.config.path(user_input[CONF_PATH].strip())).resolve()
            if not self.hass.config.is_allowed_path(str(path)):
                errors[CONF_PATH] = "path_not_allowed"
            else:
                try:
                    await self.hass.async_add_executor_job(_check_wav_file, path)
                except DeviceNotFoundError:
                    errors[CONF_PATH] = "file_not_found"
                except AudioSourceError as err:
                    errors[CONF_PATH] = "unsupported_audio"
                    placeholders["error"] = str(err)
                except Exception:
                    LOGGER.exception("Unexpected error reading %s", path)
                    errors["base"] = "unknown"
                else:
                    return await self._async_finish(
                        str(path), path.name, {CONF_SOURCE: SOURCE_WAV_FILE, CONF_PATH: str(path)}
                    )
        default = (user_input or {}).get(CONF_PATH, self._current(CONF_PATH, ""))
        schema = vol.Schema({vol.Required(CONF_PATH, default=default): TextSelector()})
        return self.async_show_form(
            step_id=SOURCE_WAV_FILE,
            data_schema=schema,
            errors=errors,
            description_placeholders=placeholders,
        )


def _device_option(device: SoundDevice, channels: int) -> SelectOptionDict:
    return SelectOptionDict(
        value=device.name, label=f"{device.name} ({device.hostapi}, {channels} ch)"
    )


class EarshotOptionsFlow(OptionsFlow):
    """Presence, sound and guard settings of an entry."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick which group of settings to change."""
        data = self.config_entry.data
        menu = ["sounds", "guard"]
        if _has_speaker(data):  # presence emits its carrier through the speaker
            menu.insert(0, "presence")
        if data[CONF_SOURCE] == SOURCE_SOUND_CARD:
            menu.insert(0, "audio")
        return self.async_show_menu(step_id="init", menu_options=menu)

    def _value(self, key: str) -> Any:
        return option(self.config_entry.options, key)

    def _save(self, changes: dict[str, Any]) -> ConfigFlowResult:
        return self.async_create_entry(data={**self.config_entry.options, **changes})

    async def async_step_audio(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Sound card stream format: sample rate (96 kHz allows higher carriers), channels."""
        errors: dict[str, str] = {}
        placeholders = {"error": ""}
        if user_input is not None:
            changes = {
                OPT_SAMPLE_RATE_HZ: int(user_input[OPT_SAMPLE_RATE_HZ]),
                OPT_INPUT_CHANNELS: int(user_input[OPT_INPUT_CHANNELS]),
            }
            try:
                # A running entry holds the card; it then reports a bad format after reloading.
                if self.config_entry.state is not ConfigEntryState.LOADED:
                    await self.hass.async_add_executor_job(
                        _check_sound_card,
                        self.config_entry.data[CONF_INPUT_DEVICE],
                        output_device(self.config_entry.data),
                        changes[OPT_SAMPLE_RATE_HZ],
                        changes[OPT_INPUT_CHANNELS],
                    )
            except AudioSourceError as err:
                errors["base"] = "cannot_open_device"
                placeholders["error"] = str(err)
            else:
                return self._save(changes)
        schema = vol.Schema(
            {
                vol.Required(OPT_SAMPLE_RATE_HZ): _select(
                    [str(rate) for rate in SAMPLE_RATES_HZ], translation_key=OPT_SAMPLE_RATE_HZ
                ),
                vol.Required(OPT_INPUT_CHANNELS): _number(1, 8, 1, ""),
            }
        )
        current = {
            OPT_SAMPLE_RATE_HZ: str(self._value(OPT_SAMPLE_RATE_HZ)),
            OPT_INPUT_CHANNELS: self._value(OPT_INPUT_CHANNELS),
        }
        return self.async_show_form(
            step_id="audio",
            data_schema=self.add_suggested_values_to_schema(schema, current),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_presence(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ultrasonic presence settings."""
        if user_input is not None:
            return self._save(user_input)
        schema = vol.Schema(
            {
                vol.Required(OPT_PRESENCE_ENABLED): BooleanSelector(),
                vol.Required(OPT_PRESENCE_SENSITIVITY): _select(
                    list(SENSITIVITY_LEVELS), translation_key="sensitivity"
                ),
                vol.Required(OPT_OCCUPANCY_HOLD_S): _number(10, 3600, 1, "s"),
                vol.Required(OPT_HIGH_SENSITIVITY_WINDOW_S): _number(0, 3600, 1, "s"),
                vol.Required(OPT_LOW_POWER): BooleanSelector(),
                vol.Required(OPT_LOW_POWER_PAUSE_S): _number(5, 600, 1, "s"),
                vol.Required(OPT_PRESENCE_MAX_LEVEL_DBFS): _number(
                    *CARRIER_CAP_RANGE_DBFS, 1, "dBFS"
                ),
            }
        )
        return self.async_show_form(step_id="presence", data_schema=self._filled(schema))

    async def async_step_sounds(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Which sounds to listen for, and how eagerly."""
        if user_input is not None:
            per_sound = {
                sound: level
                for sound, level in user_input.pop(SECTION_PER_SOUND, {}).items()
                if level != SENSITIVITY_DEFAULT
            }
            return self._save({**user_input, OPT_SOUND_SENSITIVITY_PER_SOUND: per_sound})
        per_sound_now = self._value(OPT_SOUND_SENSITIVITY_PER_SOUND)
        per_sound_schema = vol.Schema(
            {
                vol.Required(sound, default=per_sound_now.get(sound, SENSITIVITY_DEFAULT)): _select(
                    [SENSITIVITY_DEFAULT, *SENSITIVITY_LEVELS], translation_key="sound_sensitivity"
                )
                for sound in SOUND_NAMES
            }
        )
        schema = vol.Schema(
            {
                vol.Required(OPT_SOUNDS_ENABLED): _select(
                    list(SOUND_NAMES), translation_key="sound", multiple=True
                ),
                vol.Required(OPT_SOUND_SENSITIVITY): _select(
                    list(SENSITIVITY_LEVELS), translation_key="sensitivity"
                ),
                vol.Required(OPT_SOUND_LEVEL_INTERVAL_S): _number(1, 300, 1, "s"),
                vol.Required(OPT_SOUND_MODELS): _select(
                    list(SOUND_MODEL_SETS), translation_key="sound_models"
                ),
            }
        )
        schema = self._filled(schema).extend(
            {
                vol.Required(SECTION_PER_SOUND): section(per_sound_schema, {"collapsed": True}),
            }
        )
        return self.async_show_form(step_id="sounds", data_schema=schema)

    async def async_step_guard(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """What the guard follows, what alerts in each mode, where alerts go, clip storage."""
        if user_input is not None:
            user_input.setdefault(OPT_GUARD_ALARM_PANEL, None)
            return self._save(user_input)
        notify_services = sorted(self.hass.services.async_services_for_domain("notify"))
        detections = _select(list(DETECTION_NAMES), translation_key="detection", multiple=True)
        schema = vol.Schema(
            {
                vol.Required(OPT_GUARD_FOLLOW): _select(
                    list(GUARD_FOLLOW_MODES), translation_key=OPT_GUARD_FOLLOW
                ),
                vol.Optional(OPT_GUARD_ALARM_PANEL): EntitySelector(
                    EntitySelectorConfig(domain="alarm_control_panel")
                ),
                vol.Required(OPT_GUARD_PEOPLE): EntitySelector(
                    EntitySelectorConfig(domain="person", multiple=True)
                ),
                vol.Required(OPT_GUARD_ALERTS_HOME): detections,
                vol.Required(OPT_GUARD_ALERTS_NIGHT): detections,
                vol.Required(OPT_GUARD_ALERTS_AWAY): detections,
                vol.Required(OPT_NOTIFY_TARGETS): _select(
                    notify_services, multiple=True, custom_value=True
                ),
                vol.Required(OPT_CLIP_RETENTION_DAYS): _number(1, 365, 1, "d"),
                vol.Required(OPT_CLIP_MAX_MB): _number(10, 10_000, 10, "MB"),
                vol.Required(OPT_ALERT_COOLDOWN_S): _number(0, 3600, 10, "s"),
            }
        )
        return self.async_show_form(step_id="guard", data_schema=self._filled(schema))

    def _filled(self, schema: vol.Schema) -> vol.Schema:
        """The schema with the current values suggested (defaults where unset)."""
        values = {
            key: value for key in schema.schema if (value := self._value(str(key))) is not None
        }
        return self.add_suggested_values_to_schema(schema, values)
