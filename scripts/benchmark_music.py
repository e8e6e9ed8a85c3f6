"""Music through the device's speaker: how much Doppler it paints, and what removal leaves.

Renders random simulated rooms and devices (the simulator's presets with jitter)
with two mics and the optional playback-reference channel, in five versions that
share room and device: loud music and nobody ("music"), the same music with
someone walking through ("walk+music"), the walk alone ("walk"), and without
music someone seated somewhere in the room ("seated") or 0.6 m in front of the
device ("seated close", whose echo can outshine the direct path). Every
recording goes through the detector's demodulator and then through four
post-demodulation variants:

- none: the Doppler analyzer alone (what the detector did before music removal);
- cross-mic: the cross-microphone canceller (the detector with >= 2 mics, no reference);
- reference: the playback-reference canceller alone;
- both: reference then cross-mic (the detector with >= 2 mics and a reference),

plus the one-mic versions (mic 0 alone: none, reference). Per variant it prints
the SoundWave baseline score (mean Doppler power per bin over the noise floor,
8-300 Hz) and the share of frames at or above the baseline's default 12 dB
threshold: in "music" that share is false motion; in the scenes with a person it
is the motion seen (frames the simulator annotates as human motion), and "kept"
is their mean score relative to the same recording without removal (with music,
that includes the distortion removed; without, it is what motion loses). The first
SKIP_S of every recording (convergence) is left out. Finally it measures CPU
(numpy path, least of three runs): the whole presence detector on 50 ms blocks
with two mics, with and without the reference, and the cross-mic canceller alone.

    .venv/bin/python scripts/benchmark_music.py [--scenes 8] [--seconds 20]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import math
import time
from collections.abc import Callable

import numpy as np

from earshot_engine.audio import AudioBlock
from earshot_engine.presence.baseline import BaselineConfig, EnergyBaseline
from earshot_engine.presence.classifier import MotionClassifier
from earshot_engine.presence.config import PresenceConfig
from earshot_engine.presence.detector import PresenceDetector
from earshot_engine.presence.doppler import Demodulator, DopplerAnalyzer, DopplerFrame
from earshot_engine.presence.frontend import BasebandStage
from earshot_engine.presence.music import CrossMicCanceller, PlaybackCanceller
from earshot_engine.simulation import (
    Music,
    Scene,
    SitAndWork,
    Walk,
    random_scene,
    render_scene,
)
from earshot_engine.simulation.catalog import random_door, random_point_inside

RATE_HZ = 48_000
CARRIER_HZ = 20_000.0
MICS = 2
SKIP_S = 3.0
DETECTOR_BLOCK_FRAMES = 2400
"""The sound-card block of the integration (50 ms)."""
HOP = 50
"""Baseband samples per call, like a 2400-frame block at 48 kHz."""

Pipeline = Callable[[np.ndarray, np.ndarray, float], list[DopplerFrame]]


def scenes(seed: int, seconds: float) -> dict[str, Scene]:
    """Music alone, music with a walker, the walker alone: one room and device."""
    rng = np.random.default_rng([seed, 4242])
    base = random_scene(
        rng,
        duration_s=seconds,
        walkers=0,
        seated_prob=0.0,
        nonhuman_prob=0.0,
        music_prob=0.0,
        sounds=0,
        interferer_prob=0.0,
        name=f"music-{seed}",
    )
    level = float(rng.uniform(-20.0, -10.0))
    music = Music(
        start_s=0.0,
        duration_s=seconds,
        level_dbfs=level,
        bass_dbfs=level + float(rng.uniform(-4.0, 2.0)),
        tempo_bpm=float(rng.choice([80.0, 100.0, 120.0, 125.0])),
    )
    outside, inside = random_door(rng, base.room)
    stops = [random_point_inside(rng, base.room) for _ in range(2)]
    walk = Walk.at_speed(
        start_s=SKIP_S + 1.0,
        waypoints=(outside, inside, *stops, inside, outside),
        speed_m_s=float(rng.uniform(0.6, 1.6)),
    )
    device_x, device_y, _ = base.room.device_position
    seats = {
        "seated": random_point_inside(rng, base.room),
        "seated close": (device_x + float(rng.uniform(-0.3, 0.3)), device_y + 0.6),
    }
    seated = {
        kind: SitAndWork(
            start_s=0.0,
            duration_s=seconds,
            position=seat,
            fidgets_per_min=float(rng.uniform(4.0, 10.0)),
        )
        for kind, seat in seats.items()
    }
    return {
        "music": dataclasses.replace(base, actions=(music,)),
        "walk+music": dataclasses.replace(base, actions=(music, walk)),
        "walk": dataclasses.replace(base, actions=(walk,)),
        **{kind: dataclasses.replace(base, actions=(person,)) for kind, person in seated.items()},
    }


def _run(stage: Callable[[np.ndarray, np.ndarray, float], list[DopplerFrame]]) -> Pipeline:
    """Feed a post-demodulation stage hop by hop, as the detector's blocks would."""

    def run(baseband: np.ndarray, playback: np.ndarray, period_s: float) -> list[DopplerFrame]:
        frames: list[DopplerFrame] = []
        for start in range(0, len(baseband), HOP):
            end_s = (start + len(baseband[start : start + HOP])) * period_s
            frames += stage(baseband[start : start + HOP], playback[start : start + HOP], end_s)
        return frames

    return run


