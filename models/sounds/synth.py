"""Synthetic household sounds for training: alarm cadences, beeps, glass, rings, noise.

Real recordings of smoke/CO alarms are few (and none of CO alarms), and every real
glass-break clip is CC BY-NC, so these families are synthesized with varied tones,
harmonics, cadences, room reverberation and levels. Each generator returns
(samples, activity) at 16 kHz: ``activity`` marks the samples where the sound is on,
from which the frame labels are derived.
"""

from __future__ import annotations

import numpy as np

SR = 16_000
Rng = np.random.Generator


def _tone(
    rng: Rng, freq_hz: float, n: int, *, harmonics: int = 3, square: bool = False
) -> np.ndarray:
    t = np.arange(n) / SR
    warble = 1.0 + rng.uniform(0, 0.01) * np.sin(2 * np.pi * rng.uniform(2, 12) * t)
    phase = 2 * np.pi * np.cumsum(freq_hz * warble) / SR
    if square:
        return np.sign(np.sin(phase)) * 0.6
    out = np.sin(phase)
    for k in range(2, 2 + harmonics):
        out += rng.uniform(0, 0.4) / k * np.sin(k * phase + rng.uniform(0, 6.28))
    return out


def _pulses(
    rng: Rng, on_off_s: list[tuple[float, float]], total_s: float, start_s: float
) -> np.ndarray:
    """Activity mask from a repeated list of (on, off) pairs starting at ``start_s``."""
    n = int(total_s * SR)
    mask = np.zeros(n, dtype=bool)
    t = start_s
    while t < total_s:
        for on_s, off_s in on_off_s:
            a, b = int(t * SR), int(min(total_s, t + on_s) * SR)
            if a >= n:
                break
            mask[max(a, 0) : max(b, 0)] = True
            t += on_s + off_s
    return mask


def _jit(rng: Rng, value: float, rel: float) -> float:
    return float(value * rng.uniform(1 - rel, 1 + rel))


def alarm(rng: Rng, kind: str, total_s: float) -> tuple[np.ndarray, np.ndarray]:
    """A smoke (T3, continuous, fast or slow beeping, 520 Hz T3) or CO (T4) alarm.

    "slow" is the pulsed code of many fire-alarm sounders and older detectors (about
    1-3.5 s period, mostly on), which neither T3 nor fast beeping covers."""
    start = rng.uniform(-4.0, total_s * 0.6)
    square = False
    freq = rng.uniform(2300, 4000)  # piezo sounders: about 2.3-4 kHz
    if kind == "t3":
        on, gap, rest = _jit(rng, 0.5, 0.08), _jit(rng, 0.5, 0.08), _jit(rng, 1.5, 0.08)
        pattern = [(on, gap), (on, gap), (on, rest)]
    elif kind == "t3_520":
        freq, square = rng.uniform(500, 540), True
        on, gap, rest = _jit(rng, 0.5, 0.08), _jit(rng, 0.5, 0.08), _jit(rng, 1.5, 0.08)
        pattern = [(on, gap), (on, gap), (on, rest)]
    elif kind == "t4":
        on, gap, rest = _jit(rng, 0.1, 0.15), _jit(rng, 0.1, 0.15), _jit(rng, 5.0, 0.1)
        pattern = [(on, gap)] * 3 + [(on, rest)]
    elif kind == "fast":
        period = rng.uniform(0.2, 0.6)
        duty = rng.uniform(0.5, 0.9)
        pattern = [(period * duty, period * (1 - duty))]
    elif kind == "slow":
        period = rng.uniform(1.0, 3.5)
        duty = rng.uniform(0.4, 0.8)
        pattern = [(period * duty, period * (1 - duty))]
    else:  # continuous
        pattern = [(total_s + 5, 0.1)]
        start = rng.uniform(-1.0, total_s * 0.6)
    mask = _pulses(rng, pattern, total_s, start)
    sig = _tone(rng, freq, mask.size, square=square)
    env = _smooth(mask.astype(float), 0.004)
    return sig * env, mask


def _smooth(x: np.ndarray, tau_s: float) -> np.ndarray:
    """Moving average over tau_s, aligned like np.convolve(mode="same"), in O(n)."""
    k = max(1, int(tau_s * SR))
    cumulative = np.concatenate([[0.0], np.cumsum(x)])
    m = np.arange(x.size) + (k - 1) // 2  # index into the full convolution
    hi = np.minimum(m, x.size - 1) + 1
    lo = np.maximum(0, m - k + 1)
    return (cumulative[hi] - cumulative[lo]) / k


