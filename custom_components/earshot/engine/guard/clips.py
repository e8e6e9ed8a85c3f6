"""The clip store: one WAV and one JSON record per incident, bounded by age and size.

Layout: ``<root>/<entry_id>/<YYYY-MM-DD>/<incident_id>.json`` (+ ``.wav``). All methods
block on file IO (Home Assistant calls them in its executor). A full disk or a read-only
directory must never take the integration down: such errors are logged once per kind,
until an operation succeeds again, and reported to the caller as a False/None result.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from ..audio import FloatArray
from ..files import write_atomic
from ..wavio import write_wav
from .incidents import ClipAudio

_LOGGER = logging.getLogger(__name__)

MAX_CLIP_S = 15.0
"""Longest clip kept: pre-roll plus the start of the event is what a person listens to."""
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DEBRIS_AGE_S = 3600.0
"""A file without a record this old is left over from an interrupted write (power cut)."""


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """What is kept about an incident; the JSON file next to the clip."""

    incident_id: str
    entry_id: str
    device: str
    mode: str
    kinds: tuple[str, ...]
    primary: str
    started_at: datetime
    """Timezone-aware wall time of the first detection."""
    updated_at: datetime
    detections: int
    confidence: float
    level_dbfs: float | None = None
    clip: str | None = None
    """File name of the WAV next to the record, None if there is no audio."""
    clip_duration_s: float | None = None
    pre_roll_s: float | None = None
    """Seconds of audio in the clip before the first detection began."""
    false_alarm: bool = False

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times as ISO 8601 strings)."""
        data = asdict(self)
        data["kinds"] = list(self.kinds)
        data["started_at"] = self.started_at.isoformat()
        data["updated_at"] = self.updated_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IncidentRecord:
        """Parse what :meth:`to_json` wrote; raises KeyError/ValueError/TypeError if corrupt."""
        fields = dict(data)
        fields["kinds"] = tuple(str(kind) for kind in fields["kinds"])
        fields["started_at"] = datetime.fromisoformat(fields["started_at"])
        fields["updated_at"] = datetime.fromisoformat(fields["updated_at"])
        return cls(**fields)


def is_safe_id(value: str) -> bool:
    """Whether an id may be used as a path component (blocks path traversal)."""
    return bool(_SAFE_ID.match(value))


def mono_clip(clip: ClipAudio, max_duration_s: float = MAX_CLIP_S) -> FloatArray:
    """The clip mixed to mono and cut to ``max_duration_s`` (keeping the pre-roll)."""
    samples = np.asarray(clip.samples, dtype=np.float32)
    if samples.ndim == 2:
        samples = samples.mean(axis=1, dtype=np.float32)
    return samples[: int(max_duration_s * clip.sample_rate_hz)]


