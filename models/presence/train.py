"""Train and export the presence classifier: ``models/presence/train``.

1. Render a randomized training pool of simulated scenes (walks, seated work,
   empty rooms with fans/curtains/pets/music/interferers) and train a seed model.
2. Run the seed model over a larger, freshly randomized mining pool; keep the
   windows it gets wrong (false alarms on non-human motion and music, missed
   walks and small motions) and their neighbours.
3. Retrain on training pool + mined hard cases, ``--members`` times (default 3, seeds
   10 apart, side by side on the cores), and export their average as one network,
   ``presence.tflite`` and ``presence.npz`` (exact numpy path, parity-checked), to
   custom_components/earshot/models/. Trainings that differ only by seed disagree on
   rooms they never saw; their mean is steadier than any one of them.
4. Train the verifier (second stage, three seconds of the same inputs) on the
   averaged model's proposals: every frame of the training and mining pools, plus a
   pool of extra motion-free rooms, where the model's motion probability reaches
   PROPOSAL_P; person moving or not; ``--members`` times, averaged the same way.
   Export ``presence_verifier.{tflite,npz}`` and write models/.cache/presence/train.json.

Options for experiments (the defaults write the shipped files): ``--augment-copies``
(feature-domain augmentation, augment.py), ``--scene-s`` with ``--train-scenes`` /
``--mine-scenes`` (more, shorter scenes), ``--epochs`` / ``--verifier-epochs``,
``--weight-decay`` (L2 on every convolution and dense kernel of both networks),
``--weight-average``, ``--seed``, ``--members`` and ``--input-noise-db`` (default 3 dB
since 2026-12-07: a GaussianNoise input layer on both networks, training only: identity
at inference, and the exporter drops it, so the exported files run the same graph).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import time
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from earshot_engine.presence.classifier import (
    CLASSES,
    CONTEXT_FRAMES,
    FEATURE_SCALE_DB,
    INPUT_NAME,
    N_INPUTS,
    OUTPUT_NAME,
    VERIFIER_CONTEXT_FRAMES,
    VERIFIER_OUTPUT_NAME,
    frame_inputs,
    has_evidence,
)
from models.presence.augment import augmented_copies
from models.presence.data import IGNORE, VALIDATION_FIRST, Job, SceneData, make_job
from models.presence.pool import CACHE, Renderer, render_pool

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "custom_components" / "earshot" / "models"
MODEL_NAME = "presence"
VERIFIER_NAME = "presence_verifier"
HARD_MARGIN = 0.35
"""Motion probability that makes a motion-free window a false alarm (1 - this: a miss)."""
PROPOSAL_P = 0.2
"""Motion probability (major, or major + minor) that makes a frame a verifier example:
looser than any operating point, so the verifier sees every kind of proposal."""
QUIET_FIRST = 400
"""Mining-split index of the verifier's extra motion-free rooms (past the validation
scenes 240..359 that ``tune`` uses; 400..759 with the default 360)."""
QUIET_PROPOSAL_STRIDE = 2
"""The verifier learns from every second proposal in the motion-free rooms: neighbouring
frames' three-second windows are nearly the same, so more rooms at half the examples each
teach it more pets, fans and vacuums for the same training time."""
MEMBER_SEED_STEP = 10
"""Seed distance between the members of an averaged network (``--members``)."""
MORE_MINING_FIRST = 1000
"""Mining-split index of mining scenes past the first VALIDATION_FIRST (240..359 are
validation, 400..759 the quiet rooms, 5000.. and 6000.. validation people)."""


def mining_index(i: int) -> int:
    """Split index of the i-th mining scene, skipping the indices reserved above."""
    return i if i < VALIDATION_FIRST else MORE_MINING_FIRST + i - VALIDATION_FIRST


def windows_of(data: SceneData, stride: int = 1, frames: int = CONTEXT_FRAMES) -> np.ndarray:
    """(N, frames, N_INPUTS) model inputs ending at every ``stride``-th frame.

    The stream starts with an all-zero context, exactly as MotionClassifier.reset leaves it.
    """
    inputs = frame_inputs(data.features, data.carrier_db)
    padded = np.concatenate([np.zeros((frames - 1, N_INPUTS), dtype=np.float32), inputs])
    view = np.lib.stride_tricks.sliding_window_view(padded, (frames, N_INPUTS))[:, 0]
    return np.ascontiguousarray(view[::stride])


def window_labels(data: SceneData, x: np.ndarray, stride: int = 1) -> np.ndarray:
    """Labels of the last frames of a scene's windows ``x`` (``windows_of(data, stride)``).

    Frames the detector does not trust (no usable carrier, clipping, start-up) carry
    no evidence either way, so they are not learned from.
    """
    labels = np.where(data.trusted, data.labels, IGNORE)[::stride]
    # Motion the echo does not show (a hand jiggling far away, below the noise) cannot be
    # learned; teaching it would make noise look like motion. At run time such windows
    # never reach the network (has_evidence).
    return np.where(np.isin(labels, (1, 2)) & ~has_evidence(x), IGNORE, labels)


def windows(data: SceneData, stride: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Model inputs of a scene and the labels of their last frames."""
    x = windows_of(data, stride)
    return x, window_labels(data, x, stride)


