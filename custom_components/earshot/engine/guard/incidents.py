"""Grouping detections into incidents, so one event raises one alert.

A smoke alarm beeps for minutes and an intruder makes footsteps, opens a door and
moves through the room: each of those is one incident. Detections of the same group
that follow each other within a cooldown extend the open incident instead of opening
a new one; presence and the sounds an intruder makes share one group. Times are stream
seconds (the source's sample clock), so faster-than-real-time runs group the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..audio import FloatArray
from .policy import HAZARDS, INTRUSION_SIGNS

INTRUSION_GROUP = "intrusion"


@dataclass(frozen=True, slots=True)
class ClipAudio:
    """Audio around a detection: pre-roll from the ring buffer plus the event itself."""

    samples: FloatArray
    """float32, shape (frames,) or (frames, channels)."""
    sample_rate_hz: int
    start_s: float
    """Stream time of the first sample."""
    pre_roll_s: float = 0.0
    """Seconds of audio before the detection began."""

    @property
    def duration_s(self) -> float:
        """Length of the clip in seconds."""
        return int(self.samples.shape[0]) / self.sample_rate_hz


@dataclass(frozen=True, slots=True)
class Detection:
    """A confirmed detection, whatever detector it came from."""

    kind: str
    """One of :data:`.policy.DETECTIONS`."""
    start_s: float
    end_s: float
    confidence: float
    level_dbfs: float | None = None
    clip: ClipAudio | None = None


@dataclass(frozen=True, slots=True)
class Incident:
    """One event in the home, possibly made of many detections."""

    incident_id: str
    group: str
    kinds: tuple[str, ...]
    """Everything heard or sensed, in the order first observed."""
    first_s: float
    last_s: float
    detections: int
    confidence: float
    """Highest confidence of any detection so far."""
    level_dbfs: float | None

    @property
    def primary(self) -> str:
        """What the incident is mostly about: a hazard if any, else what came first."""
        hazards = [kind for kind in self.kinds if kind in HAZARDS]
        return hazards[0] if hazards else self.kinds[0]


@dataclass(frozen=True, slots=True)
class IncidentUpdate:
    """What a detection did to the incidents."""

    incident: Incident
    created: bool
    """True for a new incident (alert), False when an open one continued."""
    new_kinds: tuple[str, ...]
    """Kinds this detection added to the incident (empty if already known)."""


def group_for(kind: str) -> str:
    """The incident group of a detection kind: intrusion signs share one."""
    return INTRUSION_GROUP if kind in INTRUSION_SIGNS else kind


def _new_incident_id() -> str:
    return uuid.uuid4().hex[:12]


def _max_level(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


class IncidentTracker:
    """Opens, extends and expires incidents from a stream of detections."""

    def __init__(self, cooldown_s: float, new_id: Callable[[], str] = _new_incident_id) -> None:
        if cooldown_s < 0:
            raise ValueError(f"cooldown must not be negative, got {cooldown_s}")
        self.cooldown_s = cooldown_s
        self._new_id = new_id
        self._open: dict[str, Incident] = {}

    @property
    def open_incidents(self) -> tuple[Incident, ...]:
        """Incidents that a further detection could still extend."""
        return tuple(self._open.values())

    def observe(self, detection: Detection) -> IncidentUpdate:
        """Fold a detection into its group's open incident or open a new one."""
        group = group_for(detection.kind)
        current = self._open.get(group)
        if current is not None and self._continues(current, detection):
            new_kinds = () if detection.kind in current.kinds else (detection.kind,)
            incident = replace(
                current,
                kinds=current.kinds + new_kinds,
                first_s=min(current.first_s, detection.start_s),
                last_s=max(current.last_s, detection.end_s),
                detections=current.detections + 1,
                confidence=max(current.confidence, detection.confidence),
                level_dbfs=_max_level(current.level_dbfs, detection.level_dbfs),
            )
            self._open[group] = incident
            return IncidentUpdate(incident, created=False, new_kinds=new_kinds)
        incident = Incident(
            incident_id=self._new_id(),
            group=group,
            kinds=(detection.kind,),
            first_s=detection.start_s,
            last_s=max(detection.start_s, detection.end_s),
            detections=1,
            confidence=detection.confidence,
            level_dbfs=detection.level_dbfs,
        )
        self._open[group] = incident
        return IncidentUpdate(incident, created=True, new_kinds=(detection.kind,))

    def _continues(self, incident: Incident, detection: Detection) -> bool:
        # A detector may report a sound that began before the incident's first report
        # (an event confirmed late): that continues it, as does anything within cooldown.
        return detection.start_s - incident.last_s <= self.cooldown_s

    def close_all(self) -> None:
        """Forget open incidents (mode change, or a reopened source restarting its clock)."""
        self._open.clear()
