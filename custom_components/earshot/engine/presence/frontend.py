"""The signal path from captured blocks to Doppler frames, shared by live and offline use.

Microphone channels are demodulated around the carrier; a playback-reference
channel (if the stream has one) is low-passed to the same baseband rate, because
the distortion it explains sits around the carrier as a copy of the music's bass.
"""

from __future__ import annotations

import numpy as np

from ..audio import FloatArray
from .doppler import Demodulator, DopplerAnalyzer, DopplerFrame
from .music import PlaybackCanceller


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
        self.canceller = PlaybackCanceller(len(self._mics), self.demodulator.baseband_rate_hz)
        self.analyzer = DopplerAnalyzer(self.demodulator.baseband_rate_hz, len(self._mics))

    def reset(self) -> None:
        """Forget all stream state."""
        self.demodulator.reset()
        if self._reference is not None:
            self._reference.reset()
        self.canceller.reset()
        self.analyzer.reset()

    def process(self, samples: FloatArray, start_frame: int) -> list[DopplerFrame]:
        """Consume one block; return the Doppler frames completed by it."""
        mics = samples if self._reference_channel is None else samples[:, self._mics]
        baseband = self.demodulator.process(np.ascontiguousarray(mics), start_frame)
        if self._reference is not None and self._reference_channel is not None:
            reference = samples[:, self._reference_channel : self._reference_channel + 1]
            playback = self._reference.process(np.ascontiguousarray(reference), start_frame)
            baseband = self.canceller.process(baseband, playback[:, 0].real)
        end_s = (start_frame + samples.shape[0]) / self.sample_rate_hz
        return self.analyzer.process(baseband, end_s)
