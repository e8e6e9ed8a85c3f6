import pytest

from earshot_engine.pacing import RealtimePacer

from .helpers import FakeClock


def test_paces_frames_to_the_wall_clock_without_sleeping_in_tests() -> None:
    clock = FakeClock(50.0)
    pacer = RealtimePacer(1000, clock=clock, sleep=clock.sleep)
    assert pacer.wait_until_due(250, 1.0)  # first use starts the clock: due in 0.25 s
    assert clock.slept == [pytest.approx(0.25)]
    assert not pacer.wait_until_due(2000, 0.5)  # 1.75 s away: give up after the timeout
    assert clock.slept[-1] == pytest.approx(0.5)
    clock.now_s += 10.0  # the consumer fell behind: late frames are released at once
    assert pacer.wait_until_due(3000, 0.1)
    assert len(clock.slept) == 2
