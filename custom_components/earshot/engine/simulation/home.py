"""The whole simulated home at the mics: speaker paths, room sounds, mic hardware.

:class:`HomeRenderer` is the pure renderer behind both the real-time source and
offline rendering. Give it contiguous blocks of the speaker signal and it returns
what the mics record; every piece of state it keeps (filter histories, the
speaker history, noise chunks) lives on the stream's sample clock, so the output
does not depend on how the stream is cut into blocks. Scene music joins the
speaker signal here, behind the output mixer's back, like another app playing
through the same speaker: detectors get no reference copy of it, unless the
renderer is asked for a ``reference_channel``: then every block carries one more
channel after the mics, what the speaker was driven with (emitter output plus
music), like a capture of the system's playback monitor.
"""

from __future__ import annotations

import functools

import numpy as np

from ..audio import FloatArray
from .acoustics import RoomSounds
from .dsp import (
    ChunkedNoise,
    Float64Array,
    StreamingFir,
    butterworth_magnitude,
    db_to_gain,
    response_taps,
    seeded_rng,
)
from .music import music_loop
from .scene import Music, Scene
from .timeline import PlacedClip, segments
from .ultrasound import SpeakerPaths, mic_positions

MIC_TAPS = 63
MIN_SAMPLE_RATE_HZ = 16_000


class HomeRenderer:
    """Renders a scene for given speaker blocks, one contiguous block at a time."""

    def __init__(
        self,
        scene: Scene,
        *,
        seed: int,
        sample_rate_hz: int,
        channels: int,
        reference_channel: bool = False,
    ) -> None:
        if sample_rate_hz < MIN_SAMPLE_RATE_HZ:
            raise ValueError(f"sample rate must be at least 16 kHz, got {sample_rate_hz}")
        device = scene.device
        self.scene = scene
        self._rate = sample_rate_hz
        self._scene_frames = round(scene.duration_s * sample_rate_hz)
        mics = mic_positions(
            np.asarray(scene.room.device_position, dtype=np.float64), channels, device.mic_spacing_m
        )
        self._paths = SpeakerPaths(scene, seed, sample_rate_hz, mics)
        self._room = RoomSounds(scene, seed, sample_rate_hz, mics)
        self._music = [
            PlacedClip(
                round(action.start_s * sample_rate_hz),
                round(action.duration_s * sample_rate_hz),
                functools.partial(music_loop, action, seed, index, sample_rate_hz),
                fade_frames=round(0.5 * sample_rate_hz),
            )
            for index, action in enumerate(scene.actions)
            if isinstance(action, Music)
        ]
        mic_taps = response_taps(
            lambda f: butterworth_magnitude(f, device.mic_cutoff_hz, device.rolloff_order),
            sample_rate_hz,
            MIC_TAPS,
        )
        self._mic_fir = StreamingFir(mic_taps, channels)
        spread = seeded_rng(seed, 302).normal(0.0, device.mic_mismatch_db, channels)
        self._mic_gain = np.array([db_to_gain(float(d)) for d in spread])
        self._noise = ChunkedNoise(seed, 303, channels)
        self._noise_gain = db_to_gain(device.mic_noise_dbfs)
        self._clip_level = device.clip_level
        self.reference_channel = reference_channel
        """Whether blocks end with the playback reference (so they have ``channels + 1``)."""

    @property
    def latency_frames(self) -> int:
        """Delay between the speaker signal and its direct arrival, beyond acoustics."""
        return self._paths.latency_frames + MIC_TAPS // 2

    def music(self, start_frame: int, frames: int) -> Float64Array:
        """The scene's music for the speaker, mono."""
        out = np.zeros(frames)
        for offset, scene_start, count in segments(start_frame, frames, self._scene_frames):
            for clip in self._music:
                samples = clip.render(scene_start, count)
                if samples is not None:
                    out[offset : offset + count] += samples
        return out

    def render(self, start_frame: int, speaker: FloatArray) -> FloatArray:
        """Mic samples (frames, C), float32, for one block of emitter output.

        With ``reference_channel``, (frames, C + 1): the last channel is the speaker drive.
        """
        frames = len(speaker)
        drive = np.clip(speaker.astype(np.float64) + self.music(start_frame, frames), -1.0, 1.0)
        pressure = self._paths.process(start_frame, drive) + self._room.render(start_frame, frames)
        heard = self._mic_fir.process(pressure).astype(np.float64) * self._mic_gain
        heard += self._noise_gain * self._noise.read(start_frame, frames)
        clipped: FloatArray = np.clip(heard, -self._clip_level, self._clip_level).astype(np.float32)
        if self.reference_channel:
            return np.concatenate([clipped, drive.astype(np.float32)[:, None]], axis=1)
        return clipped