def dataset(pool: list[SceneData], stride: int = 2) -> tuple[np.ndarray, np.ndarray]:
    parts = [windows(d, stride) for d in pool]
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    keep = y != IGNORE
    return x[keep], y[keep]


def class_counts(y: np.ndarray) -> dict[str, int]:
    return {c: int(n) for c, n in zip(CLASSES, np.bincount(y, minlength=len(CLASSES)), strict=True)}


@dataclass(frozen=True, slots=True)
class Regularization:
    """Training-only regularization of both networks beyond their dropout (default: none)."""

    weight_decay: float = 0.0
    """L2 factor on every convolution and dense kernel (added to the loss)."""
    input_noise_db: float = 0.0
    """Standard deviation of the Gaussian noise added to every input in training, in dB."""
    weight_average: float = 0.0
    """Momentum of the moving average of the weights that is kept at the end of training
    (0: the last step's weights). Averaging over the last few epochs damps the step-to-step
    noise that otherwise decides which of many equally good weight sets gets shipped."""

    def optimizer(self):  # type: ignore[no-untyped-def]
        import keras

        if not self.weight_average:
            return keras.optimizers.Adam(2e-3)
        return keras.optimizers.Adam(2e-3, use_ema=True, ema_momentum=self.weight_average)

    def kernel(self):  # type: ignore[no-untyped-def]
        import keras

        return keras.regularizers.L2(self.weight_decay) if self.weight_decay else None

    def inputs(self, inp, prefix: str = ""):  # type: ignore[no-untyped-def]
        """The input, noisy in training (GaussianNoise: identity at inference)."""
        import keras

        if not self.input_noise_db:
            return inp
        noise = keras.layers.GaussianNoise(
            self.input_noise_db / FEATURE_SCALE_DB, name=f"{prefix}noise"
        )
        return noise(inp)


def classifier_output(inp, reg: Regularization, prefix: str = ""):  # type: ignore[no-untyped-def]
    """The classifier's layers; ``prefix`` names them apart when several share one graph."""
    import keras

    conv = functools.partial(
        keras.layers.Conv1D, 48, 3, activation="relu", kernel_regularizer=reg.kernel()
    )
    x = conv(name=f"{prefix}conv1")(reg.inputs(inp, prefix))
    x = conv(dilation_rate=2, name=f"{prefix}conv2")(x)
    x = conv(dilation_rate=4, name=f"{prefix}conv3")(x)
    return pooled_head(x, len(CLASSES), f"{prefix}{OUTPUT_NAME}", reg, prefix)


def build_model(reg: Regularization):  # type: ignore[no-untyped-def]
    import keras

    inp = keras.Input((CONTEXT_FRAMES, N_INPUTS), name=INPUT_NAME)
    return keras.Model(inp, {OUTPUT_NAME: classifier_output(inp, reg)}, name=MODEL_NAME)


