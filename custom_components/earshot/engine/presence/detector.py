"""The presence detector: the runtime ``Detector`` that emits a carrier and watches its echo.

It owns the carrier emitter (attached to the source's output mixer), calibrates
on first start and on request (a state machine over blocks, never blocking the
worker), then turns every 50 ms Doppler frame into motion probabilities and
those into motion episodes and occupancy. Without an output mixer it is
passive: it analyses a recording whose carrier someone else played.

Bad input never reads as presence: frames touched by clipping, dropouts
(a jump in the sample clock) or a lost carrier carry no motion evidence.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Sequence

import numpy as np

from ..audio import AudioBlock, OutputMixer
from .calibration import CalibrationPlan, Calibrator
from .classifier import MotionClassifier
from .config import PresenceConfig
from .doppler import FRAME_SAMPLES, DopplerFrame, carrier_fits
from .emitter import DEFAULT_FADE_S, CarrierEmitter
from .frontend import DopplerFrontEnd
from .results import PresenceStatus, UltrasoundUnsupported
from .tracker import OccupancyTracker

CLIP_LEVEL = 0.999
MIN_CARRIER_DB = 35.0
"""Below this carrier SNR the echo is too weak to judge motion (carrier lost or muted)."""
SETTLE_S = 2 * DEFAULT_FADE_S + 0.1
"""Time after (re)starting emission before frames are trusted (fade out, switch, fade in)."""
CALIBRATION_RETRY_S = 60.0


class PresenceDetector:
    """Ultrasonic Doppler presence over an audio stream."""

    def __init__(
        self,
        output: OutputMixer | None,
        config: PresenceConfig | None = None,
        *,
        classifier: MotionClassifier | None = None,
        calibration_plan: CalibrationPlan | None = None,
    ) -> None:
        self.config = config or PresenceConfig()
        self._output = output
        self._classifier = classifier or MotionClassifier()
        self._plan = calibration_plan or CalibrationPlan()
        """What calibration tries; its level cap is always the config's (taken at each run)."""
        self.tracker = OccupancyTracker(self.config)
        self.emitter: CarrierEmitter | None = None
        if output is not None:
            self.emitter = CarrierEmitter(
                self.config.carrier_hz or self._plan.candidates_hz[0],
                self.config.level_dbfs,
                max_level_dbfs=self.config.max_level_dbfs,
            )
            if self.config.carrier_hz is None:
                self.emitter.pause()
            output.attach(self.emitter)
        self._calibration_requested = output is not None and self.config.carrier_hz is None
        self._snr_db: deque[float] = deque(maxlen=40)
        self.reset()

    @property
    def name(self) -> str:
        """Identifier for logs and statistics."""
        return "presence"

    def reset(self) -> None:
        """Forget the stream (the source reopened); keeps calibration and settings."""
        self._frontend: DopplerFrontEnd | None = None
        self._calibrator: Calibrator | None = None
        self._unsupported = False
        self._next_frame: int | None = None
        self._distrust_until_s = 0.0
        self._next_status_s = 0.0
        self._pause_until_s: float | None = None
        self._resumed_s = 0.0
        self._retry_calibration_s: float | None = None
        self._now_s = 0.0
        self._classifier.reset()
        self.tracker.reset()
        self._snr_db.clear()
        if self.emitter is not None and self.config.carrier_hz is not None:
            self.emitter.resume()  # a low-power pause does not outlive the stream

    def close(self) -> None:
        """Stop emitting for good (detach from the output mixer)."""
        if self._output is not None and self.emitter is not None:
            self._output.detach(self.emitter)

    def recalibrate(self) -> None:
        """Run a calibration sweep from the next block (call in the worker thread)."""
        if self._output is None:
            raise RuntimeError("a passive presence detector cannot calibrate (no speaker)")
        self._calibration_requested = True

    def update_config(self, config: PresenceConfig) -> None:
        """Apply new settings (call in the worker thread, e.g. via ``EngineRuntime.submit``)."""
        old, self.config = self.config, config
        self.tracker.config = config
        if self.emitter is not None:
            self.emitter.set_cap(config.max_level_dbfs)
            # Under a new cap another carrier (or, raised, a louder level) may serve better.
            self._calibration_requested |= config.max_level_dbfs != old.max_level_dbfs
            if config.carrier_hz is not None:
                self.emitter.set_tone(config.carrier_hz, config.level_dbfs)
        if config.carrier_hz != old.carrier_hz or config.reference_channel != old.reference_channel:
            self._frontend = None
        if not config.low_power and self._pause_until_s is not None:
            self._end_pause(self._now_s)

    def process(self, block: AudioBlock) -> Sequence[object]:
        """Consume one block; return motion, occupancy, calibration and status results."""
        results: list[object] = []
        self._now_s = block.end_s
        self._check_continuity(block)
        retry = self._retry_calibration_s
        if retry is not None and block.start_s >= retry:
            self._retry_calibration_s = None
            self._calibration_requested = True
        if self._calibration_requested and self.emitter is not None:
            self._calibration_requested = False
            self._unsupported = False
            self._calibrator = Calibrator(
                self.emitter,
                block.sample_rate_hz,
                block.channels,
                dataclasses.replace(self._plan, max_level_dbfs=self.config.max_level_dbfs),
                self.config.reference_channel,
            )
        if self._calibrator is not None:
            outcome = self._calibrator.process(block)
            if outcome is not None:
                self._calibrator = None
                results.append(outcome)
                self._apply_calibration(outcome.ok, outcome.carrier_hz, outcome.level_dbfs)
                if outcome.unsupported:
                    self._unsupported = True
                    results.append(UltrasoundUnsupported(outcome.reason, outcome.time_s))
                elif not outcome.ok:  # a passing disturbance: try again a little later
                    self._retry_calibration_s = outcome.time_s + CALIBRATION_RETRY_S
            return results
        if self._unsupported or self.config.carrier_hz is None:
            return results
        self._low_power(block)
        if self._pause_until_s is None:
            results.extend(self._detect(block))
        else:
            self.tracker.add_paused(block.frames / block.sample_rate_hz)
            results.extend(self.tracker.tick(block.end_s))
        if block.end_s >= self._next_status_s:
            self._next_status_s = block.end_s + self.config.status_interval_s
            results.append(self._status())
        return results

    def flush(self, time_s: float) -> Sequence[object]:
        """End of a recording: close any open motion episode at ``time_s``."""
        return self.tracker.finish(time_s)

    def _check_continuity(self, block: AudioBlock) -> None:
        clipped = bool(np.any(np.abs(block.samples) >= CLIP_LEVEL))
        gap = self._next_frame is not None and block.start_frame != self._next_frame
        if gap:
            self._frontend = None
        if clipped or gap or not np.any(block.samples):
            self._distrust(block.end_s)
        self._next_frame = block.start_frame + block.frames

    def _distrust(self, until_s: float) -> None:
        """Frames overlapping [now, until_s] carry no motion evidence."""
        frame_s = FRAME_SAMPLES / 1000.0
        self._distrust_until_s = max(self._distrust_until_s, until_s + frame_s)

    def _detect(self, block: AudioBlock) -> list[object]:
        carrier_hz = self.config.carrier_hz
        assert carrier_hz is not None
        if self._frontend is None:
            if not carrier_fits(carrier_hz, block.sample_rate_hz):
                return self._carrier_does_not_fit(carrier_hz, block)
            self._frontend = DopplerFrontEnd(
                carrier_hz, block.sample_rate_hz, block.channels, self.config.reference_channel
            )
            self._classifier.reset()
            # the emitter may still be fading in (after calibration, a pause, a new carrier)
            self._distrust(block.start_s + (SETTLE_S if self.emitter is not None else 0.0))
        results: list[object] = []
        for frame in self._frontend.process(block.samples, block.start_frame):
            results.extend(self._judge(frame))
        return results

    def _carrier_does_not_fit(self, carrier_hz: float, block: AudioBlock) -> list[object]:
        """A stored carrier the stream cannot carry (the sample rate changed)."""
        if self.emitter is not None:
            self.config = dataclasses.replace(self.config, carrier_hz=None)
            self._calibration_requested = True
            return []
        self._unsupported = True
        reason = (
            f"the carrier {carrier_hz:.0f} Hz does not fit a {block.sample_rate_hz} Hz stream "
            f"(Nyquist {block.sample_rate_hz / 2:.0f} Hz)"
        )
        return [UltrasoundUnsupported(reason, block.start_s)]

    def _judge(self, frame: DopplerFrame) -> list[object]:
        self._snr_db.append(frame.carrier_db)
        probabilities = self._classifier.push(frame.features, frame.carrier_db)
        trusted = frame.time_s > self._distrust_until_s and frame.carrier_db >= MIN_CARRIER_DB
        if not trusted:
            return list(self.tracker.tick(frame.time_s))
        return list(
            self.tracker.update(
                frame.time_s, probabilities.major, probabilities.minor, self._classifier.verify
            )
        )

    def _low_power(self, block: AudioBlock) -> None:
        """Pause emission once presence is confirmed; resume after the pause to look again."""
        if not self.config.low_power or self.emitter is None:
            return
        now = block.start_s
        if self._pause_until_s is not None:
            if now >= self._pause_until_s:
                self._end_pause(now)
            return
        last = self.tracker.last_motion_s
        confirmed = last is not None and last >= self._resumed_s and self.tracker.occupied
        if confirmed and not self.tracker.in_episode:
            self._pause_until_s = now + self.config.low_power_pause_s
            self.emitter.pause()

    def _end_pause(self, now_s: float) -> None:
        if self._pause_until_s is None:
            return
        self._pause_until_s = None
        self._resumed_s = now_s
        if self.emitter is not None:
            self.emitter.resume()
        self._frontend = None

    def _apply_calibration(self, ok: bool, carrier_hz: float, level_dbfs: float) -> None:
        if not ok or self.emitter is None:
            if self.emitter is not None:
                self.emitter.pause()
            return
        self.config = dataclasses.replace(self.config, carrier_hz=carrier_hz, level_dbfs=level_dbfs)
        self.tracker.config = self.config
        self.emitter.set_tone(carrier_hz, level_dbfs)
        self.emitter.resume()
        self._frontend = None

    def _status(self) -> PresenceStatus:
        carrier_hz = self.config.carrier_hz or 0.0
        snr_db = float(np.median(self._snr_db)) if self._snr_db else 0.0
        emitting = self.emitter is not None and self.emitter.emitting
        level = self.emitter.level_dbfs if self.emitter is not None else self.config.level_dbfs
        return PresenceStatus(carrier_hz, round(level, 1), round(snr_db, 1), emitting)
