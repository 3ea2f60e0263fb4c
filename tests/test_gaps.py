"""Issue 17, item 6: what was untested: URL replay with prediction mode on, the length of
the undo history, the loss plot on CPython."""

import pytest

from backprop_sim import urlstate
from backprop_sim.controller import Controller
from backprop_sim.engine import MAX_HISTORY
from backprop_sim.scene import Line, Text, loss_scene


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


def test_the_loss_plot_draws_each_loss_to_scale():
    losses = [4.0, 2.0, 1.0]
    scene = loss_scene(losses, 300)
    left, right, top, bottom = 64.0, 300 - 12.0, 14.0, 150 - 28.0  # the plot's frame, as loss_scene lays it out
    curve = [item for item in scene.items if isinstance(item, Line) and item.width == 2]
    # by hand: x from left to right in equal steps, y = bottom − (bottom − top)·loss / max loss
    assert [(c.x1, c.y1) for c in curve[:2]] == [(left, top), (pytest.approx((left + right) / 2, abs=0.1), pytest.approx(bottom - (bottom - top) / 2, abs=0.1))]
    assert (curve[-1].x2, curve[-1].y2) == (pytest.approx(right), pytest.approx(bottom - (bottom - top) / 4, abs=0.1))
    texts = [t.text for t in scene.items if isinstance(t, Text)]
    assert "4.0000" in texts and "step 3: loss 1.0000" in texts  # every computed value to 4 decimals
    assert "Train to see the loss fall" in [t.text for t in loss_scene([0.5], 300).items if isinstance(t, Text)]


def test_the_source_page_shows_every_module():
    import lesson  # tools/lesson.py

    modules = {p.relative_to(lesson.PACKAGE).as_posix() for p in lesson.PACKAGE.rglob("*.py")} - {"__init__.py"}
    assert set(lesson.SOURCE_ORDER) == modules
