import numpy as np
import pytest

from earshot_engine.audio import AudioBlock
from earshot_engine.level import SILENCE_DBFS, LevelMeter, power_to_dbfs


def _blocks(signal: np.ndarray, rate: int, block: int) -> list[AudioBlock]:
    return [
        AudioBlock(signal[i : i + block].astype(np.float32), rate, i)
        for i in range(0, len(signal), block)
    ]


def test_full_scale_sine_is_minus_3_dbfs() -> None:
    t = np.arange(48_000) / 48_000
    sine = np.sin(2 * np.pi * 1000 * t).astype(np.float32)[:, None]
    (reading,) = LevelMeter(1.0).process(AudioBlock(sine, 48_000, 0))
    assert reading.level_dbfs == pytest.approx(-3.01, abs=0.01)
    assert reading.peak_dbfs == pytest.approx(0.0, abs=0.01)
    assert power_to_dbfs(0.0) == SILENCE_DBFS
    assert power_to_dbfs(1e-30) == SILENCE_DBFS  # floored, not -300 dBFS


def test_meter_reports_once_per_interval_of_stream_time() -> None:
    rate = 16_000
    t = np.arange(rate * 3) / rate
    signal = np.where(t < 1.5, 0.1, 0.01)[:, None] * np.sin(2 * np.pi * 500 * t)[:, None]
    meter = LevelMeter(interval_s=1.0)
    readings = [r for b in _blocks(signal, rate, 800) for r in meter.process(b)]
    assert [r.time_s for r in readings] == pytest.approx([1.0, 2.0, 3.0])
    assert readings[0].level_dbfs == pytest.approx(-23.0, abs=0.1)
    assert readings[2].level_dbfs == pytest.approx(-43.0, abs=0.1)
    assert readings[0].peak_dbfs == pytest.approx(-20.0, abs=0.1)


def test_meter_ignores_nan_and_reset_restarts() -> None:
    meter = LevelMeter(interval_s=0.5)
    bad = np.full((8000, 1), np.nan, dtype=np.float32)
    (reading,) = meter.process(AudioBlock(bad, 16_000, 0))
    assert reading.level_dbfs == SILENCE_DBFS
    meter.reset()
    assert meter.process(AudioBlock(np.zeros((100, 1), np.float32), 16_000, 100_000)) == ()
