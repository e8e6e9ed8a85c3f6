"""The guard's acceptance tests on the simulated home, faster than real time.

Away: a glass break yields one incident, one persistent notification, one message
per notify target with a clip URL that resolves through media_source, a WAV with the
pre-roll, one ``earshot_alert``; a smoke alarm sounding for a minute is one incident
that is updated. Home ignores glass break; off stores nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from homeassistant.components import media_source, persistent_notification
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.earshot.const import (
    CONF_SCENE,
    CONF_SEED,
    CONF_SOURCE,
    DOMAIN,
    GUARD_FOLLOW_ALARM_PANEL,
    OPT_GUARD_ALARM_PANEL,
    OPT_GUARD_FOLLOW,
    OPT_NOTIFY_TARGETS,
    SIMULATED_UNIQUE_ID,
    SOURCE_SIMULATED,
)
from custom_components.earshot.engine.guard.policy import GuardMode
from custom_components.earshot.engine.runtime import Detector, SourceStatus
from custom_components.earshot.engine.simulation.catalog import SCENES
from custom_components.earshot.engine.simulation.scene import Scene, Sound
from custom_components.earshot.engine.simulation.source import SimulatedHome
from custom_components.earshot.engine.sounds.detector import SoundEventDetector
from custom_components.earshot.engine.wavio import read_wav
from custom_components.earshot.guard import EVENT_ALERT, GuardManager

from .conftest import wait_for
from .guard_helpers import PRE_ROLL_S, SceneOracle, running_on

GLASS_AT_S = 8.0
GLASS_BREAK = Scene(
    name="late_glass_break",
    duration_s=14.0,
    actions=(Sound(start_s=GLASS_AT_S, duration_s=3.0, kind="glass_break", distance_m=3.0),),
)
SMOKE_MINUTE = Scene(
    name="smoke_minute",
    duration_s=66.0,
    actions=(Sound(start_s=2.0, duration_s=62.0, kind="smoke_alarm", distance_m=4.0),),
)
TARGETS = ["mobile_app_phone", "family_email"]
PANEL = "alarm_control_panel.house"
PANEL_STATES = {
    GuardMode.AWAY: "armed_away",
    GuardMode.HOME: "armed_home",
    GuardMode.OFF: "disarmed",
}


@pytest.fixture(autouse=True)
def clips_root(hass: HomeAssistant, tmp_path: Path) -> Path:
    hass.config.config_dir = str(tmp_path)
    return tmp_path / "earshot" / "clips"


def _home(scene: Scene, seed: int = 3) -> SimulatedHome:
    # A fast-running one-pass home: blocks as fast as they render.
    return SimulatedHome(scene, seed=seed, realtime=False, loop=False)


async def _run(
    hass: HomeAssistant,
    home: SimulatedHome,
    detector: Detector,
    mode: GuardMode,
) -> tuple[MockConfigEntry, GuardManager]:
    """Set the entry up in ``mode`` and let the whole scene play once."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Living room",
        unique_id=SIMULATED_UNIQUE_ID,
        data={CONF_SOURCE: SOURCE_SIMULATED, CONF_SCENE: home.scene.name, CONF_SEED: 3},
        # Following an alarm panel sets the mode before the first block is heard.
        options={
            OPT_NOTIFY_TARGETS: TARGETS,
            OPT_GUARD_FOLLOW: GUARD_FOLLOW_ALARM_PANEL,
            OPT_GUARD_ALARM_PANEL: PANEL,
        },
    )
    entry.add_to_hass(hass)
    ended: list[SourceStatus] = []
    hass.states.async_set(PANEL, PANEL_STATES[mode])
    with running_on(home, detector):
        assert await hass.config_entries.async_setup(entry.entry_id)
    guard = entry.runtime_data.guard
    assert guard is not None
    assert guard.mode is mode
    entry.runtime_data.coordinator.async_add_listener(ended.append, (SourceStatus,))
    await wait_for(hass, lambda: any(s.error_type == "EOFError" for s in ended), timeout_s=120)
    assert entry.state is ConfigEntryState.LOADED
    return entry, guard


def _notifications(hass: HomeAssistant) -> list[str]:
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    return [k for k in notifications if k.startswith(DOMAIN)]


