"""What the mics hear of the speaker: direct coupling, static echoes and Doppler echoes.

The speaker signal goes through the driver's nonlinearity (y = x + a2 x^2 + a3 x^3,
so music bass intermodulates with an ultrasonic carrier) and its frequency
response. Fixed paths (direct coupling, first-order wall images, furniture) form
one FIR of band-limited fractional delays. For moving scatterers the radiated
signal is oversampled 4x into a history buffer that each path reads at its own
delay d(t)/c with cubic interpolation; d(t) changes every sample, which yields
true Doppler and micro-Doppler, seamless across blocks (mirror images stay 80+ dB
below the echo). Amplitudes follow the physics: wall images fall off as 1/r,
scatterers as reflectivity / (r_speaker * r_mic), plus air absorption. Every path
shares a fixed extra latency (:attr:`SpeakerPaths.latency_frames`), like a sound
card's output-to-input delay.
"""

from __future__ import annotations

import math

import numpy as np

from .dsp import (
    SPEED_OF_SOUND_M_S,
    Float64Array,
    FloatArray,
    StreamingFir,
    StreamingUpsampler,
    butterworth_magnitude,
    cubic_read,
    db_to_gain,
    delay_taps,
    highpass_magnitude,
    kaiser_lowpass,
    response_taps,
)
from .reflectors import scene_movers
from .scene import Scene
from .timeline import scene_times_s

OVERSAMPLE = 4
"""History oversampling; keeps cubic interpolation errors 60+ dB below the echoes."""
UPSAMPLER_TAPS_PER_PHASE = 48
GRID_FRAMES = 16
"""Geometry is evaluated every GRID_FRAMES stream frames and interpolated in between."""
MIN_RANGE_M = 0.1
SPEAKER_TAPS = 255
STATIC_HALF_WIDTH = 48
"""Half length of the sinc that renders each fixed path's fractional delay."""
MAX_PATH_M = 40.0


def image_sources(
    position: Float64Array, width_m: float, depth_m: float, height_m: float
) -> Float64Array:
    """(6, 3) mirror images of a point in the six walls of a box room."""
    images = []
    for axis, size in enumerate((width_m, depth_m, height_m)):
        for wall in (0.0, size):
            image = position.copy()
            image[axis] = 2.0 * wall - position[axis]
            images.append(image)
    return np.stack(images)


def mic_positions(center: Float64Array, channels: int, spacing_m: float) -> Float64Array:
    """(C, 3) mic positions a little above the speaker: a line for two mics, else a circle."""
    above = center + np.array([0.0, 0.02, 0.03])
    if channels == 1:
        return np.asarray(above[None, :], dtype=np.float64)
    if channels == 2:
        offsets = np.array([[-0.5 * spacing_m, 0.0, 0.0], [0.5 * spacing_m, 0.0, 0.0]])
        return np.asarray(above + offsets, dtype=np.float64)
    angles = np.linspace(0.0, 2 * np.pi, channels, endpoint=False)
    ring = np.stack([np.cos(angles), np.sin(angles), np.zeros_like(angles)], axis=1)
    return np.asarray(above + 0.5 * spacing_m * ring, dtype=np.float64)


