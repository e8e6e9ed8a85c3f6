"""The frame-by-frame classifier gives the whole-window network's outputs."""

from __future__ import annotations

import dataclasses

import numpy as np

from earshot_engine.inference import NumpyModel, load_numpy_model, read_npz_model
from earshot_engine.presence.classifier import (
    CONTEXT_FRAMES,
    INPUT_NAME,
    MODEL_PATH,
    OUTPUT_NAME,
    VERIFIER_PATH,
    MotionClassifier,
)
from earshot_engine.presence.doppler import N_FEATURES
from earshot_engine.presence.streaming import StreamingConvNet, streaming_classifier


def _stream_and_windows(
    classifier: MotionClassifier, frames: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Push random frames (quiet stretches and a reset included); return what push gave
    and the windows it saw."""
    rng = np.random.default_rng(seed)
    got, windows = [], []
    for k in range(frames):
        if k == frames // 2:
            classifier.reset()
        level = 40.0 if (k // 30) % 3 else 5.0  # every third stretch shows no motion
        p = classifier.push(
            (rng.random(N_FEATURES) * level).astype(np.float32), 50.0 + 60.0 * rng.random()
        )
        got.append((p.major, p.minor, p.nonhuman))
        windows.append(classifier._inputs[-CONTEXT_FRAMES:].copy())
    return np.array(got), np.stack(windows)


def _whole_windows(model: NumpyModel, windows: np.ndarray, got: np.ndarray) -> np.ndarray:
    p = model.run({INPUT_NAME: windows})[OUTPUT_NAME][:, 1:]
    return np.where(got.any(axis=1, keepdims=True), p, 0.0)


def test_the_shipped_classifier_streams_with_the_whole_window_outputs() -> None:
    classifier = MotionClassifier(backend="numpy")
    assert isinstance(classifier._evaluator, StreamingConvNet)
    got, windows = _stream_and_windows(classifier, 600, seed=1)
    assert got.any()
    np.testing.assert_allclose(
        got, _whole_windows(load_numpy_model(MODEL_PATH), windows, got), atol=1e-5
    )


def test_one_member_streams_too() -> None:
    spec, weights = read_npz_model(MODEL_PATH.with_suffix(".npz"))
    member = f"m0_{OUTPUT_NAME}"
    one = NumpyModel(
        dataclasses.replace(spec, output_tensors=(f"{member}:0:0",)),
        weights,
        MODEL_PATH.with_suffix(".npz"),
    )
    classifier = MotionClassifier(one, verifier=load_numpy_model(VERIFIER_PATH))
    assert isinstance(classifier._evaluator, StreamingConvNet)
    got, windows = _stream_and_windows(classifier, 300, seed=2)
    np.testing.assert_allclose(got, _whole_windows(one, windows, got), atol=1e-5)


def test_other_graphs_are_not_streamed() -> None:
    # The verifier's first convolution strides by two: not a sliding stack.
    assert streaming_classifier(load_numpy_model(VERIFIER_PATH)) is None
