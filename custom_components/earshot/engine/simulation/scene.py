"""Scene description: the room, the device and a timeline of actions, all plain data.

A :class:`Scene` is a frozen dataclass that a renderer turns into audio, so scenes
can be written by hand, generated at random, compared and hashed. Coordinates are
metres in the room's frame: x along the width, y along the depth (the device sits
near the y=0 wall facing +y), z up from the floor. Times are seconds from the start
of the scene; a looping source replays the timeline every ``duration_s``.

Ground truth comes from :meth:`Scene.annotations`: one labelled interval per action
(kinds ``presence``, ``motion``, ``sound`` and ``ultrasound``; see :func:`annotate`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..sounds.vocabulary import SOUND_TYPES

Float64Array = npt.NDArray[np.float64]
Vec2 = tuple[float, float]
Vec3 = tuple[float, float, float]

SOUND_KINDS: tuple[str, ...] = SOUND_TYPES
"""Target sound-event labels: the sound detectors' public vocabulary, so the two never drift."""
NON_TARGET_SOUNDS: tuple[str, ...] = ("speech", "music")
"""Sound labels that are annotated but are not events to detect."""
DISTRACTOR_SOUNDS: tuple[str, ...] = ("kettle", "phone_ring", "vacuum_cleaner", "tv")
"""Non-target sounds that resemble targets (tonal whistles, ring cadences, broadband
noise); no built-in scene uses them, :func:`random_scene` only on request."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StaticReflector:
    """A piece of furniture: a fixed scatterer that echoes the speaker without Doppler."""

    position: Vec3
    reflectivity_m: float = 0.1
    """Echo amplitude at 1 m from speaker and mic (sqrt of radar cross-section / 4 pi)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Room:
    """A box-shaped room with the device in it."""

    width_m: float = 5.0
    depth_m: float = 4.0
    height_m: float = 2.6
    device_position: Vec3 = (2.5, 0.2, 0.9)
    """Where the speaker is; the mics sit around it (see :class:`Device`)."""
    wall_reflection: float = 0.6
    """Pressure reflection coefficient of the walls at ultrasound (first-order images)."""
    furniture: tuple[StaticReflector, ...] = (
        StaticReflector(position=(1.2, 2.0, 0.7), reflectivity_m=0.12),
        StaticReflector(position=(3.8, 3.1, 0.5), reflectivity_m=0.2),
        StaticReflector(position=(4.4, 1.0, 1.0), reflectivity_m=0.08),
    )
    rt60_s: float = 0.45
    """Audible reverberation time (exponentially decaying noise impulse response)."""
    background_db_spl: float = 32.0
    """Steady room noise (ventilation, distant traffic), pink-ish."""
    air_absorption_db_per_m: float = 0.5
    """Ultrasonic air absorption, applied to every speaker path (value near 20 kHz)."""

    @property
    def volume_m3(self) -> float:
        """Room volume, which with rt60 sets how loud the reverberation is."""
        return self.width_m * self.depth_m * self.height_m


@dataclass(frozen=True, slots=True, kw_only=True)
class Device:
    """The hardware: one speaker, one or more mics, with their imperfections."""

    name: str = "typical"
    mic_spacing_m: float = 0.06
    """Distance between mics (on a line for two mics, on a circle for more)."""
    speaker_cutoff_hz: float = 22_000.0
    mic_cutoff_hz: float = 22_000.0
    rolloff_order: int = 8
    """Butterworth order of the speaker and mic high-frequency roll-off."""
    speaker_highpass_hz: float = 150.0
    speaker_db_spl: float = 100.0
    """SPL at 1 m of a full-scale speaker signal."""
    coupling_db: float = 14.0
    """Direct speaker-to-mic path, relative to the level 1 m in front of the speaker."""
    nonlinearity: tuple[float, float] = (0.03, 0.02)
    """(a2, a3) of the speaker's y = x + a2 x^2 + a3 x^3; music bass modulates the carrier."""
    mic_noise_dbfs: float = -92.0
    """Mic self-noise, RMS over the whole band."""
    mic_mismatch_db: float = 0.5
    """Spread of per-mic sensitivity (drawn from the seed)."""
    clip_level: float = 1.0
    """ADC full scale; samples beyond it clip."""


