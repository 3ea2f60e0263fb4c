"""Issue 18 in the browser: a learner makes training diverge, and the page explains it."""

import math

import pytest

from conftest import act, state, wait_for

pytestmark = pytest.mark.browser


def numbers(data):
    """Every number in a state, however deeply nested."""
    if isinstance(data, bool) or data is None or isinstance(data, str):
        return
    if isinstance(data, (int, float)):
        yield data
    elif isinstance(data, dict):
        for v in data.values():
            yield from numbers(v)
    elif isinstance(data, list):
        for v in data:
            yield from numbers(v)


def all_finite(s) -> bool:
    return all(math.isfinite(v) for v in numbers(s))


@pytest.fixture
def page(sim):
    act(sim, "preset", "seed")
    act(sim, "lr", 0.5)
    for tool in ("build-tool", "train-tool"):
        sim.evaluate(f"document.getElementById('{tool}').open = true")
    return sim


def test_linear_network_with_learning_rate_10_diverges_with_an_explanation(page):
    page.select_option("#hidden-act", "linear")
    page.select_option("#output-act", "linear")
    page.fill("#lr", "10")
    page.locator("#lr").dispatch_event("change")
    page.locator("#train-speed").fill("60")
    assert state(page)["learning_rate"] == 10
    page.click("#btn-train")
    # Train stops by itself when the numbers run away: wait for that state, not for a time
    wait_for(page, "!window.backpropSim.state().training", timeout=60_000)
    s = state(page)
    assert s["diverged"] and "learning rate 10 is too large" in s["diverged"]
    assert all_finite(s), "the state stays at the last finite moment"
    message = page.locator("#message").inner_text()
    assert "learning rate 10 is too large" in message and "Step Back" in message
    assert page.locator("#btn-train").get_attribute("aria-pressed") == "false"
    assert not page.locator("#error-panel").is_visible()
    assert page.errors == []
    # the drawing and the loss plot still show the last finite moment
    assert "∞" not in page.locator("#status").inner_text()
    # Step Back, Reset and Forward all work afterwards
    phase = s["phase"]
    page.click("#btn-back")
    back = state(page)
    assert back["diverged"] is None and (back["phase"] != phase or back["W"] != s["W"])
    page.click("#btn-reset")
    assert state(page)["phase"] == "ready"
    page.click("#btn-forward")
    after = state(page)
    assert after["phase"] == "forward" and math.isfinite(after["loss"]) and all_finite(after)
    assert page.errors == []


@pytest.mark.parametrize("value", ["1e308", "-1e308"])
def test_an_input_of_1e308_is_refused_clearly(page, value):
    before = state(page)
    field = page.locator("#x0")
    field.fill(value)
    field.dispatch_event("change")
    wait_for(page, "document.getElementById('message').textContent.includes('must lie between')")
    assert "1.000e308" in page.locator("#message").inner_text()
    s = act(page, "x", [float(value), 0])
    assert "must lie between −1e6 and 1e6" in s["message"]
    assert state(page)["x"] == before["x"] and all_finite(state(page))


def test_act_never_throws_to_javascript(page):
    """Values no button sends: each call answers with a state (and a message), never an exception."""
    answers = page.evaluate("""() => {
        const api = window.backpropSim, out = [];
        const calls = [["x", () => 1], ["weight", {a: {b: [1, 2]}}], [42, null], ["layers", [1e308]],
                       ["target", Infinity], ["seed", -0], ["select", ["weight", NaN, 1, 1]], ["lr", "1e999"],
                       ["parameters", {W: [NaN], b: []}], ["x", document.body]];
        for (const [name, value] of calls) {
            try { const s = api.act(name, value); out.push(typeof s === "object" && Array.isArray(s.layers) ? "state" : "odd"); }
            catch (e) { out.push("threw: " + e); }
        }
        return out;
    }""")
    assert answers == ["state"] * len(answers)
    assert all_finite(state(page)) and page.errors == []


def test_a_bug_while_rendering_shows_the_error_panel_and_the_api_keeps_answering(page):
    page.evaluate("""window.backpropSim.pyodide.runPython(`
import backprop_sim.panels as p
p._saved_status = p.status
def broken(moment):
    raise RuntimeError('deliberately broken for a test')
p.status = broken
`)""")
    try:
        s = act(page, "forward")
        assert s["phase"] == "forward"  # the action happened; only drawing its result failed
        assert page.locator("#error-panel").is_visible()
        assert "deliberately broken" in page.locator("#error-text").inner_text()
        assert act(page, "back")["phase"] == "ready"
    finally:
        page.evaluate("window.backpropSim.pyodide.runPython('import backprop_sim.panels as p; p.status = p._saved_status')")
    page.click("#error-reset")
    assert not page.locator("#error-panel").is_visible()
    assert page.errors == []  # caught and shown: nothing reached the page's uncaught errors