class SpeakerPaths:
    """Renders the speaker signal through the room to every mic, keeping stream state."""

    def __init__(self, scene: Scene, seed: int, sample_rate_hz: int, mics: Float64Array) -> None:
        room, device = scene.room, scene.device
        self._rate = sample_rate_hz
        self._scene_frames = round(scene.duration_s * sample_rate_hz)
        self._mics = mics
        self._speaker = np.asarray(room.device_position, dtype=np.float64)
        self._air_db_per_m = room.air_absorption_db_per_m
        self._level = db_to_gain(device.speaker_db_spl - 120.0)
        self._a2, self._a3 = device.nonlinearity

        def speaker_response(freqs_hz: Float64Array) -> Float64Array:
            lowpass = butterworth_magnitude(
                freqs_hz, device.speaker_cutoff_hz, device.rolloff_order
            )
            return lowpass * highpass_magnitude(freqs_hz, device.speaker_highpass_hz, 2)

        self._speaker_fir = StreamingFir(
            response_taps(speaker_response, sample_rate_hz, SPEAKER_TAPS), 1
        )
        up_taps = OVERSAMPLE * UPSAMPLER_TAPS_PER_PHASE + 1
        self._upsampler = StreamingUpsampler(
            OVERSAMPLE, OVERSAMPLE * kaiser_lowpass(0.5 / OVERSAMPLE, up_taps)
        )
        self._up_delay = (up_taps - 1) / 2.0
        self._latency_frames = max(math.ceil((self._up_delay + 4) / OVERSAMPLE), STATIC_HALF_WIDTH)
        self._history_frames = math.ceil(MAX_PATH_M / SPEED_OF_SOUND_M_S * sample_rate_hz) + 8
        self._history: FloatArray = np.zeros(0, dtype=np.float32)
        self._history_end = 0  # stream frame just after the newest sample in the history
        self._quiet_frames = 0  # how long the speaker history has been all zeros

        static_delay, static_gain = self._static_paths(scene)
        static_taps = [
            delay_taps(
                np.asarray(delays) + self._latency_frames, np.asarray(gains), STATIC_HALF_WIDTH
            )
            for delays, gains in zip(static_delay, static_gain, strict=True)
        ]
        length = max(len(t) for t in static_taps)
        self._static = StreamingFir(
            np.stack([np.pad(t, (0, length - len(t))) for t in static_taps], axis=1), 1
        )
        self._movers = scene_movers(scene, seed)

    @property
    def latency_frames(self) -> int:
        """Fixed extra delay of every path, like a sound card's loopback latency."""
        return self._latency_frames + SPEAKER_TAPS // 2

    def _static_paths(self, scene: Scene) -> tuple[Float64Array, Float64Array]:
        """(C, S) delays in frames and gains of the direct path, wall images and furniture."""
        room, device = scene.room, scene.device
        delays = []
        gains = []
        images = image_sources(self._speaker, room.width_m, room.depth_m, room.height_m)
        for mic in self._mics:
            direct = max(float(np.linalg.norm(mic - self._speaker)), 0.01)
            mic_delays = [direct]
            mic_gains = [db_to_gain(device.coupling_db)]
            for image in images:
                r = float(np.linalg.norm(mic - image))
                mic_delays.append(r)
                mic_gains.append(room.wall_reflection / r * float(self._absorption(r)))
            for item in room.furniture:
                p = np.asarray(item.position)
                r1 = max(float(np.linalg.norm(p - self._speaker)), MIN_RANGE_M)
                r2 = max(float(np.linalg.norm(p - mic)), MIN_RANGE_M)
                mic_delays.append(r1 + r2)
                absorption = float(self._absorption(r1 + r2))
                mic_gains.append(item.reflectivity_m / (r1 * r2) * absorption)
            delays.append(mic_delays)
            gains.append(mic_gains)
        to_frames = self._rate / SPEED_OF_SOUND_M_S
        return np.minimum(np.asarray(delays), MAX_PATH_M) * to_frames, np.asarray(
            gains
        ) * self._level

    def _absorption(self, path_m: float | Float64Array) -> Float64Array:
        return np.asarray(10.0 ** (-self._air_db_per_m * np.asarray(path_m) / 20.0))

    def process(self, start_frame: int, speaker: Float64Array) -> Float64Array:
        """Mic pressure (frames, C) for stream frames starting at ``start_frame``."""
        if start_frame != self._history_end:
            raise ValueError(
                f"blocks must be contiguous: expected {self._history_end}, got {start_frame}"
            )
        frames = len(speaker)
        driven = speaker + self._a2 * speaker**2 + self._a3 * speaker**3
        radiated = self._speaker_fir.process(driven[:, None])[:, 0].astype(np.float64)
        upsampled = self._upsampler.process(radiated)
        needed = OVERSAMPLE * (frames + self._history_frames + self._latency_frames) + 8
        joined = np.concatenate([self._history, upsampled])
        if len(joined) < needed:
            joined = np.concatenate([np.zeros(needed - len(joined), np.float32), joined])
        self._history = joined[len(joined) - needed :]
        self._history_end = start_frame + frames
        out = self._static.process(radiated[:, None]).astype(np.float64)
        self._quiet_frames = 0 if np.any(upsampled) else self._quiet_frames + frames
        if self._quiet_frames < len(self._history) // OVERSAMPLE:  # silent speaker: no echoes
            self._add_moving(out, start_frame, frames)
        return out

    def _add_moving(self, out: Float64Array, start_frame: int, frames: int) -> None:
        """Moving scatterers: geometry on a coarse grid, delays interpolated per frame."""
        first_grid = start_frame // GRID_FRAMES
        last_grid = (start_frame + frames - 1) // GRID_FRAMES + 1
        grid_frames = np.arange(first_grid, last_grid + 1, dtype=np.float64) * GRID_FRAMES
        scene_t = scene_times_s(grid_frames, self._scene_frames, self._rate)
        positions = []
        weights = []
        for action, mover in self._movers:
            local_t = scene_t - action.start_s
            if local_t.max() < 0.0 or local_t.min() > action.duration_s:
                continue
            p, w = mover.scatterers(local_t)
            positions.append(p)
            weights.append(w)
        if not positions:
            return
        pos = np.concatenate(positions)  # (P, G, 3)
        refl = np.concatenate(weights)  # (P, G)
        r1 = np.maximum(np.linalg.norm(pos - self._speaker, axis=-1), MIN_RANGE_M)
        r2 = np.maximum(
            np.linalg.norm(pos[None] - self._mics[:, None, None, :], axis=-1), MIN_RANGE_M
        )
        path = np.minimum(r1[None] + r2, MAX_PATH_M)  # (C, P, G)
        gain = self._level * refl[None] / (r1[None] * r2) * self._absorption(path)
        delay = path * (self._rate / SPEED_OF_SOUND_M_S)
        # linear interpolation between grid points, by broadcasting over whole cells
        ramp = np.arange(GRID_FRAMES) / GRID_FRAMES
        skip = start_frame - first_grid * GRID_FRAMES

        def per_frame(values: Float64Array) -> Float64Array:
            steps = values[..., :-1, None] + np.diff(values, axis=-1)[..., None] * ramp
            return steps.reshape(*values.shape[:-1], -1)[..., skip : skip + frames]

        # history index of each frame's echo: newest frame sits OVERSAMPLE from the end
        newest = len(self._history) - OVERSAMPLE * (1 + self._latency_frames) + self._up_delay
        offsets = OVERSAMPLE * (np.arange(frames) - (frames - 1)) + newest
        position = offsets - OVERSAMPLE * per_frame(delay)
        echoes = cubic_read(self._history, position)
        gain_f = per_frame(gain)
        out += np.einsum("cpt,cpt->tc", gain_f, echoes)
