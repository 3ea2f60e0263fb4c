"""Issue 4: the simulation page as a learner uses it, in Debian's Chromium."""


import pytest

from conftest import ROOT, Server, act, state, wait_drawn, wait_for
from test_foundation import NON_BLANK

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def page(sim):
    act(sim, "auto", False)
    act(sim, "target", 1.0)
    act(sim, "reset")
    act(sim, "table", False)
    sim.evaluate("document.getElementById('message').textContent = ''")
    return sim


def table_value(page, layer, key, neuron=0):
    text = page.locator(f"table[data-layer='{layer}'] tr[data-neuron='{neuron}'] td[data-key='{key}']").inner_text()
    return float(text.replace("−", "-"))


def test_state_api_reports_the_seed_example(page):
    s = state(page)
    assert s["layers"] == [2, 3, 1] and s["phase"] == "ready" and s["step"] == 0
    assert s["x"] == [1.0, 0.5] and s["y"] == [1.0]
    assert s["W"][0] == [[0.5, -0.3], [0.2, 0.4], [-0.1, 0.6]]
    assert s["z"] == [None, None] and s["a"][0] == [1.0, 0.5] and s["a"][1] is None
    assert s["delta"] == [None, None] and s["y_hat"] is None
    assert (s["hidden_activation"], s["output_activation"], s["loss_fn"]) == ("sigmoid", "sigmoid", "mse")


def test_forward_then_each_backward_step_shows_the_engines_numbers(page):
    page.click("#show-table")
    page.click("#btn-forward")
    s = state(page)
    assert s["phase"] == "forward"
    for j in range(3):
        assert table_value(page, 1, "a", j) == pytest.approx(s["a"][1][j], abs=5e-5)
        assert table_value(page, 1, "z", j) == pytest.approx(s["z"][0][j], abs=5e-5)
    assert page.locator("#status [data-key='loss']").inner_text() == f"{s['loss']:.4f}"
    page.click("#btn-backward")
    s = state(page)
    assert s["phase"] == "backward" and s["step"] == 1
    assert table_value(page, 2, "delta") == pytest.approx(s["delta"][1][0], abs=5e-5)
    assert table_value(page, 2, "db") == pytest.approx(s["db"][1][0], abs=5e-5)
    assert page.locator("table[data-layer='1'] tr[data-neuron='0'] td[data-key='delta']").inner_text() == "—"
    page.click("#btn-backward")
    s = state(page)
    assert s["phase"] == "complete" and s["step"] == 2
    for j in range(3):
        assert table_value(page, 1, "delta", j) == pytest.approx(s["delta"][0][j], abs=5e-5)
        for k in range(2):
            cell = page.locator(f"table.weights[data-layer='1'] tr[data-j='{j}'][data-k='{k}'] td[data-key='dW']").inner_text()
            assert float(cell.replace("−", "-")) == pytest.approx(s["dW"][0][j][k], abs=5e-5)
    # the equation panel shows the numbers substituted, rendered by KaTeX
    assert page.locator("#equation .katex").count() >= 6
    assert "Backward step 2 of 2" in page.locator("#equation").inner_text()
    shapes = page.locator("#equation .shapes")
    assert "δ[1] (3×1)" in shapes.inner_text() and "δ<sup" in shapes.inner_html()  # the layer raised, as in the lesson
    assert "layer 1" in page.locator("#narration").inner_text()


def test_target_zero_versus_one_flips_the_output_delta(page):
    signs = []
    for y in (0.0, 1.0):
        page.locator("#target").fill(f"{y:g}")
        page.click("#btn-forward")
        page.click("#btn-backward")
        signs.append(state(page)["delta"][1][0] > 0)
        assert page.locator("#target-value").inner_text() == f"{y:.2f}"
        act(page, "reset")
    assert signs == [True, False]


def test_moving_the_target_makes_backward_results_stale(page):
    act(page, "forward"), act(page, "backward"), act(page, "backward")
    s = act(page, "target", 0.25)
    assert s["phase"] == "forward" and s["delta"] == [None, None] and s["y"] == [0.25]


def test_step_back_restores_the_previous_numbers(page):
    act(page, "forward")
    after_first = act(page, "backward")
    act(page, "backward")
    page.click("#btn-back")
    assert state(page) == after_first


def test_auto_completes_the_pass(page):
    act(page, "speed", 4)
    page.click("#btn-auto")
    assert page.get_attribute("#btn-auto", "aria-pressed") == "true"
    wait_for(page, "window.backpropSim.state().phase === 'complete'", timeout=30_000)
    wait_for(page, "document.getElementById('btn-auto').getAttribute('aria-pressed') === 'false'")
    assert state(page)["step"] == 2


def test_auto_can_be_paused(page):
    act(page, "speed", 0.25)
    act(page, "auto", True)
    wait_for(page, "window.backpropSim.state().phase === 'forward'")
    act(page, "auto", False)
    # paused: the next beat is cancelled, not merely ignored when it comes
    assert page.evaluate("""window.backpropSim.pyodide.runPython(
        'import backprop_sim.painter as p; p._page.auto_timer is None')""")
    assert state(page)["phase"] == "forward" and not state(page)["auto"]


