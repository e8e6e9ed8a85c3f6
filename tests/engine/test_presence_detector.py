"""The presence detector end to end in the simulated home (numpy inference path)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from earshot_engine.audio import AudioBlock, OutputMixer
from earshot_engine.presence.calibration import CalibrationPlan
from earshot_engine.presence.classifier import MotionClassifier
from earshot_engine.presence.config import PresenceConfig
from earshot_engine.presence.detector import PresenceDetector
from earshot_engine.presence.emitter import dbfs_to_amplitude
from earshot_engine.presence.results import (
    CalibrationResult,
    MotionDetected,
    MotionEnded,
    OccupancyChanged,
    PresenceStatus,
    UltrasoundUnsupported,
)
from earshot_engine.simulation.home import HomeRenderer
from earshot_engine.simulation.scene import DEVICES, Fan, Scene, Walk

RATE_HZ = 48_000
BLOCK = 2400
WALK = Walk.at_speed(start_s=6.0, waypoints=((-0.6, 2.0), (2.5, 2.5), (5.6, 2.0)), speed_m_s=1.2)
FAN = Fan(start_s=0.0, duration_s=60.0, position=(2.5, 2.0, 2.45))


@pytest.fixture(scope="module")
def classifier() -> MotionClassifier:
    return MotionClassifier(backend="numpy")


def _run(
    scene: Scene,
    detector_factory: object,
    seconds: float,
    *,
    mangle: object = None,
) -> tuple[list[object], float, PresenceDetector]:
    renderer = HomeRenderer(scene, seed=3, sample_rate_hz=RATE_HZ, channels=1)
    mixer = OutputMixer()
    detector: PresenceDetector = detector_factory(mixer)  # type: ignore[operator]
    results: list[object] = []
    loudest = 0.0
    for start in range(0, int(seconds * RATE_HZ), BLOCK):
        speaker = mixer.render(BLOCK, start, RATE_HZ)
        loudest = max(loudest, float(np.max(np.abs(speaker))))
        samples = renderer.render(start, speaker)
        block = AudioBlock(samples, RATE_HZ, start)
        if mangle is not None:
            block = mangle(block)  # type: ignore[operator]
            if block is None:
                continue
        results.extend(detector.process(block))
    return results, loudest, detector


def _motion(results: list[object]) -> list[MotionDetected]:
    return [r for r in results if isinstance(r, MotionDetected)]


def test_walk_is_detected_quickly_and_occupancy_follows(classifier: MotionClassifier) -> None:
    scene = Scene(name="walk", duration_s=60.0, actions=(WALK,))
    config = PresenceConfig(carrier_hz=20_000.0, level_dbfs=-30.0, hold_time_s=5.0)
    results, loudest, _ = _run(
        scene, lambda m: PresenceDetector(m, config, classifier=classifier), 20.0
    )
    motion = _motion(results)
    assert motion, "the walk was not detected"
    assert 6.0 <= motion[0].time_s <= 7.5
    assert any(m.level == "major" for m in motion)
    occupancy = [r for r in results if isinstance(r, OccupancyChanged)]
    assert occupancy[0].occupied
    assert not occupancy[-1].occupied  # hold time passed after the walker left
    assert any(isinstance(r, MotionEnded) for r in results)
    assert any(isinstance(r, PresenceStatus) and r.emitting for r in results)
    assert loudest <= dbfs_to_amplitude(config.max_level_dbfs) * 1.0001


def test_empty_room_with_a_fan_stays_clear(classifier: MotionClassifier) -> None:
    scene = Scene(name="fan", duration_s=60.0, actions=(FAN,))
    config = PresenceConfig(carrier_hz=20_000.0, level_dbfs=-30.0)
    results, _, detector = _run(
        scene, lambda m: PresenceDetector(m, config, classifier=classifier), 20.0
    )
    assert not _motion(results)
    assert not detector.tracker.occupied


def test_calibrates_first_then_detects(classifier: MotionClassifier) -> None:
    scene = Scene(name="walk", duration_s=60.0, actions=(WALK,))
    plan = CalibrationPlan(candidates_hz=(19_500.0, 21_500.0))
    results, _, detector = _run(
        scene,
        lambda m: PresenceDetector(
            m, PresenceConfig(), classifier=classifier, calibration_plan=plan
        ),
        10.0,
    )
    calibration = [r for r in results if isinstance(r, CalibrationResult)]
    assert len(calibration) == 1
    assert calibration[0].ok
    assert detector.config.carrier_hz == calibration[0].carrier_hz
    assert _motion(results)
    assert _motion(results)[0].time_s > calibration[0].time_s


def test_a_lowered_level_cap_holds_for_calibration_and_emission(
    classifier: MotionClassifier,
) -> None:
    cap_dbfs = -50.0

    def lowered(mixer: OutputMixer) -> PresenceDetector:
        detector = PresenceDetector(mixer, PresenceConfig(), classifier=classifier)
        detector.update_config(PresenceConfig(max_level_dbfs=cap_dbfs))
        return detector

    results, loudest, _ = _run(Scene(name="quiet", duration_s=60.0), lowered, 10.0)
    calibration = [r for r in results if isinstance(r, CalibrationResult)]
    assert len(calibration) == 1
    assert calibration[0].level_dbfs <= cap_dbfs  # the stored level, not only the played one
    assert loudest <= dbfs_to_amplitude(cap_dbfs) * 1.0001


def test_a_new_level_cap_recalibrates_under_it(classifier: MotionClassifier) -> None:
    quiet = Scene(name="quiet", duration_s=60.0)
    renderer = HomeRenderer(quiet, seed=3, sample_rate_hz=RATE_HZ, channels=1)
    mixer = OutputMixer()
    detector = PresenceDetector(mixer, PresenceConfig(), classifier=classifier)
    cap_dbfs = -50.0
    calibrations: list[CalibrationResult] = []
    loudest_after = 0.0
    for start in range(0, RATE_HZ * 20, BLOCK):
        if start == RATE_HZ * 10:
            detector.update_config(dataclasses.replace(detector.config, max_level_dbfs=cap_dbfs))
        speaker = mixer.render(BLOCK, start, RATE_HZ)
        if start >= RATE_HZ * 10:
            loudest_after = max(loudest_after, float(np.max(np.abs(speaker))))
        block = AudioBlock(renderer.render(start, speaker), RATE_HZ, start)
        calibrations += [r for r in detector.process(block) if isinstance(r, CalibrationResult)]
    assert len(calibrations) == 2
    assert calibrations[0].level_dbfs > cap_dbfs
    assert calibrations[1].level_dbfs <= cap_dbfs
    assert detector.config.level_dbfs <= cap_dbfs
    assert loudest_after <= dbfs_to_amplitude(cap_dbfs) * 1.0001


def test_a_level_cap_louder_than_the_ceiling_is_refused() -> None:
    with pytest.raises(ValueError, match="level cap"):
        PresenceConfig(max_level_dbfs=-6.0)


def test_deaf_hardware_raises_unsupported_and_never_reports_motion(
    classifier: MotionClassifier,
) -> None:
    deaf = DEVICES["cheap"].__class__(name="deaf", mic_cutoff_hz=9_000.0, speaker_cutoff_hz=9_000.0)
    scene = Scene(name="deaf", duration_s=60.0, device=deaf, actions=(WALK,))
    results, _, _ = _run(
        scene, lambda m: PresenceDetector(m, PresenceConfig(), classifier=classifier), 12.0
    )
    assert any(isinstance(r, UltrasoundUnsupported) for r in results)
    assert not _motion(results)
    assert not any(isinstance(r, OccupancyChanged) for r in results)


def test_clipping_and_dropouts_never_read_as_motion(classifier: MotionClassifier) -> None:
    scene = Scene(name="quiet", duration_s=60.0)
    config = PresenceConfig(carrier_hz=20_000.0, level_dbfs=-30.0)

    def mangle(block: AudioBlock) -> AudioBlock | None:
        second = int(block.start_s)
        if second % 4 == 1:
            return None  # dropout: the block never arrives
        if second % 4 == 3:
            return AudioBlock(
                np.clip(block.samples * 3000.0, -1.0, 1.0), RATE_HZ, block.start_frame
            )
        return block

    results, _, _ = _run(
        scene, lambda m: PresenceDetector(m, config, classifier=classifier), 16.0, mangle=mangle
    )
    assert not _motion(results)


def test_low_power_pauses_emission_and_holds_occupancy(classifier: MotionClassifier) -> None:
    scene = Scene(name="walk", duration_s=60.0, actions=(WALK,))
    config = PresenceConfig(
        carrier_hz=20_000.0,
        level_dbfs=-30.0,
        hold_time_s=8.0,
        low_power=True,
        low_power_pause_s=10.0,
    )
    renderer = HomeRenderer(scene, seed=3, sample_rate_hz=RATE_HZ, channels=1)
    mixer = OutputMixer()
    detector = PresenceDetector(mixer, config, classifier=classifier)
    timeline = []  # (time, speaker peak, occupied)
    for start in range(0, 34 * RATE_HZ, BLOCK):
        speaker = mixer.render(BLOCK, start, RATE_HZ)
        detector.process(AudioBlock(renderer.render(start, speaker), RATE_HZ, start))
        timeline.append(
            (start / RATE_HZ, float(np.max(np.abs(speaker))), detector.tracker.occupied)
        )
    silent = [t for t, peak, _ in timeline if peak == 0.0]
    assert silent, "emission never paused"
    assert silent[-1] - silent[0] >= 9.0  # one pause of low_power_pause_s
    assert silent[0] > 7.0  # only after presence was confirmed
    assert all(occupied for t, _, occupied in timeline if silent[0] <= t <= silent[-1])
    assert timeline[-1][1] > 0.0  # emitting again to re-confirm
    # nobody moved after the pause: the hold time ran out
    assert any(not occupied for t, _, occupied in timeline if t > silent[-1])


def test_reopening_the_stream_ends_a_low_power_pause(classifier: MotionClassifier) -> None:
    config = PresenceConfig(carrier_hz=20_000.0, low_power=True)
    detector = PresenceDetector(OutputMixer(), config, classifier=classifier)
    assert detector.emitter is not None
    detector.emitter.pause()
    detector.reset()
    assert detector.emitter.emitting
    detector.close()
