"""Ultrasonic Doppler presence: the speaker emits an inaudible carrier, the mics watch its echo.

Signal path: :mod:`.emitter` (carrier into the output mixer) -> :mod:`.doppler`
(baseband, static-echo removal, Doppler bands) with :mod:`.music` (playback
distortion removal) wired by :mod:`.frontend` -> :mod:`.classifier` (major /
minor / non-human) -> :mod:`.tracker` (episodes, occupancy). :mod:`.detector`
is the runtime detector; :mod:`.calibration` picks carrier and level;
:mod:`.offline` analyses recordings; :mod:`.baseline` is the classic energy
detector used as the evaluation baseline.
"""
