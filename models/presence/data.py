"""Presence training and evaluation data from the simulated home.

Scenes come from the simulator's own generator (``random_scene``: rooms,
devices, fans, curtains, pets, music, interferers, household sounds) plus the
people this task needs: walkers entering through a door and seated people with
hand and arm motions. Every scene is rendered at full rate through the real
signal path (carrier emitter -> HomeRenderer -> DopplerFrontEnd), so training
sees exactly the features the detector computes at run time.

Frame labels come from the kinematics of the simulator's movers (the same
seeded movers the renderer uses): major while a walker is visible in the room,
minor while a seated person's hands, head or chest move faster than breathing,
non-human while a fan, curtain, pet or vacuum runs, none otherwise. Seated
frames with no motion beyond breathing are ignored in training (-1).

Splits differ in seeds, rooms and hardware: training devices are the
simulator's presets with small jitter; held-out devices are drawn from wider,
shifted ranges (other roll-offs, nonlinearity, noise, coupling).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from earshot_engine.audio import AudioBlock, OutputMixer
from earshot_engine.presence.baseline import EnergyBaseline
from earshot_engine.presence.calibration import CalibrationPlan, Calibrator
from earshot_engine.presence.detector import CLIP_LEVEL, MIN_CARRIER_DB, SETTLE_S
from earshot_engine.presence.doppler import FRAME_SAMPLES, Demodulator, DopplerFrame
from earshot_engine.presence.emitter import CarrierEmitter
from earshot_engine.presence.frontend import BasebandStage
from earshot_engine.presence.results import CalibrationResult
from earshot_engine.simulation.catalog import random_door, random_point_inside, random_scene
from earshot_engine.simulation.dsp import seeded_rng
from earshot_engine.simulation.home import HomeRenderer
from earshot_engine.simulation.reflectors import build_mover
from earshot_engine.simulation.scene import (
    DEVICES,
    Action,
    Curtain,
    Device,
    Fan,
    Music,
    Pet,
    RobotVacuum,
    Room,
    Scene,
    SitAndWork,
    Walk,
)

Split = Literal["train", "mine", "test"]
Kind = Literal["walk", "seated", "empty", "busy"]
SPLIT_SEED = {"train": 1_000_000, "mine": 2_000_000, "test": 3_000_000}
LABELS = ("none", "major", "minor", "nonhuman")
IGNORE = -1
MINOR_SPEED_M_S = 0.03
"""Seated motion faster than this counts as minor motion (breathing peaks near 0.5 cm/s)."""
BLOCK_FRAMES = 2400
SAFE_TEMPI_BPM = (60.0, 75.0, 80.0, 100.0, 120.0, 125.0, 150.0)
VALIDATION_FIRST = 240
"""Mining-split index of the first validation scene (``tune``: 240..359); mining uses the
indices before it and past 1000."""
MOVER_KEY = 101
"""The renderer draws each mover's randomness from seeded_rng(seed, 101, action index)."""


@dataclass(frozen=True, slots=True)
class Job:
    """One scene to render: everything follows from split and index."""

    split: Split
    index: int
    kind: Kind
    duration_s: float
    sample_rate_hz: int
    channels: int
    carrier_hz: float
    level_dbfs: float

    @property
    def seed(self) -> int:
        """Seed of the scene and of its rendering."""
        return SPLIT_SEED[self.split] + self.index


KIND_WEIGHTS: dict[Kind, float] = {"walk": 0.3, "seated": 0.25, "empty": 0.3, "busy": 0.15}
LEVEL_RANGE_DBFS: dict[Split, tuple[float, float]] = {
    "train": (-30.0, -12.0),
    "mine": (-30.0, -12.0),
    "test": (-40.0, -20.0),
}
"""Carrier levels drawn per split. Training and mining play what self-calibration picks
(aiming at 90 dB SNR it chose -19 dBFS at the median, a third at the -12 dBFS cap);
held-out scenes keep the older, quieter draw, which only ``evaluate --uncalibrated``
plays (as deployed, calibration picks the level)."""


def make_job(split: Split, index: int, kind: Kind | None = None, duration_s: float = 30.0) -> Job:
    """A randomized rendering job (kind drawn by KIND_WEIGHTS unless given)."""
    rng = seeded_rng(SPLIT_SEED[split] + index, 7)
    kinds = list(KIND_WEIGHTS)
    chosen: Kind = (
        kind or kinds[int(rng.choice(len(kinds), p=np.asarray(list(KIND_WEIGHTS.values()))))]
    )
    rate = 44_100 if rng.uniform() < 0.15 else 48_000
    top = 21_000.0 if rate == 44_100 else 22_500.0
    return Job(
        split=split,
        index=index,
        kind=chosen,
        duration_s=duration_s,
        sample_rate_hz=rate,
        channels=int(rng.choice([1, 1, 2])),
        carrier_hz=float(np.round(rng.uniform(18_500.0, top), -1)),
        level_dbfs=float(rng.uniform(*LEVEL_RANGE_DBFS[split])),
    )


