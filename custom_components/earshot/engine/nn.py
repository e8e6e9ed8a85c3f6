"""Neural-network layer ops in numpy, following Keras' exact math.

Every shipped model has an exact numpy path so it runs where LiteRT cannot be
installed (Home Assistant's Alpine images). The ops mirror Keras 3 semantics:
batch-first, channels-last, TensorFlow's "same" padding (extra padding goes
after), ``reset_after`` GRU and ``i, f, c, o`` LSTM gate order, so numpy and
TFLite agree to float32 round-off. All arrays are float32.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
Activation = Callable[[FloatArray], FloatArray]


# --- activations ----------------------------------------------------------------


def linear(x: FloatArray) -> FloatArray:
    """Identity."""
    return x


def relu(
    x: FloatArray,
    max_value: float | None = None,
    negative_slope: float = 0.0,
    threshold: float = 0.0,
) -> FloatArray:
    """Keras ``relu``: ``x`` above ``threshold``, ``negative_slope * (x - threshold)`` below."""
    if negative_slope == 0.0 and threshold == 0.0:
        out = np.maximum(x, np.float32(0.0))
    else:
        out = np.where(x >= threshold, x, np.float32(negative_slope) * (x - np.float32(threshold)))
    if max_value is not None:
        np.minimum(out, np.float32(max_value), out=out)
    return out.astype(np.float32, copy=False)


def relu6(x: FloatArray) -> FloatArray:
    """ReLU clipped at 6."""
    return relu(x, max_value=6.0)


def sigmoid(x: FloatArray) -> FloatArray:
    """Logistic function via tanh: no overflow for large negative inputs."""
    half = np.float32(0.5)
    out: FloatArray = np.tanh(x * half)
    out += np.float32(1.0)
    out *= half
    return out


def hard_sigmoid(x: FloatArray) -> FloatArray:
    """Keras 3 ``hard_sigmoid``: ``relu6(x + 3) / 6``."""
    return np.clip(x / np.float32(6.0) + np.float32(0.5), 0.0, 1.0).astype(np.float32)


def tanh(x: FloatArray) -> FloatArray:
    """Hyperbolic tangent."""
    out: FloatArray = np.tanh(x)
    return out


def silu(x: FloatArray) -> FloatArray:
    """``x * sigmoid(x)`` (Keras ``swish``/``silu``)."""
    return x * sigmoid(x)


def softmax(x: FloatArray, axis: int = -1) -> FloatArray:
    """Numerically stable softmax over ``axis``."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e: FloatArray = np.exp(shifted)
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


ACTIVATIONS: dict[str, Activation] = {
    "linear": linear,
    "relu": relu,
    "relu6": relu6,
    "sigmoid": sigmoid,
    "hard_sigmoid": hard_sigmoid,
    "tanh": tanh,
    "silu": silu,
    "swish": silu,
    "softmax": softmax,
}


