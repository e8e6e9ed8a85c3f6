"""numpy layer ops against naive loop implementations written from the Keras formulas."""

from __future__ import annotations

import numpy as np
import pytest

from earshot_engine import nn

RNG = np.random.default_rng(1234)


def rand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def tf_pads(size: int, k: int, s: int, d: int, padding: str) -> tuple[int, int, int]:
    """(out, before, after) as documented for TensorFlow."""
    span = (k - 1) * d + 1
    if padding == "valid":
        return (size - span) // s + 1, 0, 0
    out = -(-size // s)
    total = max((out - 1) * s + span - size, 0)
    return out, total // 2, total - total // 2


def naive_conv2d(x, k, b, strides, padding, dilation, depthwise=False):
    n, h, w, c = x.shape
    kh, kw = k.shape[:2]
    ho, pt, pb = tf_pads(h, kh, strides[0], dilation[0], padding)
    wo, pl, pr = tf_pads(w, kw, strides[1], dilation[1], padding)
    xp = np.zeros((n, h + pt + pb, w + pl + pr, c), np.float64)
    xp[:, pt : pt + h, pl : pl + w] = x
    o = k.shape[3] * (c if depthwise else 1)
    out = np.zeros((n, ho, wo, o))
    for bi in range(n):
        for i in range(ho):
            for j in range(wo):
                for a in range(kh):
                    for e in range(kw):
                        v = xp[
                            bi, i * strides[0] + a * dilation[0], j * strides[1] + e * dilation[1]
                        ]
                        if depthwise:
                            out[bi, i, j] += (v[:, None] * k[a, e]).reshape(-1)
                        else:
                            out[bi, i, j] += v @ k[a, e]
    return out + (0 if b is None else b)


@pytest.mark.parametrize(
    ("size", "k", "s", "d", "padding"),
    [
        ((7, 9), (3, 3), (1, 1), (1, 1), "same"),
        ((8, 5), (3, 2), (2, 2), (1, 1), "same"),
        ((9, 10), (3, 4), (2, 3), (1, 1), "valid"),
        ((10, 8), (3, 3), (1, 1), (2, 1), "same"),
        ((6, 6), (1, 1), (1, 1), (1, 1), "valid"),
    ],
)
def test_conv2d_and_depthwise_match_naive(size, k, s, d, padding) -> None:
    x = rand(2, *size, 3)
    kernel, bias = rand(*k, 3, 4), rand(4)
    got = nn.conv2d(x, kernel, bias, s, padding, d)
    np.testing.assert_allclose(got, naive_conv2d(x, kernel, bias, s, padding, d), atol=1e-4)
    dk, db = rand(*k, 3, 2), rand(6)
    got = nn.depthwise_conv2d(x, dk, db, s, padding, d)
    want = naive_conv2d(x, dk, db, s, padding, d, depthwise=True)
    np.testing.assert_allclose(got, want, atol=1e-4)
    assert got.dtype == np.float32


def test_same_padding_puts_odd_extra_after() -> None:
    # 5 samples, kernel 2, stride 2 -> 3 outputs, one pad sample at the end only
    assert nn.pad_amounts(5, 2, 2, 1, "same") == (0, 1)
    assert nn.pad_amounts(6, 3, 1, 1, "same") == (1, 1)
    assert nn.pad_amounts(6, 4, 1, 1, "same") == (1, 2)
    assert nn.output_size(5, 2, 2, 1, "same") == 3
    with pytest.raises(ValueError, match="padding"):
        nn.output_size(5, 2, 2, 1, "full")


@pytest.mark.parametrize(
    ("padding", "stride", "dilation"), [("valid", 1, 1), ("same", 2, 1), ("causal", 1, 2)]
)
def test_conv1d_matches_naive(padding: str, stride: int, dilation: int) -> None:
    x, kernel, bias = rand(2, 11, 3), rand(3, 3, 5), rand(5)
    got = nn.conv1d(x, kernel, bias, stride, padding, dilation)
    if padding == "causal":
        xp = np.concatenate([np.zeros((2, 2 * dilation, 3), np.float32), x], axis=1)
        want = naive_conv2d(xp[:, None], kernel[None], bias, (1, 1), "valid", (1, dilation))[:, 0]
        assert got.shape == (2, 11, 5)
    else:
        want = naive_conv2d(x[:, None], kernel[None], bias, (1, stride), padding, (1, dilation))[
            :, 0
        ]
    np.testing.assert_allclose(got, want, atol=1e-4)


def naive_pool(x, pool, strides, padding, kind):
    n, h, w, c = x.shape
    ho, pt, _ = tf_pads(h, pool[0], strides[0], 1, padding)
    wo, pl, _ = tf_pads(w, pool[1], strides[1], 1, padding)
    out = np.zeros((n, ho, wo, c))
    for i in range(ho):
        for j in range(wo):
            rows = [
                r for r in range(i * strides[0] - pt, i * strides[0] - pt + pool[0]) if 0 <= r < h
            ]
            cols = [
                q for q in range(j * strides[1] - pl, j * strides[1] - pl + pool[1]) if 0 <= q < w
            ]
            win = x[:, rows][:, :, cols]
            out[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return out


@pytest.mark.parametrize(
    ("pool", "strides", "padding"),
    [
        ((2, 2), (2, 2), "valid"),
        ((3, 3), (2, 2), "same"),
        ((3, 2), (1, 2), "same"),
        ((1, 3), (1, 3), "valid"),
    ],
)
def test_pool2d_matches_naive(pool, strides, padding) -> None:
    x = rand(2, 7, 8, 3)
    for kind, fn in (("max", nn.max_pool2d), ("avg", nn.avg_pool2d)):
        np.testing.assert_allclose(
            fn(x, pool, strides, padding), naive_pool(x, pool, strides, padding, kind), atol=1e-5
        )


def test_pool1d_and_global_pools() -> None:
    x = rand(2, 9, 4)
    np.testing.assert_allclose(
        nn.max_pool1d(x, 3, 2, "same"), naive_pool(x[:, None], (1, 3), (1, 2), "same", "max")[:, 0]
    )
    np.testing.assert_allclose(
        nn.avg_pool1d(x, 2, 2, "valid"),
        naive_pool(x[:, None], (1, 2), (1, 2), "valid", "avg")[:, 0],
        atol=1e-6,
    )
    x4 = rand(2, 3, 5, 4)
    np.testing.assert_allclose(nn.global_avg_pool(x4), x4.reshape(2, -1, 4).mean(axis=1), atol=1e-6)
    np.testing.assert_array_equal(nn.global_max_pool(x4), x4.reshape(2, -1, 4).max(axis=1))


def test_activations() -> None:
    x = rand(4, 7) * 10
    x[0, 0] = -200.0  # exp overflow territory for the naive formula
    np.testing.assert_allclose(nn.sigmoid(x), 1 / (1 + np.exp(-x.astype(np.float64))), atol=1e-6)
    np.testing.assert_allclose(nn.relu6(x), np.clip(x, 0, 6))
    np.testing.assert_allclose(
        nn.relu(x, negative_slope=0.1), np.where(x > 0, x, 0.1 * x), rtol=1e-6
    )
    np.testing.assert_allclose(nn.hard_sigmoid(x), np.clip(x / 6 + 0.5, 0, 1), atol=1e-7)
    np.testing.assert_allclose(nn.silu(x), x / (1 + np.exp(-x.astype(np.float64))), atol=1e-5)
    sm = nn.softmax(x)
    np.testing.assert_allclose(sm, np.exp(x) / np.exp(x).sum(-1, keepdims=True), atol=1e-6)
    with pytest.raises(ValueError, match="unsupported activation"):
        nn.activation("gelu")


def test_dense_and_batch_norm() -> None:
    x, k, b = rand(2, 5, 3), rand(3, 4), rand(4)
    want = np.einsum("ntc,co->nto", x, k) + b
    np.testing.assert_allclose(nn.dense(x, k, b), want, atol=1e-5)
    gamma, beta, mean = rand(4), rand(4), rand(4)
    var = np.abs(rand(4)) + 0.1
    scale, shift = nn.batch_norm_scale_shift(gamma, beta, mean, var, 1e-3)
    y = rand(3, 4)
    want = gamma * (y - mean) / np.sqrt(var + 1e-3) + beta
    np.testing.assert_allclose(nn.scale_shift(y, scale, shift), want, atol=1e-5)


def sig(v):
    return 1 / (1 + np.exp(-v))


def naive_gru(x, h, kernel, rkernel, bias, reset_after):
    u = h.shape[1]
    wz, wr, wh = kernel[:, :u], kernel[:, u : 2 * u], kernel[:, 2 * u :]
    uz, ur, uh = rkernel[:, :u], rkernel[:, u : 2 * u], rkernel[:, 2 * u :]
    bi = bias[0] if reset_after else bias
    br = bias[1] if reset_after else np.zeros(3 * u)
    seq = []
    for t in range(x.shape[1]):
        xt = x[:, t]
        z = sig(xt @ wz + bi[:u] + h @ uz + br[:u])
        r = sig(xt @ wr + bi[u : 2 * u] + h @ ur + br[u : 2 * u])
        if reset_after:
            hh = np.tanh(xt @ wh + bi[2 * u :] + r * (h @ uh + br[2 * u :]))
        else:
            hh = np.tanh(xt @ wh + bi[2 * u :] + (r * h) @ uh)
        h = z * h + (1 - z) * hh
        seq.append(h)
    return np.stack(seq, axis=1), h


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_naive(reset_after: bool) -> None:
    x, h0 = rand(2, 6, 5), rand(2, 4)
    kernel, rk = rand(5, 12), rand(4, 12)
    bias = rand(2, 12) if reset_after else rand(12)
    seq, h = nn.gru(x, h0, kernel, rk, bias, reset_after)
    want_seq, want_h = naive_gru(x, h0, kernel, rk, bias, reset_after)
    np.testing.assert_allclose(seq, want_seq, atol=1e-5)
    np.testing.assert_allclose(h, want_h, atol=1e-5)


def test_lstm_matches_naive() -> None:
    x, h, c = rand(2, 6, 5), rand(2, 4), rand(2, 4)
    kernel, rk, bias = rand(5, 16), rand(4, 16), rand(16)
    seq, h_t, c_t = nn.lstm(x, h, c, kernel, rk, bias)
    want = []
    for t in range(6):
        g = x[:, t] @ kernel + h @ rk + bias
        i, f, cc, o = sig(g[:, :4]), sig(g[:, 4:8]), np.tanh(g[:, 8:12]), sig(g[:, 12:])
        c = f * c + i * cc
        h = o * np.tanh(c)
        want.append(h)
    np.testing.assert_allclose(seq, np.stack(want, axis=1), atol=1e-5)
    np.testing.assert_allclose(h_t, h, atol=1e-5)
    np.testing.assert_allclose(c_t, c, atol=1e-5)


def test_recurrent_steps_chain_like_full_sequence() -> None:
    x, h0 = rand(1, 10, 3), rand(1, 4)
    kernel, rk, bias = rand(3, 12), rand(4, 12), rand(2, 12)
    full, _ = nn.gru(x, h0, kernel, rk, bias)
    h = h0
    for t in range(10):
        step, h = nn.gru(x[:, t : t + 1], h, kernel, rk, bias)
        np.testing.assert_allclose(step[:, 0], full[:, t], atol=1e-6)


def test_matmul_row_blocks_equal_one_matmul(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = rand(3, 37, 6), rand(6, 5)
    want = a @ b
    monkeypatch.setattr(nn, "SINGLE_THREAD_MNK", 100)  # blocks of 3 rows
    got = nn.matmul(a, b)
    assert got.shape == (3, 37, 5)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_zero_pad_and_crop() -> None:
    x = rand(2, 3, 4, 2)
    padded = nn.zero_pad(x, ((1, 0), (2, 1)))
    assert padded.shape == (2, 4, 7, 2)
    np.testing.assert_array_equal(padded[:, 1:, 2:6], x)
    assert not padded[:, 0].any()
    assert not padded[:, :, :2].any()
    assert not padded[:, :, 6].any()
    np.testing.assert_array_equal(nn.crop(x, ((1, 0), (1, 2))), x[:, 1:, 1:2])
