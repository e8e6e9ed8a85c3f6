"""``SimulatedHome``: an :class:`AudioSource` whose mic hears a simulated room.

It has a speaker (``has_output`` is True): each :meth:`SimulatedHome.read` asks
``self.output`` for the next block of the speaker signal and renders the room's
response to it, so whatever a detector plays (an ultrasonic carrier) comes back
with the scene's echoes and Doppler. In real-time mode ``read`` paces blocks to
the wall clock like a sound card; otherwise it renders as fast as it can. The
scene loops unless ``loop=False``, in which case ``read`` raises ``EOFError`` at
the end. Rendering happens in the caller's thread; nothing runs in the background.
With ``reference_channel=True`` the stream has one more channel after the mics:
the speaker's drive signal, as a playback-monitor capture would give it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..audio import AudioBlock, AudioFormat, AudioSource
from ..pacing import RealtimePacer
from .catalog import SCENES
from .home import MIN_SAMPLE_RATE_HZ, HomeRenderer
from .scene import Annotation, Scene


class SimulatedHome(AudioSource):
    """A looping simulated room with a speaker, ``channels`` mics and an optional reference."""

    def __init__(
        self,
        scene: Scene | str = "demo",
        *,
        seed: int = 0,
        sample_rate_hz: int = 48_000,
        channels: int = 2,
        reference_channel: bool = False,
        block_frames: int = 2400,
        realtime: bool = True,
        loop: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__()
        self.scene = SCENES[scene] if isinstance(scene, str) else scene
        if block_frames <= 0:
            raise ValueError(f"block_frames must be positive, got {block_frames}")
        if sample_rate_hz < MIN_SAMPLE_RATE_HZ:
            raise ValueError(f"sample rate must be at least {MIN_SAMPLE_RATE_HZ} Hz")
        self._format = AudioFormat(sample_rate_hz, channels + int(reference_channel))
        self._mics = channels
        self._reference_channel = reference_channel
        self._seed = seed
        self._block_frames = block_frames
        self._realtime = realtime
        self._loop = loop
        self._pacer = RealtimePacer(sample_rate_hz, clock=clock, sleep=sleep)
        self._renderer: HomeRenderer | None = None
        self._frame = 0

    @property
    def name(self) -> str:
        """Name shown to users."""
        return f"Simulated home ({self.scene.name})"

    @property
    def format(self) -> AudioFormat:
        """Sample rate and channel count."""
        return self._format

    @property
    def has_output(self) -> bool:
        """The simulated speaker plays whatever is attached to ``output``."""
        return True

    @property
    def position_frames(self) -> int:
        """Stream frame of the next block."""
        return self._frame

    def annotations(self) -> tuple[Annotation, ...]:
        """Ground truth of one pass of the scene, in scene seconds."""
        return self.scene.annotations()

    def scene_time_s(self, stream_s: float) -> float:
        """Scene time at a stream time (the timeline loops)."""
        return stream_s % self.scene.duration_s if self._loop else stream_s

    def active_annotations(self, stream_s: float) -> tuple[Annotation, ...]:
        """Ground truth active at a stream time, e.g. to show next to detector output."""
        t_s = self.scene_time_s(stream_s)
        return tuple(a for a in self.scene.annotations() if a.contains(t_s))

    def open(self) -> None:
        """Start the stream from the beginning of the scene (deterministic every time)."""
        self._renderer = HomeRenderer(
            self.scene,
            seed=self._seed,
            sample_rate_hz=self._format.sample_rate_hz,
            channels=self._mics,
            reference_channel=self._reference_channel,
        )
        self._frame = 0
        self._pacer.restart()

    def read(self, timeout_s: float) -> AudioBlock | None:
        """Render the next block; in real time, wait until the wall clock reaches its end."""
        renderer = self._renderer
        if renderer is None:
            raise RuntimeError("SimulatedHome.read() before open()")
        rate = self._format.sample_rate_hz
        frames = self._block_frames
        if not self._loop:
            remaining = round(self.scene.duration_s * rate) - self._frame
            if remaining <= 0:
                raise EOFError(f"scene {self.scene.name!r} ended")
            frames = min(frames, remaining)
        if self._realtime and not self._pacer.wait_until_due(self._frame + frames, timeout_s):
            return None
        speaker = self.output.render(frames, self._frame, rate)
        block = AudioBlock(renderer.render(self._frame, speaker), rate, self._frame)
        self._frame += frames
        return block

    def close(self) -> None:
        """Drop the renderer and its buffers; safe to call twice."""
        self._renderer = None
