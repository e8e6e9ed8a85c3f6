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
from models.presence.data import SceneData, make_job
from models.presence.evaluate import (
    SceneResult,
    _replay,
    eval_scene,
    probabilities,
    summarize,
    usable,
)


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
        data, onset, clear = eval_scene(job)
        result = SceneResult(job.kind, job.duration_s, onset, clear, usable(data))
        scenes.append((data, result, probabilities(model, data)))
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
    scenes: list[tuple[SceneData, SceneResult, np.ndarray]], config: PresenceConfig
) -> str:
    """The evaluation's own figures (``summarize``) under the current operating points."""
    for data, result, p in scenes:
        result.events["model"] = _replay(data.times_s, data.trusted, p[:, 1], p[:, 2], config)
    s = summarize([result for _, result, _ in scenes], "model")
    return (
        f"walks {s['walk_any_within_1s_pct']:5.1f}% of {s['walks']}, "
        f"seated {s['seated_within_3s_pct']:5.1f}% of {s['seated']}, "
        f"FA/h {s['false_alarms_per_hour']:6.1f} over {s['empty_hours']:.2f} h, "
        f"post-walk FA/h {s['post_walk_false_alarms_per_hour']:6.1f} over "
        f"{s['post_walk_hours']:.2f} h"
    )


if __name__ == "__main__":
    main()
