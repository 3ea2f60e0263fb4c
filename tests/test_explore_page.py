"""Issue 6 in the browser: each new feature as a learner uses it, the URL round trip, and a
fuzz of a thousand malformed links through the page itself."""

import json
import random

import pytest

from backprop_sim.presets import SEED_X
from conftest import act, state, wait_for
from test_scene import four, seed_by_hand
from test_explore import comparable, random_fragment
from test_foundation import NON_BLANK

pytestmark = pytest.mark.browser


@pytest.fixture
def page(sim):
    act(sim, "preset", "seed")
    for name, value in (("predict_mode", False), ("check", False), ("select", None), ("lr", 0.5), ("finer", False)):
        act(sim, name, value)
    for tool in ("build-tool", "train-tool", "trace-tool", "predict-tool", "share-tool"):
        sim.evaluate(f"document.getElementById('{tool}').open = true")
    return sim


def test_build_your_own_network_with_the_controls(page):
    page.fill("#layers", "3, 4, 2")
    page.click("#btn-layers")
    s = state(page)
    assert s["layers"] == [3, 4, 2] and s["seed"] == 1 and s["phase"] == "ready"
    page.click("#btn-add-layer")
    assert state(page)["layers"] == [3, 4, 4, 2]
    page.click("#btn-remove-layer")
    page.click("#btn-remove-layer")
    assert state(page)["layers"] == [3, 2]
    page.fill("#layers", "2, 9, 1")
    page.press("#layers", "Enter")
    assert "1 to 8 neurons" in page.locator("#message").inner_text()
    assert state(page)["layers"] == [3, 2]
    page.select_option("#hidden-act", "tanh")
    page.fill("#layers", "2, 3, 1")
    page.click("#btn-layers")
    page.select_option("#output-act", "linear")
    assert (state(page)["hidden_activation"], state(page)["output_activation"]) == ("tanh", "linear")
    page.fill("#x0", "-0.5")
    page.locator("#x0").dispatch_event("change")
    assert state(page)["x"][0] == -0.5
    page.fill("#seed", "123")
    page.click("#btn-randomise")
    first = state(page)["W"]
    page.fill("#seed", "124")
    page.click("#btn-randomise")
    assert state(page)["W"] != first
    page.fill("#seed", "123")
    page.click("#btn-randomise")
    assert state(page)["W"] == first


def connection_point(page, l, j, k):
    """Where the connection W^[l]_jk is drawn, from the scene's own geometry, in page pixels."""
    point = page.evaluate(f"""window.backpropSim.pyodide.runPython(`
import backprop_sim.painter as p
t = [t for t in p._page.renderer.canvases.network_scene.targets if t.kind == "weight" and (t.l, t.j, t.k) == ({l}, {j - 1}, {k - 1})][0]
[t.x1 + 0.6 * (t.x2 - t.x1), t.y1 + 0.6 * (t.y2 - t.y1)]
`).toJs()""")
    page.locator("#network").scroll_into_view_if_needed()
    box = page.locator("#network").bounding_box()
    return box["x"] + point[0], box["y"] + point[1]


def test_click_a_connection_to_trace_and_edit_its_weight(page):
    act(page, "forward"), act(page, "backward"), act(page, "backward")
    x, y = connection_point(page, 1, 1, 2)
    page.mouse.click(x, y)
    s = state(page)
    assert s["selected"] == ["weight", 1, 1, 2]
    text = page.locator("#trace").inner_html().replace('"', "'")  # the browser writes attributes in double quotes
    h = seed_by_hand()
    # one path: ∂L/∂W^[1]₁₂ = δ^[1]₁ x₂, computed in plain numpy; the input x₂ as set
    assert "the product" in text and four(h["dW1"][0, 1]) in text and f"a<sup style='font-size:inherit'>[0]</sup>₂ = {SEED_X[1]:g}" in text
    page.fill("#edit-value", "0.25")
    page.click("#btn-edit")
    s = state(page)
    assert s["W"][0][0][1] == 0.25 and s["phase"] == "forward" and s["preset"] == ""


def test_click_a_neuron_for_delta_as_a_sum(page):
    act(page, "forward"), act(page, "backward"), act(page, "backward")
    page.select_option("#trace-neuron", json.dumps(["neuron", 1, 3]))
    text = page.locator("#trace").inner_html().replace('"', "'")  # the browser writes attributes in double quotes
    assert "row 3 of (W<sup style='font-size:inherit'>[2]</sup>)ᵀ" in text and f"<b>{four(seed_by_hand()['d1'][2])}</b>" in text  # δ^[1]₃ by hand


