"""Rendering scene pools in parallel, cached per scene under models/.cache/presence/."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from models.presence.data import Job, SceneData, scene_data

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "presence"
FIELDS = ("features", "times_s", "carrier_db", "baseline_db", "baseline_spread_hz", "labels")


def _path(job: Job) -> Path:
    return CACHE / f"{job.split}-{job.kind}-{job.index}-{job.duration_s:g}.npz"


def load_or_render(job: Job) -> SceneData:
    """Scene data of a job, rendered once and cached."""
    path = _path(job)
    if path.exists():
        with np.load(path) as z:
            return SceneData(**{name: z[name] for name in FIELDS})
    data = scene_data(job)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **{name: getattr(data, name) for name in FIELDS})
    tmp.replace(path)
    return data


def render_pool(jobs: Sequence[Job], workers: int | None = None) -> list[SceneData]:
    """Scene data of many jobs, using ``workers`` processes (default: all cores)."""
    count = workers or os.cpu_count() or 1
    if count <= 1:
        return [load_or_render(job) for job in jobs]
    with multiprocessing.get_context("fork").Pool(count) as pool:
        return pool.map(load_or_render, jobs, chunksize=1)
