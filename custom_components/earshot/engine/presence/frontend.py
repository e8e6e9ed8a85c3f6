"""The signal path from captured blocks to Doppler frames, shared by live and offline use.

Microphone channels are demodulated around the carrier; a playback-reference
channel (if the stream has one) is low-passed to the same baseband rate, because
the distortion it explains sits around the carrier as a copy of the music's bass.
Everything after demodulation is :class:`BasebandStage`, which training also
runs on its cached baseband, so the features it learns from are the detector's.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..audio import FloatArray
from .doppler import ComplexArray, Demodulator, DopplerAnalyzer, DopplerFrame
from .music import CrossMicCanceller, PlaybackCanceller


class BasebandStage:
    """Complex baseband in, Doppler frames out: music removal, then the Doppler analyzer.

    The playback reference explains the distortion it knows of (including each
    path's delay spread), so it goes first; the cross-microphone canceller then
    takes out what remains along the static echo's direction (music the reference
    misses, the reference canceller's convergence), and is the only music removal
    when there is no reference. It passes a single channel through unchanged.
    """

    def __init__(self, baseband_rate_hz: float, channels: int, *, reference: bool = False) -> None:
        self.playback = PlaybackCanceller(channels, baseband_rate_hz) if reference else None
        self.cross_mic = CrossMicCanceller(channels, baseband_rate_hz)
        self.analyzer = DopplerAnalyzer(baseband_rate_hz, channels)

    def reset(self) -> None:
        """Forget all stream state."""
        if self.playback is not None:
            self.playback.reset()
        self.cross_mic.reset()
        self.analyzer.reset()

    def process(
        self,
        baseband: ComplexArray,
        end_time_s: float,
        playback: npt.NDArray[np.float32] | None = None,
    ) -> list[DopplerFrame]:
        """Consume mic baseband (n, channels) ending at ``end_time_s``; return completed frames.

        ``playback`` is the low-passed reference (n,), required when built with a reference.
        """
        if self.playback is not None:
            if playback is None:
                raise ValueError("this stage cancels playback: pass the reference baseband")
            baseband = self.playback.process(baseband, playback)
        return self.analyzer.process(self.cross_mic.process(baseband), end_time_s)


class DopplerFrontEnd:
    """Blocks in, Doppler frames out (every HOP_S of stream time)."""

    def __init__(
        self,
        carrier_hz: float,
        sample_rate_hz: int,
        channels: int,
        reference_channel: int | None = None,
    ) -> None:
        if reference_channel is not None and not 0 <= reference_channel < channels:
            raise ValueError(
                f"reference channel {reference_channel} does not exist "
                f"(the stream has {channels} channel(s), numbered from 0)"
            )
        self._mics = [c for c in range(channels) if c != reference_channel]
        if not self._mics:
            raise ValueError("no microphone channel left besides the reference channel")
        self._reference_channel = reference_channel
        self.carrier_hz = carrier_hz
        self.sample_rate_hz = sample_rate_hz
        self.demodulator = Demodulator(carrier_hz, sample_rate_hz, len(self._mics))
        self._reference = (
            Demodulator(0.0, sample_rate_hz, 1) if reference_channel is not None else None
        )
        self.stage = BasebandStage(
            self.demodulator.baseband_rate_hz,
            len(self._mics),
            reference=reference_channel is not None,
        )

    def reset(self) -> None:
        """Forget all stream state."""
        self.demodulator.reset()
        if self._reference is not None:
            self._reference.reset()
        self.stage.reset()

    def process(self, samples: FloatArray, start_frame: int) -> list[DopplerFrame]:
        """Consume one block; return the Doppler frames completed by it."""
        mics = samples if self._reference_channel is None else samples[:, self._mics]
        baseband = self.demodulator.process(np.ascontiguousarray(mics), start_frame)
        playback = None
        if self._reference is not None and self._reference_channel is not None:
            reference = samples[:, self._reference_channel : self._reference_channel + 1]
            played = self._reference.process(np.ascontiguousarray(reference), start_frame)
            playback = played[:, 0].real
        end_s = (start_frame + samples.shape[0]) / self.sample_rate_hz
        return self.stage.process(baseband, end_s, playback)