def _device(rng: np.random.Generator, split: Split) -> Device:
    """Hardware of a scene: simulator presets with jitter, or randomly drawn devices.

    Held-out scenes only use random draws (from their own seeds), so they never
    share a device with training.
    """
    if split != "test" and rng.uniform() < 0.3:
        base = DEVICES[str(rng.choice(["typical", "typical", "good", "cheap"]))]
        return dataclasses.replace(
            base,
            speaker_cutoff_hz=base.speaker_cutoff_hz * float(rng.uniform(0.97, 1.03)),
            coupling_db=base.coupling_db + float(rng.uniform(-3.0, 3.0)),
            mic_noise_dbfs=base.mic_noise_dbfs + float(rng.uniform(-3.0, 3.0)),
        )
    wide = split != "test"  # training ranges reach a little beyond the held-out ones
    return Device(
        name="random" if wide else "heldout",
        speaker_cutoff_hz=float(
            rng.uniform(18_500.0, 25_000.0) if wide else rng.uniform(19_000.0, 24_000.0)
        ),
        mic_cutoff_hz=float(
            rng.uniform(19_000.0, 25_000.0) if wide else rng.uniform(19_500.0, 24_000.0)
        ),
        rolloff_order=int(rng.choice([4, 6, 8, 10, 12] if wide else [4, 6, 10])),
        coupling_db=float(rng.uniform(2.0, 24.0) if wide else rng.uniform(4.0, 22.0)),
        nonlinearity=(
            float(rng.uniform(0.0, 0.12) if wide else rng.uniform(0.0, 0.1)),
            float(rng.uniform(0.0, 0.08) if wide else rng.uniform(0.0, 0.06)),
        ),
        mic_noise_dbfs=float(rng.uniform(-102.0, -78.0) if wide else rng.uniform(-100.0, -80.0)),
        mic_mismatch_db=float(rng.uniform(0.0, 2.0)),
        speaker_db_spl=float(rng.uniform(90.0, 108.0) if wide else rng.uniform(92.0, 106.0)),
    )


def _walk(rng: np.random.Generator, room: Room, start_s: float) -> Walk:
    """Someone entering through a door, stopping at a few places, leaving again."""
    outside, inside = random_door(rng, room)
    stops = [random_point_inside(rng, room) for _ in range(int(rng.integers(1, 3)))]
    return Walk.at_speed(
        start_s=start_s,
        waypoints=(outside, inside, *stops, inside, outside),
        speed_m_s=float(rng.uniform(0.5, 1.8)),
        step_hz=float(rng.uniform(1.5, 2.2)),
        height_m=float(rng.uniform(1.5, 1.95)),
        reflectivity_m=float(rng.uniform(0.1, 0.3)),
    )


def _seated(rng: np.random.Generator, room: Room, start_s: float, duration_s: float) -> SitAndWork:
    typing = bool(rng.uniform() < 0.7)
    return SitAndWork(
        start_s=start_s,
        duration_s=duration_s,
        position=random_point_inside(rng, room),
        facing_deg=float(rng.uniform(-180.0, 180.0)),
        breathing_hz=float(rng.uniform(0.15, 0.35)),
        typing=typing,
        fidgets_per_min=float(rng.uniform(1.0, 8.0) if typing else rng.uniform(4.0, 12.0)),
        reflectivity_m=float(rng.uniform(0.1, 0.3)),
    )


def make_scene(job: Job) -> Scene:
    """The scene of a job: the simulator's random home plus this kind's people."""
    rng = seeded_rng(job.seed, 11)
    duration = job.duration_s
    base = random_scene(
        rng,
        duration_s=duration,
        walkers=0,
        seated_prob=0.0,
        nonhuman_prob={"walk": 0.3, "seated": 0.3, "empty": 0.85, "busy": 1.0}[job.kind],
        music_prob={"walk": 0.2, "seated": 0.2, "empty": 0.35, "busy": 0.5}[job.kind],
        sounds=1,
        interferer_prob=0.1 if job.kind != "busy" else 0.3,
        device=_device(rng, job.split),
        name=f"{job.split}-{job.index}-{job.kind}",
    )
    # Tempi from a fixed set whose beat is a whole number of frames at 44.1 and 48 kHz
    # (an early simulator version failed on others); kept so the pools stay reproducible.
    actions: list[Action] = [
        dataclasses.replace(a, tempo_bpm=float(rng.choice(SAFE_TEMPI_BPM)))
        if isinstance(a, Music)
        else a
        for a in base.actions
    ]
    room = base.room
    if job.kind == "busy":
        extra = random_scene(
            rng,
            duration_s=duration,
            walkers=0,
            seated_prob=0.0,
            sounds=0,
            nonhuman_prob=1.0,
            music_prob=0.0,
            interferer_prob=0.0,
        )
        actions += [a for a in extra.actions if isinstance(a, Fan | Curtain | Pet | RobotVacuum)]
    if job.kind == "walk":
        for _ in range(int(rng.integers(1, 3))):
            actions.append(_walk(rng, room, float(rng.uniform(2.0, duration * 0.6))))
    if job.kind == "seated":
        start = float(rng.uniform(2.0, duration * 0.3))
        actions.append(_seated(rng, room, start, duration - start))
    return dataclasses.replace(base, actions=tuple(actions))


