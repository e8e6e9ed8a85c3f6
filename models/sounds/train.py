"""Train and export the sound models: ``models/sounds/train stage1|stage2``.

Stage 1: per 100 ms step, a 1-D convolution over the step's ten log-mel frames
(mel bands as channels), a GRU over the steps, one sigmoid head per sound.
Stage 2: a 2-D CNN over a 2 s log-mel window, one sigmoid per sound; it only runs
when stage 1 proposes an event. Both are exported as ``.tflite`` plus an ``.npz``
of weights for the engine's exact numpy path, to custom_components/earshot/models/.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from earshot_engine.sounds.vocabulary import SOUND_TYPES
from models.common.export import export_model
from models.sounds import data

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "custom_components" / "earshot" / "models"
CACHE = ROOT / "models" / ".cache" / "sounds"
STAGE2_FRAMES = 200


def _datasets(name: str, count: int, total_s: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}_{count}_{total_s}_{seed}.npz"
    if path.exists():
        z = np.load(path)
        return z["x"], z["y"]
    # validation mixtures reuse training clips with a new seed: thresholds are calibrated
    # there, so the evaluation split stays untouched until models/sounds/evaluate
    x, y = data.dataset("train", count, total_s, seed)
    np.savez(path, x=x, y=y)
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


def build_stage1_step(mean: np.ndarray, std: np.ndarray):  # type: ignore[no-untyped-def]
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
    out = keras.layers.Dense(len(SOUND_TYPES), activation="sigmoid", name="heads")(seq)
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


def _thresholds(pred: np.ndarray, truth: np.ndarray) -> list[float]:
    """Per-sound threshold maximising F1 on the development mixtures (medium sensitivity)."""
    out = []
    for k in range(truth.shape[-1]):
        p, t = pred[..., k].ravel(), truth[..., k].ravel() > 0.5
        best, best_f1 = 0.5, -1.0
        for th in np.linspace(0.2, 0.9, 15):
            tp = np.sum((p >= th) & t)
            f1 = 2 * tp / (np.sum(p >= th) + np.sum(t) + 1e-9)
            if f1 > best_f1 and t.any():
                best, best_f1 = float(th), f1
        out.append(round(best, 3))
    return out


def _export(model, name: str, meta: dict[str, object], example: dict[str, np.ndarray]) -> None:  # type: ignore[no-untyped-def]
    """Write NAME.tflite + NAME.npz (parity-checked) and NAME.json (sounds, thresholds)."""
    report = export_model(model, OUT_DIR, name, representative_input=example)
    print(report.summary())
    meta = {**meta, "macs_per_inference": report.macs_per_inference}
    (OUT_DIR / f"{name}.json").write_text(json.dumps(meta, indent=1) + "\n")


def train_stage1(args: argparse.Namespace) -> None:
    import tensorflow as tf

    tf.keras.utils.set_random_seed(1)
    x, y = _datasets("train", args.count, 4.0, 1)
    xv, yv = _datasets("val", args.count // 5, 4.0, 2)
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
    _export(stream, "sound_stage1", meta, example)


def train_stage2(args: argparse.Namespace) -> None:
    import tensorflow as tf

    tf.keras.utils.set_random_seed(2)
    x, y = _datasets("train", args.count, 4.0, 1)
    xv, yv = _datasets("val", args.count // 5, 4.0, 2)

    def windows(
        f: np.ndarray, lab: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        starts = rng.integers(0, (f.shape[1] - STAGE2_FRAMES) // data.STEP_FRAMES + 1, f.shape[0])
        xs = np.stack([f[i, s * 10 : s * 10 + STAGE2_FRAMES] for i, s in enumerate(starts)])
        ys = np.stack(
            [lab[i, s : s + STAGE2_FRAMES // 10].max(axis=0) for i, s in enumerate(starts)]
        )
        return xs, ys

    rng = np.random.default_rng(3)
    xw, yw = windows(np.concatenate([x, x]), np.concatenate([y, y]), rng)
    xvw, yvw = windows(xv, yv, rng)
    mean, std = x.mean(axis=(0, 1)), x.std(axis=(0, 1)) + 1e-3
    model = build_stage2(mean, std)
    model.compile(tf.keras.optimizers.Adam(1e-3), loss=_weighted_bce(2.0))
    model.fit(xw, yw, batch_size=64, epochs=args.epochs, validation_data=(xvw, yvw), verbose=2)
    pv = model.predict(xvw, verbose=0)
    meta = {
        "sounds": list(SOUND_TYPES),
        "thresholds": _thresholds(pv, yvw),
        "window_frames": STAGE2_FRAMES,
    }
    print("thresholds", meta["thresholds"])
    from tensorflow import keras

    named = keras.Model(model.inputs, {"scores": model.outputs[0]})
    _export(named, "sound_stage2", meta, {"logmel": xvw[:1]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("stage", choices=["stage1", "stage2"])
    parser.add_argument("--count", type=int, default=6000, help="training mixtures of 4 s")
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    {"stage1": train_stage1, "stage2": train_stage2}[args.stage](args)
    print(f"{args.stage}: trained and exported in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
