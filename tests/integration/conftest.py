"""Fixtures for the Home Assistant side of Earshot."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable, Generator
from typing import Any
from unittest.mock import patch

import numpy as np
import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.earshot.const import (
    CONF_SCENE,
    CONF_SEED,
    CONF_SOURCE,
    DOMAIN,
    SIMULATED_UNIQUE_ID,
    SOURCE_SIMULATED,
)
from custom_components.earshot.engine.audio import (
    AudioBlock,
    AudioFormat,
    AudioSource,
    AudioSourceError,
)

SAMPLE_RATE_HZ = 8_000
BLOCK_FRAMES = 800


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/earshot."""


class ControlledSource(AudioSource):
    """A source the test steers: a constant tone of ``amplitude``, or ``failure`` on use.

    Blocks come about 20x faster than real time, so 1 s level readings arrive
    every ~50 ms without hogging a CPU core.
    """

    def __init__(self) -> None:
        super().__init__()
        self.amplitude = 0.1
        self.speaker = False
        self.failure: AudioSourceError | None = None
        self.opens = 0
        self.is_open = False
        self._clock = 0

    @property
    def name(self) -> str:
        return "controlled"

    @property
    def format(self) -> AudioFormat:
        return AudioFormat(SAMPLE_RATE_HZ, 1)

    @property
    def has_output(self) -> bool:
        return self.speaker

    def open(self) -> None:
        self.opens += 1
        if self.failure is not None:
            raise self.failure
        self.is_open = True

    def read(self, timeout_s: float) -> AudioBlock | None:
        if self.failure is not None:
            raise self.failure
        time.sleep(BLOCK_FRAMES / SAMPLE_RATE_HZ / 20)
        samples = np.full((BLOCK_FRAMES, 1), self.amplitude, np.float32)
        block = AudioBlock(samples, SAMPLE_RATE_HZ, self._clock)
        self._clock += BLOCK_FRAMES
        return block

    def close(self) -> None:
        self.is_open = False


class ScriptedDetector:
    """Stands in for a real detector: reports what the test queues, records what it is told."""

    detector_name = "scripted"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.config = args[-1] if args else kwargs.get("config")
        self.queued: collections.deque[object] = collections.deque()
        self.calls: list[tuple[str, Any]] = []

    @property
    def name(self) -> str:
        return self.detector_name

    def emit(self, *results: object) -> None:
        """Report ``results`` from the next block (an exception is raised there)."""
        self.queued.extend(results)

    def process(self, block: AudioBlock) -> list[object]:
        results = []
        while self.queued:
            result = self.queued.popleft()
            if isinstance(result, Exception):
                raise result
            results.append(result)
        return results

    def reset(self) -> None:
        self.calls.append(("reset", None))

    def update_config(self, config: Any) -> None:
        self.calls.append(("update_config", config))
        self.config = config

    def configure(self, config: Any) -> None:
        self.calls.append(("configure", config))
        self.config = config

    def recalibrate(self) -> None:
        self.calls.append(("recalibrate", None))

    def close(self) -> None:
        self.calls.append(("close", None))


class FakeDetectors:
    """The presence and sound detectors the last set-up created."""

    presence: ScriptedDetector
    sounds: ScriptedDetector


@pytest.fixture
def fake_detectors() -> Generator[FakeDetectors]:
    """Replace the model-backed detectors with scripted ones."""
    made = FakeDetectors()

    def presence(*args: Any, **kwargs: Any) -> ScriptedDetector:
        made.presence = ScriptedDetector(*args, **kwargs)
        made.presence.detector_name = "presence"
        return made.presence

    def sounds(*args: Any, **kwargs: Any) -> ScriptedDetector:
        made.sounds = ScriptedDetector(*args, **kwargs)
        made.sounds.detector_name = "sounds"
        return made.sounds

    with (
        patch("custom_components.earshot.detectors.PresenceDetector", presence),
        patch("custom_components.earshot.detectors.SoundEventDetector", sounds),
    ):
        yield made


@pytest.fixture
def controlled_source() -> Generator[ControlledSource]:
    """Make every entry run on one ControlledSource, reconnecting quickly."""
    source = ControlledSource()
    with (
        patch("custom_components.earshot.build_source", return_value=source),
        patch("custom_components.earshot.coordinator.RECONNECT_INITIAL_S", 0.02),
        patch("custom_components.earshot.coordinator.RECONNECT_MAX_S", 0.05),
    ):
        yield source


@pytest.fixture
def simulated_entry() -> MockConfigEntry:
    """An entry on the simulated home."""
    return simulated_home_entry()


def simulated_home_entry(
    scene: str = "demo", options: dict[str, Any] | None = None, title: str = "Simulated home"
) -> MockConfigEntry:
    """A (not yet added) entry on the simulated home playing ``scene``."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title,
        unique_id=SIMULATED_UNIQUE_ID,
        data={CONF_SOURCE: SOURCE_SIMULATED, CONF_SCENE: scene, CONF_SEED: 0},
        options=options or {},
    )


async def wait_for(
    hass: HomeAssistant, condition: Callable[[], Any], timeout_s: float = 10.0
) -> None:
    """Let the loop run until ``condition()`` is truthy (the engine thread pushes states)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
    await hass.async_block_till_done()