def pipelines(rate_hz: float) -> dict[str, Callable[[int], Pipeline]]:
    """Fresh post-demodulation variants for a number of mic channels."""

    def none(channels: int) -> Pipeline:
        analyzer = DopplerAnalyzer(rate_hz, channels)
        return _run(lambda b, p, t: analyzer.process(b, t))

    def cross_mic(channels: int) -> Pipeline:
        stage = BasebandStage(rate_hz, channels)
        return _run(lambda b, p, t: stage.process(b, t))

    def reference(channels: int) -> Pipeline:
        canceller = PlaybackCanceller(channels, rate_hz)
        analyzer = DopplerAnalyzer(rate_hz, channels)
        return _run(lambda b, p, t: analyzer.process(canceller.process(b, p), t))

    def both(channels: int) -> Pipeline:
        stage = BasebandStage(rate_hz, channels, reference=True)
        return _run(lambda b, p, t: stage.process(b, t, p))

    return {"none": none, "cross-mic": cross_mic, "reference": reference, "both": both}


def scores(
    frames: list[DopplerFrame], rate_hz: float, scene: Scene
) -> tuple[np.ndarray, np.ndarray]:
    """Baseline score per frame after SKIP_S, and whether a person moves in the room."""
    baseline = EnergyBaseline(rate_hz)
    walks = [a for a in scene.annotations() if a.kind == "motion" and a.label != "nonhuman"]
    kept = [f for f in frames if f.time_s >= SKIP_S]
    score = np.array([baseline.score_db(f) for f in kept])
    walking = np.array([any(a.contains(f.time_s) for a in walks) for f in kept])
    return score, walking


