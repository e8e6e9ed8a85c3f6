"""Audible sounds in the room, other ultrasonic emitters, and the background.

Household sounds are placed at a distance and azimuth from the device: each mic
gets the direct sound (1/r, delayed by r/c) plus a diffuse reverberant tail from
an exponentially decaying noise impulse response, one per mic so the tails are
decorrelated. The reverberant level follows the room's critical distance
(0.057 sqrt(V / RT60)), so far sounds are more reverberant than near ones.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .dsp import (
    SPEED_OF_SOUND_M_S,
    ChunkedNoise,
    Float64Array,
    StreamingFir,
    db_to_gain,
    response_taps,
    seeded_rng,
    shaped_noise,
    spl_to_gain,
)
from .household import DEFAULT_LEVEL_DB_SPL, gate, synthesize
from .scene import Room, Scene, Sound, UltrasonicInterferer
from .timeline import PlacedClip, segments

MAX_SYNTH_S = 20.0
"""Sounds longer than this tile a clip of this length."""
MIN_DISTANCE_M = 0.3
PRE_DELAY_S = 0.004


@dataclass(frozen=True, slots=True)
class PlacedSound:
    """A synthesized sound with its per-mic delays and gains."""

    clip: PlacedClip
    delays_frames: tuple[int, ...]
    direct_gains: tuple[float, ...]
    reverb_gain: float


def reverb_taps(
    room: Room, rng: np.random.Generator, sample_rate_hz: int, channels: int
) -> Float64Array:
    """(K, C) unit-energy decaying-noise impulse responses, darker as they decay."""
    frames = round(min(1.2 * room.rt60_s, 1.0) * sample_rate_hz)
    t = np.arange(frames) / sample_rate_hz
    taps = np.zeros((frames, channels))
    for c in range(channels):
        bright = shaped_noise(
            rng, frames, sample_rate_hz, lambda f: 1.0 / np.sqrt(1.0 + (f / 6000.0) ** 2)
        )
        dark = shaped_noise(
            rng, frames, sample_rate_hz, lambda f: 1.0 / np.sqrt(1.0 + (f / 1500.0) ** 2)
        )
        decay = np.exp(-6.91 * t / room.rt60_s)
        taps[:, c] = (bright * decay**2 + dark * decay) * (t >= PRE_DELAY_S)
        taps[:, c] /= math.sqrt(float(np.sum(taps[:, c] ** 2)))
    return taps


def critical_distance_m(room: Room) -> float:
    """Distance at which direct and reverberant sound are equally loud."""
    return 0.057 * math.sqrt(room.volume_m3 / room.rt60_s)


def interferer_signal(action: UltrasonicInterferer, t_s: Float64Array) -> Float64Array:
    """A steady, pulsed or swept ultrasonic tone at the action's RMS level."""
    amplitude = math.sqrt(2.0) * db_to_gain(action.level_dbfs)
    if action.kind == "sweep":
        tau = np.mod(t_s, action.period_s)
        rate = (action.end_frequency_hz - action.frequency_hz) / action.period_s
        phase = 2 * np.pi * (action.frequency_hz * tau + 0.5 * rate * tau**2)
    else:
        phase = 2 * np.pi * np.mod(action.frequency_hz * t_s, 1.0)
    out = amplitude * np.sin(phase)
    if action.kind == "pulsed":
        out *= gate(t_s, action.period_s, ((0.0, action.period_s / 2),))
    ramp = np.clip(t_s / 0.02, 0, 1) * np.clip((action.duration_s - t_s) / 0.02, 0, 1)
    return np.asarray(out * ramp, dtype=np.float64)


