"""Train and export the sound models: ``models/sounds/train stage1|stage2|events``.

Stage 1: per 100 ms step, a 1-D convolution over the step's ten log-mel frames
(mel bands as channels), a GRU over the steps, one sigmoid head per sound.
Stage 2: a 2-D CNN over a 2 s log-mel window, one sigmoid per sound; it only runs
when stage 1 proposes something. ``stage2`` trains the alarm verifier, ``events``
the event verifier (same network, plus stage 1's proposals mined on long streams).
All are exported as ``.tflite`` plus an ``.npz`` of weights for the engine's exact
numpy path, to custom_components/earshot/models/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from earshot_engine.sounds.models import (
    EVENTS_NAME,
    MODEL_SETS,
    MODEL_SUFFIXES,
    STAGE1_NAME,
    STAGE2_NAME,
)
from earshot_engine.sounds.vocabulary import SOUND_TYPES
from models.common.export import export_model
from models.sounds import data, mine

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = MODEL_SETS["standard"]
CACHE = ROOT / "models" / ".cache" / "sounds"
STAGE2_FRAMES = 200
THREADS = 2
"""Fixed TensorFlow thread counts: with op determinism, the same run on any machine."""
MIXTURE_CODE = (
    ROOT / "models" / "sounds" / "data.py",
    ROOT / "models" / "sounds" / "synth.py",
    ROOT / "custom_components" / "earshot" / "engine" / "sounds" / "features.py",
)
"""Everything that shapes a cached mixture set besides the arguments (and the manifest)."""


def deterministic(seed: int) -> None:
    """Make training bit-for-bit repeatable: seeds, deterministic ops, fixed threads.

    Must run before TensorFlow executes anything (thread pools are fixed at first use).
    """
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.experimental.enable_op_determinism()
    tf.keras.utils.set_random_seed(seed)


def mixture_key() -> str:
    """Digest of the code and clip list that generate the mixtures: a cache is never stale."""
    digest = hashlib.sha256()
    for path in (*MIXTURE_CODE, data.DATA_DIR / "manifest.csv"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _datasets(
    args: argparse.Namespace, name: str, count: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """4 s mixtures of the ``args.data`` training clips (cached)."""
    cache = args.cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{name}_{args.data}_{count}_4.0_{seed}_{mixture_key()}.npz"
    if path.exists():
        z = np.load(path)
        return z["x"], z["y"]
    # validation mixtures reuse training clips with a new seed: thresholds are calibrated
    # there, so the evaluation split stays untouched until models/sounds/evaluate
    x, y = data.dataset(data.TRAINING_SETS[args.data], count, 4.0, seed)
    partial = path.with_suffix(".partial.npz")
    np.savez(partial, x=x, y=y)
    partial.replace(path)  # an interrupted run never leaves a truncated cache behind
    return x, y


def _weighted_bce(pos_weight: float):  # type: ignore[no-untyped-def]
    import tensorflow as tf

    def loss(y_true, y_pred):  # type: ignore[no-untyped-def]
        p = tf.clip_by_value(y_pred, 1e-6, 1 - 1e-6)
        return -tf.reduce_mean(
            pos_weight * y_true * tf.math.log(p) + (1 - y_true) * tf.math.log(1 - p)
        )

    return loss


def _normalization(mean: np.ndarray, std: np.ndarray):  # type: ignore[no-untyped-def]
    """Per-band standardisation as a frozen BatchNormalization (exports as scale/shift)."""
    from tensorflow import keras

    layer = keras.layers.BatchNormalization(epsilon=1e-6, name="norm", trainable=False)
    layer.build((None, None, 40))
    layer.set_weights([np.ones(40), np.zeros(40), mean, std**2 - 1e-6])
    return layer


def build_stage1(steps: int | None, mean: np.ndarray, std: np.ndarray):  # type: ignore[no-untyped-def]
    import tensorflow as tf
    from tensorflow import keras

    frames = data.STEP_FRAMES
    inp = keras.Input((None if steps is None else steps * frames, 40))
    x = _normalization(mean, std)(inp)
    x = keras.layers.Reshape((-1, frames, 40))(x)
    x = keras.layers.TimeDistributed(keras.layers.Conv1D(48, 3, activation="relu"), name="conv1")(x)
    x = keras.layers.TimeDistributed(keras.layers.MaxPooling1D(2))(x)
    x = keras.layers.TimeDistributed(keras.layers.Conv1D(48, 3, activation="relu"), name="conv2")(x)
    x = keras.layers.TimeDistributed(keras.layers.GlobalMaxPooling1D())(x)
    x = keras.layers.GRU(64, return_sequences=True, name="gru")(x)
    out = keras.layers.Dense(len(SOUND_TYPES), activation="sigmoid", name="heads")(x)
    del tf
    return keras.Model(inp, out)


def build_stage1_step(mean: np.ndarray, std: np.ndarray, heads: int = len(SOUND_TYPES)):  # type: ignore[no-untyped-def]
    """One streaming step with explicit GRU state, the form exported to .tflite."""
    from tensorflow import keras

    inp = keras.Input((data.STEP_FRAMES, 40), name="logmel")
    state = keras.Input((64,), name="gru_state")
    x = _normalization(mean, std)(inp)
    x = keras.layers.Conv1D(48, 3, activation="relu", name="conv1")(x)
    x = keras.layers.MaxPooling1D(2)(x)
    x = keras.layers.Conv1D(48, 3, activation="relu", name="conv2")(x)
    x = keras.layers.GlobalMaxPooling1D(keepdims=True)(x)
    seq, new_state = keras.layers.GRU(
        64, return_sequences=True, return_state=True, unroll=True, name="gru"
    )(x, initial_state=state)
    out = keras.layers.Dense(heads, activation="sigmoid", name="heads")(seq)
    return keras.Model([inp, state], {"scores": out, "gru_state_out": new_state})


def build_stage2(mean: np.ndarray, std: np.ndarray):  # type: ignore[no-untyped-def]
    from tensorflow import keras

    inp = keras.Input((STAGE2_FRAMES, 40), name="logmel")
    x = _normalization(mean, std)(inp)
    x = keras.layers.Reshape((STAGE2_FRAMES, 40, 1))(x)
    for i, ch in enumerate((16, 32, 48, 64)):
        x = keras.layers.Conv2D(ch, 3, padding="same", activation="relu", name=f"conv{i + 1}")(x)
        x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.GlobalMaxPooling2D()(x)
    x = keras.layers.Dense(64, activation="relu", name="dense")(x)
    x = keras.layers.Dropout(0.3)(x)
    out = keras.layers.Dense(len(SOUND_TYPES), activation="sigmoid", name="heads")(x)
    return keras.Model(inp, out)


STAGE2_BETA = 0.5
"""Stage 2 confirms, so its thresholds weigh precision twice as much as recall (F0.5)."""
CALIBRATION_HOURS = 4.0
CALIBRATION_SEED = 32
"""Another training-split stream: its proposals decide the false-alert budget thresholds."""
ALERTS_PER_DAY = 1.0
"""False alerts per 24 h each sound's stage-2 threshold may let through (medium)."""
MAX_THRESHOLD = 0.98
MAX_RECALL_LOSS = 0.1
"""The budget may cost at most this share of a sound's validation window recall."""
MINING_HOURS = 8.0
MINING_SEED = 31
"""The stream (recording half ``mine.MINING_HALF``) whose proposals train the event verifier."""