async def test_away_glass_break(hass: HomeAssistant, clips_root: Path, hass_client: Any) -> None:
    phone = async_mock_service(hass, "notify", "mobile_app_phone")
    email = async_mock_service(hass, "notify", "family_email")
    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    home = _home(GLASS_BREAK)
    entry, guard = await _run(hass, home, SceneOracle(home), GuardMode.AWAY)

    assert len(alerts) == 1
    assert alerts[0].data["type"] == "glass_break"
    assert guard.counters["incidents"] == 1
    assert len(_notifications(hass)) == 1
    assert len(phone) == 1
    assert len(email) == 1
    incident_id = alerts[0].data["incident_id"]

    # The phone's clip URL is what media_source resolves to, signed.
    content_id = alerts[0].data["media_content_id"]
    resolved = await media_source.async_resolve_media(hass, content_id, None)
    audio_url = phone[0].data["data"]["audio"]
    assert audio_url.split("?")[0] == resolved.url
    client = await hass_client()
    response = await client.get(audio_url)
    assert response.status == 200
    downloaded = await response.read()

    # One stored WAV: 5 s of the room before the glass broke, then the glass.
    wavs = list(clips_root.rglob("*.wav"))
    assert len(wavs) == 1
    assert wavs[0].read_bytes() == downloaded
    samples, rate = read_wav(wavs[0])
    record = guard.store.get(entry.entry_id, incident_id)
    assert record is not None
    assert record.pre_roll_s == pytest.approx(PRE_ROLL_S, abs=0.05)
    pre_roll = samples[: int(PRE_ROLL_S * rate) - rate // 10, 0]
    event = samples[int(PRE_ROLL_S * rate) :, 0]
    assert len(event) > rate // 2
    assert np.sqrt(np.mean(pre_roll**2)) > 0  # the room's noise, not silence padding
    assert np.max(np.abs(event)) > 4 * np.max(np.abs(pre_roll))


async def test_away_smoke_alarm_for_a_minute_is_one_updated_incident(
    hass: HomeAssistant, clips_root: Path
) -> None:
    phone = async_mock_service(hass, "notify", "mobile_app_phone")
    async_mock_service(hass, "notify", "family_email")
    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    home = _home(SMOKE_MINUTE)
    # Recognised again on every T3 cycle (4 s), as a detector without memory would.
    oracle = SceneOracle(home, repeat_s=4.0)
    entry, guard = await _run(hass, home, oracle, GuardMode.AWAY)

    assert oracle.reported >= 15
    assert guard.counters["incidents"] == 1
    assert guard.counters["updates"] == oracle.reported - 1
    assert len(alerts) == 1
    assert len(phone) == 1
    assert len(_notifications(hass)) == 1
    records = guard.store.records(entry.entry_id)
    assert len(records) == 1
    assert records[0].detections == oracle.reported
    assert len(list(clips_root.rglob("*.wav"))) == 1


async def test_home_mode_ignores_glass_break(hass: HomeAssistant, clips_root: Path) -> None:
    phone = async_mock_service(hass, "notify", "mobile_app_phone")
    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    home = _home(GLASS_BREAK)
    oracle = SceneOracle(home)
    _, guard = await _run(hass, home, oracle, GuardMode.HOME)
    assert oracle.reported == 1
    assert not alerts
    assert not phone
    assert guard.counters["incidents"] == 0
    assert not clips_root.exists()


async def test_off_mode_stores_nothing(hass: HomeAssistant, clips_root: Path) -> None:
    phone = async_mock_service(hass, "notify", "mobile_app_phone")
    home = _home(GLASS_BREAK)
    oracle = SceneOracle(home)
    _, guard = await _run(hass, home, oracle, GuardMode.OFF)
    assert oracle.reported == 1
    assert not phone
    assert not _notifications(hass)
    assert guard.counters["incidents"] == 0
    assert not clips_root.exists()


async def test_real_sound_detector_smoke_alarm(hass: HomeAssistant, clips_root: Path) -> None:
    """With the shipped sound detector: one incident, kept open while the alarm sounds."""
    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    async_mock_service(hass, "notify", "mobile_app_phone")
    async_mock_service(hass, "notify", "family_email")
    home = _home(SCENES["smoke_alarm"], seed=0)
    detector = await hass.async_add_executor_job(SoundEventDetector)
    entry, guard = await _run(hass, home, detector, GuardMode.AWAY)
    assert [e.data["type"] for e in alerts] == ["smoke_alarm"]
    assert guard.counters["incidents"] == 1
    records = guard.store.records(entry.entry_id)
    assert len(records) == 1
    assert records[0].clip is not None
