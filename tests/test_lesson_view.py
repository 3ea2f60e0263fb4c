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
