"""Export a trained Keras model as the two files Earshot ships: ``NAME.tflite`` + ``NAME.npz``.

Training side only (imports TensorFlow); the run-time side is
``custom_components/earshot/engine/inference.py`` (numpy only, LiteRT optional).

How to ship a model
-------------------
1. Build a Keras 3 *functional* model (a ``Sequential`` works too) from the
   supported layers below. Name the ``keras.Input`` layers and give the outputs
   as a dict (``keras.Model(inputs, {"smoke": s, "dog": d})``): those names are
   the keys of ``Model.run``'s input and output dicts at run time.
2. Give every input a static shape (batch excepted), or pass ``input_shapes``.
3. After training call::

       from models.common.export import export_model
       report = export_model(model, "custom_components/earshot/models", "sound_stage1")
       print(report.summary())

   It converts to float32 TFLite, builds the numpy spec, runs Keras, numpy and
   TFLite on random inputs (plus ``representative_input`` if given) and raises
   :class:`ExportParityError` unless all agree; only then are files written.
4. At run time::

       model = load_model(models_dir / "sound_stage1")           # LiteRT or numpy
       out = model.run({"logmel": x})                              # dict of outputs

   and add a parity test with ``inference.assert_backends_agree``.

Streaming recurrent models
--------------------------
For a stage that runs one ~100 ms chunk at a time, make the recurrent state an
explicit input and output::

    feats = keras.Input((10, 64), name="logmel")
    h_in = keras.Input((32,), name="gru_state")
    seq, h_out = keras.layers.GRU(32, return_sequences=True, return_state=True,
                                  name="gru")(trunk(feats), initial_state=h_in)
    model = keras.Model([feats, h_in], {"smoke": head(seq), "gru_state_out": h_out})

Train with the normal (stateless) model, then build this streaming twin with
the same layers/weights and export it. The exporter pairs ``gru_state`` with
``gru_state_out`` automatically (or pass ``states={"gru_state": "gru_state_out"}``);
at run time ``StreamingModel(load_model(...))`` feeds the state back and
``reset()`` zeroes it. Convolutions in the front end must then see only the
current chunk (e.g. per-frame convs over frequency), or the caller keeps the
needed context frames itself.

Supported layers
----------------
InputLayer, Dense, Conv1D (valid/same/causal), Conv2D, DepthwiseConv2D,
SeparableConv2D, BatchNormalization (folded into the preceding conv/dense when
possible), Normalization and Rescaling (last axis), Activation / ReLU /
LeakyReLU / Softmax (linear, relu, relu6, sigmoid, hard_sigmoid, tanh,
silu/swish, softmax), MaxPooling1D/2D,
AveragePooling1D/2D, GlobalAverage/MaxPooling1D/2D, Flatten, Reshape, Permute,
ZeroPadding1D/2D, Cropping1D/2D, Concatenate, Add, Subtract, Multiply, Average,
Maximum, Minimum, GRU (``reset_after`` either way), LSTM,
TimeDistributed (around a single non-recurrent layer), and
Dropout / SpatialDropout / GaussianNoise (dropped). All channels-last, float32.
Anything else fails the export with the layer's name.

Spec format (JSON, stored as uint8 bytes under ``__spec__`` in the npz)
---------------------------------------------------------------------
::

    {"format": "earshot-nn", "version": 1, "name": "sound_stage1",
     "inputs":  [{"name": "logmel", "shape": [null, 10, 64]}, ...],
     "outputs": [{"name": "smoke", "tensor": "smoke:0:0"}, ...],
     "states":  [{"input": "gru_state", "output": "gru_state_out"}],
     "tflite":  {"inputs": [...names in .tflite input order...],
                 "outputs": [...names in .tflite output order...],
                 "sha256": "...digest of NAME.tflite..."},
     "nodes": [{"name": "conv1", "op": "conv2d",
                "inputs": ["logmel"], "outputs": ["conv1:0:0"],
                "attrs": {"strides": [1, 1], "padding": "same",
                          "dilation": [1, 1], "activation": "relu"},
                "weights": {"kernel": "conv1/kernel", "bias": "conv1/bias"}}, ...]}

Nodes are in execution order; a tensor is named ``layer:node_index:tensor_index``
(model inputs by their input name). The other npz keys are the float32 weights
referenced by ``weights``. Ops and attrs: ``dense`` (activation), ``conv1d``
(stride, padding, dilation, activation), ``conv2d``/``depthwise_conv2d``
(strides, padding, dilation, activation), ``scale_shift`` (weights scale,
shift), ``activation`` (activation, axis for softmax), ``relu`` (max_value,
negative_slope, threshold), ``max_pool1d``/``avg_pool1d`` (pool, stride,
padding), ``max_pool2d``/``avg_pool2d`` (pool, strides, padding),
``global_avg_pool``/``global_max_pool`` (keepdims), ``flatten``, ``reshape``
(shape), ``permute`` (dims), ``zero_pad`` (pads), ``crop`` (crops),
``concatenate`` (axis), ``add``/``subtract``/``multiply``/``average``/
``maximum``/``minimum``,
``gru`` (units, reset_after, activation, recurrent_activation,
return_sequences, return_state; inputs x[, h0]; outputs out[, h]), ``lstm``
(same without reset_after; inputs x[, h0, c0]; outputs out[, h, c]) and
``time_distributed`` (node: the inner node, whose weights are the outer node's).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from earshot_engine.inference import (
    SPEC_FORMAT,
    SPEC_VERSION,
    ModelSpec,
    NumpyModel,
    litert_interpreter_class,
    write_npz_model,
)
from earshot_engine.nn import batch_norm_scale_shift

DROPPED_LAYERS = {
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "ActivityRegularization",
}
FOLDABLE_OPS = {"dense", "conv1d", "conv2d", "depthwise_conv2d"}


class ExportError(Exception):
    """The model uses something the numpy runtime cannot reproduce."""


class ExportParityError(ExportError):
    """Keras, numpy and TFLite outputs disagree; nothing was written."""


@dataclass
class ExportReport:
    """What was written and how closely the backends agreed."""

    name: str
    tflite_path: Path
    npz_path: Path
    max_abs_diff: dict[str, float]
    """Largest |numpy - keras| and |tflite - keras| per output, over all checks."""
    macs_per_inference: int
    macs_per_node: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """Human-readable lines for logs and model cards."""
        lines = [
            f"model {self.name}: {self.tflite_path.stat().st_size} B tflite, "
            f"{self.npz_path.stat().st_size} B npz, {self.macs_per_inference} MACs per inference"
        ]
        lines += [f"  max |diff| {k}: {v:.2e}" for k, v in self.max_abs_diff.items()]
        return "\n".join(lines)


# --- Keras config -> spec -------------------------------------------------------


def _refs(obj: Any) -> list[tuple[str, int, int]]:
    """Keras tensor references (layer, node, tensor) inside a serialized call argument."""
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            layer, node, tensor = obj["config"]["keras_history"]
            return [(str(layer), int(node), int(tensor))]
        return [r for v in obj.values() for r in _refs(v)]
    if isinstance(obj, list | tuple):
        return [r for v in obj for r in _refs(v)]
    return []


def _layer_refs(value: Any) -> list[list[Any]]:
    """``input_layers``/``output_layers`` of a config: a single ref is not wrapped in a list."""
    return [value] if value and isinstance(value[0], str) else list(value)


def input_names(keras_model: Any) -> list[str]:
    """Names of a functional model's inputs, in the order of ``model.inputs``."""
    return [str(ref[0]) for ref in _layer_refs(keras_model.get_config()["input_layers"])]


