"""Frame-by-frame evaluation of the presence classifier on the numpy path.

The classifier sees a one-second window that moves on by one frame at a time, and its
layers are valid, stride-1 temporal convolutions: every output column of a layer but the
newest was already computed on earlier frames. Keeping those columns, a step computes one
column per layer, then the pooling and the dense head, with the averaged members side by
side in one set of block matrices. Through the generic executor a step of the shipped
three-member network evaluates the whole window three times; here it is a handful of
small matrix products. Same outputs as the full evaluation to float32 round-off (tested).

Only graphs of that shape are streamed (:func:`streaming_classifier` returns ``None`` for
anything else, and for LiteRT, which evaluates whole windows cheaply anyway).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from ..inference import Model, NumpyModel
from ..nn import FloatArray, relu, softmax

Node = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Conv:
    """One temporal convolution of all members at once (kernel flattened tap-major)."""

    kernel: FloatArray
    """(taps * in_channels, out_channels)"""
    bias: FloatArray
    taps: int
    dilation: int

    @property
    def span(self) -> int:
        return (self.taps - 1) * self.dilation + 1

    def columns(self, x: FloatArray) -> FloatArray:
        """Every valid output column of a (T, in_channels) input: (T - span + 1, out)."""
        count = x.shape[0] - self.span + 1
        patches = np.concatenate(
            [x[i * self.dilation : i * self.dilation + count] for i in range(self.taps)], axis=-1
        )
        return relu(patches @ self.kernel + self.bias)

    def newest(self, x: FloatArray) -> FloatArray:
        """The output column that ends at the last row of ``x``: (out,)."""
        patch = np.concatenate([x[-self.span + i * self.dilation] for i in range(self.taps)])
        return relu(patch @ self.kernel + self.bias)


class StreamingConvNet:
    """Output columns of each convolution over the current window, kept between frames."""

    def __init__(
        self,
        convs: tuple[_Conv, ...],
        dense: tuple[FloatArray, FloatArray],
        logits: tuple[FloatArray, FloatArray],
        members: int,
    ) -> None:
        self._convs = convs
        self._dense = dense
        self._logits = logits
        self._members = members
        self._columns: list[FloatArray] = []

    def reset(self, window: FloatArray) -> None:
        """Compute every layer's columns for a (frames, inputs) window from scratch."""
        self._columns = []
        x = window
        for conv in self._convs:
            x = conv.columns(x)
            self._columns.append(x)

    def push(self, window: FloatArray) -> None:
        """The window moved on by one frame (its last row is new): add one column per layer."""
        x = window
        for conv, kept in zip(self._convs, self._columns, strict=True):
            kept[:-1] = kept[1:]
            kept[-1] = conv.newest(x)
            x = kept

    def probabilities(self) -> FloatArray:
        """The members' mean class probabilities for the current window: (classes,)."""
        last = self._columns[-1]
        pooled = np.concatenate([last.max(axis=0), last.mean(axis=0, dtype=np.float32)])
        hidden = relu(pooled @ self._dense[0] + self._dense[1])
        logits = cast(FloatArray, hidden @ self._logits[0] + self._logits[1])
        per_member = logits.reshape(self._members, -1)
        mean: FloatArray = softmax(per_member).mean(axis=0, dtype=np.float32)
        return mean


def streaming_classifier(model: Model) -> StreamingConvNet | None:
    """A streaming evaluator of ``model`` if it is a numpy model of the supported shape.

    Per member: valid stride-1 ReLU Conv1D layers, global max and mean pooling
    concatenated, a ReLU dense layer and a softmax dense layer; members averaged.
    """
    if not isinstance(model, NumpyModel) or len(model.spec.outputs) != 1:
        return None
    spec, weights = model.spec, model.weights
    producers = {str(t): node for node in spec.nodes for t in node["outputs"]}
    final = producers[spec.output_tensors[0]]
    heads = [producers[t] for t in final["inputs"]] if final["op"] == "average" else [final]
    members = [_member(head, producers, weights, spec.inputs[0].name) for head in heads]
    if any(m is None for m in members):
        return None
    return _side_by_side([m for m in members if m is not None])


