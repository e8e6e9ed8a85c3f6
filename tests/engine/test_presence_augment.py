"""The recipe's feature augmentation changes echo levels the way other hardware would."""

from __future__ import annotations

import numpy as np

from earshot_engine.presence.classifier import FEATURE_SCALE_DB, frame_inputs
from earshot_engine.presence.doppler import N_FEATURES
from models.presence.augment import Augmentation, augment, augmented_copies


def _windows() -> np.ndarray:
    """Two windows of 20 frames: band 5 at 40 dB over the noise floor, the rest at the floor;
    the second window starts with stream-start padding (all zero)."""
    features = np.zeros((2, 20, N_FEATURES), dtype=np.float32)
    features[:, :, 5] = 40.0
    x = frame_inputs(features, np.float32(80.0))
    x[1, :3] = 0.0
    return x


def test_no_change_without_ranges() -> None:
    x = _windows()
    assert np.array_equal(augment(x, np.random.default_rng(0), Augmentation(0.0, 0.0, 0.0)), x)


def test_link_gain_moves_echo_and_carrier_together_and_keeps_the_noise_floor() -> None:
    x = _windows()
    out = augment(x, np.random.default_rng(1), Augmentation(6.0, 0.0, 0.0))
    shift_db = (out[:, 5, 5] - x[:, 5, 5]) * FEATURE_SCALE_DB
    carrier_shift_db = (out[:, 5, N_FEATURES] - x[:, 5, N_FEATURES]) * FEATURE_SCALE_DB
    assert np.all(np.abs(shift_db) > 0.01)
    np.testing.assert_allclose(shift_db, carrier_shift_db, atol=0.01)
    assert np.all(out[:, 5:, 0] == 0.0)  # a band at the floor stays there
    assert np.all(out[1, :3] == 0.0)  # padding stays padding


def test_a_weaker_mover_leaves_the_carrier_alone() -> None:
    x = _windows()
    out = augment(x, np.random.default_rng(2), Augmentation(0.0, 6.0, 0.0))
    assert np.all(out[:, 5, 5] < x[:, 5, 5])
    assert np.array_equal(out[:, :, N_FEATURES], x[:, :, N_FEATURES])


def test_copies_are_reproducible() -> None:
    x = _windows()
    first = augmented_copies(x, 2, seed=3)
    assert first.shape == (4, *x.shape[1:])
    assert np.array_equal(first, augmented_copies(x, 2, seed=3))
    assert not np.array_equal(first[:2], first[2:])
