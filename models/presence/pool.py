"""Rendering scene pools in parallel, cached per scene under models/.cache/presence/.

The cache keeps each scene's baseband (what the detector's demodulator outputs), so
features, labels and trust are recomputed from it in well under a second per scene.

A cached rendering is only reused when it would come out the same today: its file
name holds a digest of the job, the full scene description and a fingerprint of
the renderer (a short reference scene with every kind of mover, rendered afresh
once per process). A change to the simulated home or to scene generation therefore
renders anew instead of silently training on stale audio.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import multiprocessing
import os
from collections.abc import Sequence
from multiprocessing.pool import AsyncResult
from pathlib import Path

import numpy as np

from earshot_engine.simulation.scene import Scene
from models.presence.data import (
    Job,
    Rendering,
    SceneData,
    make_job,
    make_scene,
    render_baseband,
    scene_data,
)

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "presence"


@functools.cache
def renderer_fingerprint() -> str:
    """Digest of what the renderer makes of reference scenes (walker, seated person, busy room)."""
    digest = hashlib.sha256()
    for kind, index in (("walk", 0), ("seated", 1), ("busy", 2)):
        job = dataclasses.replace(
            make_job("test", 900_000 + index, kind=kind, duration_s=8.0), channels=2
        )
        digest.update(render_baseband(job, make_scene(job)).baseband.tobytes())
    return digest.hexdigest()[:16]


def _path(job: Job, scene: Scene) -> Path:
    key = hashlib.sha256(f"{job!r}|{scene!r}|{renderer_fingerprint()}".encode()).hexdigest()[:16]
    return CACHE / f"{job.split}-{job.kind}-{job.index}-{key}.npz"


def load_rendering(job: Job, scene: Scene) -> Rendering:
    """The baseband of a job's scene, rendered once and cached."""
    path = _path(job, scene)
    if path.exists():
        with np.load(path) as z:
            return Rendering(
                baseband=z["baseband"],
                rate_hz=float(z["rate_hz"]),
                sample_period_s=float(z["sample_period_s"]),
                clipped_s=z["clipped_s"],
            )
    rendering = render_baseband(job, scene)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
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
    scene = make_scene(job)
    return scene_data(job, load_rendering(job, scene), scene)


class Renderer:
    """Forked worker processes that render pools while the caller goes on (``start``).

    Create it before TensorFlow starts its thread pools: the workers are forked.
    """

    def __init__(self, workers: int | None = None) -> None:
        renderer_fingerprint()  # once, before forking, so the workers inherit it
        self._pool = multiprocessing.get_context("fork").Pool(workers or os.cpu_count() or 1)

    def start(self, jobs: Sequence[Job]) -> AsyncResult[list[SceneData]]:
        """Scene data of ``jobs`` (``.get()`` waits for them), rendered after earlier starts."""
        return self._pool.map_async(load_or_render, jobs, chunksize=1)

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._pool.terminate()
        self._pool.join()


def render_pool(jobs: Sequence[Job], workers: int | None = None) -> list[SceneData]:
    """Scene data of many jobs, using ``workers`` processes (default: all cores)."""
    if (workers or os.cpu_count() or 1) <= 1:
        return [load_or_render(job) for job in jobs]
    with Renderer(workers) as renderer:
        return renderer.start(jobs).get()
