"""Temporal logic: alarm cadences from the tone track, and per-sound event rules.

Stage 1 says, every 100 ms, how much each step sounds like each sound; whether
that is an *event* depends on time. Alarms are recognised by their cadence on a
10 ms tone track (a model output every 100 ms cannot resolve T4's 0.1 s pulses):

* T3 (ISO 8201, smoke): three 0.5 s tones with 0.5 s gaps, then 1.5 s silence.
* T4 (CO): four 0.1 s tones with 0.1 s gaps, then about 5 s silence.

ISO 8201 allows +-10 % on each phase. Pulse *onsets* are matched rather than
on/off durations, because room reverberation stretches a tone into its gap while
leaving the onset spacing intact: T3 onsets 1.0 s +-15 % apart, T4 onsets 0.2 s
+-50 % (a 10 ms frame is already 10 % of a T4 pulse). One cycle is never enough:
an alarm needs consecutive cycles at the standard's period, so a few appliance
beeps cannot make one, and a sounding alarm survives a few masked cycles.

A stage-1 step cannot resolve the raps of a knock either (two raps 0.2 s apart
fill two neighbouring steps, one rap with its echo looks the same). Sounds made of
a series of impacts are checked on the 10 ms log-mel frames instead: distinct
onsets (a sharp rise across the spectrum) are counted and an event needs a series
of them at the sound's spacing (``EventRule.min_onsets``), so one transient (a
thunder clap, a dropped object, a door slam) is not a knock. Only onsets that die away
like a rap count (:func:`falls_back`): rain, rumble or a bark that rises and stays
makes onsets too, but no series of raps.
"""

from __future__ import annotations

import collections
import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from .features import FFT_SIZE, SAMPLE_RATE_HZ, FeatureFrames

TONE_MIN_HZ = 400.0
TONE_MAX_HZ = 4_600.0
REFERENCE_MIN_HZ = 200.0
REFERENCE_MAX_HZ = 7_000.0
TONE_ON_DB = 12.0
"""Peak-over-median prominence that starts a tone."""
TONE_HOLD_DB = 8.0
"""Prominence that keeps a started tone going (hysteresis)."""
TONE_FREQ_TOLERANCE = 0.06
"""A pulse is one tone: its frequency stays within 6 % of where it started."""
MIN_TONE_LEVEL_DBFS = -75.0
MIN_PULSE_S = 0.04
MAX_PULSES = 64
RECENT_PULSES = 12
"""Tones of this many latest pulses are candidates for a cadence."""

CadenceKind = Literal["t3", "t4"]


@dataclass(frozen=True, slots=True)
class CadenceSpec:
    """Timing of one alarm pattern (onset-to-onset), with tolerances."""

    kind: CadenceKind
    pulses: int
    on_min_s: float
    on_max_s: float
    onset_gap_min_s: float
    onset_gap_max_s: float
    quiet_after_s: float
    """Silence needed after the last pulse's onset before the cycle counts."""
    cycle_min_s: float
    cycle_max_s: float


T3 = CadenceSpec("t3", 3, 0.25, 0.9, 0.85, 1.2, 1.6, 3.4, 4.6)
T4 = CadenceSpec("t4", 4, 0.04, 0.2, 0.1, 0.3, 1.0, 4.5, 7.5)


@dataclass(frozen=True, slots=True)
class ToneTrack:
    """Per 10 ms frame: tonal prominence and frequency of the strongest 0.4-4.6 kHz peak."""

    prominence_db: npt.NDArray[np.float32]
    freq_hz: npt.NDArray[np.float32]
    level_dbfs: npt.NDArray[np.float32]


def tone_track(frames: FeatureFrames) -> ToneTrack:
    """Find the dominant narrow-band tone of each frame and how far it stands out."""
    bin_hz = SAMPLE_RATE_HZ / FFT_SIZE
    lo, hi = int(TONE_MIN_HZ / bin_hz), int(TONE_MAX_HZ / bin_hz)
    ref_lo, ref_hi = int(REFERENCE_MIN_HZ / bin_hz), int(REFERENCE_MAX_HZ / bin_hz)
    power = frames.power.astype(np.float64)
    if power.shape[0] == 0:
        empty = np.zeros(0, dtype=np.float32)
        return ToneTrack(empty, empty, empty)
    peak = np.argmax(power[:, lo:hi], axis=1) + lo
    rows = np.arange(power.shape[0])
    tone = power[rows, peak - 1] + power[rows, peak] + power[rows, peak + 1]
    reference = 3.0 * np.median(power[:, ref_lo:ref_hi], axis=1)
    prominence = 10.0 * np.log10((tone + 1e-20) / (reference + 1e-20))
    return ToneTrack(
        prominence.astype(np.float32), (peak * bin_hz).astype(np.float32), frames.level_dbfs
    )


