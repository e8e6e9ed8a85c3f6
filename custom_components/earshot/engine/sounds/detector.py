"""The sound-event detector: any input rate in, sound events and hazard states out.

Per block (in the runtime's worker thread): sanitize and downmix, resample to
16 kHz, keep the last seconds in a ring buffer, compute log-mel frames, run
stage 1 every 100 ms, track the alarm tone cadence every 10 ms, and apply each
sound's temporal rule. A candidate is re-examined on the buffered audio before it
is reported: an alarm cadence or steady tone by the alarm verifier, any other event
by the event verifier (``models.py`` says why they are two). Settings change between blocks through
:meth:`SoundEventDetector.configure` (call it via ``EngineRuntime.submit``).
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np

from ..audio import AudioBlock, FloatArray
from ..inference import Backend
from .features import FRAME_RATE_HZ, HOP_SAMPLES, SAMPLE_RATE_HZ, FeatureFrames, LogMelStream
from .models import MODELS_DIR, Stage1, Stage2, load_event_verifier
from .noise import NoiseFloorTracker
from .resample import StreamResampler
from .results import AlarmPattern, HazardState, NoiseFloor, SoundClip, SoundEvent
from .ring_buffer import AudioRing
from .sanitize import InputSanitizer
from .sensitivity import adapted_threshold, shifted_probability
from .temporal import (
    T3,
    T4,
    TONE_ON_DB,
    CadenceSpec,
    CadenceTracker,
    EventRule,
    EventTracker,
    Proposal,
    PulseTracker,
    cycles_confirm,
    onset_series,
    sustained_alarm_tone,
    tone_track,
)
from .vocabulary import HAZARD_TYPES, SOUND_TYPES, HazardType, Sensitivity, SoundType

_LOGGER = logging.getLogger(__name__)

STEP_S: Final = 0.1
RING_S: Final = 12.0
PRE_ROLL_S: Final = 2.0
WARM_UP_S: Final = 0.5
"""No events in the first half second (recurrent state and noise floor settling)."""
NOISE_REPORT_S: Final = 10.0
SUSTAINED_WINDOW_S: Final[dict[Sensitivity, float]] = {"low": 7.0, "medium": 6.0, "high": 5.0}
SUSTAINED_ON_FRACTION: Final = 0.55
SUSTAINED_SUPPORT: Final = 0.2
"""Mean stage-1 smoke score a steady tone needs over the window (at medium)."""
CYCLES_REQUIRED: Final[dict[Sensitivity, int]] = {"low": 3, "medium": 2, "high": 2}
RELEASE_S: Final[dict[str, float]] = {"t3": 10.0, "t4": 14.0, "continuous": 5.0}
"""A sounding alarm is off after this long without its tone (masked cycles survive)."""
SUSTAINED_RETRY_S: Final = 0.5
BEEP_HOLD_S: Final = 6.0
"""Appliance beeps wait this long in case they turn out to be an alarm's first cycle."""

CADENCE_HAZARDS: Final[tuple[tuple[HazardType, CadenceSpec], ...]] = (
    ("smoke_alarm", T3),
    ("co_alarm", T4),
)
ALARM_LIKE: Final[tuple[SoundType, ...]] = ("smoke_alarm", "co_alarm", "appliance_beep")
RULES: Final[Mapping[SoundType, EventRule]] = {
    "glass_break": EventRule(min_active_s=0.1, merge_gap_s=0.3, max_event_s=3.0),
    "dog_bark": EventRule(min_active_s=0.2, merge_gap_s=0.8),
    "baby_cry": EventRule(min_active_s=0.5, merge_gap_s=0.8),
    "knock": EventRule(min_active_s=0.1, merge_gap_s=0.5, max_event_s=4.0, min_onsets=2),
    "doorbell": EventRule(min_active_s=0.1, merge_gap_s=0.5, refractory_s=3.0),
    "footsteps": EventRule(min_active_s=0.3, merge_gap_s=0.8),
    "door": EventRule(min_active_s=0.1, merge_gap_s=0.3, max_event_s=3.0),
    "water_running": EventRule(min_active_s=2.0, merge_gap_s=1.0, report_after_s=10.0),
    "appliance_beep": EventRule(min_active_s=0.1, merge_gap_s=0.7, max_event_s=6.0),
}
"""Temporal rule per non-hazard sound: duration/repetition, short-event limits, raps."""