def test_dead_relu_is_drawn_and_its_gradients_are_zero(page):
    page.select_option("#preset", "dead-relu")
    act(page, "forward"), act(page, "backward"), act(page, "backward")
    s = state(page)
    assert s["dead"] == [[1, 2]] and s["delta"][0][1] == 0 and s["dW"][0][1] == [0, 0]
    act(page, "select", ["neuron", 1, 2])
    assert "Dead ReLU" in page.locator("#trace").inner_text()
    labels = page.evaluate("""window.backpropSim.pyodide.runPython(`
import backprop_sim.painter as p
[t.text for t in p._page.renderer.canvases.network_scene.items if t.kind == "text"]
`).toJs()""")
    assert "dead" in labels


def test_update_and_train_with_a_loss_plot(page):
    act(page, "forward"), act(page, "backward"), act(page, "backward")
    before = state(page)
    page.fill("#lr", "1")
    page.locator("#lr").dispatch_event("change")
    page.click("#btn-update")
    after = state(page)
    assert after["phase"] == "ready" and after["learning_rate"] == 1
    assert after["W"][1][0][0] == pytest.approx(before["W"][1][0][0] - before["dW"][1][0][0])
    page.click("#btn-train")
    wait_for(page, "window.backpropSim.state().losses.length > 15", timeout=30_000)
    page.click("#btn-train")
    losses = state(page)["losses"]
    assert losses[-1] < losses[0] and not state(page)["training"]
    assert page.evaluate(NON_BLANK.replace("'network'", "'loss-plot'")) > 100
    assert "loss now" in page.locator("#loss-text").inner_text()


def test_check_gradients_shows_finite_differences(page):
    act(page, "forward"), act(page, "backward"), act(page, "backward")
    page.check("#check")
    captions = page.locator("#check-result caption").all_inner_texts()
    assert len(captions) == 2
    for caption in captions:
        assert float(caption.split("difference")[1]) < 1e-6
    assert "✓ same shape" in page.locator("#shapes").inner_text()


def test_prediction_mode(page):
    page.check("#predict-mode")
    act(page, "forward")
    page.click("#btn-backward")
    assert "predict δ^[2]₁" in page.locator("#message").inner_text()
    assert state(page)["step"] == 0
    page.fill("#prediction", "-0.0989")
    page.click("#btn-predict")
    assert page.locator("#message").inner_text().startswith("Right")
    assert state(page)["step"] == 1
    page.click("#btn-predict-plus")
    assert page.locator("#message").inner_text().startswith("Not quite")
    assert "1 of 2" in page.locator("#score").inner_text()


def test_exports(page):
    act(page, "forward"), act(page, "backward")
    for button, name, check in (
        ("#btn-png", "backprop-network.png", lambda b: b[:8] == b"\x89PNG\r\n\x1a\n"),
        ("#btn-svg", "backprop-network.svg", lambda b: b.startswith(b"<svg") and "δ −0.0989".encode() in b),
        ("#btn-json", "backprop-state.json", lambda b: json.loads(b)["delta"][1][0] == pytest.approx(-0.0989, abs=1e-4)),
        ("#btn-csv", "backprop-values.csv", lambda b: b.startswith(b"quantity,layer,row,column,value")),
    ):
        with page.expect_download() as info:
            page.click(button)
        download = info.value
        assert download.suggested_filename == name
        assert check(open(download.path(), "rb").read())


def test_copy_link_and_embed_code(page):
    act(page, "forward")
    page.click("#btn-copy-link")
    link = page.locator("#share-text").input_value()
    assert link.endswith("#preset=seed&x=1,0.5&y=1&lr=0.5&step=1")
    page.click("#btn-copy-embed")
    code = page.locator("#share-text").input_value()
    assert code.startswith("<iframe src=") and "step=1" in code
    assert 'height="502px"' in code and "scrolling" not in code  # the compact view, usable as pasted


def test_url_round_trip_through_a_reload(page, visit):
    act(page, "layers", [2, 4, 1]), act(page, "activation", ["hidden", "leaky_relu"]), act(page, "weight", [1, 1, 1, 0.75])
    act(page, "target", 0.3), act(page, "x", [0.2, -0.4]), act(page, "lr", 0.25)
    act(page, "forward"), act(page, "backward")
    expected = state(page)
    url = page.evaluate("location.href")
    assert "#layers=2-4-1" in url and "hidden=leaky_relu" in url
    v = visit()
    other = v.open(url)
    assert comparable(state(other)) == comparable(expected)
    assert v.errors == []
    assert other.locator("#url-notice").is_hidden()


