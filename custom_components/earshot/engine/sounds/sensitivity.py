"""Per-sound sensitivity and noise-adaptive thresholds.

Each sound has a calibrated stage-1 threshold (from training, for "medium"). Low
and high shift it by a fixed amount in logit space, so a shift means the same
change in odds for every sound. A loud noise floor raises thresholds and the
margin an event must have above the floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from .vocabulary import Sensitivity

LOGIT_SHIFT: Final[dict[Sensitivity, float]] = {"low": 1.0, "medium": 0.0, "high": -1.0}
MIN_SNR_DB: Final[dict[Sensitivity, float]] = {"low": 9.0, "medium": 6.0, "high": 3.0}
"""How far above the noise floor an event's loudest step must be."""
QUIET_FLOOR_DBFS: Final = -60.0
"""At or below this floor thresholds are not raised."""
NOISY_FLOOR_DBFS: Final = -30.0
"""At or above this floor thresholds get the full noise shift."""
NOISE_LOGIT_SHIFT: Final = 1.0


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def noise_shift(floor_dbfs: float) -> float:
    """Logit shift from the noise floor: 0 in a quiet home, up to NOISE_LOGIT_SHIFT."""
    span = (floor_dbfs - QUIET_FLOOR_DBFS) / (NOISY_FLOOR_DBFS - QUIET_FLOOR_DBFS)
    return NOISE_LOGIT_SHIFT * min(1.0, max(0.0, span))


@dataclass(frozen=True, slots=True)
class Threshold:
    """What a step must reach to count for one sound."""

    score: float
    """Stage-1 probability threshold."""
    min_level_dbfs: float
    """The event's loudest step must be at least this loud."""


def adapted_threshold(calibrated: float, sensitivity: Sensitivity, floor_dbfs: float) -> Threshold:
    """The threshold for one sound at a sensitivity, in a home with this noise floor."""
    shift = LOGIT_SHIFT[sensitivity] + noise_shift(floor_dbfs)
    return Threshold(_sigmoid(_logit(calibrated) + shift), floor_dbfs + MIN_SNR_DB[sensitivity])


def shifted_probability(calibrated: float, sensitivity: Sensitivity) -> float:
    """A calibrated probability threshold moved by the sensitivity's logit shift."""
    return _sigmoid(_logit(calibrated) + LOGIT_SHIFT[sensitivity])