class RoomSounds:
    """Renders household sounds, interferers and background noise at every mic."""

    def __init__(self, scene: Scene, seed: int, sample_rate_hz: int, mics: Float64Array) -> None:
        self._rate = sample_rate_hz
        self._scene_frames = round(scene.duration_s * sample_rate_hz)
        channels = len(mics)
        self._channels = channels
        device = np.asarray(scene.room.device_position, dtype=np.float64)
        center = mics.mean(axis=0)
        reverb_level = 1.0 / critical_distance_m(scene.room)
        self._sounds: list[PlacedSound] = []
        self._interferers: list[tuple[UltrasonicInterferer, Float64Array]] = []
        for index, action in enumerate(scene.actions):
            if isinstance(action, Sound):
                make = functools.partial(self._synthesize, action, seed, index)
                self._sounds.append(self._place(action, make, center, mics, reverb_level))
            elif (
                isinstance(action, UltrasonicInterferer)
                and action.frequency_hz < 0.49 * sample_rate_hz
            ):
                rng = seeded_rng(seed, 202, index)
                where = device + np.array(
                    [rng.uniform(-2, 2), rng.uniform(0.5, 3), rng.uniform(-0.5, 1)]
                )
                delays_s = np.linalg.norm(mics - where, axis=1) / SPEED_OF_SOUND_M_S
                self._interferers.append((action, delays_s))
        self._reverb = StreamingFir(
            reverb_taps(scene.room, seeded_rng(seed, 203), sample_rate_hz, channels), 1
        )
        pink = response_taps(
            lambda f: 1.0 / np.sqrt(np.maximum(f, 50.0) / 50.0), sample_rate_hz, 511
        )
        self._background = StreamingFir(pink / np.sqrt(np.sum(pink**2)), channels)
        self._background_gain = spl_to_gain(scene.room.background_db_spl)
        self._noise = ChunkedNoise(seed, 204, channels)

    def _synthesize(self, action: Sound, seed: int, index: int) -> Float64Array:
        """The action's clip; a fresh generator each time, so re-synthesis is identical."""
        duration_s = min(action.duration_s, MAX_SYNTH_S)
        rng = seeded_rng(seed, 202, index)
        return synthesize(action.kind, rng, self._rate, duration_s, action.variant)

    def _place(
        self,
        action: Sound,
        make: Callable[[], Float64Array],
        center: Float64Array,
        mics: Float64Array,
        reverb_level: float,
    ) -> PlacedSound:
        azimuth = math.radians(action.azimuth_deg)
        distance = max(action.distance_m, MIN_DISTANCE_M)
        source = center + distance * np.array([math.sin(azimuth), math.cos(azimuth), 0.0])
        level = spl_to_gain(
            action.level_db_spl
            if action.level_db_spl is not None
            else DEFAULT_LEVEL_DB_SPL[action.kind]
        )
        ranges = np.maximum(np.linalg.norm(mics - source, axis=1), MIN_DISTANCE_M)
        return PlacedSound(
            clip=PlacedClip(
                round(action.start_s * self._rate), round(action.duration_s * self._rate), make
            ),
            delays_frames=tuple(round(r / SPEED_OF_SOUND_M_S * self._rate) for r in ranges),
            direct_gains=tuple(level / r for r in ranges),
            reverb_gain=level * reverb_level,
        )

    def render(self, start_frame: int, frames: int) -> Float64Array:
        """Sound pressure (frames, C) at the mics for stream frames from ``start_frame``."""
        direct = np.zeros((frames, self._channels))
        send = np.zeros((frames, 1))
        for offset, scene_start, count in segments(start_frame, frames, self._scene_frames):
            span = slice(offset, offset + count)
            for sound in self._sounds:
                dry = sound.clip.render(scene_start, count)
                if dry is not None:
                    send[span, 0] += sound.reverb_gain * dry
                for c, (delay, gain) in enumerate(
                    zip(sound.delays_frames, sound.direct_gains, strict=True)
                ):
                    delayed = sound.clip.render(scene_start - delay, count)
                    if delayed is not None:
                        direct[span, c] += gain * delayed
            t_s = (scene_start + np.arange(count)) / self._rate
            for action, delays_s in self._interferers:
                local = t_s - action.start_s
                if local[-1] < 0 or local[0] > action.duration_s:
                    continue
                for c, delay_s in enumerate(delays_s):
                    direct[span, c] += interferer_signal(action, local - delay_s)
        background = self._background.process(self._noise.read(start_frame, frames))
        return direct + self._reverb.process(send) + self._background_gain * background