def test_hostile_link_shows_a_notice_and_injects_nothing(visit, server):
    v = visit()
    page = v.open(server.url("sim/main.html#preset=%3Cimg%20src%3Dx%20id%3Dpwned%3E&step=banana&foo=1"))
    notice = page.locator("#url-notice")
    assert notice.is_visible()
    assert "<img src=x id=pwned>" in notice.inner_text() and "step" in notice.inner_text()
    assert page.locator("#pwned").count() == 0
    assert state(page)["preset"] == "seed"
    assert v.errors == []


def test_malformed_links_through_the_page(page):
    # 300 through the page's hashchange and render (tests/test_explore.py sends 1000 through
    # urlstate on CPython, where they cost a thousandth of this)
    rng = random.Random(7)
    fragments = [random_fragment(rng) for _ in range(300)]
    result = page.evaluate(
        """async (fragments) => {
            let noticed = 0;
            for (const f of fragments) {
                location.hash = f;
                await new Promise(r => setTimeout(r, 0));  // let hashchange run
                if (!document.getElementById('url-notice').hidden) noticed++;
                if (document.documentElement.dataset.simReady !== 'true') return {broken: f};
                if (!document.getElementById('error-panel').hidden) return {error: f};
            }
            return {noticed};
        }""",
        fragments,
    )
    assert "noticed" in result, result
    assert result["noticed"] > 180
    assert page.errors == []
    location = page.evaluate("location.hash")
    assert location.startswith("#")
    # after all that, the page still works
    act(page, "preset", "seed")
    act(page, "forward")
    assert state(page)["phase"] == "forward"


def test_a_link_that_changes_nothing_leaves_no_trace_in_the_address(page):
    """Issue 25.6: a link of unknown keys (or one of the state already shown) is ignored and
    the address bar shows the state's own link, not what the link held."""
    act(page, "preset", "seed")
    own = page.evaluate("location.hash")
    page.evaluate("location.hash = '#x=javascript:alert(1)&evil=%3Cscript%3E'")
    wait_for(page, "!document.getElementById('url-notice').hidden")
    wait_for(page, f"location.hash === {own!r}")
    assert "evil" in page.locator("#url-notice").inner_text()  # said, not kept
    page.evaluate(f"location.hash = {own + '&x=javascript:alert(1)'!r}")
    wait_for(page, f"location.hash === {own!r}")
    assert state(page)["phase"] == "ready" and page.errors == []


def test_the_chain_rule_beside_the_drawing_follows_a_click_on_a_connection(page):
    act(page, "forward"), act(page, "backward")
    assert page.locator("#chain-rule").count() == 0  # the output layer's step: its equations are the chain
    act(page, "backward")
    chain = page.locator("#chain-rule")
    assert "W[1]₁₂" in chain.locator("p").text_content()  # the lesson's weight by default (its ^[1] raised)
    assert not chain.evaluate("d => d.open")  # closed: Activity 3 asks the learner to write it out first
    assert chain.locator(".chain-weight").count() >= 2 and chain.locator(".chain-input").count() >= 2  # coloured factors
    x, y = connection_point(page, 1, 3, 1)
    page.mouse.click(x, y)
    wait_for(page, "document.getElementById('chain-rule').textContent.includes('₃₁')")
    assert chain.evaluate("d => d.open")  # the learner chose it: shown
    tex = chain.locator("annotation").all_text_contents()
    dW = state(page)["dW"][0][2][0]
    assert tex[-1].endswith("= " + f"{dW:.4f}".replace("−", "-"))  # the chain's total (its last piece) is backprop's ∂L/∂W
    # brought into view beside the drawing
    wait_for(page, """(() => { const r = document.getElementById('chain-rule').getBoundingClientRect();
        return r.top >= 0 && r.bottom <= innerHeight; })()""")


def test_finer_steps_from_the_page(page):
    page.check("#finer")
    act(page, "forward")
    page.click("#btn-backward")
    assert "δ (∂L/∂W, ∂L/∂b next)" in page.locator('#status [data-key="phase"]').inner_text()
    assert state(page)["dW"][1] is None
    page.click("#btn-backward")
    assert state(page)["dW"][1] is not None and not state(page)["delta_only"]
    page.uncheck("#finer")
    assert state(page)["finer"] is False
