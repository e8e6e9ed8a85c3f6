"""The clip store: saving, listing, retention, deletion and disk errors."""

from __future__ import annotations

import errno
import logging
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from earshot_engine.guard import clips as clips_module
from earshot_engine.guard.clips import ClipStore, IncidentRecord, Retention
from earshot_engine.guard.incidents import ClipAudio
from earshot_engine.wavio import read_wav

NOW = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
RATE_HZ = 16_000


def _record(
    incident_id: str, started_at: datetime = NOW, entry_id: str = "entry1"
) -> IncidentRecord:
    return IncidentRecord(
        incident_id=incident_id,
        entry_id=entry_id,
        device="Living room",
        mode="away",
        kinds=("glass_break",),
        primary="glass_break",
        started_at=started_at,
        updated_at=started_at,
        detections=1,
        confidence=0.9,
        level_dbfs=-12.0,
    )


def _clip(seconds: float = 12.0, pre_roll_s: float = 5.0) -> ClipAudio:
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return ClipAudio(np.stack([tone, tone], axis=1), RATE_HZ, start_s=95.0, pre_roll_s=pre_roll_s)


KEEP = Retention(max_age_days=30, max_bytes=50_000_000)


def _store(tmp_path: Path) -> ClipStore:
    return ClipStore(tmp_path / "clips")


def test_save_writes_mono_wav_and_record(tmp_path: Path) -> None:
    store = _store(tmp_path)
    saved = store.save(_record("a1"), _clip(), KEEP)
    assert saved is not None
    assert saved.clip == "a1.wav"
    assert saved.pre_roll_s == 5.0
    assert saved.clip_duration_s == pytest.approx(12.0)
    wav = store.clip_path("entry1", "a1")
    assert wav == tmp_path / "clips" / "entry1" / "2026-11-21" / "a1.wav"
    samples, rate = read_wav(wav)
    assert rate == RATE_HZ
    assert samples.shape == (12 * RATE_HZ, 1)
    assert np.max(np.abs(samples)) == pytest.approx(0.3, abs=1e-3)
    assert store.get("entry1", "a1") == saved
    assert not list(wav.parent.glob("*.part"))


def test_clip_is_cut_to_fifteen_seconds(tmp_path: Path) -> None:
    saved = _store(tmp_path).save(_record("long"), _clip(seconds=40.0), KEEP)
    assert saved is not None
    assert saved.clip_duration_s == pytest.approx(15.0)


def test_record_without_audio(tmp_path: Path) -> None:
    store = _store(tmp_path)
    saved = store.save(_record("quiet"), None, KEEP)
    assert saved is not None
    assert saved.clip is None
    assert store.clip_path("entry1", "quiet") is None


