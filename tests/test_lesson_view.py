"""Issue 26 in Chromium: what the lesson says, the page shows.

Every number of the equation panel whole inside the panel at every size a learner or a teacher's
frame gives it, after every step. Screenshots go to test-output/lesson-view/.
"""

from pathlib import Path

import pytest

from conftest import act, wait_drawn

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent.parent / "test-output" / "lesson-view"

# every text node with a digit in the equation panel (not KaTeX's hidden MathML): where it is drawn,
# against the panel's visible box. A region that scrolls vertically (the compact view) is scrolled
# to each number first; it is never scrolled sideways, which would hide a number cut at the side.
NUMBERS_OUTSIDE = r"""() => {
  const eq = document.getElementById('equation');
  const walker = document.createTreeWalker(eq, NodeFilter.SHOW_TEXT);
  const out = [];
  let count = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!/\d/.test(node.textContent) || node.parentElement.closest('.katex-mathml')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width === 0) continue;
      count += 1;
      let box = eq.getBoundingClientRect();
      const top = box.top + eq.clientTop;
      if (r.top < top || r.bottom > top + eq.clientHeight) {
        eq.scrollTop += r.top - top - 2;
      }
      const s = range.getClientRects();
      const now = [...s].find((q) => Math.abs(q.left - r.left) < 0.5 && Math.abs(q.width - r.width) < 0.5) || r;
      box = eq.getBoundingClientRect();
      const left = box.left + eq.clientLeft, inner = box.top + eq.clientTop;
      if (now.left < left - 0.5 || now.right > left + eq.clientWidth + 0.5 ||
          now.top < inner - 0.5 || now.bottom > inner + eq.clientHeight + 0.5) {
        out.push({text: node.textContent, left: now.left, right: now.right, top: now.top, bottom: now.bottom,
                  box: [left, left + eq.clientWidth, inner, inner + eq.clientHeight]});
      }
    }
  }
  const sideways = eq.scrollLeft;
  eq.scrollTop = 0;
  return {count, out, sideways};
}"""

SIZES = [(360, 740), (390, 844), (580, 502), (800, 502), (1000, 600), (1280, 800)]


def steps(page, preset):
    act(page, "preset", preset)
    yield "ready"
    act(page, "forward")
    wait_drawn(page)
    yield "forward"
    n = 1
    while page.evaluate("window.backpropSim.state().phase") != "complete":
        act(page, "backward")
        wait_drawn(page)
        yield f"backward-{n}"
        n += 1


@pytest.mark.parametrize("width,height", SIZES)
def test_every_number_in_the_equation_panel_is_whole_inside_it(sim, width, height):
    page = sim
    page.set_viewport_size({"width": width, "height": height})
    SHOTS.mkdir(parents=True, exist_ok=True)
    for preset in ("seed", "deep"):
        for step in steps(page, preset):
            page.evaluate("window.scrollTo(0, 0)")
            found = page.evaluate(NUMBERS_OUTSIDE)
            assert found["count"] >= 1 or step == "ready", f"no number found at {width}×{height} ({preset}, {step})"
            assert found["sideways"] == 0, f"the equation was scrolled sideways at {width}×{height} ({preset}, {step})"
            assert found["out"] == [], f"numbers cut off at {width}×{height} ({preset}, {step}): {found['out'][:4]}"
        if preset == "seed":
            page.locator("#equation-panel").screenshot(path=str(SHOTS / f"equation-{width}x{height}.png"))


# ---------------------------------------------------------------- 2. what the lesson points to, where it points

LESSON = Path(__file__).resolve().parent.parent / "site" / "sim"
# each control or line the lesson and the teaching notes send a student to, and where it is; a
# control inside a tool is looked for with its tool opened (the lesson names the tool with it)
NAMED = {
    "**Forward Pass**": ("#btn-forward", None), "**Backward Step**": ("#btn-backward", None),
    "**Step Back**": ("#btn-back", None), "**Reset**": ("#btn-reset", None), "**Auto**": ("#btn-auto", None),
    "**Auto speed**": ("#speed", None), "**Target y**": ("#target", None), "**Network**": ("#preset", None),
    "**Values table**": ("#show-table", None), "shapes line": ("#equation .shapes", None),
    "equation panel": ("#equation-panel", None), "status panel": ("#status-panel", None),
    "**Prediction mode**": ("#predict-mode", "#predict-tool"),
}


def lesson_frame(visit, server, width=1280, height=800):
    v = visit(width=width, height=height)
    page = v.page
    page.goto(server.url("sim/index.html"))
    page.locator("#microsim").scroll_into_view_if_needed()
    frame = next(f for f in page.frames if "main.html" in f.url)
    from conftest import wait_for
    wait_for(frame, "document.documentElement.dataset.simReady === 'true'", timeout=90_000)
    return v, page, frame


def test_every_control_and_line_the_lesson_names_is_shown_in_the_lessons_own_frame(visit, server):
    text = (LESSON / "index.md").read_text() + (LESSON / "teaching-notes.md").read_text()
    v, page, frame = lesson_frame(visit, server)
    for name in ("forward", "backward", "backward"):
        act(frame, name)
    wait_drawn(frame)
    for words, (selector, tool) in NAMED.items():
        assert words in text, f"the lesson no longer names {words}: update NAMED"
        if tool:
            frame.evaluate(f"document.querySelector('{tool}').open = true")
        shown = frame.evaluate(f"""(() => {{ const el = document.querySelector('{selector}');
            const r = el.getBoundingClientRect(); return el.checkVisibility() && r.width > 0 && r.height > 0; }})()""")
        assert shown, f"{words} ({selector}) is not shown in the lesson's frame"
    assert "(3×1) · (a" in frame.locator("#equation .shapes").inner_text()  # Activity 4's shapes
    # the values table opens in view, right under the drawing, with a g'(z) column
    frame.click("#show-table")
    frame.locator("#values-table table[data-layer='1']").first.wait_for()
    page.wait_for_timeout(600)  # the smooth scroll into view
    top = page.evaluate("document.getElementById('microsim').getBoundingClientRect().top")
    table = frame.evaluate("document.getElementById('table-section').getBoundingClientRect().toJSON()")
    drawing = frame.evaluate("document.getElementById('network').getBoundingClientRect().bottom")
    assert 0 <= top + table["top"] < 800 - 100, f"the values table opened out of view: {top + table['top']}"
    assert table["top"] - drawing < 200, "the values table is not right under the drawing"
    cell = frame.locator("table[data-layer='1'] tr[data-neuron='0'] td[data-key='g_prime']").inner_text()
    a = float(frame.locator("table[data-layer='1'] tr[data-neuron='0'] td[data-key='a']").inner_text())
    assert abs(float(cell) - a * (1 - a)) < 1e-4  # σ'(z) = a(1 − a), by hand
    assert "σ'(z" in frame.locator("table[data-layer='1'] thead").first.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "lesson-values-table-1280x800.png"))
    assert v.errors == []
