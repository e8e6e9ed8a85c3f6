"""Loading and running shipped neural networks: LiteRT when importable, exact numpy always.

A model ``NAME`` ships as two files:

* ``NAME.npz`` -- the weights plus, under the key ``__spec__``, a UTF-8 JSON
  *spec* (a small graph of supported Keras layers, see
  ``models/common/export.py`` for the format). It is always needed: it names
  the inputs, outputs and recurrent states for both backends.
* ``NAME.tflite`` -- the same network for LiteRT, used when
  ``ai_edge_litert`` (or ``tflite_runtime``) is importable.

:func:`load_model` picks the backend; :class:`Model.run` maps input names to
arrays (batch first) and returns a dict of named outputs. Streaming recurrent
models carry their state through explicit input/output tensors;
:class:`StreamingModel` keeps that state between calls. Models are not
thread-safe: run each from one thread (the engine's worker thread).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import logging
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from . import nn
from .nn import FloatArray

_LOGGER = logging.getLogger(__name__)

SPEC_KEY = "__spec__"
SPEC_FORMAT = "earshot-nn"
SPEC_VERSION = 1
LITERT_MODULES = ("ai_edge_litert.interpreter", "tflite_runtime.interpreter")

Backend = Literal["auto", "numpy", "litert"]
Inputs = Mapping[str, FloatArray] | FloatArray


class ModelLoadError(Exception):
    """A model file is missing, corrupt or uses something this version cannot run."""


class LiteRTUnsupportedError(ModelLoadError):
    """The installed LiteRT cannot run an intact ``.tflite`` (e.g. an old ``tflite_runtime``)."""


# --- spec -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TensorInfo:
    """A named model input with its shape; ``None`` marks a free dimension."""

    name: str
    shape: tuple[int | None, ...]


@dataclass(frozen=True, slots=True)
class StatePair:
    """A recurrent state: fed back from output ``output`` to input ``input``."""

    input: str
    output: str


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """The parsed JSON spec of a model."""

    name: str
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[str, ...]
    """Output names in order."""
    output_tensors: tuple[str, ...]
    """Graph tensor behind each output."""
    states: tuple[StatePair, ...]
    nodes: tuple[Mapping[str, Any], ...]
    tflite_inputs: tuple[str, ...]
    """Input names in the order of the .tflite subgraph inputs."""
    tflite_outputs: tuple[str, ...]
    """Output names in the order of the .tflite subgraph outputs."""
    tflite_sha256: str | None
    """Digest of the .tflite exported with these weights (catches half-updated installs)."""

    @classmethod
    def from_json(cls, text: str) -> ModelSpec:
        """Parse and check the top level of a spec (nodes are checked when compiled)."""
        raw = json.loads(text)
        if raw.get("format") != SPEC_FORMAT or raw.get("version") != SPEC_VERSION:
            raise ValueError(
                f"not an {SPEC_FORMAT} v{SPEC_VERSION} spec "
                f"(format={raw.get('format')!r}, version={raw.get('version')!r})"
            )
        inputs = tuple(
            TensorInfo(str(i["name"]), tuple(None if d is None else int(d) for d in i["shape"]))
            for i in raw["inputs"]
        )
        outputs = tuple(str(o["name"]) for o in raw["outputs"])
        tflite = raw.get("tflite", {})
        return cls(
            name=str(raw["name"]),
            inputs=inputs,
            outputs=outputs,
            output_tensors=tuple(str(o["tensor"]) for o in raw["outputs"]),
            states=tuple(StatePair(str(s["input"]), str(s["output"])) for s in raw["states"]),
            nodes=tuple(raw["nodes"]),
            tflite_inputs=tuple(tflite.get("inputs", [i.name for i in inputs])),
            tflite_outputs=tuple(tflite.get("outputs", outputs)),
            tflite_sha256=tflite.get("sha256"),
        )

    def input_info(self, name: str) -> TensorInfo:
        """The input called ``name``."""
        for info in self.inputs:
            if info.name == name:
                return info
        raise KeyError(name)


# --- numpy graph executor -------------------------------------------------------

OpFn = Callable[..., tuple[FloatArray, ...]]
MacFn = Callable[[Sequence[tuple[int, ...]], Sequence[tuple[int, ...]]], int]


@dataclass(frozen=True, slots=True)
class _Step:
    name: str
    fn: OpFn
    macs: MacFn
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


def _no_macs(_in: Sequence[tuple[int, ...]], _out: Sequence[tuple[int, ...]]) -> int:
    return 0


def _pair(value: Any) -> tuple[int, int]:
    a, b = value
    return int(a), int(b)


def _build_conv(attrs: Mapping[str, Any], w: Mapping[str, FloatArray], op: str) -> OpFn:
    kernel, bias = w["kernel"], w.get("bias")
    act = nn.activation(attrs.get("activation", "linear"))
    padding = str(attrs["padding"])
    if op == "conv1d":
        stride, dilation = int(attrs["stride"]), int(attrs["dilation"])

        def conv1(x: FloatArray) -> tuple[FloatArray]:
            return (act(nn.conv1d(x, kernel, bias, stride, padding, dilation)),)

        return conv1
    strides, dil = _pair(attrs["strides"]), _pair(attrs["dilation"])
    conv = nn.conv2d if op == "conv2d" else nn.depthwise_conv2d

    def conv2(x: FloatArray) -> tuple[FloatArray]:
        return (act(conv(x, kernel, bias, strides, padding, dil)),)

    return conv2


def _conv_macs(kernel: FloatArray, depthwise: bool) -> MacFn:
    taps = int(np.prod(kernel.shape[:-2]))
    per_output = taps if depthwise else taps * int(kernel.shape[-2])

    def macs(_in: Sequence[tuple[int, ...]], out: Sequence[tuple[int, ...]]) -> int:
        return int(np.prod(out[0])) * per_output

    return macs


def _build_pool(attrs: Mapping[str, Any], op: str) -> OpFn:
    padding = str(attrs["padding"])
    if op.endswith("1d"):
        pool, stride = int(attrs["pool"]), int(attrs["stride"])
        fn1 = nn.max_pool1d if op.startswith("max") else nn.avg_pool1d

        def pool1(x: FloatArray) -> tuple[FloatArray]:
            return (fn1(x, pool, stride, padding),)

        return pool1
    pool2, strides = _pair(attrs["pool"]), _pair(attrs["strides"])
    fn2 = nn.max_pool2d if op.startswith("max") else nn.avg_pool2d

    def pool2d(x: FloatArray) -> tuple[FloatArray]:
        return (fn2(x, pool2, strides, padding),)

    return pool2d


def _build_recurrent(
    attrs: Mapping[str, Any], w: Mapping[str, FloatArray], op: str
) -> tuple[OpFn, MacFn]:
    kernel, rk, bias = w["kernel"], w["recurrent_kernel"], w.get("bias")
    units = int(attrs["units"])
    act = nn.activation(attrs.get("activation", "tanh"))
    rec_act = nn.activation(attrs.get("recurrent_activation", "sigmoid"))
    return_sequences = bool(attrs["return_sequences"])
    return_state = bool(attrs["return_state"])

    def zeros(x: FloatArray) -> FloatArray:
        return np.zeros((x.shape[0], units), dtype=np.float32)

    def finish(seq: FloatArray, states: tuple[FloatArray, ...]) -> tuple[FloatArray, ...]:
        out = seq if return_sequences else states[0]
        return (out, *states) if return_state else (out,)

    if op == "gru":
        reset_after = bool(attrs["reset_after"])

        def run_gru(x: FloatArray, h0: FloatArray | None = None) -> tuple[FloatArray, ...]:
            seq, h = nn.gru(
                x, zeros(x) if h0 is None else h0, kernel, rk, bias, reset_after, act, rec_act
            )
            return finish(seq, (h,))

        fn: OpFn = run_gru
    else:

        def run_lstm(
            x: FloatArray, h0: FloatArray | None = None, c0: FloatArray | None = None
        ) -> tuple[FloatArray, ...]:
            seq, h, c = nn.lstm(
                x,
                zeros(x) if h0 is None else h0,
                zeros(x) if c0 is None else c0,
                kernel,
                rk,
                bias,
                act,
                rec_act,
            )
            return finish(seq, (h, c))

        fn = run_lstm
    per_step = int(kernel.size + rk.size)

    def macs(inp: Sequence[tuple[int, ...]], _out: Sequence[tuple[int, ...]]) -> int:
        return int(inp[0][0] * inp[0][1]) * per_step

    return fn, macs


MERGE_OPS: dict[str, Callable[[Sequence[FloatArray]], FloatArray]] = {
    "add": lambda xs: functools.reduce(np.add, xs),
    "subtract": lambda xs: xs[0] - xs[1],
    "multiply": lambda xs: functools.reduce(np.multiply, xs),
    "average": lambda xs: functools.reduce(np.add, xs) / np.float32(len(xs)),
    "maximum": lambda xs: functools.reduce(np.maximum, xs),
    "minimum": lambda xs: functools.reduce(np.minimum, xs),
}
"""Keras merge layers, in Keras' order of operations (inputs may broadcast)."""