def render(job: Job, scene: Scene) -> np.ndarray:
    """Mic samples (frames, channels) of a scene with the job's carrier playing."""
    return np.concatenate(list(render_blocks(job, scene)))


def render_blocks(
    job: Job, scene: Scene, emitter: CarrierEmitter | None = None
) -> Iterator[np.ndarray]:
    """The mic samples block by block (BLOCK_FRAMES each), the job's carrier playing, or
    ``emitter``, which the caller may retune between blocks (each is rendered on demand)."""
    renderer = HomeRenderer(
        scene, seed=job.seed, sample_rate_hz=job.sample_rate_hz, channels=job.channels
    )
    mixer = OutputMixer()
    mixer.attach(emitter or CarrierEmitter(job.carrier_hz, job.level_dbfs))
    total = round(job.duration_s * job.sample_rate_hz)
    for start in range(0, total, BLOCK_FRAMES):
        frames = min(BLOCK_FRAMES, total - start)
        yield renderer.render(start, mixer.render(frames, start, job.sample_rate_hz))


def calibrate(job: Job, scene: Scene) -> CalibrationResult:
    """The detector's own self-calibration run in the job's room on the job's hardware.

    It listens to the room as set up (the scene without its people: fans, pets, music and
    interferers stay) with the default plan and level cap, as Earshot does when it starts.
    """
    room = dataclasses.replace(
        scene, actions=tuple(a for a in scene.actions if not isinstance(a, Walk | SitAndWork))
    )
    plan = CalibrationPlan()
    emitter = CarrierEmitter(
        plan.candidates_hz[0], plan.probe_dbfs, max_level_dbfs=plan.max_level_dbfs
    )
    calibrator = Calibrator(emitter, job.sample_rate_hz, job.channels, plan)
    for index, samples in enumerate(render_blocks(job, room, emitter)):
        block = AudioBlock(samples, job.sample_rate_hz, index * BLOCK_FRAMES)
        result = calibrator.process(block)
        if result is not None:
            return result
    raise RuntimeError(f"calibration of {scene.name} did not finish in {room.duration_s} s")


def as_deployed(job: Job) -> Job:
    """The job with the carrier and level that self-calibration picks in its room.

    A calibration spoiled by a passing disturbance (music starting while it verifies) is
    retried a minute later in deployment; its choice stands here. Hardware that cannot
    carry ultrasound keeps the drawn carrier and level: the detector judges nothing there
    (repair issue), and the scene's median SNR marks it unusable either way.
    """
    result = calibrate(job, make_scene(job))
    if result.unsupported:
        return job
    return dataclasses.replace(job, carrier_hz=result.carrier_hz, level_dbfs=result.level_dbfs)


@dataclass(frozen=True, slots=True)
class Rendering:
    """What is kept of a rendered scene: its complex baseband, so features can change cheaply."""

    baseband: np.ndarray
    """(n, channels) complex64 at ``rate_hz``, exactly the detector's Demodulator output."""
    rate_hz: float
    sample_period_s: float
    """Stream time between baseband samples; sample k ends at (k + 1) * this."""
    clipped_s: np.ndarray
    """(k, 2) start and end of every rendered block that clipped."""


def render_baseband(job: Job, scene: Scene) -> Rendering:
    """Render a scene through the detector's demodulator, block by block."""
    demodulator = Demodulator(job.carrier_hz, job.sample_rate_hz, job.channels)
    parts = []
    clipped = []
    start = 0
    for block in render_blocks(job, scene):
        parts.append(demodulator.process(block, start))
        if np.any(np.abs(block) >= CLIP_LEVEL):
            clipped.append((start / job.sample_rate_hz, (start + len(block)) / job.sample_rate_hz))
        start += len(block)
    return Rendering(
        baseband=np.concatenate(parts),
        rate_hz=demodulator.baseband_rate_hz,
        sample_period_s=demodulator.factor / job.sample_rate_hz,
        clipped_s=np.asarray(clipped, dtype=np.float64).reshape(-1, 2),
    )


