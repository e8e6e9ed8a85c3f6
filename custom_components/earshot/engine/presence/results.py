"""What the presence detector reports to the runtime's listener (frozen, HA-free)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MotionLevel = Literal["major", "minor"]


@dataclass(frozen=True, slots=True)
class MotionDetected:
    """A motion episode started (or escalated from minor to major)."""

    time_s: float
    level: MotionLevel
    confidence: float


@dataclass(frozen=True, slots=True)
class MotionEnded:
    """The motion episode ended; reported once no motion followed for a short gap."""

    time_s: float
    """Stream time of the episode's last motion frame."""


@dataclass(frozen=True, slots=True)
class OccupancyChanged:
    """The room became occupied, or stayed motionless for the hold time."""

    occupied: bool
    time_s: float


@dataclass(frozen=True, slots=True)
class PresenceStatus:
    """Periodic health of the sonar link, for diagnostic sensors."""

    carrier_hz: float
    level_dbfs: float
    snr_db: float
    """Received carrier over the noise floor of the Doppler band."""
    emitting: bool


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    """Outcome of a calibration sweep; store carrier and level with the entry when ok."""

    carrier_hz: float
    level_dbfs: float
    snr_db: float
    ok: bool
    reason: str
    """Why it failed (or a short summary when it succeeded), meant for the user."""
    time_s: float
    unsupported: bool = False
    """The hardware cannot carry ultrasound at all (not just a failed attempt)."""


@dataclass(frozen=True, slots=True)
class UltrasoundUnsupported:
    """The speaker/microphone pair cannot carry ultrasound: raise a repair issue."""

    reason: str
    time_s: float
