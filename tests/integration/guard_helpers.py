"""Helpers shared by the guard's integration tests: scripted detections and a speaker."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import numpy as np
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.earshot.detectors import DetectorSet
from custom_components.earshot.engine.audio import AudioBlock, AudioSource
from custom_components.earshot.engine.runtime import Detector
from custom_components.earshot.engine.simulation.source import SimulatedHome
from custom_components.earshot.engine.sounds.results import SoundClip, SoundEvent
from custom_components.earshot.engine.sounds.ring_buffer import AudioRing
from custom_components.earshot.engine.sounds.vocabulary import SoundType
from custom_components.earshot.guard import GuardManager

from .conftest import ControlledSource, simulated_home_entry

CLIP_RATE_HZ = 16_000
PRE_ROLL_S = 5.0
PRE_ROLL_LEVEL = 0.05
EVENT_LEVEL = 0.5


def sound(kind: SoundType, duration_s: float = 1.0) -> Callable[[float], SoundEvent]:
    """A script entry's factory: the sound event at the time the script reaches."""
    return lambda start_s: sound_event(kind, start_s, duration_s)


def sound_event(kind: SoundType, start_s: float, duration_s: float = 1.0) -> SoundEvent:
    """An event whose clip has 5 s of quiet pre-roll, then the loud event (10 s in all)."""
    pre = np.full(int(PRE_ROLL_S * CLIP_RATE_HZ), PRE_ROLL_LEVEL, np.float32)
    event = np.full(int((10 - PRE_ROLL_S) * CLIP_RATE_HZ), EVENT_LEVEL, np.float32)
    clip = SoundClip(np.concatenate([pre, event]), start_s - PRE_ROLL_S, CLIP_RATE_HZ)
    return SoundEvent(kind, start_s, start_s + duration_s, 0.93, -9.0, clip)


class ScriptedDetector:
    """Once started, reports scripted results as the stream clock passes their times.

    Script times are relative to the first block after :meth:`start`, so a test can
    arm the guard first and the detections never race the setup.
    """

    name = "scripted"

    def __init__(self, script: Sequence[tuple[float, Callable[[float], object]]]) -> None:
        self.script = sorted(script, key=lambda item: item[0])
        self._started = threading.Event()
        self._offset_s: float | None = None
        self._next = 0

    def start(self) -> None:
        """Begin the script at the next block."""
        self._started.set()

    @property
    def done(self) -> bool:
        """Whether every scripted result was reported."""
        return self._next == len(self.script)

    def process(self, block: AudioBlock) -> Sequence[object]:
        if not self._started.is_set():
            return ()
        if self._offset_s is None:
            self._offset_s = block.start_s
        due = []
        while self._next < len(self.script):
            at_s = self._offset_s + self.script[self._next][0]
            if at_s >= block.end_s:
                break
            due.append(self.script[self._next][1](at_s))
            self._next += 1
        return due

    def reset(self) -> None:
        """Keep the position: a reconnect must not replay the script."""


class SpeakerSource(ControlledSource):
    """A controlled source with a speaker: renders its output mixer on every read."""

    def __init__(self) -> None:
        super().__init__()
        self.peak_output = 0.0
        self.blocks_read = 0

    @property
    def has_output(self) -> bool:
        return True

    def read(self, timeout_s: float) -> AudioBlock | None:
        block = super().read(timeout_s)
        if block is not None:
            played = self.output.render(block.frames, block.start_frame, block.sample_rate_hz)
            self.peak_output = max(self.peak_output, float(np.max(np.abs(played), initial=0.0)))
            self.blocks_read += 1
        return block


class SceneOracle:
    """Reports the simulated home's scripted sounds as the sound detector would.

    It reads the scene's ground truth, so the guard is tested on the simulated home's
    real audio (clips cut from a ring buffer of what the microphones heard) without
    depending on how well the sound models recognise each sound. A sound that goes on
    is reported again every ``repeat_s`` seconds, like an alarm recognised cycle by cycle.
    """

    name = "scene-oracle"

    def __init__(
        self,
        source: SimulatedHome,
        confirm_after_s: float = 1.0,
        repeat_s: float | None = None,
        ring_s: float = 20.0,
    ) -> None:
        self._sounds = [a for a in source.annotations() if a.kind == "sound"]
        self._confirm_after_s = confirm_after_s
        self._repeat_s = repeat_s
        self._ring_s = ring_s
        self._ring: AudioRing | None = None
        self._next_report_s = [a.start_s + confirm_after_s for a in self._sounds]
        self.reported = 0

    def process(self, block: AudioBlock) -> Sequence[object]:
        rate = block.sample_rate_hz
        if self._ring is None:
            self._ring = AudioRing(int(self._ring_s * rate))
            self._ring.reset(end=block.start_frame)
        self._ring.write(block.samples.mean(axis=1))
        results: list[object] = []
        for index, sound in enumerate(self._sounds):
            due_s = self._next_report_s[index]
            if due_s > block.end_s or due_s > sound.end_s:
                continue
            start = max(self._ring.start, round((sound.start_s - PRE_ROLL_S) * rate))
            samples = self._ring.read(start, self._ring.end)
            clip = SoundClip(samples, start / rate, rate)
            level = 20 * np.log10(max(float(np.sqrt(np.mean(samples**2))), 1e-9))
            results.append(
                SoundEvent(sound.label, sound.start_s, block.end_s, 0.9, level, clip)  # type: ignore[arg-type]
            )
            self.reported += 1
            self._next_report_s[index] = (
                due_s + self._repeat_s if self._repeat_s is not None else float("inf")
            )
        return results

    def reset(self) -> None:
        """Nothing to forget: the scene plays once."""


@contextmanager
def running_on(source: AudioSource, *detectors: Detector) -> Iterator[None]:
    """Entries set up inside run on ``source`` with just ``detectors``."""
    with (
        patch("custom_components.earshot.build_source", return_value=source),
        patch(
            "custom_components.earshot.build_detectors",
            return_value=DetectorSet(detectors=list(detectors)),
        ),
    ):
        yield


async def setup_guard(
    hass: HomeAssistant,
    source: AudioSource,
    script: Sequence[tuple[float, Callable[[float], object]]] = (),
    options: dict[str, Any] | None = None,
    *more_detectors: Detector,
    title: str = "Living room",
) -> tuple[MockConfigEntry, GuardManager, ScriptedDetector]:
    """Set up a simulated-home entry on ``source`` whose detections follow ``script``."""
    entry = simulated_home_entry(options=options, title=title)
    entry.add_to_hass(hass)
    detector = ScriptedDetector(script)
    with running_on(source, detector, *more_detectors):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    guard = entry.runtime_data.guard
    assert guard is not None
    return entry, guard, detector
