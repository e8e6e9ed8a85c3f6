"""Feature-domain augmentation: the same scenes as other hardware or a farther mover would see them.

Band levels are dB over the noise floor, i.e. 10 log10(1 + echo / noise) per band, and
the last input is the carrier's SNR. Only physically plausible changes are made, each
one per window (a window is one device in one room):

* link gain (a louder or quieter speaker, a more or less sensitive or noisier
  microphone): every echo, static and moving, changes by the same dB against the noise,
  so each band's excess over the noise floor and the carrier's SNR shift together;
* a weaker moving echo against the static one (the mover farther away or smaller, or the
  device nearer a wall): the bands' excess drops, the carrier's SNR does not. Drawn for
  every window whatever its label, so a level never hints at the class;
* spectral tilt (speaker and microphone roll-off over the +-330 Hz Doppler band): the
  excess of each signed Doppler band changes in proportion to its offset from the
  carrier; the quadrature bands pool both sides and keep their level.

The noise realisation itself is kept (only the excess over the floor is scaled), so the
result looks like a rendering, not like smoothed data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from earshot_engine.presence.classifier import (
    CARRIER_CENTER_DB,
    CARRIER_RANGE_DB,
    FEATURE_SCALE_DB,
    N_INPUTS,
)
from earshot_engine.presence.doppler import BAND_EDGES_HZ, FEATURE_CLIP_DB, N_BANDS, N_FEATURES


@dataclass(frozen=True, slots=True)
class Augmentation:
    """Ranges of the random changes (uniform draws, one per window)."""

    link_gain_db: float = 6.0
    """Link gain drawn from +-this."""
    mover_loss_db: float = 6.0
    """Moving echo weaker by 0..this against the static echo."""
    tilt_db: float = 1.5
    """Level change at +-330 Hz Doppler drawn from +-this (linear in the offset)."""


def signed_band_offsets() -> np.ndarray:
    """(N_FEATURES,) Doppler offset of each band relative to the widest (+-1 at +-330 Hz);
    0 for the quadrature bands."""
    edges = np.asarray(BAND_EDGES_HZ)
    centres = 0.5 * (edges[:-1] + edges[1:]) / edges[-1]
    offsets = np.zeros(N_FEATURES)
    offsets[:N_BANDS] = np.concatenate([-centres[::-1], centres])
    return offsets


def augment(
    x: np.ndarray,
    rng: np.random.Generator,
    ranges: Augmentation = Augmentation(),  # noqa: B008 - frozen, immutable default
) -> np.ndarray:
    """A changed copy of network input windows (N, frames, N_INPUTS)."""
    assert x.shape[-1] == N_INPUTS
    n = x.shape[0]
    link = rng.uniform(-ranges.link_gain_db, ranges.link_gain_db, n)
    loss = rng.uniform(0.0, ranges.mover_loss_db, n)
    tilt = rng.uniform(-ranges.tilt_db, ranges.tilt_db, n)
    gain_db = (link - loss)[:, None] + tilt[:, None] * signed_band_offsets()[None, :]
    levels = 10.0 ** (x[..., :N_FEATURES].astype(np.float64) * (FEATURE_SCALE_DB / 10.0))
    excess = np.maximum(levels - 1.0, 0.0)
    changed = levels + excess * (10.0 ** (gain_db[:, None, :] / 10.0) - 1.0)
    bands_db = np.clip(10.0 * np.log10(np.maximum(changed, 1e-6)), *FEATURE_CLIP_DB)
    out = np.empty_like(x, dtype=np.float32)
    out[..., :N_FEATURES] = bands_db / FEATURE_SCALE_DB
    # Shifted and clipped to the range frame_inputs clips to; the all-zero padding of a
    # stream's start (no bands, no carrier) stays zero.
    low, high = ((np.asarray(CARRIER_RANGE_DB) - CARRIER_CENTER_DB) / FEATURE_SCALE_DB).tolist()
    carrier = np.clip(x[..., N_FEATURES] + (link / FEATURE_SCALE_DB)[:, None], low, high)
    out[..., N_FEATURES] = np.where(np.all(x == 0.0, axis=-1), 0.0, carrier)
    return out


def augmented_copies(x: np.ndarray, copies: int, seed: int, chunk: int = 8192) -> np.ndarray:
    """``copies`` augmented versions of every window, one after the other (deterministic)."""
    rng = np.random.default_rng(seed)
    parts = [augment(x[i : i + chunk], rng) for _ in range(copies) for i in range(0, len(x), chunk)]
    return np.concatenate(parts) if parts else x[:0]