def _tensor_name(ref: tuple[str, int, int], input_names: Mapping[str, str]) -> str:
    layer, node, tensor = ref
    if layer in input_names:
        return input_names[layer]
    return f"{layer}:{node}:{tensor}"


def _activation_name(value: Any, layer: str) -> str:
    if not isinstance(value, str):
        raise ExportError(f"layer {layer}: only named activations are supported, got {value!r}")
    name = {"swish": "silu"}.get(value, value)
    if name not in {
        "linear",
        "relu",
        "relu6",
        "sigmoid",
        "hard_sigmoid",
        "tanh",
        "silu",
        "softmax",
    }:
        raise ExportError(f"layer {layer}: unsupported activation {value!r}")
    return name


class _Builder:
    """Accumulates spec nodes and weights while walking the Keras layers."""

    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.weights: dict[str, np.ndarray] = {}
        self.alias: dict[str, str] = {}

    def resolve(self, name: str) -> str:
        while name in self.alias:
            name = self.alias[name]
        return name

    def add(
        self,
        name: str,
        op: str,
        inputs: Sequence[str],
        outputs: Sequence[str],
        attrs: Mapping[str, Any] | None = None,
        weights: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        roles = {}
        for role, array in (weights or {}).items():
            key = f"{name}/{role}"
            self.weights[key] = np.asarray(array, dtype=np.float32)
            roles[role] = key
        self.nodes.append(
            {
                "name": name,
                "op": op,
                "inputs": [self.resolve(t) for t in inputs],
                "outputs": list(outputs),
                "attrs": dict(attrs or {}),
                "weights": roles,
            }
        )


def keras_epsilon() -> float:
    """Keras' fuzz factor (Normalization divides by at least this)."""
    import keras

    return float(keras.config.epsilon())


def _output_count(layer_cfg: Mapping[str, Any]) -> int:
    """Tensors one call of a layer returns: recurrent layers may add their states."""
    cfg = layer_cfg["config"]
    if layer_cfg["class_name"] in ("GRU", "LSTM") and cfg.get("return_state"):
        return 2 if layer_cfg["class_name"] == "GRU" else 3
    return 1


def _layer_weights(layer: Any) -> dict[str, np.ndarray]:
    return {w.path.split("/")[-1]: np.asarray(w.numpy()) for w in layer.weights}


def _convert_layer(
    b: _Builder, layer: Any, cfg: Mapping[str, Any], node_name: str, ins: list[str], outs: list[str]
) -> None:
    """Append the spec node(s) for one call of one Keras layer."""
    cls = type(layer).__name__
    w = _layer_weights(layer)
    name = layer.name
    if cfg.get("data_format", "channels_last") != "channels_last":
        raise ExportError(f"layer {name}: only channels_last is supported")
    if cls in DROPPED_LAYERS:
        b.alias[outs[0]] = b.resolve(ins[0])
        return
    if cls == "Dense":
        attrs = {"activation": _activation_name(cfg["activation"], name)}
        b.add(node_name, "dense", ins, outs, attrs, w)
    elif cls in ("Conv1D", "Conv2D"):
        if cfg.get("groups", 1) != 1:
            raise ExportError(f"layer {name}: grouped convolutions are not supported")
        act = _activation_name(cfg["activation"], name)
        if cls == "Conv1D":
            attrs = {
                "stride": cfg["strides"][0],
                "padding": cfg["padding"],
                "dilation": cfg["dilation_rate"][0],
                "activation": act,
            }
            b.add(node_name, "conv1d", ins, outs, attrs, w)
        else:
            attrs = {
                "strides": list(cfg["strides"]),
                "padding": cfg["padding"],
                "dilation": list(cfg["dilation_rate"]),
                "activation": act,
            }
            b.add(node_name, "conv2d", ins, outs, attrs, w)
    elif cls in ("DepthwiseConv2D", "SeparableConv2D"):
        attrs = {
            "strides": list(cfg["strides"]),
            "padding": cfg["padding"],
            "dilation": list(cfg["dilation_rate"]),
            "activation": _activation_name(cfg["activation"], name),
        }
        if cls == "DepthwiseConv2D":
            dw = {"kernel": w["kernel"]} | ({"bias": w["bias"]} if "bias" in w else {})
            b.add(node_name, "depthwise_conv2d", ins, outs, attrs, dw)
        else:
            mid = f"{node_name}/depthwise"
            b.add(
                mid,
                "depthwise_conv2d",
                ins,
                [mid],
                {**attrs, "activation": "linear"},
                {"kernel": w["depthwise_kernel"]},
            )
            pw = {"kernel": w["pointwise_kernel"]} | ({"bias": w["bias"]} if "bias" in w else {})
            pw_attrs = {"strides": [1, 1], "padding": "valid", "dilation": [1, 1]}
            b.add(
                node_name,
                "conv2d",
                [mid],
                outs,
                {**pw_attrs, "activation": attrs["activation"]},
                pw,
            )
    elif cls == "BatchNormalization":
        axis = cfg["axis"]
        if axis not in (-1, len(layer.input.shape) - 1):
            raise ExportError(f"layer {name}: BatchNormalization must normalise the last axis")
        scale, shift = batch_norm_scale_shift(
            w.get("gamma"), w.get("beta"), w["moving_mean"], w["moving_variance"], cfg["epsilon"]
        )
        b.add(node_name, "scale_shift", ins, outs, {}, {"scale": scale, "shift": shift})
    elif cls == "Normalization":
        if tuple(cfg["axis"]) not in ((-1,), (len(layer.input.shape) - 1,)):
            raise ExportError(f"layer {name}: Normalization must work on the last axis")
        # what call() uses: adapt() caches these apart from the layer's variables
        mean = np.asarray(layer.mean, np.float64).reshape(-1)
        var = np.asarray(layer.variance, np.float64).reshape(-1)
        std = np.maximum(np.sqrt(var), keras_epsilon())
        scale, shift = (std, mean) if cfg.get("invert") else (1.0 / std, -mean / std)
        b.add(node_name, "scale_shift", ins, outs, {}, {"scale": scale, "shift": shift})
    elif cls == "Rescaling":
        channels = int(layer.input.shape[-1])
        scale = np.broadcast_to(np.asarray(cfg["scale"], np.float32), (channels,))
        shift = np.broadcast_to(np.asarray(cfg["offset"], np.float32), (channels,))
        b.add(node_name, "scale_shift", ins, outs, {}, {"scale": scale, "shift": shift})
    elif cls == "Activation":
        b.add(
            node_name,
            "activation",
            ins,
            outs,
            {"activation": _activation_name(cfg["activation"], name)},
        )
    elif cls == "Softmax":
        b.add(node_name, "activation", ins, outs, {"activation": "softmax", "axis": cfg["axis"]})
    elif cls in ("ReLU", "LeakyReLU"):
        slope = cfg.get("negative_slope", 0.0)
        max_value = cfg.get("max_value")
        threshold = cfg.get("threshold", 0.0)
        if slope == 0.0 and threshold == 0.0 and max_value in (None, 6.0):
            act = "relu" if max_value is None else "relu6"
            b.add(node_name, "activation", ins, outs, {"activation": act})
        else:
            attrs = {"max_value": max_value, "negative_slope": slope, "threshold": threshold}
            b.add(node_name, "relu", ins, outs, attrs)
    elif cls in ("MaxPooling1D", "AveragePooling1D"):
        op = "max_pool1d" if cls.startswith("Max") else "avg_pool1d"
        attrs = {
            "pool": cfg["pool_size"][0],
            "stride": cfg["strides"][0],
            "padding": cfg["padding"],
        }
        b.add(node_name, op, ins, outs, attrs)
    elif cls in ("MaxPooling2D", "AveragePooling2D"):
        op = "max_pool2d" if cls.startswith("Max") else "avg_pool2d"
        attrs = {
            "pool": list(cfg["pool_size"]),
            "strides": list(cfg["strides"]),
            "padding": cfg["padding"],
        }
        b.add(node_name, op, ins, outs, attrs)
    elif cls.startswith(("GlobalAveragePooling", "GlobalMaxPooling")):
        op = "global_avg_pool" if "Average" in cls else "global_max_pool"
        b.add(node_name, op, ins, outs, {"keepdims": bool(cfg.get("keepdims", False))})
    elif cls == "Flatten":
        b.add(node_name, "flatten", ins, outs)
    elif cls == "Reshape":
        b.add(node_name, "reshape", ins, outs, {"shape": list(cfg["target_shape"])})
    elif cls == "Permute":
        b.add(node_name, "permute", ins, outs, {"dims": list(cfg["dims"])})
    elif cls == "Concatenate":
        b.add(node_name, "concatenate", ins, outs, {"axis": cfg["axis"]})
    elif cls in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
        b.add(node_name, cls.lower(), ins, outs)
    elif cls in ("ZeroPadding1D", "ZeroPadding2D"):
        pads = [cfg["padding"]] if cls.endswith("1D") else cfg["padding"]
        b.add(node_name, "zero_pad", ins, outs, {"pads": [list(p) for p in pads]})
    elif cls in ("Cropping1D", "Cropping2D"):
        crops = [cfg["cropping"]] if cls.endswith("1D") else cfg["cropping"]
        b.add(node_name, "crop", ins, outs, {"crops": [list(c) for c in crops]})
    elif cls == "TimeDistributed":
        inner = _Builder()
        _convert_layer(inner, layer.layer, cfg["layer"]["config"], node_name, ["x"], ["y"])
        if len(inner.nodes) != 1 or inner.nodes[0]["op"] in ("gru", "lstm"):
            inner_cls = type(layer.layer).__name__
            raise ExportError(f"layer {name}: TimeDistributed({inner_cls}) is not supported")
        inner_node = inner.nodes[0]
        weights = {role: inner.weights[key] for role, key in inner_node["weights"].items()}
        b.add(node_name, "time_distributed", ins, outs, {"node": inner_node}, weights)
    elif cls in ("GRU", "LSTM"):
        if cfg.get("go_backwards") or cfg.get("stateful"):
            raise ExportError(
                f"layer {name}: go_backwards/stateful recurrent layers are not supported"
            )
        if cfg.get("use_bias") is False:
            w.pop("bias", None)
        attrs = {
            "units": cfg["units"],
            "activation": _activation_name(cfg["activation"], name),
            "recurrent_activation": _activation_name(cfg["recurrent_activation"], name),
            "return_sequences": cfg["return_sequences"],
            "return_state": cfg["return_state"],
        }
        if cls == "GRU":
            attrs["reset_after"] = cfg["reset_after"]
        b.add(node_name, cls.lower(), ins, outs, attrs, w)
    else:
        raise ExportError(f"layer {name}: {cls} is not supported by the numpy runtime")


def _fold(b: _Builder, protected: set[str]) -> None:
    """Fold scale_shift into a preceding linear conv/dense and activations into their producer."""
    consumers: dict[str, int] = {}
    for node in b.nodes:
        for t in node["inputs"]:
            consumers[t] = consumers.get(t, 0) + 1
    producer = {t: node for node in b.nodes for t in node["outputs"]}
    kept: list[dict[str, Any]] = []
    for node in b.nodes:
        src = producer.get(node["inputs"][0]) if node["inputs"] else None
        sole = (
            src is not None
            and len(node["inputs"]) == 1
            and consumers.get(node["inputs"][0], 0) == 1
            and node["inputs"][0] not in protected
            and src["op"] in FOLDABLE_OPS
            and src["attrs"].get("activation") == "linear"
        )
        if sole and src is not None and node["op"] == "scale_shift":
            scale = b.weights.pop(node["weights"]["scale"])
            shift = b.weights.pop(node["weights"]["shift"])
            kernel_key = src["weights"]["kernel"]
            kernel = b.weights[kernel_key]
            if src["op"] == "depthwise_conv2d":
                b.weights[kernel_key] = kernel * scale.reshape(kernel.shape[2:])
            else:
                b.weights[kernel_key] = kernel * scale
            bias_key = src["weights"].setdefault("bias", f"{src['name']}/bias")
            bias = b.weights.get(bias_key, np.zeros_like(shift))
            b.weights[bias_key] = (bias * scale + shift).astype(np.float32)
        elif (
            sole
            and src is not None
            and node["op"] == "activation"
            and node["attrs"].get("axis", -1) in (-1,)
        ):
            src["attrs"]["activation"] = node["attrs"]["activation"]
        else:
            kept.append(node)
            continue
        old, new = src["outputs"][0], node["outputs"][0]
        src["outputs"] = [new]
        producer[new] = src
        del producer[old]
    b.nodes = kept


def build_spec(
    keras_model: Any,
    name: str,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    states: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Translate a Keras functional model into (spec, weights) for the numpy runtime."""
    import keras

    model = keras_model
    if isinstance(model, keras.Sequential):
        model = keras.Model(model.inputs, model.outputs)
    config = model.get_config()
    layers = {layer.name: layer for layer in model.layers}
    input_refs = _layer_refs(config["input_layers"])
    input_names = {ref[0]: ref[0] for ref in input_refs}
    b = _Builder()
    inputs = []
    for ref in input_refs:
        layer_cfg = next(c for c in config["layers"] if c["name"] == ref[0])
        shape = list(layer_cfg["config"]["batch_shape"])
        if input_shapes and ref[0] in input_shapes:
            shape = [None, *input_shapes[ref[0]]]
        if any(d is None for d in shape[1:]):
            raise ExportError(f"input {ref[0]} has a free dimension {shape}; pass input_shapes")
        inputs.append({"name": ref[0], "shape": [None, *shape[1:]]})
    recurrent_state_refs: dict[str, list[str]] = {}
    for layer_cfg in config["layers"]:
        if layer_cfg["class_name"] == "InputLayer":
            continue
        layer = layers[layer_cfg["name"]]
        if isinstance(layer, keras.Model):
            raise ExportError(f"nested model {layer.name}: flatten it into one functional model")
        for node_index, call in enumerate(layer_cfg["inbound_nodes"]):
            kwargs = dict(call.get("kwargs", {}))
            state_refs = _refs(kwargs.pop("initial_state", None))
            kwargs.pop("mask", None)
            kwargs.pop("training", None)
            if _refs(kwargs):
                raise ExportError(f"layer {layer.name}: tensor keyword arguments {sorted(kwargs)}")
            ins = [_tensor_name(r, input_names) for r in _refs(call["args"]) + state_refs]
            node_name = layer.name if node_index == 0 else f"{layer.name}@{node_index}"
            n_out = _output_count(layer_cfg)
            outs = [f"{layer.name}:{node_index}:{i}" for i in range(n_out)]
            _convert_layer(b, layer, layer_cfg["config"], node_name, ins, outs)
            recurrent_state_refs[outs[0].rsplit(":", 1)[0]] = [
                _tensor_name(r, input_names) for r in state_refs
            ]
    out_cfg = config["output_layers"]
    out_items = (
        list(out_cfg.items())
        if isinstance(out_cfg, dict)
        else [(r[0] if r[2] == 0 else f"{r[0]}_{r[2]}", r) for r in _layer_refs(out_cfg)]
    )
    outputs = [
        {"name": out_name, "tensor": b.resolve(_tensor_name(tuple(ref), input_names))}
        for out_name, ref in out_items
    ]
    _fold(b, {o["tensor"] for o in outputs})
    # After folding, output tensors keep their names (folding renames producers, not outputs).
    pairs = dict(states or {})
    if states is None:
        for out_name, ref in out_items:
            layer_call = f"{ref[0]}:{ref[1]}"
            state_ins = recurrent_state_refs.get(layer_call, [])
            if ref[2] >= 1 and ref[2] - 1 < len(state_ins):
                state_in = state_ins[ref[2] - 1]
                if any(i["name"] == state_in for i in inputs):
                    pairs[state_in] = out_name
    spec = {
        "format": SPEC_FORMAT,
        "version": SPEC_VERSION,
        "name": name,
        "inputs": inputs,
        "outputs": outputs,
        "states": [{"input": k, "output": v} for k, v in pairs.items()],
        "nodes": b.nodes,
    }
    return spec, b.weights


# --- TFLite ---------------------------------------------------------------------


def convert_tflite(keras_model: Any, spec: Mapping[str, Any]) -> tuple[bytes, list[str]]:
    """Float32 TFLite with frozen weights; returns the bytes and the input order of the file.

    Freezing (instead of the converter's resource variables) is what lets
    recurrent layers' WHILE loops run in LiteRT.
    """
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    names = [i["name"] for i in spec["inputs"]]
    signature = [
        tf.TensorSpec([1, *i["shape"][1:]], tf.float32, name=i["name"]) for i in spec["inputs"]
    ]
    out_names = [o["name"] for o in spec["outputs"]]

    @tf.function(input_signature=signature)
    def serve(*args: Any) -> list[Any]:
        feeds = list(args) if len(args) > 1 else args[0]
        result = keras_model(feeds, training=False)
        if isinstance(result, dict):
            return [tf.identity(result[n]) for n in out_names]
        flat = result if isinstance(result, list | tuple) else [result]
        return [tf.identity(t) for t in flat]

    frozen = convert_variables_to_constants_v2(serve.get_concrete_function())
    converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    data = bytes(converter.convert())
    interpreter = _interpreter(data)
    order = []
    for detail in interpreter.get_input_details():
        matches = [n for n in names if detail["name"] == n or detail["name"].endswith(f"_{n}:0")]
        if len(matches) != 1:
            raise ExportError(f"cannot map TFLite input {detail['name']!r} to one of {names}")
        order.append(matches[0])
    return data, order


def _interpreter(data: bytes) -> Any:
    """The LiteRT interpreter the integration uses when installed, else TensorFlow's own."""
    interpreter_class = litert_interpreter_class()
    if interpreter_class is None:
        import tensorflow as tf

        interpreter_class = tf.lite.Interpreter
    return interpreter_class(model_content=data, num_threads=1)


def _run_tflite(
    data: bytes, spec: ModelSpec, feeds: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    interpreter = _interpreter(data)
    interpreter.allocate_tensors()
    for name, detail in zip(spec.tflite_inputs, interpreter.get_input_details(), strict=True):
        interpreter.set_tensor(detail["index"], feeds[name])
    interpreter.invoke()
    return {
        name: interpreter.get_tensor(detail["index"])
        for name, detail in zip(spec.tflite_outputs, interpreter.get_output_details(), strict=True)
    }


def _run_keras(
    keras_model: Any, spec: ModelSpec, feeds: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    args = [feeds[i.name] for i in spec.inputs]
    result = keras_model(args if len(args) > 1 else args[0], training=False)
    if isinstance(result, dict):
        return {k: np.asarray(v) for k, v in result.items()}
    flat = result if isinstance(result, list | tuple) else [result]
    return {name: np.asarray(v) for name, v in zip(spec.outputs, flat, strict=True)}


# --- entry point ----------------------------------------------------------------


def export_model(
    keras_model: Any,
    out_dir: str | Path,
    name: str,
    representative_input: Mapping[str, np.ndarray] | None = None,
    *,
    input_shapes: Mapping[str, Sequence[int]] | None = None,
    states: Mapping[str, str] | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    checks: int = 3,
    seed: int = 0,
) -> ExportReport:
    """Write ``out_dir/NAME.tflite`` and ``out_dir/NAME.npz`` after a three-way parity check.

    ``representative_input`` (batch of one, keyed by input name) is checked in
    addition to ``checks`` random normal inputs. An output passes when
    ``|x - keras| <= atol + rtol * |keras|`` everywhere, for numpy and TFLite.
    """
    spec_dict, weights = build_spec(keras_model, name, input_shapes, states)
    data, tflite_inputs = convert_tflite(keras_model, spec_dict)
    spec_dict["tflite"] = {
        "inputs": tflite_inputs,
        "outputs": [o["name"] for o in spec_dict["outputs"]],
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    spec = ModelSpec.from_json(json.dumps(spec_dict))
    numpy_model = NumpyModel(spec, weights, Path(name))
    rng = np.random.default_rng(seed)
    cases = [
        {i.name: rng.standard_normal((1, *i.shape[1:])).astype(np.float32) for i in spec.inputs}
        for _ in range(checks)
    ]
    if representative_input is not None:
        cases.append({k: np.asarray(v, dtype=np.float32) for k, v in representative_input.items()})
    diffs: dict[str, float] = {}
    failures = []
    for feeds in cases:
        want = _run_keras(keras_model, spec, feeds)
        for backend, got in (
            ("numpy", numpy_model.run(feeds)),
            ("tflite", _run_tflite(data, spec, feeds)),
        ):
            for out_name in spec.outputs:
                ref, val = want[out_name], got[out_name]
                if val.shape != ref.shape:
                    failures.append(f"{backend} {out_name}: shape {val.shape} != keras {ref.shape}")
                    continue
                diff = float(np.max(np.abs(val - ref), initial=0.0))
                key = f"{backend}:{out_name}"
                diffs[key] = max(diffs.get(key, 0.0), diff)
                if not np.all(np.abs(val - ref) <= atol + rtol * np.abs(ref)):
                    failures.append(f"{backend} {out_name}: max |diff| {diff:.3g}")
    if failures:
        raise ExportParityError(f"{name}: backends disagree with Keras: " + "; ".join(failures))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tflite_path, npz_path = out / f"{name}.tflite", out / f"{name}.npz"
    tflite_path.write_bytes(data)
    write_npz_model(npz_path, spec_dict, weights)
    per_node = numpy_model.macs()
    return ExportReport(name, tflite_path, npz_path, diffs, sum(per_node.values()), per_node)