def evaluate(count: int, seconds: float) -> None:
    """Print the table of baseline scores per scene kind and variant."""
    threshold_db = BaselineConfig().threshold_db
    # results[kind][variant] -> list of (score, walking) per recording
    results: dict[str, dict[str, list[tuple[np.ndarray, np.ndarray]]]] = {}
    for seed in range(count):
        for kind, scene in scenes(seed, seconds).items():
            samples = render_scene(
                scene, seed=seed, channels=MICS, reference_channel=True, sample_rate_hz=RATE_HZ
            )
            mics = Demodulator(CARRIER_HZ, RATE_HZ, MICS)
            played = Demodulator(0.0, RATE_HZ, 1)
            baseband = mics.process(np.ascontiguousarray(samples[:, :MICS]), 0)
            playback = played.process(np.ascontiguousarray(samples[:, MICS:]), 0)[:, 0].real
            period_s = mics.factor / RATE_HZ
            variants = pipelines(mics.baseband_rate_hz)
            for name, make in variants.items():
                for channels in (MICS, 1):
                    if channels == 1 and name not in ("none", "reference"):
                        continue
                    label = name if channels == MICS else f"1 mic, {name}"
                    frames = make(channels)(baseband[:, :channels], playback, period_s)
                    results.setdefault(kind, {}).setdefault(label, []).append(
                        scores(frames, mics.baseband_rate_hz, scene)
                    )
    print(
        f"{count} rooms x {seconds:.0f} s, 48 kHz, {MICS} mics + reference, "
        f"carrier {CARRIER_HZ:.0f} Hz at -20 dBFS; baseline threshold {threshold_db:.0f} dB"
    )
    people = ("walk+music", "walk", "seated", "seated close")
    print(
        f"{'variant':<18} {'music: median':>13} {'p95':>5} {'false %':>7}"
        + "".join(f" {kind + ': seen %':>20} {'kept dB':>7}" for kind in people)
    )
    for label in results["music"]:
        music = np.concatenate([s for s, _ in results["music"][label]])
        row = (
            f"{label:<18} {np.median(music):>13.1f} {np.percentile(music, 95):>5.1f} "
            f"{100.0 * np.mean(music >= threshold_db):>7.1f}"
        )
        unprocessed = "1 mic, none" if label.startswith("1 mic") else "none"
        for kind in people:
            kept = _walk_mean_db(results[kind][label]) - _walk_mean_db(results[kind][unprocessed])
            row += f" {_walk_seen(results[kind][label], threshold_db):>20.1f} {kept:>7.1f}"
        print(row)


def _walk_seen(runs: list[tuple[np.ndarray, np.ndarray]], threshold_db: float) -> float:
    """Share of frames with a person moving whose score reaches the threshold, in %."""
    hits = np.concatenate([s[w] >= threshold_db for s, w in runs])
    return 100.0 * float(np.mean(hits))


def _walk_mean_db(runs: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Mean Doppler power (over the noise floor) of the frames with a person moving, in dB."""
    power = np.concatenate([10.0 ** (s[w] / 10.0) for s, w in runs])
    return float(10.0 * np.log10(np.mean(power)))


def _cpu_pct(work: Callable[[], object], seconds: float, repeats: int = 3) -> float:
    """Least CPU time of a few runs, in % of one core for ``seconds`` of audio."""
    best = math.inf
    for _ in range(repeats):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return 100.0 * best / seconds


def cpu_cost(seconds: float) -> None:
    """CPU (numpy path) of the whole presence detector and of the cross-mic canceller alone."""
    rendered = {
        kind: render_scene(scene, channels=MICS, reference_channel=True, sample_rate_hz=RATE_HZ)
        for kind, scene in scenes(0, seconds).items()
        if kind in ("walk+music", "walk")
    }
    samples = rendered["walk+music"]

    def detect(channels: int, reference: int | None) -> None:
        detector = PresenceDetector(
            None,
            PresenceConfig(carrier_hz=CARRIER_HZ, reference_channel=reference),
            classifier=MotionClassifier(backend="numpy"),
        )
        for start in range(0, len(samples), DETECTOR_BLOCK_FRAMES):
            block = samples[start : start + DETECTOR_BLOCK_FRAMES, :channels]
            detector.process(AudioBlock(block, RATE_HZ, start))

    for label, channels, reference in (
        ("2 mics + reference", MICS + 1, MICS),
        ("2 mics", MICS, None),
    ):
        pct = _cpu_pct(functools.partial(detect, channels, reference), seconds)
        print(f"presence detector, {label}, walk+music: {pct:.3f} % of one core")
    for kind, recording in rendered.items():
        baseband = Demodulator(CARRIER_HZ, RATE_HZ, MICS).process(recording[:, :MICS], 0)
        pct = _cpu_pct(functools.partial(_cancel, baseband), seconds)
        print(f"cross-mic canceller alone, {kind}: {pct:.3f} % of one core")


def _cancel(baseband: np.ndarray) -> None:
    """Run a fresh cross-mic canceller over a recording's baseband, hop by hop."""
    canceller = CrossMicCanceller(MICS)
    for start in range(0, len(baseband), HOP):
        canceller.process(baseband[start : start + HOP])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    evaluate(args.scenes, args.seconds)
    cpu_cost(args.seconds)


if __name__ == "__main__":
    main()