def pooled_head(x, classes: int, name: str, reg: Regularization, prefix: str = ""):  # type: ignore[no-untyped-def]
    """Max and mean over time, a small dense layer, softmax (both networks end this way)."""
    import keras

    pooled = keras.layers.Concatenate(name=f"{prefix}pool")(
        [
            keras.layers.GlobalMaxPooling1D(name=f"{prefix}maxpool")(x),
            keras.layers.GlobalAveragePooling1D(name=f"{prefix}avgpool")(x),
        ]
    )
    x = keras.layers.Dropout(0.2)(pooled)
    x = keras.layers.Dense(
        32, activation="relu", name=f"{prefix}dense", kernel_regularizer=reg.kernel()
    )(x)
    return keras.layers.Dense(
        classes, activation="softmax", name=name, kernel_regularizer=reg.kernel()
    )(x)


def averaged(members, network, output: str, name: str, frames: int):  # type: ignore[no-untyped-def]
    """One model whose output is the mean of its members' (trainings that differ only by
    seed: the mean damps the training noise that otherwise decides a model's false alarms).

    ``network(inp, reg, prefix)`` rebuilds a member's layers; the weights are copied over.
    """
    import keras

    if len(members) == 1:
        return members[0]
    inp = keras.Input((frames, N_INPUTS), name=INPUT_NAME)
    outputs = [network(inp, Regularization(), f"m{i}_") for i in range(len(members))]
    model = keras.Model(inp, {output: keras.layers.Average(name=output)(outputs)}, name=name)
    for i, member in enumerate(members):
        for layer in member.layers:
            if layer.weights:
                model.get_layer(f"m{i}_{layer.name}").set_weights(layer.get_weights())
    return model


def make_deterministic() -> None:
    """Same data, same command -> the same weights, whatever the machine's core count.

    One thread per op (thread counts change how sums are split, and so the rounding)
    and TensorFlow's deterministic kernels; seeds are set per model in ``fit``. CPUs with
    other vector instructions may still round differently.
    """
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.experimental.enable_op_determinism()


def verifier_output(inp, reg: Regularization, prefix: str = ""):  # type: ignore[no-untyped-def]
    """Three seconds in; the first convolution strides by two to keep the cost down."""
    import keras

    conv = functools.partial(
        keras.layers.Conv1D, 32, 3, activation="relu", kernel_regularizer=reg.kernel()
    )
    x = conv(strides=2, name=f"{prefix}conv1")(reg.inputs(inp, prefix))
    x = conv(name=f"{prefix}conv2")(x)
    x = conv(dilation_rate=2, name=f"{prefix}conv3")(x)
    x = conv(dilation_rate=4, name=f"{prefix}conv4")(x)
    return pooled_head(x, 2, f"{prefix}{VERIFIER_OUTPUT_NAME}", reg, prefix)


def build_verifier(reg: Regularization):  # type: ignore[no-untyped-def]
    import keras

    inp = keras.Input((VERIFIER_CONTEXT_FRAMES, N_INPUTS), name=INPUT_NAME)
    return keras.Model(inp, {VERIFIER_OUTPUT_NAME: verifier_output(inp, reg)}, name=VERIFIER_NAME)


def balanced_weights(y: np.ndarray, classes: int) -> np.ndarray:
    """Per-example weights that give every class the same total weight."""
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    return counts.sum() / (classes * np.maximum(counts, 1.0))


def fit(  # type: ignore[no-untyped-def]
    build,
    output: str,
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    epochs: int,
    seed: int,
    reg: Regularization,
):
    import keras

    keras.utils.set_random_seed(seed)
    model = build()
    model.compile(
        optimizer=reg.optimizer(),
        loss={output: "sparse_categorical_crossentropy"},
        metrics={output: "accuracy"},
    )
    model.fit(
        x,
        {output: y},
        sample_weight=weights.astype(np.float32),
        epochs=epochs,
        batch_size=256,
        shuffle=True,
        verbose=2,
    )
    return model