@dataclass(frozen=True, slots=True)
class SoundConfig:
    """What to listen for and how eagerly (changeable between blocks)."""

    enabled: frozenset[SoundType] = frozenset(SOUND_TYPES)
    sensitivity: Sensitivity = "medium"
    """Overall sensitivity, used for every sound without its own."""
    per_sound: tuple[tuple[SoundType, Sensitivity], ...] = ()
    """Per-sound overrides, e.g. ``(("dog_bark", "low"),)``."""
    stage2: bool = True
    """Verify candidates with stage 2 (off = stage 1 and temporal logic only)."""
    clips: bool = True
    """Attach a clip with pre-roll to each event."""

    def sensitivity_for(self, sound: SoundType) -> Sensitivity:
        """The sensitivity that applies to ``sound``."""
        return dict(self.per_sound).get(sound, self.sensitivity)


@dataclass
class _Hazard:
    """State of one hazard alarm."""

    sounding: bool = False
    pattern: AlarmPattern = "continuous"
    freq_hz: float = 0.0
    started_s: float = 0.0
    last_heard_s: float = 0.0
    checked_cycle_s: float = -1e9
    """Start of the latest cycle already put to stage 2."""
    retry_s: float = -1e9
    """After stage 2 turned a steady tone down, it is asked again only from this time."""


@dataclass
class _PendingBeep:
    event: SoundEvent
    release_s: float


@dataclass
class _Stream:
    """Per-stream state, rebuilt on reset or when a new stream starts (clock or rate)."""

    origin_s: float
    resampler: StreamResampler
    next_frame_index: int
    """Sample clock of the block expected next."""
    samples_16k: int = 0
    frames: int = 0
    pending_mel: list[FloatArray] = field(default_factory=list)
    pending_level: list[FloatArray] = field(default_factory=list)
    unreliable_until_s: float = -1.0
    last_noise_report_s: float = 0.0