@dataclass(frozen=True, slots=True)
class Pulse:
    """One tone burst."""

    start_s: float
    end_s: float
    freq_hz: float

    @property
    def duration_s(self) -> float:
        """How long the tone lasted."""
        return self.end_s - self.start_s


class PulseTracker:
    """Turns the tone track into tone bursts (with hysteresis and a frequency lock)."""

    def __init__(self, frame_s: float) -> None:
        self._frame_s = frame_s
        self.reset()

    def reset(self) -> None:
        """Forget any tone in progress."""
        self._start_s: float | None = None
        self._freq_hz = 0.0
        self._last_on_s = 0.0

    @property
    def tone_on(self) -> bool:
        """Whether a tone is sounding at the last frame."""
        return self._start_s is not None

    def sounding(self) -> Pulse | None:
        """The tone sounding now (its end is the last frame it was heard), if any."""
        if self._start_s is None:
            return None
        return Pulse(self._start_s, self._last_on_s + self._frame_s, self._freq_hz)

    def update(self, times_s: npt.NDArray[np.float64], track: ToneTrack) -> list[Pulse]:
        """Consume frames (their start times) and return the pulses that ended."""
        ended: list[Pulse] = []
        for i in range(times_s.shape[0]):
            t, prom = float(times_s[i]), float(track.prominence_db[i])
            freq, level = float(track.freq_hz[i]), float(track.level_dbfs[i])
            audible = level > MIN_TONE_LEVEL_DBFS
            if self._start_s is None:
                if audible and prom >= TONE_ON_DB:
                    self._start_s, self._freq_hz, self._last_on_s = float(t), float(freq), float(t)
                continue
            same = abs(freq - self._freq_hz) <= TONE_FREQ_TOLERANCE * self._freq_hz
            if audible and prom >= TONE_HOLD_DB and same:
                self._last_on_s = float(t)
                continue
            end_s = self._last_on_s + self._frame_s
            if end_s - self._start_s >= MIN_PULSE_S:
                ended.append(Pulse(self._start_s, end_s, self._freq_hz))
            self._start_s = None
            if audible and prom >= TONE_ON_DB:  # a different tone starts right away
                self._start_s, self._freq_hz, self._last_on_s = float(t), float(freq), float(t)
        return ended


@dataclass(frozen=True, slots=True)
class Cycle:
    """One complete alarm cycle."""

    kind: CadenceKind
    start_s: float
    freq_hz: float


def _same_tone(a: Pulse, b: Pulse) -> bool:
    return abs(a.freq_hz - b.freq_hz) <= 2 * TONE_FREQ_TOLERANCE * max(a.freq_hz, b.freq_hz)


def match_cycle(pulses: list[Pulse], spec: CadenceSpec, next_onset_s: float) -> Cycle | None:
    """Return the cycle formed by the last ``spec.pulses`` pulses, if they form one.

    The group must be preceded and followed by silence (no onset within
    ``quiet_after_s`` of its first/last onset), so a longer beep train is not a cycle.
    ``next_onset_s`` is the onset of the tone after the group, or the current time.
    """
    n = spec.pulses
    if len(pulses) < n:
        return None
    group = pulses[-n:]
    if next_onset_s - group[-1].start_s < spec.quiet_after_s:
        return None
    if len(pulses) > n and group[0].start_s - pulses[-n - 1].start_s < spec.quiet_after_s:
        return None
    for p in group:
        if not spec.on_min_s <= p.duration_s <= spec.on_max_s:
            return None
    for a, b in itertools.pairwise(group):
        if not spec.onset_gap_min_s <= b.start_s - a.start_s <= spec.onset_gap_max_s:
            return None
    freq = float(np.median([p.freq_hz for p in group]))
    return Cycle(spec.kind, group[0].start_s, freq)


