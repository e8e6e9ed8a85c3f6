"""Alarm cadence matching (T3/T4 with tolerances), tone tracking and event rules."""

from __future__ import annotations

import numpy as np
import pytest

from custom_components.earshot.engine.sounds.features import LogMelStream, log_mel
from custom_components.earshot.engine.sounds.noise import NoiseFloorTracker
from custom_components.earshot.engine.sounds.sensitivity import adapted_threshold
from custom_components.earshot.engine.sounds.temporal import (
    T3,
    T4,
    CadenceTracker,
    EventRule,
    EventTracker,
    Pulse,
    PulseTracker,
    cycles_confirm,
    falls_back,
    longest_series,
    onset_frames,
    onset_series,
    sustained_alarm_tone,
    tone_track,
)

from .helpers import rain, raps, thunder


def _pattern(pattern: list[tuple[float, float]], cycles: int, start_s: float = 1.0) -> list[Pulse]:
    pulses, t = [], start_s
    for _ in range(cycles):
        for on_s, off_s in pattern:
            pulses.append(Pulse(t, t + on_s, 3_100.0))
            t += on_s + off_s
    return pulses


T3_PATTERN = [(0.5, 0.5), (0.5, 0.5), (0.5, 1.5)]
T4_PATTERN = [(0.1, 0.1)] * 3 + [(0.1, 5.0)]


def _run(pulses: list[Pulse], until_s: float) -> CadenceTracker:
    tracker = CadenceTracker()
    pending = list(pulses)
    for step in range(int(until_s * 10)):
        now = step / 10
        tracker.add_pulses([p for p in pending if p.end_s <= now])
        pending = [p for p in pending if p.end_s > now]
        sounding = [p for p in pulses if p.start_s <= now < p.end_s]
        tracker.update(now, sounding[0] if sounding else None)
    return tracker


def test_t3_cycles_are_found_and_confirm() -> None:
    tracker = _run(_pattern(T3_PATTERN, 3), 13.0)
    cycles = tracker.cycles("t3")
    assert [round(c.start_s, 1) for c in cycles] == [1.0, 5.0, 9.0]
    assert cycles_confirm(cycles, T3, 2)
    assert tracker.cycles("t4") == []


def test_t4_cycles_are_found_and_confirm() -> None:
    tracker = _run(_pattern(T4_PATTERN, 2), 14.0)
    cycles = tracker.cycles("t4")
    assert len(cycles) == 2
    assert cycles_confirm(cycles, T4, 2)
    assert tracker.cycles("t3") == []


@pytest.mark.parametrize("scale", [0.9, 1.1])
def test_t3_within_iso_tolerance_still_matches(scale: float) -> None:
    pattern = [(on * scale, off * scale) for on, off in T3_PATTERN]
    tracker = _run(_pattern(pattern, 2), 12.0)
    assert cycles_confirm(tracker.cycles("t3"), T3, 2)


def test_t3_far_outside_tolerance_does_not_match() -> None:
    pattern = [(on * 1.5, off * 1.5) for on, off in T3_PATTERN]
    tracker = _run(_pattern(pattern, 3), 20.0)
    assert tracker.cycles("t3") == []


def test_a_few_appliance_beeps_never_make_an_alarm() -> None:
    # a microwave's three beeps look like one T3 cycle, but there is no second cycle
    tracker = _run(_pattern(T3_PATTERN, 1), 20.0)
    assert len(tracker.cycles("t3")) == 1
    assert not cycles_confirm(tracker.cycles("t3"), T3, 2)
    # a continuous 1 Hz beep train is not T3: no group is followed by silence
    train = [Pulse(1.0 + k, 1.5 + k, 3_100.0) for k in range(12)]
    assert _run(train, 14.0).cycles("t3") == []


def test_other_tones_between_beeps_do_not_break_the_cadence() -> None:
    pulses = _pattern(T3_PATTERN, 2)
    hum = [Pulse(p.end_s + 0.1, p.end_s + 0.15, 375.0) for p in pulses]
    tracker = _run(sorted(pulses + hum, key=lambda p: p.start_s), 12.0)
    assert cycles_confirm(tracker.cycles("t3"), T3, 2)


def test_one_masked_cycle_is_tolerated() -> None:
    pulses = _pattern(T3_PATTERN, 3)
    masked = pulses[:3] + pulses[6:]  # the middle cycle is drowned out
    tracker = _run(masked, 14.0)
    assert cycles_confirm(tracker.cycles("t3"), T3, 2)


def test_tone_track_and_pulse_tracker_measure_a_beep() -> None:
    rate = 16_000
    t = np.arange(rate * 2) / rate
    on = (t >= 0.5) & (t < 1.0)
    x = (0.3 * np.sin(2 * np.pi * 3_100 * t) * on).astype(np.float32)
    x += np.random.default_rng(0).normal(0, 1e-3, x.size).astype(np.float32)
    frames = LogMelStream().process(x)
    track = tone_track(frames)
    tracker = PulseTracker(0.01)
    pulses = tracker.update(np.arange(frames.count) * 0.01, track)
    assert len(pulses) == 1
    assert pulses[0].start_s == pytest.approx(0.5, abs=0.03)
    assert pulses[0].duration_s == pytest.approx(0.5, abs=0.05)
    assert pulses[0].freq_hz == pytest.approx(3_100, rel=0.02)


