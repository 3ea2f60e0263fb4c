"""Issue 16 in the page: a data set's plane and the neurons' maps drawn and redrawn while
training, a click (or a key) on a point makes it the lesson's example, the link carries the
data set, and bad input is a message that changes nothing. Real Chromium."""

import json

import pytest

from conftest import act, state, wait_drawn, wait_for

pytestmark = pytest.mark.browser


def python(page, code: str):
    """A Python expression's value in the page, through JSON."""
    return json.loads(page.evaluate("(code) => window.backpropSim.pyodide.runPython(code)",
                                    f"import json, backprop_sim.painter as p\njson.dumps({code})"))


@pytest.fixture
def page(sim):
    act(sim, "train", False)
    act(sim, "dataset", {"name": "xor", "noise": 0, "train_share": 50, "batch": 10, "seed": 0})
    act(sim, "features", ["x1", "x2"])
    act(sim, "layers", "2-4-1")
    act(sim, "regularization", {"kind": "none", "rate": 0})
    act(sim, "pick_point", 0)
    sim.evaluate("document.getElementById('message').textContent = ''")
    wait_drawn(sim)
    yield sim
    act(sim, "train", False)
    act(sim, "dataset", {"name": "none"})


def plane_pixels(page) -> str:
    return page.evaluate("document.getElementById('plane').toDataURL()")


def test_a_data_set_shows_the_plane_and_a_map_for_each_input_and_hidden_neuron(page):
    assert page.locator("#data-panel").is_visible()
    s = state(page)
    data = s["dataset"]
    assert data["name"] == "xor" and data["n_train"] + data["n_test"] == 500 and data["epoch"] == 0
    assert s["layers"] == [2, 4, 1] and s["features"] == ["x1", "x2"]
    # the plane: a heat map (many colours), the points over it
    colours = page.evaluate("""(() => {
        const c = document.getElementById('plane'), g = c.getContext('2d');
        const d = g.getImageData(0, 0, c.width, c.height).data, seen = new Set();
        for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2]);
        return seen.size; })()""")
    assert colours > 20
    maps = python(page, "sum(item.kind == 'image' for item in p._page.renderer.canvases.network_scene.items)")
    assert maps == 2 + 4  # one per input and per hidden neuron, none at the output
    assert page.locator("#data-line").inner_text().strip() != ""


def test_the_pictures_change_while_training_and_the_counters_move(page):
    before = plane_pixels(page)
    page.click("#data-panel .train-button")
    wait_for(page, "window.backpropSim.state().dataset.update >= 60", timeout=60_000)
    page.click("#data-panel .train-button")
    s = state(page)
    assert not s["training"] and s["dataset"]["update"] >= 60 and s["dataset"]["epoch"] >= 2
    wait_drawn(page)
    assert plane_pixels(page) != before
    history = python(page, "len(p._page.ctl.curve())")
    assert history >= 2
    assert page.locator("#data-line").inner_text() != ""


def test_one_update_button_is_one_batch(page):
    page.click("#btn-one-update")
    assert state(page)["dataset"]["update"] == 1


def test_clicking_a_point_makes_it_the_lessons_example_and_the_steps_walk_it(page):
    index = 7
    x, y = python(page, f"[(t.x, t.y) for t in p._page.renderer.canvases.plane_scene.targets if t.index == {index}][0]")
    box = page.locator("#plane").bounding_box()
    width = python(page, "p._page.renderer.canvases.plane_scene.width")
    scale = box["width"] / width
    page.mouse.click(box["x"] + x * scale, box["y"] + y * scale)
    s = state(page)
    assert s["picked"] == index and s["phase"] == "ready"
    point = python(page, f"p._page.ctl.data_picture().x[{index}].tolist()")
    target = python(page, f"float(p._page.ctl.data_picture().y[{index}])")
    assert s["x"] == pytest.approx(point) and s["y"] == [target]
    page.click("#btn-forward")
    for _ in s["layers"][1:]:
        page.click("#btn-backward")
    s = state(page)
    assert s["phase"] == "complete" and s["dW"][0] is not None
    # the plot marks the picked point
    assert python(page, "p._page.ctl.data_picture().picked") == index


def test_the_plot_picks_points_by_keyboard(page):
    """The arrows move to the nearest point that way (screen y down), Home to the centre's point;
    the page's own ← → (Step Back, Backward Step) do not fire while the plot has focus."""
    page.focus("#plane")
    x0 = python(page, "[t.x for t in p._page.renderer.canvases.plane_scene.targets if t.index == 0][0]")
    page.keyboard.press("ArrowRight")
    s = state(page)
    assert s["picked"] != 0 and s["phase"] == "ready"
    x1 = python(page, f"[t.x for t in p._page.renderer.canvases.plane_scene.targets if t.index == {s['picked']}][0]")
    assert x1 > x0
    page.keyboard.press("Home")
    centre = python(page, "__import__('backprop_sim.scene').scene.nearby_point(p._page.renderer.canvases.plane_scene, None, 0, 0)")
    assert state(page)["picked"] == centre


def test_the_link_carries_the_data_set_features_and_regularisation(page, visit, server):
    act(page, "dataset", {"name": "spiral", "noise": 15, "train_share": 30, "batch": 5, "seed": 4})
    act(page, "features", ["x1", "x2", "sin x1"])
    act(page, "regularization", {"kind": "l2", "rate": 0.003})
    act(page, "train_steps", 5)
    act(page, "pick_point", 12)
    expected = state(page)
    link = page.evaluate("location.hash")
    other = visit().open(server.url("sim/main.html") + link)
    got = state(other)
    for key in ("features", "regularization", "picked", "W", "b", "x", "y", "layers"):
        assert got[key] == expected[key], key
    for key in ("name", "noise", "train_share", "batch", "seed", "n_train", "n_test"):
        assert got["dataset"][key] == expected["dataset"][key], key
    assert other.locator("#data-panel").is_visible()


def test_bad_input_is_a_message_and_changes_nothing(page):
    before = state(page)
    for name, value in (("dataset", {"name": "moons"}), ("dataset", {"noise": 80}), ("dataset", {"batch": 0}),
                        ("features", []), ("features", ["x3"]), ("regularization", {"kind": "l3", "rate": 1}),
                        ("regularization", {"kind": "l2", "rate": "NaN"}), ("pick_point", 9999), ("train_steps", -1)):
        result = act(page, name, value)
        assert result["message"], (name, value)
        assert page.locator("#message").inner_text() == result["message"]
        after = state(page)
        assert (after["dataset"], after["features"], after["regularization"], after["W"]) == \
            (before["dataset"], before["features"], before["regularization"], before["W"]), (name, value)


def test_a_bad_data_link_names_what_it_left_out(visit, server):
    other = visit().open(server.url("sim/main.html") + "#data=moons&noise=500")
    notice = other.locator("#url-notice")
    assert notice.is_visible() and "data" in notice.inner_text().lower()
    assert state(other)["phase"] == "ready"


def test_the_data_export_is_a_csv_of_every_point(page):
    page.evaluate("document.getElementById('share-tool').open = true")
    with page.expect_download() as download:
        page.click("#btn-data-csv")
    assert download.value.suggested_filename == "backprop-xor.csv"
    text = open(download.value.path()).read().splitlines()
    assert len(text) == 1 + 500 and "x1" in text[0]
    act(page, "dataset", "none")
    assert page.locator("#btn-data-csv").is_hidden()
