"""Guard modes following Home Assistant, the siren, and the phone's action buttons."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.components.siren import DOMAIN as SIREN_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import Event, HomeAssistant, State
from pytest_homeassistant_custom_component.common import (
    async_mock_service,
    mock_restore_cache,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.earshot.const import (
    GUARD_FOLLOW_ALARM_PANEL,
    GUARD_FOLLOW_PEOPLE,
    OPT_GUARD_ALARM_PANEL,
    OPT_GUARD_FOLLOW,
    OPT_GUARD_PEOPLE,
    OPT_NOTIFY_TARGETS,
)
from custom_components.earshot.detectors import DetectorSet
from custom_components.earshot.engine.guard.incidents import Detection
from custom_components.earshot.engine.guard.policy import GuardMode
from custom_components.earshot.engine.guard.recorder import ClipRecorder
from custom_components.earshot.engine.presence.results import MotionDetected
from custom_components.earshot.engine.sounds.detector import SoundEventDetector
from custom_components.earshot.guard import EVENT_ALERT, EVENT_NOTIFICATION_ACTION

from .conftest import ControlledSource, simulated_home_entry, wait_for
from .guard_helpers import SpeakerSource, setup_guard, sound

PANEL = "alarm_control_panel.house"
FOLLOW_PANEL = {OPT_GUARD_FOLLOW: GUARD_FOLLOW_ALARM_PANEL, OPT_GUARD_ALARM_PANEL: PANEL}
SIREN = "siren.living_room_siren"


@pytest.fixture(autouse=True)
def clips_in_tmp(hass: HomeAssistant, tmp_path: Path) -> None:
    hass.config.config_dir = str(tmp_path)


async def test_follows_alarm_panel_within_one_state_change(hass: HomeAssistant) -> None:
    hass.states.async_set(PANEL, "armed_away")
    _, guard, _ = await setup_guard(hass, ControlledSource(), options=FOLLOW_PANEL)
    assert guard.mode is GuardMode.AWAY  # taken from the panel at start
    for state, mode in [
        ("disarmed", GuardMode.OFF),
        ("armed_home", GuardMode.HOME),
        ("arming", GuardMode.HOME),  # transitional: keep the mode
        ("armed_night", GuardMode.NIGHT),
        ("armed_away", GuardMode.AWAY),
    ]:
        hass.states.async_set(PANEL, state)
        await hass.async_block_till_done()
        assert guard.mode is mode, state


async def test_follows_people(hass: HomeAssistant) -> None:
    hass.states.async_set("person.ann", "home")
    hass.states.async_set("person.bob", "not_home")
    _, guard, _ = await setup_guard(
        hass,
        ControlledSource(),
        options={
            OPT_GUARD_FOLLOW: GUARD_FOLLOW_PEOPLE,
            OPT_GUARD_PEOPLE: ["person.ann", "person.bob"],
        },
    )
    assert guard.mode is GuardMode.HOME
    hass.states.async_set("person.ann", "work")
    await hass.async_block_till_done()
    assert guard.mode is GuardMode.AWAY
    hass.states.async_set("person.bob", "home")
    await hass.async_block_till_done()
    assert guard.mode is GuardMode.HOME


async def test_follows_zone_home_without_people(hass: HomeAssistant) -> None:
    hass.states.async_set("zone.home", "1")
    _, guard, _ = await setup_guard(
        hass, ControlledSource(), options={OPT_GUARD_FOLLOW: GUARD_FOLLOW_PEOPLE}
    )
    assert guard.mode is GuardMode.HOME
    hass.states.async_set("zone.home", "0")
    await hass.async_block_till_done()
    assert guard.mode is GuardMode.AWAY


async def test_siren_plays_through_the_speaker_and_stops(hass: HomeAssistant) -> None:
    source = SpeakerSource()
    _, guard, _ = await setup_guard(hass, source)
    assert hass.states.get(SIREN).state == STATE_OFF
    await hass.services.async_call(
        SIREN_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: SIREN}, blocking=True
    )
    assert hass.states.get(SIREN).state == STATE_ON
    await wait_for(hass, lambda: source.peak_output > 0.4)
    await hass.services.async_call(
        SIREN_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: SIREN}, blocking=True
    )
    assert hass.states.get(SIREN).state == STATE_OFF
    assert guard.siren is not None
    await wait_for(hass, lambda: guard.siren.finished)
    source.peak_output = 0.0
    await wait_for(hass, lambda: source.blocks_read > 10)
    assert source.peak_output == 0.0


async def test_no_siren_without_a_speaker(hass: HomeAssistant) -> None:
    _, guard, _ = await setup_guard(hass, ControlledSource())
    assert guard.siren is None
    assert hass.states.get(SIREN) is None


async def test_phone_actions_sound_siren_and_dismiss_false_alarm(hass: HomeAssistant) -> None:
    phone = async_mock_service(hass, "notify", "mobile_app_phone")
    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    source = SpeakerSource()
    entry, guard, detector = await setup_guard(
        hass, source, [(0.5, sound("glass_break"))], {OPT_NOTIFY_TARGETS: ["mobile_app_phone"]}
    )
    guard.async_set_mode(GuardMode.AWAY)
    detector.start()
    await wait_for(hass, lambda: phone)
    siren_action, dismiss_action = phone[0].data["data"]["actions"]
    assert siren_action["title"] == "Sound siren"
    assert dismiss_action["title"] == "Dismiss as false alarm"

    hass.bus.async_fire(EVENT_NOTIFICATION_ACTION, {"action": siren_action["action"]})
    await hass.async_block_till_done()
    assert hass.states.get(SIREN).state == STATE_ON

    incident_id = alerts[0].data["incident_id"]
    hass.bus.async_fire(EVENT_NOTIFICATION_ACTION, {"action": dismiss_action["action"]})
    await hass.async_block_till_done()
    record = guard.store.get(entry.entry_id, incident_id)
    assert record is not None
    assert record.false_alarm
    assert guard.counters["false_alarms"] == 1
    # Someone else's action is not ours.
    hass.bus.async_fire(EVENT_NOTIFICATION_ACTION, {"action": "EARSHOT_SIREN:other:x"})
    hass.bus.async_fire(EVENT_NOTIFICATION_ACTION, {"action": "SOMETHING_ELSE"})
    await hass.async_block_till_done()


async def test_presence_and_footsteps_make_one_intrusion(hass: HomeAssistant) -> None:
    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    script = [
        (0.5, lambda t: MotionDetected(t, "major", 0.8)),
        (1.0, sound("footsteps")),
        (1.5, sound("door")),
        (2.0, lambda t: MotionDetected(t, "major", 0.9)),
    ]
    entry, guard, detector = await setup_guard(hass, ControlledSource(), script)
    guard.async_set_mode(GuardMode.AWAY)
    detector.start()
    await wait_for(hass, lambda: detector.done and guard.counters["updates"] == 3)
    assert len(alerts) == 1
    assert alerts[0].data["type"] == "presence"
    record = guard.store.get(entry.entry_id, alerts[0].data["incident_id"])
    assert record is not None
    assert record.kinds == ("presence", "footsteps", "door")
    # The first sound brought the audio that presence alone does not have.
    assert record.clip is not None


async def test_minor_motion_alone_is_not_an_intrusion(hass: HomeAssistant) -> None:
    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    script = [
        (0.5, lambda t: MotionDetected(t, "minor", 0.9)),
        (1.0, sound("glass_break")),
    ]
    entry, guard, detector = await setup_guard(hass, ControlledSource(), script)
    guard.async_set_mode(GuardMode.AWAY)
    detector.start()
    await wait_for(hass, lambda: detector.done and len(alerts) == 1)
    assert alerts[0].data["type"] == "glass_break"
    record = guard.store.get(entry.entry_id, alerts[0].data["incident_id"])
    assert record is not None
    assert record.kinds == ("glass_break",)


async def test_diagnostics_show_guard_counters_not_targets(
    hass: HomeAssistant, hass_client: Any
) -> None:
    async_mock_service(hass, "notify", "mobile_app_secret_phone")
    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    entry, guard, detector = await setup_guard(
        hass,
        ControlledSource(),
        [(0.5, sound("glass_break"))],
        {OPT_NOTIFY_TARGETS: ["mobile_app_secret_phone"]},
    )
    guard.async_set_mode(GuardMode.AWAY)
    detector.start()
    await wait_for(hass, lambda: alerts and guard.counters["notifications_sent"] == 1)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert "secret_phone" not in str(diagnostics)
    assert diagnostics["guard"]["mode"] == "away"
    assert diagnostics["guard"]["incidents"] == 1
    assert diagnostics["guard"]["notifications_sent"] == 1
    assert diagnostics["guard"]["notify_target_count"] == 1
    assert "glass_break" in diagnostics["guard"]["alerts"]["away"]


SELECT = "select.living_room_guard_mode"


async def test_mode_select_sets_and_shows_the_mode(hass: HomeAssistant) -> None:
    hass.states.async_set(PANEL, "disarmed")
    _, guard, _ = await setup_guard(hass, ControlledSource(), options=FOLLOW_PANEL)
    state = hass.states.get(SELECT)
    assert state is not None
    assert state.state == "off"
    assert state.attributes["options"] == ["off", "home", "night", "away"]
    await hass.services.async_call(
        "select", "select_option", {ATTR_ENTITY_ID: SELECT, "option": "night"}, blocking=True
    )
    assert guard.mode is GuardMode.NIGHT
    assert hass.states.get(SELECT).state == "night"
    hass.states.async_set(PANEL, "armed_away")
    await hass.async_block_till_done()
    assert hass.states.get(SELECT).state == "away"


async def test_hand_set_mode_survives_a_restart(hass: HomeAssistant) -> None:
    mock_restore_cache(hass, [State(SELECT, "away")])
    _, guard, _ = await setup_guard(hass, ControlledSource())
    assert guard.mode is GuardMode.AWAY
    assert hass.states.get(SELECT).state == "away"


async def test_option_changes_apply_without_restart(hass: HomeAssistant) -> None:
    entry, guard, _ = await setup_guard(hass, ControlledSource())
    assert not guard.policy.alerts_on(GuardMode.HOME, "glass_break")
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "guard_alerts_home": ["glass_break"]}
    )
    await hass.async_block_till_done()
    guard = entry.runtime_data.guard
    assert guard is not None
    assert guard.policy.alerts_on(GuardMode.HOME, "glass_break")
    assert not guard.policy.alerts_on(GuardMode.HOME, "smoke_alarm")


async def test_presence_alone_gets_a_clip_from_the_recorder(hass: HomeAssistant) -> None:
    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    script = [(6.0, lambda t: MotionDetected(t, "major", 0.8))]
    entry, guard, detector = await setup_guard(
        hass, ControlledSource(), script, None, ClipRecorder()
    )
    guard.async_set_mode(GuardMode.AWAY)
    detector.start()
    await wait_for(hass, lambda: alerts)
    assert alerts[0].data["media_content_id"] is None  # alerted at once, audio follows
    incident_id = alerts[0].data["incident_id"]

    def stored_clip() -> bool:
        record = guard.store.get(entry.entry_id, incident_id)
        return record is not None and record.clip is not None

    await wait_for(hass, stored_clip)
    record = guard.store.get(entry.entry_id, incident_id)
    assert record is not None
    assert record.pre_roll_s == pytest.approx(5.0, abs=0.2)
    assert record.clip_duration_s == pytest.approx(10.0, abs=0.3)


async def test_mode_change_while_storing_does_not_swallow_the_alert(hass: HomeAssistant) -> None:
    alerts: list[Event] = []
    hass.bus.async_listen(EVENT_ALERT, alerts.append)
    _, guard, _ = await setup_guard(hass, ControlledSource())
    guard.async_set_mode(GuardMode.AWAY)
    async with guard._io_lock:  # the store is busy with an earlier incident
        guard.async_handle_detection(Detection("glass_break", 1.0, 2.0, 0.9))
        guard.async_set_mode(GuardMode.OFF)  # e.g. the alarm panel is disarmed right then
    await hass.async_block_till_done()
    assert [e.data["type"] for e in alerts] == ["glass_break"]


async def test_sound_clips_are_cut_only_while_the_mode_records(hass: HomeAssistant) -> None:
    sounds = await hass.async_add_executor_job(SoundEventDetector)
    entry = simulated_home_entry(title="Living room")
    entry.add_to_hass(hass)
    detectors = DetectorSet(detectors=[sounds], sounds=sounds)
    with (
        patch("custom_components.earshot.build_source", return_value=ControlledSource()),
        patch("custom_components.earshot.build_detectors", return_value=detectors),
    ):
        assert await hass.config_entries.async_setup(entry.entry_id)
    guard = entry.runtime_data.guard
    assert guard is not None
    await wait_for(hass, lambda: not sounds.config.clips)  # off: no audio leaves the engine
    guard.async_set_mode(GuardMode.AWAY)
    await wait_for(hass, lambda: sounds.config.clips)
    # A settings change rebuilds the detector's config; the guard's choice is kept.
    guard.async_set_mode(GuardMode.OFF)
    await wait_for(hass, lambda: not sounds.config.clips)
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "sound_sensitivity": "high"}
    )
    await wait_for(hass, lambda: sounds.config.sensitivity == "high")
    await wait_for(hass, lambda: not sounds.config.clips)