@dataclass(frozen=True, slots=True)
class _Member:
    convs: tuple[tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], int], ...]
    """(kernel (taps, in, out), bias, dilation) from the input on."""
    dense: tuple[FloatArray, FloatArray]
    logits: tuple[FloatArray, FloatArray]


def _member(
    head: Node, producers: Mapping[str, Node], weights: Mapping[str, FloatArray], source: str
) -> _Member | None:
    """One member's weights, walking back from its softmax layer (None: another shape)."""
    dense = producers.get(head["inputs"][0]) if head["op"] == "dense" else None
    pool = producers.get(dense["inputs"][0]) if dense is not None else None
    if (
        dense is None
        or pool is None
        or head["attrs"].get("activation") != "softmax"
        or dense["op"] != "dense"
        or dense["attrs"].get("activation") != "relu"
        or pool["op"] != "concatenate"
        or [producers[t]["op"] for t in pool["inputs"]] != ["global_max_pool", "global_avg_pool"]
        or len({producers[t]["inputs"][0] for t in pool["inputs"]}) != 1
    ):
        return None
    convs = []
    tensor = producers[pool["inputs"][0]]["inputs"][0]
    while tensor != source:
        node = producers.get(tensor)
        attrs = node["attrs"] if node is not None else {}
        if (
            node is None
            or node["op"] != "conv1d"
            or attrs.get("stride") != 1
            or attrs.get("padding") != "valid"
            or attrs.get("activation") != "relu"
        ):
            return None
        w = node["weights"]
        convs.append((weights[w["kernel"]], weights[w["bias"]], int(attrs["dilation"])))
        tensor = node["inputs"][0]
    if not convs:
        return None

    def pair(node: Node) -> tuple[FloatArray, FloatArray]:
        return weights[node["weights"]["kernel"]], weights[node["weights"]["bias"]]

    return _Member(tuple(reversed(convs)), pair(dense), pair(head))


def _side_by_side(members: list[_Member]) -> StreamingConvNet | None:
    """All members as one network.

    The first convolution's kernels side by side (they share the input), every later
    layer block-diagonal.
    """
    first = members[0]
    layers = [[m.convs[i] for m in members] for i in range(len(first.convs))]
    if any(
        len(m.convs) != len(first.convs)
        or [c[0].shape for c in m.convs] != [c[0].shape for c in first.convs]
        or [c[2] for c in m.convs] != [c[2] for c in first.convs]
        for m in members
    ):
        return None
    convs = []
    for index, layer in enumerate(layers):
        taps, _, _ = layer[0][0].shape
        if index == 0:
            kernel = np.concatenate([k for k, _, _ in layer], axis=2)
        else:
            kernel = np.stack([_block_diagonal([k[t] for k, _, _ in layer]) for t in range(taps)])
        convs.append(
            _Conv(
                np.ascontiguousarray(kernel.reshape(-1, kernel.shape[-1])),
                np.concatenate([b for _, b, _ in layer]),
                taps,
                layer[0][2],
            )
        )
    channels = first.convs[-1][0].shape[-1]
    # Pooled features are [max of every member's channels, mean of every member's]; each
    # member's dense kernel reads [its max, its mean].
    dense = np.concatenate(
        [
            _block_diagonal([m.dense[0][:channels] for m in members]),
            _block_diagonal([m.dense[0][channels:] for m in members]),
        ]
    )
    return StreamingConvNet(
        tuple(convs),
        (dense, np.concatenate([m.dense[1] for m in members])),
        (
            _block_diagonal([m.logits[0] for m in members]),
            np.concatenate([m.logits[1] for m in members]),
        ),
        len(members),
    )


def _block_diagonal(blocks: list[FloatArray]) -> FloatArray:
    rows = sum(b.shape[0] for b in blocks)
    cols = sum(b.shape[1] for b in blocks)
    out = np.zeros((rows, cols), dtype=np.float32)
    r = c = 0
    for b in blocks:
        out[r : r + b.shape[0], c : c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out
