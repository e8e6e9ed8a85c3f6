"""Built-in scenes (:data:`SCENES`) and a seeded random scene generator.

The ``demo`` scene is a five-minute day at home that the Home Assistant demo
loops; the short single-topic scenes are what tests and quick experiments use;
:func:`random_scene` draws rooms, devices, people, machines and sounds for the
trainers' randomized pools.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np

from .scene import (
    DEVICES,
    DISTRACTOR_SOUNDS,
    SOUND_KINDS,
    Action,
    Curtain,
    Device,
    Fan,
    Music,
    Pet,
    RobotVacuum,
    Room,
    Scene,
    SitAndWork,
    Sound,
    Stand,
    StaticReflector,
    UltrasonicInterferer,
    Vec2,
    Walk,
)

DOOR_OUTSIDE: Vec2 = (0.8, 4.6)
DOOR_INSIDE: Vec2 = (0.8, 3.6)
DESK: Vec2 = (3.5, 2.4)
ACCEL_S = 0.7
"""People take this long to get going from standing, and to stop."""


def _end_s(walk: Walk) -> float:
    return walk.start_s + walk.duration_s


def _demo() -> Scene:
    arrive = Walk.at_speed(
        start_s=11.0,
        waypoints=(DOOR_OUTSIDE, DOOR_INSIDE, (2.5, 2.8), DESK),
        speed_m_s=1.0,
        accel_s=ACCEL_S,
    )
    stretch = Walk.at_speed(
        start_s=120.0,
        waypoints=(DESK, (1.0, 1.5), (1.5, 3.0), DESK),
        speed_m_s=1.3,
        accel_s=ACCEL_S,
    )
    leave = Walk.at_speed(
        start_s=180.0,
        waypoints=(DESK, (2.0, 3.2), DOOR_INSIDE, DOOR_OUTSIDE),
        speed_m_s=1.6,
        accel_s=ACCEL_S,
    )
    actions: tuple[Action, ...] = (
        Sound(start_s=10.0, duration_s=2.5, kind="door", distance_m=3.8, azimuth_deg=-35.0),
        arrive,
        Sound(start_s=11.5, duration_s=3.5, kind="footsteps", distance_m=3.0, azimuth_deg=-10.0),
        SitAndWork(start_s=_end_s(arrive), duration_s=120.0 - _end_s(arrive), position=DESK),
        Fan(start_s=30.0, duration_s=170.0, position=(2.5, 2.0, 2.45)),
        Music(start_s=45.0, duration_s=50.0),
        Pet(start_s=58.0, duration_s=17.0, area_center=(2.0, 2.0), size="dog"),
        Sound(start_s=61.0, duration_s=5.0, kind="dog_bark", distance_m=2.0, azimuth_deg=-20.0),
        Sound(start_s=100.0, duration_s=3.0, kind="knock", distance_m=4.2, azimuth_deg=-35.0),
        Sound(start_s=106.0, duration_s=3.0, kind="doorbell", distance_m=5.0, azimuth_deg=-40.0),
        Sound(start_s=112.0, duration_s=8.0, kind="speech", distance_m=1.5, azimuth_deg=30.0),
        stretch,
        SitAndWork(
            start_s=_end_s(stretch),
            duration_s=180.0 - _end_s(stretch),
            position=DESK,
            typing=False,
            fidgets_per_min=2.0,
        ),
        Sound(start_s=140.0, duration_s=3.0, kind="glass_break", distance_m=3.0, azimuth_deg=60.0),
        Sound(
            start_s=150.0, duration_s=15.0, kind="water_running", distance_m=4.0, azimuth_deg=70.0
        ),
        Sound(start_s=175.0, duration_s=40.0, kind="smoke_alarm", distance_m=3.5, azimuth_deg=10.0),
        leave,
        Sound(start_s=180.5, duration_s=3.0, kind="footsteps", distance_m=3.0, azimuth_deg=-10.0),
        Sound(start_s=225.0, duration_s=12.0, kind="co_alarm", distance_m=3.0, azimuth_deg=-60.0),
        Sound(
            start_s=245.0, duration_s=4.0, kind="appliance_beep", distance_m=4.0, azimuth_deg=75.0
        ),
        Curtain(start_s=250.0, duration_s=30.0, position=(4.9, 2.5, 1.4)),
        Sound(start_s=255.0, duration_s=8.0, kind="baby_cry", distance_m=4.5, azimuth_deg=-50.0),
        UltrasonicInterferer(start_s=265.0, duration_s=20.0, kind="pulsed", frequency_hz=21_500.0),
    )
    return Scene(
        name="demo",
        duration_s=300.0,
        actions=actions,
        description="A day at home: arrive, work, fan and music, a dog, visitors, "
        "broken glass, the smoke and CO alarms, then everybody leaves.",
    )


def _walk_in_stand_walk_out() -> tuple[Action, ...]:
    spot = (4.0, 1.5)
    walk_in = Walk.at_speed(
        start_s=2.0, waypoints=(DOOR_OUTSIDE, DOOR_INSIDE, spot), speed_m_s=1.0, accel_s=ACCEL_S
    )
    walk_out = Walk.at_speed(
        start_s=14.0,
        waypoints=(spot, (1.0, 1.2), DOOR_INSIDE, DOOR_OUTSIDE),
        speed_m_s=1.5,
        accel_s=ACCEL_S,
    )
    stand = Stand(start_s=_end_s(walk_in), duration_s=14.0 - _end_s(walk_in), position=spot)
    return (walk_in, stand, walk_out)


def _single(name: str, duration_s: float, *actions: Action, description: str = "") -> Scene:
    return Scene(name=name, duration_s=duration_s, actions=actions, description=description)


SCENES: Mapping[str, Scene] = MappingProxyType(
    {
        "demo": _demo(),
        "empty": _single("empty", 30.0, description="Nobody, nothing: the room and its noise."),
        "walk": _single(
            "walk",
            30.0,
            *_walk_in_stand_walk_out(),
            description="Someone walks in at 1 m/s, stands for a while, and walks out at 1.5 m/s.",
        ),
        "seated": _single(
            "seated",
            60.0,
            SitAndWork(start_s=0.0, duration_s=60.0, position=DESK),
            description="One person at a desk: breathing, typing, reaching.",
        ),
        "fan": _single(
            "fan",
            60.0,
            Fan(start_s=0.0, duration_s=60.0, position=(2.5, 2.0, 2.45)),
            description="A ceiling fan running in an empty room.",
        ),
        "music": _single(
            "music",
            60.0,
            Music(start_s=0.0, duration_s=60.0, level_dbfs=-14.0, bass_dbfs=-12.0),
            description="Loud bass-heavy music through the device's speaker, nobody there.",
        ),
        "smoke_alarm": _single(
            "smoke_alarm",
            30.0,
            Sound(start_s=2.0, duration_s=24.0, kind="smoke_alarm", distance_m=4.0),
            description="A smoke alarm (T3) in the next room.",
        ),
        "co_alarm": _single(
            "co_alarm",
            30.0,
            Sound(start_s=2.0, duration_s=24.0, kind="co_alarm", distance_m=4.0),
            description="A CO alarm (T4) in the next room.",
        ),
        "glass_break": _single(
            "glass_break",
            10.0,
            Sound(start_s=2.0, duration_s=3.0, kind="glass_break", distance_m=3.0),
            description="A window breaks.",
        ),
        "pet": _single(
            "pet",
            30.0,
            Pet(start_s=0.0, duration_s=30.0, area_center=(2.5, 2.2)),
            description="A cat dashing about in an otherwise empty room.",
        ),
        "curtain": _single(
            "curtain",
            60.0,
            Curtain(start_s=0.0, duration_s=60.0, position=(4.9, 2.5, 1.4)),
            description="A curtain swaying in a draft.",
        ),
        "sounds": _single(
            "sounds",
            5.0 * len(SOUND_KINDS) + 5.0,
            *(
                Sound(start_s=2.0 + 5.0 * i, duration_s=4.0, kind=kind)
                for i, kind in enumerate(SOUND_KINDS)
            ),
            description="Every target sound kind once, four seconds each.",
        ),
    }
)
"""Built-in scenes by name."""


def _random_room(rng: np.random.Generator) -> Room:
    width, depth = float(rng.uniform(3.0, 7.0)), float(rng.uniform(3.0, 6.0))
    height = float(rng.uniform(2.3, 3.0))
    furniture = tuple(
        StaticReflector(
            position=(
                float(rng.uniform(0.3, width - 0.3)),
                float(rng.uniform(0.5, depth - 0.3)),
                float(rng.uniform(0.3, 1.5)),
            ),
            reflectivity_m=float(rng.uniform(0.03, 0.25)),
        )
        for _ in range(int(rng.integers(0, 6)))
    )
    return Room(
        width_m=width,
        depth_m=depth,
        height_m=height,
        device_position=(
            float(rng.uniform(0.5, width - 0.5)),
            float(rng.uniform(0.1, 0.5)),
            float(rng.uniform(0.4, 1.6)),
        ),
        wall_reflection=float(rng.uniform(0.3, 0.8)),
        furniture=furniture,
        rt60_s=float(rng.uniform(0.25, 0.8)),
        background_db_spl=float(rng.uniform(25.0, 45.0)),
    )


def _random_device(rng: np.random.Generator) -> Device:
    """A preset (mostly ``typical``) with its analogue parameters jittered."""
    preset = DEVICES[str(rng.choice(["typical", "typical", "good", "cheap"]))]
    a2, a3 = preset.nonlinearity
    scale = float(rng.uniform(0.3, 2.0))
    return dataclasses.replace(
        preset,
        mic_spacing_m=float(rng.uniform(0.03, 0.1)),
        speaker_cutoff_hz=preset.speaker_cutoff_hz * float(rng.uniform(0.95, 1.05)),
        mic_cutoff_hz=preset.mic_cutoff_hz * float(rng.uniform(0.95, 1.05)),
        coupling_db=preset.coupling_db + float(rng.uniform(-8.0, 8.0)),
        speaker_db_spl=preset.speaker_db_spl + float(rng.uniform(-6.0, 6.0)),
        nonlinearity=(a2 * scale, a3 * scale),
        mic_noise_dbfs=preset.mic_noise_dbfs + float(rng.uniform(-4.0, 4.0)),
    )


def random_point_inside(rng: np.random.Generator, room: Room) -> Vec2:
    """A random point inside the room, 0.4 m clear of the walls (0.8 m of the y = 0 wall)."""
    return (
        float(rng.uniform(0.4, room.width_m - 0.4)),
        float(rng.uniform(0.8, room.depth_m - 0.4)),
    )


def random_door(rng: np.random.Generator, room: Room) -> tuple[Vec2, Vec2]:
    """A door on a random wall: a point 0.6 m outside it and one 0.5 m inside."""
    wall = int(rng.integers(0, 3))
    if wall == 0:
        y = float(rng.uniform(0.8, room.depth_m - 0.5))
        return (-0.6, y), (0.5, y)
    if wall == 1:
        y = float(rng.uniform(0.8, room.depth_m - 0.5))
        return (room.width_m + 0.6, y), (room.width_m - 0.5, y)
    x = float(rng.uniform(0.5, room.width_m - 0.5))
    return (x, room.depth_m + 0.6), (x, room.depth_m - 0.5)


def random_scene(
    rng: np.random.Generator,
    *,
    duration_s: float = 20.0,
    walkers: int = 1,
    seated_prob: float = 0.3,
    nonhuman_prob: float = 0.3,
    music_prob: float = 0.2,
    sounds: int = 1,
    sound_kinds: Sequence[str] = SOUND_KINDS,
    interferer_prob: float = 0.1,
    distractors: int = 0,
    device: Device | None = None,
    name: str = "random",
) -> Scene:
    """A randomized room and timeline; every knob is an upper bound or a probability.

    ``walkers`` is the most people walking through (each at 0.5-2 m/s), ``sounds``
    the most household sounds (kinds from ``sound_kinds``), ``distractors`` the
    most look-alike non-target sounds (:data:`DISTRACTOR_SOUNDS`); unless given, the
    device is a :data:`DEVICES` preset (mostly ``typical``) with jittered coupling,
    cutoffs, nonlinearity, mic spacing and noise.
    """
    room = _random_room(rng)
    chosen_device = device or _random_device(rng)
    actions: list[Action] = []
    for _ in range(int(rng.integers(0, walkers + 1))):
        outside, inside = random_door(rng, room)
        stops = [random_point_inside(rng, room) for _ in range(int(rng.integers(1, 4)))]
        walk = Walk.at_speed(
            start_s=float(rng.uniform(0.0, duration_s * 0.7)),
            waypoints=(outside, inside, *stops, inside, outside),
            speed_m_s=float(rng.uniform(0.5, 2.0)),
            step_hz=float(rng.uniform(1.6, 2.2)),
            height_m=float(rng.uniform(1.5, 1.95)),
        )
        actions.append(walk)
    if rng.uniform() < seated_prob:
        start = float(rng.uniform(0.0, duration_s * 0.5))
        actions.append(
            SitAndWork(
                start_s=start,
                duration_s=float(rng.uniform(0.3, 1.0)) * (duration_s - start),
                position=random_point_inside(rng, room),
                facing_deg=float(rng.uniform(-180.0, 180.0)),
                breathing_hz=float(rng.uniform(0.15, 0.35)),
                typing=bool(rng.uniform() < 0.6),
                fidgets_per_min=float(rng.uniform(0.0, 8.0)),
            )
        )
    if rng.uniform() < nonhuman_prob:
        actions.append(_random_nonhuman(rng, room, duration_s))
    if rng.uniform() < music_prob:
        start = float(rng.uniform(0.0, duration_s * 0.5))
        level = float(rng.uniform(-30.0, -10.0))
        actions.append(
            Music(
                start_s=start,
                duration_s=duration_s - start,
                level_dbfs=level,
                bass_dbfs=level + float(rng.uniform(-6.0, 2.0)),
                tempo_bpm=float(rng.uniform(70.0, 160.0)),
            )
        )
    for _ in range(int(rng.integers(0, sounds + 1))):
        actions.append(_random_sound(rng, str(rng.choice(list(sound_kinds))), duration_s))
    if rng.uniform() < interferer_prob:
        actions.append(
            UltrasonicInterferer(
                start_s=0.0,
                duration_s=duration_s,
                kind=str(rng.choice(["tone", "pulsed", "sweep"])),  # type: ignore[arg-type]
                frequency_hz=float(rng.uniform(18_000.0, 23_000.0)),
                end_frequency_hz=float(rng.uniform(22_000.0, 24_000.0)),
                period_s=float(rng.uniform(0.1, 1.0)),
                level_dbfs=float(rng.uniform(-70.0, -40.0)),
            )
        )
    if distractors > 0:  # drawn last, so other knobs keep their random sequence
        for _ in range(int(rng.integers(0, distractors + 1))):
            actions.append(_random_sound(rng, str(rng.choice(DISTRACTOR_SOUNDS)), duration_s))
    return Scene(
        name=name, duration_s=duration_s, room=room, device=chosen_device, actions=tuple(actions)
    )


def _random_sound(rng: np.random.Generator, kind: str, duration_s: float) -> Sound:
    length = (
        float(rng.uniform(2.0, 8.0)) if kind != "smoke_alarm" else float(rng.uniform(8.0, 20.0))
    )
    start = float(rng.uniform(0.0, max(duration_s - length, 0.0)))
    return Sound(
        start_s=start,
        duration_s=min(length, duration_s - start),
        kind=kind,
        level_db_spl=None if rng.uniform() < 0.5 else float(rng.uniform(55.0, 95.0)),
        distance_m=float(rng.uniform(0.5, 8.0)),
        azimuth_deg=float(rng.uniform(-90.0, 90.0)),
    )


def _random_nonhuman(rng: np.random.Generator, room: Room, duration_s: float) -> Action:
    choice = int(rng.integers(0, 5))
    if choice == 0:
        return Fan(
            start_s=0.0,
            duration_s=duration_s,
            position=(room.width_m / 2, room.depth_m / 2, room.height_m - 0.2),
            rpm=float(rng.uniform(80.0, 250.0)),
            blades=int(rng.integers(3, 6)),
        )
    if choice == 1:
        return Fan(
            start_s=0.0,
            duration_s=duration_s,
            position=(*random_point_inside(rng, room), float(rng.uniform(0.5, 1.2))),
            kind="desk",
            radius_m=float(rng.uniform(0.1, 0.2)),
            rpm=float(rng.uniform(800.0, 1400.0)),
            blades=int(rng.integers(3, 6)),
            facing_deg=float(rng.uniform(-180.0, 180.0)),
        )
    if choice == 2:
        return Curtain(
            start_s=0.0,
            duration_s=duration_s,
            position=(room.width_m - 0.1, float(rng.uniform(1.0, room.depth_m - 1.0)), 1.4),
            sway_hz=float(rng.uniform(0.1, 0.8)),
            amplitude_m=float(rng.uniform(0.01, 0.1)),
        )
    if choice == 3:
        return Pet(
            start_s=0.0,
            duration_s=duration_s,
            area_center=random_point_inside(rng, room),
            speed_m_s=float(rng.uniform(0.5, 2.5)),
            size=str(rng.choice(["cat", "dog"])),  # type: ignore[arg-type]
        )
    return RobotVacuum(start_s=0.0, duration_s=duration_s, speed_m_s=float(rng.uniform(0.2, 0.4)))
