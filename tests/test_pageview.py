"""Issue 24, item 4: what each element of the page shows, and what each event on it means, are
pure (pageview.py, drawing.py): tested here on CPython, the painter only writes them."""

import json

import pytest

from backprop_sim import pageview, panels, settings, toolwords
from backprop_sim.controller import Controller
from backprop_sim.drawing import Canvases
from backprop_sim.scene import View


def tex(line: str) -> str:
    return f"<tex>{line}</tex>"


def test_the_page_shows_the_panels_words_and_every_settings_value():
    ctl = Controller()
    ctl.act("forward"), ctl.act("backward")
    view = pageview.page(ctl, tex)
    assert view.text["narration"] == panels.narration(ctl.sim.now) and view.status == panels.status(ctl.sim.now)
    assert view.html["equation"] == panels.equation_html(panels.equation(ctl.sim.now), tex)
    assert view.value["lr"] == 0.5 and view.value["speed"] == 1.0 and view.text["speed-value"] == "1 step/s"
    assert view.value["train-speed"] == view.value["data-speed"] == 61.0  # the fast notch: the default (issue 26)
    assert view.value["preset"] == "seed" and view.value["hidden-act"] == "sigmoid" and view.value["layers"] == "2, 3, 1"
    assert view.checked["finer"] is False and "finer" not in view.value
    assert view.value["target"] == 1.0 and view.text["target-value"] == "1.00"
    assert view.hidden["data-panel"] and view.disabled["noise"] and not view.disabled["target"]
    assert view.inputs["values"] == [1.0, 0.5] and 'id="x1"' in view.inputs["html"]
    assert view.buttons[0] == ("#btn-auto", False, "Auto ▶")
    assert view.hidden["url-notice"] and view.text["url-notice"] == ""
    # fast training is the slider's last notch, in both speed sliders
    ctl.act("train_speed", "fast")
    view = pageview.page(ctl, tex, light=True)
    notch = settings.BY_NAME["train_speed"].read.high + 1
    assert view.value["train-speed"] == view.value["data-speed"] == notch and view.text["train-speed-value"] == "fast"
    assert "trace" not in view.html  # a light render leaves the tools' lists
    assert json.loads(pageview.as_json(pageview.page(ctl, tex), json.dumps))["options"]["trace-weight"].startswith("<option")


def test_a_data_set_shows_its_settings_and_its_line():
    ctl = Controller()
    ctl.act("dataset", {"name": "xor", "noise": 20, "batch": 4})
    view = pageview.page(ctl, tex)
    assert view.value["noise"] == 20 and view.text["noise-value"] == "20 %" and view.text["batch-value"] == "4 examples"
    assert not view.hidden["data-panel"] and not view.disabled["noise"] and view.disabled["target"]
    assert view.features["x1"] == (True, False) and view.features["sin x1"] == (False, False)
    assert view.text["data-line"] == toolwords.data_line(ctl.state()["dataset"])


@pytest.mark.parametrize("event, action", [
    (("control", "noise", "20"), ("dataset", {"noise": "20"})),
    (("control", "hidden-act", "tanh"), ("activation", ["hidden", "tanh"])),
    (("control", "finer", True), ("finer", True)),
    (("control", "show-table", True), ("table", True)),
    (("control", "lr", "0.1"), ("lr", "0.1")),
    (("control", "target", "0.35"), ("target", "0.35")),
    (("control", "dataset", "spiral"), ("dataset", {"name": "spiral"})),
    (("control", "reg-rate", "0.01"), ("regularization", {"rate": "0.01"})),
    (("control", "predict-mode", True), ("predict_mode", True)),
    (("action", "forward", None), ("forward", None)),
    (("action", "train_steps", "1"), ("train_steps", "1")),
    (("group", "inputs", ["1", "2"]), ("x", ["1", "2"])),
    (("group", "features", ["x1", "sin x1"]), ("features", ["x1", "sin x1"])),
    (("select", "trace-weight", '["weight", 1, 1, 2]'), ("select", ["weight", 1, 1, 2])),
    (("select", "trace-neuron", ""), ("select", None)),
    (("field", "layers", "2, 4, 1"), ("layers", "2, 4, 1")),
    (("field", "prediction", "-0.1"), ("predict", "-0.1")),
    (("key", "f", ["body", "", False]), ("forward", None)),
    (("key", "ArrowRight", ["input", "range", False]), None),  # a focused slider's own key
    (("key", "b", ["input", "text", False]), None),  # typing in a field
    (("key", "b", ["body", "", True]), None),  # Ctrl+B is the browser's
    (("key", "t", ["body", "", False]), ("table", True)),
])
def test_each_event_means_one_action(event, action):
    assert pageview.event(Controller(), *event) == action