def _build_simple(attrs: Mapping[str, Any], op: str) -> OpFn:
    """Shape and element-wise ops without weights."""
    if op == "activation":
        name = str(attrs["activation"])
        if name == "softmax":
            axis = int(attrs.get("axis", -1))
            return lambda x: (nn.softmax(x, axis),)
        act = nn.activation(name)
        return lambda x: (act(x),)
    if op == "relu":
        max_value = attrs.get("max_value")
        slope = float(attrs.get("negative_slope", 0.0))
        threshold = float(attrs.get("threshold", 0.0))
        return lambda x: (nn.relu(x, max_value, slope, threshold),)
    if op in ("global_avg_pool", "global_max_pool"):
        fn = nn.global_avg_pool if op == "global_avg_pool" else nn.global_max_pool
        keepdims = bool(attrs.get("keepdims", False))
        if keepdims:
            return lambda x: (fn(x).reshape((x.shape[0],) + (1,) * (x.ndim - 2) + (-1,)),)
        return lambda x: (fn(x),)
    if op == "flatten":
        return lambda x: (x.reshape(x.shape[0], -1),)
    if op == "reshape":
        shape = tuple(int(d) for d in attrs["shape"])
        return lambda x: (x.reshape((x.shape[0], *shape)),)
    if op == "permute":
        axes = (0, *(int(d) for d in attrs["dims"]))
        return lambda x: (np.ascontiguousarray(x.transpose(axes)),)
    if op == "concatenate":
        axis = int(attrs["axis"])
        return lambda *xs: (np.concatenate(xs, axis=axis),)
    if op == "zero_pad":
        pads = tuple(_pair(p) for p in attrs["pads"])
        return lambda x: (nn.zero_pad(x, pads),)
    if op == "crop":
        crops = tuple(_pair(p) for p in attrs["crops"])
        return lambda x: (nn.crop(x, crops),)
    if op in MERGE_OPS:
        merge = MERGE_OPS[op]
        return lambda *xs: (merge(xs),)
    raise ValueError(f"unsupported op {op!r}")


