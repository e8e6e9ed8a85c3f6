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
)
from earshot_engine.sound_device import SoundDeviceSource, list_devices


class FakeStream:
    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.started = False
        self.closed = False

    def start(self) -> None:
        if self.kwargs["samplerate"] == 12345:
            raise RuntimeError("Invalid sample rate")
        self.started = True

    def abort(self) -> None:
        self.started = False

    def close(self) -> None:
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

    def make(**kwargs: Any) -> FakeStream:
        stream = FakeStream(**kwargs)
        module.streams.append(stream)
        return stream

    module.InputStream = make
    module.Stream = make
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
    class Tone:
        def render_into(self, out: np.ndarray, start_frame: int, rate: int) -> None:
            out += 0.25

    source = SoundDeviceSource("USB Mic", "Speaker", channels=2, block_frames=4)
    source.output.attach(Tone())
    source.open()
    stream = fake_sd.streams[-1]
    assert stream.kwargs["device"] == (0, 1)
    outdata = np.zeros((4, 1), np.float32)
    stream.kwargs["callback"](np.ones((4, 2), np.float32), outdata, None, None)
    block = source.read(0.1)
    assert block is not None
    assert block.samples.shape == (4, 2)
    assert block.start_frame == 0
    np.testing.assert_allclose(outdata, 0.25)
    assert source.has_output
    source.close()
    assert stream.closed


def test_overruns_are_counted_not_queued_forever(fake_sd: types.SimpleNamespace) -> None:
    source = SoundDeviceSource(0, block_frames=2)
    source.open()
    callback = fake_sd.streams[-1].kwargs["callback"]
    for _ in range(40):
        callback(np.zeros((2, 1), np.float32), None, None)
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
