"""The development sound set, its splits, and training mixtures with frame labels.

Reads ``../shared/data/sounds`` beside the repository (or ``$EARSHOT_SOUNDS``) in place. Splits:

* ESC-50/ESC-10 clips by fold: folds 1-3 train, 4-5 development evaluation.
* ProtoSound clips grouped by recording (names stripped of take/chunk numbers),
  about 70 % of groups train by a stable hash, the rest evaluation.
* CC BY-NC clips (ESC-50 glass break, sirens, backgrounds): folds 1-3 are
  ``train_nc``, used only by the ``extended`` model set (whose weights inherit CC
  BY-NC), folds 4-5 evaluation. The quiet-room recording (no licence; overlapping
  chunks) is evaluation-only. The ``standard`` set inherits neither licence.
* The four long Arm smoke-alarm recordings are evaluation-only: they are the
  "real alarm sounding >= 8 s" test.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from earshot_engine.sounds.features import HOP_SAMPLES, log_mel
from earshot_engine.sounds.vocabulary import SOUND_TYPES
from earshot_engine.wavio import read_wav
from models.sounds import synth

DATA_DIR = Path(
    os.environ.get(
        "EARSHOT_SOUNDS", Path(__file__).resolve().parents[3] / "shared" / "data" / "sounds"
    )
)
SR = synth.SR
STEP_FRAMES = 10
"""Feature frames per model output (100 ms)."""


@dataclass(frozen=True)
class Clip:
    path: Path
    label: str
    license: str
    split: str


def _group(stem: str) -> str:
    stem = re.sub(r"_chunk\d+_\d+$", "", stem)
    stem = re.sub(r"(_sample\d+)?_\d+$", "", stem)
    return re.sub(r"_\d+$", "", stem)


def _split(row: dict[str, str]) -> str:
    name = Path(row["path"]).stem
    lic = row["license"]
    if name == "protosound__appliances_lib_4":
        return "eval"  # the only real appliance beeps: keep one for evaluation
    if "no license" in lic or name.startswith("pico__"):
        return "eval"
    if name.startswith(("esc10__", "esc50__")):
        fold = int(name.split("__")[1].split("-")[0])
        if fold > 3:
            return "eval"
        return "train_nc" if "BY-NC" in lic else "train"
    digest = hashlib.sha1(_group(name).encode()).digest()[0]
    return "train" if digest < 0.7 * 256 else "eval"


@cache
def clips() -> tuple[Clip, ...]:
    with (DATA_DIR / "manifest.csv").open() as f:
        rows = list(csv.DictReader(f))
    return tuple(Clip(DATA_DIR / r["path"], r["label"], r["license"], _split(r)) for r in rows)


@cache
def load(path: Path) -> np.ndarray:
    samples, rate = read_wav(path)
    assert rate == SR, path
    return samples.mean(axis=1).astype(np.float64)


TRAINING_SETS = {"standard": ("train",), "extended": ("train", "train_nc")}
"""The clip splits each model set trains on. ``extended`` adds ESC-50's CC BY-NC folds
1-3 (glass break, sirens, cats, snoring, horns, bells, birds, thunder): its weights
inherit CC BY-NC."""


def by_label(*splits: str) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for c in clips():
        if c.split in splits:
            out.setdefault(c.label, []).append(c.path)
    return out


def activity(x: np.ndarray) -> np.ndarray:
    """Samples of a real clip where the sound is on: 10 ms frames within 25 dB of its peak."""
    n = x.size // HOP_SAMPLES
    frames = x[: n * HOP_SAMPLES].reshape(n, HOP_SAMPLES)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    floor = np.percentile(level, 10)
    on = (level > level.max() - 25) & (level > floor + 6)
    mask = np.zeros(x.size, dtype=bool)
    mask[: n * HOP_SAMPLES] = np.repeat(on, HOP_SAMPLES)
    return mask


def _place(
    rng: np.random.Generator, x: np.ndarray, mask: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Put a clip at a random offset inside n samples (it may run off either end)."""
    out, m = np.zeros(n), np.zeros(n, dtype=bool)
    start = int(rng.integers(-x.size // 3, max(1, n - x.size * 2 // 3)))
    a, b = max(0, start), min(n, start + x.size)
    if b > a:
        out[a:b] = x[a - start : b - start]
        m[a:b] = mask[a - start : b - start]
    return out, m


def _rms(x: np.ndarray, mask: np.ndarray | None = None) -> float:
    sel = x[mask] if mask is not None and mask.any() else x
    return float(np.sqrt(np.mean(sel**2) + 1e-20))


def _background(rng: np.random.Generator, pools: dict[str, list[Path]], n: int) -> np.ndarray:
    """A background bed: real room/speech recordings, coloured noise or a negative sound."""
    kind = rng.choice(["real", "real", "speech", "noise", "negative", "quiet"])
    total_s = n / SR
    if kind in ("real", "speech"):
        pool = pools["background"] if kind == "real" else pools["speech"]
        parts, length = [], 0
        while length < n:
            x = load(pool[int(rng.integers(len(pool)))])
            x = x / (_rms(x) + 1e-9)
            parts.append(x)
            length += x.size
        bed = np.concatenate(parts)
        off = int(rng.integers(0, bed.size - n + 1))
        bed = bed[off : off + n]
    elif kind == "noise":
        bed = synth.noise(rng, total_s)
    elif kind == "negative":
        gen = synth.NEGATIVES[int(rng.integers(len(synth.NEGATIVES)))]
        bed, _ = gen(rng, total_s)
        if rng.random() < 0.5:
            sirens = pools.get("siren", [])
            if sirens:
                x = load(sirens[int(rng.integers(len(sirens)))])
                bed, _ = _place(rng, x, np.ones(x.size, bool), n)
        bed = synth.reverb(rng, bed) if rng.random() < 0.5 else bed
        bed = bed / (_rms(bed) + 1e-9) + 0.05 * synth.noise(rng, total_s)
    else:
        bed = synth.noise(rng, total_s) * 0.01
    return bed / (_rms(bed) + 1e-12)


def _event(
    rng: np.random.Generator, pools: dict[str, list[Path]], label: str, n: int
) -> tuple[np.ndarray, np.ndarray]:
    total_s = n / SR
    if label == "smoke_alarm" and (rng.random() < 0.85 or not pools.get("smoke_alarm")):
        return synth.alarm(
            rng, str(rng.choice(["t3", "t3", "t3_520", "fast", "slow", "continuous"])), total_s
        )
    if label == "co_alarm":
        return synth.alarm(rng, "t4", total_s)
    if label == "glass_break" and (not pools.get("glass_break") or rng.random() < 0.5):
        return synth.glass_break(rng, total_s)
    if label == "appliance_beep" and rng.random() < 0.8:
        return synth.beeps(rng, total_s)
    x = load(pools[label][int(rng.integers(len(pools[label])))])
    return _place(rng, x, activity(x), n)


def _distractor(rng: np.random.Generator, pools: dict[str, list[Path]], n: int) -> np.ndarray:
    """A non-vocabulary sound in the foreground (synthetic hard negative or real speech)."""
    if rng.random() < 0.3:
        x = load(pools["speech"][int(rng.integers(len(pools["speech"])))])
        sig, mask = _place(rng, x, activity(x), n)
    else:
        gen = synth.NEGATIVES[int(rng.integers(len(synth.NEGATIVES)))]
        sig, mask = gen(rng, n / SR)
    if rng.random() < 0.5:
        sig = synth.reverb(rng, sig)
    return sig / _rms(sig, mask)


def mixture(
    rng: np.random.Generator, pools: dict[str, list[Path]], total_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return (16 kHz samples, (steps, sounds) 0/1 labels) of one training example."""
    n = int(total_s * SR)
    bed = _background(rng, pools, n)
    level_db = rng.uniform(-70, -25)
    x = bed * 10 ** (level_db / 20)
    labels = np.zeros((n // (HOP_SAMPLES * STEP_FRAMES), len(SOUND_TYPES)), dtype=np.float32)
    if rng.random() < 0.35:  # a loud distractor: no label, the model must learn to ignore it
        distractor = _distractor(rng, pools, n)
        x = x + distractor * _rms(x) * 10 ** (rng.uniform(0, 25) / 20)
    events = 0 if rng.random() < 0.25 else (2 if rng.random() < 0.15 else 1)
    for _ in range(events):
        label = SOUND_TYPES[int(rng.integers(len(SOUND_TYPES)))]
        ev, mask = _event(rng, pools, label, n)
        if not mask.any():
            continue
        if rng.random() < 0.5:
            ev = synth.reverb(rng, ev)
        snr_db = rng.uniform(-3, 30)
        ev = ev / _rms(ev, mask) * _rms(x) * 10 ** (snr_db / 20)
        x = x + ev
        step = HOP_SAMPLES * STEP_FRAMES
        on = mask[: labels.shape[0] * step].reshape(labels.shape[0], step).sum(axis=1)
        labels[:, SOUND_TYPES.index(label)] = np.maximum(
            labels[:, SOUND_TYPES.index(label)], (on >= 0.025 * SR).astype(np.float32)
        )
    peak = np.max(np.abs(x)) + 1e-12
    if peak > 0.99:
        x = x * 0.99 / peak
    return x.astype(np.float32), labels


def dataset(
    splits: tuple[str, ...], count: int, total_s: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(count, frames, mels) log-mel and (count, steps, sounds) labels of fresh mixtures."""
    pools = by_label(*splits)
    rng = np.random.default_rng(seed)
    feats, labels = [], []
    steps = int(total_s * SR) // (HOP_SAMPLES * STEP_FRAMES)
    for _ in range(count):
        x, y = mixture(rng, pools, total_s)
        f = log_mel(x)[: steps * STEP_FRAMES]
        if f.shape[0] < steps * STEP_FRAMES:
            f = np.pad(f, ((0, steps * STEP_FRAMES - f.shape[0]), (0, 0)), mode="edge")
        feats.append(f)
        labels.append(y[:steps])
    return np.stack(feats).astype(np.float32), np.stack(labels)