def _compile_node(node: Mapping[str, Any], w: Mapping[str, FloatArray]) -> tuple[OpFn, MacFn]:
    """Turn one spec node into a callable over its input arrays (and a MAC counter)."""
    op = str(node["op"])
    attrs: Mapping[str, Any] = node.get("attrs", {})
    if op in ("conv1d", "conv2d", "depthwise_conv2d"):
        return _build_conv(attrs, w, op), _conv_macs(w["kernel"], op == "depthwise_conv2d")
    if op == "dense":
        kernel, bias = w["kernel"], w.get("bias")
        act = nn.activation(attrs.get("activation", "linear"))
        k_in, k_out = kernel.shape

        def dense_macs(_in: Sequence[tuple[int, ...]], out: Sequence[tuple[int, ...]]) -> int:
            return int(np.prod(out[0][:-1])) * k_in * k_out

        return (lambda x: (act(nn.dense(x, kernel, bias)),)), dense_macs
    if op == "scale_shift":
        scale, shift = w["scale"], w["shift"]
        return (lambda x: (nn.scale_shift(x, scale, shift),)), _no_macs
    if op in ("max_pool1d", "avg_pool1d", "max_pool2d", "avg_pool2d"):
        return _build_pool(attrs, op), _no_macs
    if op in ("gru", "lstm"):
        return _build_recurrent(attrs, w, op)
    if op == "time_distributed":
        return _build_time_distributed(attrs, w)
    return _build_simple(attrs, op), _no_macs


