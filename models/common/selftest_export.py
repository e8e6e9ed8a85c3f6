"""Export many small random Keras models and check Keras == numpy == TFLite for each.

Complements the unit tests (which cannot import TensorFlow): every supported
layer configuration goes through :func:`export_model`, whose parity check
raises on any disagreement. Run from the repository root::

    .venv-models/bin/python -m models.common.selftest_export

Prints one line per case and exits non-zero if any case fails.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from models.common.export import ExportError, ExportParityError, export_model
from models.common.make_fixture import randomize_weights


def _cases() -> dict[str, Callable[[], Any]]:
    import keras
    from keras import layers

    def conv1d_variants() -> Any:
        raw = keras.Input((17, 3), name="x")
        norm = layers.Normalization(name="norm")
        norm.adapt(np.random.default_rng(0).normal(-30.0, 8.0, (64, 17, 3)).astype(np.float32))
        x = layers.Rescaling(0.5, offset=0.25, name="rescale")(norm(raw))
        a = layers.Conv1D(4, 3, strides=2, padding="same", name="a")(x)
        b = layers.Conv1D(4, 4, padding="valid", dilation_rate=2, activation="relu6", name="b")(x)
        b = layers.MaxPooling1D(3, strides=2, padding="same", name="bp")(b)
        c = layers.Conv1D(4, 2, padding="same", use_bias=False, name="c")(x)
        c = layers.BatchNormalization(name="cbn")(c)
        c = layers.AveragePooling1D(3, strides=2, padding="same", name="cp")(c)
        return keras.Model(raw, {"a": a, "b": b, "c": c})

    def conv2d_variants() -> Any:
        x = keras.Input((9, 10, 2), name="x")
        a = layers.Conv2D(3, (3, 2), strides=(2, 1), padding="same", name="a")(x)
        a = layers.Activation("relu", name="a_act")(a)
        a = layers.BatchNormalization(name="a_bn")(a)  # after the activation: not foldable
        b = layers.DepthwiseConv2D(
            3, depth_multiplier=2, dilation_rate=2, padding="same", name="b"
        )(x)
        b = layers.BatchNormalization(name="b_bn")(b)  # folds into the depthwise kernel
        b = layers.AveragePooling2D(3, strides=2, padding="same", name="bp")(b)
        c = layers.SeparableConv2D(3, 3, strides=2, padding="valid", activation="tanh", name="c")(x)
        c = layers.GlobalMaxPooling2D(keepdims=True, name="cg")(c)
        return keras.Model(x, {"a": a, "b": b, "c": c})

    def recurrent_variants() -> Any:
        x = keras.Input((6, 5), name="x")
        h = keras.Input((4,), name="h")
        hl = keras.Input((3,), name="hl")
        cl = keras.Input((3,), name="cl")
        g = layers.GRU(4, reset_after=False, return_sequences=True, name="g")(x, initial_state=h)
        g2, g2h = layers.GRU(4, return_state=True, activation="relu", name="g2")(g)
        seq, lh, lc = layers.LSTM(3, return_sequences=True, return_state=True, name="l")(
            x, initial_state=[hl, cl]
        )
        p = layers.Softmax(axis=1, name="time_softmax")(seq)
        return keras.Model(
            [x, h, hl, cl], {"g2": g2, "g2h": g2h, "p": p, "hl_out": lh, "cl_out": lc}
        )

    def shared_layer_list_outputs() -> Any:
        x = keras.Input((8,), name="x")
        y = keras.Input((8,), name="y")
        shared = layers.Dense(5, activation="sigmoid", name="shared")
        s = layers.Add(name="sum")([shared(x), shared(y)])
        s = layers.ReLU(max_value=1.5, negative_slope=0.2, threshold=0.8, name="clip")(s)
        t = layers.Reshape((5, 1), name="r")(s)
        t = layers.ZeroPadding1D((2, 1), name="zp")(t)
        t = layers.Cropping1D((1, 0), name="crop")(t)
        u = layers.Reshape((1, 5, 1), name="r2")(shared(x))
        u = layers.ZeroPadding2D(((1, 0), (2, 1)), name="zp2")(u)
        u = layers.Cropping2D(((0, 1), (1, 2)), name="crop2")(u)
        m = [layers.Dense(5, name=f"m{i}")(y) for i in range(3)]
        merged = layers.Subtract(name="sub")([m[0], m[1]])
        merged = layers.Average(name="avg")([merged, m[2], s])
        merged = layers.Maximum(name="max")([merged, m[1]])
        merged = layers.Minimum(name="min")([merged, m[0], s])
        t = layers.Flatten(name="f")(t)
        return keras.Model([x, y], [t, layers.Dense(2, name="e")(s), u, merged])

    def time_distributed() -> Any:
        x = keras.Input((30, 40), name="x")
        t = layers.Reshape((3, 10, 40), name="steps")(x)
        t = layers.TimeDistributed(layers.Conv1D(8, 3, activation="relu"), name="c1")(t)
        t = layers.TimeDistributed(layers.MaxPooling1D(2), name="p1")(t)
        t = layers.TimeDistributed(layers.GlobalMaxPooling1D(), name="g1")(t)
        t = layers.GRU(6, return_sequences=True, unroll=True, name="gru")(t)
        return keras.Model(x, {"y": layers.TimeDistributed(layers.Dense(2), name="d")(t)})

    def sequential() -> Any:
        return keras.Sequential(
            [
                keras.Input((12, 4)),
                layers.Conv1D(6, 3, activation="relu", name="c"),
                layers.Dropout(0.5),
                layers.GlobalAveragePooling1D(name="g"),
                layers.Dense(3, activation="softmax", name="out"),
            ]
        )

    return {
        "conv1d": conv1d_variants,
        "conv2d": conv2d_variants,
        "recurrent": recurrent_variants,
        "shared": shared_layer_list_outputs,
        "time_distributed": time_distributed,
        "sequential": sequential,
    }


def _nested_is_rejected() -> bool:
    import keras
    from keras import layers

    inner = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    x = keras.Input((4,), name="x")
    model = keras.Model(x, inner(x))
    with tempfile.TemporaryDirectory() as tmp:
        try:
            export_model(model, tmp, "nested")
        except ExportError as err:
            print(f"nested: rejected as expected ({err})")
            return True
    print("nested: FAILED, was not rejected")
    return False


def _parity_check_can_fail() -> bool:
    """With zero tolerance round-off alone must trip the check (it is not a tautology)."""
    model = _cases()["conv2d"]()
    randomize_weights(model, 0)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            export_model(model, tmp, "strict", atol=0.0, rtol=0.0)
        except ExportParityError:
            print("zero tolerance: parity error raised as expected")
            return True
    print("zero tolerance: FAILED, no parity error")
    return False


def main() -> None:
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed, (name, build) in enumerate(_cases().items()):
            model = build()
            randomize_weights(model, seed)
            try:
                report = export_model(model, tmp, name)
            except Exception as err:  # report every case, then fail
                failures += 1
                print(f"{name}: FAILED {type(err).__name__}: {err}")
                continue
            worst = max(report.max_abs_diff.values())
            print(f"{name}: ok, {report.macs_per_inference} MACs, max |diff| {worst:.2e}")
    failures += 0 if _nested_is_rejected() else 1
    failures += 0 if _parity_check_can_fail() else 1
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
