"""From per-frame motion probabilities to motion episodes and occupancy.

Context-adaptive sensitivity: a room where someone just walked is very likely
still occupied, so for ``alert_window_s`` after a major motion small motions
count readily (typing keeps the room occupied); otherwise the detector is strict
(a fan or a curtain must not switch the lights on). The user's sensitivity
shifts both operating points. Motion is grouped into episodes (one event at the
start, one on escalation to major), and occupancy holds for ``hold_time_s``
after the last motion; time spent with emission paused does not count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .config import PresenceConfig, Sensitivity
from .results import MotionDetected, MotionEnded, MotionLevel, OccupancyChanged

EPISODE_GAP_S = 2.0
"""Motion frames closer than this belong to one episode."""


@dataclass(frozen=True, slots=True)
class OperatingPoint:
    """Thresholds on the classifier's probabilities, and how many frames must agree."""

    major: float
    minor: float
    """Threshold on p(major) + p(minor)."""
    major_frames: int
    minor_frames: int
    verify_major: float
    verify_minor: float
    """Verifier probability of a person moving that a new major / minor episode (or an
    escalation to major) needs; 0 asks nothing. Minor proposals are where fans and curtains
    hide; a walk must be confirmed at once, on its faint first second."""


OPERATING_POINTS: dict[tuple[Sensitivity, bool], OperatingPoint] = {
    # (sensitivity, alert): in the alert window after a walk, minor motion counts sooner
    # (lower threshold) so a person who sat down keeps the room occupied, while a new major
    # episode needs more evidence: a false major would otherwise set off a cascade (at
    # medium, 44 -> 91 false events/h on validation with the strict point's major part).
    ("low", False): OperatingPoint(0.98, 0.9, 4, 16, verify_major=0.5, verify_minor=0.95),
    ("low", True): OperatingPoint(0.95, 0.6, 4, 24, verify_major=0.95, verify_minor=0.95),
    ("medium", False): OperatingPoint(0.7, 0.6, 1, 8, verify_major=0.3, verify_minor=0.9),
    ("medium", True): OperatingPoint(0.9, 0.5, 3, 4, verify_major=0.5, verify_minor=0.9),
    ("high", False): OperatingPoint(0.6, 0.5, 1, 6, verify_major=0.0, verify_minor=0.9),
    ("high", True): OperatingPoint(0.7, 0.4, 1, 4, verify_major=0.9, verify_minor=0.9),
}
"""Picked on validation scenes with ``python -m models.presence.tune``; see the model card."""


class FrameClassifier:
    """Turns probabilities into a per-frame level under the current operating point."""

    def __init__(self) -> None:
        self._major_run = 0
        self._minor_run = 0

    def reset(self) -> None:
        """Forget the agreement counters."""
        self._major_run = 0
        self._minor_run = 0

    def level(self, point: OperatingPoint, p_major: float, p_minor: float) -> MotionLevel | None:
        """The motion level of this frame, once enough consecutive frames agree."""
        self._major_run = self._major_run + 1 if p_major >= point.major else 0
        self._minor_run = self._minor_run + 1 if p_major + p_minor >= point.minor else 0
        if self._major_run >= point.major_frames:
            return "major"
        if self._minor_run >= point.minor_frames:
            return "minor"
        return None


class OccupancyTracker:
    """Motion episodes and occupancy on the stream clock."""

    def __init__(self, config: PresenceConfig) -> None:
        self.config = config
        self._frames = FrameClassifier()
        self.reset()

    def reset(self) -> None:
        """Forget everything (a new stream)."""
        self._frames.reset()
        self.occupied = False
        self._episode_level: MotionLevel | None = None
        self._last_motion_s: float | None = None
        self._last_major_s: float | None = None
        self._paused_s = 0.0
        """Paused time since the last motion (excluded from the hold time)."""

    @property
    def last_motion_s(self) -> float | None:
        """Stream time of the last frame judged as motion."""
        return self._last_motion_s

    @property
    def in_episode(self) -> bool:
        """Whether a motion episode is running."""
        return self._episode_level is not None

    def alert(self, time_s: float) -> bool:
        """Whether a recent major motion puts the detector at high sensitivity."""
        last = self._last_major_s
        return last is not None and time_s - last - self._paused_s <= self.config.alert_window_s

    def update(
        self,
        time_s: float,
        p_major: float,
        p_minor: float,
        verify: Callable[[], float] | None = None,
    ) -> list[MotionDetected | MotionEnded | OccupancyChanged]:
        """Consume one frame's probabilities; return the events it causes.

        ``verify`` (the second stage: probability that a person moves) is only asked when
        the frame would start an episode or escalate it, so it runs on proposals alone, and
        not at all when the operating point needs no confirmation (a threshold of 0).
        """
        point = OPERATING_POINTS[(self.config.sensitivity, self.alert(time_s))]
        level = self._frames.level(point, p_major, p_minor)
        needed = point.verify_major if level == "major" else point.verify_minor
        unconfirmed = (
            level is not None
            and verify is not None
            and needed > 0.0
            and self._proposes(level)
            and verify() < needed
        )
        if unconfirmed:
            level = None
        return self.observe(time_s, level, p_major if level == "major" else p_major + p_minor)

    def _proposes(self, level: MotionLevel) -> bool:
        """Whether a frame at ``level`` would report new motion (start or escalate)."""
        return self._episode_level is None or (self._episode_level == "minor" and level == "major")

    def observe(
        self, time_s: float, level: MotionLevel | None, confidence: float
    ) -> list[MotionDetected | MotionEnded | OccupancyChanged]:
        """Consume one frame's decided level (also used by the baseline detector)."""
        events: list[MotionDetected | MotionEnded | OccupancyChanged] = []
        if level is not None:
            escalates = self._episode_level == "minor" and level == "major"
            if self._episode_level is None or escalates:
                events.append(MotionDetected(time_s, level, round(min(confidence, 1.0), 3)))
                self._episode_level = level
            if not self.occupied:
                self.occupied = True
                events.append(OccupancyChanged(True, time_s))
            self._last_motion_s = time_s
            self._paused_s = 0.0
            if level == "major":
                self._last_major_s = time_s
            return events
        events.extend(self.tick(time_s))
        return events

    def tick(self, time_s: float) -> list[MotionEnded | OccupancyChanged]:
        """Let time pass without motion evidence (also called while paused)."""
        events: list[MotionEnded | OccupancyChanged] = []
        last = self._last_motion_s
        if last is None:
            return events
        if self._episode_level is not None and time_s - last >= EPISODE_GAP_S:
            self._episode_level = None
            events.append(MotionEnded(last))
        if self.occupied and time_s - last - self._paused_s >= self.config.hold_time_s:
            self.occupied = False
            events.append(OccupancyChanged(False, time_s))
        return events

    def finish(self, time_s: float) -> list[MotionEnded]:
        """End of stream: close an open episode at its last motion frame."""
        if self._episode_level is None or self._last_motion_s is None:
            return []
        self._episode_level = None
        return [MotionEnded(min(time_s, self._last_motion_s))]

    def add_paused(self, duration_s: float) -> None:
        """Record stream time spent with emission paused (does not count towards hold)."""
        self._paused_s += duration_s
