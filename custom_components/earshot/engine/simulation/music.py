"""Synthetic music for the device's own speaker: bass line, drums and chords.

Music matters to the presence detector because it is played through the same
speaker as the ultrasonic carrier: the speaker's nonlinearity multiplies the two,
and the bass (40-120 Hz) lands as sidebands right in the Doppler band. The loop
is four bars long, seeded, and rendered once per music action.
"""

from __future__ import annotations

import numpy as np

from .dsp import Float64Array, circular_filter, db_to_gain, fade, seeded_rng
from .household import band_noise, decaying_partials, harmonic_tone
from .scene import Music

BARS = 4
ROOTS_HZ = (41.2, 43.65, 49.0, 55.0, 61.74, 65.41, 73.42, 82.41)
"""Bass roots E1..E2."""
BANDWIDTH_HZ = 16_000.0
"""Like a compressed stream, the music itself has nothing near the carrier."""


def _rms(x: Float64Array) -> float:
    return float(np.sqrt(np.mean(x**2))) or 1.0


def music_loop(action: Music, seed: int, index: int, sample_rate_hz: int) -> Float64Array:
    """Four bars of bass, kick, snare, hi-hat and chord stabs at the action's levels.

    The loop depends only on the action, the seed and the action's index in the scene.
    """
    rng = seeded_rng(seed, 301, index)
    beat_frames = 256 * max(1, round(60.0 / action.tempo_bpm * sample_rate_hz / 256))
    # a round number of frames per beat keeps the loop's FFT fast
    frames = BARS * 4 * beat_frames
    t_beat = np.arange(beat_frames) / sample_rate_hz
    bass = np.zeros(frames)
    drums = np.zeros(frames)
    chords = np.zeros(frames)
    roots = rng.choice(ROOTS_HZ, BARS)
    kick_t = t_beat
    kick_phase = 2 * np.pi * np.cumsum(50.0 + 100.0 * np.exp(-kick_t / 0.03)) / sample_rate_hz
    kick = np.sin(kick_phase) * np.exp(-kick_t / 0.15)
    snare = band_noise(rng, len(t_beat), sample_rate_hz, 1000.0, 8000.0) * np.exp(-t_beat / 0.08)
    snare += 0.5 * np.sin(2 * np.pi * 190.0 * t_beat) * np.exp(-t_beat / 0.05)
    hat_t = t_beat[: len(t_beat) // 2]
    hat = band_noise(rng, len(hat_t), sample_rate_hz, 7000.0, 16000.0) * np.exp(-hat_t / 0.02)
    for beat in range(BARS * 4):
        start = beat * beat_frames
        root = roots[beat // 4] * (1.5 if rng.uniform() < 0.2 else 1.0)
        note = harmonic_tone(
            2 * np.pi * root * t_beat, root, (1.0, 0.5, 0.25, 0.12), sample_rate_hz
        )
        bass[start : start + len(t_beat)] += note * fade(len(t_beat), sample_rate_hz, 0.01)
        hit = kick if beat % 2 == 0 else snare * 0.6
        drums[start : start + len(t_beat)] += hit
        drums[start : start + len(hat_t)] += 0.3 * hat
        half = start + len(hat_t)
        drums[half : half + len(hat_t)] += 0.2 * hat
        if beat % 2 == 1:
            triad = root * 4 * np.array([1.0, 1.26, 1.5])
            stab = decaying_partials(t_beat, triad, np.full(3, 0.25), np.ones(3), sample_rate_hz)
            chords[start : start + len(t_beat)] += stab
    rest = drums / _rms(drums) + 0.7 * chords / _rms(chords)
    rest *= max(
        db_to_gain(action.level_dbfs) ** 2 - db_to_gain(action.bass_dbfs) ** 2, 1e-12
    ) ** 0.5 / _rms(rest)
    mix = bass / _rms(bass) * db_to_gain(action.bass_dbfs) + rest
    return circular_filter(
        mix, sample_rate_hz, lambda f: 1.0 / np.sqrt(1.0 + (f / BANDWIDTH_HZ) ** 32)
    )