def cycles_confirm(cycles: list[Cycle], spec: CadenceSpec, required: int) -> bool:
    """Whether the last ``required`` cycles repeat at the standard's period.

    One masked cycle in between is tolerated (the spacing may be two periods).
    """
    if len(cycles) < required:
        return False
    last = cycles[-required:]
    for a, b in itertools.pairwise(last):
        gap = b.start_s - a.start_s
        if not any(
            k * spec.cycle_min_s <= gap <= k * spec.cycle_max_s for k in (1, 2)
        ) or not _same_tone(Pulse(0, 0, a.freq_hz), Pulse(0, 0, b.freq_hz)):
            return False
    return True


class CadenceTracker:
    """Finds T3 and T4 cycles in a stream of pulses (bounded memory)."""

    def __init__(self) -> None:
        self._pulses: collections.deque[Pulse] = collections.deque(maxlen=MAX_PULSES)
        self._cycles: dict[CadenceKind, collections.deque[Cycle]] = {
            "t3": collections.deque(maxlen=8),
            "t4": collections.deque(maxlen=8),
        }
        self._reported_s: dict[CadenceKind, float] = {"t3": -1e9, "t4": -1e9}

    def reset(self) -> None:
        """Forget all pulses and cycles."""
        self._pulses.clear()
        for cycles in self._cycles.values():
            cycles.clear()
        self._reported_s = {"t3": -1e9, "t4": -1e9}

    def add_pulses(self, pulses: list[Pulse]) -> None:
        """Record pulses that just ended."""
        self._pulses.extend(pulses)

    def update(self, now_s: float, sounding: Pulse | None) -> list[Cycle]:
        """Return cycles completed so far (each reported once).

        Each tone among the recent pulses is matched on its own pulses, so a fridge
        hum or a voice between an alarm's beeps does not break its cadence.
        ``sounding`` is the tone on right now, if any: its onset bounds the silence
        after a group of the same tone.
        """
        found: list[Cycle] = []
        tones: list[Pulse] = []
        for pulse in reversed(list(self._pulses)[-RECENT_PULSES:]):
            if not any(_same_tone(pulse, tone) for tone in tones):
                tones.append(pulse)
        for tone in tones:
            pulses = [p for p in self._pulses if _same_tone(p, tone)]
            next_onset_s = now_s
            if sounding is not None and _same_tone(sounding, tone):
                next_onset_s = sounding.start_s
            for spec in (T3, T4):
                cycle = match_cycle(pulses, spec, next_onset_s)
                if cycle is not None and cycle.start_s > self._reported_s[spec.kind]:
                    self._reported_s[spec.kind] = cycle.start_s
                    self._cycles[spec.kind].append(cycle)
                    found.append(cycle)
        return found

    def cycles(self, kind: CadenceKind) -> list[Cycle]:
        """Cycles of one kind found so far (most recent last)."""
        return list(self._cycles[kind])

    def recent_pulses(self, since_s: float) -> list[Pulse]:
        """Pulses that started at or after ``since_s``."""
        return [p for p in self._pulses if p.start_s >= since_s]


SUSTAINED_MIN_HZ = 2_000.0
SUSTAINED_MAX_HZ = 4_600.0


def sustained_alarm_tone(
    on: npt.NDArray[np.bool_],
    freq_hz: npt.NDArray[np.float32],
    min_on_fraction: float,
) -> float | None:
    """Frequency of a steady piezo-alarm tone filling the window, or None.

    Many real smoke alarms do not follow T3: they sound continuously or beep fast.
    Such a tone is on for most of the window, at one frequency in the 2-4.6 kHz
    piezo range; a doorbell, a phone ring or a few beeps are on far less.
    """
    if on.size == 0 or np.mean(on) < min_on_fraction:
        return None
    freqs = freq_hz[on]
    median = float(np.median(freqs))
    if not SUSTAINED_MIN_HZ <= median <= SUSTAINED_MAX_HZ:
        return None
    steady = np.abs(freqs - median) <= TONE_FREQ_TOLERANCE * median
    return median if np.mean(steady) >= 0.8 else None


