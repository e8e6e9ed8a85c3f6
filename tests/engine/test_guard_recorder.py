"""The clip recorder: a bounded ring that hands out audio only on request."""

from __future__ import annotations

import numpy as np
import pytest

from earshot_engine.audio import AudioBlock
from earshot_engine.guard.recorder import ClipRecorder, ClipRequest, RecordedClip

RATE_HZ = 48_000
BLOCK = 4_800


def _feed(recorder: ClipRecorder, seconds: float, start_frame: int = 0) -> list[object]:
    """Feed a stereo stream whose left channel is the time in seconds, right its negative."""
    results: list[object] = []
    for frame in range(start_frame, start_frame + int(seconds * RATE_HZ), BLOCK):
        t = (np.arange(frame, frame + BLOCK) / RATE_HZ).astype(np.float32)
        samples = np.stack([t * 0.01 + 0.5, t * 0.01 + 0.3], axis=1).astype(np.float32)
        results.extend(recorder.process(AudioBlock(samples, RATE_HZ, frame)))
    return results


def test_nothing_without_a_request() -> None:
    assert _feed(ClipRecorder(), 30.0) == []


def test_clip_around_the_event_once_the_post_roll_is_heard() -> None:
    recorder = ClipRecorder(ring_s=20.0)
    assert _feed(recorder, 10.0) == []
    recorder.request(ClipRequest("inc1", event_s=8.0, pre_roll_s=5.0, post_roll_s=4.0))
    assert _feed(recorder, 1.9, start_frame=10 * RATE_HZ) == []  # post-roll not over yet
    (result,) = _feed(recorder, 0.2, start_frame=10 * RATE_HZ + 91_200)
    assert isinstance(result, RecordedClip)
    assert result.incident_id == "inc1"
    clip = result.clip
    assert clip.sample_rate_hz == RATE_HZ
    assert clip.start_s == pytest.approx(3.0)
    assert clip.pre_roll_s == pytest.approx(5.0)
    assert clip.duration_s == pytest.approx(9.0, abs=0.01)
    # Mono mix of the two channels: 0.4 + 0.01 t, at t = 7.5 s mid-clip.
    middle = clip.samples[int(4.5 * RATE_HZ)]
    assert middle == pytest.approx(0.4 + 0.01 * 7.5, abs=1e-5)


def test_pre_roll_is_limited_to_what_the_ring_still_holds() -> None:
    recorder = ClipRecorder(ring_s=4.0)
    _feed(recorder, 10.0)
    recorder.request(ClipRequest("inc2", event_s=9.0, pre_roll_s=8.0, post_roll_s=0.5))
    (result,) = _feed(recorder, 0.5, start_frame=10 * RATE_HZ)
    assert isinstance(result, RecordedClip)
    # Cut after the first block reaching 9.5 s (it ends at 10.1 s): the ring holds 4 s.
    assert result.clip.start_s == pytest.approx(6.1)
    assert result.clip.pre_roll_s == pytest.approx(2.9)


def test_reset_forgets_audio_and_requests() -> None:
    recorder = ClipRecorder()
    _feed(recorder, 2.0)
    recorder.request(ClipRequest("inc3", event_s=1.0, post_roll_s=2.0))
    recorder.reset()
    assert _feed(recorder, 5.0) == []
