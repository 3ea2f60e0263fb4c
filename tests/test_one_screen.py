"""Issue 13 in Chromium: the drawing, the step buttons and the step's equation on one screen.

One booted page, resized to each window a learner or a teacher's frame gives it; at each, the
whole forward and backward pass is stepped through and every box is measured with nothing
scrolled. Screenshots of each size go to test-output/one-screen/ for a reviewer to look at.
"""

from pathlib import Path

import pytest

from conftest import act, wait_drawn, wait_for

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent.parent / "test-output" / "one-screen"
STEP_BUTTONS = ["#btn-forward", "#btn-backward", "#btn-back", "#btn-reset", "#btn-auto"]
BOXES = """(selectors) => selectors.map((s) => {
  const r = document.querySelector(s).getBoundingClientRect();
  return {s, top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height};
})"""


def boxes(page, selectors):
    return {b["s"]: b for b in page.evaluate(BOXES, selectors)}


def each_step(page):
    """Ready, the forward pass, and each backward step, drawn to the end of its transition."""
    act(page, "preset", "seed")
    yield "ready"
    for name, label in [("forward", "forward")] + [("backward", f"backward-{n}") for n in (1, 2)]:
        act(page, name)
        wait_drawn(page)
        yield label


@pytest.mark.parametrize("width,height", [(1280, 800), (1600, 900), (1100, 800), (1000, 600), (580, 502)])
def test_drawing_buttons_and_equation_fit_the_first_screen(sim, width, height):
    page = sim
    page.set_viewport_size({"width": width, "height": height})
    SHOTS.mkdir(parents=True, exist_ok=True)
    for step in each_step(page):
        page.evaluate("window.scrollTo(0, 0)")
        found = boxes(page, ["#network", "#equation-panel", *STEP_BUTTONS])
        for selector, box in found.items():
            assert box["height"] > 0, f"{selector} is not shown at {width}×{height} ({step})"
            assert box["top"] >= 0 and box["bottom"] <= height + 0.5, f"{selector} leaves the first screen at {width}×{height} ({step}): {box}"
            assert box["left"] >= 0 and box["right"] <= width + 0.5, f"{selector} is cut at the side at {width}×{height} ({step}): {box}"
        # the equation's own content fits its panel (no hidden rows below its edge)
        cut = page.evaluate("""['equation-panel', 'equation'].map((id) => document.getElementById(id))
            .reduce((most, e) => Math.max(most, e.scrollHeight - e.clientHeight), 0)""")
        assert cut <= 1, f"the equation panel hides {cut} px at {width}×{height} ({step})"
        if step == "backward-2":
            page.screenshot(path=str(SHOTS / f"main-{width}x{height}.png"))


@pytest.mark.parametrize("width,height", [(360, 740), (390, 844), (768, 1024)])
def test_on_a_phone_the_buttons_are_on_the_first_screen_and_the_equation_right_under_them(sim, width, height):
    page = sim
    page.set_viewport_size({"width": width, "height": height})
    for step in each_step(page):
        page.evaluate("window.scrollTo(0, 0)")
        found = boxes(page, ["#network", "#equation-panel", "#target", "#hidden-note", *STEP_BUTTONS])
        for selector in ["#network", *STEP_BUTTONS]:
            assert found[selector]["bottom"] <= height + 0.5, f"{selector} is below the first screen at {width}×{height} ({step})"
        # under the buttons on a phone: the Target slider (Activity 2) and the hint to tap a connection (issue 26)
        between = [s for s in ("#target", "#hidden-note") if found[s]["height"] > 0 and found[s]["top"] < found["#equation-panel"]["top"]]
        buttons_end = max(found[s]["bottom"] for s in [*STEP_BUTTONS, *between])
        assert 0 <= found["#equation-panel"]["top"] - buttons_end <= 20, f"the equation is not right under the buttons ({step})"
        assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"), "no sideways scroll"
    page.screenshot(path=str(SHOTS / f"main-{width}x{height}.png"), full_page=True)


@pytest.mark.parametrize("width,arrow", [(360, "↑"), (1280, "←")])
def test_the_legend_points_the_way_the_gradient_flows_in_the_drawing(sim, width, arrow):
    sim.set_viewport_size({"width": width, "height": 800})
    act(sim, "preset", "seed")
    # the drawing follows the new width (a ResizeObserver), and the legend follows the drawing
    wait_for(sim, f"document.getElementById('flow-legend').textContent.startsWith('{arrow}')")


TRANSITION = """window.backpropSim.pyodide.runPython(
  'import backprop_sim.painter as p; r = p._page.renderer; [r.anim_start is not None, r.anim_ms]').toJs()"""


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_a_backward_step_flows_slowly_enough_to_see_and_is_still_when_motion_is_reduced(visit, server, motion):
    page = visit(reduced_motion=motion).open(server.url("sim/main.html"))
    act(page, "forward")
    animating, forward_ms = page.evaluate(TRANSITION)
    assert animating == (motion != "reduce")
    act(page, "backward")
    animating, backward_ms = page.evaluate(TRANSITION)
    assert animating == (motion != "reduce")
    assert backward_ms > forward_ms  # the gradients' arrows grow over a longer time than other changes
    if motion == "reduce":
        assert page.evaluate("window.backpropSim.pyodide.runPython('import backprop_sim.painter as p; p._page.renderer.progress()')") == 1.0


def test_in_the_lesson_the_embedded_simulation_fits_one_screen_too(visit, server):
    """The lesson page at 1280×800: its own frame widens to the window, so that once a learner has
    scrolled to the drawing, its buttons and the step's equation are on the same screen."""
    v = visit(width=1280, height=800)
    page = v.page
    page.goto(server.url("sim/index.html"))
    page.locator("#microsim").scroll_into_view_if_needed()
    frame = next(f for f in page.frames if "main.html" in f.url)
    wait_for(frame, "document.documentElement.dataset.simReady === 'true'", timeout=90_000)
    for name in ("forward", "backward", "backward"):
        act(frame, name)
    wait_drawn(frame)
    bar = page.evaluate("document.querySelector('.md-header').getBoundingClientRect().bottom")
    # scroll the lesson so the drawing starts just under Material's top bar
    inner = boxes(frame, ["#network"])["#network"]["top"]
    page.evaluate(f"window.scrollBy(0, document.getElementById('microsim').getBoundingClientRect().top + {inner} - {bar} - 8)")
    top = page.evaluate("document.getElementById('microsim').getBoundingClientRect().top")
    for selector, box in boxes(frame, ["#network", "#equation-panel", *STEP_BUTTONS]).items():
        assert top + box["top"] >= bar - 1 and top + box["bottom"] <= 800 + 0.5, f"{selector} is off the lesson's screen: {box}"
    assert page.evaluate("document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "lesson-1280x800.png"))