def test_the_value_field_sets_the_selected_weight_or_bias():
    ctl = Controller()
    assert pageview.event(ctl, "field", "edit-value", "0.7") is None  # nothing selected
    ctl.act("select", ["weight", 2, 1, 3])
    assert pageview.event(ctl, "field", "edit-value", "0.7") == ("weight", [2, 1, 3, "0.7"])
    ctl.act("select", ["neuron", 1, 2])
    assert pageview.event(ctl, "field", "edit-value", "0.7") == ("bias", [1, 2, "0.7"])


def test_every_control_of_the_table_is_wired_and_sends_its_rows_action():
    kinds = {control: "number" if control in ("lr", "data-seed", "reg-rate") else "range" for control in pageview.CONTROLS}
    wiring = pageview.wiring(kinds)
    wired = {control: event for control, event, _ in wiring["controls"]}
    for row in settings.SETTINGS:
        for control in row.controls if row.button is None else ():
            assert control in wired
    assert wired["lr"] == "change" and wired["noise"] == "input"  # a number field sends when it is left
    assert ["layers", "btn-layers"] in wiring["fields"] and set(wiring["menus"]) == {"preset", "hidden-act", "output-act", "loss-fn", "dataset"}


def test_a_click_on_the_drawing_picks_what_is_under_it_at_the_size_shown():
    ctl, canvases = Controller(), Canvases()
    scene = canvases.network(ctl, View(800))
    target = next(t for t in scene.targets if t.kind == "weight")
    x, y = (target.x1 + target.x2) / 2, (target.y1 + target.y2) / 2  # the middle of the weight's line
    assert pageview.event(ctl, "click", "network", [x / 2, y / 2, scene.width / 2], canvases)[0] == "select"  # drawn at half size
    assert pageview.event(ctl, "click", "network", [x / 2, y / 2, scene.width / 2], canvases)[1] is not None
    assert pageview.event(ctl, "click", "network", [1, 1, scene.width], canvases) == ("select", None)


def test_the_plots_keys_are_taken_even_where_they_move_nowhere():
    ctl, canvases = Controller(), Canvases()
    assert pageview.event(ctl, "plane-key", "ArrowRight", None, canvases) is None  # no data set: the page's key
    ctl.act("dataset", {"name": "circle"})
    canvases.plane(ctl, 400.0, "light")
    taken = pageview.event(ctl, "plane-key", "ArrowRight", None, canvases)
    assert taken and taken[0] == "pick_point" and taken[1] != ctl.picked
    assert pageview.event(ctl, "plane-key", "x", None, canvases) is None


def test_the_plane_while_training_is_the_grids_own_cells_and_the_finer_map_once_it_stops():
    """A training frame paints a new picture every frame: its heat map has the grid's cells (the
    canvas smooths them), a ninth of the pixels; when training stops the same picture is drawn
    again, PLANE_FINER times finer a side."""
    from backprop_sim.scene import PLANE_FINER

    ctl, canvases = Controller(), Canvases()
    ctl.act("dataset", {"name": "circle"})
    first = canvases.plane(ctl, 400.0, "light")[3].items[0]  # a new plane: its whole scene, finer
    ctl.act("train", True)
    ctl.act("train_steps", 1)
    heat, rest = canvases.plane(ctl, 400.0, "light")[:2]
    coarse = json.loads(heat)[0]
    assert rest is None and (coarse[4], coarse[5]) == (first.cols // PLANE_FINER, first.rows // PLANE_FINER)
    assert canvases.plane(ctl, 400.0, "light") is None  # nothing new to paint
    ctl.act("train", False)
    fine = json.loads(canvases.plane(ctl, 400.0, "light")[0])[0]
    assert (fine[4], fine[5]) == (first.cols, first.rows)
    assert canvases.plane(ctl, 400.0, "light") is None
