"""Long-tail mining and validation streams, built from the TRAINING split only.

The Alexa Guard / Echo seed-model pattern: run the engine's own detector (stage 1
and the temporal rules) over hours of continuous household audio in which no
vocabulary sound occurs, and keep the exact 2 s window stage 2 is asked about at
every candidate. Their verifier scores tell how many false alerts a threshold lets
through (``train stage2`` and ``train events`` calibrate their budget thresholds on
them); those mined on the other half of the recordings are the hard negatives the
event verifier (``sound_verifier_events``) learns from.

Streams are training-split room recordings and speech at -55..-25 dBFS, with
synthetic hard negatives (phone rings, music, sirens, birds, ...) between them,
over a faint coloured-noise bed. The evaluation split (and the evaluation-only
quiet-room recording) never enters: the held-out false-alert figure of
``models/sounds/evaluate`` stays blind.
"""

from __future__ import annotations

import argparse
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from earshot_engine.audio import AudioBlock
from earshot_engine.sounds.detector import SoundConfig, SoundEventDetector
from earshot_engine.sounds.models import HeadInfo, Stage2
from earshot_engine.sounds.results import SoundEvent
from earshot_engine.sounds.vocabulary import SOUND_TYPES
from models.sounds import data, synth

CHUNK_S = 600.0
BLOCK = 800
BED_DBFS = -60.0
WINDOW_FRAMES = 200
"""Stage 2's window (2 s of 10 ms frames)."""
CALIBRATION_HALF = 1
"""Recording half of the calibration and validation streams."""
MINING_HALF = 0
"""Recording half whose proposals train the event verifier: never in a calibration or
validation stream."""
VALIDATION_SEED = 21
"""The stream that measures false alerts; training and calibration mine other seeds."""
NEGATIVE_SHARE = 0.25
"""Share of stream items that are synthetic hard negatives instead of recordings."""
SIREN_SHARE = 1 / 3
ALARM = "alarm"
"""Stand-in name for an alarm check (cadence or steady tone): every alarm-like head counts."""
ENGINE_SOUNDS = Path(data.__file__).resolve().parents[2] / (
    "custom_components/earshot/engine/sounds"
)


def _negative(rng: np.random.Generator, seconds: float) -> np.ndarray:
    """A synthetic hard negative; a third of them sirens, often overdriven.

    Passing sirens are part of household background (the held-out stream has real
    ones), but every real siren recording is CC BY-NC and evaluation-only. A
    vehicle's horn loudspeaker clips the sweep into a square-ish, harmonic-rich
    wail, which the plain sine sweep of ``synth.siren`` lacks.
    """
    if rng.random() < SIREN_SHARE:
        x, _ = synth.siren(rng, seconds)
        drive = rng.uniform(1.0, 8.0)
        return np.tanh(drive * x) / np.tanh(drive)
    gen = synth.NEGATIVES[int(rng.integers(len(synth.NEGATIVES)))]
    return gen(rng, seconds)[0]


