"""User-facing settings of the presence detector (stored with the config entry)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Sensitivity = Literal["low", "medium", "high"]
SENSITIVITIES: tuple[Sensitivity, ...] = ("low", "medium", "high")
CARRIER_CAP_RANGE_DBFS = (-50.0, -12.0)
"""The user may set the carrier's level cap within this range: never louder than -12 dBFS
(about 88 dB SPL at 1 m on a speaker that plays 100 dB SPL at full scale)."""


@dataclass(frozen=True, slots=True)
class PresenceConfig:
    """How the presence detector emits, decides and reports."""

    sensitivity: Sensitivity = "medium"
    hold_time_s: float = 120.0
    """Occupancy stays on this long after the last detected motion."""
    alert_window_s: float = 300.0
    """After a major motion, minor motions count at high sensitivity for this long."""
    carrier_hz: float | None = None
    """Carrier from the last calibration; None calibrates when the stream starts."""
    level_dbfs: float = -30.0
    """Emission level from the last calibration."""
    max_level_dbfs: float = CARRIER_CAP_RANGE_DBFS[1]
    """Hard cap on the carrier's peak level; calibration never goes above it."""
    reference_channel: int | None = None
    """Input channel that carries the playback monitor (what the speaker plays), if any."""
    low_power: bool = False
    """Pause emission while presence is confirmed, resuming briefly to re-confirm."""
    low_power_pause_s: float = 60.0
    low_power_listen_s: float = 10.0
    """How long emission runs after a pause to look for motion again."""
    status_interval_s: float = 30.0
    """How often a PresenceStatus is reported."""

    def __post_init__(self) -> None:
        if self.sensitivity not in SENSITIVITIES:
            raise ValueError(
                f"sensitivity must be one of {SENSITIVITIES}, not {self.sensitivity!r}"
            )
        if self.hold_time_s < 0 or self.alert_window_s < 0:
            raise ValueError("hold time and alert window must not be negative")
        if self.low_power_pause_s <= 0 or self.low_power_listen_s <= 0:
            raise ValueError("low-power pause and listen times must be positive")
        if not CARRIER_CAP_RANGE_DBFS[0] <= self.max_level_dbfs <= CARRIER_CAP_RANGE_DBFS[1]:
            raise ValueError(
                f"the carrier's level cap must be within {CARRIER_CAP_RANGE_DBFS} dBFS, "
                f"not {self.max_level_dbfs}"
            )
        if self.level_dbfs > self.max_level_dbfs:
            object.__setattr__(self, "level_dbfs", self.max_level_dbfs)