def activation(name: str) -> Activation:
    """Look up an activation by its Keras name; unknown names are an error, not linear."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unsupported activation {name!r}") from None


# --- padding --------------------------------------------------------------------


def output_size(size: int, kernel: int, stride: int, dilation: int, padding: str) -> int:
    """Output length along one axis, as Keras computes it."""
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        return max((size - span) // stride + 1, 0)
    if padding in ("same", "causal"):
        return -(-size // stride)
    raise ValueError(f"unsupported padding {padding!r}")


def pad_amounts(
    size: int, kernel: int, stride: int, dilation: int, padding: str
) -> tuple[int, int]:
    """Padding (before, after) along one axis; TF puts the odd extra sample after."""
    if padding == "valid":
        return 0, 0
    span = (kernel - 1) * dilation + 1
    if padding == "causal":
        return span - 1, 0
    out = output_size(size, kernel, stride, dilation, padding)
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def _pad_spatial(
    x: FloatArray, pads: tuple[tuple[int, int], ...], value: float = 0.0
) -> FloatArray:
    """Pad the spatial axes of a (N, *spatial, C) array (np.pad is slow for tiny arrays)."""
    if not any(before or after for before, after in pads):
        return x
    shape = (x.shape[0], *(d + a + b for d, (a, b) in zip(x.shape[1:-1], pads, strict=True)))
    out = np.full((*shape, x.shape[-1]), value, dtype=np.float32)
    inner = tuple(slice(a, a + d) for d, (a, _) in zip(x.shape[1:-1], pads, strict=True))
    out[(slice(None), *inner)] = x
    return out


def zero_pad(x: FloatArray, pads: tuple[tuple[int, int], ...]) -> FloatArray:
    """Keras ZeroPadding1D/2D: (before, after) zeros on each spatial axis."""
    return _pad_spatial(x, pads)


def crop(x: FloatArray, crops: tuple[tuple[int, int], ...]) -> FloatArray:
    """Keras Cropping1D/2D: drop (before, after) samples on each spatial axis."""
    inner = tuple(slice(a, d - b) for d, (a, b) in zip(x.shape[1:-1], crops, strict=True))
    return x[(slice(None), *inner)]


def _taps2d(
    x: FloatArray,
    kernel_hw: tuple[int, int],
    strides: tuple[int, int],
    dilation: tuple[int, int],
    padding: str,
    pad_value: float = 0.0,
) -> tuple[list[list[FloatArray]], tuple[int, int]]:
    """Strided views of the padded input, one per kernel tap, each (N, Ho, Wo, C)."""
    _, h, w, _ = x.shape
    kh, kw = kernel_hw
    ho = output_size(h, kh, strides[0], dilation[0], padding)
    wo = output_size(w, kw, strides[1], dilation[1], padding)
    pads = (
        pad_amounts(h, kh, strides[0], dilation[0], padding),
        pad_amounts(w, kw, strides[1], dilation[1], padding),
    )
    xp = _pad_spatial(x, pads, pad_value)
    sh, sw = strides
    taps = [
        [
            xp[
                :,
                i * dilation[0] : i * dilation[0] + sh * (ho - 1) + 1 : sh,
                j * dilation[1] : j * dilation[1] + sw * (wo - 1) + 1 : sw,
                :,
            ]
            for j in range(kw)
        ]
        for i in range(kh)
    ]
    return taps, (ho, wo)


# --- convolution and dense ------------------------------------------------------

SINGLE_THREAD_MNK = 200_000
"""Matmuls are split into row blocks with m * n * k below this, which OpenBLAS runs
on the calling thread (it spawns threads from 4 * 65536). Its worker threads spin
while waiting; on a busy two-core host that made a 20 M MAC network 40x slower,
and the budget is a share of one core anyway. Row blocks give identical results."""


def matmul(a: FloatArray, b: FloatArray) -> FloatArray:
    """``a @ b`` over the last axis of ``a`` (any leading shape), kept single-threaded."""
    k, n = b.shape
    flat = a.reshape(-1, k)
    m = flat.shape[0]
    rows = max(1, SINGLE_THREAD_MNK // (k * n))
    if rows >= m:
        out: FloatArray = flat @ b
    else:
        out = np.empty((m, n), dtype=np.float32)
        for start in range(0, m, rows):
            np.matmul(flat[start : start + rows], b, out=out[start : start + rows])
    return out.reshape(*a.shape[:-1], n)


def conv2d(
    x: FloatArray,
    kernel: FloatArray,
    bias: FloatArray | None = None,
    strides: tuple[int, int] = (1, 1),
    padding: str = "valid",
    dilation: tuple[int, int] = (1, 1),
) -> FloatArray:
    """Keras Conv2D: x (N, H, W, C), kernel (kh, kw, C, O) -> (N, Ho, Wo, O).

    im2col into one preallocated patch matrix and a single matmul: for the small
    channel counts of audio front ends that beats one matmul per tap.
    """
    n, _, _, c = x.shape
    kh, kw, kc, o = kernel.shape
    if kc != c:
        raise ValueError(f"conv2d kernel expects {kc} channels, input has {c}")
    taps, (ho, wo) = _taps2d(x, (kh, kw), strides, dilation, padding)
    patches = np.empty((n, ho, wo, kh, kw, c), dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            patches[:, :, :, i, j, :] = taps[i][j]
    out = matmul(patches.reshape(n * ho * wo, kh * kw * c), kernel.reshape(kh * kw * c, o))
    if bias is not None:
        out += bias
    return out.reshape(n, ho, wo, o)


def conv1d(
    x: FloatArray,
    kernel: FloatArray,
    bias: FloatArray | None = None,
    stride: int = 1,
    padding: str = "valid",
    dilation: int = 1,
) -> FloatArray:
    """Keras Conv1D: x (N, T, C), kernel (k, C, O) -> (N, To, O); padding may be "causal".

    Its own im2col rather than conv2d on a height-one image: the streaming
    models call it every few tens of milliseconds, so per-call overhead counts.
    """
    n, t, c = x.shape
    k, kc, o = kernel.shape
    if kc != c:
        raise ValueError(f"conv1d kernel expects {kc} channels, input has {c}")
    xp = _pad_spatial(x, (pad_amounts(t, k, stride, dilation, padding),))
    to = output_size(t, k, stride, dilation, padding)
    last = stride * (to - 1) + 1
    # (N, To, k * C): tap i's channels at i * C, the order of kernel.reshape(k * C, O).
    patches = np.concatenate(
        [xp[:, i * dilation : i * dilation + last : stride] for i in range(k)], axis=-1
    )
    out = matmul(patches.reshape(n * to, k * c), kernel.reshape(k * c, o))
    if bias is not None:
        out += bias
    return out.reshape(n, to, o)


def depthwise_conv2d(
    x: FloatArray,
    kernel: FloatArray,
    bias: FloatArray | None = None,
    strides: tuple[int, int] = (1, 1),
    padding: str = "valid",
    dilation: tuple[int, int] = (1, 1),
) -> FloatArray:
    """Keras DepthwiseConv2D: kernel (kh, kw, C, M) -> (N, Ho, Wo, C * M), channel-major."""
    n, _, _, c = x.shape
    kh, kw, kc, mult = kernel.shape
    if kc != c:
        raise ValueError(f"depthwise kernel expects {kc} channels, input has {c}")
    taps, (ho, wo) = _taps2d(x, (kh, kw), strides, dilation, padding)
    out = np.zeros((n, ho, wo, c, mult), dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            out += taps[i][j][..., None] * kernel[i, j]
    flat = out.reshape(n, ho, wo, c * mult)
    if bias is not None:
        flat += bias
    return flat


def dense(x: FloatArray, kernel: FloatArray, bias: FloatArray | None = None) -> FloatArray:
    """Keras Dense over the last axis: kernel (I, O)."""
    out = matmul(x, kernel)
    if bias is not None:
        out += bias
    return out


def scale_shift(x: FloatArray, scale: FloatArray, shift: FloatArray) -> FloatArray:
    """Per-channel ``x * scale + shift`` (an inference-time BatchNormalization)."""
    out = x * scale
    out += shift
    return out


def batch_norm_scale_shift(
    gamma: FloatArray | None,
    beta: FloatArray | None,
    mean: FloatArray,
    variance: FloatArray,
    epsilon: float,
) -> tuple[FloatArray, FloatArray]:
    """Inference BatchNormalization as (scale, shift), computed in float64 then rounded."""
    inv = 1.0 / np.sqrt(variance.astype(np.float64) + epsilon)
    scale = inv * (gamma.astype(np.float64) if gamma is not None else 1.0)
    shift = -mean.astype(np.float64) * scale
    if beta is not None:
        shift = shift + beta
    return scale.astype(np.float32), shift.astype(np.float32)


# --- pooling --------------------------------------------------------------------


def max_pool2d(
    x: FloatArray, pool: tuple[int, int], strides: tuple[int, int], padding: str = "valid"
) -> FloatArray:
    """Keras MaxPooling2D (padding never wins: it is -inf)."""
    taps, _ = _taps2d(x, pool, strides, (1, 1), padding, pad_value=-np.inf)
    out = taps[0][0].copy()
    for row in taps:
        for tap in row:
            np.maximum(out, tap, out=out)
    return out


def avg_pool2d(
    x: FloatArray, pool: tuple[int, int], strides: tuple[int, int], padding: str = "valid"
) -> FloatArray:
    """Keras AveragePooling2D; with "same" padding the padded cells are not counted."""
    taps, (ho, wo) = _taps2d(x, pool, strides, (1, 1), padding)
    out = np.zeros((x.shape[0], ho, wo, x.shape[3]), dtype=np.float32)
    for row in taps:
        for tap in row:
            out += tap
    if padding == "valid":
        out *= np.float32(1.0 / (pool[0] * pool[1]))
        return out
    ones = np.ones((1, x.shape[1], x.shape[2], 1), dtype=np.float32)
    count_taps, _ = _taps2d(ones, pool, strides, (1, 1), padding)
    count = np.zeros((1, ho, wo, 1), dtype=np.float32)
    for row in count_taps:
        for tap in row:
            count += tap
    out /= count
    return out


def max_pool1d(x: FloatArray, pool: int, stride: int, padding: str = "valid") -> FloatArray:
    """Keras MaxPooling1D on (N, T, C)."""
    return max_pool2d(x[:, None], (1, pool), (1, stride), padding)[:, 0]


def avg_pool1d(x: FloatArray, pool: int, stride: int, padding: str = "valid") -> FloatArray:
    """Keras AveragePooling1D on (N, T, C)."""
    return avg_pool2d(x[:, None], (1, pool), (1, stride), padding)[:, 0]


def global_avg_pool(x: FloatArray) -> FloatArray:
    """Mean over all axes between batch and channels."""
    out: FloatArray = x.mean(axis=tuple(range(1, x.ndim - 1)), dtype=np.float32)
    return out


def global_max_pool(x: FloatArray) -> FloatArray:
    """Max over all axes between batch and channels."""
    out: FloatArray = x.max(axis=tuple(range(1, x.ndim - 1)))
    return out


# --- recurrent ------------------------------------------------------------------


def gru(
    x: FloatArray,
    h0: FloatArray,
    kernel: FloatArray,
    recurrent_kernel: FloatArray,
    bias: FloatArray | None,
    reset_after: bool = True,
    activation_fn: Activation = tanh,
    recurrent_activation_fn: Activation = sigmoid,
) -> tuple[FloatArray, FloatArray]:
    """Keras GRU over x (N, T, I) from state h0 (N, U); returns (sequence (N, T, U), h_T).

    Gate order in the kernels is (z, r, h). With ``reset_after`` (the Keras
    default) the bias is (2, 3U): input bias and recurrent bias, and the reset
    gate multiplies the recurrent candidate *after* the matmul. The input
    projection of all steps is one matmul; only the recurrent part loops.
    """
    n, steps, _ = x.shape
    units = h0.shape[1]
    if bias is None:
        input_bias: FloatArray | float = 0.0
        recurrent_bias: FloatArray | float = 0.0
    elif reset_after:
        input_bias, recurrent_bias = bias[0], bias[1]
    else:
        input_bias, recurrent_bias = bias, 0.0
    xw = matmul(x, kernel)
    xw += input_bias
    seq = np.empty((n, steps, units), dtype=np.float32)
    h = h0.astype(np.float32, copy=True)
    u_zr = recurrent_kernel[:, : 2 * units]
    u_h = recurrent_kernel[:, 2 * units :]
    for t in range(steps):
        xt = xw[:, t]
        if reset_after:
            hr = h @ recurrent_kernel
            hr += recurrent_bias
            zr = recurrent_activation_fn(xt[:, : 2 * units] + hr[:, : 2 * units])
            z, r = zr[:, :units], zr[:, units:]
            cand = activation_fn(xt[:, 2 * units :] + r * hr[:, 2 * units :])
        else:
            zr = recurrent_activation_fn(xt[:, : 2 * units] + np.matmul(h, u_zr))
            z, r = zr[:, :units], zr[:, units:]
            cand = activation_fn(xt[:, 2 * units :] + np.matmul(r * h, u_h))
        h = z * h
        h += (np.float32(1.0) - z) * cand
        seq[:, t] = h
    return seq, h


def lstm(
    x: FloatArray,
    h0: FloatArray,
    c0: FloatArray,
    kernel: FloatArray,
    recurrent_kernel: FloatArray,
    bias: FloatArray | None,
    activation_fn: Activation = tanh,
    recurrent_activation_fn: Activation = sigmoid,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Keras LSTM over x (N, T, I); gate order (i, f, c, o); returns (sequence, h_T, c_T)."""
    n, steps, _ = x.shape
    units = h0.shape[1]
    xw = matmul(x, kernel)
    if bias is not None:
        xw += bias
    seq = np.empty((n, steps, units), dtype=np.float32)
    h = h0.astype(np.float32, copy=True)
    c = c0.astype(np.float32, copy=True)
    for t in range(steps):
        gates = xw[:, t] + h @ recurrent_kernel
        ifg = recurrent_activation_fn(gates[:, : 2 * units])
        o = recurrent_activation_fn(gates[:, 3 * units :])
        c = ifg[:, units:] * c + ifg[:, :units] * activation_fn(gates[:, 2 * units : 3 * units])
        h = o * activation_fn(c)
        seq[:, t] = h
    return seq, h, c