class SoundEventDetector:
    """Implements the runtime's ``Detector`` protocol for sound events."""

    def __init__(
        self,
        config: SoundConfig | None = None,
        *,
        models_dir: Path = MODELS_DIR,
        backend: Backend = "auto",
        alarm_verifier: Stage2 | None = None,
        event_verifier: Stage2 | None = None,
    ) -> None:
        """Load the models; ``alarm_verifier``/``event_verifier`` replace those in ``models_dir``.

        (The training recipe mines stage 1's proposals with one that records and rejects.)
        """
        self.config = config or SoundConfig()
        self._stage1 = Stage1(models_dir, backend)
        if alarm_verifier is None:
            alarm_verifier = Stage2(models_dir, backend)
        if event_verifier is None:
            event_verifier = load_event_verifier(models_dir, backend, alarm_verifier)
        self._alarm_verifier, self._event_verifier = alarm_verifier, event_verifier
        self._features = LogMelStream()
        self._buffered_features = LogMelStream()
        """Separate from the live stream's: stage 2 and the onset count re-read buffered
        audio from scratch."""
        self._ring = AudioRing(int(RING_S * SAMPLE_RATE_HZ))
        self._sanitizer = InputSanitizer()
        self._noise = NoiseFloorTracker(STEP_S)
        self._pulses = PulseTracker(1.0 / FRAME_RATE_HZ)
        self._cadence = CadenceTracker()
        window = int(max(SUSTAINED_WINDOW_S.values()) * FRAME_RATE_HZ)
        self._tone_on: collections.deque[bool] = collections.deque(maxlen=window)
        self._tone_hz: collections.deque[float] = collections.deque(maxlen=window)
        self._smoke_scores: collections.deque[float] = collections.deque(
            maxlen=int(max(SUSTAINED_WINDOW_S.values()) / STEP_S)
        )
        self._step_levels: collections.deque[float] = collections.deque(maxlen=int(RING_S / STEP_S))
        self._trackers = {sound: EventTracker(rule, STEP_S) for sound, rule in RULES.items()}
        self._hazards: dict[HazardType, _Hazard] = {h: _Hazard() for h in HAZARD_TYPES}
        self._beeps: list[_PendingBeep] = []
        self._stream: _Stream | None = None
        self.stage2_runs = 0
        """How often stage 2 ran (for the evaluation's cost figures)."""
        self.stage2_rejected = 0
        """How many stage-1 candidates stage 2 turned down."""
        self.onsets_rejected = 0
        """How many candidates had too few onsets for their rule (``EventRule.min_onsets``)."""

    @property
    def rejected(self) -> int:
        """Stage-1 candidates that were not reported (stage 2 or the onset count)."""
        return self.stage2_rejected + self.onsets_rejected

    @property
    def name(self) -> str:
        """Detector name for logs and statistics."""
        return "sounds"

    @property
    def backend(self) -> str:
        """Inference backend in use ("numpy" or "litert")."""
        return self._stage1.model.backend

    def configure(self, config: SoundConfig) -> None:
        """Apply new settings; call from the worker thread (``EngineRuntime.submit``)."""
        self.config = config
        for sound, tracker in self._trackers.items():
            if sound not in config.enabled:
                tracker.reset()
        self._beeps = [b for b in self._beeps if b.event.type in config.enabled]

    def reset(self) -> None:
        """Forget the stream (the runtime calls this when the source opens)."""
        self._stream = None
        self._features.reset()
        self._ring.reset()
        self._sanitizer.reset()
        self._noise.reset()
        self._pulses.reset()
        self._cadence.reset()
        self._tone_on.clear()
        self._tone_hz.clear()
        self._smoke_scores.clear()
        self._step_levels.clear()
        self._stage1.reset()
        for tracker in self._trackers.values():
            tracker.reset()
        self._hazards = {h: _Hazard() for h in HAZARD_TYPES}
        self._beeps = []

    # --- block processing ------------------------------------------------------

    def process(self, block: AudioBlock) -> Sequence[object]:
        """Consume one block; return events, hazard changes and noise-floor reports."""
        results: list[object] = []
        stream = self._stream_for(block, results)
        now_s = stream.origin_s + stream.samples_16k / SAMPLE_RATE_HZ
        clean = self._sanitizer.clean(block.samples, block.sample_rate_hz, now_s)
        samples = stream.resampler.process(clean.samples)
        duration_s = samples.shape[0] / SAMPLE_RATE_HZ
        if clean.non_finite or clean.saturated:
            stream.unreliable_until_s = now_s + duration_s + 1.0
        stream.samples_16k += samples.shape[0]
        self._ring.write(samples)
        frames = self._features.process(samples)
        self._track_tones(stream, frames)
        results.extend(self._run_steps(stream))
        results.extend(self._release_beeps(self._time_s(stream)))
        return results

    def flush(self) -> list[object]:
        """End of a finite stream: close events still in progress (offline analysis)."""
        stream = self._stream
        if stream is None:
            return []
        results: list[object] = []
        end_s = self._time_s(stream)
        for sound, tracker in self._trackers.items():
            proposal = tracker.flush()
            if proposal is not None and sound in self.config.enabled:
                results.extend(self._confirm(stream, sound, proposal))
        results.extend(self._release_beeps(float("inf")))
        results.extend(self._silence_hazards(end_s))
        return results

    def _silence_hazards(self, end_s: float) -> list[object]:
        """Report every sounding alarm as stopped (the stream ends or starts over)."""
        results: list[object] = []
        for hazard, state in self._hazards.items():
            if state.sounding:
                state.sounding = False
                results.append(HazardState(hazard, False, min(end_s, state.last_heard_s)))
        return results

    def _stream_for(self, block: AudioBlock, results: list[object]) -> _Stream:
        """The stream state for this block, bridging gaps and restarting on a new stream.

        Lost blocks (a driver overrun) only move the clock on: alarms keep sounding.
        A new stream (clock going backwards, other rate) starts from scratch, first
        reporting any sounding alarm as stopped so no hazard stays on forever.
        """
        stream = self._stream
        if (
            stream is not None
            and stream.resampler.input_rate_hz == block.sample_rate_hz
            and block.start_frame > stream.next_frame_index
        ):
            stream.origin_s += (block.start_frame - stream.next_frame_index) / block.sample_rate_hz
            stream.next_frame_index = block.start_frame
        if (
            stream is None
            or stream.next_frame_index != block.start_frame
            or stream.resampler.input_rate_hz != block.sample_rate_hz
        ):
            if stream is not None:
                _LOGGER.info("Sound detector: a new stream started (clock or rate), restarting")
                results.extend(self._silence_hazards(self._time_s(stream)))
                self.reset()
            stream = _Stream(
                origin_s=block.start_s,
                resampler=StreamResampler(block.sample_rate_hz, SAMPLE_RATE_HZ),
                next_frame_index=block.start_frame,
            )
            self._stream = stream
        stream.next_frame_index = block.start_frame + block.frames
        return stream

    @staticmethod
    def _time_s(stream: _Stream) -> float:
        return stream.origin_s + stream.frames * HOP_SAMPLES / SAMPLE_RATE_HZ

    def _frame_time_s(self, stream: _Stream, index: int) -> float:
        return stream.origin_s + index * HOP_SAMPLES / SAMPLE_RATE_HZ

    def _ring_index(self, stream: _Stream, time_s: float) -> int:
        return round((time_s - stream.origin_s) * SAMPLE_RATE_HZ)

    # --- alarms ----------------------------------------------------------------

    def _track_tones(self, stream: _Stream, frames: FeatureFrames) -> None:
        if frames.count == 0:
            return
        track = tone_track(frames)
        times = stream.origin_s + (stream.frames + np.arange(frames.count)) * (
            HOP_SAMPLES / SAMPLE_RATE_HZ
        )
        self._cadence.add_pulses(self._pulses.update(times, track))
        on = (track.prominence_db >= TONE_ON_DB) & (track.level_dbfs > -75.0)
        self._tone_on.extend(bool(x) for x in on)
        self._tone_hz.extend(float(x) for x in track.freq_hz)
        stream.pending_mel.append(frames.log_mel)
        stream.pending_level.append(frames.level_dbfs)
        stream.frames += frames.count

    def _update_hazards(self, stream: _Stream, now_s: float) -> list[object]:
        results: list[object] = []
        self._cadence.update(now_s, self._pulses.sounding())
        for hazard, spec in CADENCE_HAZARDS:
            state = self._hazards[hazard]
            sensitivity = self.config.sensitivity_for(hazard)
            cycles = self._cadence.cycles(spec.kind)
            recent = [c for c in cycles if now_s - c.start_s <= 3 * spec.cycle_max_s]
            if state.sounding:
                heard = self._cadence.recent_pulses(state.last_heard_s)
                if any(abs(p.freq_hz - state.freq_hz) <= 0.12 * state.freq_hz for p in heard):
                    state.last_heard_s = max(p.end_s for p in heard)
                continue
            if hazard not in self.config.enabled or len(recent) < CYCLES_REQUIRED[sensitivity]:
                continue
            if recent[-1].start_s <= state.checked_cycle_s:
                continue  # this cycle was already verified (and rejected)
            state.checked_cycle_s = recent[-1].start_s
            if not cycles_confirm(recent, spec, CYCLES_REQUIRED[sensitivity]):
                continue
            cycle_s = (spec.pulses - 1) * spec.onset_gap_max_s + spec.on_max_s
            score = self._verify_alarm(
                stream, hazard, recent[-1].start_s, recent[-1].start_s + cycle_s
            )
            if score is not None:
                confidence = 0.5 * (1.0 + score)
                first = recent[-CYCLES_REQUIRED[sensitivity]]
                state.freq_hz = first.freq_hz
                results.extend(
                    self._sound_hazard(
                        stream,
                        hazard,
                        spec.kind,
                        (first.start_s, now_s),
                        confidence,
                        verified=self._stage2_applies(stream),
                    )
                )
        results.extend(self._sustained_smoke(stream, now_s))
        for hazard, state in self._hazards.items():
            if state.sounding and now_s - state.last_heard_s > RELEASE_S[state.pattern]:
                state.sounding = False
                results.append(HazardState(hazard, False, state.last_heard_s))
        return results

    def _verify_alarm(
        self, stream: _Stream, hazard: HazardType, start_s: float, end_s: float
    ) -> float | None:
        """Ask stage 2 whether [start_s, end_s] holds an alarm-like tone at all.

        In 2 s an alarm's beeps look like appliance beeps, and the long-window
        logic (cadence or steady tone) has already decided that it is an alarm and
        which, so the smoke, CO and beep heads all count: what stage 2 rejects is
        birdsong, music or speech that happens to fit. Returns the stage-2 score,
        1.0 when stage 2 is off or untrusted, None when it rejects. Below 16 kHz
        the harmonics stage 2 learned from are missing (a 520 Hz square wave at
        8 kHz scores near zero), so there the long-window logic decides alone.
        """
        if not self._stage2_applies(stream):
            return 1.0
        scores = self._stage2_scores(stream, self._alarm_verifier, start_s, end_s)
        sensitivity = self.config.sensitivity_for(hazard)
        best = 0.0
        for sound in ALARM_LIKE:
            score = float(scores[SOUND_TYPES.index(sound)])
            needed = shifted_probability(
                self._alarm_verifier.heads.alarm_check_threshold(sound), sensitivity
            )
            best = max(best, score if score >= needed else 0.0)
        if best == 0.0:
            self.stage2_rejected += 1
            return None
        return best

    def _sustained_smoke(self, stream: _Stream, now_s: float) -> list[object]:
        state = self._hazards["smoke_alarm"]
        sensitivity = self.config.sensitivity_for("smoke_alarm")
        window_frames = int(SUSTAINED_WINDOW_S[sensitivity] * FRAME_RATE_HZ)
        on = np.fromiter(self._tone_on, dtype=bool)[-window_frames:]
        freq = np.fromiter(self._tone_hz, dtype=np.float32)[-window_frames:]
        if on.size < window_frames:
            return []
        tone_hz = sustained_alarm_tone(on, freq, SUSTAINED_ON_FRACTION)
        if tone_hz is None:
            return []
        if state.sounding:
            if abs(tone_hz - state.freq_hz) <= 0.12 * state.freq_hz:
                state.last_heard_s = now_s
            return []
        if "smoke_alarm" not in self.config.enabled:
            return []
        steps = int(SUSTAINED_WINDOW_S[sensitivity] / STEP_S)
        support = float(np.mean(list(self._smoke_scores)[-steps:]))
        if support < shifted_probability(SUSTAINED_SUPPORT, sensitivity):
            return []
        if now_s < state.retry_s:
            return []
        score = self._verify_alarm(stream, "smoke_alarm", now_s - 2.0, now_s)
        if score is None:
            state.retry_s = now_s + SUSTAINED_RETRY_S
            return []
        confidence = 0.5 * (support + score)
        start_s = now_s - SUSTAINED_WINDOW_S[sensitivity]
        state.freq_hz = tone_hz
        return self._sound_hazard(
            stream,
            "smoke_alarm",
            "continuous",
            (start_s, now_s),
            confidence,
            verified=self._stage2_applies(stream),
        )

    def _stage2_applies(self, stream: _Stream) -> bool:
        """Stage 2 is on and the input is wide enough band for it (see ``_verify_alarm``)."""
        return self.config.stage2 and stream.resampler.input_rate_hz >= SAMPLE_RATE_HZ

    def _sound_hazard(
        self,
        stream: _Stream,
        hazard: HazardType,
        pattern: AlarmPattern,
        span_s: tuple[float, float],
        confidence: float,
        *,
        verified: bool,
    ) -> list[object]:
        start_s, now_s = span_s
        state = self._hazards[hazard]
        steps = max(1, round((now_s - start_s) / STEP_S))
        level_dbfs = max(list(self._step_levels)[-steps:], default=-120.0)
        state.sounding, state.pattern = True, pattern
        state.started_s, state.last_heard_s = start_s, now_s
        # an alarm's tones are not appliance beeps
        self._beeps = [b for b in self._beeps if b.event.end_s < start_s - 1.0]
        self._trackers["appliance_beep"].reset()
        event = SoundEvent(
            hazard,
            start_s,
            now_s,
            round(min(1.0, confidence), 3),
            round(level_dbfs, 1),
            self._clip(stream, start_s, now_s),
            verified,
        )
        return [HazardState(hazard, True, now_s, pattern), event]

    # --- stage 1 steps and event rules -------------------------------------------

    def _run_steps(self, stream: _Stream) -> list[object]:
        results: list[object] = []
        step_frames = self._stage1.step_frames
        mel = np.concatenate(stream.pending_mel) if stream.pending_mel else None
        if mel is None:
            return results
        levels = np.concatenate(stream.pending_level)
        first_index = stream.frames - mel.shape[0]
        done = 0
        while mel.shape[0] - done >= step_frames:
            step_mel = mel[done : done + step_frames]
            step_level = levels[done : done + step_frames]
            start_s = self._frame_time_s(stream, first_index + done)
            done += step_frames
            results.extend(self._step(stream, start_s, step_mel, step_level))
        stream.pending_mel = [mel[done:]]
        stream.pending_level = [levels[done:]]
        return results

    def _step(
        self, stream: _Stream, start_s: float, mel: FloatArray, frame_levels: FloatArray
    ) -> list[object]:
        results: list[object] = []
        scores = self._stage1.step(mel)
        level_dbfs = float(10.0 * np.log10(np.mean(10.0 ** (frame_levels / 10.0)) + 1e-12))
        floor_dbfs = self._noise.floor_dbfs
        self._noise.update(level_dbfs)
        self._smoke_scores.append(float(scores[SOUND_TYPES.index("smoke_alarm")]))
        self._step_levels.append(level_dbfs)
        end_s = start_s + STEP_S
        if end_s - stream.last_noise_report_s >= NOISE_REPORT_S:
            stream.last_noise_report_s = end_s
            results.append(NoiseFloor(round(self._noise.floor_dbfs, 1), end_s))
        results.extend(self._update_hazards(stream, end_s))
        reliable = start_s >= stream.unreliable_until_s and end_s - stream.origin_s >= WARM_UP_S
        for sound, tracker in self._trackers.items():
            if sound not in self.config.enabled:
                continue
            threshold = adapted_threshold(
                self._stage1.heads.threshold(sound), self.config.sensitivity_for(sound), floor_dbfs
            )
            score = float(scores[SOUND_TYPES.index(sound)])
            active = (
                reliable and score >= threshold.score and level_dbfs >= threshold.min_level_dbfs
            )
            if sound == "appliance_beep" and any(h.sounding for h in self._hazards.values()):
                active = False
            proposal = tracker.update(start_s, score, active, level_dbfs)
            if proposal is not None:
                results.extend(self._confirm(stream, sound, proposal))
        return results

    def _confirm(self, stream: _Stream, sound: SoundType, proposal: Proposal) -> list[object]:
        confidence, verified = proposal.score, False
        verifier = self._event_verifier
        if self.config.stage2 and verifier.heads.covers(sound):
            scores = self._stage2_scores(stream, verifier, proposal.start_s, proposal.end_s)
            score2 = float(scores[SOUND_TYPES.index(sound)])
            needed = shifted_probability(
                verifier.heads.threshold(sound), self.config.sensitivity_for(sound)
            )
            if score2 < needed:
                self.stage2_rejected += 1
                return []
            confidence, verified = 0.5 * (proposal.score + score2), True
        # After the verifier, so the recipes' mining (a verifier that records and rejects
        # each candidate) still sees every proposal: single transients stay negatives the
        # event verifier learns from, and the shipped verifiers what their recipes write.
        rule = self._trackers[sound].rule
        if rule.min_onsets > 1 and self._onset_series(stream, proposal, rule) < rule.min_onsets:
            self.onsets_rejected += 1
            return []
        event = SoundEvent(
            sound,
            round(proposal.start_s, 2),
            round(proposal.end_s, 2),
            round(min(1.0, confidence), 3),
            round(proposal.level_dbfs, 1),
            self._clip(stream, proposal.start_s, proposal.end_s),
            verified,
        )
        if sound == "appliance_beep":
            self._beeps.append(_PendingBeep(event, proposal.end_s + BEEP_HOLD_S))
            return []
        return [event]

    def _release_beeps(self, now_s: float) -> list[object]:
        ready = [b.event for b in self._beeps if b.release_s <= now_s]
        self._beeps = [b for b in self._beeps if b.release_s > now_s]
        return list(ready)

    def _onset_series(self, stream: _Stream, proposal: Proposal, rule: EventRule) -> int:
        """Longest series of distinct onsets in the buffered audio around a candidate.

        From one series gap before its first active step to when it closed (``merge_gap_s``
        after its last): stage 1 need not be active at every rap.
        """
        first = self._ring_index(stream, proposal.start_s - rule.onset_gap_s[1])
        last = self._ring_index(stream, proposal.end_s + rule.merge_gap_s)
        log_mel = self._buffered_log_mel(first, last)
        return onset_series(log_mel, HOP_SAMPLES / SAMPLE_RATE_HZ, rule.onset_gap_s)

    def _buffered_log_mel(self, first: int, last: int) -> FloatArray:
        """Log-mel frames of ring samples [first, last), computed from scratch."""
        self._buffered_features.reset()
        return self._buffered_features.process(self._ring.read(first, last)).log_mel

    def _stage2_scores(
        self, stream: _Stream, verifier: Stage2, start_s: float, end_s: float
    ) -> FloatArray:
        """A verifier's scores on the window of buffered audio best covering [start_s, end_s]."""
        self.stage2_runs += 1
        window = verifier.window_frames
        window_s = window * HOP_SAMPLES / SAMPLE_RATE_HZ
        middle_s = 0.5 * (start_s + end_s) if end_s - start_s < window_s else end_s - window_s / 2
        first = self._ring_index(stream, middle_s - window_s / 2)
        last = first + (window - 1) * HOP_SAMPLES + 400
        if last > self._ring.end:
            first, last = first - (last - self._ring.end), self._ring.end
        mel = self._buffered_log_mel(first, last)
        if mel.shape[0] < window:
            pad = np.full((window - mel.shape[0], mel.shape[1]), mel.min(initial=-23.0))
            mel = np.concatenate([pad.astype(np.float32), mel])
        return verifier.scores(mel[-window:])

    def _clip(self, stream: _Stream, start_s: float, end_s: float) -> SoundClip | None:
        if not self.config.clips:
            return None
        first = max(self._ring.start, self._ring_index(stream, start_s - PRE_ROLL_S))
        samples = self._ring.read(first, self._ring_index(stream, end_s))
        return SoundClip(samples, stream.origin_s + first / SAMPLE_RATE_HZ)