def _mine(args: argparse.Namespace, hours: float, seed: int, half: int) -> mine.Mined:
    """What the stage 1 in ``args.out_dir`` proposes on a stream of ``args.data`` clips."""
    splits = data.TRAINING_SETS[args.data]
    return mine.mine(args.cache_dir, args.out_dir, hours, seed, half, splits)


def _thresholds(pred: np.ndarray, truth: np.ndarray, beta: float = 1.0) -> list[float]:
    """Per-sound threshold maximising F-beta on validation mixtures (medium sensitivity)."""
    out = []
    for k in range(truth.shape[-1]):
        p, t = pred[..., k].ravel(), truth[..., k].ravel() > 0.5
        best, best_score = 0.5, -1.0
        for th in np.linspace(0.2, 0.9, 15):
            tp = np.sum((p >= th) & t)
            score = (1 + beta**2) * tp / (np.sum(p >= th) + beta**2 * np.sum(t) + 1e-9)
            if score > best_score and t.any():
                best, best_score = float(th), score
        out.append(round(best, 3))
    return out


def _budget_thresholds(
    base: list[float], mined: mine.Mined, scores: np.ndarray, pv: np.ndarray, yvw: np.ndarray
) -> list[float]:
    """Raise each F0.5 threshold towards the false-alert budget, within a recall allowance.

    ``scores`` are stage 2's scores of the calibration stream's proposal windows (a
    proposed sound is an alert when its own head passes); ``pv``/``yvw`` the validation
    windows. A threshold rises until the budget is met or until it would cost more
    than MAX_RECALL_LOSS of the sound's validation recall, whichever comes first.
    """
    out = list(base)
    allowed = int(ALERTS_PER_DAY * mined.hours / 24)
    for k, threshold in enumerate(base):
        own = scores[mined.sounds == k, k]
        positives = pv[yvw[:, k] > 0.5, k]
        floor = (1 - MAX_RECALL_LOSS) * np.mean(positives >= threshold) if positives.size else 0
        for t in np.round(np.arange(threshold, MAX_THRESHOLD + 1e-9, 0.01), 3):
            if positives.size and np.mean(positives >= t) < floor:
                break
            out[k] = float(t)
            if np.sum(own >= t) <= allowed:
                break
    return out


