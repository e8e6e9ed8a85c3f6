"""The shipped presence models (classifier and verifier): LiteRT and numpy agree; the
evidence gate; probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from earshot_engine.inference import assert_backends_agree, litert_interpreter_class
from earshot_engine.presence.classifier import (
    CONTEXT_FRAMES,
    EVIDENCE_DB,
    INPUT_NAME,
    MODEL_PATH,
    VERIFIER_CONTEXT_FRAMES,
    VERIFIER_PATH,
    MotionClassifier,
    frame_inputs,
)
from earshot_engine.presence.doppler import N_FEATURES


def _window(level_db: float, seed: int = 0, frames: int = CONTEXT_FRAMES) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (level_db + 3.0 * rng.standard_normal((frames, N_FEATURES))).astype(np.float32)


@pytest.mark.skipif(litert_interpreter_class() is None, reason="LiteRT not installed")
@pytest.mark.parametrize(
    ("path", "frames"), [(MODEL_PATH, CONTEXT_FRAMES), (VERIFIER_PATH, VERIFIER_CONTEXT_FRAMES)]
)
def test_litert_and_numpy_agree_on_the_shipped_models(path: object, frames: int) -> None:
    for seed, level in enumerate((0.0, 15.0, 40.0)):
        inputs = frame_inputs(_window(level, seed, frames), 60.0 + level)[None]
        diffs = assert_backends_agree(path, {INPUT_NAME: inputs})  # type: ignore[arg-type]
        assert max(diffs.values()) < 1e-5


def test_windows_without_visible_doppler_are_none_without_the_network() -> None:
    classifier = MotionClassifier(backend="numpy")
    quiet = np.clip(_window(0.0), None, EVIDENCE_DB - 1.0)
    for frame in quiet:
        result = classifier.push(frame, 70.0)
    assert (result.major, result.minor, result.nonhuman) == (0.0, 0.0, 0.0)


def test_probabilities_are_a_distribution_over_the_motion_classes() -> None:
    classifier = MotionClassifier(backend="numpy")
    for frame in _window(30.0, 3):
        result = classifier.push(frame, 70.0)
    values = (result.major, result.minor, result.nonhuman)
    assert all(0.0 <= v <= 1.0 for v in values)
    assert sum(values) <= 1.0 + 1e-5


def test_frame_inputs_scale_bands_and_carrier_alike() -> None:
    features = np.full((3, N_FEATURES), 20.0, dtype=np.float32)
    inputs = frame_inputs(features, np.array([35.0, 75.0, 200.0], dtype=np.float32))
    assert inputs.shape == (3, N_FEATURES + 1)
    np.testing.assert_allclose(inputs[:, :N_FEATURES], 1.0)
    # the carrier SNR is centred and clipped to its range, so a wild value cannot dominate
    np.testing.assert_allclose(inputs[:, -1], [-2.0, 0.0, 2.0])


def test_verifier_judges_the_last_three_seconds() -> None:
    classifier = MotionClassifier(backend="numpy")
    frames = _window(30.0, 4, VERIFIER_CONTEXT_FRAMES)
    for frame in frames:
        classifier.push(frame, 70.0)
    p_human = classifier.verify()
    assert 0.0 <= p_human <= 1.0
    # exactly the verifier over the buffered inputs: older frames have dropped out
    for frame in _window(0.0, 5, 7):
        classifier.push(frame, 70.0)
    window = np.concatenate([frames[7:], _window(0.0, 5, 7)])
    want = classifier.verifier.run({INPUT_NAME: frame_inputs(window, 70.0)[None]})
    assert classifier.verify() == pytest.approx(float(want["human"][0, 1]), abs=1e-6)