def test_keyboard_only_run(page):
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    # Tab reaches the controls; Enter on a focused button acts
    for _ in range(20):
        if page.evaluate("document.activeElement.id") == "btn-forward":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "btn-forward"
    page.keyboard.press("Enter")
    assert state(page)["phase"] == "forward"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "btn-backward"
    page.keyboard.press("Space")
    assert state(page)["step"] == 1
    page.keyboard.press("ArrowLeft")  # the documented shortcut: step back
    assert state(page)["step"] == 0
    page.keyboard.press("b")
    page.keyboard.press("ArrowRight")
    assert state(page)["phase"] == "complete"
    page.keyboard.press("r")
    assert state(page)["phase"] == "ready"
    page.keyboard.press("t")
    assert page.locator("#table-section").is_visible()
    # focus is visible
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_wrong_order_gives_a_visible_hint(page):
    s = act(page, "backward")
    assert s["phase"] == "forward" and "forward pass" in s["message"]
    assert "forward pass" in page.locator("#message").inner_text()
    s = act(page, "forward")
    assert "already done" in s["message"] and s["phase"] == "forward"
    s = act(page, "target", "NaN")
    assert "finite" in s["message"] and s["y"] == [1.0]
    s = act(page, "nonsense")
    assert "Unknown action" in s["message"]


def test_a_python_exception_shows_the_error_panel_and_keeps_the_state(page):
    act(page, "forward")
    before = state(page)
    page.evaluate("""window.backpropSim.pyodide.runPython(`
import backprop_sim.network as e
e._saved = e.Network.backward_step
def broken(*args, **kwargs):
    raise ZeroDivisionError('deliberately broken for a test')
e.Network.backward_step = broken
`)""")
    try:
        page.click("#btn-backward")
        assert page.locator("#error-panel").is_visible()
        assert "ZeroDivisionError: deliberately broken" in page.locator("#error-text").inner_text()
        assert state(page) == before
    finally:
        page.evaluate("window.backpropSim.pyodide.runPython('import backprop_sim.network as e; e.Network.backward_step = e._saved')")
    page.click("#error-reset")
    assert not page.locator("#error-panel").is_visible()
    assert state(page)["phase"] == "ready"
    page.click("#btn-backward")
    assert state(page)["phase"] == "forward"


def test_text_and_touch_targets_are_large_enough(page):
    act(page, "table", True)
    small = page.evaluate("""[...document.querySelectorAll('body *')].filter(el =>
        el.offsetParent !== null && el.childNodes.length && [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
        && !el.closest('.katex') && parseFloat(getComputedStyle(el).fontSize) < 14).map(el => el.tagName + ':' + el.textContent.slice(0, 20))""")
    assert small == []
    tiny = page.evaluate("""[...document.querySelectorAll('button, input, a')].filter(el => el.offsetParent !== null)
        .map(el => el.getBoundingClientRect()).filter(r => r.width < 24 || r.height < 24).length""")
    assert tiny == 0


def test_axe_finds_no_serious_or_critical_violation(page):
    act(page, "forward"), act(page, "backward"), act(page, "table", True)
    page.evaluate(AXE.read_text())  # not as a <script>: the page's policy refuses inline scripts
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == []


@pytest.mark.parametrize("width", [360, 768, 1280])
def test_no_horizontal_overflow_and_the_canvas_is_drawn(visit, server, width):
    v = visit(width=width, height=800)
    page = v.open(server.url("sim/main.html"))
    act(page, "forward"), act(page, "backward")
    wait_drawn(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate(NON_BLANK) > 500
    assert page.evaluate("document.getElementById('network').getBoundingClientRect().width") <= width


def test_hidpi_and_dark_theme(visit, server):
    v = visit(width=900, height=800, device_scale_factor=2, color_scheme="dark")
    page = v.open(server.url("sim/main.html"))
    css_width = page.evaluate("document.getElementById('network').getBoundingClientRect().width")
    assert page.evaluate("document.getElementById('network').width") == pytest.approx(2 * css_width, abs=2)
    corner = page.evaluate("Array.from(document.getElementById('network').getContext('2d').getImageData(4, 4, 1, 1).data)")
    assert sum(corner[:3]) < 150  # the dark palette's background


def test_resize_message_reaches_a_parent_on_another_port(visit, server, tmp_path):
    (tmp_path / "parent.html").write_text(f"""<!doctype html><html><head><link rel="icon" href="data:,"></head><body>
<script>window.messages = []; addEventListener('message', e => window.messages.push(e.data));</script>
<iframe id="f" src="{server.url('sim/main.html')}" width="800" height="400"></iframe></body></html>""")
    (tmp_path / "sandboxed.html").write_text(f"""<!doctype html><html><head><link rel="icon" href="data:,"></head><body>
<script>window.messages = []; addEventListener('message', e => window.messages.push(e.data));</script>
<iframe id="f" sandbox="allow-scripts" src="{server.url('sim/main.html')}" width="800" height="400"></iframe></body></html>""")
    parent = Server(tmp_path)
    try:
        for name in ("parent.html", "sandboxed.html"):
            v = visit(width=1000, height=800)
            v.page.goto(parent.url(name))
            wait_for(v.page,
                "window.messages.some(m => m && m.type === 'microsim-resize' && m.height > 300)", timeout=90_000
            )
            frame = v.page.frame_locator("#f")
            frame.locator("html[data-sim-ready='true']").wait_for(timeout=90_000)
            assert v.foreign_requests(None) == [] or all(
                u.startswith((parent.origin, server.origin)) for u in v.requests if not u.startswith("data:")
            )
    finally:
        parent.close()


def test_top_window_sends_no_resize_message(page):
    assert page.evaluate("window.backpropSim.framed") is False