def with_augmented(
    x: np.ndarray, y: np.ndarray, motion_labels: tuple[int, ...], copies: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The examples plus ``copies`` augmented versions (models/presence/augment.py).

    Motion (``motion_labels``) that a weakened echo no longer shows in the last second is
    dropped, as in ``windows``.
    """
    if copies == 0:
        return x, y
    xa = augmented_copies(x, copies, seed)
    ya = np.tile(y, copies)
    keep = ~(np.isin(ya, motion_labels) & ~has_evidence(xa[:, -CONTEXT_FRAMES:]))
    return np.concatenate([x, xa[keep]]), np.concatenate([y, ya[keep]])


def fit_classifier(  # type: ignore[no-untyped-def]
    x: np.ndarray, y: np.ndarray, epochs: int, seed: int, copies: int, reg: Regularization
):
    x, y = with_augmented(x, y, (1, 2), copies, seed)
    class_weight = balanced_weights(y, len(CLASSES))
    # False alarms cost more than a slightly later detection: weigh 'none'/'nonhuman' up.
    class_weight[[0, 3]] *= 1.5
    return fit(
        functools.partial(build_model, reg), OUTPUT_NAME, x, y, class_weight[y], epochs, seed, reg
    )


@dataclass(frozen=True, slots=True)
class Member:
    """What one member of an averaged network trains on (its seed: ``seed`` for the first
    member, MEMBER_SEED_STEP more for each next one)."""

    network: str
    """"classifier" or "verifier"."""
    x: np.ndarray
    y: np.ndarray
    epochs: int
    seed: int
    augment_copies: int
    reg: Regularization

    def train(self, index: int):  # type: ignore[no-untyped-def]
        seed = self.seed + MEMBER_SEED_STEP * index
        if self.network == "classifier":
            return fit_classifier(self.x, self.y, self.epochs, seed, self.augment_copies, self.reg)
        return fit(
            functools.partial(build_verifier, self.reg),
            VERIFIER_OUTPUT_NAME,
            self.x,
            self.y,
            balanced_weights(self.y, 2)[self.y],
            self.epochs,
            seed,
            self.reg,
        )

    def build(self):  # type: ignore[no-untyped-def]
        return (build_model if self.network == "classifier" else build_verifier)(self.reg)


def _train_in_worker(member: Member, index: int) -> list[np.ndarray]:
    make_deterministic()
    return list(member.train(index).get_weights())


def train_members(member: Member, count: int, workers: int | None):  # type: ignore[no-untyped-def]
    """``count`` trainings of one network, differing only by seed.

    They run side by side in fresh (spawned) processes, all at once unless ``workers``
    caps them: three on two cores keep both busy, where two and then one left a core idle
    for a third of the time. Each trains single-threaded from its own seed, so its
    weights do not depend on where or beside what it ran.
    """
    if count == 1:
        return [member.train(0)]
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    processes = min(count, workers or count)
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        weights = list(pool.map(_train_in_worker, [member] * count, range(count)))
    models = []
    for w in weights:
        model = member.build()
        model.set_weights(w)
        models.append(model)
    return models


def predicted(model, pool: list[SceneData], scenes_per_call: int = 64):  # type: ignore[no-untyped-def]
    """(inputs, classifier output) at every frame of each scene of the pool.

    One ``predict`` call per group of scenes: with one call per scene, Keras's per-call
    set-up took four fifths of the time (the outputs are the same either way).
    """
    for start in range(0, len(pool), scenes_per_call):
        xs = [windows_of(data) for data in pool[start : start + scenes_per_call]]
        p = model.predict(np.concatenate(xs), batch_size=1024, verbose=0)[OUTPUT_NAME]
        yield from zip(xs, np.split(p, np.cumsum([len(x) for x in xs])[:-1]), strict=True)


def proposals(model, pool: list[SceneData], every: int = 1) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Verifier examples: three-second windows at the classifier's proposals, labelled
    1 where a person moves (walking or seated motion), 0 where nobody does; every
    ``every``-th of them, counted over the whole pool."""
    xs, ys = [], []
    for data, (x, p) in zip(pool, predicted(model, pool), strict=True):
        p[~has_evidence(x)] = (1.0, 0.0, 0.0, 0.0)
        labels = np.where(data.trusted, data.labels, IGNORE)
        proposed = (p[:, 1] >= PROPOSAL_P) | (p[:, 1] + p[:, 2] >= PROPOSAL_P)
        keep = proposed & (labels != IGNORE)
        xs.append(windows_of(data, frames=VERIFIER_CONTEXT_FRAMES)[keep])
        ys.append(np.isin(labels[keep], (1, 2)).astype(np.int64))
    return np.concatenate(xs)[::every], np.concatenate(ys)[::every]


def hard_cases(model, pool: list[SceneData]) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Windows of the mining pool the model gets wrong, with their neighbours."""
    xs, ys = [], []
    for data, (x, p) in zip(pool, predicted(model, pool), strict=True):
        y = window_labels(data, x)
        valid = y != IGNORE
        human = p[:, 1] + p[:, 2]
        # Only mistakes that change a decision: motion claimed in a motion-free window, or
        # human motion (walking: major) not recognised. none <-> nonhuman does not matter.
        false_alarm = np.isin(y, (0, 3)) & (human > HARD_MARGIN)
        missed = ((y == 2) & (human < 1.0 - HARD_MARGIN)) | ((y == 1) & (p[:, 1] < 0.5))
        wrong = valid & (false_alarm | missed)
        near = np.convolve(wrong.astype(float), np.ones(5), mode="same") > 0
        near &= valid
        xs.append(x[near])
        ys.append(y[near])
    return np.concatenate(xs), np.concatenate(ys)


def export(model, out_dir: Path, name: str, example: np.ndarray) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Write ``name``.tflite/.npz (parity-checked) and return the figures the log keeps."""
    from models.common.export import export_model

    report = export_model(model, out_dir, name, representative_input={INPUT_NAME: example})
    print(report.summary())
    return {"macs_per_inference": report.macs_per_inference, "max_abs_diff": report.max_abs_diff}


def train_classifier(  # type: ignore[no-untyped-def]
    train_pool: list[SceneData],
    mine_later: AsyncResult[list[SceneData]],
    args: argparse.Namespace,
    reg: Regularization,
    log: dict[str, object],
    started: float,
):
    """Steps 1-3 of the recipe: the seed model, mining, the exported averaged classifier.

    The mining pool may still be rendering while the seed model trains.
    """
    x, y = dataset(train_pool)
    log["train_windows"] = class_counts(y)
    print(
        f"[{time.monotonic() - started:6.0f}s] training pool: {len(y)} windows",
        log["train_windows"],
    )
    seed_model = fit_classifier(
        x, y, args.epochs, seed=args.seed, copies=args.augment_copies, reg=reg
    )
    print(f"[{time.monotonic() - started:6.0f}s] seed model trained")

    hx, hy = hard_cases(seed_model, mine_later.get())
    log["hard_windows"] = class_counts(hy)
    print(
        f"[{time.monotonic() - started:6.0f}s] mined {len(hy)} hard windows {log['hard_windows']}"
    )
    members = train_members(
        Member(
            "classifier",
            np.concatenate([x, hx]),
            np.concatenate([y, hy]),
            args.epochs,
            args.seed + 1,
            args.augment_copies,
            reg,
        ),
        args.members,
        args.workers,
    )
    model = averaged(members, classifier_output, OUTPUT_NAME, MODEL_NAME, CONTEXT_FRAMES)
    log["members"] = args.members
    log |= export(model, args.out_dir, MODEL_NAME, x[:1])
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-scenes", type=int, default=240)
    parser.add_argument("--mine-scenes", type=int, default=240)
    parser.add_argument(
        "--quiet-scenes",
        type=int,
        default=360,
        help="extra motion-free 60 s rooms (empty/busy) for the verifier's negatives",
    )
    parser.add_argument(
        "--scene-s", type=float, default=30.0, help="length of training and mining scenes"
    )
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--verifier-epochs", type=int, default=20)
    parser.add_argument(
        "--augment-copies",
        type=int,
        default=0,
        help="augmented versions of every training window (models/presence/augment.py)",
    )
    parser.add_argument(
        "--weight-decay",
        type=float,
        default=0.0,
        help="L2 factor on the convolution and dense kernels of both networks",
    )
    parser.add_argument(
        "--input-noise-db",
        type=float,
        default=3.0,
        help="std of Gaussian noise on every input in training (both networks), dB",
    )
    parser.add_argument(
        "--weight-average",
        type=float,
        default=0.0,
        help="momentum of the moving average of the weights kept at the end (0: last weights)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        help="seed of the seed model; the final model and the verifier use the next two",
    )
    parser.add_argument(
        "--members",
        type=int,
        default=3,
        help="trainings (seeds) averaged in each exported network, after one shared mining",
    )
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args()
    started = time.monotonic()
    reg = Regularization(args.weight_decay, args.input_noise_db, args.weight_average)
    log: dict[str, object] = {
        "weight_decay": reg.weight_decay,
        "input_noise_db": reg.input_noise_db,
        "weight_average": reg.weight_average,
    }

    # Render both pools before TensorFlow starts its thread pools (workers are forked).
    train_jobs: list[Job] = [
        make_job("train", i, duration_s=args.scene_s) for i in range(args.train_scenes)
    ]
    mine_jobs = [
        make_job("mine", mining_index(i), duration_s=args.scene_s) for i in range(args.mine_scenes)
    ]
    quiet_jobs = [
        make_job("mine", QUIET_FIRST + i, kind="busy" if i % 2 else "empty")
        for i in range(args.quiet_scenes)
    ]
    train_pool = render_pool(train_jobs, args.workers)
    print(f"[{time.monotonic() - started:6.0f}s] rendered {len(train_jobs)} training scenes")
    # The other pools render while the seed model and the classifier train.
    with Renderer(args.workers) as renderer:
        mine_later = renderer.start(mine_jobs)
        quiet_later = renderer.start(quiet_jobs)
        make_deterministic()
        model = train_classifier(train_pool, mine_later, args, reg, log, started)
        mine_pool, quiet_pool = mine_later.get(), quiet_later.get()

    vx, vy = proposals(model, train_pool + mine_pool)
    qx, qy = proposals(model, quiet_pool, every=QUIET_PROPOSAL_STRIDE)
    vx, vy = np.concatenate([vx, qx]), np.concatenate([vy, qy])
    del qx, qy
    vx, vy = with_augmented(vx, vy, (1,), args.augment_copies, seed=args.seed + 2)
    log["verifier_windows"] = {"other": int(np.sum(vy == 0)), "person": int(np.sum(vy == 1))}
    print(f"[{time.monotonic() - started:6.0f}s] verifier examples {log['verifier_windows']}")
    verifiers = train_members(
        Member("verifier", vx, vy, args.verifier_epochs, args.seed + 2, 0, reg),
        args.members,
        args.workers,
    )
    verifier = averaged(
        verifiers, verifier_output, VERIFIER_OUTPUT_NAME, VERIFIER_NAME, VERIFIER_CONTEXT_FRAMES
    )
    log |= {
        f"verifier_{k}": v for k, v in export(verifier, args.out_dir, VERIFIER_NAME, vx[:1]).items()
    }
    log["augment_copies"] = args.augment_copies
    log["train_scene_seconds"] = sum(j.duration_s for j in train_jobs)
    log["mine_scene_seconds"] = sum(j.duration_s for j in mine_jobs)
    log["quiet_scene_seconds"] = sum(j.duration_s for j in quiet_jobs)
    log["wall_s"] = round(time.monotonic() - started, 1)
    usage = os.times()
    log["cpu_s"] = round(usage.user + usage.system + usage.children_user + usage.children_system, 1)
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "train.json").write_text(json.dumps(log, indent=2))
    print(f"[{time.monotonic() - started:6.0f}s] done: {json.dumps(log)}")


if __name__ == "__main__":
    main()
