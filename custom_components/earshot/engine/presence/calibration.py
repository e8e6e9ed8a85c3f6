"""Self-calibration: which carrier and how loud, measured through the real speaker and mic.

A state machine driven by the stream's blocks (so it never blocks the worker):
it first listens with the carrier off, measuring for every candidate frequency
what already sits in its Doppler band (another device's ultrasound, a pest
repeller), then plays each candidate at a quiet probe level and measures the
received carrier over the noise floor (the same SNR the detector reports).
The best clean candidate wins; the level is the lowest that gives the SNR the
detector needs (SNR moves one-for-one with level), never above the cap. If no
candidate reaches a usable SNR even at the cap, the hardware cannot do
ultrasound (speaker or microphone roll-off, a 44.1/48 kHz path that low-passes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..audio import AudioBlock
from .config import CARRIER_CAP_RANGE_DBFS
from .doppler import carrier_fits
from .emitter import CarrierEmitter
from .frontend import DopplerFrontEnd
from .results import CalibrationResult

DEFAULT_CANDIDATES_HZ = (18_500.0, 19_500.0, 20_500.0, 21_500.0, 22_500.0)


@dataclass(frozen=True, slots=True)
class CalibrationPlan:
    """What to try and what counts as good enough."""

    candidates_hz: tuple[float, ...] = DEFAULT_CANDIDATES_HZ
    probe_level_dbfs: float = -40.0
    """Quiet enough to be harmless, loud enough to measure on good hardware."""
    max_level_dbfs: float = CARRIER_CAP_RANGE_DBFS[1]
    min_level_dbfs: float = -60.0
    required_snr_db: float = 90.0
    """Carrier over the Doppler noise floor to aim for. Measured on validation rooms
    (presence model card): walks, latency and seated people all improve from 75 to 90 dB
    (walks within 1 s 65 -> 79 %); 95 dB finds more seated people still, at 5 dB more
    emission, mostly at the cap."""
    usable_snr_db: float = 40.0
    """Below this even at the cap, report the hardware as unable to do ultrasound."""
    interference_db: float = 12.0
    """Band level over the noise floor, with the carrier off, that marks an interferer."""
    settle_s: float = 0.35
    """Wait after each change (fade, output latency) before measuring."""
    listen_s: float = 0.6

    @property
    def probe_dbfs(self) -> float:
        """The level probes play at: the probe level, or the cap if that is lower."""
        return min(self.probe_level_dbfs, self.max_level_dbfs)


@dataclass(frozen=True, slots=True)
class _Measurement:
    carrier_db: float
    band_db: float
    """Loudest Doppler band over the noise floor."""


def usable_candidates(plan: CalibrationPlan, sample_rate_hz: int) -> tuple[float, ...]:
    """Candidates whose Doppler band fits below the Nyquist frequency of the stream."""
    return tuple(f for f in plan.candidates_hz if carrier_fits(f, sample_rate_hz))


class Calibrator:
    """Runs one calibration over the stream; :meth:`process` returns the result when done."""

    def __init__(
        self,
        emitter: CarrierEmitter,
        sample_rate_hz: int,
        channels: int,
        plan: CalibrationPlan | None = None,
        reference_channel: int | None = None,
    ) -> None:
        self.plan = plan or CalibrationPlan()
        self._emitter = emitter
        self._sample_rate_hz = sample_rate_hz
        self._channels = channels
        self._reference_channel = reference_channel
        self._candidates = usable_candidates(self.plan, sample_rate_hz)
        self._quiet: dict[float, _Measurement] = {}
        self._probe: dict[float, _Measurement] = {}
        self._steps = self._schedule()
        self._step = 0
        self._step_start_s: float | None = None
        self._frontends: dict[float, DopplerFrontEnd] = {}
        self._frames: dict[float, list[tuple[float, float]]] = {}
        self._chosen = (self._emitter.carrier_hz, self.plan.probe_dbfs)
        self._verified = _Measurement(-np.inf, np.inf)
        self.done = False

    def _schedule(self) -> list[tuple[str, float | None]]:
        steps: list[tuple[str, float | None]] = [("quiet", None)]
        steps.extend(("probe", f) for f in self._candidates)
        steps.append(("verify", None))
        return steps

    def process(self, block: AudioBlock) -> CalibrationResult | None:
        """Advance with one block; returns the result once, at the end."""
        if self.done:
            return None
        if not self._candidates:
            return self._finish_unsupported(
                block.end_s,
                f"a {block.sample_rate_hz} Hz stream has no room for an ultrasonic carrier "
                f"(its Nyquist frequency is {block.sample_rate_hz / 2:.0f} Hz)",
            )
        kind, carrier = self._steps[self._step]
        if self._step_start_s is None:
            self._begin(kind, carrier, block.start_s)
        assert self._step_start_s is not None
        elapsed_s = block.end_s - self._step_start_s
        # The front ends run from the step's start so they have settled (window filled,
        # canceller converged) by the time their frames count.
        for frontend_carrier, frontend in self._frontends.items():
            for frame in frontend.process(block.samples, block.start_frame):
                if frame.time_s - self._step_start_s >= self.plan.settle_s:
                    self._frames[frontend_carrier].append(
                        (frame.carrier_db, float(frame.features.max()))
                    )
        if elapsed_s < self.plan.settle_s + self.plan.listen_s:
            return None
        self._end(kind, carrier)
        self._step += 1
        self._step_start_s = None
        if kind == "verify":
            return self._finish(block.end_s)
        if kind == "probe" and self._step == len(self._steps) - 1:
            return self._choose(block.end_s)
        return None

    def _begin(self, kind: str, carrier: float | None, start_s: float) -> None:
        self._step_start_s = start_s
        if kind == "quiet":
            self._emitter.pause()
            carriers: tuple[float, ...] = self._candidates
        else:
            if carrier is not None:
                self._emitter.set_tone(carrier, self.plan.probe_dbfs)
            self._emitter.resume()
            carriers = (self._emitter.carrier_hz,)
        self._frontends = {
            f: DopplerFrontEnd(f, self._sample_rate_hz, self._channels, self._reference_channel)
            for f in carriers
        }
        self._frames = {f: [] for f in carriers}

    def _end(self, kind: str, carrier: float | None) -> None:
        for f, frames in self._frames.items():
            if not frames:
                measured = _Measurement(-np.inf, np.inf)
            else:
                values = np.asarray(frames)
                measured = _Measurement(
                    float(np.median(values[:, 0])), float(np.median(values[:, 1]))
                )
            if kind == "quiet":
                self._quiet[f] = measured
            elif kind == "probe" and carrier is not None:
                self._probe[f] = measured
            else:
                self._verified = measured

    def _choose(self, time_s: float) -> CalibrationResult | None:
        plan = self.plan
        headroom_db = plan.max_level_dbfs - plan.probe_dbfs
        clean = [
            f for f in self._candidates if self._quiet[f].band_db < plan.interference_db
        ] or list(self._candidates)
        best = max(clean, key=lambda f: self._probe[f].carrier_db)
        probe_snr_db = self._probe[best].carrier_db
        if probe_snr_db + headroom_db < plan.usable_snr_db:
            reason = (
                f"the speaker and microphone do not carry ultrasound: the best carrier "
                f"({best:.0f} Hz) reaches only {probe_snr_db + headroom_db:.0f} dB SNR "
                f"at the maximum level of {plan.max_level_dbfs:.0f} dBFS (needs "
                f"{plan.usable_snr_db:.0f} dB)"
            )
            if plan.max_level_dbfs < CARRIER_CAP_RANGE_DBFS[1]:
                reason += (
                    f"; that level cap is below the {CARRIER_CAP_RANGE_DBFS[1]:.0f} dBFS "
                    "ceiling, and raising it may be enough"
                )
            return self._finish_unsupported(time_s, reason)
        level = plan.probe_dbfs + plan.required_snr_db - probe_snr_db
        self._chosen = (best, float(np.clip(level, plan.min_level_dbfs, plan.max_level_dbfs)))
        self._emitter.set_tone(*self._chosen)
        return None

    def _finish(self, time_s: float) -> CalibrationResult:
        carrier, level = self._chosen
        snr_db = self._verified.carrier_db
        self.done = True
        ok = snr_db >= self.plan.usable_snr_db
        reason = (
            f"carrier {carrier:.0f} Hz at {level:.1f} dBFS gives {snr_db:.0f} dB SNR"
            if ok
            else f"the chosen carrier {carrier:.0f} Hz gave only {snr_db:.0f} dB SNR when verified"
        )
        return CalibrationResult(carrier, level, snr_db, ok, reason, time_s)

    def _finish_unsupported(self, time_s: float, reason: str) -> CalibrationResult:
        self.done = True
        self._emitter.pause()
        return CalibrationResult(
            0.0, self.plan.max_level_dbfs, 0.0, False, reason, time_s, unsupported=True
        )
