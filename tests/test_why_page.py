"""Issue 29 in the page: each layer's gradient drawn and said in words, neurons that pass no
gradient marked on the drawing, the batch behind a weight's update and a nudge, chosen from the
keyboard; the weights drawn as they change. Real Chromium; screenshots in test-output/."""

import json
import pytest

from conftest import ROOT, act, state, wait_drawn

pytestmark = pytest.mark.browser
OUT = ROOT / "test-output"


def python(page, code: str):
    return json.loads(page.evaluate("(code) => window.backpropSim.pyodide.runPython(code)",
                                    f"import json, backprop_sim.painter as p\njson.dumps({code})"))


@pytest.fixture
def page(sim):
    act(sim, "train", False)
    act(sim, "dataset", {"name": "spiral", "noise": 0, "train_share": 50, "batch": 10, "seed": 0})
    act(sim, "layers", "2-8-8-8-8-1")
    act(sim, "activation", ["hidden", "sigmoid"])
    act(sim, "lr", 1)
    sim.evaluate("document.getElementById('why-box').open = true")
    yield sim
    act(sim, "train", False)
    act(sim, "dataset", {"name": "none"})
    act(sim, "lr", 0.5)


def test_a_deep_sigmoid_networks_vanishing_gradient_is_drawn_and_said(page):
    act(page, "train_steps", 200)
    wait_drawn(page)
    s = state(page)
    assert s["flow"]["kind"] == "vanishing"
    assert "vanishes" in page.locator("#flow-line").inner_text()
    assert python(page, "p._page.renderer.canvases.painted['flow-plot'][0] == p._page.ctl.state()['flow_updates']")  # drawn for these updates
    keys = python(page, "sorted({t.text for t in __import__('backprop_sim.scene', fromlist=['x']).flow_scene("
                        "p._page.ctl.state()['flow_updates'], p._page.ctl.state()['gradient_flow'], 400).items if t.kind == 'text'})")
    assert {"layer 1", "layer 4", "output"} <= set(keys)
    assert page.evaluate("document.getElementById('flow-plot').height") > 0
    OUT.mkdir(exist_ok=True)
    page.locator("#data-panel").screenshot(path=str(OUT / "why-flow.png"))


def test_the_batch_behind_a_weight_and_a_nudge_from_the_keyboard(page):
    act(page, "train_steps", 30)
    page.focus("#why-weight")
    page.select_option("#why-weight", json.dumps(["weight", 2, 1, 3]))
    s = state(page)
    batch = s["weight_batch"]
    assert batch["weight"] == [2, 1, 3] and len(batch["per_example"]) == 10
    assert page.locator("#weight-batch .bars li").count() == 10
    text = page.locator("#weight-batch").inner_text()
    delta = f"{batch['delta']:+.4f}" if abs(batch["delta"]) >= 1e-4 else f"{batch['delta']:+.2e}".replace("+", "")
    assert "Δw" in text and delta.replace("-", "−") in text
    W = s["W"]
    page.fill("#nudge-eps", "0.001")
    page.press("#nudge-eps", "Enter")
    nudge = state(page)["nudge"]
    assert nudge["weight"] == [2, 1, 3] and nudge["eps"] == 0.001
    assert "predicted" in page.locator("#nudge-line").inner_text()
    assert state(page)["W"] == W  # the network as it was
    page.locator("#why-box").screenshot(path=str(OUT / "why-batch.png"))


def test_the_weights_are_drawn_as_they_change_and_dead_neurons_marked(page):
    act(page, "layers", "2-4-1")
    act(page, "activation", ["hidden", "relu"])
    W = [w for layer in state(page)["W"] for row in layer for w in row]
    act(page, "parameters", {"W": W, "b": [-100, -100, 0.5, 0.1, 0]})
    wait_drawn(page)
    widths = python(page, "sorted({i.width for i in p._page.renderer.canvases.network_scene.items if i.kind == 'line'})")
    assert len(widths) > 3  # |w| sets each connection's width, not one width for all
    texts = python(page, "[i.text for i in p._page.renderer.canvases.network_scene.items if i.kind == 'text']")
    assert texts.count("dead") == 2
    assert "2 of 4 neurons in layer 1 are dead" in page.locator("#flags-line").inner_text()
    page.locator("#network").screenshot(path=str(OUT / "why-weights.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#data-panel").screenshot(path=str(OUT / "why-phone.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    act(page, "forward")  # the step-by-step lesson keeps its drawing
    wait_drawn(page)
    assert len(python(page, "sorted({i.width for i in p._page.renderer.canvases.network_scene.items if i.kind == 'line' and i.width > 1.6})")) <= 2