@dataclass(frozen=True, slots=True)
class EventRule:
    """When a run of stage-1 steps above threshold is an event.

    ``min_active_s`` is the duration (repetition) requirement, ``max_event_s`` the
    short-event rule (a glass break or knock that goes on is something else).
    """

    min_active_s: float = 0.1
    merge_gap_s: float = 0.3
    max_event_s: float | None = None
    report_after_s: float = 8.0
    """A long sound is reported once it has lasted this long, not only when it ends."""
    refractory_s: float = 1.0
    min_onsets: int = 1
    """Distinct onsets in one series (:func:`onset_series`) the event needs; 1 = none
    needed. A knock is at least two raps. They are counted on the 10 ms frames from the
    longest ``onset_gap_s`` before the event's first active step (stage 1 may rise only
    at the second or third rap) until the event closed (``merge_gap_s`` after its last)."""
    onset_gap_s: tuple[float, float] = (0.12, 0.8)
    """Spacing of consecutive onsets in a series (knocking: about 0.15-0.8 s)."""


ONSET_HISTORY_FRAMES = 3
"""A band's rise is measured from its lowest value in this many previous 10 ms frames
(a rap's attack spreads over one to three frames)."""
ONSET_MIN_DB = 9.0
"""Mean rise over the mel bands (dB) at a peak that makes an onset. The raps of the
training knock clips rise 12-50 dB; steady noise moves 2-4 dB from frame to frame."""
ONSET_MIN_SPACING_S = 0.08
"""Peaks closer than this are one onset (the stronger counts): a rap and its echo."""
RAP_FALL_S = 0.12
"""A rap dies away within this long after its onset (knuckles on wood: 30-60 ms, plus
the room's echo)."""
RAP_MIN_FALL = 0.5
"""Share of its rise a rap's level must fall back by within ``RAP_FALL_S``. The raps
of the training knock clips fall back by 0.7-1.0 of their rise (median 0.9) even when
the next rap follows 0.12 s later; rain or rumble that sets in with an onset stays up."""
RAP_ENOUGH_FALL_DB = 10.0
"""A fall this large is a rap's whatever its rise: a rap out of digital silence or a
very quiet room rises by 40-90 dB, and a knuckle on wood still rings for a while."""


