"""Scene data: built-in catalogue, ground-truth annotations, the random scene generator."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from earshot_engine.simulation import (
    DISTRACTOR_SOUNDS,
    NON_TARGET_SOUNDS,
    SCENES,
    SOUND_KINDS,
    Annotation,
    Scene,
    SitAndWork,
    Sound,
    Walk,
    labels_at,
    random_scene,
    render_scene,
)

REQUIRED = ("demo", "empty", "walk", "seated", "fan", "music", "smoke_alarm", "co_alarm")


def test_catalogue_has_the_required_scenes() -> None:
    assert set(REQUIRED) | {"glass_break"} <= set(SCENES)
    for name, scene in SCENES.items():
        assert scene.name == name
        assert all(a.start_s < scene.duration_s for a in scene.actions)


def test_demo_is_a_five_minute_day_with_every_sound_kind() -> None:
    demo = SCENES["demo"]
    assert 240.0 <= demo.duration_s <= 360.0
    truth = demo.annotations()
    sounds = {a.label for a in truth if a.kind == "sound"}
    assert set(SOUND_KINDS) <= sounds
    assert sounds <= set(SOUND_KINDS) | set(NON_TARGET_SOUNDS)
    assert {a.label for a in truth if a.kind == "motion"} == {"major", "minor", "nonhuman"}
    smoke = next(a for a in truth if a.label == "smoke_alarm")
    assert smoke.end_s - smoke.start_s == pytest.approx(40.0)
    assert labels_at(truth, 2.0) == set()  # it starts quiet, so the loop seam is clean
    assert labels_at(truth, demo.duration_s - 1.0) == set()


def test_annotations_follow_the_actions_and_clip_to_the_scene() -> None:
    scene = Scene(
        name="t",
        duration_s=10.0,
        actions=(
            Walk(start_s=1.0, duration_s=2.0, waypoints=((0.0, 0.0), (2.0, 0.0))),
            SitAndWork(start_s=3.0, duration_s=20.0, position=(1.0, 1.0)),
            Sound(start_s=4.0, duration_s=1.0, kind="knock"),
        ),
    )
    assert scene.annotations() == (
        Annotation("motion", "major", 1.0, 3.0),
        Annotation("presence", "person", 1.0, 3.0),
        Annotation("motion", "minor", 3.0, 10.0),
        Annotation("presence", "person", 3.0, 10.0),
        Annotation("sound", "knock", 4.0, 5.0),
    )
    assert labels_at(scene.annotations(), 4.5, kind="sound") == {"knock"}


def test_walk_at_speed_sets_the_duration() -> None:
    walk = Walk.at_speed(start_s=0.0, waypoints=((0.0, 0.0), (3.0, 4.0)), speed_m_s=2.0)
    assert walk.duration_s == pytest.approx(2.5)
    assert walk.speed_m_s == pytest.approx(2.0)


def test_random_scenes_are_seeded_varied_and_renderable() -> None:
    a = random_scene(np.random.default_rng(7), duration_s=3.0, walkers=2, sounds=2)
    b = random_scene(np.random.default_rng(7), duration_s=3.0, walkers=2, sounds=2)
    others = [random_scene(np.random.default_rng(s), duration_s=3.0) for s in range(8)]
    assert a == b
    assert len({o.room for o in others}) == 8
    x = render_scene(a, seconds=1.0, sample_rate_hz=16_000)
    assert np.all(np.isfinite(x))
    for scene in others:
        for note in scene.annotations():
            assert 0.0 <= note.start_s < note.end_s <= scene.duration_s


def test_random_scene_knobs_restrict_content() -> None:
    scene = random_scene(
        np.random.default_rng(1),
        walkers=0,
        seated_prob=0.0,
        nonhuman_prob=0.0,
        music_prob=0.0,
        sounds=3,
        sound_kinds=("glass_break",),
        interferer_prob=0.0,
    )
    labels = {(a.kind, a.label) for a in scene.annotations()}
    assert labels <= {("sound", "glass_break")}


def test_scenes_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        SCENES["demo"].duration_s = 1.0  # type: ignore[misc]


def test_walks_count_only_inside_the_room() -> None:
    through = Walk(start_s=10.0, duration_s=7.0, waypoints=((-1.0, 2.0), (6.0, 2.0)))  # 1 m/s
    scene = Scene(name="through", duration_s=20.0, actions=(through,))
    (motion,) = [a for a in scene.annotations() if a.kind == "motion"]
    assert motion.start_s == pytest.approx(11.0, abs=0.06)  # enters at x = 0
    assert motion.end_s == pytest.approx(16.0, abs=0.06)  # leaves at x = 5 (room width)


def test_distractors_only_on_request() -> None:
    plain = random_scene(np.random.default_rng(5), sounds=2)
    mixed = random_scene(np.random.default_rng(5), sounds=2, distractors=3)
    assert mixed.actions[: len(plain.actions)] == plain.actions  # other draws unchanged
    assert len(mixed.actions) > len(plain.actions)
    extra = {a.label for a in mixed.annotations()} - {a.label for a in plain.annotations()}
    assert extra <= set(DISTRACTOR_SOUNDS)


def test_walkers_accelerate_from_standing_and_stop_smoothly() -> None:
    walk = Walk.at_speed(
        start_s=0.0, waypoints=((0.0, 0.0), (4.0, 0.0)), speed_m_s=1.0, accel_s=1.0
    )
    assert walk.duration_s == pytest.approx(5.0)
    assert walk.speed_m_s == pytest.approx(1.0)
    t = np.linspace(-1.0, 6.0, 701)
    progress = walk.path_time_s(t) * walk.speed_m_s
    assert progress[0] == 0.0
    assert progress[-1] == pytest.approx(4.0)
    assert np.all(np.diff(progress) >= 0.0)
    speed = np.diff(progress) / np.diff(t)
    assert np.max(np.abs(np.diff(speed))) < 0.02  # no jumps in speed
    assert walk.speed_factor(np.array([0.0, 0.5, 2.5, 4.5, 5.0])) == pytest.approx(
        [0.0, 0.5, 1.0, 0.5, 0.0]
    )


def test_nonsense_is_rejected() -> None:
    with pytest.raises(ValueError, match="duration"):
        Scene(name="x", duration_s=0.0)
    with pytest.raises(ValueError, match="waypoints"):
        Walk(start_s=0.0, duration_s=1.0, waypoints=((1.0, 1.0),))
    with pytest.raises(ValueError, match="duration"):
        Walk(start_s=0.0, duration_s=0.0, waypoints=((1.0, 1.0), (2.0, 1.0)))


def test_looped_annotations_unroll_the_timeline() -> None:
    scene = Scene(
        name="t",
        duration_s=10.0,
        actions=(Sound(start_s=8.0, duration_s=2.0, kind="knock"),),
    )
    assert scene.looped_annotations(5.0, 29.0) == (
        Annotation("sound", "knock", 8.0, 10.0),
        Annotation("sound", "knock", 18.0, 20.0),
        Annotation("sound", "knock", 28.0, 29.0),
    )