def test_records_newest_first_update_and_false_alarm(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.save(_record("old", NOW - timedelta(days=1)), None, KEEP)
    store.save(_record("new"), None, KEEP)
    assert [r.incident_id for r in store.records()] == ["new", "old"]
    assert store.update(replace(_record("old", NOW - timedelta(days=1)), false_alarm=True))
    old = store.get("entry1", "old")
    assert old is not None
    assert old.false_alarm
    assert not store.update(_record("never-saved"))


def test_delete_one_entry_and_all(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for name in ("a", "b"):
        store.save(_record(name), _clip(1.0), KEEP)
    store.save(_record("c", entry_id="entry2"), _clip(1.0), KEEP)
    assert store.delete("entry1", "a")
    assert not store.delete("entry1", "a")
    assert store.get("entry1", "a") is None
    assert not list((tmp_path / "clips" / "entry1").glob("*/a.*"))
    assert store.delete_entry("entry1") == 1
    assert store.records("entry1") == []
    assert [r.incident_id for r in store.records()] == ["c"]
    assert store.delete_all() == 1
    assert store.records() == []
    assert store.total_bytes() == 0


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", "x" * 65, ".."])
def test_unsafe_ids_never_touch_the_filesystem(tmp_path: Path, bad: str) -> None:
    store = _store(tmp_path)
    victim = tmp_path / "victim.json"
    victim.write_text("{}")
    assert not store.delete(bad, "victim")
    assert not store.delete("entry1", bad)
    assert store.get(bad, "x") is None
    assert store.delete_entry(bad) == 0
    assert victim.exists()
    with pytest.raises(ValueError, match="simple names"):
        store.save(_record(bad if bad else "ok", entry_id=bad or "ok/.."), None, KEEP)


def test_retention_by_age(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.save(_record("ancient", NOW - timedelta(days=8)), _clip(1.0), KEEP)
    store.save(_record("recent", NOW - timedelta(days=6)), _clip(1.0), KEEP)
    store.save(_record("other", NOW - timedelta(days=8), entry_id="entry2"), None, KEEP)
    week = Retention(max_age_days=7, max_bytes=KEEP.max_bytes)
    assert store.enforce_retention("entry1", week, NOW) == 1
    assert [r.incident_id for r in store.records("entry1")] == ["recent"]
    # Another entry's history follows that entry's own retention.
    assert [r.incident_id for r in store.records("entry2")] == ["other"]
    assert store.delete_entry("entry2") == 1
    assert [r.incident_id for r in store.records()] == ["recent"]
    assert not (
        tmp_path / "clips" / "entry1" / (NOW - timedelta(days=8)).date().isoformat()
    ).exists()


def test_retention_by_size_removes_oldest_first(tmp_path: Path) -> None:
    one_clip_bytes = 2 * 2 * RATE_HZ  # 2 s of 16-bit mono
    store = _store(tmp_path)
    small = Retention(max_age_days=30, max_bytes=int(2.5 * one_clip_bytes))
    for minutes, name in enumerate(["first", "second", "third"]):
        saved = store.save(_record(name, NOW + timedelta(minutes=minutes)), _clip(2.0), small)
        assert saved is not None
    # Saving the third made room by deleting the oldest.
    assert [r.incident_id for r in store.records()] == ["third", "second"]
    smaller = Retention(max_age_days=30, max_bytes=one_clip_bytes + 2048)
    assert store.enforce_retention("entry1", smaller, NOW) == 1
    assert [r.incident_id for r in store.records()] == ["third"]
    assert store.total_bytes() <= smaller.max_bytes


def test_disk_full_is_logged_once_and_never_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(clips_module, "write_wav", full)
    store = _store(tmp_path)
    with caplog.at_level(logging.WARNING):
        first = store.save(_record("a"), _clip(1.0), KEEP)
        second = store.save(_record("b"), _clip(1.0), KEEP)
    # The record is kept without audio, no partial file is left behind.
    assert first is not None
    assert first.clip is None
    assert second is not None
    assert second.clip is None
    assert not list((tmp_path / "clips").rglob("*.part"))
    warnings = [r for r in caplog.records if "No space left" in r.getMessage()]
    assert len(warnings) == 1
    assert store.error_count == 2


def test_read_only_directory_is_logged_once_and_never_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Tests may run as root, where chmod does not stop writes: refuse mkdir instead.
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", refuse)
    store = _store(tmp_path)
    with caplog.at_level(logging.WARNING):
        assert store.save(_record("a"), _clip(1.0), KEEP) is None
        assert store.save(_record("b"), _clip(1.0), KEEP) is None
    assert len([r for r in caplog.records if "Permission denied" in r.getMessage()]) == 1
    assert store.records() == []
    assert store.enforce_retention("entry1", KEEP, NOW) == 0


def test_undeletable_files_are_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path)
    store.save(_record("a"), _clip(1.0), KEEP)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Path, "unlink", refuse)
    monkeypatch.setattr(clips_module.shutil, "rmtree", refuse)
    assert not store.delete("entry1", "a")
    assert store.delete_entry("entry1") == 0
    assert store.delete_all() == 0
    assert store.enforce_retention("entry1", KEEP, NOW + timedelta(days=365)) == 0
    assert store.get("entry1", "a") is not None


def test_corrupt_record_is_skipped(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.save(_record("good"), None, KEEP)
    (tmp_path / "clips" / "entry1" / "2026-11-21" / "bad.json").write_text("{not json")
    assert [r.incident_id for r in store.records()] == ["good"]


def test_real_read_only_directory(tmp_path: Path) -> None:
    """A clips root that is a file (like a read-only mount) fails softly."""
    (tmp_path / "clips").write_text("not a directory")
    store = _store(tmp_path)
    assert store.save(_record("a"), _clip(1.0), KEEP) is None
    assert store.records() == []
    assert store.delete_all() == 0


def test_a_clip_whose_record_cannot_be_written_is_not_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(clips_module, "write_atomic", full)  # records only; the WAV is written
    store = _store(tmp_path)
    assert store.save(_record("a"), _clip(1.0), KEEP) is None
    assert [p.name for p in (tmp_path / "clips").rglob("*") if p.is_file()] == []


def test_retention_removes_debris_of_interrupted_writes(tmp_path: Path) -> None:
    store = _store(tmp_path)
    kept = store.save(_record("kept"), _clip(1.0), KEEP)
    assert kept is not None
    folder = tmp_path / "clips" / "entry1" / NOW.date().isoformat()
    hour_ago = NOW.timestamp() - 2 * 3600
    for name in ("cut.wav.part", "lost.wav", "kept.json.part"):
        (folder / name).write_bytes(b"x" * 100)
        os.utime(folder / name, (hour_ago, hour_ago))
    (folder / "writing.wav.part").write_bytes(b"x")  # a write in progress right now
    os.utime(folder / "writing.wav.part", (NOW.timestamp(), NOW.timestamp()))
    os.utime(folder / "kept.wav", (hour_ago, hour_ago))
    assert store.enforce_retention("entry1", KEEP, NOW) == 0
    assert sorted(p.name for p in folder.iterdir()) == [
        "kept.json",
        "kept.json.part",  # belongs to a listed incident: goes when it goes
        "kept.wav",
        "writing.wav.part",
    ]
    assert store.clip_path("entry1", "kept") == folder / "kept.wav"


def test_an_unreadable_store_lists_nothing_and_never_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = _store(tmp_path)
    store.save(_record("a"), _clip(1.0), KEEP)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    with monkeypatch.context() as patched, caplog.at_level(logging.WARNING):
        patched.setattr(Path, "read_text", refuse)
        assert store.records() == []  # each record unreadable
        assert store.get("entry1", "a") is None
        patched.setattr(Path, "glob", refuse)
        patched.setattr(Path, "iterdir", refuse)
        assert store.records() == []
        assert store.clip_path("entry1", "a") is None
        assert store.total_bytes() == 0
        assert store.delete("entry1", "a") is False
        assert store.delete_all() == 0
        assert store.enforce_retention("entry1", KEEP, NOW) == 0
    assert store.error_count >= 4
    # One warning per kind of failure, however often it happens.
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == len(set(messages)) <= 4
    assert store.get("entry1", "a") is not None  # nothing was lost meanwhile
