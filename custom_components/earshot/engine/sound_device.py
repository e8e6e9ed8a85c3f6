"""Sound cards through PortAudio (``sounddevice``): one duplex stream, mic in and speaker out.

The PortAudio callback runs in PortAudio's own thread; it copies each input block
into a bounded queue (a full queue counts an overrun instead of growing) and fills
the output buffer from the source's :class:`OutputMixer`, so emission and capture
share one sample clock.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from .audio import (
    AudioBlock,
    AudioFormat,
    AudioSource,
    AudioSourceError,
    DeviceNotFoundError,
    FloatArray,
    PortAudioMissingError,
    SourceLostError,
    UnsupportedAudioError,
)

_LOGGER = logging.getLogger(__name__)

PORTAUDIO_HINT = (
    "The PortAudio library is not installed, so sound cards cannot be used. "
    "Install it on the host running Home Assistant: 'apk add portaudio' (Alpine / "
    "Home Assistant container), 'apt install libportaudio2' (Debian, Ubuntu, "
    "Raspberry Pi OS)."
)
SILENCE_TIMEOUT_S = 5.0
"""A running stream that delivers nothing for this long is treated as unplugged."""
QUEUE_BLOCKS = 32


def load_sounddevice() -> ModuleType:
    """Import ``sounddevice``, turning a missing PortAudio into a clear error."""
    try:
        import sounddevice  # optional: loads the native PortAudio library
    except OSError as err:
        raise PortAudioMissingError(PORTAUDIO_HINT) from err
    except ImportError as err:
        raise PortAudioMissingError(
            "The 'sounddevice' Python package is not installed (pip install sounddevice)."
        ) from err
    module: ModuleType = sounddevice
    return module


@dataclass(frozen=True, slots=True)
class SoundDevice:
    """A sound device as PortAudio lists it."""

    index: int
    name: str
    hostapi: str
    max_input_channels: int
    max_output_channels: int
    default_sample_rate_hz: float


def list_devices() -> list[SoundDevice]:
    """All sound devices; raises :class:`PortAudioMissingError` without PortAudio."""
    sd = load_sounddevice()
    hostapis = [api["name"] for api in sd.query_hostapis()]
    return [
        SoundDevice(
            index=int(info["index"]),
            name=str(info["name"]),
            hostapi=hostapis[int(info["hostapi"])] if hostapis else "",
            max_input_channels=int(info["max_input_channels"]),
            max_output_channels=int(info["max_output_channels"]),
            default_sample_rate_hz=float(info["default_samplerate"]),
        )
        for info in sd.query_devices()
    ]


def find_device(devices: list[SoundDevice], wanted: int | str, *, output: bool) -> SoundDevice:
    """The device named (or numbered) ``wanted`` that has inputs (or outputs)."""
    for device in devices:
        if wanted in (device.index, device.name) and (
            device.max_output_channels if output else device.max_input_channels
        ):
            return device
    kind = "output" if output else "input"
    raise DeviceNotFoundError(f"Sound {kind} device '{wanted}' is not connected")


class SoundDeviceSource(AudioSource):
    """Microphone (and optionally speaker) of a sound card, as a duplex stream."""

    def __init__(
        self,
        input_device: int | str | None,
        output_device: int | str | None = None,
        *,
        sample_rate_hz: int = 48_000,
        channels: int = 1,
        block_frames: int = 2400,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._input_device = input_device
        self._output_device = output_device
        self._format = AudioFormat(sample_rate_hz, channels)
        self._block_frames = block_frames
        self._clock = clock
        self._queue: queue.Queue[tuple[FloatArray, int]] = queue.Queue(QUEUE_BLOCKS)
        self._stream: Any = None
        self._in_frame = 0
        self._out_frame = 0
        self._overruns = 0
        self._last_block_s = 0.0
        self._error: str | None = None

    @property
    def name(self) -> str:
        return str(self._input_device if self._input_device is not None else "default")

    @property
    def format(self) -> AudioFormat:
        return self._format

    @property
    def has_output(self) -> bool:
        return self._output_device is not None

    @property
    def overruns(self) -> int:
        return self._overruns

    def open(self) -> None:
        sd = load_sounddevice()
        devices = list_devices()
        in_dev: int | None = None
        if self._input_device is not None:
            mic = find_device(devices, self._input_device, output=False)
            if self._format.channels > mic.max_input_channels:
                raise UnsupportedAudioError(
                    f"Sound device '{mic.name}' has {mic.max_input_channels} input "
                    f"channel(s); {self._format.channels} were asked for"
                )
            in_dev = mic.index
        out_dev = (
            find_device(devices, self._output_device, output=True).index
            if self._output_device is not None
            else None
        )
        self._queue = queue.Queue(QUEUE_BLOCKS)
        self._in_frame = self._out_frame = 0
        self._error = None
        common: dict[str, Any] = {
            "samplerate": self._format.sample_rate_hz,
            "blocksize": self._block_frames,
            "dtype": "float32",
            "finished_callback": self._finished,
        }
        try:
            if out_dev is None:
                self._stream = sd.InputStream(
                    device=in_dev,
                    channels=self._format.channels,
                    callback=self._input_callback,
                    **common,
                )
            else:
                self._stream = sd.Stream(
                    device=(in_dev, out_dev),
                    channels=(self._format.channels, 1),
                    callback=self._duplex_callback,
                    **common,
                )
            self._stream.start()
        except Exception as err:  # PortAudioError and friends: bad rate, busy device
            self.close()
            raise AudioSourceError(f"Cannot open sound device '{self.name}': {err}") from err
        self._last_block_s = self._clock()

    def _input_callback(self, indata: Any, _frames: int, _time: Any, status: Any) -> None:
        """PortAudio thread, input-only stream: hand the input over; never blocks."""
        self._capture(indata, status)

    def _duplex_callback(
        self, indata: Any, outdata: Any, frames: int, _time: Any, status: Any
    ) -> None:
        """PortAudio thread, duplex stream: hand the input over, fill the speaker's output."""
        self._capture(indata, status)
        signal = self.output.render(frames, self._out_frame, self._format.sample_rate_hz)
        outdata[:] = signal[:, None]
        self._out_frame += frames

    def _capture(self, indata: Any, status: Any) -> None:
        if status and getattr(status, "input_overflow", False):
            self._overruns += 1
        try:
            self._queue.put_nowait((np.array(indata, dtype=np.float32), self._in_frame))
        except queue.Full:
            self._overruns += 1
        self._in_frame += len(indata)

    def _finished(self) -> None:
        self._error = "the sound device stopped (unplugged?)"

    def read(self, timeout_s: float) -> AudioBlock | None:
        if self._stream is None:
            raise RuntimeError("the sound device source is not open")
        try:
            samples, start = self._queue.get(timeout=timeout_s)
        except queue.Empty:
            now = self._clock()
            if self._error or now - self._last_block_s > SILENCE_TIMEOUT_S:
                reason = self._error or f"no audio for {SILENCE_TIMEOUT_S:.0f} s"
                raise SourceLostError(f"Sound device '{self.name}' lost: {reason}") from None
            return None
        self._last_block_s = self._clock()
        return AudioBlock(samples, self._format.sample_rate_hz, start)

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            stream.abort()
            stream.close()
        except Exception:  # an unplugged device may fail to close; it is gone anyway
            _LOGGER.debug("Closing sound device '%s' failed", self.name, exc_info=True)
