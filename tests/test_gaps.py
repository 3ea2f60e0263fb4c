"""Issue 17, item 6: what was untested: URL replay with prediction mode on, the length of
the undo history (the loss plot on CPython: test_curves.py)."""

from backprop_sim import urlstate
from backprop_sim.controller import Controller
from backprop_sim.engine import MAX_HISTORY


def test_a_link_replays_its_steps_with_prediction_mode_on():
    ctl = Controller()
    ctl.act("predict_mode", True)
    assert urlstate.apply(ctl, "preset=seed&step=3") == []
    assert ctl.sim.phase == "complete" and len(ctl.sim.now.steps) == 2
    assert ctl.predict_mode  # still on, for the next pass
    assert urlstate.apply(ctl, "preset=seed&step=2") == []
    assert ctl.state()["prediction"] == {"l": 1, "j": 1, "of": 3}  # the next δ to predict: layer 1's first


def test_step_back_goes_back_max_history_moments_and_no_further():
    ctl = Controller()
    ctl.act("train", True)
    for _ in range(MAX_HISTORY + 25):
        assert ctl.act("train_tick") == ""
    assert len(ctl.sim.history) == MAX_HISTORY
    oldest = ctl.sim.history[0]
    for _ in range(MAX_HISTORY):
        assert ctl.act("back") == ""
    assert ctl.sim.now is oldest and ctl.sim.now.updates == 25  # the first 25 updates were let go
    assert "Nothing to undo" in ctl.act("back")


def test_the_source_page_shows_every_module():
    import lesson  # tools/lesson.py

    modules = {p.relative_to(lesson.PACKAGE).as_posix() for p in lesson.PACKAGE.rglob("*.py")} - {"__init__.py"}
    assert set(lesson.SOURCE_ORDER) == modules
