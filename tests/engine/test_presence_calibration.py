"""Self-calibration through the simulated home: carrier choice, level, unsupported hardware."""

from __future__ import annotations

import dataclasses

import numpy as np

from earshot_engine.audio import AudioBlock, OutputMixer
from earshot_engine.presence.calibration import CalibrationPlan, Calibrator
from earshot_engine.presence.emitter import CarrierEmitter, dbfs_to_amplitude
from earshot_engine.presence.results import CalibrationResult
from earshot_engine.simulation.home import HomeRenderer
from earshot_engine.simulation.scene import DEVICES, Scene, UltrasonicInterferer

RATE_HZ = 48_000
BLOCK = 2400


def _calibrate(
    scene: Scene, plan: CalibrationPlan, channels: int = 1
) -> tuple[CalibrationResult, float]:
    renderer = HomeRenderer(scene, seed=5, sample_rate_hz=RATE_HZ, channels=channels)
    mixer = OutputMixer()
    emitter = CarrierEmitter(20_000.0, -40.0, max_level_dbfs=plan.max_level_dbfs)
    mixer.attach(emitter)
    calibrator = Calibrator(emitter, RATE_HZ, channels, plan)
    loudest = 0.0
    for start in range(0, RATE_HZ * 20, BLOCK):
        speaker = mixer.render(BLOCK, start, RATE_HZ)
        loudest = max(loudest, float(np.max(np.abs(speaker))))
        result = calibrator.process(AudioBlock(renderer.render(start, speaker), RATE_HZ, start))
        if result is not None:
            return result, loudest
    raise AssertionError("calibration did not finish")


def test_typical_hardware_gets_a_carrier_and_the_lowest_sufficient_level() -> None:
    plan = CalibrationPlan(max_level_dbfs=-15.0)
    result, loudest = _calibrate(Scene(name="quiet", duration_s=30.0), plan)
    assert result.ok, result.reason
    assert result.carrier_hz in plan.candidates_hz
    assert plan.min_level_dbfs <= result.level_dbfs <= plan.max_level_dbfs
    assert result.snr_db >= plan.usable_snr_db
    assert abs(result.snr_db - plan.required_snr_db) < 10.0 or result.level_dbfs in (
        plan.min_level_dbfs,
        plan.max_level_dbfs,
    )
    assert loudest <= dbfs_to_amplitude(plan.max_level_dbfs) * 1.0001


def test_a_two_microphone_device_gets_the_snr_it_needs_not_less() -> None:
    """Measured on settled front ends: a canceller still converging reads the SNR low and
    the level comes out louder than needed (7 dB short of the target on verification)."""
    plan = CalibrationPlan()
    result, _ = _calibrate(Scene(name="quiet", duration_s=30.0), plan, channels=2)
    assert result.ok, result.reason
    assert abs(result.snr_db - plan.required_snr_db) <= 3.0


def test_interfering_tone_pushes_the_carrier_elsewhere() -> None:
    plan = CalibrationPlan(candidates_hz=(19_500.0, 20_500.0))
    jammer = UltrasonicInterferer(
        start_s=0.0, duration_s=30.0, frequency_hz=20_560.0, level_dbfs=-45.0
    )
    result, _ = _calibrate(Scene(name="jammed", duration_s=30.0, actions=(jammer,)), plan)
    assert result.ok, result.reason
    assert result.carrier_hz == 19_500.0


def test_hardware_that_cannot_carry_ultrasound_is_reported() -> None:
    deaf = dataclasses.replace(DEVICES["cheap"], mic_cutoff_hz=9_000.0, speaker_cutoff_hz=9_000.0)
    result, _ = _calibrate(Scene(name="deaf", duration_s=30.0, device=deaf), CalibrationPlan())
    assert not result.ok
    assert result.unsupported
    assert "ultrasound" in result.reason


def test_a_cap_below_the_probe_level_probes_at_the_cap() -> None:
    """The room gives about 68 dB at -50 dBFS: counted as a -40 dBFS probe, the SNR at the
    cap would come out 10 dB short, below the 63 dB asked for here."""
    plan = CalibrationPlan(max_level_dbfs=-50.0, usable_snr_db=63.0)
    result, loudest = _calibrate(Scene(name="quiet", duration_s=30.0), plan)
    assert result.ok, result.reason
    assert result.level_dbfs == plan.max_level_dbfs
    assert loudest <= dbfs_to_amplitude(plan.max_level_dbfs) * 1.0001


def test_a_lowered_cap_that_leaves_too_little_snr_is_named_in_the_reason() -> None:
    plan = CalibrationPlan(max_level_dbfs=-50.0, usable_snr_db=80.0)
    result, _ = _calibrate(Scene(name="quiet", duration_s=30.0), plan)
    assert result.unsupported
    assert "-50 dBFS" in result.reason
    assert "ceiling" in result.reason