def doppler_frames(rendering: Rendering) -> list[DopplerFrame]:
    """The detector's Doppler frames of a rendering (its post-demodulation stage, hop by hop)."""
    channels = rendering.baseband.shape[1]
    stage = BasebandStage(rendering.rate_hz, channels)
    hop = stage.analyzer.hop
    frames: list[DopplerFrame] = []
    for start in range(0, rendering.baseband.shape[0], hop):
        chunk = rendering.baseband[start : start + hop]
        end_s = (start + len(chunk)) * rendering.sample_period_s
        frames += stage.process(chunk, end_s)
    return frames


def _activity(scene: Scene, seed: int, times_s: np.ndarray) -> dict[str, np.ndarray]:
    """Per label, whether it is active at each time (from the movers' kinematics)."""
    out = {name: np.zeros(len(times_s), dtype=bool) for name in ("major", "minor", "seated")}
    out["nonhuman"] = np.zeros(len(times_s), dtype=bool)
    dt = 0.01
    for index, action in enumerate(scene.actions):
        if not isinstance(action, Walk | SitAndWork | Fan | Curtain | Pet | RobotVacuum):
            continue
        mover = build_mover(action, scene.room, seeded_rng(seed, MOVER_KEY, index))
        local = times_s - action.start_s
        if isinstance(action, Walk):
            _, weights = mover.scatterers(local)
            out["major"] |= weights.sum(axis=0) > 0.2 * action.reflectivity_m
        elif isinstance(action, SitAndWork):
            inside = (local >= 0) & (local <= action.duration_s)
            out["seated"] |= inside
            # fastest scatterer over the last half second (window of the newest frames)
            fastest = np.zeros(len(times_s))
            for lag in np.arange(0.0, 0.5, 0.05):
                p0, w0 = mover.scatterers(local - lag - dt)
                p1, _ = mover.scatterers(local - lag)
                speed = np.linalg.norm(p1 - p0, axis=-1) / dt * (w0 > 0)
                fastest = np.maximum(fastest, speed.max(axis=0))
            out["minor"] |= inside & (fastest > MINOR_SPEED_M_S)
        else:
            out["nonhuman"] |= (local >= 0) & (local <= action.duration_s)
    return out


def frame_labels(scene: Scene, seed: int, times_s: np.ndarray) -> np.ndarray:
    """Label index per frame (see LABELS), IGNORE for seated frames without motion."""
    active = _activity(scene, seed, times_s)
    labels = np.zeros(len(times_s), dtype=np.int64)
    labels[active["nonhuman"]] = 3
    labels[active["seated"] & ~active["minor"]] = IGNORE
    labels[active["minor"]] = 2
    labels[active["major"]] = 1
    return labels


@dataclass(frozen=True, slots=True)
class SceneData:
    """Features and labels of one rendered scene, ready for training and evaluation."""

    features: np.ndarray
    """(T, N_FEATURES) band levels in dB."""
    times_s: np.ndarray
    carrier_db: np.ndarray
    trusted: np.ndarray
    """Frames the detector would use (not the first, not clipped, carrier present)."""
    baseline_db: np.ndarray
    """SoundWave energy score per frame."""
    baseline_spread_hz: np.ndarray
    """SoundWave bandwidth per frame (how far strong Doppler bins reach)."""
    labels: np.ndarray


def scene_data(job: Job, rendering: Rendering, scene: Scene) -> SceneData:
    """Features, labels, trust and baseline scores of a rendered scene."""
    frames = doppler_frames(rendering)
    baseline = EnergyBaseline(rendering.rate_hz)
    times = np.array([f.time_s for f in frames])
    carrier_db = np.array([f.carrier_db for f in frames], dtype=np.float32)
    frame_s = FRAME_SAMPLES * rendering.sample_period_s
    trusted = (times > frame_s + SETTLE_S) & (carrier_db >= MIN_CARRIER_DB)
    for clip_start, clip_end in rendering.clipped_s:
        trusted &= ~((times >= clip_start) & (times <= clip_end + frame_s))
    return SceneData(
        features=np.stack([f.features for f in frames]).astype(np.float32),
        times_s=times,
        carrier_db=carrier_db,
        trusted=trusted,
        baseline_db=np.array([baseline.score_db(f) for f in frames], dtype=np.float32),
        baseline_spread_hz=np.array([baseline.spread_hz(f) for f in frames], dtype=np.float32),
        labels=frame_labels(scene, job.seed, times),
    )