def _build_time_distributed(
    attrs: Mapping[str, Any], w: Mapping[str, FloatArray]
) -> tuple[OpFn, MacFn]:
    """Keras TimeDistributed: the inner node on (N * T, ...) with the time axis folded in."""
    inner_fn, inner_macs = _compile_node(attrs["node"], w)

    def run(x: FloatArray) -> tuple[FloatArray]:
        (y,) = inner_fn(x.reshape(x.shape[0] * x.shape[1], *x.shape[2:]))
        return (y.reshape(x.shape[0], x.shape[1], *y.shape[1:]),)

    def macs(inp: Sequence[tuple[int, ...]], out: Sequence[tuple[int, ...]]) -> int:
        merge = [(s[0] * s[1], *s[2:]) for s in (inp[0], out[0])]
        return inner_macs([merge[0]], [merge[1]])

    return run, macs


class Model(ABC):
    """A loaded network: named float32 inputs in, named float32 outputs out."""

    def __init__(self, spec: ModelSpec, path: Path) -> None:
        self.spec = spec
        self.path = path

    @property
    @abstractmethod
    def backend(self) -> str:
        """``"numpy"`` or ``"litert"``."""

    @property
    def input_names(self) -> tuple[str, ...]:
        """All input names, state inputs included."""
        return tuple(i.name for i in self.spec.inputs)

    @property
    def output_names(self) -> tuple[str, ...]:
        """All output names, state outputs included."""
        return self.spec.outputs

    def run(self, inputs: Inputs) -> dict[str, FloatArray]:
        """Run once; ``inputs`` maps every input name to a batch-first array.

        A bare array is accepted for single-input models.
        """
        feeds = self._check_inputs(inputs)
        return self._run(feeds)

    @abstractmethod
    def _run(self, feeds: dict[str, FloatArray]) -> dict[str, FloatArray]:
        """Backend-specific evaluation of checked float32 inputs."""

    def _check_inputs(self, inputs: Inputs) -> dict[str, FloatArray]:
        if isinstance(inputs, np.ndarray):
            if len(self.spec.inputs) != 1:
                raise ValueError(f"{self.spec.name} has inputs {self.input_names}; pass a mapping")
            inputs = {self.spec.inputs[0].name: inputs}
        if set(inputs) != set(self.input_names):
            raise ValueError(
                f"{self.spec.name} expects inputs {sorted(self.input_names)}, got {sorted(inputs)}"
            )
        feeds: dict[str, FloatArray] = {}
        for info in self.spec.inputs:
            array = np.asarray(inputs[info.name], dtype=np.float32)
            if array.ndim != len(info.shape) or any(
                want is not None and got != want
                for got, want in zip(array.shape[1:], info.shape[1:], strict=True)
            ):
                raise ValueError(
                    f"{self.spec.name} input {info.name!r} must have shape "
                    f"(batch, {', '.join(str(d) for d in info.shape[1:])}), got {array.shape}"
                )
            feeds[info.name] = array
        return feeds