def beeps(rng: Rng, total_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Appliance beeps: one to five short tones, then quiet (microwave, oven, washer)."""
    n = int(total_s * SR)
    mask = np.zeros(n, dtype=bool)
    count = int(rng.integers(1, 6))
    on = rng.uniform(0.08, 0.8)
    gap = rng.uniform(0.08, 0.6)
    t = rng.uniform(0, max(0.1, total_s - count * (on + gap)))
    for _ in range(count):
        mask[int(t * SR) : int(min(total_s, t + on) * SR)] = True
        t += on + gap
    freq = rng.uniform(900, 4500)
    return _tone(rng, freq, n, harmonics=int(rng.integers(0, 4))) * _smooth(
        mask.astype(float), 0.003
    ), mask


def glass_break(rng: Rng, total_s: float) -> tuple[np.ndarray, np.ndarray]:
    """A crash: broadband impact, ringing high partials, then falling shards."""
    n = int(total_s * SR)
    out = np.zeros(n)
    t0 = rng.uniform(0, max(0.05, total_s - 1.5))
    i0 = int(t0 * SR)
    dur = rng.uniform(0.4, 1.4)
    m = int(dur * SR)
    t = np.arange(m) / SR
    impact = rng.normal(0, 1, m) * np.exp(-t / rng.uniform(0.01, 0.05))
    impact = np.diff(impact, prepend=0.0)  # tilt towards high frequencies
    ring = np.zeros(m)
    for _ in range(int(rng.integers(8, 30))):
        f = rng.uniform(1500, 7500)
        ring += (
            rng.uniform(0.1, 1)
            * np.sin(2 * np.pi * f * t + rng.uniform(0, 6.28))
            * np.exp(-t / rng.uniform(0.02, 0.25))
        )
    shards = np.zeros(m)
    for _ in range(int(rng.integers(5, 40))):
        k = int(rng.uniform(0.05, dur) * SR)
        length = int(0.03 * SR)
        seg = rng.normal(0, 1, length) * np.exp(-np.arange(length) / (0.004 * SR))
        seg = np.diff(seg, prepend=0.0) * rng.uniform(0.05, 0.5)
        shards[k : k + length] += seg[: max(0, min(length, m - k))]
    sig = impact * 2 + ring * rng.uniform(0.1, 0.5) + shards
    end = min(n, i0 + m)
    out[i0:end] = sig[: end - i0]
    mask = np.zeros(n, dtype=bool)
    mask[i0 : min(n, i0 + int(min(dur, 0.6) * SR))] = True
    return out, mask


def phone_ring(rng: Rng, total_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Telephone ring: two tones warbled at ~20 Hz, 1-2 s on, 2-4 s off (negative)."""
    mask = _pulses(rng, [(rng.uniform(0.8, 2), rng.uniform(1.5, 4))], total_s, rng.uniform(-2, 1))
    n = mask.size
    t = np.arange(n) / SR
    f1, f2 = rng.uniform(400, 1200), rng.uniform(1200, 2600)
    sig = (np.sin(2 * np.pi * f1 * t) + np.sin(2 * np.pi * f2 * t)) * (
        0.5 + 0.5 * np.sign(np.sin(2 * np.pi * rng.uniform(15, 25) * t))
    )
    return sig * mask, mask


def alarm_clock(rng: Rng, total_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Digital alarm clock: bursts of 2-4 fast beeps every ~1 s (negative)."""
    on = rng.uniform(0.05, 0.12)
    burst = [(on, on)] * int(rng.integers(1, 4)) + [(on, rng.uniform(0.3, 0.7))]
    mask = _pulses(rng, burst, total_s, rng.uniform(-1, 1))
    return _tone(rng, rng.uniform(1800, 4200), mask.size, harmonics=1) * mask, mask


def siren(rng: Rng, total_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Emergency-vehicle siren heard from indoors: slow or fast sweep (negative)."""
    n = int(total_s * SR)
    t = np.arange(n) / SR
    lo, hi = rng.uniform(500, 800), rng.uniform(1100, 1700)
    rate = rng.choice([rng.uniform(0.15, 0.4), rng.uniform(2, 6)])
    freq = lo + (hi - lo) * (0.5 + 0.5 * np.sin(2 * np.pi * rate * t))
    phase = 2 * np.pi * np.cumsum(freq) / SR
    return np.sin(phase) + 0.3 * np.sin(2 * phase), np.ones(n, dtype=bool)


def music(rng: Rng, total_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Crude music: a sequence of harmonic notes and chords with a beat (negative)."""
    n = int(total_s * SR)
    out = np.zeros(n)
    t = 0.0
    while t < total_s:
        dur = rng.choice([0.125, 0.25, 0.5, 1.0])
        m = int(dur * SR)
        tt = np.arange(m) / SR
        note = np.zeros(m)
        for _ in range(int(rng.integers(1, 4))):
            f = 110 * 2 ** (rng.integers(0, 40) / 12)
            for k in range(1, 6):
                note += rng.uniform(0, 1) / k * np.sin(2 * np.pi * f * k * tt)
        note *= np.exp(-tt / rng.uniform(0.1, 1.0))
        a = int(t * SR)
        out[a : a + m] += note[: max(0, n - a)]
        t += dur
    return out, np.ones(n, dtype=bool)


def noise(rng: Rng, total_s: float) -> np.ndarray:
    """Coloured noise (white, pink, brown) standing in for fans, traffic, rain."""
    n = int(total_s * SR)
    spec = np.fft.rfft(rng.normal(0, 1, n))
    f = np.maximum(np.fft.rfftfreq(n, 1 / SR), 20.0)
    spec /= f ** rng.choice([0.0, 0.5, 1.0])
    x = np.fft.irfft(spec, n)
    return x / (np.std(x) + 1e-12)


def reverb(rng: Rng, x: np.ndarray) -> np.ndarray:
    """Convolve with an exponentially decaying noise room response (RT60 0.1-0.8 s)."""
    rt60 = rng.uniform(0.1, 0.8)
    m = int(rt60 * SR)
    t = np.arange(m) / SR
    rir = rng.normal(0, 1, m) * np.exp(-6.9 * t / rt60)
    rir[0] = rng.uniform(2, 8)  # direct path
    rir /= np.sqrt(np.sum(rir**2))
    y = np.fft.irfft(np.fft.rfft(x, x.size + m) * np.fft.rfft(rir, x.size + m), x.size + m)
    return y[: x.size]


def birds(rng: Rng, total_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Chirping birds: irregular short frequency sweeps at 2-7 kHz (negative)."""
    n = int(total_s * SR)
    out = np.zeros(n)
    t = rng.uniform(0, 0.5)
    while t < total_s:
        m = int(rng.uniform(0.03, 0.15) * SR)
        f0, f1 = rng.uniform(2000, 7000, 2)
        freq = np.linspace(f0, f1, m)
        chirp = np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.hanning(m)
        a = int(t * SR)
        out[a : a + m] += chirp[: max(0, n - a)] * rng.uniform(0.3, 1)
        t += rng.uniform(0.05, 0.6)
    return out, np.ones(n, dtype=bool)


def bells(rng: Rng, total_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Church or door bells: struck inharmonic partials with long decays (negative)."""
    n = int(total_s * SR)
    out = np.zeros(n)
    t = rng.uniform(0, 1)
    f0 = rng.uniform(200, 900)
    while t < total_s:
        a = int(t * SR)
        m = n - a
        tt = np.arange(m) / SR
        for ratio in (0.5, 1.0, 1.19, 1.5, 2.0, 2.51, 3.0):
            out[a:] += (
                rng.uniform(0.2, 1)
                * np.sin(2 * np.pi * f0 * ratio * tt)
                * np.exp(-tt / rng.uniform(0.3, 2.5))
            )
        t += rng.uniform(0.6, 2.0)
    return out, np.ones(n, dtype=bool)


def car_horn(rng: Rng, total_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Car horn: one or two buzzy tones at 300-550 Hz, 0.2-2 s at a time (negative)."""
    n = int(total_s * SR)
    t = np.arange(n) / SR
    sig = np.zeros(n)
    for f in rng.uniform(300, 550, int(rng.integers(1, 3))):
        sig += np.sign(np.sin(2 * np.pi * f * t)) * 0.5 + 0.3 * np.sin(4 * np.pi * f * t)
    mask = _pulses(
        rng, [(rng.uniform(0.2, 2.0), rng.uniform(0.2, 2.0))], total_s, rng.uniform(-1, 1)
    )
    return sig * _smooth(mask.astype(float), 0.01), mask


def rumble(rng: Rng, total_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Thunder, traffic or a washing machine: low-frequency noise swelling and fading (negative)."""
    n = int(total_s * SR)
    x = np.cumsum(rng.normal(0, 1, n))
    x -= _smooth(x, 0.05)
    env = _smooth(rng.random(n) ** 8, rng.uniform(0.2, 1.0))
    return x * (0.2 + env / (env.max() + 1e-12)), np.ones(n, dtype=bool)


def meow(rng: Rng, total_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Cat meows: single harmonic rise-fall glides at 400-1000 Hz (negative)."""
    n = int(total_s * SR)
    out = np.zeros(n)
    mask = np.zeros(n, dtype=bool)
    t = rng.uniform(0, 1)
    while t < total_s:
        m = int(rng.uniform(0.4, 1.1) * SR)
        tt = np.linspace(0, 1, m)
        lo, hi = rng.uniform(350, 600), rng.uniform(700, 1100)
        f = lo + (hi - lo) * np.sin(np.pi * tt) ** rng.uniform(0.5, 2)
        phase = 2 * np.pi * np.cumsum(f) / SR
        note = sum(rng.uniform(0.1, 1) / k * np.sin(k * phase) for k in range(1, 6))
        a = int(t * SR)
        seg = (note * np.hanning(m))[: max(0, n - a)]
        out[a : a + seg.size] += seg
        mask[a : a + seg.size] = True
        t += m / SR + rng.uniform(0.5, 3)
    return out, mask


NEGATIVES = (phone_ring, alarm_clock, siren, music, birds, bells, car_horn, rumble, meow)
"""Sounds that are none of the vocabulary but are easily mistaken for one."""