DEVICES: dict[str, Device] = {
    "typical": Device(),
    "good": Device(
        name="good",
        speaker_cutoff_hz=23_500.0,
        mic_cutoff_hz=23_500.0,
        nonlinearity=(0.01, 0.005),
        mic_noise_dbfs=-98.0,
        mic_mismatch_db=0.2,
    ),
    "cheap": Device(
        name="cheap",
        speaker_cutoff_hz=16_500.0,
        mic_cutoff_hz=17_500.0,
        rolloff_order=16,
        speaker_highpass_hz=250.0,
        nonlinearity=(0.08, 0.05),
        mic_noise_dbfs=-82.0,
        mic_mismatch_db=1.5,
        clip_level=0.9,
    ),
    "hires": Device(
        name="hires",
        speaker_cutoff_hz=40_000.0,
        mic_cutoff_hz=42_000.0,
        nonlinearity=(0.01, 0.005),
        mic_noise_dbfs=-98.0,
        mic_mismatch_db=0.2,
    ),
}
"""Hardware presets; ``cheap`` can barely play or hear ultrasound at all, ``hires``
(for 96 kHz streams) hears carriers up to about 40 kHz."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Walk:
    """A person walking along waypoints (floor positions) at a cruising speed.

    Torso, head, arms and legs are separate scatterers; legs swing in antiphase
    so the micro-Doppler pattern repeats at ``step_hz``. Outside the room box the
    person is invisible, so waypoints may start or end beyond a wall (a door).
    """

    start_s: float
    duration_s: float
    waypoints: tuple[Vec2, ...]
    step_hz: float = 1.9
    height_m: float = 1.75
    reflectivity_m: float = 0.2
    accel_s: float = 0.0
    """Time to speed up from standing at the start, and to slow down at the end; 0 for
    someone already walking (coming in through a door) and not stopping."""

    def __post_init__(self) -> None:
        if len(self.waypoints) < 2 or path_length_m(self.waypoints) <= 0.0:
            raise ValueError("a walk needs at least two distinct waypoints")
        if self.duration_s <= 0.0:
            raise ValueError(f"a walk needs a positive duration, got {self.duration_s}")

    @classmethod
    def at_speed(
        cls, *, start_s: float, waypoints: Sequence[Vec2], speed_m_s: float, **kwargs: float
    ) -> Walk:
        """A walk whose duration follows from the path length and cruising speed."""
        points = tuple(waypoints)
        return cls(
            start_s=start_s,
            duration_s=path_length_m(points) / speed_m_s + kwargs.get("accel_s", 0.0),
            waypoints=points,
            **kwargs,
        )

    @property
    def speed_m_s(self) -> float:
        """Cruising torso speed along the path."""
        return path_length_m(self.waypoints) / (self.duration_s - self._ramp_s)

    @property
    def _ramp_s(self) -> float:
        return min(max(self.accel_s, 0.0), self.duration_s / 2.0)

    def path_time_s(self, t_s: Float64Array) -> Float64Array:
        """Time at which a constant-speed walker would be where this one is at ``t_s``.

        The trapezoidal speed profile (accelerate, cruise, slow down) maps onto a
        constant-speed traversal of ``duration_s - accel_s``; outside the walk the
        walker stands at the ends.
        """
        ramp = self._ramp_s
        cruise = self.duration_s - ramp
        if ramp <= 0.0:
            return np.asarray(t_s, dtype=np.float64)
        t = np.clip(t_s, 0.0, self.duration_s)
        start = t**2 / (2.0 * ramp)
        end = cruise - (self.duration_s - t) ** 2 / (2.0 * ramp)
        middle = t - ramp / 2.0
        return np.asarray(
            np.where(t < ramp, start, np.where(t > self.duration_s - ramp, end, middle)),
            dtype=np.float64,
        )

    def speed_factor(self, t_s: Float64Array) -> Float64Array:
        """Instantaneous speed as a fraction of the cruising speed."""
        ramp = self._ramp_s
        if ramp <= 0.0:
            return np.ones_like(np.asarray(t_s, dtype=np.float64))
        up = np.minimum(t_s, self.duration_s - t_s) / ramp
        return np.asarray(np.clip(up, 0.0, 1.0), dtype=np.float64)


@dataclass(frozen=True, slots=True, kw_only=True)
class SitAndWork:
    """A seated person: breathing, typing and occasional reaches, shifts and head turns."""

    start_s: float
    duration_s: float
    position: Vec2
    facing_deg: float = -90.0
    """Direction the person faces, counter-clockwise from +x (-90: towards the device wall)."""
    breathing_hz: float = 0.25
    breathing_depth_m: float = 0.006
    typing: bool = True
    fidgets_per_min: float = 4.0
    """Rate of reaches, page turns, posture shifts (a few cm, 0.05-0.5 m/s)."""
    reflectivity_m: float = 0.2


@dataclass(frozen=True, slots=True, kw_only=True)
class Stand:
    """A person standing still: breathing, postural sway and the odd shift of weight."""

    start_s: float
    duration_s: float
    position: Vec2
    facing_deg: float = -90.0
    breathing_hz: float = 0.25
    breathing_depth_m: float = 0.006
    fidgets_per_min: float = 2.0
    sway_m: float = 0.005
    """Amplitude of the slow (0.1-0.4 Hz) postural sway of the whole body."""
    reflectivity_m: float = 0.2


@dataclass(frozen=True, slots=True, kw_only=True)
class Fan:
    """A running fan: rotating blades give symmetric, periodic Doppler at the blade-pass rate."""

    start_s: float
    duration_s: float
    position: Vec3
    kind: Literal["ceiling", "desk"] = "ceiling"
    """Ceiling fans spin horizontally; desk fans vertically, facing ``facing_deg``."""
    radius_m: float = 0.55
    rpm: float = 150.0
    blades: int = 4
    facing_deg: float = -90.0
    spin_up_s: float = 2.0
    """Time constant of the motor spinning up from rest."""
    reflectivity_m: float = 0.04


@dataclass(frozen=True, slots=True, kw_only=True)
class Curtain:
    """A curtain swaying in a draft: slow, broad, low-velocity motion of a large area."""

    start_s: float
    duration_s: float
    position: Vec3
    """Centre of the curtain (hang it close to a wall)."""
    width_m: float = 1.4
    sway_hz: float = 0.35
    amplitude_m: float = 0.04
    reflectivity_m: float = 0.1


@dataclass(frozen=True, slots=True, kw_only=True)
class Pet:
    """A cat or dog: small, low, quick and erratic dashes with pauses inside a circle."""

    start_s: float
    duration_s: float
    area_center: Vec2
    area_radius_m: float = 1.2
    speed_m_s: float = 1.0
    size: Literal["cat", "dog"] = "cat"


@dataclass(frozen=True, slots=True, kw_only=True)
class RobotVacuum:
    """A robot vacuum: very low, slow straight runs with turns, bouncing off the walls."""

    start_s: float
    duration_s: float
    speed_m_s: float = 0.3


@dataclass(frozen=True, slots=True, kw_only=True)
class Music:
    """Music played through the device's own speaker (so it intermodulates with the carrier)."""

    start_s: float
    duration_s: float
    level_dbfs: float = -18.0
    """RMS level of the music in the speaker signal."""
    tempo_bpm: float = 110.0
    bass_dbfs: float = -16.0
    """RMS level of the bass line alone; bass drives the intermodulation."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Sound:
    """An audible sound made in the room (not through the speaker)."""

    start_s: float
    duration_s: float
    kind: str
    """One of :data:`SOUND_KINDS`, ``speech`` or one of :data:`DISTRACTOR_SOUNDS`."""
    level_db_spl: float | None = None
    """Level at 1 m (RMS while sounding); None takes the kind's typical level."""
    distance_m: float = 2.5
    azimuth_deg: float = 30.0
    """Direction from the device, clockwise from straight ahead (+y)."""
    variant: str = ""
    """Kind-specific variant, e.g. ``"lf"`` for the 520 Hz smoke alarm; empty: seeded choice."""

    def __post_init__(self) -> None:
        if self.kind not in (*SOUND_KINDS, "speech", *DISTRACTOR_SOUNDS):
            raise ValueError(f"unknown sound kind {self.kind!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class UltrasonicInterferer:
    """Another ultrasonic emitter in the room, heard at the mics (pest repeller, a device)."""

    start_s: float
    duration_s: float
    kind: Literal["tone", "pulsed", "sweep"] = "tone"
    frequency_hz: float = 21_000.0
    end_frequency_hz: float = 23_000.0
    """Upper frequency of a sweep."""
    period_s: float = 0.5
    """Pulse or sweep period."""
    level_dbfs: float = -50.0


Action = (
    Walk
    | SitAndWork
    | Stand
    | Fan
    | Curtain
    | Pet
    | RobotVacuum
    | Music
    | Sound
    | UltrasonicInterferer
)
MovingAction = Walk | SitAndWork | Stand | Fan | Curtain | Pet | RobotVacuum


@dataclass(frozen=True, slots=True)
class Annotation:
    """A labelled interval of ground truth, in scene seconds."""

    kind: str
    """``presence`` (label ``person``), ``motion`` (``major``/``minor``/``nonhuman``),
    ``sound`` (a sound label) or ``ultrasound`` (``interferer``)."""
    label: str
    start_s: float
    end_s: float

    def contains(self, t_s: float) -> bool:
        """Whether the interval covers scene time ``t_s``."""
        return self.start_s <= t_s < self.end_s


@dataclass(frozen=True, slots=True, kw_only=True)
class Scene:
    """A room, a device and a timeline of actions."""

    name: str
    duration_s: float
    room: Room = field(default_factory=Room)
    device: Device = field(default_factory=Device)
    actions: tuple[Action, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if self.duration_s <= 0.0:
            raise ValueError(f"scene duration must be positive, got {self.duration_s}")

    def annotations(self) -> tuple[Annotation, ...]:
        """Ground truth of the whole timeline, sorted by start time."""
        found = [
            Annotation(a.kind, a.label, max(0.0, a.start_s), min(self.duration_s, a.end_s))
            for action in self.actions
            for a in annotate(action, self.room)
            if a.start_s < self.duration_s
        ]
        return tuple(sorted(found, key=lambda a: (a.start_s, a.kind, a.label)))

    def looped_annotations(self, start_s: float, end_s: float) -> tuple[Annotation, ...]:
        """Ground truth of a looping stream between two stream times, in stream seconds."""
        out = []
        first_pass = math.floor(start_s / self.duration_s)
        last_pass = math.ceil(end_s / self.duration_s)
        for loop in range(first_pass, last_pass):
            offset = loop * self.duration_s
            for a in self.annotations():
                begin, finish = max(a.start_s + offset, start_s), min(a.end_s + offset, end_s)
                if begin < finish:
                    out.append(Annotation(a.kind, a.label, begin, finish))
        return tuple(out)


def annotate(action: Action, room: Room | None = None) -> tuple[Annotation, ...]:
    """The ground-truth intervals one action produces.

    With a room, a walk only counts while the walker is inside it (walks may
    start or end beyond a wall, behind a door).
    """
    start_s, end_s = action.start_s, action.start_s + action.duration_s
    match action:
        case Walk():
            spans = [(start_s, end_s)] if room is None else walk_inside_s(action, room)
            return tuple(
                Annotation(kind, label, a, b)
                for a, b in spans
                for kind, label in (("presence", "person"), ("motion", "major"))
            )
        case SitAndWork() | Stand():
            return (
                Annotation("presence", "person", start_s, end_s),
                Annotation("motion", "minor", start_s, end_s),
            )
        case Fan() | Curtain() | Pet() | RobotVacuum():
            return (Annotation("motion", "nonhuman", start_s, end_s),)
        case Music():
            return (Annotation("sound", "music", start_s, end_s),)
        case Sound():
            return (Annotation("sound", action.kind, start_s, end_s),)
        case UltrasonicInterferer():
            return (Annotation("ultrasound", "interferer", start_s, end_s),)


def labels_at(annotations: Sequence[Annotation], t_s: float, kind: str | None = None) -> set[str]:
    """Labels active at scene time ``t_s`` (optionally of one kind)."""
    return {a.label for a in annotations if a.contains(t_s) and (kind is None or a.kind == kind)}


def path_length_m(points: Sequence[Vec2]) -> float:
    """Length of a polyline on the floor."""
    return sum(math.dist(a, b) for a, b in itertools.pairwise(points))


def walk_inside_s(walk: Walk, room: Room, step_s: float = 0.05) -> list[tuple[float, float]]:
    """Scene-time intervals during which a walker is inside the room box."""
    points = np.asarray(walk.waypoints, dtype=np.float64)
    lengths = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    count = max(2, math.ceil(walk.duration_s / step_s) + 1)
    t_s = np.linspace(0.0, walk.duration_s, count, dtype=np.float64)
    along_m = walk.path_time_s(t_s) * walk.speed_m_s
    x = np.interp(along_m, lengths, points[:, 0])
    y = np.interp(along_m, lengths, points[:, 1])
    inside = (x >= 0.0) & (x <= room.width_m) & (y >= 0.0) & (y <= room.depth_m)
    edges = np.flatnonzero(np.diff(np.concatenate([[False], inside, [False]]).astype(np.int8)))
    bounds = [float(walk.start_s + t_s[min(k, len(t_s) - 1)]) for k in edges]
    return list(itertools.pairwise(bounds))[::2]
