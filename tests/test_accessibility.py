"""Issue 13 (items 6 and 7): every built page accessible in the light and the dark scheme
(axe-core: no serious or critical violation), the lesson without sideways scrolling on a
phone, and the simulation in an LMS's sandboxed frame with its math fonts and working links."""

from __future__ import annotations

import pytest

from conftest import PUBLIC, ROOT, Server, act, wait_ready_or_error, wait_for

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCHEMES = {"light": "default", "dark": "slate"}  # prefers-color-scheme → the theme's palette (mkdocs.yml)
SIM_PAGES = ("sim/main.html", "sim/edit.html")  # the simulation's own pages follow prefers-color-scheme
PAGES = sorted(p.relative_to(PUBLIC).as_posix() for p in PUBLIC.rglob("*.html"))
MATERIAL_PAGES = [p for p in PAGES if p not in SIM_PAGES]


def test_every_page_of_the_site_is_checked():
    """The glob above is what the axe tests walk: it finds the pages a reader reaches."""
    assert {"index.html", "404.html", "sim/index.html", "sim/main.html", "sim/edit.html", "sim/source.html",
            "sim/teaching-notes.html"} <= set(PAGES)


@pytest.fixture(scope="module")
def scheme_pages(browser, site):
    """One browser context per colour scheme, its page reused from one checked page to the next."""
    server = Server(site)
    contexts, pages = [], {}
    for scheme in SCHEMES:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
        # a page's frame of sim/main.html is not what is checked there (see serious_violations):
        # it is not loaded, so Python does not boot in it at every visit
        context.route("**/sim/main.html*", lambda route: route.abort() if route.request.frame.parent_frame else route.fallback())
        contexts.append(context)
        pages[scheme] = context.new_page()
    yield server, pages
    for context in contexts:
        context.close()
    server.close()


def open_ready(page, url: str, name: str, scheme: str):
    """The page as a reader sees it: the simulation started and stepped, the editor made, the
    lesson's math rendered by KaTeX, the theme's palette chosen from the reader's scheme."""
    page.goto(url)
    if name == "sim/main.html":  # its panels are written by Python
        wait_ready_or_error(page)
        act(page, "forward"), act(page, "backward"), act(page, "table", True)
    elif name == "sim/edit.html":
        wait_for(page, "!!document.querySelector('.cm-content')")
    else:
        assert page.evaluate("document.body.dataset.mdColorScheme") == SCHEMES[scheme]
        wait_for(page, "[...document.querySelectorAll('.arithmatex')].every(el => el.dataset.rendered)")


# The Python source page holds ~35,000 syntax-highlighting spans, and axe's colour-contrast check
# costs seconds per thousand elements (minutes here). A span's colours depend only on its class
# and its code block, so each block keeps the first span of every class, and the later ones are
# unwrapped into plain text of the block: every token colour and every text still checked, and
# the lines as long as before.
ONE_SPAN_PER_TOKEN_CLASS = """() => {
  let unwrapped = 0;
  for (const pre of document.querySelectorAll('.highlight pre')) {
    const seen = new Set();
    for (const span of [...pre.querySelectorAll('span[class]')]) {
      if (span.children.length) continue;
      const key = span.className + ' in ' + span.parentElement.className;
      if (seen.has(key)) { span.replaceWith(...span.childNodes); unwrapped++; } else seen.add(key);
    }
  }
  return unwrapped;
}"""


def serious_violations(page) -> list[dict]:
    page.evaluate(AXE.read_text())  # not as a <script>: the pages' policy refuses inline scripts
    # iframes: false: a frame here holds sim/main.html, which is checked as a page of its own
    result = page.evaluate("axe.run(document, {resultTypes: ['violations'], iframes: false})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def readable(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): {v['help']}")
        for node in v["nodes"][:5]:
            why = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {node['target']}: {why[:300]}")
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_or_critical_violation(scheme_pages, name, scheme):
    server, pages = scheme_pages
    page = pages[scheme]
    open_ready(page, server.url(name), name, scheme)
    if name == "sim/source.html":
        assert page.evaluate(ONE_SPAN_PER_TOKEN_CLASS) > 10_000
    bad = serious_violations(page)
    assert not bad, f"{name} in the {scheme} scheme:\n{readable(bad)}"


