"""Kinematics of everything that moves in a scene, as point scatterers over time.

Each moving action becomes a :class:`Mover`: given an array of times (seconds
since the action started) it returns the positions of its scatterers, shape
(P, T, 3), and their reflectivity (P, T). Reflectivity is zero outside the
action (with short ramps), so movers can be evaluated on any time grid; all
randomness (pet routes, fidgets) is drawn once from the seed when built, which
makes a mover a pure function of time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .dsp import Float64Array, seeded_rng
from .scene import (
    Curtain,
    Fan,
    MovingAction,
    Pet,
    RobotVacuum,
    Room,
    Scene,
    SitAndWork,
    Stand,
    Vec2,
    Walk,
)

RAMP_S = 0.3
"""Scatterers fade in and out over this time (nobody pops into existence)."""
MOVER_RNG_KEY = 101
"""Movers draw their randomness from ``seeded_rng(seed, MOVER_RNG_KEY, action_index)``."""
EDGE_FADE_M = 0.3
"""Walkers fade out over this distance beyond the room box (through a door)."""

Scatterers = tuple[Float64Array, Float64Array]
"""Positions (P, T, 3) and reflectivities (P, T)."""


class Mover(Protocol):
    """A set of point scatterers moving along a deterministic trajectory."""

    def scatterers(self, t_s: Float64Array) -> Scatterers:
        """Positions and reflectivities at times ``t_s`` since the action started."""


def window(t_s: Float64Array, duration_s: float) -> Float64Array:
    """1 inside [0, duration] with smooth ramps at both ends, 0 outside."""
    ramp_s = min(RAMP_S, duration_s / 2.0)
    rise = np.clip(t_s / ramp_s, 0.0, 1.0) * np.clip((duration_s - t_s) / ramp_s, 0.0, 1.0)
    return np.asarray(rise * rise * (3.0 - 2.0 * rise), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Route:
    """Piecewise-linear trajectory on the floor: position at given times."""

    times_s: Float64Array
    points: Float64Array
    """(K, 2) floor positions reached at ``times_s``."""

    def position(self, t_s: Float64Array) -> Float64Array:
        """(T, 2) positions, held at the ends."""
        x = np.interp(t_s, self.times_s, self.points[:, 0])
        y = np.interp(t_s, self.times_s, self.points[:, 1])
        return np.stack([x, y], axis=-1)

    def velocity(self, t_s: Float64Array) -> Float64Array:
        """(T, 2) velocities of the segment each time falls in (0 outside the route)."""
        steps = np.diff(self.points, axis=0) / np.maximum(np.diff(self.times_s), 1e-9)[:, None]
        index = np.searchsorted(self.times_s, t_s, side="right") - 1
        inside = (index >= 0) & (index < len(steps))
        out = np.zeros((len(t_s), 2))
        out[inside] = steps[index[inside]]
        return out


def _heading(velocity: Float64Array) -> Float64Array:
    """Unit vectors along velocity (x axis when standing still)."""
    norm = np.linalg.norm(velocity, axis=-1, keepdims=True)
    fallback = np.zeros_like(velocity)
    fallback[..., 0] = 1.0
    return np.where(norm > 1e-6, velocity / np.maximum(norm, 1e-9), fallback)


def _room_visibility(xy: Float64Array, room: Room) -> Float64Array:
    """1 inside the room, fading to 0 within EDGE_FADE_M outside it."""
    outside_x = np.maximum(np.maximum(-xy[:, 0], xy[:, 0] - room.width_m), 0.0)
    outside_y = np.maximum(np.maximum(-xy[:, 1], xy[:, 1] - room.depth_m), 0.0)
    return np.asarray(np.clip(1.0 - np.maximum(outside_x, outside_y) / EDGE_FADE_M, 0, 1))


def _body_point(xy: Float64Array, z_m: float | Float64Array) -> Float64Array:
    """(T, 3) points from floor positions and heights."""
    z = np.broadcast_to(np.asarray(z_m, dtype=np.float64), (len(xy),))
    return np.concatenate([xy, z[:, None]], axis=-1)


class WalkMover:
    """Torso, head, two arms and two legs of a walking person."""

    def __init__(self, action: Walk, room: Room, rng: np.random.Generator) -> None:
        points = np.asarray(action.waypoints, dtype=np.float64)
        lengths = np.concatenate(
            [[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))]
        )
        cruise_s = action.duration_s - min(max(action.accel_s, 0.0), action.duration_s / 2)
        self._route = Route(lengths / max(lengths[-1], 1e-9) * cruise_s, points)
        self._action = action
        self._room = room
        self._phase = float(rng.uniform(0, 2 * math.pi))

    def scatterers(self, t_s: Float64Array) -> Scatterers:
        """Body parts; legs swing at half the step rate, in antiphase, arms opposite to legs."""
        a = self._action
        speed = a.speed_m_s
        step_w = 2.0 * math.pi * a.step_hz
        # the torso surges slightly with every step
        pace = a.speed_factor(t_s)
        surge = 0.08 * pace / step_w * np.sin(step_w * t_s + self._phase)
        xy = self._route.position(a.path_time_s(t_s) + surge)
        # heading over a half-second baseline turns smoothly at waypoints (no limb jumps)
        ahead = self._route.position(a.path_time_s(t_s + 0.25))
        behind = self._route.position(a.path_time_s(t_s - 0.25))
        heading = _heading(ahead - behind)
        side = np.stack([-heading[:, 1], heading[:, 0]], axis=-1)
        stride = 0.5 * step_w * t_s + self._phase
        leg_amp = (0.9 * speed / (0.5 * step_w) * pace)[:, None]
        arm_amp = (0.5 * speed / (0.5 * step_w) * pace)[:, None]
        h = a.height_m
        parts: list[tuple[Float64Array, float]] = [
            (_body_point(xy, 0.58 * h + 0.015 * np.cos(step_w * t_s)), 1.0),
            (_body_point(xy, 0.93 * h), 0.3),
        ]
        for sign in (1.0, -1.0):
            swing = sign * np.sin(stride)[:, None] * heading
            parts.append((_body_point(xy + leg_amp * swing + sign * 0.1 * side, 0.28 * h), 0.45))
            parts.append((_body_point(xy - arm_amp * swing + sign * 0.22 * side, 0.55 * h), 0.3))
        visible = window(t_s, a.duration_s) * _room_visibility(xy, self._room)
        positions = np.stack([p for p, _ in parts])
        weights = np.array([w for _, w in parts])[:, None] * a.reflectivity_m
        return positions, weights * visible[None, :]


@dataclass(frozen=True, slots=True)
class Posture:
    """Heights (m) and hand placement of a person who stays in one place."""

    chest_z: float
    head_z: float
    hand_z: float
    hand_front_m: float
    hand_side_m: float


SEATED = Posture(chest_z=1.05, head_z=1.32, hand_z=0.75, hand_front_m=0.35, hand_side_m=0.2)
STANDING = Posture(chest_z=1.35, head_z=1.65, hand_z=0.85, hand_front_m=0.05, hand_side_m=0.25)


class StillPersonMover:
    """Chest (breathing), head, two hands and two forearms of a seated or standing person."""

    def __init__(self, action: SitAndWork | Stand, rng: np.random.Generator) -> None:
        self._action = action
        self._typing_on = isinstance(action, SitAndWork) and action.typing
        self._posture = SEATED if isinstance(action, SitAndWork) else STANDING
        self._sway_m = action.sway_m if isinstance(action, Stand) else 0.0
        self._sway = (rng.uniform(0.1, 0.4, (3, 1)), rng.uniform(0, 2 * np.pi, (3, 1)))
        angle = math.radians(action.facing_deg)
        self._front = np.array([math.cos(angle), math.sin(angle), 0.0])
        self._side = np.array([-math.sin(angle), math.cos(angle), 0.0])
        self._breath_phase = float(rng.uniform(0, 2 * math.pi))
        self._typing = (rng.uniform(4.0, 9.0, (2, 3)), rng.uniform(0, 2 * math.pi, (2, 3)))
        self._typing_gate_phase = rng.uniform(0, 2 * math.pi, 2)
        count = rng.poisson(action.fidgets_per_min * action.duration_s / 60.0)
        self._fidget_start_s = np.sort(rng.uniform(0.0, action.duration_s, count))
        self._fidget_duration_s = rng.uniform(0.8, 2.5, count)
        self._fidget_part = rng.integers(0, 4, count)  # chest, head, left hand, right hand
        direction = rng.normal(size=(count, 3)) * np.array([1.0, 1.0, 0.4])
        direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-9)
        self._fidget_move = direction * rng.uniform(0.02, 0.15, (count, 1))  # <= ~0.6 m/s

    def _fidgets(self, t_s: Float64Array) -> Float64Array:
        """(4, T, 3) displacement of chest, head and hands from reaches and shifts."""
        out = np.zeros((4, len(t_s), 3))
        if len(t_s) == 0:
            return out
        end_s = self._fidget_start_s + self._fidget_duration_s
        for k in np.flatnonzero((end_s > t_s.min()) & (self._fidget_start_s < t_s.max())):
            phase = (t_s - self._fidget_start_s[k]) / self._fidget_duration_s[k]
            bump = np.where((phase > 0) & (phase < 1), 0.5 - 0.5 * np.cos(2 * np.pi * phase), 0.0)
            out[self._fidget_part[k]] += bump[:, None] * self._fidget_move[k]
        return out

    def scatterers(self, t_s: Float64Array) -> Scatterers:
        """Breathing moves the chest by millimetres; typing jiggles the hands."""
        a = self._action
        base = np.array([a.position[0], a.position[1], 0.0])
        breath = (
            0.5
            * a.breathing_depth_m
            * np.sin(
                2 * np.pi * a.breathing_hz * t_s + self._breath_phase + 0.3 * np.sin(0.2 * t_s)
            )
        )
        fidget = self._fidgets(t_s)
        sway_hz, sway_phase = self._sway
        sway = self._sway_m * np.sin(2 * np.pi * sway_hz * t_s + sway_phase).T * [1.0, 1.0, 0.2]
        posture = self._posture
        chest = base + [0, 0, posture.chest_z] + breath[:, None] * self._front + fidget[0] + sway
        head = base + [0, 0, posture.head_z] + 0.5 * fidget[0] + fidget[1] + 1.2 * sway
        parts = [(chest, 1.0), (head, 0.3)]
        freqs, phases = self._typing
        for hand in range(2):
            jiggle = np.zeros_like(t_s)
            if self._typing_on:
                gate = np.clip(1.5 * np.sin(0.4 * t_s + self._typing_gate_phase[hand]) + 0.5, 0, 1)
                waves = np.sin(2 * np.pi * freqs[hand][:, None] * t_s + phases[hand][:, None])
                jiggle = 0.0015 * gate * waves.sum(axis=0)
            sign = 1.0 if hand == 0 else -1.0
            rest = (
                base
                + posture.hand_front_m * self._front
                + sign * posture.hand_side_m * self._side
                + [0, 0, posture.hand_z]
            )
            palm = rest + jiggle[:, None] * np.array([0, 0, 1.0]) + fidget[2 + hand] + 0.5 * sway
            parts.append((palm, 0.12))
            parts.append((0.5 * (palm + chest) - np.array([0, 0, 0.15]), 0.2))
        positions = np.stack([p for p, _ in parts])
        weights = np.array([w for _, w in parts])[:, None] * a.reflectivity_m
        return positions, weights * window(t_s, a.duration_s)[None, :]


class FanMover:
    """Blade points on circles; blades flash brighter when broadside to the device."""

    def __init__(self, action: Fan, room: Room) -> None:
        self._action = action
        center = np.asarray(action.position, dtype=np.float64)
        to_device = np.asarray(room.device_position) - center
        if action.kind == "ceiling":
            self._u, self._v = np.array([1.0, 0, 0]), np.array([0, 1.0, 0])
        else:
            angle = math.radians(action.facing_deg)
            self._u = np.array([-math.sin(angle), math.cos(angle), 0.0])
            self._v = np.array([0, 0, 1.0])
        self._view_angle = math.atan2(float(to_device @ self._v), float(to_device @ self._u))
        self._center = center

    def scatterers(self, t_s: Float64Array) -> Scatterers:
        """Two points (mid and tip) per blade; angle follows a spin-up from rest."""
        a = self._action
        omega = 2 * np.pi * a.rpm / 60.0
        tau = max(a.spin_up_s, 1e-3)
        elapsed = np.maximum(t_s, 0.0)
        angle = omega * (elapsed - tau * (1.0 - np.exp(-elapsed / tau)))
        positions = []
        weights = []
        for blade in range(a.blades):
            theta = angle + 2 * np.pi * blade / a.blades
            flash = 0.4 + 0.6 * np.cos(theta - self._view_angle) ** 2
            ring = np.cos(theta)[:, None] * self._u + np.sin(theta)[:, None] * self._v
            for radius_frac, weight in ((0.5, 0.7), (0.9, 1.0)):
                positions.append(self._center + radius_frac * a.radius_m * ring)
                weights.append(weight * flash)
        visible = window(t_s, a.duration_s) * a.reflectivity_m
        return np.stack(positions), np.stack(weights) * visible[None, :]


class CurtainMover:
    """Six patches of cloth swaying along the wall normal, with slow gusts."""

    def __init__(self, action: Curtain, room: Room, rng: np.random.Generator) -> None:
        self._action = action
        center = np.asarray(action.position, dtype=np.float64)
        to_room = np.array([room.width_m / 2, room.depth_m / 2, center[2]]) - center
        axis = int(np.argmax(np.abs(to_room[:2])))
        self._normal = np.zeros(3)
        self._normal[axis] = math.copysign(1.0, to_room[axis])
        along = np.zeros(3)
        along[1 - axis] = 1.0
        offsets = [
            center + (col - 1) * action.width_m / 3 * along + np.array([0, 0, row * 0.6 - 0.3])
            for row in range(2)
            for col in range(3)
        ]
        self._rest = np.stack(offsets)
        self._freq = action.sway_hz * rng.uniform(0.8, 1.25, len(offsets))
        self._phase = rng.uniform(0, 2 * np.pi, (len(offsets), 2))
        self._gust_phase = float(rng.uniform(0, 2 * np.pi))

    def scatterers(self, t_s: Float64Array) -> Scatterers:
        """Displacement is a slow two-tone sway scaled by a gust envelope."""
        a = self._action
        gust = 0.6 + 0.4 * np.sin(2 * np.pi * 0.05 * t_s + self._gust_phase)
        w = 2 * np.pi * self._freq[:, None] * t_s[None, :]
        sway = np.sin(w + self._phase[:, :1]) + 0.4 * np.sin(2.3 * w + self._phase[:, 1:])
        disp = a.amplitude_m * gust[None, :] * sway
        positions = self._rest[:, None, :] + disp[:, :, None] * self._normal
        weights = np.full(disp.shape, a.reflectivity_m / 2.0) * window(t_s, a.duration_s)
        return positions, weights


def _dash_route(
    rng: np.random.Generator,
    center: Vec2,
    radius_m: float,
    speed_m_s: float,
    duration_s: float,
    pause_s: tuple[float, float],
) -> Route:
    """Random dashes between points in a disc, with pauses, covering the duration."""
    times = [0.0]
    points = [np.asarray(center, dtype=np.float64)]
    while times[-1] < duration_s:
        angle = rng.uniform(0, 2 * np.pi)
        target = np.asarray(center) + radius_m * math.sqrt(rng.uniform()) * np.array(
            [math.cos(angle), math.sin(angle)]
        )
        speed = speed_m_s * rng.uniform(0.5, 1.6)
        times.append(times[-1] + float(np.linalg.norm(target - points[-1])) / speed + 1e-3)
        points.append(target)
        times.append(times[-1] + rng.uniform(*pause_s))
        points.append(target)
    return Route(np.asarray(times), np.stack(points))


def _bouncing_route(
    rng: np.random.Generator, room: Room, speed_m_s: float, duration_s: float
) -> Route:
    """Straight runs between random points near the walls, pausing to turn."""
    margin = 0.3
    times = [0.0]
    points = [np.array([margin, room.depth_m - margin])]
    while times[-1] < duration_s:
        target = np.array(
            [rng.uniform(margin, room.width_m - margin), rng.uniform(margin, room.depth_m - margin)]
        )
        times.append(times[-1] + float(np.linalg.norm(target - points[-1])) / speed_m_s + 1e-3)
        points.append(target)
        times.append(times[-1] + 1.0)
        points.append(target)
    return Route(np.asarray(times), np.stack(points))


class RouteMover:
    """A low body on a route plus its legs, which trot while it moves (pets, robots)."""

    def __init__(
        self,
        route: Route,
        duration_s: float,
        height_m: float,
        reflectivity_m: float,
        trot_hz: float,
    ) -> None:
        self._route = route
        self._duration_s = duration_s
        self._height_m = height_m
        self._reflectivity_m = reflectivity_m
        self._trot_hz = trot_hz

    def scatterers(self, t_s: Float64Array) -> Scatterers:
        """Body on the route; legs oscillate along the heading in proportion to speed."""
        xy = self._route.position(t_s)
        velocity = self._route.velocity(t_s)
        speed = np.linalg.norm(velocity, axis=-1)
        positions = [_body_point(xy, self._height_m)]
        weights = [np.ones_like(t_s)]
        if self._trot_hz > 0:
            w = 2 * np.pi * self._trot_hz
            legs = xy + (0.6 * speed / w * np.sin(w * t_s))[:, None] * _heading(velocity)
            positions.append(_body_point(legs, 0.4 * self._height_m))
            weights.append(np.full_like(t_s, 0.5))
        visible = window(t_s, self._duration_s) * self._reflectivity_m
        return np.stack(positions), np.stack(weights) * visible[None, :]


def build_mover(action: MovingAction, room: Room, rng: np.random.Generator) -> Mover:
    """The mover of one moving action, with its randomness drawn from ``rng``."""
    match action:
        case Walk():
            return WalkMover(action, room, rng)
        case SitAndWork() | Stand():
            return StillPersonMover(action, rng)
        case Fan():
            return FanMover(action, room)
        case Curtain():
            return CurtainMover(action, room, rng)
        case Pet():
            dog = action.size == "dog"
            route = _dash_route(
                rng,
                action.area_center,
                action.area_radius_m,
                action.speed_m_s,
                action.duration_s,
                (0.3, 3.0),
            )
            return RouteMover(
                route, action.duration_s, 0.4 if dog else 0.22, 0.09 if dog else 0.05, 3.5
            )
        case RobotVacuum():
            route = _bouncing_route(rng, room, action.speed_m_s, action.duration_s)
            return RouteMover(route, action.duration_s, 0.06, 0.06, 0.0)


def scene_movers(scene: Scene, seed: int) -> list[tuple[MovingAction, Mover]]:
    """Every moving action of a scene with its mover, exactly as the renderer builds them.

    Trainers use this to derive kinematic ground truth (e.g. radial speeds) that
    matches the rendered audio.
    """
    return [
        (action, build_mover(action, scene.room, seeded_rng(seed, MOVER_RNG_KEY, index)))
        for index, action in enumerate(scene.actions)
        if isinstance(action, Walk | SitAndWork | Stand | Fan | Curtain | Pet | RobotVacuum)
    ]
