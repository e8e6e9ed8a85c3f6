import pytest

from earshot_engine.pacing import RealtimePacer


def test_paces_frames_to_the_wall_clock_without_sleeping_in_tests() -> None:
    now = [50.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = RealtimePacer(1000, clock=lambda: now[0], sleep=sleep)
    assert pacer.wait_until_due(250, 1.0)  # first use starts the clock: due in 0.25 s
    assert slept == [pytest.approx(0.25)]
    assert not pacer.wait_until_due(2000, 0.5)  # 1.75 s away: give up after the timeout
    assert slept[-1] == pytest.approx(0.5)
    now[0] += 10.0  # the consumer fell behind: late frames are released at once
    assert pacer.wait_until_due(3000, 0.1)
    assert len(slept) == 2
