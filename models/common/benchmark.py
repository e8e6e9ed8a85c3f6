"""Time shipped models on each available backend and report MACs (numpy + engine only).

    .venv/bin/python -m models.common.benchmark custom_components/earshot/models/sound_stage1 \
        --calls-per-s 10

prints, per backend, the CPU time of one call (median of ten batch means) (batch of one, random
inputs, states streamed when the model has any), the share of one core at the
given call rate, and MACs per call and per second. ``--synthetic-stage1``
benchmarks a random-weight stand-in for the sound stage 1 (conv front end over
ten 40-band frames, GRU 64, 10 heads) when no trained model exists yet.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from earshot_engine.inference import (
    SPEC_FORMAT,
    SPEC_VERSION,
    Backend,
    StreamingModel,
    count_macs,
    litert_interpreter_class,
    load_model,
    read_npz_model,
    write_npz_model,
)


def synthetic_stage1(directory: Path) -> Path:
    """Write a numpy-only stand-in for the sound stage 1 and return its base path."""
    rng = np.random.default_rng(0)

    def w(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)

    def conv(name: str, src: str, dst: str) -> dict[str, Any]:
        return {
            "name": name,
            "op": "conv1d",
            "inputs": [src],
            "outputs": [dst],
            "attrs": {"stride": 1, "padding": "valid", "dilation": 1, "activation": "relu"},
            "weights": {"kernel": f"{name}/kernel", "bias": f"{name}/bias"},
        }

    nodes = [
        {
            "name": "norm",
            "op": "scale_shift",
            "inputs": ["logmel"],
            "outputs": ["norm"],
            "weights": {"scale": "norm/scale", "shift": "norm/shift"},
        },
        conv("conv1", "norm", "conv1"),
        {
            "name": "pool",
            "op": "max_pool1d",
            "inputs": ["conv1"],
            "outputs": ["pool"],
            "attrs": {"pool": 2, "stride": 2, "padding": "valid"},
        },
        conv("conv2", "pool", "conv2"),
        {
            "name": "gmp",
            "op": "global_max_pool",
            "inputs": ["conv2"],
            "outputs": ["gmp"],
            "attrs": {"keepdims": True},
        },
        {
            "name": "gru",
            "op": "gru",
            "inputs": ["gmp", "gru_state"],
            "outputs": ["seq", "h"],
            "attrs": {
                "units": 64,
                "reset_after": True,
                "return_sequences": True,
                "return_state": True,
            },
            "weights": {
                "kernel": "gru/kernel",
                "recurrent_kernel": "gru/recurrent_kernel",
                "bias": "gru/bias",
            },
        },
        {
            "name": "heads",
            "op": "dense",
            "inputs": ["seq"],
            "outputs": ["scores"],
            "attrs": {"activation": "sigmoid"},
            "weights": {"kernel": "heads/kernel", "bias": "heads/bias"},
        },
    ]
    weights = {
        "norm/scale": w(40),
        "norm/shift": w(40),
        "conv1/kernel": w(3, 40, 48),
        "conv1/bias": w(48),
        "conv2/kernel": w(3, 48, 48),
        "conv2/bias": w(48),
        "gru/kernel": w(48, 192),
        "gru/recurrent_kernel": w(64, 192),
        "gru/bias": w(2, 192),
        "heads/kernel": w(64, 10),
        "heads/bias": w(10),
    }
    spec = {
        "format": SPEC_FORMAT,
        "version": SPEC_VERSION,
        "name": "synthetic_stage1",
        "inputs": [
            {"name": "logmel", "shape": [None, 10, 40]},
            {"name": "gru_state", "shape": [None, 64]},
        ],
        "outputs": [
            {"name": "scores", "tensor": "scores"},
            {"name": "gru_state_out", "tensor": "h"},
        ],
        "states": [{"input": "gru_state", "output": "gru_state_out"}],
        "nodes": nodes,
    }
    base = directory / "synthetic_stage1"
    write_npz_model(base.with_suffix(".npz"), spec, weights)
    return base


def time_model(base: Path, backend: Backend, calls: int) -> tuple[float, str]:
    """CPU seconds per call (all threads of this process) and the backend actually used.

    CPU time rather than wall time is what "share of one core" means, and it
    is far less disturbed by other processes on a shared host; the calls run in
    ten batches and the median batch mean is reported.
    """
    model = load_model(base, backend=backend)
    rng = np.random.default_rng(1)
    feeds = {
        i.name: rng.standard_normal((1, *(d or 1 for d in i.shape[1:]))).astype(np.float32)
        for i in model.spec.inputs
    }
    if model.spec.states:
        stream = StreamingModel(model)
        user = {k: v for k, v in feeds.items() if k in stream.input_names}
        run = lambda: stream.run(user)  # noqa: E731
    else:
        run = lambda: model.run(feeds)  # noqa: E731
    for _ in range(20):
        run()
    per_batch = max(1, calls // 10)
    means = []
    for _ in range(10):
        started = time.process_time()
        for _ in range(per_batch):
            run()
        means.append((time.process_time() - started) / per_batch)
    return float(np.median(means)), model.backend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", nargs="?", help="model path without suffix")
    parser.add_argument("--synthetic-stage1", action="store_true")
    parser.add_argument("--calls-per-s", type=float, default=10.0, help="calls per second of audio")
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = synthetic_stage1(Path(tmp)) if args.synthetic_stage1 else Path(args.model)
        macs = count_macs(base)
        _, weights = read_npz_model(base.parent / f"{base.name}.npz")
        params = sum(w.size for w in weights.values())
        print(
            f"{base.name}: {params} parameters, {macs} MACs per call, "
            f"{macs * args.calls_per_s / 1e6:.3f} M MACs per second of audio"
        )
        backends: list[Backend] = ["numpy"]
        if litert_interpreter_class() is not None:
            backends.append("litert")
        for backend in backends:
            if backend == "litert" and not base.with_suffix(".tflite").exists():
                continue
            seconds, used = time_model(base, backend, args.calls)
            share = seconds * args.calls_per_s * 100
            print(f"  {used:6s}: {seconds * 1e6:8.1f} us per call, {share:.3f}% of one core")


if __name__ == "__main__":
    main()
