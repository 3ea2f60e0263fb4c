"""Issue 30 in the page: your own points drawn with a click on the plot, pasted as CSV with Load
(a bad row a message that changes nothing), the hidden layers' − and + buttons; a screenshot at a
phone's and a desktop's width. Real Chromium."""

import pytest

from conftest import act, state, wait_drawn, wait_for

pytestmark = pytest.mark.browser


@pytest.fixture
def page(sim):
    act(sim, "train", False)
    act(sim, "dataset", {"name": "custom", "kind": "classification"})
    wait_drawn(sim)
    yield sim
    act(sim, "dataset", {"name": "none"})


def test_a_click_draws_a_point_and_step_back_takes_it_away(page):
    page.locator("#data-tool").evaluate("d => d.open = true")
    assert page.locator("#own-data").is_visible()
    page.fill("#draw-label", "2")
    page.locator("#draw-label").dispatch_event("change")
    wait_for(page, "window.backpropSim.pyodide.runPython('import backprop_sim.painter as p; p._page.ctl.option(\"draw_label\")') == 2")
    box = page.locator("#plane").bounding_box()
    page.locator("#plane").click(position={"x": box["width"] * 0.3, "y": box["width"] * 0.3})
    wait_for(page, "window.backpropSim.state().dataset.n_train + window.backpropSim.state().dataset.n_test === 1")
    assert state(page)["dataset"]["classes"] == 3 and state(page)["layers"][-1] == 3  # a third class: softmax
    page.click("#btn-back")
    wait_for(page, "window.backpropSim.state().dataset.n_train + window.backpropSim.state().dataset.n_test === 0")


def test_csv_load_and_a_bad_row_is_a_message(page):
    page.locator("#data-tool").evaluate("d => d.open = true")
    page.fill("#csv-text", "x1,x2,label\n1,1,1\n-1,-1,0\n2,2,1\n-2,-2,0\n")
    page.click("#btn-csv-load")
    wait_for(page, "window.backpropSim.state().dataset.n_train === 2")
    wait_for(page, "document.getElementById('message').textContent.includes('Loaded 4 point(s)')")
    page.fill("#csv-text", "1,1,1\n1,abc,0\n")
    page.click("#btn-csv-load")
    wait_for(page, "document.getElementById('message').textContent.includes('Row 2')")
    assert state(page)["dataset"]["n_train"] + state(page)["dataset"]["n_test"] == 4


def test_the_neuron_buttons_grow_a_hidden_layer_by_keyboard(page):
    page.locator("#build-tool").evaluate("d => d.open = true")
    layers = state(page)["layers"]
    plus = page.locator("#neuron-buttons button[data-neurons='1,1']")
    plus.focus()
    page.keyboard.press("Enter")
    wait_for(page, f"window.backpropSim.state().layers[1] === {layers[1] + 1}")


@pytest.mark.parametrize("width", [390, 1280])
def test_screenshots(page, width, tmp_path_factory):
    act(page, "csv", "\n".join(f"{(i % 9) - 4},{(i // 9) - 4},{i % 3}" for i in range(81)))
    act(page, "train_steps", 200)
    page.set_viewport_size({"width": width, "height": 900})
    page.locator("#data-tool").evaluate("d => d.open = true")
    wait_drawn(page)
    out = tmp_path_factory.getbasetemp().parent / f"owndata-{width}.png"
    page.locator("#data-panel").screenshot(path=str(out))
    page.set_viewport_size({"width": 1280, "height": 900})
    assert out.stat().st_size > 1000
