"""Clips for detections that carry no audio of their own (presence, alarm states).

Ultrasonic presence knows nothing of what the room sounded like, yet an intrusion
alert is worth most with a clip. The recorder keeps the last seconds of the stream
in memory (mono, at the source rate, bounded) and cuts a clip only when the guard
asks for one, for an incident it alerts on: audio never leaves it otherwise. Clips
keep the source rate: resampling ten seconds here would stall the audio thread.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..audio import AudioBlock
from ..sounds.ring_buffer import AudioRing
from .incidents import ClipAudio

MAX_PENDING_REQUESTS = 8


@dataclass(frozen=True, slots=True)
class ClipRequest:
    """Audio wanted around ``event_s`` for an incident."""

    incident_id: str
    event_s: float
    pre_roll_s: float = 5.0
    post_roll_s: float = 5.0


@dataclass(frozen=True, slots=True)
class RecordedClip:
    """The recorder's answer to a :class:`ClipRequest`."""

    incident_id: str
    clip: ClipAudio


class ClipRecorder:
    """A detector that records nothing but a bounded ring, and cuts clips on request."""

    def __init__(self, ring_s: float = 20.0) -> None:
        self._ring_s = ring_s
        self._ring: AudioRing | None = None
        self._rate_hz = 0
        self._pending: collections.deque[ClipRequest] = collections.deque(
            maxlen=MAX_PENDING_REQUESTS
        )

    @property
    def name(self) -> str:
        """Detector name for logs and statistics."""
        return "clip_recorder"

    def request(self, request: ClipRequest) -> None:
        """Ask for a clip; call in the worker thread (``EngineRuntime.submit``)."""
        self._pending.append(request)

    def process(self, block: AudioBlock) -> Sequence[object]:
        """Keep the block; return the clips whose post-roll has now been heard."""
        if self._ring is None or block.sample_rate_hz != self._rate_hz:
            self._rate_hz = block.sample_rate_hz
            self._ring = AudioRing(int(self._ring_s * self._rate_hz))
            self._ring.reset(end=block.start_frame)
        self._ring.write(block.samples.mean(axis=1, dtype=np.float32))
        due = [r for r in self._pending if r.event_s + r.post_roll_s <= block.end_s]
        for request in due:
            self._pending.remove(request)
        return [self._cut(self._ring, request) for request in due]

    def _cut(self, ring: AudioRing, request: ClipRequest) -> RecordedClip:
        rate = self._rate_hz
        first = max(ring.start, round((request.event_s - request.pre_roll_s) * rate))
        last = min(ring.end, round((request.event_s + request.post_roll_s) * rate))
        samples = ring.read(first, last)
        start_s = first / rate
        pre_roll_s = max(0.0, request.event_s - start_s)
        return RecordedClip(request.incident_id, ClipAudio(samples, rate, start_s, pre_roll_s))

    def reset(self) -> None:
        """Forget the stream (the source reopened, its clock restarted)."""
        self._ring = None
        self._pending.clear()
