"""The motion classifier: the last second of Doppler bands -> major / minor / non-human.

Walking spreads energy across many bands with a rhythmic limb pattern; typing
and reaching stay in the slow bands and come in bursts; fans are symmetric and
steady, curtains slow and periodic, pets low and erratic. A small temporal
convolution network learns those shapes from the simulated home (see
``models/presence``); it runs through the shared inference layer (LiteRT when
importable, the exact numpy path otherwise).

A second network, the verifier, looks at the last three seconds and only when
the first one proposes new motion (the Alexa Guard pattern): within one second a
dashing cat looks like a person, over three the cat's earlier prowling, a fan's
steady spin or a vacuum's crawl give them away. It runs on about 1 % of frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..inference import Backend, Model, load_model
from .doppler import N_FEATURES
from .streaming import StreamingConvNet, streaming_classifier

CONTEXT_FRAMES = 20
"""One second of Doppler frames (HOP_S = 50 ms)."""
VERIFIER_CONTEXT_FRAMES = 60
"""The verifier's three seconds of frames (the same inputs as the classifier's)."""
FEATURE_SCALE_DB = 20.0
"""Levels are divided by this before the network (keeps inputs near unit scale)."""
CARRIER_RANGE_DB = (35.0, 115.0)
CARRIER_CENTER_DB = 75.0
N_INPUTS = N_FEATURES + 1
"""Per frame: the Doppler band levels, then the carrier's SNR. Band levels are relative to
the noise floor; with the static echo's strength beside them the network can also read
how strong a moving echo is relative to the carrier (a cat reflects far less than a person
at the same distance, whatever the speaker level or microphone noise)."""
CLASSES = ("none", "major", "minor", "nonhuman")
EVIDENCE_DB = 12.0
"""Without a band this far over the noise floor in the last second, nothing visibly moved:
the window is 'none' without asking the network (which never learned from such windows)."""
INPUT_NAME = "doppler"
OUTPUT_NAME = "probabilities"
MODEL_PATH = Path(__file__).resolve().parents[2] / "models" / "presence"
"""The shipped model (``presence.npz`` + ``presence.tflite``) inside the integration."""
VERIFIER_PATH = MODEL_PATH.with_name("presence_verifier")
VERIFIER_OUTPUT_NAME = "human"
"""The verifier's softmax over (not a person, a person moving)."""


@dataclass(frozen=True, slots=True)
class MotionProbabilities:
    """Classifier output for the second ending at one frame."""

    major: float
    minor: float
    nonhuman: float


def frame_inputs(
    features: npt.NDArray[np.float32], carrier_db: npt.NDArray[np.float32] | float
) -> npt.NDArray[np.float32]:
    """Network inputs (..., N_INPUTS): band levels (..., N_FEATURES) and carrier SNR (...)."""
    carrier = (np.clip(carrier_db, *CARRIER_RANGE_DB) - CARRIER_CENTER_DB)[..., None]
    joined = np.concatenate([features, np.broadcast_to(carrier, (*features.shape[:-1], 1))], -1)
    return (joined / np.float32(FEATURE_SCALE_DB)).astype(np.float32)


def has_evidence(windows: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """Whether any band of each (..., CONTEXT_FRAMES, N_INPUTS) input window is loud enough."""
    bands = windows[..., :N_FEATURES]
    return np.asarray(np.max(bands, axis=(-2, -1)) >= EVIDENCE_DB / FEATURE_SCALE_DB)


class WholeWindows:
    """The classifier run on its whole window at every step (LiteRT, other graphs)."""

    def __init__(self, model: Model) -> None:
        self._model = model
        self._window: npt.NDArray[np.float32] = np.zeros(
            (CONTEXT_FRAMES, N_INPUTS), dtype=np.float32
        )

    def reset(self, window: npt.NDArray[np.float32]) -> None:
        """Start over at ``window`` (nothing else is kept between frames)."""
        self._window = window

    push = reset

    def probabilities(self) -> npt.NDArray[np.float32]:
        """Class probabilities of the current window."""
        out: npt.NDArray[np.float32] = self._model.run({INPUT_NAME: self._window[None]})[
            OUTPUT_NAME
        ][0]
        return out


class MotionClassifier:
    """Keeps the last three seconds of frames.

    The last second is classified every frame; all three are verified on request.
    """

    def __init__(
        self, model: Model | None = None, backend: Backend = "auto", verifier: Model | None = None
    ) -> None:
        self.model = model if model is not None else load_model(MODEL_PATH, backend)
        self.verifier = verifier if verifier is not None else load_model(VERIFIER_PATH, backend)
        self._inputs = np.zeros((VERIFIER_CONTEXT_FRAMES, N_INPUTS), dtype=np.float32)
        """The last three seconds of inputs, oldest first ('nothing moves' after a reset)."""
        self._window = self._inputs[-CONTEXT_FRAMES:]
        """The classifier's last second: a view of the buffer."""
        self._evaluator: StreamingConvNet | WholeWindows = streaming_classifier(
            self.model
        ) or WholeWindows(self.model)
        """Frame by frame on the numpy path where the graph allows, else whole windows."""
        self.reset()

    def reset(self) -> None:
        """Forget the buffered frames (fill with 'nothing moves')."""
        self._inputs.fill(0.0)
        self._evaluator.reset(self._window)

    def push(self, features: npt.NDArray[np.float32], carrier_db: float) -> MotionProbabilities:
        """Add one frame (band levels, carrier SNR) and classify the last second."""
        self._inputs[:-1] = self._inputs[1:]
        self._inputs[-1] = frame_inputs(features, carrier_db)
        self._evaluator.push(self._window)
        if not has_evidence(self._window):
            return MotionProbabilities(major=0.0, minor=0.0, nonhuman=0.0)
        probabilities = self._evaluator.probabilities()
        return MotionProbabilities(
            major=float(probabilities[1]),
            minor=float(probabilities[2]),
            nonhuman=float(probabilities[3]),
        )

    def verify(self) -> float:
        """Probability that a person moves, judged over the last three seconds."""
        outputs = self.verifier.run({INPUT_NAME: self._inputs[None]})
        return float(outputs[VERIFIER_OUTPUT_NAME][0, 1])
