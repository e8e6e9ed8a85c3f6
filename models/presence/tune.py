"""Pick the tracker's operating points on validation scenes (python -m models.presence.tune).

Validation scenes come from the mining split past the scenes ``train`` mines
(default: 240..359, plus 60 walks from index 5000 and 40 seated people from 6000,
since the random draw holds only a few dozen of each; ``--quiet-rooms N`` adds N
motion-free 60 s rooms from 7000, since the default holds only 0.47 h to count false
alarms on), so the model never learned from them, and they are not the held-out test
split either. Like the evaluation, scenes play the carrier and level that
self-calibration picks in their room (``--uncalibrated``: their random draw).

For candidate thresholds (the classifier's, and the verifier's that a new episode
needs) it replays both networks' outputs through the tracker and prints walk
detection within 1 s, seated detection within 3 s,
false alarms per hour in motion-free scenes and after walkers left (when the
tracker is in its post-motion alert mode), over the grids ``--strict-grid`` and
``--alert-grid`` (strict points with the alert point as shipped, then alert points with
the strict point as shipped). The rules that picked the shipped points from these
figures are in the model card (sections *Averaged networks* and *As deployed*); the
chosen values are written by hand into ``OPERATING_POINTS`` in tracker.py. Use
``--quiet-rooms 120`` (2.5 h of rooms): a few events on 0.47 h are within training noise.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

from earshot_engine.presence import tracker
from earshot_engine.presence.classifier import MODEL_PATH, VERIFIER_PATH
from earshot_engine.presence.config import PresenceConfig
from models.presence.data import VALIDATION_FIRST, Job, SceneData, make_job
from models.presence.evaluate import (
    Outputs,
    SceneResult,
    _replay,
    eval_scenes,
    load_stages,
    outputs,
    summarize,
    usable,
)

EXTRA_WALKS_FIRST = 5000
EXTRA_SEATED_FIRST = 6000
EXTRA_QUIET_FIRST = 7000
STRICT_GRID = [
    [0.3, 0.5, 0.7, 0.9],
    [0.6, 0.7, 0.8],
    [1, 2, 4],
    [8],
    [0.0, 0.3, 0.5, 0.9],
    [0.9, 0.95],
]
"""Values tried per OperatingPoint field (major, minor, major_frames, minor_frames,
verify_major, verify_minor) for strict points: around the medium point; ``--strict-grid``
replaces them (the grids of the other sensitivities are in the model card)."""
ALERT_GRID = [[0.9], [0.5, 0.6, 0.7], [3], [4, 6, 8], [0.5], [0.9, 0.95]]
"""The same for alert points (``--alert-grid``)."""


def validation_jobs(
    first: int, scenes: int, walks: int, seated: int, quiet_rooms: int = 0
) -> list[Job]:
    """The validation split: random mining scenes past those mined, plus extra people and,
    for false alarms, extra motion-free rooms (60 s, every third one busy, like the held-out
    split's)."""
    return (
        [make_job("mine", i) for i in range(first, first + scenes)]
        + [make_job("mine", EXTRA_WALKS_FIRST + i, kind="walk") for i in range(walks)]
        + [make_job("mine", EXTRA_SEATED_FIRST + i, kind="seated") for i in range(seated)]
        + [
            make_job(
                "mine", EXTRA_QUIET_FIRST + i, kind="empty" if i % 3 else "busy", duration_s=60.0
            )
            for i in range(quiet_rooms)
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--first",
        type=int,
        default=VALIDATION_FIRST,
        help="first mining-split scene (past those mined)",
    )
    parser.add_argument("--scenes", type=int, default=120)
    parser.add_argument("--walks", type=int, default=60, help="extra walk scenes")
    parser.add_argument("--seated", type=int, default=40, help="extra seated scenes")
    parser.add_argument(
        "--quiet-rooms",
        type=int,
        default=0,
        help="extra motion-free 60 s rooms: more hours to count false alarms on",
    )
    parser.add_argument(
        "--uncalibrated",
        action="store_true",
        help="play each scene's random carrier and level instead of what calibration picks",
    )
    parser.add_argument("--model", type=Path, default=MODEL_PATH, help="without suffix")
    parser.add_argument("--verifier", type=Path, default=VERIFIER_PATH, help="without suffix")
    parser.add_argument("--sensitivity", default="medium", choices=("low", "medium", "high"))
    parser.add_argument(
        "--strict-grid",
        type=json.loads,
        default=STRICT_GRID,
        help="JSON list of the values tried for each OperatingPoint field (strict points)",
    )
    parser.add_argument(
        "--alert-grid", type=json.loads, default=ALERT_GRID, help="the same for alert points"
    )
    args = parser.parse_args()
    stages = load_stages(args.model, args.verifier)
    jobs = validation_jobs(args.first, args.scenes, args.walks, args.seated, args.quiet_rooms)
    cached = eval_scenes(jobs, deployed=not args.uncalibrated)
    scenes = []
    for job, (data, onset, clear) in zip(jobs, cached, strict=True):
        result = SceneResult(job.kind, job.duration_s, onset, clear, usable(data))
        scenes.append((data, result, outputs(stages, data)))
    config = PresenceConfig(sensitivity=args.sensitivity)
    strict = tracker.OPERATING_POINTS[(args.sensitivity, False)]
    alert = tracker.OPERATING_POINTS[(args.sensitivity, True)]
    print("strict points (alert point as shipped):")
    for point in _points(args.strict_grid):
        tracker.OPERATING_POINTS[(args.sensitivity, False)] = point
        print(f"  {point}: {_figures(scenes, config)}")
    tracker.OPERATING_POINTS[(args.sensitivity, False)] = strict
    print(f"alert points (strict point as shipped: {strict}):")
    for point in _points(args.alert_grid):
        tracker.OPERATING_POINTS[(args.sensitivity, True)] = point
        print(f"  {point}: {_figures(scenes, config)}")
    tracker.OPERATING_POINTS[(args.sensitivity, True)] = alert


def _points(grid: list[list[float]]) -> list[tracker.OperatingPoint]:
    """Every combination of the grid's values, in OperatingPoint's field order."""
    return [
        tracker.OperatingPoint(major, minor, int(major_frames), int(minor_frames), vmaj, vmin)
        for major, minor, major_frames, minor_frames, vmaj, vmin in itertools.product(*grid)
    ]


def _figures(scenes: list[tuple[SceneData, SceneResult, Outputs]], config: PresenceConfig) -> str:
    """The evaluation's own figures (``summarize``) under the current operating points."""
    for data, result, out in scenes:
        result.events["model"] = _replay(data.times_s, data.trusted, out, config)
    s = summarize([result for _, result, _ in scenes], "model")
    return (
        f"walks {s['walk_major_within_1s_pct']:5.1f}% of {s['walks']} "
        f"(median {s['walk_median_latency_ms']:4.0f} ms), "
        f"seated {s['seated_within_3s_pct']:5.1f}% of {s['seated']}, "
        f"FA/h {s['false_alarms_per_hour']:6.1f} over {s['empty_hours']:.2f} h "
        f"(major {s['major_false_alarms_per_hour']:.1f}), "
        f"post-walk FA/h {s['post_walk_false_alarms_per_hour']:6.1f} over "
        f"{s['post_walk_hours']:.2f} h"
    )


if __name__ == "__main__":
    main()