def _bands_db(log_mel: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """Natural-log mel energies in dB."""
    db: npt.NDArray[np.float64] = log_mel.astype(np.float64) * (10.0 / np.log(10.0))
    return db


def onset_strength_db(log_mel: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """How sharply each 10 ms frame rises above the frames just before it (dB).

    The mean over mel bands of each band's rise (never below 0) above its lowest value
    in the previous ``ONSET_HISTORY_FRAMES`` frames; 0 for the first frame.
    """
    level_db = _bands_db(log_mel)
    n = level_db.shape[0]
    padded = np.concatenate([np.full((ONSET_HISTORY_FRAMES, level_db.shape[1]), np.inf), level_db])
    previous = np.min([padded[k : k + n] for k in range(ONSET_HISTORY_FRAMES)], axis=0)
    rise: npt.NDArray[np.float64] = np.maximum(level_db - previous, 0.0).mean(axis=1)
    return rise


def onset_frames(
    strength_db: npt.NDArray[np.float64],
    frame_s: float,
    min_db: float = ONSET_MIN_DB,
    min_spacing_s: float = ONSET_MIN_SPACING_S,
) -> list[int]:
    """Frame indices of the distinct onsets in an onset-strength track.

    An onset is a peak of at least ``min_db``; of peaks less than ``min_spacing_s``
    apart only the stronger counts.
    """
    padded = np.concatenate([[0.0], strength_db, [0.0]])
    found: list[int] = []
    for i in range(strength_db.shape[0]):
        value = padded[i + 1]
        if value < min_db or value < padded[i] or value <= padded[i + 2]:
            continue
        if found and (i - found[-1]) * frame_s < min_spacing_s - 1e-9:
            if value > strength_db[found[-1]]:
                found[-1] = i
            continue
        found.append(i)
    return found


def longest_series(times_s: list[float], min_gap_s: float, max_gap_s: float) -> int:
    """Most onsets in a row, each following the one before by ``min_gap_s``-``max_gap_s``."""
    best = current = min(1, len(times_s))
    for a, b in itertools.pairwise(times_s):
        current = current + 1 if min_gap_s <= b - a <= max_gap_s else 1
        best = max(best, current)
    return best


def falls_back(level_db: npt.NDArray[np.float64], frame_s: float, onset: int, end: int) -> bool:
    """Whether the sound starting at frame ``onset`` dies away like a rap.

    ``level_db`` is the mean log-mel level (dB) of each ``frame_s`` frame. Within
    ``RAP_FALL_S`` after the onset, and before frame ``end`` (the next onset), the level
    must fall from its peak (the onset frame or the two after it) by ``RAP_MIN_FALL`` of
    its rise above the lowest of the ``ONSET_HISTORY_FRAMES`` frames before the onset.
    """
    after = level_db[onset + 1 : min(end, onset + 1 + round(RAP_FALL_S / frame_s))]
    if after.size == 0:
        return False
    peak = float(level_db[onset : onset + 3].max())
    floor = float(level_db[max(0, onset - ONSET_HISTORY_FRAMES) : onset + 1].min())
    return peak - float(after.min()) >= min(RAP_MIN_FALL * (peak - floor), RAP_ENOUGH_FALL_DB)


def onset_series(
    log_mel: npt.NDArray[np.float32], frame_s: float, gap_s: tuple[float, float]
) -> int:
    """The longest series of raps in consecutive log-mel frames (the raps of a knock).

    A rap is a distinct onset (:func:`onset_frames`) that falls back (:func:`falls_back`);
    an onset that does not fall back ends a series.
    """
    level_db = _bands_db(log_mel).mean(axis=1)
    frames = onset_frames(onset_strength_db(log_mel), frame_s)
    series: list[list[float]] = [[]]
    for onset, end in itertools.pairwise([*frames, len(level_db)]):
        if falls_back(level_db, frame_s, onset, end):
            series[-1].append(onset * frame_s)
        elif series[-1]:
            series.append([])
    return max(longest_series(raps, *gap_s) for raps in series)


@dataclass(frozen=True, slots=True)
class Proposal:
    """A candidate event, for stage 2 to verify."""

    start_s: float
    end_s: float
    score: float
    """Mean of the three best step scores."""
    level_dbfs: float


class EventTracker:
    """Applies an :class:`EventRule` to one sound's step scores."""

    def __init__(self, rule: EventRule, step_s: float) -> None:
        self.rule = rule
        self._step_s = step_s
        self.reset()

    def reset(self) -> None:
        """Forget any event in progress."""
        self._start_s: float | None = None
        self._last_active_s = 0.0
        self._active_steps = 0
        self._scores: list[float] = []
        self._level_dbfs = -200.0
        self._reported = False
        self._quiet_until_s = -1.0

    def update(
        self, time_s: float, score: float, active: bool, level_dbfs: float
    ) -> Proposal | None:
        """Consume one step (its start time); return a proposal when an event is complete."""
        if self._start_s is None:
            if active and time_s >= self._quiet_until_s:
                self._start_s, self._last_active_s = time_s, time_s
                self._active_steps, self._scores = 1, [score]
                self._level_dbfs, self._reported = level_dbfs, False
            return None
        if active:
            self._last_active_s = time_s
            self._active_steps += 1
            self._scores = sorted([*self._scores, score])[-3:]
            self._level_dbfs = max(self._level_dbfs, level_dbfs)
            if (
                not self._reported
                and time_s + self._step_s - self._start_s >= self.rule.report_after_s
            ):
                self._reported = True
                return self._proposal(time_s + self._step_s)
            return None
        if time_s - (self._last_active_s + self._step_s) < self.rule.merge_gap_s:
            return None
        return self._close()

    def _close(self) -> Proposal | None:
        start_s = self._start_s
        end_s = self._last_active_s + self._step_s
        reported = self._reported
        self._start_s = None
        self._quiet_until_s = end_s + self.rule.refractory_s
        if start_s is None or reported:
            return None
        if self._active_steps * self._step_s < self.rule.min_active_s - 1e-9:
            return None
        if self.rule.max_event_s is not None and end_s - start_s > self.rule.max_event_s:
            return None
        return self._proposal(end_s, start_s)

    def _proposal(self, end_s: float, start_s: float | None = None) -> Proposal:
        start = self._start_s if start_s is None else start_s
        assert start is not None
        return Proposal(start, end_s, float(np.mean(self._scores)), self._level_dbfs)

    def flush(self) -> Proposal | None:
        """Close an event in progress at the end of a stream."""
        return None if self._start_s is None else self._close()