class NumpyModel(Model):
    """The exact numpy implementation of a spec."""

    def __init__(self, spec: ModelSpec, weights: Mapping[str, FloatArray], path: Path) -> None:
        super().__init__(spec, path)
        self.weights = weights
        """The arrays the spec's nodes name (for evaluators specialised to a graph shape)."""
        slots: dict[str, int] = {info.name: i for i, info in enumerate(spec.inputs)}
        steps: list[_Step] = []
        for node in spec.nodes:
            name = str(node["name"])
            node_weights = {
                role: weights[key] for role, key in dict(node.get("weights", {})).items()
            }
            fn, macs = _compile_node(node, node_weights)
            in_slots = tuple(slots[t] for t in node["inputs"])
            for tensor in node["outputs"]:
                slots[tensor] = len(slots)
            steps.append(_Step(name, fn, macs, in_slots, tuple(slots[t] for t in node["outputs"])))
        self._steps = tuple(steps)
        self._n_slots = len(slots)
        self._input_slots = tuple(slots[i.name] for i in spec.inputs)
        self._output_slots = tuple(slots[t] for t in spec.output_tensors)

    @property
    def backend(self) -> str:
        """Always ``"numpy"``."""
        return "numpy"

    def _evaluate(self, feeds: Mapping[str, FloatArray]) -> list[FloatArray | None]:
        values: list[FloatArray | None] = [None] * self._n_slots
        for info, slot in zip(self.spec.inputs, self._input_slots, strict=True):
            values[slot] = feeds[info.name]
        for step in self._steps:
            outs = step.fn(*(values[i] for i in step.inputs))
            for slot, value in zip(step.outputs, outs, strict=True):
                values[slot] = value
        return values

    def _run(self, feeds: dict[str, FloatArray]) -> dict[str, FloatArray]:
        values = self._evaluate(feeds)
        return {
            name: _present(values[slot])
            for name, slot in zip(self.spec.outputs, self._output_slots, strict=True)
        }

    def macs(self, input_shapes: Mapping[str, Sequence[int]] | None = None) -> dict[str, int]:
        """Multiply-accumulates per node for one inference on a batch of one.

        Free dimensions of the spec inputs must be given in ``input_shapes``.
        """
        feeds: dict[str, FloatArray] = {}
        for info in self.spec.inputs:
            given = (input_shapes or {}).get(info.name)
            shape = info.shape if given is None else tuple(given)
            dims = tuple(d for d in shape[1:] if d is not None)
            if len(dims) != len(shape) - 1:
                raise ValueError(f"input {info.name!r} has free dimensions {shape}; give a shape")
            feeds[info.name] = np.zeros((1, *dims), dtype=np.float32)
        values = self._evaluate(self._check_inputs(feeds))
        return {
            step.name: step.macs(
                [_present(values[i]).shape for i in step.inputs],
                [_present(values[i]).shape for i in step.outputs],
            )
            for step in self._steps
        }


def _present(value: FloatArray | None) -> FloatArray:
    if value is None:
        raise RuntimeError("graph tensor used before it was computed")
    return value


# --- LiteRT ---------------------------------------------------------------------


def litert_interpreter_class() -> Any | None:
    """The LiteRT ``Interpreter`` class, or None when no LiteRT package is importable."""
    for module_name in LITERT_MODULES:
        try:
            return importlib.import_module(module_name).Interpreter
        except ImportError:
            continue
    return None


