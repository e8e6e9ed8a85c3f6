"""Sound detector settings and model metadata checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from custom_components.earshot.engine.inference import ModelLoadError
from custom_components.earshot.engine.sounds.detector import SoundConfig
from custom_components.earshot.engine.sounds.models import (
    EVENTS_NAME,
    MODEL_SUFFIXES,
    MODELS_DIR,
    STAGE1_NAME,
    STAGE2_NAME,
    Stage2,
    load_event_verifier,
    read_head_info,
)
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


def _link_models(target: Path, names: tuple[str, ...]) -> None:
    for name in names:
        for suffix in MODEL_SUFFIXES:
            (target / f"{name}{suffix}").symlink_to(MODELS_DIR / f"{name}{suffix}")


def test_a_models_dir_without_the_event_verifier_confirms_events_with_stage2(
    tmp_path: Path,
) -> None:
    _link_models(tmp_path, (STAGE1_NAME, STAGE2_NAME))  # the layout before the split
    alarm = Stage2(tmp_path, "numpy")
    assert load_event_verifier(tmp_path, "numpy", alarm) is alarm


def test_a_partial_event_verifier_is_a_clear_error(tmp_path: Path) -> None:
    _link_models(tmp_path, (STAGE1_NAME, STAGE2_NAME))
    (tmp_path / f"{EVENTS_NAME}.json").write_text(
        json.dumps({"sounds": list(SOUND_TYPES), "thresholds": [0.5] * len(SOUND_TYPES)})
    )
    with pytest.raises(ModelLoadError, match=f"{EVENTS_NAME}.npz is missing"):
        load_event_verifier(tmp_path, "numpy", Stage2(tmp_path, "numpy"))
