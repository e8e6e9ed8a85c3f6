"""Rendering scene pools in parallel, cached per scene under models/.cache/presence/.

The cache keeps each scene's baseband (what the detector's demodulator outputs), so
features, labels and trust are recomputed from it in well under a second per scene.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from models.presence.data import Job, Rendering, SceneData, make_scene, render_baseband, scene_data

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "presence"
VERSION = 2
"""Bump when rendering changes (not needed for feature changes: features come from baseband)."""


def _path(job: Job) -> Path:
    return CACHE / f"v{VERSION}-{job.split}-{job.kind}-{job.index}-{job.duration_s:g}.npz"


def load_rendering(job: Job) -> Rendering:
    """The baseband of a job's scene, rendered once and cached."""
    path = _path(job)
    if path.exists():
        with np.load(path) as z:
            return Rendering(
                baseband=z["baseband"],
                rate_hz=float(z["rate_hz"]),
                sample_period_s=float(z["sample_period_s"]),
                clipped_s=z["clipped_s"],
            )
    rendering = render_baseband(job, make_scene(job))
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(
        tmp,
        baseband=rendering.baseband,
        rate_hz=rendering.rate_hz,
        sample_period_s=rendering.sample_period_s,
        clipped_s=rendering.clipped_s,
    )
    tmp.replace(path)
    return rendering


def load_or_render(job: Job) -> SceneData:
    """Scene data of a job (features from the cached baseband)."""
    return scene_data(job, load_rendering(job), make_scene(job))


def render_pool(jobs: Sequence[Job], workers: int | None = None) -> list[SceneData]:
    """Scene data of many jobs, using ``workers`` processes (default: all cores)."""
    count = workers or os.cpu_count() or 1
    if count <= 1:
        return [load_or_render(job) for job in jobs]
    with multiprocessing.get_context("fork").Pool(count) as pool:
        return pool.map(load_or_render, jobs, chunksize=1)