def household_level(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """One stream item at a random household level (-55..-25 dBFS RMS), never clipping."""
    x = x / (np.sqrt(np.mean(x**2)) + 1e-9) * 10 ** (rng.uniform(-55, -25) / 20)
    return x * min(1.0, 0.5 / (np.max(np.abs(x)) + 1e-9))


def _half(path: Path) -> int:
    return hashlib.sha1(path.name.encode()).digest()[0] % 2


def negative_stream(
    rng: np.random.Generator, seconds: float, half: int, splits: tuple[str, ...]
) -> np.ndarray:
    """Continuous training-split household audio with no vocabulary sound in it.

    Only one ``half`` of the recordings (by a stable hash of the name) is used, so
    the proposals the event verifier learns from and those that calibrate it come from
    different recordings.
    """
    pools = data.by_label(*splits)
    recordings = [p for p in pools["background"] + pools["speech"] if _half(p) == half]
    n = int(seconds * data.SR)
    parts, length = [], 0
    while length < n:
        if rng.random() < NEGATIVE_SHARE:
            x = _negative(rng, float(rng.uniform(2.0, 8.0)))
            x = synth.reverb(rng, x) if rng.random() < 0.5 else x
        else:
            x = data.load(recordings[int(rng.integers(len(recordings)))])
        x = household_level(rng, x)
        parts.append(x)
        length += x.size
    bed = synth.noise(rng, seconds)[:n]
    bed = bed / (np.sqrt(np.mean(bed**2)) + 1e-12) * 10 ** (BED_DBFS / 20)
    return (np.concatenate(parts)[:n] + bed).astype(np.float32)


class _Rejecter(Stage2):
    """Stands in for stage 2 while mining: keeps each window it is asked about, rejects all.

    Mining must not depend on any stage 2 (it trains the next one), and a rejection
    is what the detector does with a false proposal at run time.
    """

    def __init__(self) -> None:  # no model to load: nothing is ever confirmed
        never = tuple(1.0 for _ in SOUND_TYPES)
        self.heads = HeadInfo(SOUND_TYPES, never, never)
        self.window_frames = WINDOW_FRAMES
        self.sound = ALARM
        self.windows: list[np.ndarray] = []
        self.sounds: list[str] = []

    def scores(self, log_mel: np.ndarray) -> np.ndarray:
        self.windows.append(np.array(log_mel, np.float32))
        self.sounds.append(self.sound)
        return np.zeros(len(SOUND_TYPES), np.float32)


class _MiningDetector(SoundEventDetector):
    """The engine's detector with both verifiers replaced by one :class:`_Rejecter`."""

    def __init__(self, models_dir: Path) -> None:
        self.rejecter = _Rejecter()
        config = SoundConfig(clips=False)
        super().__init__(
            config,
            models_dir=models_dir,
            backend="numpy",
            alarm_verifier=self.rejecter,
            event_verifier=self.rejecter,
        )

    def _confirm(self, stream, sound, proposal):  # type: ignore[no-untyped-def]
        self.rejecter.sound = sound
        try:
            return super()._confirm(stream, sound, proposal)
        finally:
            self.rejecter.sound = ALARM


def feed(
    detector: SoundEventDetector, next_chunk: Callable[[], np.ndarray], hours: float
) -> tuple[float, Counter[str]]:
    """Stream ``CHUNK_S`` chunks through ``detector`` for ``hours``, block by block as a
    sound card would; the hours run and the events reported."""
    events: Counter[str] = Counter()
    start_frame, total_s = 0, 0.0
    while total_s < hours * 3600:
        stream = next_chunk()
        for i in range(0, stream.size, BLOCK):
            samples = stream[i : i + BLOCK, None].astype(np.float32)
            block = AudioBlock(samples, data.SR, start_frame + i)
            events.update(r.type for r in detector.process(block) if isinstance(r, SoundEvent))
        start_frame += stream.size
        total_s += CHUNK_S
    return total_s / 3600, events


def _feed(
    detector: SoundEventDetector, hours: float, seed: int, half: int, splits: tuple[str, ...]
) -> tuple[float, Counter[str]]:
    """Stream ``hours`` of negative audio through ``detector``."""
    rng = np.random.default_rng(seed)
    return feed(detector, lambda: negative_stream(rng, CHUNK_S, half, splits), hours)


@dataclass(frozen=True)
class Mined:
    """Stage 1's false proposals on a negative stream."""

    hours: float
    windows: np.ndarray
    """(n, 200, 40) the log-mel window stage 2 is asked about at each proposal."""
    sounds: np.ndarray
    """(n,) the proposed sound's head index, or -1 for an alarm check (any alarm-like head)."""


def _key(models_dir: Path, splits: tuple[str, ...]) -> str:
    """Digest of everything that decides which windows a mining run collects."""
    digest = hashlib.sha256()
    paths = [
        Path(__file__),
        *sorted(ENGINE_SOUNDS.glob("*.py")),
        Path(data.__file__),
        Path(synth.__file__),
    ]
    paths += [models_dir / "sound_stage1.npz", models_dir / "sound_stage1.json"]
    for path in [*paths, data.DATA_DIR / "manifest.csv"]:
        digest.update(path.read_bytes())
    digest.update(" ".join(splits).encode())
    return digest.hexdigest()[:12]


def mine(
    cache: Path, models_dir: Path, hours: float, seed: int, half: int, splits: tuple[str, ...]
) -> Mined:
    """Every window the stage 1 in ``models_dir`` proposes on ``hours`` of stream made
    of the clip ``splits`` (cached)."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"mined_{hours}_{seed}_{half}_{_key(models_dir, splits)}.npz"
    if not path.exists():
        detector = _MiningDetector(models_dir)
        run_hours, _ = _feed(detector, hours, seed, half, splits)
        found = detector.rejecter
        windows = np.stack(found.windows) if found.windows else np.zeros((0, 200, 40))
        index = [SOUND_TYPES.index(s) if s != ALARM else -1 for s in found.sounds]  # type: ignore[arg-type]
        partial = path.with_suffix(".partial.npz")
        np.savez(partial, x=windows.astype(np.float32), k=np.array(index, np.int64), h=run_hours)
        partial.replace(path)
    z = np.load(path)
    mined = Mined(float(z["h"]), z["x"], z["k"])
    print(f"mined {len(mined.sounds)} stage-1 proposals in {mined.hours:.1f} h (seed {seed})")
    return mined


def main() -> None:
    parser = argparse.ArgumentParser(description="false alerts on a training-split stream")
    parser.add_argument("--hours", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=VALIDATION_SEED)
    parser.add_argument("--sensitivity", default="medium", choices=["low", "medium", "high"])
    parser.add_argument("--models-dir", type=Path, default=ENGINE_SOUNDS.parents[1] / "models")
    parser.add_argument(
        "--data",
        choices=sorted(data.TRAINING_SETS),
        default="standard",
        help="clips to stream; 'extended' adds the training folds' CC BY-NC recordings, "
        "a fair validation of either model set (streaming is evaluation, not training)",
    )
    args = parser.parse_args()
    config = SoundConfig(sensitivity=args.sensitivity, clips=False)
    detector = SoundEventDetector(config, models_dir=args.models_dir, backend="numpy")
    hours, events = _feed(
        detector, args.hours, args.seed, CALIBRATION_HALF, data.TRAINING_SETS[args.data]
    )
    n = sum(events.values())
    candidates = n + detector.rejected
    print(
        f"[validation stream] {hours:.2f} h of training-split audio at {args.sensitivity}: "
        f"events {dict(events)} = {n / hours * 24:.1f} false alerts per 24 h; "
        f"stage-1 candidates {candidates} = {candidates / hours * 24:.1f} per 24 h "
        f"(passed stage 2 with too few onsets: {detector.onsets_rejected})"
    )


if __name__ == "__main__":
    main()