def test_sustained_tone_needs_a_steady_piezo_tone() -> None:
    on = np.ones(600, dtype=bool)
    assert sustained_alarm_tone(on, np.full(600, 3_100.0, np.float32), 0.55) == 3_100.0
    assert sustained_alarm_tone(on, np.full(600, 800.0, np.float32), 0.55) is None
    sweep = np.linspace(2_000, 4_000, 600).astype(np.float32)  # a siren glides
    assert sustained_alarm_tone(on, sweep, 0.55) is None
    sparse = np.zeros(600, dtype=bool)
    sparse[:100] = True  # a doorbell: on for a second out of six
    assert sustained_alarm_tone(sparse, np.full(600, 3_100.0, np.float32), 0.55) is None


def _feed(tracker: EventTracker, active: list[bool]) -> list[tuple[float, float]]:
    out = []
    for i, a in enumerate(active):
        p = tracker.update(i * 0.1, 0.9 if a else 0.1, a, -20.0)
        if p is not None:
            out.append((round(p.start_s, 2), round(p.end_s, 2)))
    return out


def test_event_rule_duration_requirement() -> None:
    rule = EventRule(min_active_s=0.5, merge_gap_s=0.3)
    assert _feed(EventTracker(rule, 0.1), [False, True, True, False] + [False] * 10) == []
    got = _feed(EventTracker(rule, 0.1), [False] + [True] * 6 + [False] * 10)
    assert got == [(0.1, 0.7)]


def test_short_event_rule_rejects_long_sounds() -> None:
    rule = EventRule(max_event_s=1.0)
    assert _feed(EventTracker(rule, 0.1), [True] * 3 + [False] * 10) == [(0.0, 0.3)]
    assert _feed(EventTracker(rule, 0.1), [True] * 30 + [False] * 10) == []


def test_long_sounds_are_reported_while_they_go_on() -> None:
    rule = EventRule(report_after_s=2.0)
    got = _feed(EventTracker(rule, 0.1), [True] * 50 + [False] * 10)
    assert got == [(0.0, 2.0)]  # once, not again when it ends


FRAME_S = 0.01
KNOCKING = EventRule().onset_gap_s


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_onsets_resolve_the_raps_of_a_knock(seed: int) -> None:
    def series(x: np.ndarray) -> int:
        return onset_series(log_mel(x), FRAME_S, KNOCKING)

    assert series(raps([1.0, 1.25], seed=seed)) == 2
    assert series(raps([1.0, 1.2, 1.4], seed=seed)) == 3
    assert series(raps([1.0], seed=seed)) == 1
    assert series(raps([1.0, 2.0], seed=seed)) == 1  # too far apart to be one knock
    assert series(thunder(seed=seed)) <= 1  # one crack; the rumble is no series of raps
    # Rain setting in makes an onset at each step, but none dies away like a rap.
    assert series(rain([1.0, 1.3, 1.6], seed=seed)) == 0


def test_a_rap_falls_back_and_rain_stays_up() -> None:
    floor, rap, stays = -40.0, [-10.0, -16.0, -22.0, -27.0], [-10.0, -12.0, -11.0, -12.0]
    level = np.array([floor] * 5 + rap + [floor] * 10)
    assert falls_back(level, FRAME_S, 5, level.size)  # 18 of its 30 dB rise
    assert not falls_back(level, FRAME_S, 5, 6)  # the next onset follows at once
    level = np.array([floor] * 5 + stays + [-12.0] * 10)
    assert not falls_back(level, FRAME_S, 5, level.size)
    # Out of digital silence (a 90 dB rise) a 12 dB fall is a rap's.
    level = np.array([-100.0] * 5 + [-10.0, -14.0, -18.0, -22.0] + [-24.0] * 10)
    assert falls_back(level, FRAME_S, 5, level.size)


def test_onsets_merge_a_rap_and_its_echo() -> None:
    strength = np.zeros(50)
    strength[[10, 14, 30]] = [20.0, 12.0, 15.0]  # rap, echo 40 ms later, rap
    strength[40] = 5.0  # below the onset level
    times = [i * FRAME_S for i in onset_frames(strength, FRAME_S)]
    assert times == pytest.approx([0.1, 0.3])


def test_longest_series_needs_the_spacing_of_knocking() -> None:
    assert longest_series([], *KNOCKING) == 0
    assert longest_series([1.0], *KNOCKING) == 1
    assert longest_series([1.0, 1.2, 1.4], *KNOCKING) == 3
    assert longest_series([1.0, 1.05], *KNOCKING) == 1  # closer than any knocking
    assert longest_series([0.0, 1.0, 1.2, 3.0, 3.3, 3.6], *KNOCKING) == 3


def test_noise_floor_and_thresholds_adapt() -> None:
    noise = NoiseFloorTracker(0.1)
    assert noise.floor_dbfs == -90.0
    for _ in range(100):
        noise.update(-40.0)
    for _ in range(20):
        noise.update(-10.0)  # a short loud event barely moves the floor
    assert noise.floor_dbfs == pytest.approx(-40.0)
    quiet = adapted_threshold(0.5, "medium", -70.0)
    loud = adapted_threshold(0.5, "medium", -30.0)
    assert quiet.score == pytest.approx(0.5)
    assert loud.score > quiet.score
    assert loud.min_level_dbfs > quiet.min_level_dbfs
    low, high = adapted_threshold(0.5, "low", -70.0), adapted_threshold(0.5, "high", -70.0)
    assert low.score > quiet.score > high.score
