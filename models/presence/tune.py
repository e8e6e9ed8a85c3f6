"""Pick the tracker's operating points on the held-in mining pool (python -m models.presence.tune).

For candidate thresholds it replays the shipped model's probabilities through
the tracker and prints walk detection within 1 s, seated detection within 3 s
and false alarms per hour in motion-free scenes, so the strict ("medium") point
can be set at the lowest false-alarm rate that keeps detection on target. The
chosen values are written by hand into ``OPERATING_POINTS`` in tracker.py.
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from earshot_engine.inference import load_model
from earshot_engine.presence import tracker
from earshot_engine.presence.classifier import MODEL_PATH
from earshot_engine.presence.config import PresenceConfig
from earshot_engine.presence.results import MotionDetected
from models.presence.data import make_job
from models.presence.evaluate import probabilities
from models.presence.pool import load_or_render


def _events(times: np.ndarray, trusted: np.ndarray, p: np.ndarray) -> list[float]:
    track = tracker.OccupancyTracker(PresenceConfig())
    out: list[float] = []
    for t, ok, pm, pn in zip(times, trusted, p[:, 1], p[:, 2], strict=True):
        evs = track.update(float(t), float(pm), float(pn)) if ok else track.tick(float(t))
        out += [e.time_s for e in evs if isinstance(e, MotionDetected)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mine-scenes", type=int, default=160)
    args = parser.parse_args()
    model = load_model(MODEL_PATH, "numpy")
    scenes = []
    for i in range(args.mine_scenes):
        job = make_job("mine", i)
        d = load_or_render(job)
        p = probabilities(model, d.features)
        scenes.append((job, d, p, d.trusted))
    for major, major_frames, minor, minor_frames in itertools.product(
        (0.9, 0.95, 0.98), (4, 6, 10), (0.9, 0.95), (16, 24, 40)
    ):
        point = tracker.OperatingPoint(major, minor, major_frames, minor_frames)
        tracker.OPERATING_POINTS[("medium", False)] = point
        walks = walk_hits = seated = seated_hits = alarms = 0
        empty_s = 0.0
        for _job, d, p, trusted in scenes:
            events = _events(d.times_s, trusted, p)
            majors = np.flatnonzero(d.labels == 1)
            minors = np.flatnonzero(d.labels == 2)
            if len(majors):
                walks += 1
                onset = d.times_s[majors[0]]
                walk_hits += any(onset - 0.1 <= t <= onset + 1.0 for t in events)
            elif len(minors):
                seated += 1
                onset = d.times_s[minors[0]]
                seated_hits += any(onset - 1.0 <= t <= onset + 3.0 for t in events)
            elif not np.any(d.labels == -1):
                empty_s += float(d.times_s[-1])
                alarms += len(events)
        print(
            f"major>={major} x{major_frames} minor>={minor} x{minor_frames}: "
            f"walks {100 * walk_hits / max(walks, 1):5.1f}% of {walks}, "
            f"seated {100 * seated_hits / max(seated, 1):5.1f}% of {seated}, "
            f"FA/h {3600 * alarms / max(empty_s, 1):6.2f} over {empty_s / 3600:.2f} h"
        )


if __name__ == "__main__":
    main()