class _ErrorLatch:
    """Logs the first error of each kind, then stays quiet until that operation succeeds."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, int | None]] = set()
        self.errors = 0

    def report(self, operation: str, err: OSError) -> None:
        self.errors += 1
        key = (operation, err.errno)
        if key in self._seen:
            _LOGGER.debug("Earshot clip store: could not %s again: %s", operation, err)
            return
        self._seen.add(key)
        _LOGGER.warning(
            "Earshot could not %s in its clip store (%s); further errors of this kind are "
            "not logged until it works again",
            operation,
            err,
        )

    def ok(self, operation: str) -> None:
        self._seen = {key for key in self._seen if key[0] != operation}


@dataclass(frozen=True, slots=True)
class Retention:
    """How much history an entry keeps."""

    max_age_days: float
    max_bytes: int


class ClipStore:
    """Incident records and clips of all entries under one directory.

    Retention is per entry (each entry has its own options), so it is passed in.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._errors = _ErrorLatch()

    @property
    def error_count(self) -> int:
        """How many file operations failed since start (for diagnostics)."""
        return self._errors.errors

    # -- writing -------------------------------------------------------------------------

    def save(
        self, record: IncidentRecord, clip: ClipAudio | None, retention: Retention
    ) -> IncidentRecord | None:
        """Store a new incident; returns the record as stored, or None if nothing could be.

        If the clip cannot be written (disk full) the record is still kept without audio.
        The entry's oldest incidents are removed first when the new clip would not fit.
        """
        if not (is_safe_id(record.entry_id) and is_safe_id(record.incident_id)):
            raise ValueError("entry and incident ids must be simple names")
        folder = self._folder(record)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            self._errors.report("create a folder", err)
            return None
        written: Path | None = None
        if clip is not None and clip.samples.size:
            samples = mono_clip(clip)
            self._enforce_size(record.entry_id, retention.max_bytes - samples.size * 2 - 4096)
            wav = folder / f"{record.incident_id}.wav"
            rate_hz = clip.sample_rate_hz
            if self._write("write a clip", lambda: write_wav(wav, samples, rate_hz)):
                written = wav
                record = replace(
                    record,
                    clip=wav.name,
                    clip_duration_s=samples.size / clip.sample_rate_hz,
                    pre_roll_s=min(clip.pre_roll_s, samples.size / clip.sample_rate_hz),
                )
        if self._write_record(record):
            return record
        if written is not None:  # audio nobody could list, review or expire
            with contextlib.suppress(OSError):
                written.unlink()
        return None

    def update(self, record: IncidentRecord) -> bool:
        """Rewrite an existing incident's record (continuing incident, false-alarm mark)."""
        if self._json_path(record.entry_id, record.incident_id) is None:
            return False
        return self._write_record(record)

    def _write_record(self, record: IncidentRecord) -> bool:
        payload = json.dumps(record.to_json(), indent=1, sort_keys=True)
        path = self._folder(record) / f"{record.incident_id}.json"
        return self._write(
            "write a record",
            lambda: write_atomic(path, lambda p: p.write_text(payload, encoding="utf-8")),
        )

    def _write(self, operation: str, write: Callable[[], object]) -> bool:
        """Run an atomic write; a disk error is reported (once) and returns False."""
        try:
            write()
        except OSError as err:
            self._errors.report(operation, err)
            return False
        self._errors.ok(operation)
        return True

    def _folder(self, record: IncidentRecord) -> Path:
        return self.root / record.entry_id / record.started_at.date().isoformat()

    # -- reading -------------------------------------------------------------------------

    def records(self, entry_id: str | None = None) -> list[IncidentRecord]:
        """All readable records (of one entry, or all), newest first."""
        found = [record for _, record in self._scan(entry_id)]
        return sorted(found, key=lambda r: r.started_at, reverse=True)

    def get(self, entry_id: str, incident_id: str) -> IncidentRecord | None:
        """One record, or None if unknown."""
        path = self._json_path(entry_id, incident_id)
        return None if path is None else self._load(path)

    def clip_path(self, entry_id: str, incident_id: str) -> Path | None:
        """The WAV file of an incident, or None if it has none."""
        record = self.get(entry_id, incident_id)
        path = self._json_path(entry_id, incident_id)
        if record is None or record.clip is None or path is None:
            return None
        wav = path.with_name(record.clip)
        return wav if wav.is_file() else None

    def total_bytes(self, entry_id: str | None = None) -> int:
        """Size of everything in the store (of one entry, or all)."""
        return sum(size for _, size in self._files(entry_id))

    def _json_path(self, entry_id: str, incident_id: str) -> Path | None:
        if not (is_safe_id(entry_id) and is_safe_id(incident_id)):
            return None
        try:
            return next((self.root / entry_id).glob(f"*/{incident_id}.json"), None)
        except OSError:
            return None

    def _scan(self, entry_id: str | None = None) -> Iterator[tuple[Path, IncidentRecord]]:
        if entry_id is not None and not is_safe_id(entry_id):
            return
        pattern = f"{entry_id}/*/*.json" if entry_id else "*/*/*.json"
        try:
            paths = sorted(self.root.glob(pattern))
        except OSError as err:
            self._errors.report("list clips", err)
            return
        for path in paths:
            record = self._load(path)
            if record is not None:
                yield path, record

    def _load(self, path: Path) -> IncidentRecord | None:
        try:
            return IncidentRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
        except OSError as err:
            self._errors.report("read a record", err)
        except (ValueError, KeyError, TypeError) as err:
            _LOGGER.debug("Skipping unreadable incident record %s: %s", path, err)
        return None

    def _files(self, entry_id: str | None = None) -> Iterator[tuple[Path, int]]:
        if entry_id is not None and not is_safe_id(entry_id):
            return
        try:
            for path in self.root.glob(f"{entry_id or '*'}/*/*"):
                yield path, path.stat().st_size
        except OSError as err:
            self._errors.report("measure the clips", err)

    # -- deleting ------------------------------------------------------------------------

    def delete(self, entry_id: str, incident_id: str) -> bool:
        """Delete one incident's clip and record; False if unknown or not deletable."""
        path = self._json_path(entry_id, incident_id)
        return path is not None and self._remove_incident(path)

    def delete_entry(self, entry_id: str) -> int:
        """Delete every incident of an entry; returns how many were removed."""
        if not is_safe_id(entry_id):
            return 0
        return self._remove_tree(self.root / entry_id)

    def delete_all(self) -> int:
        """Delete every incident of every entry; returns how many were removed."""
        try:
            entries = [p for p in self.root.iterdir() if p.is_dir()]
        except FileNotFoundError:
            return 0
        except OSError as err:
            self._errors.report("list clips", err)
            return 0
        return sum(self._remove_tree(entry) for entry in entries)

    def _remove_tree(self, folder: Path) -> int:
        try:
            count = sum(1 for _ in folder.glob("*/*.json"))
        except OSError:
            count = 0
        if not folder.exists():
            return 0
        try:
            shutil.rmtree(folder)
        except OSError as err:
            self._errors.report("delete clips", err)
            return 0
        return count

    def _remove_incident(self, json_path: Path) -> bool:
        stem = json_path.stem
        try:
            for sibling in json_path.parent.glob(f"{stem}.*"):
                sibling.unlink()
            if not any(json_path.parent.iterdir()):
                json_path.parent.rmdir()
        except OSError as err:
            self._errors.report("delete clips", err)
            return False
        return True

    # -- retention -----------------------------------------------------------------------

    def enforce_retention(self, entry_id: str, retention: Retention, now: datetime) -> int:
        """Remove an entry's expired incidents, then its oldest beyond its size limit.

        Returns how many incidents were removed.
        """
        removed = 0
        cutoff = now - timedelta(days=retention.max_age_days)
        for path, record in self._scan(entry_id):
            if record.started_at < cutoff and self._remove_incident(path):
                removed += 1
        self._remove_debris(entry_id, now.timestamp() - DEBRIS_AGE_S)
        return removed + self._enforce_size(entry_id, retention.max_bytes)

    def _remove_debris(self, entry_id: str, before_s: float) -> None:
        """Delete files with no record (a ``.part``, a clip whose record was never written)."""
        for path, _ in list(self._files(entry_id)):
            if path.with_name(path.name.split(".")[0] + ".json").exists():
                continue
            try:
                if path.is_file() and path.stat().st_mtime < before_s:
                    path.unlink()
            except OSError as err:
                self._errors.report("delete clips", err)

    def _enforce_size(self, entry_id: str, budget_bytes: int) -> int:
        total = self.total_bytes(entry_id)
        if total <= budget_bytes:
            return 0
        removed = 0
        oldest_first = sorted(self._scan(entry_id), key=lambda item: item[1].started_at)
        for path, _ in oldest_first:
            if total <= budget_bytes:
                break
            size = _incident_bytes(path)
            if self._remove_incident(path):
                total -= size
                removed += 1
        return removed


def _incident_bytes(json_path: Path) -> int:
    try:
        return sum(p.stat().st_size for p in json_path.parent.glob(f"{json_path.stem}.*"))
    except OSError:
        return 0
