"""The sound detector end to end with the shipped models (numpy path)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from custom_components.earshot.engine.audio import AudioBlock
from custom_components.earshot.engine.offline import run_detectors
from custom_components.earshot.engine.sounds.detector import SoundConfig, SoundEventDetector
from custom_components.earshot.engine.sounds.models import (
    MODEL_SETS,
    MODEL_SUFFIXES,
    STAGE2_NAME,
    Stage2,
    parse_model_set,
)
from custom_components.earshot.engine.sounds.offline import analyze_sounds
from custom_components.earshot.engine.sounds.results import HazardState, NoiseFloor, SoundEvent

from .helpers import raps


@pytest.fixture(scope="module", params=sorted(MODEL_SETS))
def detector(request: pytest.FixtureRequest) -> SoundEventDetector:
    """Each shipped model set must pass every behaviour test."""
    return SoundEventDetector(models_dir=MODEL_SETS[request.param], backend="numpy")


def _alarm(
    rate_hz: int, kind: str, seconds: float, *, freq_hz: float = 3_100.0, noise: float = 3e-3
) -> np.ndarray:
    t = np.arange(int(rate_hz * seconds)) / rate_hz
    on = np.zeros(t.size, dtype=bool)
    pattern = (
        [(0.5, 0.5), (0.5, 0.5), (0.5, 1.5)] if kind == "t3" else [(0.1, 0.1)] * 3 + [(0.1, 5.0)]
    )
    start = 1.0
    while start < seconds:
        for on_s, off_s in pattern:
            on[(t >= start) & (t < start + on_s)] = True
            start += on_s + off_s
    rng = np.random.default_rng(0)
    x = 0.3 * np.sin(2 * np.pi * freq_hz * t) * on + noise * rng.normal(size=t.size)
    return x.astype(np.float32)


def _hazards(results: list[object]) -> list[HazardState]:
    return [r for r in results if isinstance(r, HazardState)]


def test_t3_alarm_turns_smoke_on_then_off(detector: SoundEventDetector) -> None:
    x = np.concatenate([_alarm(16_000, "t3", 14.0), np.zeros(16_000 * 14, np.float32)])
    detector.configure(SoundConfig())
    results = run_detectors(x[:, None], 16_000, [detector], block_frames=800)
    results += detector.flush()
    states = _hazards(results)
    assert [(s.type, s.sounding) for s in states] == [("smoke_alarm", True), ("smoke_alarm", False)]
    assert states[0].pattern == "t3"
    assert states[0].time_s < 1.0 + 10.0  # within 10 s of the first tone
    assert 12.0 < states[1].time_s < 14.5  # off: when it was last heard
    events = [r for r in results if isinstance(r, SoundEvent) and r.type == "smoke_alarm"]
    assert len(events) == 1
    assert events[0].clip is not None
    assert events[0].clip.sample_rate_hz == 16_000
    assert events[0].clip.start_s <= events[0].start_s
    assert not any(isinstance(r, SoundEvent) and r.type == "co_alarm" for r in results)


def test_t4_alarm_at_44k_stereo_is_co(detector: SoundEventDetector) -> None:
    mono = _alarm(44_100, "t4", 16.0)
    found = analyze_sounds(np.stack([mono, mono], axis=1), 44_100, detector=detector)
    assert [d.type for d in found if d.type in ("smoke_alarm", "co_alarm")] == ["co_alarm"]


def test_520_hz_t3_alarm_at_8k(detector: SoundEventDetector) -> None:
    x = np.sign(_alarm(8_000, "t3", 14.0, freq_hz=520.0, noise=0.0)) * 0.2
    found = analyze_sounds(x.astype(np.float32), 8_000, detector=detector)
    assert "smoke_alarm" in [d.type for d in found]


def test_disabled_hazard_is_not_reported(detector: SoundEventDetector) -> None:
    x = _alarm(16_000, "t3", 14.0)
    detector.reset()
    detector.configure(SoundConfig(enabled=frozenset({"glass_break"})))
    results = run_detectors(x[:, None], 16_000, [detector])
    assert _hazards(results) == []
    detector.configure(SoundConfig())


@pytest.mark.parametrize(
    "case",
    ["silence", "clipping", "dc_offset", "nan", "inf", "very_short", "white_noise"],
)
def test_bad_input_makes_no_events(
    detector: SoundEventDetector, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    rng = np.random.default_rng(2)
    rate = 16_000
    x = {
        "silence": np.zeros(rate * 6),
        "clipping": np.clip(rng.normal(0, 3.0, rate * 6), -1, 1),
        "dc_offset": np.full(rate * 6, 0.5) + rng.normal(0, 1e-4, rate * 6),
        "nan": np.where(rng.random(rate * 6) < 0.01, np.nan, rng.normal(0, 1e-3, rate * 6)),
        "inf": np.where(rng.random(rate * 6) < 0.01, np.inf, rng.normal(0, 1e-3, rate * 6)),
        "very_short": rng.normal(0, 0.1, rate // 10),
        "white_noise": rng.normal(0, 0.05, rate * 6),
    }[case].astype(np.float32)
    with caplog.at_level(logging.WARNING):
        found = analyze_sounds(x, rate, detector=detector)
    assert found == []
    expected = {
        "clipping": "clipping",
        "dc_offset": "DC offset",
        "nan": "NaN/inf",
        "inf": "NaN/inf",
        "very_short": "too short",
    }.get(case)
    if expected:
        assert expected in caplog.text


def test_noise_floor_is_reported_periodically(detector: SoundEventDetector) -> None:
    x = np.random.default_rng(3).normal(0, 0.01, 16_000 * 21).astype(np.float32)
    detector.reset()
    results = run_detectors(x[:, None], 16_000, [detector])
    floors = [r for r in results if isinstance(r, NoiseFloor)]
    assert len(floors) == 2
    assert floors[-1].level_dbfs == pytest.approx(-40.0, abs=2.0)


def test_lost_blocks_keep_an_alarm_on_and_a_new_stream_turns_it_off(
    detector: SoundEventDetector,
) -> None:
    x = _alarm(16_000, "t3", 12.0)
    detector.reset()
    detector.configure(SoundConfig())
    results = run_detectors(x[:, None], 16_000, [detector], block_frames=800)
    assert [s.sounding for s in _hazards(results)] == [True]
    # two blocks lost by the driver: the clock jumps, the alarm goes on
    resume = x.shape[0] + 1_600
    later = [AudioBlock(x[i : i + 800, None], 16_000, resume + i) for i in range(0, 64_000, 800)]
    gap_results = [r for b in later for r in detector.process(b)]
    assert _hazards(gap_results) == []
    # the source restarts at another rate: the alarm is reported stopped first
    block = np.zeros((4_800, 1), np.float32)
    restart = list(detector.process(AudioBlock(block, 48_000, 0)))
    assert [(s.type, s.sounding) for s in _hazards(restart)] == [("smoke_alarm", False)]
    assert list(detector.process(AudioBlock(block, 48_000, 4_800))) == []


def test_offline_detections_print_as_the_cli_json(detector: SoundEventDetector) -> None:
    found = analyze_sounds(_alarm(16_000, "t3", 14.0), 16_000, detector=detector)
    alarm = next(d for d in found if d.type == "smoke_alarm")
    row = alarm.as_json()
    assert set(row) == {"kind", "type", "start", "end", "confidence"}
    assert row["kind"] == "sound"
    assert 0.0 <= float(str(row["confidence"])) <= 1.0
    assert float(str(row["start"])) < float(str(row["end"]))


@pytest.mark.parametrize("model_set", sorted(MODEL_SETS))
@pytest.mark.parametrize("name", ["sound_stage1", "sound_stage2", "sound_verifier_events"])
def test_shipped_models_agree_between_numpy_and_litert(name: str, model_set: str) -> None:
    from custom_components.earshot.engine.inference import (
        assert_backends_agree,
        litert_interpreter_class,
        load_model,
    )

    if litert_interpreter_class() is None:
        pytest.skip("LiteRT is not installed")
    path = MODEL_SETS[parse_model_set(model_set)] / name
    model = load_model(path, backend="numpy")
    rng = np.random.default_rng(4)
    inputs = {
        i.name: rng.normal(-5, 3, (1, *(d or 1 for d in i.shape[1:]))).astype(np.float32)
        for i in model.spec.inputs
    }
    assert_backends_agree(path, inputs, atol=1e-4)


def test_the_extended_set_checks_alarms_with_the_standard_alarm_verifier() -> None:
    for suffix in MODEL_SUFFIXES:
        name = f"{STAGE2_NAME}{suffix}"
        extended, standard = MODEL_SETS["extended"] / name, MODEL_SETS["standard"] / name
        assert extended.read_bytes() == standard.read_bytes(), name


def test_an_unknown_model_set_is_a_clear_error() -> None:
    assert parse_model_set("extended") == "extended"
    with pytest.raises(ValueError, match="unknown sound model set 'large'"):
        parse_model_set("large")


def _beeping(
    rate_hz: int, seconds: float, on_s: float, off_s: float, count: int | None
) -> np.ndarray:
    t = np.arange(int(rate_hz * seconds)) / rate_hz
    phase = (t - 1.0) % (on_s + off_s)
    on = (t >= 1.0) & (phase < on_s)
    if count is not None:
        on &= t < 1.0 + count * (on_s + off_s)
    rng = np.random.default_rng(5)
    x = 0.3 * np.sin(2 * np.pi * 3_200 * t) * on + 3e-3 * rng.normal(size=t.size)
    return x.astype(np.float32)


def test_fast_beeping_alarm_is_a_continuous_smoke_alarm(detector: SoundEventDetector) -> None:
    x = _beeping(48_000, 14.0, 0.25, 0.08, None)
    detector.reset()
    detector.configure(SoundConfig())
    results = run_detectors(x[:, None], 48_000, [detector])
    states = _hazards(results)
    assert [(s.type, s.sounding, s.pattern) for s in states] == [
        ("smoke_alarm", True, "continuous")
    ]
    assert states[0].time_s < 1.0 + 10.0


def test_a_few_appliance_beeps_are_not_an_alarm(detector: SoundEventDetector) -> None:
    x = _beeping(16_000, 12.0, 0.5, 0.5, 3)  # a microwave's three beeps: one T3-like group
    found = analyze_sounds(x, 16_000, detector=detector)
    assert not {d.type for d in found} & {"smoke_alarm", "co_alarm"}


class _VetoStage2(Stage2):
    """A verifier that keeps the windows it is shown and turns every candidate down."""

    def __init__(self) -> None:
        shipped = Stage2(backend="numpy")
        self.heads, self.window_frames = shipped.heads, shipped.window_frames
        self.shapes: list[tuple[int, ...]] = []

    def scores(self, log_mel: np.ndarray) -> np.ndarray:
        self.shapes.append(log_mel.shape)
        return np.zeros(len(self.heads.sounds), np.float32)


def test_an_injected_alarm_verifier_sees_each_alarm_check_and_can_veto_it() -> None:
    veto, events = _VetoStage2(), _VetoStage2()
    detector = SoundEventDetector(backend="numpy", alarm_verifier=veto, event_verifier=events)
    results = run_detectors(_alarm(16_000, "t3", 14.0)[:, None], 16_000, [detector])
    assert not _hazards(results)
    assert veto.shapes
    assert set(veto.shapes) == {(veto.window_frames, 40)}
    assert detector.stage2_rejected == len(veto.shapes) + len(events.shapes)


def test_alarms_do_not_depend_on_the_event_verifier() -> None:
    events = _VetoStage2()
    detector = SoundEventDetector(backend="numpy", event_verifier=events)
    results = run_detectors(_alarm(16_000, "t3", 14.0)[:, None], 16_000, [detector])
    assert [(s.type, s.sounding) for s in _hazards(results)] == [("smoke_alarm", True)]


def _crash(rate_hz: int) -> np.ndarray:
    """A glass-like crash 2 s into 5 s: high-passed impact plus ringing partials."""
    rng = np.random.default_rng(6)
    t = np.arange(int(0.8 * rate_hz)) / rate_hz
    impact = np.diff(rng.normal(0, 1, t.size) * np.exp(-t / 0.03), prepend=0.0)
    partials = rng.uniform(1_500, 7_500, 20)
    ring = np.sin(2 * np.pi * partials[:, None] * t).sum(axis=0) * np.exp(-t / 0.1)
    x = 1e-3 * rng.normal(size=5 * rate_hz)
    crash = 2 * impact + 0.3 * ring
    x[2 * rate_hz : 2 * rate_hz + t.size] += 0.3 * crash / np.max(np.abs(crash))
    return x.astype(np.float32)


def test_events_are_confirmed_by_the_event_verifier_only(detector: SoundEventDetector) -> None:
    assert [d.type for d in analyze_sounds(_crash(16_000), 16_000, detector=detector)] == [
        "glass_break"
    ]
    alarms, events = _VetoStage2(), _VetoStage2()
    vetoed = SoundEventDetector(backend="numpy", alarm_verifier=alarms, event_verifier=events)
    assert analyze_sounds(_crash(16_000), 16_000, detector=vetoed) == []
    assert len(events.shapes) == 1
    assert not alarms.shapes


def test_a_knock_needs_two_raps(detector: SoundEventDetector) -> None:
    """One rap that stage 1 takes for a knock is turned down; two or three raps knock.

    Stage 1 only: this is the temporal rule (``EventRule.min_onsets``), not the verifier.
    """
    for onsets in ([1.0, 1.25], [1.0, 1.2, 1.4]):
        found = analyze_sounds(raps(onsets, seed=6), 16_000, stage1_only=True, detector=detector)
        assert "knock" in {d.type for d in found}
    rejected = detector.onsets_rejected
    found = analyze_sounds(raps([1.0], seed=6), 16_000, stage1_only=True, detector=detector)
    assert "knock" not in {d.type for d in found}
    assert detector.onsets_rejected == rejected + 1  # stage 1 proposed it
