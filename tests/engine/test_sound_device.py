"""SoundDeviceSource against a fake ``sounddevice`` module (no audio hardware here)."""

import sys
import types
from typing import Any

import numpy as np
import pytest

from earshot_engine.audio import (
    AudioSourceError,
    DeviceNotFoundError,
    PortAudioMissingError,
    SourceLostError,
    UnsupportedAudioError,
)
from earshot_engine.sound_device import SoundDeviceSource, list_devices


class FakeStream:
    """Calls the callback the way ``sounddevice`` does for its ``kind`` of stream."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        self.kwargs = kwargs
        self.started = False
        self.closed = False
        self.fail_close = False

    def start(self) -> None:
        if self.kwargs["samplerate"] == 12345:
            raise RuntimeError("Invalid sample rate")
        self.started = True

    def abort(self) -> None:
        self.started = False

    def deliver(self, indata: np.ndarray, status: Any = None) -> np.ndarray | None:
        """One PortAudio period: ``callback(indata, [outdata,] frames, time, status)``."""
        frames = len(indata)
        flags = status or types.SimpleNamespace(input_overflow=False)
        if self.kind == "input":
            self.kwargs["callback"](indata, frames, None, flags)
            return None
        outdata = np.full((frames, 1), np.nan, np.float32)
        self.kwargs["callback"](indata, outdata, frames, None, flags)
        return outdata

    def close(self) -> None:
        if self.fail_close:
            raise RuntimeError("PaErrorCode -9996: device unavailable")
        self.closed = True


@pytest.fixture
def fake_sd(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    module = types.SimpleNamespace(streams=[])
    module.query_hostapis = lambda: [{"name": "ALSA"}]
    module.query_devices = lambda: [
        {
            "index": 0,
            "name": "USB Mic",
            "hostapi": 0,
            "max_input_channels": 2,
            "max_output_channels": 0,
            "default_samplerate": 48000.0,
        },
        {
            "index": 1,
            "name": "Speaker",
            "hostapi": 0,
            "max_input_channels": 0,
            "max_output_channels": 2,
            "default_samplerate": 48000.0,
        },
    ]

    def maker(kind: str) -> Any:
        def make(**kwargs: Any) -> FakeStream:
            stream = FakeStream(kind, **kwargs)
            module.streams.append(stream)
            return stream

        return make

    module.InputStream = maker("input")
    module.Stream = maker("duplex")
    monkeypatch.setitem(sys.modules, "sounddevice", module)
    return module


def test_lists_devices(fake_sd: types.SimpleNamespace) -> None:
    devices = list_devices()
    assert [d.name for d in devices] == ["USB Mic", "Speaker"]
    assert devices[0].hostapi == "ALSA"
    assert devices[1].max_output_channels == 2


def test_duplex_stream_hands_input_over_and_plays_the_mixer(
    fake_sd: types.SimpleNamespace,
) -> None:
    class Ramp:
        """Plays its own sample clock, so the test sees which frames were asked for."""

        def render_into(self, out: np.ndarray, start_frame: int, rate: int) -> None:
            out += 0.01 * np.arange(start_frame, start_frame + len(out))

    source = SoundDeviceSource("USB Mic", "Speaker", channels=2, block_frames=4)
    source.output.attach(Ramp())
    source.open()
    stream = fake_sd.streams[-1]
    assert stream.kwargs["device"] == (0, 1)
    assert stream.kind == "duplex"
    outdata = stream.deliver(np.ones((4, 2), np.float32))
    block = source.read(0.1)
    assert block is not None
    assert block.samples.shape == (4, 2)
    assert block.start_frame == 0
    np.testing.assert_allclose(outdata[:, 0], 0.01 * np.arange(4), atol=1e-7)
    outdata = stream.deliver(np.ones((4, 2), np.float32))
    np.testing.assert_allclose(outdata[:, 0], 0.01 * np.arange(4, 8), atol=1e-7)
    block = source.read(0.1)
    assert block is not None
    assert block.start_frame == 4  # speaker and microphone share one sample clock
    assert source.has_output
    source.close()
    assert stream.closed


def test_overruns_are_counted_not_queued_forever(fake_sd: types.SimpleNamespace) -> None:
    source = SoundDeviceSource(0, block_frames=2)
    source.open()
    stream = fake_sd.streams[-1]
    assert stream.kind == "input"
    for _ in range(40):
        stream.deliver(np.zeros((2, 1), np.float32))
    assert source.overruns == 40 - 32
    source.close()


def test_missing_device_and_bad_settings(fake_sd: types.SimpleNamespace) -> None:
    with pytest.raises(DeviceNotFoundError, match="Webcam"):
        SoundDeviceSource("Webcam").open()
    with pytest.raises(DeviceNotFoundError, match="output"):
        SoundDeviceSource("USB Mic", "USB Mic").open()
    with pytest.raises(AudioSourceError, match="Invalid sample rate"):
        SoundDeviceSource("USB Mic", sample_rate_hz=12345).open()


def test_silent_stream_is_reported_lost(fake_sd: types.SimpleNamespace) -> None:
    now = [0.0]
    source = SoundDeviceSource("USB Mic", clock=lambda: now[0])
    source.open()
    assert source.read(0.001) is None
    now[0] = 10.0
    with pytest.raises(SourceLostError, match="no audio"):
        source.read(0.001)
    source.close()


def test_portaudio_missing_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def failing_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", failing_import)
    with pytest.raises(PortAudioMissingError, match="libportaudio2"):
        list_devices()


def test_unplugged_mid_stream_delivers_what_was_captured_then_reports_loss(
    fake_sd: types.SimpleNamespace,
) -> None:
    source = SoundDeviceSource("USB Mic", block_frames=4)
    source.open()
    stream = fake_sd.streams[-1]
    stream.deliver(np.full((4, 1), 0.5, np.float32))
    stream.kwargs["finished_callback"]()  # PortAudio ends the stream: device gone
    block = source.read(0.001)
    assert block is not None  # nothing captured before the unplug is lost
    np.testing.assert_array_equal(block.samples, 0.5)
    with pytest.raises(SourceLostError, match="unplugged"):
        source.read(0.001)
    stream.fail_close = True  # closing a vanished device fails; close must not raise
    source.close()
    source.close()
    with pytest.raises(RuntimeError, match="not open"):
        source.read(0.001)


def test_reopening_clears_a_previous_loss(fake_sd: types.SimpleNamespace) -> None:
    source = SoundDeviceSource("USB Mic", block_frames=4)
    source.open()
    fake_sd.streams[-1].kwargs["finished_callback"]()
    source.close()
    source.open()
    assert source.read(0.001) is None  # a fresh stream is not reported lost
    source.close()


def test_input_overflow_reported_by_portaudio_counts_as_overrun(
    fake_sd: types.SimpleNamespace,
) -> None:
    source = SoundDeviceSource(None)
    source.open()
    assert source.name == "default"
    assert fake_sd.streams[-1].kwargs["device"] is None
    stream = fake_sd.streams[-1]
    stream.deliver(np.zeros((2, 1), np.float32), types.SimpleNamespace(input_overflow=True))
    stream.deliver(np.zeros((2, 1), np.float32))
    assert source.overruns == 1
    assert source.read(0.001) is not None  # the overflowing block itself is kept
    source.close()


def test_more_channels_than_the_microphone_has_is_a_clear_error(
    fake_sd: types.SimpleNamespace,
) -> None:
    with pytest.raises(UnsupportedAudioError, match="'USB Mic' has 2 input channel"):
        SoundDeviceSource("USB Mic", channels=4).open()
    assert fake_sd.streams == []  # refused before PortAudio is asked


def test_sounddevice_package_missing_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import raises ImportError
    with pytest.raises(PortAudioMissingError, match="pip install sounddevice"):
        SoundDeviceSource("USB Mic").open()
