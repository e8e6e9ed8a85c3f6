import io
import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from earshot_engine.cli import main
from earshot_engine.wavio import write_wav


def _run(argv: list[str]) -> tuple[int, list[dict[str, object]]]:
    out = io.StringIO()
    code = main(argv, out)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_analyze_prints_the_level_track(tmp_path: Path) -> None:
    t = np.arange(3 * 16_000) / 16_000
    write_wav(tmp_path / "tone.wav", (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16_000)
    code, records = _run(["analyze", str(tmp_path / "tone.wav"), "--kinds", "level"])
    assert code == 0
    assert [r["start"] for r in records] == [0.0, 1.0, 2.0]
    assert records[0] == {
        "file": str(tmp_path / "tone.wav"),
        "kind": "level",
        "start": 0.0,
        "end": 1.0,
        "level_dbfs": -23.0,
        "peak_dbfs": -20.0,
    }


def test_bad_files_exit_2_and_others_still_processed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.wav").write_bytes(b"not audio")
    write_wav(tmp_path / "ok.wav", np.zeros(16_000, np.float32), 16_000)
    code, records = _run(
        [
            "analyze",
            str(tmp_path / "bad.wav"),
            str(tmp_path / "missing.wav"),
            str(tmp_path / "ok.wav"),
            "--kinds",
            "level",
        ]
    )
    assert code == 2
    assert {r["file"] for r in records} == {str(tmp_path / "ok.wav")}
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2
    assert "bad.wav" in errors[0]
    assert "not a WAV" in errors[0]
    assert "missing.wav" in errors[1]


def test_unknown_kind_is_rejected() -> None:
    assert main(["analyze", "x.wav", "--kinds", "colour"], io.StringIO()) == 2


def test_devices_lists_or_explains(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = types.SimpleNamespace(
        query_hostapis=lambda: [{"name": "ALSA"}],
        query_devices=lambda: [
            {
                "index": 3,
                "name": "USB Mic",
                "hostapi": 0,
                "max_input_channels": 1,
                "max_output_channels": 0,
                "default_samplerate": 44100.0,
            }
        ],
    )
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    code, records = _run(["devices", "--json"])
    assert code == 0
    assert records == [
        {
            "index": 3,
            "name": "USB Mic",
            "hostapi": "ALSA",
            "inputs": 1,
            "outputs": 0,
            "default_sample_rate_hz": 44100.0,
        }
    ]
    out = io.StringIO()
    assert main(["devices"], out) == 0
    assert "USB Mic" in out.getvalue()

    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import fails like a missing package
    assert main(["devices"], io.StringIO()) == 2
    assert "sounddevice" in capsys.readouterr().err


def test_simulate_renders_a_scene_that_analyze_reads(tmp_path: Path) -> None:
    out_file = tmp_path / "walk.wav"
    code = main(
        ["simulate", "walk", "--out", str(out_file), "--seconds", "2", "--seed", "3"], io.StringIO()
    )
    assert code == 0
    code, records = _run(["analyze", str(out_file), "--kinds", "level"])
    assert code == 0
    assert [r["end"] for r in records] == [1.0, 2.0]
    assert all(-80 < float(r["level_dbfs"]) < 0 for r in records)  # type: ignore[arg-type]


def test_simulate_rejects_unknown_scene_and_unwritable_output(tmp_path: Path) -> None:
    assert main(["simulate", "volcano", "--out", str(tmp_path / "x.wav")], io.StringIO()) == 2
    assert (
        main(
            [
                "simulate",
                "walk",
                "--seconds",
                "0.1",
                "--out",
                str(tmp_path / "no" / "dir" / "x.wav"),
            ],
            io.StringIO(),
        )
        == 2
    )


def test_analyze_reports_walking_motion_in_a_simulated_walk(tmp_path: Path) -> None:
    out_file = tmp_path / "walk.wav"
    assert main(["simulate", "walk", "--out", str(out_file), "--seconds", "8"], io.StringIO()) == 0
    code, records = _run(["analyze", str(out_file), "--kinds", "motion"])
    assert code == 0
    assert records
    first = records[0]
    assert set(first) == {"file", "kind", "level", "start", "end"}
    assert first["kind"] == "motion"
    assert first["level"] == "major"
    assert 2.0 < float(first["start"]) < 4.0  # type: ignore[arg-type]  # the walk starts at 2.6 s


def test_simulate_can_record_the_playback_reference_that_analyze_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "walk_ref.wav"
    args = ["simulate", "walk", "--out", str(out_file), "--seconds", "8", "--reference-channel"]
    assert main(args, io.StringIO()) == 0
    assert "3 channels (playback reference in channel 2)" in capsys.readouterr().err
    code, records = _run(
        ["analyze", str(out_file), "--kinds", "motion", "--reference-channel", "2"]
    )
    assert code == 0
    assert records
    assert records[0]["level"] == "major"
    assert 2.0 < float(records[0]["start"]) < 4.0  # type: ignore[arg-type]


def test_motion_needs_a_carrier_that_fits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_wav(tmp_path / "low.wav", np.zeros(16_000, np.float32), 16_000)
    write_wav(tmp_path / "quiet48.wav", np.zeros((48_000, 1), np.float32), 48_000)
    # default kinds: a 16 kHz recording simply has no motion records
    assert (
        main(["analyze", str(tmp_path / "low.wav"), "--kinds", "level,motion"], io.StringIO()) == 2
    )
    assert "cannot hold an ultrasonic carrier" in capsys.readouterr().err
    assert (
        main(["analyze", str(tmp_path / "quiet48.wav"), "--carrier", "30000"], io.StringIO()) == 2
    )
    assert "does not fit" in capsys.readouterr().err
    code, records = _run(["analyze", str(tmp_path / "quiet48.wav"), "--kinds", "level,motion"])
    assert code == 2
    assert "no steady ultrasonic carrier" in capsys.readouterr().err
    assert {r["kind"] for r in records} == {"level"}  # other kinds still printed


def test_default_kinds_skip_motion_quietly_where_there_is_no_carrier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_wav(tmp_path / "low.wav", np.zeros(16_000, np.float32), 16_000)
    write_wav(tmp_path / "quiet48.wav", np.zeros((48_000, 1), np.float32), 48_000)
    code, records = _run(["analyze", str(tmp_path / "low.wav"), str(tmp_path / "quiet48.wav")])
    assert code == 0  # nobody asked for motion: a recording without a carrier is no error
    assert {r["kind"] for r in records} == {"level"}
    assert {r["file"] for r in records} == {
        str(tmp_path / "low.wav"),
        str(tmp_path / "quiet48.wav"),
    }
    err = capsys.readouterr().err
    assert "quiet48.wav: motion skipped" in err
    assert "low.wav" not in err  # too low a rate for ultrasound: nothing to say


def test_a_model_that_cannot_load_is_a_one_line_error_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from earshot_engine.inference import ModelLoadError
    from earshot_engine.sounds import offline

    def broken(*_args: object, **_kwargs: object) -> list[object]:
        raise ModelLoadError("cannot read sounds_stage1.npz: No such file")

    monkeypatch.setattr(offline, "analyze_sounds", broken)
    write_wav(tmp_path / "a.wav", np.zeros(16_000, np.float32), 16_000)
    code, records = _run(["analyze", str(tmp_path / "a.wav"), "--kinds", "level,sound"])
    assert code == 2
    assert [r["kind"] for r in records] == ["level"]  # what could be analysed still is
    assert "a.wav: sound: cannot read sounds_stage1.npz" in capsys.readouterr().err


@pytest.mark.parametrize("models", ["standard", "extended"])
def test_analyze_hears_a_smoke_alarm_with_either_sound_model_set(
    tmp_path: Path, models: str
) -> None:
    from earshot_engine.simulation.household import smoke_alarm

    period = smoke_alarm(np.random.default_rng(1), 16_000, 4.0, "piezo")
    x = np.concatenate([np.zeros(16_000), np.tile(period, 4), np.zeros(16_000)])
    noise = 1e-3 * np.random.default_rng(2).normal(size=x.size)
    write_wav(
        tmp_path / "alarm.wav", (0.3 * x / np.max(np.abs(x)) + noise).astype(np.float32), 16_000
    )
    argv = ["analyze", str(tmp_path / "alarm.wav"), "--kinds", "sound", "--sound-models", models]
    code, records = _run(argv)
    assert code == 0
    assert [r["type"] for r in records] == ["smoke_alarm"]
