"""Pick the tracker's operating points on validation scenes (python -m models.presence.tune).

Validation scenes come from the mining split past the scenes ``train`` mines
(default: 240..359), so the model never learned from them, and they are not the
held-out test split either.

For candidate thresholds it replays the model's probabilities through the
tracker and prints walk detection within 1 s, seated detection within 3 s,
false alarms per hour in motion-free scenes and after walkers left (when the
tracker is in its sensitive post-motion mode). The strict point is set at the
lowest false-alarm rate that keeps detection up; the alert point at the most
sensitive one whose post-walk false alarms stay near the strict rate. The chosen
values are written by hand into ``OPERATING_POINTS`` in tracker.py.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from earshot_engine.inference import load_model
from earshot_engine.presence import tracker
from earshot_engine.presence.classifier import MODEL_PATH
from earshot_engine.presence.config import PresenceConfig
from models.presence.data import make_job, make_scene
from models.presence.evaluate import _onsets, _replay, probabilities
from models.presence.pool import load_or_render


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--first", type=int, default=240, help="first mining-split scene (past those mined)"
    )
    parser.add_argument("--scenes", type=int, default=120)
    parser.add_argument("--model", type=Path, default=MODEL_PATH, help="without suffix")
    parser.add_argument("--sensitivity", default="medium", choices=("low", "medium", "high"))
    args = parser.parse_args()
    model = load_model(args.model, "numpy")
    scenes = []
    for i in range(args.first, args.first + args.scenes):
        job = make_job("mine", i)
        data = load_or_render(job)
        onset, clear = _onsets(make_scene(job), job.seed)
        scenes.append((job.kind, data, probabilities(model, data), onset, clear))
    config = PresenceConfig(sensitivity=args.sensitivity)
    strict = tracker.OPERATING_POINTS[(args.sensitivity, False)]
    alert = tracker.OPERATING_POINTS[(args.sensitivity, True)]
    print("strict points (alert point as shipped):")
    for major, major_frames, minor, minor_frames in itertools.product(
        (0.9, 0.95, 0.98, 0.99), (2, 3, 4, 6), (0.9, 0.95, 0.98), (8, 16, 24)
    ):
        point = tracker.OperatingPoint(major, minor, major_frames, minor_frames)
        tracker.OPERATING_POINTS[(args.sensitivity, False)] = point
        print(f"  {point}: {_figures(scenes, config)}")
    tracker.OPERATING_POINTS[(args.sensitivity, False)] = strict
    print(f"alert points (strict point as shipped: {strict}):")
    for major, major_frames, minor, minor_frames in itertools.product(
        (0.8, 0.9, 0.95), (2, 3, 4), (0.6, 0.8, 0.9), (4, 6, 10, 16)
    ):
        point = tracker.OperatingPoint(major, minor, major_frames, minor_frames)
        tracker.OPERATING_POINTS[(args.sensitivity, True)] = point
        print(f"  {point}: {_figures(scenes, config)}")
    tracker.OPERATING_POINTS[(args.sensitivity, True)] = alert


def _figures(
    scenes: list[tuple[str, object, np.ndarray, float | None, float | None]], config: PresenceConfig
) -> str:
    walks = walk_hits = seated = seated_hits = alarms = post_alarms = 0
    empty_s = post_s = 0.0
    for kind, d, p, onset, clear in scenes:
        events = [t for t, _ in _replay(d.times_s, d.trusted, p[:, 1], p[:, 2], config)]  # type: ignore[attr-defined]
        end_s = float(d.times_s[-1])  # type: ignore[attr-defined]
        if kind == "walk" and onset is not None:
            walks += 1
            walk_hits += any(onset - 1.0 <= t <= onset + 1.0 for t in events)
            if clear is not None and clear < end_s:
                post_s += end_s - clear
                post_alarms += sum(t > clear for t in events)
        elif kind == "seated" and onset is not None:
            seated += 1
            seated_hits += any(onset - 1.0 <= t <= onset + 3.0 for t in events)
        elif kind in ("empty", "busy"):
            empty_s += end_s
            alarms += len(events)
    return (
        f"walks {100 * walk_hits / max(walks, 1):5.1f}% of {walks}, "
        f"seated {100 * seated_hits / max(seated, 1):5.1f}% of {seated}, "
        f"FA/h {3600 * alarms / max(empty_s, 1):6.1f} over {empty_s / 3600:.2f} h, "
        f"post-walk FA/h {3600 * post_alarms / max(post_s, 1):6.1f} over {post_s / 3600:.2f} h"
    )


if __name__ == "__main__":
    main()