class LiteRTModel(Model):
    """The ``.tflite`` twin of a spec, run by LiteRT on one thread."""

    def __init__(self, spec: ModelSpec, tflite_path: Path, interpreter_class: Any) -> None:
        super().__init__(spec, tflite_path)
        try:
            content = tflite_path.read_bytes()
        except OSError as err:
            raise ModelLoadError(f"cannot read {tflite_path}: {err}") from err
        if spec.tflite_sha256 is not None and hashlib.sha256(content).hexdigest() != (
            spec.tflite_sha256
        ):
            raise ModelLoadError(f"{tflite_path} does not match the weights it shipped with")
        try:
            self._interpreter = interpreter_class(model_content=content, num_threads=1)
            self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as err:
            # with a matching digest the file is intact: the runtime is what falls short
            error = ModelLoadError if spec.tflite_sha256 is None else LiteRTUnsupportedError
            raise error(f"cannot load {tflite_path}: {err}") from err
        in_details = self._interpreter.get_input_details()
        out_details = self._interpreter.get_output_details()
        if len(in_details) != len(spec.tflite_inputs) or len(out_details) != len(
            spec.tflite_outputs
        ):
            raise ModelLoadError(
                f"{tflite_path} has {len(in_details)} inputs and {len(out_details)} outputs, "
                f"the spec expects {len(spec.tflite_inputs)} and {len(spec.tflite_outputs)}"
            )
        self._inputs = {
            name: int(d["index"]) for name, d in zip(spec.tflite_inputs, in_details, strict=True)
        }
        self._outputs = {
            name: int(d["index"]) for name, d in zip(spec.tflite_outputs, out_details, strict=True)
        }

    @property
    def backend(self) -> str:
        """Always ``"litert"``."""
        return "litert"

    def _run(self, feeds: dict[str, FloatArray]) -> dict[str, FloatArray]:
        """The file is exported for a batch of one: larger batches run item by item."""
        batch = next(iter(feeds.values())).shape[0]
        if batch == 1:
            return self._invoke(feeds)
        items = [self._invoke({k: v[i : i + 1] for k, v in feeds.items()}) for i in range(batch)]
        return {name: np.concatenate([it[name] for it in items]) for name in self.spec.outputs}

    def _invoke(self, feeds: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
        for name, array in feeds.items():
            self._interpreter.set_tensor(self._inputs[name], np.ascontiguousarray(array))
        self._interpreter.invoke()
        return {
            name: np.asarray(self._interpreter.get_tensor(self._outputs[name]), dtype=np.float32)
            for name in self.spec.outputs
        }


# --- files ----------------------------------------------------------------------


def _base_path(path: str | Path) -> Path:
    p = Path(path)
    return p.with_suffix("") if p.suffix in (".tflite", ".npz") else p


def read_npz_model(npz_path: Path) -> tuple[ModelSpec, dict[str, FloatArray]]:
    """Read a spec and its weights; any defect becomes a :class:`ModelLoadError`."""
    if not npz_path.is_file():
        raise ModelLoadError(f"model file {npz_path} is missing")
    try:
        with np.load(npz_path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        spec = ModelSpec.from_json(arrays.pop(SPEC_KEY).tobytes().decode("utf-8"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as err:
        raise ModelLoadError(f"model file {npz_path} is corrupt: {err!r}") from err
    return spec, {key: np.ascontiguousarray(a, dtype=np.float32) for key, a in arrays.items()}


def write_npz_model(
    npz_path: Path, spec: Mapping[str, Any], weights: Mapping[str, FloatArray]
) -> None:
    """Write a spec (JSON-able mapping) and float32 weights as one compressed npz."""
    if SPEC_KEY in weights:
        raise ValueError(f"{SPEC_KEY} is reserved")
    blob = np.frombuffer(json.dumps(spec, indent=1).encode("utf-8"), dtype=np.uint8)
    arrays: dict[str, Any] = {key: np.asarray(a, dtype=np.float32) for key, a in weights.items()}
    arrays[SPEC_KEY] = blob
    with npz_path.open("wb") as fh:
        np.savez_compressed(fh, **arrays)


def load_model(path: str | Path, backend: Backend = "auto") -> Model:
    """Load ``NAME`` (given as ``NAME``, ``NAME.npz`` or ``NAME.tflite``).

    ``auto`` uses LiteRT when a LiteRT package is importable, else numpy; it
    also falls back to numpy (with a warning) when the installed LiteRT cannot
    run an intact file. Missing, corrupt or mismatched files raise
    :class:`ModelLoadError`.
    """
    base = _base_path(path)
    interpreter_class = litert_interpreter_class() if backend != "numpy" else None
    if backend == "litert" and interpreter_class is None:
        raise ModelLoadError(f"LiteRT requested for {base} but no LiteRT package is importable")
    if interpreter_class is None:
        return load_numpy_model(base)
    spec, _ = read_npz_model(base.parent / f"{base.name}.npz")
    tflite_path = base.parent / f"{base.name}.tflite"
    if not tflite_path.is_file():
        raise ModelLoadError(f"model file {tflite_path} is missing")
    try:
        return LiteRTModel(spec, tflite_path, interpreter_class)
    except LiteRTUnsupportedError as err:
        if backend == "litert":
            raise
        _LOGGER.warning("%s; using the exact numpy implementation instead", err)
        return load_numpy_model(base)


def load_numpy_model(path: str | Path) -> NumpyModel:
    """Load the exact numpy implementation of ``NAME`` (no LiteRT involved)."""
    base = _base_path(path)
    npz_path = base.parent / f"{base.name}.npz"
    spec, weights = read_npz_model(npz_path)
    try:
        return NumpyModel(spec, weights, npz_path)
    except (KeyError, ValueError, TypeError) as err:
        raise ModelLoadError(f"model {npz_path} cannot be built: {err!r}") from err


def count_macs(
    model: str | Path | NumpyModel, input_shapes: Mapping[str, Sequence[int]] | None = None
) -> int:
    """Multiply-accumulates of one inference on a batch of one (elementwise ops excluded).

    For model cards multiply by inferences per second of audio, e.g. ten for a
    stage that runs every 100 ms.
    """
    numpy_model = model if isinstance(model, NumpyModel) else load_numpy_model(model)
    return sum(numpy_model.macs(input_shapes).values())


# --- streaming and checks -------------------------------------------------------


class StreamingModel:
    """Runs a model with recurrent state inputs chunk by chunk, feeding the state back.

    A non-finite state (NaN/inf input slipped through) would poison every later
    call, so it is replaced by zeros and counted in ``nonfinite_resets``.
    """

    def __init__(self, model: Model, batch: int = 1) -> None:
        if not model.spec.states:
            raise ValueError(f"{model.spec.name} has no recurrent state to stream")
        self.model = model
        self._batch = batch
        self._state_inputs = {s.input for s in model.spec.states}
        self._state_outputs = {s.output for s in model.spec.states}
        self._states: dict[str, FloatArray] = {}
        self.nonfinite_resets = 0
        self.reset()

    @property
    def input_names(self) -> tuple[str, ...]:
        """Inputs the caller provides (state inputs excluded)."""
        return tuple(n for n in self.model.input_names if n not in self._state_inputs)

    def reset(self) -> None:
        """Forget the recurrent state (zeros, as Keras starts)."""
        self._states = {}
        for pair in self.model.spec.states:
            shape = self.model.spec.input_info(pair.input).shape[1:]
            self._states[pair.input] = np.zeros(
                (self._batch, *(d or 0 for d in shape)), dtype=np.float32
            )

    def run(self, inputs: Inputs) -> dict[str, FloatArray]:
        """Run one chunk; returns the non-state outputs and keeps the new state."""
        if isinstance(inputs, np.ndarray):
            if len(self.input_names) != 1:
                raise ValueError(f"{self.model.spec.name} has inputs {self.input_names}")
            inputs = {self.input_names[0]: inputs}
        outputs = self.model.run({**inputs, **self._states})
        for pair in self.model.spec.states:
            self._states[pair.input] = outputs[pair.output]
        if not all(np.isfinite(state).all() for state in self._states.values()):
            self.nonfinite_resets += 1
            self.reset()
        return {k: v for k, v in outputs.items() if k not in self._state_outputs}


def assert_backends_agree(
    model_path: str | Path, inputs: Inputs, atol: float = 1e-5
) -> dict[str, float]:
    """Run a model with numpy and LiteRT and fail unless every output agrees within ``atol``.

    Returns the largest absolute difference per output. Needs LiteRT.
    """
    reference = load_model(model_path, backend="numpy").run(inputs)
    candidate = load_model(model_path, backend="litert").run(inputs)
    diffs = {
        name: float(np.max(np.abs(reference[name] - candidate[name]), initial=0.0))
        for name in reference
    }
    worst = {name: d for name, d in diffs.items() if not d <= atol}
    if worst:
        raise AssertionError(f"numpy and LiteRT disagree beyond {atol}: {worst}")
    return diffs