def test_the_palette_toggle_gives_the_same_dark_pages(scheme_pages):
    """A reader whose system is light and who picks the dark palette gets what a dark system gets:
    the site's colours follow the theme's palette, not only prefers-color-scheme."""
    server, pages = scheme_pages
    page = pages["light"]
    open_ready(page, server.url("sim/index.html"), "sim/index.html", "light")
    page.click("label[title='Dark mode']")
    wait_for(page, "document.body.dataset.mdColorScheme === 'slate'")
    try:
        bad = serious_violations(page)
        assert not bad, f"sim/index.html with the dark palette chosen:\n{readable(bad)}"
    finally:
        page.evaluate("localStorage.clear()")  # the choice is remembered; the other tests start light


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("name", [p for p in MATERIAL_PAGES if p != "404.html"])
def test_no_sideways_scroll_on_a_phone(visit, server, name, width):
    v = visit(width=width, height=740)
    v.page.goto(server.url(name))
    wait_for(v.page, "[...document.querySelectorAll('.arithmatex')].every(el => el.dataset.rendered)")
    sizes = v.page.evaluate("[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
    assert sizes[0] <= sizes[1], f"{name} at {width} px scrolls sideways: {sizes}"


def test_display_equations_that_scroll_can_be_scrolled_by_keyboard(visit, server):
    v = visit(width=360, height=740)
    v.page.goto(server.url("sim/index.html"))
    wait_for(v.page, "[...document.querySelectorAll('.arithmatex')].every(el => el.dataset.rendered)")
    scrolling = v.page.evaluate("""[...document.querySelectorAll('div.arithmatex')]
        .filter(el => el.scrollWidth > el.clientWidth).map(el => el.tabIndex)""")
    assert len(scrolling) >= 3 and all(i == 0 for i in scrolling)
    v.page.locator("div.arithmatex[tabindex='0']").nth(0).focus()
    v.page.keyboard.press("ArrowRight")  # focused, the box scrolls with the arrow keys
    assert v.page.evaluate("document.activeElement.classList.contains('arithmatex')")


# ---------------------------------------------------------------- a sandboxed LMS frame

def sandboxed(v, server, sandbox: str):
    v.page.set_content(f'<iframe sandbox="{sandbox}" src="{server.url("sim/main.html")}" width="1000" height="900"></iframe>')
    frame = v.page.frames[1]
    wait_ready_or_error(frame)
    assert frame.evaluate("window.origin") == "null"
    return frame


KATEX_FACES = "[...document.fonts].filter(f => f.family.startsWith('KaTeX')).map(f => [f.family, f.status])"


def test_in_a_sandboxed_frame_the_math_fonts_load(visit, server):
    """An opaque origin may not fetch font files (CORS): the fonts come embedded in a stylesheet."""
    v = visit()
    frame = sandboxed(v, server, "allow-scripts")
    for name in ("forward", "backward", "backward"):
        act(frame, name)
    wait_for(frame, "document.fonts.ready.then(() => document.fonts.status === 'loaded')")
    faces = frame.evaluate(KATEX_FACES)
    loaded = {family for family, status in faces if status == "loaded"}
    assert {"KaTeX_Main", "KaTeX_Math", "KaTeX_Size1"} <= loaded
    assert [f for f in faces if f[1] == "error"] == []
    assert any(p.endswith("assets/katex/katex-fonts.css") for p in v.paths)


def test_outside_a_sandbox_the_embedded_fonts_are_not_downloaded(visit, server):
    v = visit()
    v.open(server.url("sim/main.html"))
    act(v.page, "forward")
    wait_for(v.page, "document.fonts.ready.then(() => document.fonts.status === 'loaded')")
    assert not any(p.endswith("katex-fonts.css") for p in v.paths)
    assert any(p.endswith("fonts/KaTeX_Main-Regular.woff2") for p in v.paths)


def test_the_footer_links_open_a_new_tab_where_the_frame_may(visit, server):
    """A sandboxed frame may not navigate its parent; with allow-popups it may open a tab."""
    v = visit()
    frame = sandboxed(v, server, "allow-scripts allow-popups")
    links = frame.evaluate("[...document.querySelectorAll('.sim-footer a')].map(a => [a.getAttribute('href'), a.target, a.rel])")
    assert len(links) == 3 and all(target == "_blank" and "noopener" in rel for _, target, rel in links)
    frame.focus(".sim-footer a[href='index.html']")
    with v.context.expect_page() as opened:
        # the keyboard: a mouse click's hit test in the sandboxed (out-of-process) frame is flaky here
        v.page.keyboard.press("Enter")
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url == server.url("sim/index.html")
    assert v.page.frames[1].url.split("#")[0] == server.url("sim/main.html")  # the simulation stays where it was
