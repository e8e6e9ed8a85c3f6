"""Sound detector settings and model metadata checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from custom_components.earshot.engine.inference import ModelLoadError
from custom_components.earshot.engine.sounds.detector import SoundConfig
from custom_components.earshot.engine.sounds.models import read_head_info
from custom_components.earshot.engine.sounds.vocabulary import SOUND_TYPES


def test_per_sound_sensitivity_overrides_the_overall_one() -> None:
    config = SoundConfig(sensitivity="high", per_sound=(("dog_bark", "low"),))
    assert config.sensitivity_for("dog_bark") == "low"
    assert config.sensitivity_for("glass_break") == "high"


def test_head_info_accepts_the_vocabulary_or_a_prefix(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"sounds": list(SOUND_TYPES[:3]), "thresholds": [0.5] * 3}))
    info = read_head_info(path)
    assert info.covers("glass_break")
    assert not info.covers("dog_bark")
    assert info.threshold("co_alarm") == 0.5
    assert info.alarm_check_threshold("co_alarm") == 0.5  # none given: the event thresholds


def test_head_info_reads_separate_alarm_check_thresholds(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    meta = {"sounds": list(SOUND_TYPES[:2]), "thresholds": [0.5, 0.9]}
    path.write_text(json.dumps({**meta, "alarm_check_thresholds": [0.4, 0.6]}))
    info = read_head_info(path)
    assert (info.threshold("co_alarm"), info.alarm_check_threshold("co_alarm")) == (0.9, 0.6)


@pytest.mark.parametrize(
    "meta",
    [
        {"sounds": ["dog_bark", "smoke_alarm"], "thresholds": [0.5, 0.5]},  # wrong order
        {"sounds": list(SOUND_TYPES), "thresholds": [0.5]},  # thresholds missing
        {"sounds": []},
        {"sounds": ["smoke_alarm"], "thresholds": [0.5], "alarm_check_thresholds": [0.5, 0.5]},
    ],
)
def test_head_info_rejects_mismatched_metadata(tmp_path: Path, meta: dict[str, object]) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError):
        read_head_info(path)
    with pytest.raises(ModelLoadError, match="missing or corrupt"):
        read_head_info(tmp_path / "absent.json")
