"""The ``earshot`` command: list sound devices, render simulated scenes, analyze recordings.

``earshot analyze`` prints one JSON object per line; its fields are a public
contract (times are seconds from the start of the file). Files that cannot be
read get a one-line error on stderr and exit code 2; the other files are still
processed.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from .audio import AudioSourceError, FloatArray
from .inference import ModelLoadError
from .level import LevelMeter, LevelReading
from .offline import run_detectors
from .sound_device import list_devices
from .sounds.models import MODEL_SETS
from .wavio import read_wav, write_wav

EXIT_OK = 0
EXIT_BAD_INPUT = 2

Record = dict[str, Any]
FileAnalyzer = Callable[[str, FloatArray, int], Iterator[Record]]
"""Prints the records of one kind for one file: (file as given, samples, sample rate)."""


def _seconds(value: float) -> float:
    return round(float(value), 3)


def level_analyzer(args: argparse.Namespace) -> FileAnalyzer:
    """The sound level track: RMS and peak dBFS for each second."""

    def analyze(file: str, samples: FloatArray, sample_rate_hz: int) -> Iterator[Record]:
        for reading in run_detectors(samples, sample_rate_hz, [LevelMeter(1.0)]):
            assert isinstance(reading, LevelReading)
            yield {
                "file": file,
                "kind": "level",
                "start": _seconds(max(0.0, reading.time_s - 1.0)),
                "end": _seconds(reading.time_s),
                "level_dbfs": round(reading.level_dbfs, 1),
                "peak_dbfs": round(reading.peak_dbfs, 1),
            }

    return analyze


def motion_analyzer(args: argparse.Namespace) -> FileAnalyzer:
    """Ultrasonic presence: motion episodes with their level (major or minor).

    A recording without an ultrasonic carrier is simply skipped (most household
    recordings have none) unless the user asked for motion or named a carrier.
    The model is loaded once, at the first file that needs it.
    """
    from .inference import load_model  # deferred: the presence modules are heavy
    from .presence.classifier import MODEL_PATH, MotionClassifier
    from .presence.config import PresenceConfig
    from .presence.offline import MIN_CARRIER_HZ, CarrierError, analyze_presence

    asked = args.carrier is not None or "motion" in args.kinds.split(",")
    model = functools.cache(functools.partial(load_model, MODEL_PATH))

    def analyze(file: str, samples: FloatArray, sample_rate_hz: int) -> Iterator[Record]:
        if not asked and sample_rate_hz < 2 * MIN_CARRIER_HZ:
            return  # too low a rate for ultrasound: nothing to say
        try:
            segments = analyze_presence(
                samples,
                sample_rate_hz,
                carrier_hz=args.carrier,
                reference_channel=args.reference_channel,
                config=PresenceConfig(sensitivity=args.sensitivity),
                classifier=MotionClassifier(model()),
            )
        except CarrierError as err:
            if asked:
                raise
            print(f"earshot: {file}: motion skipped: {err}", file=sys.stderr)
            return
        for segment in segments:
            yield {
                "file": file,
                "kind": "motion",
                "level": segment.level,
                "start": _seconds(segment.start_s),
                "end": _seconds(segment.end_s),
            }

    return analyze


def sound_analyzer(args: argparse.Namespace) -> FileAnalyzer:
    """Sound events through stage 1, temporal logic and (unless told not to) stage 2.

    One detector (two models) serves every file; it is reset between files.
    """
    from .sounds import offline  # deferred: loads two models
    from .sounds.detector import SoundEventDetector

    detector = functools.cache(
        functools.partial(SoundEventDetector, models_dir=MODEL_SETS[args.sound_models])
    )

    def analyze(file: str, samples: FloatArray, sample_rate_hz: int) -> Iterator[Record]:
        mics = [c for c in range(samples.shape[1]) if c != args.reference_channel]
        for detection in offline.analyze_sounds(
            samples[:, mics] if mics else samples,
            sample_rate_hz,
            sensitivity=args.sensitivity,
            stage1_only=args.stage1_only,
            detector=detector(),
        ):
            yield {
                "file": file,
                "kind": "sound",
                "type": detection.type,
                "start": _seconds(detection.start_s),
                "end": _seconds(detection.end_s),
                "confidence": round(detection.confidence, 3),
            }

    return analyze


ANALYZERS: dict[str, Callable[[argparse.Namespace], FileAnalyzer]] = {
    "level": level_analyzer,
    "motion": motion_analyzer,
    "sound": sound_analyzer,
}
"""Analyzer factories by the ``kind`` of record they print."""


def _cmd_devices(args: argparse.Namespace, out: TextIO) -> int:
    try:
        devices = list_devices()
    except AudioSourceError as err:
        print(f"earshot: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for device in devices:
        if args.json:
            print(
                json.dumps(
                    {
                        "index": device.index,
                        "name": device.name,
                        "hostapi": device.hostapi,
                        "inputs": device.max_input_channels,
                        "outputs": device.max_output_channels,
                        "default_sample_rate_hz": device.default_sample_rate_hz,
                    }
                ),
                file=out,
            )
        else:
            print(
                f"{device.index:>3}  {device.name}  [{device.hostapi}]  "
                f"in {device.max_input_channels}, out {device.max_output_channels}, "
                f"{device.default_sample_rate_hz:.0f} Hz",
                file=out,
            )
    if not devices:
        print("earshot: no sound devices found", file=sys.stderr)
    return EXIT_OK


def _cmd_simulate(args: argparse.Namespace, out: TextIO) -> int:
    from .simulation import SCENES, render_scene

    if args.scene not in SCENES:
        print(
            f"earshot: unknown scene '{args.scene}'; choose from {', '.join(sorted(SCENES))}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    samples = render_scene(
        SCENES[args.scene],
        seed=args.seed,
        seconds=args.seconds,
        sample_rate_hz=args.sample_rate,
        reference_channel=args.reference_channel,
    )
    try:
        write_wav(args.out, samples, args.sample_rate)
    except OSError as err:
        print(f"earshot: cannot write {args.out}: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    reference = (
        f" (playback reference in channel {samples.shape[1] - 1})" if args.reference_channel else ""
    )
    print(
        f"wrote {args.out}: {samples.shape[0] / args.sample_rate:.1f} s, "
        f"{samples.shape[1]} channels{reference}, {args.sample_rate} Hz",
        file=sys.stderr,
    )
    return EXIT_OK


def _cmd_analyze(args: argparse.Namespace, out: TextIO) -> int:
    status = EXIT_OK
    kinds = args.kinds.split(",") if args.kinds else list(ANALYZERS)
    unknown = [k for k in kinds if k not in ANALYZERS]
    if unknown:
        print(
            f"earshot: unknown kind(s) {', '.join(unknown)}; choose from {', '.join(ANALYZERS)}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    analyzers = {kind: ANALYZERS[kind](args) for kind in kinds}
    for file in args.files:
        try:
            samples, sample_rate_hz = read_wav(Path(file))
        except (OSError, AudioSourceError) as err:
            print(f"earshot: {file}: {err}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        records: list[Record] = []
        for kind in kinds:
            try:
                records.extend(analyzers[kind](file, samples, sample_rate_hz))
            except (AudioSourceError, ModelLoadError, ValueError) as err:
                print(f"earshot: {file}: {kind}: {err}", file=sys.stderr)
                status = EXIT_BAD_INPUT
        for record in sorted(records, key=lambda r: (r["start"], r["kind"])):
            print(json.dumps(record), file=out)
    return status


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all subcommands."""
    parser = argparse.ArgumentParser(prog="earshot", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    devices = commands.add_parser("devices", help="list sound devices")
    devices.add_argument("--json", action="store_true", help="one JSON object per line")
    devices.set_defaults(handler=_cmd_devices)

    simulate = commands.add_parser("simulate", help="render a simulated-home scene to WAV")
    simulate.add_argument("scene", help="scene name, e.g. demo, walk, smoke_alarm")
    simulate.add_argument("--out", required=True, help="output WAV file")
    simulate.add_argument("--seconds", type=float, default=None, help="duration (default: scene)")
    simulate.add_argument("--seed", type=int, default=0)
    simulate.add_argument("--sample-rate", type=int, default=48_000)
    simulate.add_argument(
        "--reference-channel",
        action="store_true",
        help="append what the speaker played as a last channel (for analyze --reference-channel)",
    )
    simulate.set_defaults(handler=_cmd_simulate)

    analyze = commands.add_parser("analyze", help="print detections as JSON lines")
    analyze.add_argument("files", nargs="+", metavar="FILE")
    analyze.add_argument(
        "--kinds",
        default="",
        help="comma-separated record kinds to print: level, motion, sound (default: all)",
    )
    analyze.add_argument(
        "--sensitivity",
        choices=("low", "medium", "high"),
        default="medium",
        help="detection sensitivity for sounds and motion (default: medium)",
    )
    analyze.add_argument(
        "--stage1-only",
        action="store_true",
        help="report sound proposals without stage-2 verification",
    )
    analyze.add_argument(
        "--sound-models",
        choices=tuple(MODEL_SETS),
        default="standard",
        help="sound model set: standard, or extended (also trained on CC BY-NC "
        "recordings: non-commercial use only)",
    )
    analyze.add_argument(
        "--carrier",
        type=float,
        default=None,
        metavar="HZ",
        help="ultrasonic carrier frequency (default: found in the recording)",
    )
    analyze.add_argument(
        "--reference-channel",
        type=int,
        default=None,
        metavar="N",
        help="channel (from 0) holding the playback reference, if any",
    )
    analyze.set_defaults(handler=_cmd_analyze)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Entry point of the ``earshot`` console script."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace, TextIO], int] = args.handler
    return handler(args, out or sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
