"""Regenerate the tiny random-weight test models in ``tests/engine/fixtures/``.

Run from the repository root in the training environment::

    .venv-models/bin/python -m models.common.make_fixture

Writes, per model, ``NAME.tflite`` + ``NAME.npz`` (via :func:`export_model`)
and ``NAME_keras.npz`` (inputs and the Keras outputs for them), so the test
suite can check the numpy runtime against Keras itself without TensorFlow and
against LiteRT where that is installed. Together they stay well under 50 KB.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from models.common.export import export_model, input_names

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "engine" / "fixtures"


def randomize_weights(model: Any, seed: int) -> None:
    """Random weights everywhere, including BatchNormalization statistics, so folding is tested."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        shape = tuple(weight.shape)
        leaf = weight.path.split("/")[-1]
        if leaf in ("moving_variance", "variance"):
            value = rng.uniform(0.5, 2.0, shape)
        elif leaf == "gamma":
            value = rng.uniform(0.5, 1.5, shape)
        else:
            value = rng.normal(0.0, 0.5, shape)
        weight.assign(value.astype(np.float32))


def tiny_stream() -> Any:
    """A streaming CRNN like sound stage 1: per-chunk conv front end, GRU with state, two heads."""
    import keras
    from keras import layers

    feats = keras.Input((4, 8), name="logmel")
    h_in = keras.Input((8,), name="gru_state")
    x = layers.Reshape((4, 8, 1))(feats)
    x = layers.Conv2D(4, (1, 3), padding="same", name="conv")(x)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.ReLU(name="relu")(x)
    x = layers.MaxPooling2D((1, 2), name="pool")(x)
    x = layers.Reshape((4, 16), name="frames")(x)
    x = layers.Dropout(0.2)(x)
    seq, h_out = layers.GRU(8, return_sequences=True, return_state=True, name="gru")(
        x, initial_state=h_in
    )
    smoke = layers.Dense(1, activation="sigmoid", name="smoke")(seq)
    dog = layers.Dense(1, activation="sigmoid", name="dog")(seq)
    return keras.Model([feats, h_in], {"smoke": smoke, "dog": dog, "gru_state_out": h_out})


def tiny_conv() -> Any:
    """A small classifier exercising the remaining layer types, including an LSTM branch."""
    import keras
    from keras import layers

    spec = keras.Input((16, 12, 1), name="doppler")
    x = layers.Conv2D(4, 3, strides=2, padding="same", name="c1")(spec)
    x = layers.BatchNormalization(name="bn1")(x)
    x = layers.Activation("relu", name="act1")(x)
    y = layers.SeparableConv2D(6, 3, padding="same", name="sep")(x)
    y = layers.BatchNormalization(name="bn2")(y)
    y = layers.ReLU(6.0, name="relu6")(y)
    y = layers.AveragePooling2D(2, padding="same", name="avg")(y)
    z = layers.DepthwiseConv2D(3, padding="same", name="dw")(y)
    z = layers.LeakyReLU(0.1, name="leaky")(z)
    y = layers.Add(name="res")([y, z])
    y = layers.MaxPooling2D((2, 1), padding="same", name="maxp")(y)
    y = layers.GlobalAveragePooling2D(name="gap")(y)
    s = layers.Reshape((8, 24), name="seq")(x)
    s = layers.Conv1D(5, 3, padding="causal", dilation_rate=2, activation="tanh", name="c1d")(s)
    s = layers.AveragePooling1D(2, name="avg1d")(s)
    s = layers.LSTM(5, name="lstm")(s)
    g = layers.Permute((2, 1, 3), name="perm")(x)
    g = layers.GlobalMaxPooling2D(name="gmp")(g)
    h = layers.Concatenate(name="cat")([y, s, g])
    h = layers.Dense(6, activation="silu", name="hidden")(h)
    h = layers.Multiply(name="gate")([h, layers.Dense(6, activation="hard_sigmoid", name="g")(h)])
    out = layers.Dense(3, activation="softmax", name="motion")(h)
    return keras.Model(spec, {"motion": out})


def main() -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    for seed, (name, build) in enumerate((("tiny_stream", tiny_stream), ("tiny_conv", tiny_conv))):
        model = build()
        randomize_weights(model, seed)
        report = export_model(model, FIXTURES, name)
        print(report.summary())
        names = input_names(model)
        args = [rng.standard_normal((2, *t.shape[1:])).astype(np.float32) for t in model.inputs]
        feeds = dict(zip(names, args, strict=True))
        outputs = model(args if len(args) > 1 else args[0], training=False)
        np.savez_compressed(
            FIXTURES / f"{name}_keras.npz",
            **{f"in/{k}": v for k, v in feeds.items()},
            **{f"out/{k}": np.asarray(v) for k, v in outputs.items()},
        )


if __name__ == "__main__":
    main()
