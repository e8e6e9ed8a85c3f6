"""Simulated ultrasound physics: Doppler shifts, fan periodicity, music intermodulation."""

from __future__ import annotations

import numpy as np
import pytest

from earshot_engine.simulation import (
    DEVICES,
    Curtain,
    Device,
    Fan,
    Music,
    Pet,
    Scene,
    SitAndWork,
    Sound,
    UltrasonicInterferer,
    Walk,
    render_scene,
)
from earshot_engine.simulation.music import music_loop
from earshot_engine.simulation.reflectors import scene_movers

RATE_HZ = 48_000
CARRIER_HZ = 20_000.0


def _spectrum(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = x.astype(np.float64) - x.mean()
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    return np.fft.rfftfreq(len(x), 1.0 / RATE_HZ) - CARRIER_HZ, spec


def _band_db(offset_hz: np.ndarray, power: np.ndarray, lo: float, hi: float) -> float:
    mask = (offset_hz >= lo) & (offset_hz < hi)
    return float(10 * np.log10(power[mask].sum() + 1e-30))


def _two_sided_db(offset_hz: np.ndarray, power: np.ndarray, lo: float, hi: float) -> float:
    """Power of both Doppler sidebands, |offset| in [lo, hi)."""
    mask = (np.abs(offset_hz) >= lo) & (np.abs(offset_hz) < hi)
    return float(10 * np.log10(power[mask].sum() + 1e-30))


def _baseband(x: np.ndarray, lo_hz: float, hi_hz: float) -> np.ndarray:
    """Complex envelope of the band CARRIER + [lo, hi] (and its mirror) via FFT masking."""
    spec = np.fft.fft(x.astype(np.float64))
    freqs = np.fft.fftfreq(len(x), 1.0 / RATE_HZ) - CARRIER_HZ
    keep = (np.abs(freqs) >= lo_hz) & (np.abs(freqs) <= hi_hz)
    return np.fft.ifft(np.where(keep, spec, 0))


def test_approaching_walker_shows_doppler_at_two_v_f_over_c() -> None:
    walk = Walk(start_s=0.0, duration_s=2.8, waypoints=((2.5, 3.8), (2.5, 1.0)))  # 1 m/s
    scene = Scene(name="approach", duration_s=3.0, actions=(walk,))
    x = render_scene(scene, seconds=2.5)[int(0.5 * RATE_HZ) :, 0]
    offset, power = _spectrum(x)
    expected_hz = 2 * 1.0 * CARRIER_HZ / 343.0  # ~117 Hz
    band = (offset > 60) & (offset < 300)
    peak_hz = offset[band][np.argmax(power[band])]
    assert abs(peak_hz - expected_hz) < 12.0
    approaching = _band_db(offset, power, 20, 300)
    receding = _band_db(offset, power, -300, -20)
    assert approaching > receding + 15.0

    empty = render_scene(Scene(name="still", duration_s=3.0), seconds=2.5)[int(0.5 * RATE_HZ) :, 0]
    offset_e, power_e = _spectrum(empty)
    assert approaching > _band_db(offset_e, power_e, 20, 300) + 25.0


def test_receding_walker_shows_negative_doppler() -> None:
    walk = Walk(start_s=0.0, duration_s=2.8, waypoints=((2.5, 1.0), (2.5, 3.8)))
    x = render_scene(Scene(name="recede", duration_s=3.0, actions=(walk,)), seconds=2.5)
    offset, power = _spectrum(x[int(0.5 * RATE_HZ) :, 0])
    assert _band_db(offset, power, -300, -20) > _band_db(offset, power, 20, 300) + 15.0


def test_mic_geometry_sets_the_inter_mic_phase_of_echoes() -> None:
    walk = Walk(start_s=0.0, duration_s=2.0, waypoints=((4.8, 0.6), (3.2, 0.6)))

    def median_phase_difference(device: Device) -> float:
        scene = Scene(name="side", duration_s=2.0, device=device, actions=(walk,))
        x = render_scene(scene, seconds=2.0)[RATE_HZ // 2 : 3 * RATE_HZ // 2]
        left, right = (_baseband(x[:, c], 30.0, 400.0).reshape(-1, 2400) for c in range(2))
        per_frame = np.angle(np.sum(np.conj(left) * right, axis=1))
        return float(np.median(np.abs(per_frame)))

    assert median_phase_difference(Device(mic_spacing_m=0.0)) < 0.05
    assert median_phase_difference(Device(mic_spacing_m=0.06)) > 0.5


def test_fan_doppler_is_symmetric_and_periodic_at_blade_pass_rate() -> None:
    fan = Fan(
        start_s=0.0, duration_s=6.0, position=(2.5, 2.0, 2.45), rpm=150.0, blades=4, spin_up_s=0.2
    )
    x = render_scene(Scene(name="fan", duration_s=6.0, actions=(fan,)), seconds=5.0)
    x = x[RATE_HZ:, 0]  # spun up
    offset, power = _spectrum(x)
    up = _band_db(offset, power, 15, 600)
    down = _band_db(offset, power, -600, -15)
    assert abs(up - down) < 3.0
    envelope = np.abs(_baseband(x, 15.0, 600.0)) ** 2
    decimated = envelope.reshape(-1, 480).mean(axis=1)  # 100 Hz
    env_spec = np.abs(np.fft.rfft(decimated - decimated.mean()))
    env_freqs = np.fft.rfftfreq(len(decimated), 0.01)
    band = (env_freqs > 2) & (env_freqs < 45)
    peak_hz = env_freqs[band][np.argmax(env_spec[band])]
    blade_pass_hz = 4 * 150.0 / 60.0
    assert min(abs(peak_hz - k * blade_pass_hz) for k in (1, 2, 3, 4)) < 0.3


def test_music_bass_paints_sidebands_around_carrier_only_with_nonlinearity() -> None:
    music = Music(start_s=0.0, duration_s=4.0, level_dbfs=-14.0, bass_dbfs=-12.0)

    def sidebands(device: Device) -> float:
        scene = Scene(name="music", duration_s=4.0, device=device, actions=(music,))
        offset, power = _spectrum(render_scene(scene, seconds=3.0)[RATE_HZ:, 0])
        return _two_sided_db(offset, power, 30, 250)

    assert sidebands(Device()) > sidebands(Device(nonlinearity=(0.0, 0.0))) + 20.0


def test_cheap_device_barely_hears_the_carrier() -> None:
    scene = Scene(name="empty", duration_s=1.0)
    cheap = Scene(name="empty", duration_s=1.0, device=DEVICES["cheap"])
    level = [
        _band_db(*_spectrum(render_scene(s, seconds=1.0)[:, 0]), -5, 5) for s in (scene, cheap)
    ]
    assert level[0] > level[1] + 20.0


def test_seated_person_makes_weak_slow_doppler_and_scene_movers_match() -> None:
    sit = SitAndWork(start_s=0.0, duration_s=8.0, position=(2.5, 2.0), fidgets_per_min=30.0)
    back_and_forth = ((1.0, 3.5), (4.0, 1.0), (1.0, 3.5), (4.0, 1.0))  # ~1.5 m/s
    walk = Walk(start_s=0.0, duration_s=8.0, waypoints=back_and_forth)

    def doppler_db(*actions: object) -> tuple[float, float]:
        """Power in the slow (3-40 Hz) and fast (80-400 Hz) Doppler bands, both sides."""
        scene = Scene(name="s", duration_s=8.0, actions=actions)  # type: ignore[arg-type]
        offset, power = _spectrum(render_scene(scene, seconds=6.0)[RATE_HZ:, 0])
        slow = _two_sided_db(offset, power, 3, 40)
        fast = _two_sided_db(offset, power, 80, 400)
        return slow, fast

    empty, seated, walking = doppler_db(), doppler_db(sit), doppler_db(walk)
    assert seated[0] > empty[0] + 10.0
    assert walking[1] > seated[1] + 20.0

    movers = scene_movers(Scene(name="s", duration_s=8.0, actions=(sit,)), seed=0)
    times = np.linspace(0.0, 8.0, 801)
    positions, weights = movers[0][1].scatterers(times)
    chest_speed = np.abs(np.diff(positions[0, :, :], axis=0)).max() / 0.01
    assert chest_speed < 1.0  # breathing and shifting, never walking
    assert weights.shape == positions.shape[:2]


def test_curtain_is_slow_and_pet_is_quick() -> None:
    curtain = Curtain(start_s=0.0, duration_s=6.0, position=(4.9, 2.5, 1.4), amplitude_m=0.05)
    pet = Pet(start_s=0.0, duration_s=6.0, area_center=(2.5, 2.0), speed_m_s=1.5)

    def bands(*actions: Curtain | Pet) -> tuple[float, float]:
        """Slow (1.5-25 Hz) and fast (60-400 Hz) Doppler power."""
        scene = Scene(name="n", duration_s=6.0, actions=actions)
        offset, power = _spectrum(render_scene(scene, seconds=5.0)[RATE_HZ:, 0])
        return _two_sided_db(offset, power, 1.5, 25), _two_sided_db(offset, power, 60, 400)

    empty, swaying, dashing = bands(), bands(curtain), bands(pet)
    assert swaying[0] > empty[0] + 20.0
    assert swaying[1] < empty[1] + 1.0  # nothing fast about a curtain
    assert dashing[1] > empty[1] + 10.0


def test_interferer_is_heard_at_its_frequency_and_adc_clips() -> None:
    tone = UltrasonicInterferer(
        start_s=0.0, duration_s=2.0, kind="pulsed", frequency_hz=21_500.0, level_dbfs=-40.0
    )
    x = render_scene(
        Scene(name="i", duration_s=2.0, actions=(tone,)), seconds=2.0, default_carrier_hz=None
    )[:, 0]
    offset, power = _spectrum(x)
    peak_hz = offset[np.argmax(power)] + CARRIER_HZ
    assert abs(peak_hz - 21_500.0) < 2.0
    loud = Sound(start_s=0.0, duration_s=1.0, kind="smoke_alarm", distance_m=0.3)
    clipped = Scene(name="c", duration_s=1.0, device=Device(clip_level=0.05), actions=(loud,))
    y = render_scene(clipped, default_carrier_hz=None)
    assert np.max(np.abs(y)) == pytest.approx(0.05)


@pytest.mark.parametrize("rate_hz", [22_050, 44_100, 48_000])
@pytest.mark.parametrize("tempo_bpm", [63.0, 97.3, 151.0])
def test_music_loop_fits_any_rate_and_tempo(rate_hz: int, tempo_bpm: float) -> None:
    loop = music_loop(Music(start_s=0.0, duration_s=1.0, tempo_bpm=tempo_bpm), 0, 0, rate_hz)
    assert loop.ndim == 1
    assert np.all(np.isfinite(loop))


def test_hires_device_at_96_khz_hears_a_35_khz_walker() -> None:
    walk = Walk(start_s=0.0, duration_s=2.0, waypoints=((2.5, 3.5), (2.5, 1.5)))
    scene = Scene(name="hi", duration_s=2.0, device=DEVICES["hires"], actions=(walk,))
    x = render_scene(
        scene, seconds=1.5, sample_rate_hz=96_000, channels=1, default_carrier_hz=35_000.0
    )[48_000:, 0].astype(np.float64)
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    offset = np.fft.rfftfreq(len(x), 1.0 / 96_000) - 35_000.0
    expected_hz = 2 * 1.0 * 35_000.0 / 343.0  # ~204 Hz
    band = (offset > 100) & (offset < 400)
    assert abs(offset[band][np.argmax(spec[band])] - expected_hz) < 20.0