def _calibrate(  # type: ignore[no-untyped-def]
    args: argparse.Namespace, score, xvw: np.ndarray, yvw: np.ndarray
) -> dict[str, list[float]]:
    """Stage-2 thresholds: F0.5 on validation windows, then raised towards the budget.

    The F0.5 ones stay as ``alarm_check_thresholds``: the detector asks the alarm-like
    heads whether a cadence is an alarm at all, and a real alarm must not pay for
    the budget of appliance-beep events.
    """
    pv = score(xvw)
    base = _thresholds(pv, yvw, STAGE2_BETA)
    mined = _mine(args, CALIBRATION_HOURS, CALIBRATION_SEED, mine.CALIBRATION_HALF)
    mined_scores = score(mined.windows)
    final = _budget_thresholds(base, mined, mined_scores, pv, yvw)
    for k, sound in enumerate(SOUND_TYPES):
        t = yvw[:, k] > 0.5
        own = mined_scores[mined.sounds == k, k]
        before, after = np.sum(own >= base[k]), np.sum(own >= final[k])
        print(
            f"{sound:15s} F0.5 threshold {base[k]:.2f}: "
            f"val recall {np.mean(pv[t, k] >= base[k]):.3f}, stream alerts {before}/{own.size}; "
            f"budget threshold {final[k]:.2f}: "
            f"val recall {np.mean(pv[t, k] >= final[k]):.3f}, stream alerts {after}"
        )
    return {"thresholds": final, "alarm_check_thresholds": base}


