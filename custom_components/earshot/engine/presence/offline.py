"""Presence analysis of a recording (``earshot analyze``): motion segments with levels.

The recording is fed through a passive :class:`PresenceDetector` block by block,
exactly as a live stream would be. When the carrier is not given it is found as
the strongest steady tone above 17 kHz: present in most short-time spectra and
well above the band's median, then refined to a fraction of a hertz.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..audio import FloatArray
from ..offline import run_detectors
from .classifier import MotionClassifier
from .config import PresenceConfig
from .detector import PresenceDetector
from .doppler import PASSBAND_HZ, carrier_fits
from .results import MotionDetected, MotionEnded, MotionLevel

MIN_CARRIER_HZ = 17_000.0
SEARCH_FFT = 8192
STEADY_FRACTION = 0.8
"""Share of short-time spectra in which the tone must be the peak (give or take a bin)."""
PROMINENCE_DB = 25.0
"""How far the tone must stand above the band's median level."""
REFINE_FFT = 1 << 18


class CarrierError(ValueError):
    """The recording has no usable carrier (none found, or it cannot fit the sample rate)."""


@dataclass(frozen=True, slots=True)
class MotionSegment:
    """One motion episode of the recording."""

    level: MotionLevel
    start_s: float
    end_s: float


def find_carrier_hz(samples: FloatArray, sample_rate_hz: int) -> float:
    """The steady ultrasonic tone of a recording, in Hz; raises CarrierError if there is none."""
    nyquist_hz = sample_rate_hz / 2.0
    if nyquist_hz <= MIN_CARRIER_HZ:
        raise CarrierError(
            f"a {sample_rate_hz} Hz recording cannot hold an ultrasonic carrier "
            f"(nothing above {nyquist_hz:.0f} Hz was recorded)"
        )
    mono = samples.mean(axis=1, dtype=np.float64)
    frames = mono.shape[0] // SEARCH_FFT
    if frames == 0:
        raise CarrierError("the recording is too short to find a carrier in it")
    # At most ~60 spread-out spectra: enough to call a tone steady, cheap on long files.
    picks = np.linspace(0, frames - 1, min(frames, 60)).astype(int)
    chunks = mono[: frames * SEARCH_FFT].reshape(frames, SEARCH_FFT)[picks]
    spectra = np.abs(np.fft.rfft(chunks * np.hanning(SEARCH_FFT), axis=1)) ** 2
    freqs = np.fft.rfftfreq(SEARCH_FFT, 1.0 / sample_rate_hz)
    band = (freqs >= MIN_CARRIER_HZ) & (freqs < nyquist_hz - PASSBAND_HZ)
    band_spectra = spectra[:, band] + 1e-30
    mean = band_spectra.mean(axis=0)
    peak = int(np.argmax(mean))
    prominence_db = 10.0 * np.log10(mean[peak] / np.median(mean))
    steady = np.mean(np.abs(np.argmax(band_spectra, axis=1) - peak) <= 1)
    if prominence_db < PROMINENCE_DB or steady < STEADY_FRACTION:
        raise CarrierError(
            f"no steady ultrasonic carrier (a tone between {MIN_CARRIER_HZ:.0f} Hz and "
            f"{nyquist_hz - PASSBAND_HZ:.0f} Hz) found; give the carrier frequency explicitly"
        )
    return _refine(mono, sample_rate_hz, float(freqs[band][peak]))


def _refine(mono: npt.NDArray[np.float64], sample_rate_hz: int, rough_hz: float) -> float:
    """Sub-bin frequency of the tone by parabolic interpolation of a long spectrum."""
    length = min(REFINE_FFT, mono.shape[0])
    spectrum = np.abs(np.fft.rfft(mono[:length] * np.hanning(length), REFINE_FFT))
    freqs = np.fft.rfftfreq(REFINE_FFT, 1.0 / sample_rate_hz)
    near = np.abs(freqs - rough_hz) <= 2.0 * sample_rate_hz / SEARCH_FFT
    index = int(np.flatnonzero(near)[np.argmax(spectrum[near])])
    a, b, c = np.log(spectrum[index - 1 : index + 2] + 1e-30)
    offset = 0.5 * (a - c) / (a - 2.0 * b + c) if a - 2.0 * b + c != 0 else 0.0
    return float(freqs[index] + offset * sample_rate_hz / REFINE_FFT)


def analyze_presence(
    samples: FloatArray,
    sample_rate_hz: int,
    *,
    carrier_hz: float | None = None,
    reference_channel: int | None = None,
    config: PresenceConfig | None = None,
    classifier: MotionClassifier | None = None,
) -> list[MotionSegment]:
    """Motion segments of a recording that holds the echo of a carrier.

    ``samples`` is (frames, channels); ``reference_channel`` holds the playback
    reference, if any. Raises CarrierError when there is no usable carrier.
    """
    if reference_channel is not None and not 0 <= reference_channel < samples.shape[1]:
        raise ValueError(
            f"reference channel {reference_channel} does not exist "
            f"(the recording has {samples.shape[1]} channel(s), numbered from 0)"
        )
    mics = [c for c in range(samples.shape[1]) if c != reference_channel]
    if not mics:
        raise ValueError("the recording has no microphone channel besides the reference")
    if carrier_hz is None:
        carrier_hz = find_carrier_hz(samples[:, mics], sample_rate_hz)
    elif carrier_hz <= 0.0 or not carrier_fits(carrier_hz, sample_rate_hz):
        raise CarrierError(
            f"carrier {carrier_hz:.0f} Hz does not fit a {sample_rate_hz} Hz recording: "
            f"its Doppler band must stay below the Nyquist frequency ({sample_rate_hz / 2:.0f} Hz)"
        )
    base = config or PresenceConfig()
    detector = PresenceDetector(
        None,
        PresenceConfig(
            sensitivity=base.sensitivity,
            hold_time_s=base.hold_time_s,
            alert_window_s=base.alert_window_s,
            carrier_hz=carrier_hz,
            reference_channel=reference_channel,
        ),
        classifier=classifier,
    )
    results = run_detectors(samples, sample_rate_hz, [detector])
    results.extend(detector.flush(samples.shape[0] / sample_rate_hz))
    return segments_from_results(results)


def segments_from_results(results: list[object]) -> list[MotionSegment]:
    """Pair each episode's MotionDetected events with its MotionEnded."""
    segments: list[MotionSegment] = []
    start_s: float | None = None
    level: MotionLevel = "minor"
    for result in results:
        if isinstance(result, MotionDetected):
            if start_s is None:
                start_s, level = result.time_s, result.level
            elif result.level == "major":
                level = "major"
        elif isinstance(result, MotionEnded) and start_s is not None:
            segments.append(MotionSegment(level, round(start_s, 3), round(result.time_s, 3)))
            start_s = None
    return segments
