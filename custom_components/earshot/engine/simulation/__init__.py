"""The simulated home: a physically grounded test bench for every Earshot detector.

Public API:

- :class:`SimulatedHome` - an ``AudioSource`` with a speaker; renders the scene's
  room response to whatever is attached to ``output`` (real time or as fast as possible).
- :func:`render_scene` - offline rendering to a (frames, channels) float32 array,
  with a default 20 kHz carrier when no emitter is given.
- :class:`HomeRenderer` - the renderer behind both: give it contiguous blocks of the
  speaker signal, get the mic blocks back (for custom training loops).
- :class:`Scene` and its actions (:class:`Walk`, :class:`SitAndWork`, :class:`Fan`,
  :class:`Stand`, :class:`Curtain`, :class:`Pet`, :class:`RobotVacuum`, :class:`Music`,
  :class:`Sound`, :class:`UltrasonicInterferer`), :class:`Room`, :class:`Device`.
- :data:`SCENES` (built-in scenes), :func:`random_scene` (seeded generator).
- Ground truth: :meth:`Scene.annotations` -> :class:`Annotation` intervals, and
  :func:`scene_movers` for the exact kinematics behind the audio; sound
  labels in :data:`SOUND_KINDS` (targets), ``speech``/``music`` and
  :data:`DISTRACTOR_SOUNDS` (non-targets).
"""

from .catalog import SCENES, random_scene
from .home import HomeRenderer
from .reflectors import scene_movers
from .render import DEFAULT_CARRIER_HZ, ToneEmitter, render_scene
from .scene import (
    DEVICES,
    DISTRACTOR_SOUNDS,
    NON_TARGET_SOUNDS,
    SOUND_KINDS,
    Action,
    Annotation,
    Curtain,
    Device,
    Fan,
    Music,
    Pet,
    RobotVacuum,
    Room,
    Scene,
    SitAndWork,
    Sound,
    Stand,
    StaticReflector,
    UltrasonicInterferer,
    Walk,
    labels_at,
)
from .source import SimulatedHome

__all__ = [
    "DEFAULT_CARRIER_HZ",
    "DEVICES",
    "DISTRACTOR_SOUNDS",
    "NON_TARGET_SOUNDS",
    "SCENES",
    "SOUND_KINDS",
    "Action",
    "Annotation",
    "Curtain",
    "Device",
    "Fan",
    "HomeRenderer",
    "Music",
    "Pet",
    "RobotVacuum",
    "Room",
    "Scene",
    "SimulatedHome",
    "SitAndWork",
    "Sound",
    "Stand",
    "StaticReflector",
    "ToneEmitter",
    "UltrasonicInterferer",
    "Walk",
    "labels_at",
    "random_scene",
    "render_scene",
    "scene_movers",
]
