import numpy as np
import pytest

from earshot_engine.audio import AudioBlock, AudioFormat, OutputMixer


class Constant:
    def __init__(self, value: float) -> None:
        self.value = value

    def render_into(self, out: np.ndarray, start_frame: int, sample_rate_hz: int) -> None:
        out += self.value


def test_mixer_sums_emitters_once_each_and_caps_the_speaker() -> None:
    mixer = OutputMixer(limit=0.5)
    quiet, loud = Constant(0.125), Constant(0.75)
    assert not np.any(mixer.render(4, 0, 48_000))  # nothing attached: silence
    mixer.attach(quiet)
    mixer.attach(quiet)  # attaching twice does not play it twice
    np.testing.assert_array_equal(mixer.render(4, 0, 48_000), 0.125)
    mixer.attach(loud)
    np.testing.assert_array_equal(mixer.render(4, 0, 48_000), 0.5)  # hard-limited
    mixer.detach(loud)
    mixer.detach(loud)  # detaching what is not attached is a no-op
    np.testing.assert_array_equal(mixer.render(4, 0, 48_000), 0.125)


@pytest.mark.parametrize(("rate", "channels"), [(0, 1), (-48_000, 1), (48_000, 0)])
def test_impossible_formats_are_refused(rate: int, channels: int) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        AudioFormat(rate, channels)


def test_block_times_follow_the_sample_clock() -> None:
    block = AudioBlock(np.zeros((480, 2), np.float32), 48_000, 96_000)
    assert (block.frames, block.channels) == (480, 2)
    assert block.start_s == 2.0
    assert block.end_s == pytest.approx(2.01)
