"""Synthesis of audible household sounds, one mono clip per sound action.

Each synthesizer returns a clip normalised to unit RMS while sounding, which the
room renderer scales to the requested SPL, tiles to fill the action and places in
the room. Alarms follow their standard cadences exactly, and their clip is one
cadence period, so tiling repeats the pattern: smoke alarms use the T3 pattern
(three 0.5 s tones, 0.5 s gaps, 1.5 s pause) with a 3.0-3.4 kHz piezo or the
520 Hz square-wave low-frequency variant; CO alarms use T4 (four 0.1 s tones with
0.1 s gaps, then a 5 s pause). Everything else varies with the seed: pitch,
partials, counts and spacing of barks, knocks, beeps and steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .dsp import Float64Array, circular_filter, fade, shaped_noise

T3_PERIOD_S = 4.0
T3_TONES: tuple[tuple[float, float], ...] = ((0.0, 0.5), (1.0, 1.5), (2.0, 2.5))
T4_PERIOD_S = 5.7
T4_TONES: tuple[tuple[float, float], ...] = ((0.0, 0.1), (0.2, 0.3), (0.4, 0.5), (0.6, 0.7))
VOICE_BANDWIDTH_HZ = 6000.0
"""Voices (speech, barks, cries) carry little above this; fewer harmonics, faster synthesis."""
VOICE_KINDS = frozenset({"speech", "dog_bark", "baby_cry", "tv"})
VOICE_RATE_HZ = 16_000
MAX_CLIP_S = 8.0
"""Longer sounds loop a clip of this length (steady sounds) to bound memory."""

DEFAULT_LEVEL_DB_SPL: dict[str, float] = {
    "smoke_alarm": 95.0,
    "co_alarm": 90.0,
    "glass_break": 88.0,
    "dog_bark": 85.0,
    "baby_cry": 82.0,
    "knock": 72.0,
    "doorbell": 80.0,
    "footsteps": 62.0,
    "door": 72.0,
    "water_running": 62.0,
    "appliance_beep": 72.0,
    "speech": 62.0,
    "kettle": 75.0,
    "phone_ring": 70.0,
    "vacuum_cleaner": 78.0,
    "tv": 62.0,
}
"""Typical level of each kind at 1 m, RMS while sounding."""

VOWEL_FORMANTS_HZ: tuple[tuple[float, float, float], ...] = (
    (730.0, 1090.0, 2440.0),
    (270.0, 2290.0, 3010.0),
    (300.0, 870.0, 2240.0),
    (530.0, 1840.0, 2480.0),
    (570.0, 840.0, 2410.0),
    (440.0, 1020.0, 2240.0),
    (660.0, 1720.0, 2410.0),
)

Synth = Callable[[np.random.Generator, int, float, str], Float64Array]


def gate(t_s: Float64Array, period_s: float, tones: Sequence[tuple[float, float]]) -> Float64Array:
    """Periodic on/off envelope with 5 ms raised-cosine edges."""
    ramp_s = 0.005
    phase = np.mod(t_s, period_s)
    env = np.zeros_like(t_s)
    for on_s, off_s in tones:
        rise = np.clip((phase - on_s) / ramp_s, 0, 1) * np.clip((off_s - phase) / ramp_s, 0, 1)
        env = np.maximum(env, 0.5 - 0.5 * np.cos(np.pi * rise))
    return env


def harmonic_tone(
    phase: Float64Array, f0_hz: float, amps: Sequence[float], sample_rate_hz: int
) -> Float64Array:
    """Sum of harmonics of a running phase, dropping those above 0.45 fs (no aliasing)."""
    out = np.zeros_like(phase)
    for k, amp in enumerate(amps, start=1):
        if k * f0_hz < 0.45 * sample_rate_hz:
            out += amp * np.sin(k * phase)
    return out


def decaying_partials(
    t_s: Float64Array,
    freqs_hz: Float64Array,
    taus_s: Float64Array,
    amps: Float64Array,
    sample_rate_hz: int,
) -> Float64Array:
    """Sum of exponentially decaying sinusoids starting at t=0 (bells, shards, knocks)."""
    out = np.zeros_like(t_s)
    ok = freqs_hz < 0.45 * sample_rate_hz
    for f, tau, a in zip(freqs_hz[ok], taus_s[ok], amps[ok], strict=True):
        out += a * np.exp(-t_s / tau) * np.sin(2 * np.pi * f * t_s)
    return np.where(t_s >= 0, out, 0.0)


def band_noise(
    rng: np.random.Generator, frames: int, sample_rate_hz: int, low_hz: float, high_hz: float
) -> Float64Array:
    """Unit-RMS noise with a soft band-pass shape (periodic over the clip)."""

    def shape(freqs_hz: Float64Array) -> Float64Array:
        f = np.maximum(freqs_hz, 1.0)
        return np.asarray(1.0 / np.sqrt((1 + (low_hz / f) ** 4) * (1 + (f / high_hz) ** 4)))

    return shaped_noise(rng, frames, sample_rate_hz, shape)


def add_at(out: Float64Array, start: int, signal: Float64Array) -> None:
    """Add ``signal`` into ``out`` from index ``start``, cropping at the end."""
    if start >= len(out):
        return
    count = min(len(signal), len(out) - start)
    out[start : start + count] += signal[:count]


def _times(frames: int, sample_rate_hz: int) -> Float64Array:
    return np.arange(frames) / sample_rate_hz


def smoke_alarm(
    rng: np.random.Generator, rate: int, duration_s: float, variant: str
) -> Float64Array:
    """One T3 period: piezo 3.0-3.4 kHz with harmonics, or the 520 Hz square wave."""
    t = _times(round(T3_PERIOD_S * rate), rate)
    low_frequency = variant == "lf" or (variant == "" and rng.uniform() < 0.25)
    if low_frequency:
        f0 = 520.0 * rng.uniform(0.98, 1.02)
        amps = [1.0 / k if k % 2 else 0.0 for k in range(1, 20)]  # the sounder rolls off
    else:
        f0 = rng.uniform(3000.0, 3400.0)
        amps = [1.0, rng.uniform(0.1, 0.4), rng.uniform(0.05, 0.3)]
    warble = 1.0 + 0.003 * np.sin(2 * np.pi * rng.uniform(5, 12) * t)
    phase = 2 * np.pi * f0 * np.cumsum(warble) / rate
    return harmonic_tone(phase, f0, amps, rate) * gate(t, T3_PERIOD_S, T3_TONES)


def co_alarm(rng: np.random.Generator, rate: int, duration_s: float, variant: str) -> Float64Array:
    """One T4 period of a piezo CO alarm."""
    t = _times(round(T4_PERIOD_S * rate), rate)
    f0 = rng.uniform(3000.0, 3500.0)
    amps = [1.0, rng.uniform(0.1, 0.4), rng.uniform(0.05, 0.3)]
    return harmonic_tone(2 * np.pi * f0 * t, f0, amps, rate) * gate(t, T4_PERIOD_S, T4_TONES)


def appliance_beep(
    rng: np.random.Generator, rate: int, duration_s: float, variant: str
) -> Float64Array:
    """Groups of 1-5 tonal beeps (microwave, oven, dishwasher), repeated to fill the span."""
    frames = round(duration_s * rate)
    out = np.zeros(frames)
    f0 = rng.uniform(1800.0, 4200.0)
    amps = [1.0, 0.0, rng.uniform(0.0, 0.3), 0.0, rng.uniform(0.0, 0.15)]
    count = int(rng.integers(1, 6))
    on_s, off_s = rng.uniform(0.1, 0.45), rng.uniform(0.1, 0.4)
    beep_t = _times(round(on_s * rate), rate)
    beep = harmonic_tone(2 * np.pi * f0 * beep_t, f0, amps, rate) * fade(len(beep_t), rate)
    group_s = count * (on_s + off_s)
    start_s = 0.0
    while start_s < duration_s:
        for k in range(count):
            add_at(out, round((start_s + k * (on_s + off_s)) * rate), beep)
        start_s += group_s + rng.uniform(1.0, 4.0)
    return out


def glass_break(
    rng: np.random.Generator, rate: int, duration_s: float, variant: str
) -> Float64Array:
    """Impact transient, decaying inharmonic high partials, then scattered tinkles.

    One break, then silence to the end of the span (the clip must not repeat).
    """
    frames = round(min(duration_s, 3.0) * rate)
    t = _times(frames, rate)
    crash = band_noise(rng, frames, rate, 2000.0, 12000.0) * np.exp(-t / rng.uniform(0.08, 0.2))
    click = band_noise(rng, frames, rate, 500.0, 15000.0) * np.exp(-t / 0.003) * 3.0
    count = int(rng.integers(12, 24))
    partials = decaying_partials(
        t,
        rng.uniform(2000.0, 11000.0, count),
        rng.uniform(0.05, 0.4, count),
        rng.uniform(0.2, 1.0, count),
        rate,
    )
    out = crash + click + partials / np.sqrt(count) * 2.0
    for _ in range(int(rng.integers(10, 30))):
        when_s = 0.05 + rng.exponential(0.35)
        shard_t = _times(round(0.15 * rate), rate)
        shard = decaying_partials(
            shard_t, rng.uniform(3000.0, 12000.0, 3), rng.uniform(0.01, 0.05, 3), np.ones(3), rate
        )
        add_at(out, round(when_s * rate), shard * rng.uniform(0.1, 0.5))
    whole = np.zeros(max(frames, round(duration_s * rate)))
    whole[:frames] = out
    return whole


def _voiced(
    rng: np.random.Generator,
    rate: int,
    f0_hz: Float64Array,
    formants_hz: Sequence[float],
    noise: float,
) -> Float64Array:
    """Harmonics of a pitch track shaped by fixed formants, plus some breath noise."""
    phase = 2 * np.pi * np.cumsum(f0_hz) / rate
    mean_f0 = float(np.mean(f0_hz))
    out = np.zeros_like(f0_hz)
    for k in range(1, int(min(0.45 * rate, VOICE_BANDWIDTH_HZ) / (1.3 * mean_f0))):
        freq = k * mean_f0
        weight = sum(1.0 / (1.0 + ((freq - f) / (0.15 * f)) ** 2) for f in formants_hz)
        out += (0.3 + weight) / k**0.5 * np.sin(k * phase)
    breath = band_noise(rng, len(f0_hz), rate, 500.0, 6000.0) * noise * np.std(out)
    return out + breath


def dog_bark(rng: np.random.Generator, rate: int, duration_s: float, variant: str) -> Float64Array:
    """Bursts of 2-4 barks: pitch rises then falls within 0.12-0.3 s, noisy and formanted."""
    frames = round(duration_s * rate)
    out = np.zeros(frames)
    f0 = rng.uniform(300.0, 700.0) if variant != "big" else rng.uniform(180.0, 300.0)
    start_s = 0.0
    while start_s < duration_s:
        for _ in range(int(rng.integers(2, 5))):
            length_s = rng.uniform(0.12, 0.3)
            t = _times(round(length_s * rate), rate)
            x = t / length_s
            contour = f0 * rng.uniform(0.9, 1.1) * (1.0 + 0.35 * np.sin(np.pi * x) - 0.15 * x)
            env = (1 - np.exp(-t / 0.008)) * np.exp(-x * 2.5)
            bark = _voiced(
                rng, rate, contour, (rng.uniform(900, 1400), rng.uniform(1800, 2600)), 0.5
            )
            add_at(out, round(start_s * rate), bark * env)
            start_s += length_s + rng.uniform(0.15, 0.5)
        start_s += rng.uniform(0.8, 2.0)
    return out


def baby_cry(rng: np.random.Generator, rate: int, duration_s: float, variant: str) -> Float64Array:
    """Wails of 0.6-1.5 s with a pitch arch and vibrato, separated by short inhales."""
    frames = round(min(duration_s, MAX_CLIP_S) * rate)
    out = np.zeros(frames)
    f0 = rng.uniform(350.0, 550.0)
    start_s = 0.0
    while start_s < frames / rate:
        length_s = rng.uniform(0.6, 1.5)
        t = _times(round(length_s * rate), rate)
        x = t / length_s
        vibrato = 1.0 + 0.03 * np.sin(2 * np.pi * rng.uniform(5.0, 7.0) * t)
        contour = f0 * (1.0 + 0.25 * np.sin(np.pi * x)) * vibrato
        wail = _voiced(rng, rate, contour, (rng.uniform(900, 1300), rng.uniform(2600, 3400)), 0.2)
        add_at(out, round(start_s * rate), wail * fade(len(t), rate, 0.06))
        start_s += length_s + rng.uniform(0.2, 0.5)
    return out


def _knock(rng: np.random.Generator, rate: int, f0_hz: float) -> Float64Array:
    """One knuckle on wood: two decaying modes and a short click."""
    t = _times(round(0.12 * rate), rate)
    modes = decaying_partials(
        t,
        np.array([f0_hz, 2.3 * f0_hz, 4.1 * f0_hz]),
        np.array([0.03, 0.015, 0.008]) * rng.uniform(0.7, 1.3),
        np.array([1.0, 0.5, 0.3]),
        rate,
    )
    click = band_noise(rng, len(t), rate, 1500.0, 8000.0) * np.exp(-t / 0.002) * 0.5
    return np.asarray(modes + click, dtype=np.float64)


def knock(rng: np.random.Generator, rate: int, duration_s: float, variant: str) -> Float64Array:
    """Groups of 2-5 knocks 0.12-0.25 s apart, repeated every few seconds."""
    frames = round(duration_s * rate)
    out = np.zeros(frames)
    f0 = rng.uniform(120.0, 350.0)
    start_s = 0.0
    while start_s < duration_s:
        spacing_s = rng.uniform(0.12, 0.25)
        for k in range(int(rng.integers(2, 6))):
            add_at(
                out,
                round((start_s + k * spacing_s) * rate),
                _knock(rng, rate, f0) * rng.uniform(0.7, 1.0),
            )
        start_s += rng.uniform(1.5, 3.5)
    return out


def doorbell(rng: np.random.Generator, rate: int, duration_s: float, variant: str) -> Float64Array:
    """Ding-dong: two bell strikes with inharmonic partials, repeated if the span is long."""
    frames = round(duration_s * rate)
    out = np.zeros(frames)
    ding_hz = rng.uniform(600.0, 900.0)
    dong_hz = ding_hz * rng.uniform(0.75, 0.84)
    gap_s = rng.uniform(0.45, 0.7)
    ratios = np.array([1.0, 2.0, 2.76, 5.4])
    t = _times(round(1.8 * rate), rate)
    taus = np.array([1.0, 0.6, 0.4, 0.15]) * rng.uniform(0.7, 1.3)
    amps = np.array([1.0, 0.5, 0.35, 0.15])
    start_s = 0.0
    while start_s < duration_s:
        add_at(out, round(start_s * rate), decaying_partials(t, ding_hz * ratios, taus, amps, rate))
        add_at(
            out,
            round((start_s + gap_s) * rate),
            decaying_partials(t, dong_hz * ratios, taus, amps, rate),
        )
        start_s += rng.uniform(3.0, 6.0)
    return out


def footsteps(rng: np.random.Generator, rate: int, duration_s: float, variant: str) -> Float64Array:
    """Heel thuds at 1.6-2.1 steps/s with a little click and step-to-step variation."""
    frames = round(duration_s * rate)
    out = np.zeros(frames)
    step_s = 1.0 / rng.uniform(1.6, 2.1)
    f0 = rng.uniform(60.0, 130.0)
    t = _times(round(0.15 * rate), rate)
    when_s = rng.uniform(0.0, 0.2)
    while when_s < duration_s:
        thud = decaying_partials(
            t, np.array([f0, 2.7 * f0]), np.array([0.03, 0.015]), np.array([1.0, 0.4]), rate
        )
        click = (
            band_noise(rng, len(t), rate, 1000.0, 5000.0)
            * np.exp(-t / 0.004)
            * rng.uniform(0.1, 0.4)
        )
        add_at(out, round(when_s * rate), (thud + click) * rng.uniform(0.6, 1.0))
        when_s += step_s * rng.uniform(0.93, 1.07)
    return out


def door(rng: np.random.Generator, rate: int, duration_s: float, variant: str) -> Float64Array:
    """Latch click, a creak of stick-slip pulses, and the closing thud with rattle."""
    frames = round(duration_s * rate)
    out = np.zeros(frames)
    t_click = _times(round(0.05 * rate), rate)
    add_at(out, 0, band_noise(rng, len(t_click), rate, 1500.0, 9000.0) * np.exp(-t_click / 0.004))
    creak_s = rng.uniform(0.3, 0.9)
    creak_t = _times(round(creak_s * rate), rate)
    pulse_hz = rng.uniform(40.0, 120.0) * (1.0 + 0.5 * np.sin(np.pi * creak_t / creak_s))
    pulses = (np.diff(np.floor(np.cumsum(pulse_hz) / rate), prepend=0.0) > 0).astype(np.float64)
    body = decaying_partials(
        _times(round(0.02 * rate), rate),
        np.array([700.0, 1500.0, 2900.0]),
        np.array([0.004, 0.003, 0.002]),
        np.ones(3),
        rate,
    )
    creak = np.convolve(pulses, body)[: len(creak_t)] * fade(len(creak_t), rate, 0.05) * 0.5
    add_at(out, round(0.15 * rate), creak)
    slam_t = _times(round(0.6 * rate), rate)
    slam = decaying_partials(
        slam_t,
        np.array([rng.uniform(50, 90), 170.0, 420.0]),
        np.array([0.08, 0.05, 0.03]),
        np.array([1.0, 0.5, 0.3]),
        rate,
    )
    rattle = band_noise(rng, len(slam_t), rate, 800.0, 6000.0) * np.exp(-slam_t / 0.05) * 0.3
    add_at(
        out,
        round(min(0.2 + creak_s + rng.uniform(0.2, 0.6), max(duration_s - 0.6, 0.0)) * rate),
        2.0 * (slam + rattle),
    )
    return out


def water_running(
    rng: np.random.Generator, rate: int, duration_s: float, variant: str
) -> Float64Array:
    """Broadband hiss with fluttering level and bubble blips (a tap, a shower)."""
    frames = round(min(duration_s, MAX_CLIP_S) * rate)
    t = _times(frames, rate)
    period_s = frames / rate
    flutter = np.ones(frames)
    for _ in range(4):
        cycles = max(1, round(rng.uniform(3.0, 20.0) * period_s))
        flutter += 0.1 * np.sin(2 * np.pi * cycles / period_s * t + rng.uniform(0, 2 * np.pi))
    out = (
        band_noise(rng, frames, rate, rng.uniform(300.0, 800.0), rng.uniform(5000.0, 10000.0))
        * flutter
    )
    blip_t = _times(round(0.03 * rate), rate)
    for _ in range(int(30 * period_s)):
        f = rng.uniform(500.0, 3000.0)
        blip = np.sin(2 * np.pi * f * blip_t * (1 + 3 * blip_t)) * np.exp(-blip_t / 0.008) * 0.5
        add_at(out, int(rng.integers(0, frames)), blip)
    return out


def speech(rng: np.random.Generator, rate: int, duration_s: float, variant: str) -> Float64Array:
    """Babble: phrases of 4-6 syllables/s, each a vowel with its formants, with pauses."""
    frames = round(min(duration_s, MAX_CLIP_S) * rate)
    out = np.zeros(frames)
    f0 = rng.uniform(95.0, 130.0) if rng.uniform() < 0.5 else rng.uniform(170.0, 230.0)
    when_s = 0.0
    while when_s < frames / rate:
        phrase_end_s = when_s + rng.uniform(1.2, 3.0)
        while when_s < phrase_end_s:
            length_s = 1.0 / rng.uniform(4.0, 6.0)
            t = _times(round(length_s * rate), rate)
            contour = f0 * (1.0 + 0.1 * rng.uniform(-1, 1) - 0.08 * t / length_s)
            vowel = VOWEL_FORMANTS_HZ[int(rng.integers(len(VOWEL_FORMANTS_HZ)))]
            syllable = _voiced(rng, rate, contour, vowel, 0.15) * np.sin(np.pi * t / length_s) ** 2
            if rng.uniform() < 0.4:
                hiss = (
                    band_noise(rng, len(t), rate, 3000.0, 8000.0)
                    * np.exp(-t / 0.04)
                    * np.std(syllable)
                )
                syllable += hiss
            add_at(out, round(when_s * rate), syllable)
            when_s += length_s
        when_s += rng.uniform(0.3, 0.8)
    return out


def kettle(rng: np.random.Generator, rate: int, duration_s: float, variant: str) -> Float64Array:
    """A whistling kettle: steam hiss that turns into a steady, slightly wavering whistle."""
    frames = round(duration_s * rate)
    t = _times(frames, rate)
    f0 = rng.uniform(1500.0, 3000.0)
    onset = np.clip(t / rng.uniform(1.0, 4.0), 0.0, 1.0)
    glide = f0 * (0.9 + 0.1 * onset) * (1.0 + 0.004 * np.sin(2 * np.pi * rng.uniform(3, 8) * t))
    whistle = np.sin(2 * np.pi * np.cumsum(glide) / rate) * onset**2
    hiss = band_noise(rng, frames, rate, 1000.0, 8000.0) * (0.6 - 0.4 * onset)
    return np.asarray(whistle + 0.5 * hiss, dtype=np.float64)


def phone_ring(
    rng: np.random.Generator, rate: int, duration_s: float, variant: str
) -> Float64Array:
    """A ringing phone: dual-tone ring cadence (US or UK style) or a beeping ringtone."""
    style = variant or str(rng.choice(["us", "uk", "tone"]))
    tones: tuple[tuple[float, float], ...]
    if style == "us":
        freqs, tones, period_s = (440.0, 480.0), ((0.0, 2.0),), 6.0
    elif style == "uk":
        freqs, tones, period_s = (400.0, 450.0), ((0.0, 0.4), (0.6, 1.0)), 3.0
    else:
        f = rng.uniform(900.0, 2000.0)
        freqs, tones, period_s = (f, 1.5 * f), ((0.0, 0.1), (0.15, 0.25), (0.3, 0.4)), 1.5
    t = _times(round(period_s * rate), rate)
    ring = sum(np.sin(2 * np.pi * f * t) for f in freqs)
    return np.asarray(ring * gate(t, period_s, tones), dtype=np.float64)


def vacuum_cleaner(
    rng: np.random.Generator, rate: int, duration_s: float, variant: str
) -> Float64Array:
    """Motor whine (a harmonic series near 300-900 Hz) over loud airflow noise."""
    frames = round(min(duration_s, MAX_CLIP_S) * rate)
    t = _times(frames, rate)
    f0 = rng.uniform(300.0, 900.0)
    whine = harmonic_tone(2 * np.pi * f0 * t, f0, (1.0, 0.5, 0.3, 0.2, 0.1), rate)
    air = band_noise(rng, frames, rate, 200.0, 6000.0)
    period_s = frames / rate
    sweep = 1.0 + 0.2 * np.sin(2 * np.pi * round(period_s / 2.0) / period_s * t)
    return np.asarray((0.2 * whine + air) * sweep, dtype=np.float64)


def tv(rng: np.random.Generator, rate: int, duration_s: float, variant: str) -> Float64Array:
    """A television: talk over a music bed, through small band-limited speakers."""
    talk = speech(rng, rate, duration_s, variant)
    frames = len(talk)
    bed = band_noise(rng, frames, rate, 150.0, 6000.0) * 0.1
    t = _times(frames, rate)
    bed += 0.2 * np.sin(2 * np.pi * rng.uniform(100.0, 300.0) * t)
    mix = talk / max(active_rms(talk, rate), 1e-9) + bed

    def small_speaker(freqs_hz: Float64Array) -> Float64Array:
        f = np.maximum(freqs_hz, 1.0)
        return np.asarray(1.0 / np.sqrt((1 + (150.0 / f) ** 4) * (1 + (f / 7000.0) ** 8)))

    return circular_filter(mix, rate, small_speaker)


SYNTHS: dict[str, Synth] = {
    "smoke_alarm": smoke_alarm,
    "co_alarm": co_alarm,
    "appliance_beep": appliance_beep,
    "glass_break": glass_break,
    "dog_bark": dog_bark,
    "baby_cry": baby_cry,
    "knock": knock,
    "doorbell": doorbell,
    "footsteps": footsteps,
    "door": door,
    "water_running": water_running,
    "speech": speech,
    "kettle": kettle,
    "phone_ring": phone_ring,
    "vacuum_cleaner": vacuum_cleaner,
    "tv": tv,
}


def active_rms(signal: Float64Array, sample_rate_hz: int) -> float:
    """RMS over the 10 ms frames within 25 dB of the loudest (level while sounding)."""
    frame = max(1, sample_rate_hz // 100)
    count = len(signal) // frame
    if count == 0:
        return float(np.sqrt(np.mean(signal**2))) if len(signal) else 0.0
    power = np.mean(signal[: count * frame].reshape(count, frame) ** 2, axis=1)
    loud = power[power >= power.max() * 10 ** (-25 / 10)]
    return float(np.sqrt(np.mean(loud))) if loud.size else 0.0


def fft_resample(signal: Float64Array, frames: int) -> Float64Array:
    """Band-limited resampling of a clip to ``frames`` samples (circular, like the clips)."""
    spectrum = np.fft.rfft(signal)
    bins = frames // 2 + 1
    padded = np.zeros(bins, dtype=np.complex128)
    count = min(bins, len(spectrum))
    padded[:count] = spectrum[:count]
    return np.asarray(np.fft.irfft(padded, frames) * frames / len(signal), dtype=np.float64)


def synthesize(
    kind: str, rng: np.random.Generator, sample_rate_hz: int, duration_s: float, variant: str = ""
) -> Float64Array:
    """A unit-active-RMS clip of ``kind``: the whole sound, or one period to be tiled.

    Voices carry nothing above 8 kHz here, so they are synthesized at 16 kHz and
    resampled, which keeps the synthesis stall of a real-time stream short.
    """
    if kind in VOICE_KINDS and sample_rate_hz > VOICE_RATE_HZ:
        voice = SYNTHS[kind](rng, VOICE_RATE_HZ, duration_s, variant)
        clip = fft_resample(voice, round(len(voice) * sample_rate_hz / VOICE_RATE_HZ))
    else:
        clip = SYNTHS[kind](rng, sample_rate_hz, duration_s, variant)
    rms = active_rms(clip, sample_rate_hz)
    return np.asarray(clip / rms if rms > 0 else clip, dtype=np.float64)