def _stage1_false_alarms(out_dir: Path, feats: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per mixture, the step where the trained stage 1 most exceeds a threshold for a
    sound that is not there (-1 if nowhere): the candidates stage 2 exists to reject."""
    from earshot_engine.inference import load_model

    model = load_model(out_dir / STAGE1_NAME, backend="numpy")
    thresholds = np.array(json.loads((out_dir / f"{STAGE1_NAME}.json").read_text())["thresholds"])
    steps = labels.shape[1]
    margin = np.full(labels.shape, -np.inf, np.float32)
    state = np.zeros((feats.shape[0], 64), np.float32)
    for k in range(steps):
        chunk = feats[:, k * data.STEP_FRAMES : (k + 1) * data.STEP_FRAMES]
        out = model.run({"logmel": chunk, "gru_state": state})
        state = out["gru_state_out"]
        margin[:, k] = out["scores"].reshape(feats.shape[0], -1) - thresholds
    margin[labels > 0.5] = -np.inf
    margin[:, : int(0.5 / 0.1)] = -np.inf  # the detector's warm-up: no events in the first 0.5 s
    best = margin.max(axis=2)
    return np.where(best.max(axis=1) >= 0, best.argmax(axis=1), -1)


def _stage2_windows(
    args: argparse.Namespace,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Three 2 s windows per training and validation mixture (fixed seed).

    At run time stage 2 sees a window centred on a stage-1 candidate, so besides a
    random window it learns from one centred on a labelled event (another random one
    when there is none) and one centred on the trained stage 1's worst false alarm in
    the mixture (the loudest step when it has none). Stage 1 must be trained first.
    """
    x, y = _datasets(args, "train", args.count, 1)
    xv, yv = _datasets(args, "val", args.count // 5, 2)
    rng = np.random.default_rng(3)
    span = STAGE2_FRAMES // data.STEP_FRAMES

    def centred(steps: int, centre: int) -> int:
        return int(np.clip(centre - span // 2, 0, steps - span))

    def starts(f: np.ndarray, lab: np.ndarray, false_alarm: int) -> list[int]:
        steps = f.shape[0] // data.STEP_FRAMES
        active = np.flatnonzero(lab.max(axis=1) > 0.5)
        event = active[int(rng.integers(active.size))] if active.size else rng.integers(steps)
        energy = np.exp(f[: steps * data.STEP_FRAMES]).sum(axis=1)
        loudest = int(np.argmax(energy.reshape(steps, data.STEP_FRAMES).sum(axis=1)))
        hard = false_alarm if false_alarm >= 0 else loudest
        return [int(rng.integers(steps - span + 1)), centred(steps, event), centred(steps, hard)]

    def windows(f: np.ndarray, lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        false_alarms = _stage1_false_alarms(args.out_dir, f, lab)
        print(f"stage-1 false alarms in {np.sum(false_alarms >= 0)} of {len(f)} mixtures")
        pairs = [(i, s) for i in range(f.shape[0]) for s in starts(f[i], lab[i], false_alarms[i])]
        step = data.STEP_FRAMES
        xs = np.stack([f[i, s * step : s * step + STAGE2_FRAMES] for i, s in pairs])
        ys = np.stack([lab[i, s : s + span].max(axis=0) for i, s in pairs])
        return xs, ys

    xw, yw = windows(x, y)
    xvw, yvw = windows(xv, yv)
    return xw, yw, xvw, yvw


def _export(  # type: ignore[no-untyped-def]
    model, out_dir: Path, name: str, meta: dict[str, object], example: dict[str, np.ndarray]
) -> None:
    """Write NAME.tflite + NAME.npz (parity-checked) and NAME.json (sounds, thresholds)."""
    report = export_model(model, out_dir, name, representative_input=example)
    print(report.summary())
    meta = {**meta, "macs_per_inference": report.macs_per_inference}
    (out_dir / f"{name}.json").write_text(json.dumps(meta, indent=1) + "\n")


def train_stage1(args: argparse.Namespace) -> None:
    import tensorflow as tf

    deterministic(1)
    x, y = _datasets(args, "train", args.count, 1)
    xv, yv = _datasets(args, "val", args.count // 5, 2)
    mean, std = x.mean(axis=(0, 1)), x.std(axis=(0, 1)) + 1e-3
    model = build_stage1(40, mean, std)
    model.compile(tf.keras.optimizers.Adam(2e-3), loss=_weighted_bce(4.0))
    model.fit(x, y, batch_size=64, epochs=args.epochs, validation_data=(xv, yv), verbose=2)
    pv = model.predict(xv, verbose=0)
    meta = {
        "sounds": list(SOUND_TYPES),
        "thresholds": _thresholds(pv, yv),
        "step_frames": data.STEP_FRAMES,
    }
    print("thresholds", meta["thresholds"])
    stream = build_stage1_step(mean, std)
    for layer in stream.layers:
        if layer.get_weights():
            layer.set_weights(model.get_layer(layer.name).get_weights())
    example = {"logmel": xv[:1, :10], "gru_state": np.zeros((1, 64), np.float32)}
    _export(stream, args.out_dir, STAGE1_NAME, meta, example)


def _fit_verifier(  # type: ignore[no-untyped-def]
    args: argparse.Namespace, seed: int, negatives: np.ndarray | None = None
):
    """Train a 2 s verifier on stage 2's windows (plus ``negatives``, labelled no sound).

    Returns the model and the validation windows with their labels.
    """
    import tensorflow as tf

    deterministic(seed)
    xw, yw, xvw, yvw = _stage2_windows(args)
    if negatives is not None:
        xw = np.concatenate([xw, negatives.astype(xw.dtype)])
        yw = np.concatenate([yw, np.zeros((len(negatives), yw.shape[1]), yw.dtype)])
    x, _ = _datasets(args, "train", args.count, 1)
    mean, std = x.mean(axis=(0, 1)), x.std(axis=(0, 1)) + 1e-3
    del x
    model = build_stage2(mean, std)
    model.compile(tf.keras.optimizers.Adam(1e-3), loss=_weighted_bce(2.0))
    model.fit(xw, yw, batch_size=64, epochs=args.epochs, validation_data=(xvw, yvw), verbose=2)
    return model, xvw, yvw


def _scorer(model):  # type: ignore[no-untyped-def]
    return lambda windows: model.predict(windows, verbose=0)


def _export_verifier(  # type: ignore[no-untyped-def]
    model, out_dir: Path, name: str, thresholds: dict[str, list[float]], example: np.ndarray
) -> None:
    from tensorflow import keras

    meta = {"sounds": list(SOUND_TYPES), **thresholds, "window_frames": STAGE2_FRAMES}
    print(name, "thresholds", thresholds)
    named = keras.Model(model.inputs, {"scores": model.outputs[0]})
    _export(named, out_dir, name, meta, {"logmel": example})


def train_stage2(args: argparse.Namespace) -> None:
    """The alarm verifier (its event thresholds serve models dirs without the event verifier).

    The extended set keeps the standard one: its extra recordings hold no alarm, and
    an alarm check should not change without alarm data showing it is no worse.
    """
    if args.data != "standard":
        for suffix in MODEL_SUFFIXES:
            shutil.copyfile(
                OUT_DIR / f"{STAGE2_NAME}{suffix}", args.out_dir / f"{STAGE2_NAME}{suffix}"
            )
        print(f"{args.data}: copied the standard {STAGE2_NAME} (alarm checks) to {args.out_dir}")
        return
    model, xvw, yvw = _fit_verifier(args, 2)
    thresholds = _calibrate(args, _scorer(model), xvw, yvw)
    _export_verifier(model, args.out_dir, STAGE2_NAME, thresholds, xvw[:1])


def train_events(args: argparse.Namespace) -> None:
    """The event verifier: stage 2's recipe plus stage 1's proposals mined on long streams.

    The mined windows would teach a shared trunk to suppress the tonal patterns the
    alarm heads need, so they train a model of their own that only confirms events;
    alarm checks stay with ``sound_stage2``.
    """
    mined = _mine(args, args.mining_hours, MINING_SEED, mine.MINING_HALF)
    model, xvw, yvw = _fit_verifier(args, 4, mined.windows)
    thresholds = _calibrate(args, _scorer(model), xvw, yvw)["thresholds"]
    _export_verifier(model, args.out_dir, EVENTS_NAME, {"thresholds": thresholds}, xvw[:1])


def _frozen_stage1(heads: int):  # type: ignore[no-untyped-def]
    """The shipped stage-1 step model rebuilt in Keras from its npz, with ``heads`` outputs."""
    from earshot_engine.inference import read_npz_model

    _, w = read_npz_model(OUT_DIR / f"{STAGE1_NAME}.npz")
    model = build_stage1_step(np.zeros(40), np.ones(40), heads=heads)
    # the exported normalisation is x * scale + shift: a BatchNorm with mean 0, variance 1
    model.get_layer("norm").set_weights(
        [w["norm/scale"], w["norm/shift"], np.zeros(40), np.ones(40) - 1e-6]
    )
    for name in ("conv1", "conv2"):
        model.get_layer(name).set_weights([w[f"{name}/kernel"], w[f"{name}/bias"]])
    model.get_layer("gru").set_weights([w["gru/kernel"], w["gru/recurrent_kernel"], w["gru/bias"]])
    return model, w


def _embeddings(
    clips: list[np.ndarray], rng: np.random.Generator, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-step trunk outputs (GRU state) and labels: new-sound mixtures and ordinary ones."""
    from earshot_engine.inference import load_model
    from earshot_engine.sounds.features import log_mel

    trunk = load_model(OUT_DIR / STAGE1_NAME, backend="numpy")
    pools = data.by_label("train")
    feats, labels = [], []
    for i in range(count):
        n = int(4.0 * data.SR)
        x, _ = data.mixture(rng, pools, 4.0)
        y = np.zeros(n // 1600, np.float32)
        if i % 2 == 0:  # half the examples carry the new sound
            clip = clips[int(rng.integers(len(clips)))]
            ev, mask = data._place(rng, clip, data.activity(clip), n)
            snr = rng.uniform(0, 25)
            ev = ev / data._rms(ev, mask) * max(data._rms(x), 1e-4) * 10 ** (snr / 20)
            x = (x + ev).astype(np.float32)
            y = (mask[: y.size * 1600].reshape(y.size, 1600).sum(axis=1) >= 400).astype(np.float32)
        mel = log_mel(x)
        state = np.zeros((1, 64), np.float32)
        for k in range(min(y.size, mel.shape[0] // 10)):
            step = {"logmel": mel[None, k * 10 : k * 10 + 10], "gru_state": state}
            state = trunk.run(step)["gru_state_out"]
            feats.append(state[0].copy())
            labels.append(y[k])
    return np.stack(feats), np.array(labels)


def train_head(args: argparse.Namespace) -> None:
    """Add a sound: a new sigmoid head on the frozen stage-1 trunk, from a folder of clips."""
    from earshot_engine.sounds.resample import resample
    from earshot_engine.wavio import read_wav

    clips = []
    for path in sorted(Path(args.positives).glob("*.wav")):
        samples, rate = read_wav(path)
        clips.append(resample(samples.mean(axis=1), rate, data.SR).astype(np.float64))
    if len(clips) < 10:
        raise SystemExit(f"need at least 10 example clips in {args.positives}, found {len(clips)}")
    rng = np.random.default_rng(5)
    h, y = _embeddings(clips, rng, args.count)
    hv, yv = _embeddings(clips, np.random.default_rng(6), max(20, args.count // 4))
    # logistic regression on the frozen 64-d trunk output, class-balanced, plain gradient descent
    w, b = np.zeros(h.shape[1]), 0.0
    pos_weight = (1 - y.mean()) / max(y.mean(), 1e-3)
    for _ in range(2000):
        p = 1 / (1 + np.exp(-(h @ w + b)))
        g = (p - y) * np.where(y > 0, pos_weight, 1.0)
        w -= 0.5 * (h.T @ g / len(y) + 1e-3 * w)
        b -= 0.5 * float(np.mean(g))
    pv = 1 / (1 + np.exp(-(hv @ w + b)))
    threshold = _thresholds(pv[:, None], yv[:, None])[0]
    tp = np.sum((pv >= threshold) & (yv > 0))
    f1 = 2 * tp / (np.sum(pv >= threshold) + np.sum(yv > 0) + 1e-9)
    print(f"head {args.sound}: validation step F1 {f1:.3f} at threshold {threshold}")
    meta = json.loads((OUT_DIR / f"{STAGE1_NAME}.json").read_text())
    model, old = _frozen_stage1(len(meta["sounds"]) + 1)
    kernel = np.concatenate([old["heads/kernel"], w[:, None].astype(np.float32)], axis=1)
    bias = np.concatenate([old["heads/bias"], np.array([b], np.float32)])
    model.get_layer("heads").set_weights([kernel, bias])
    meta["sounds"].append(args.sound)
    meta["thresholds"].append(threshold)
    out_dir = Path(args.out)
    report = export_model(model, out_dir, STAGE1_NAME)
    print(report.summary())
    (out_dir / f"{STAGE1_NAME}.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {out_dir}/{STAGE1_NAME}.* with {len(meta['sounds'])} heads")


def stage2_thresholds(args: argparse.Namespace) -> None:
    """Recalibrate the shipped stage 2's thresholds (numpy path, no retraining)."""
    from earshot_engine.inference import load_model

    _, _, xvw, yvw = _stage2_windows(args)
    model = load_model(args.out_dir / STAGE2_NAME, backend="numpy")

    def score(v: np.ndarray) -> np.ndarray:
        return np.concatenate(
            [model.run({"logmel": v[i : i + 64]})["scores"] for i in range(0, len(v), 64)]
        )

    path = args.out_dir / f"{STAGE2_NAME}.json"
    meta = json.loads(path.read_text())
    meta.update(_calibrate(args, score, xvw, yvw))
    print("thresholds", meta["thresholds"], "alarm checks", meta["alarm_check_thresholds"])
    path.write_text(json.dumps(meta, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "stage", choices=["stage1", "stage2", "events", "stage2-thresholds", "head"]
    )
    parser.add_argument("--count", type=int, default=6000, help="training mixtures of 4 s")
    parser.add_argument("--epochs", type=int, help="default: 20 for stage1, 10 for the verifiers")
    parser.add_argument(
        "--mining-hours",
        type=float,
        default=MINING_HOURS,
        help="events: hours of training-split stream whose stage-1 proposals are negatives",
    )
    parser.add_argument("--sound", help="head: name of the new sound")
    parser.add_argument("--positives", help="head: folder of WAV clips of the new sound")
    parser.add_argument("--out", help="head: output folder for the widened stage 1")
    parser.add_argument(
        "--data",
        choices=sorted(data.TRAINING_SETS),
        default="standard",
        help="training clips: standard (licence-clean) or extended (adds CC BY-NC ESC-50 "
        "folds 1-3; the weights inherit CC BY-NC)",
    )
    parser.add_argument(
        "--out-dir", type=Path, help="where to export (default: the shipped folder of --data)"
    )
    parser.add_argument(
        "--cache-dir", type=Path, default=CACHE, help="where generated mixtures are cached"
    )
    args = parser.parse_args()
    if args.stage == "head" and not (args.sound and args.positives and args.out):
        parser.error("head needs --sound, --positives and --out")
    if args.out_dir is None:
        args.out_dir = MODEL_SETS[args.data]
    if args.epochs is None:
        args.epochs = 20 if args.stage == "stage1" else 10
    started = time.perf_counter()
    {
        "stage1": train_stage1,
        "stage2": train_stage2,
        "events": train_events,
        "stage2-thresholds": stage2_thresholds,
        "head": train_head,
    }[args.stage](args)
    print(f"{args.stage}: trained and exported in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
