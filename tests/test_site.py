"""Issue 5: the lesson site, over http, from file://, from the offline zip, and inside an LMS."""

import functools
import json
import re
import struct
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from backprop_sim import urlstate
from backprop_sim.controller import Controller
from conftest import Server, wait_for
from test_engine import hand_seed

LESSON = "sim/index.html"


def frame_ready(page, selector="#microsim", timeout=90_000):
    page.frame_locator(selector).locator("html[data-sim-ready='true']").wait_for(state="attached", timeout=timeout)


# ---------------------------------------------------------------- in the browser

@pytest.mark.browser
def test_lesson_over_http_embeds_a_working_simulation(visit, server):
    v = visit()
    v.open(server.url(LESSON), wait_ready=False)
    frame_ready(v.page)
    assert v.foreign_requests(server.origin) == []
    assert v.errors == []
    # the page's math is rendered by the vendored KaTeX
    assert v.page.locator(".arithmatex .katex").count() > 10
    # the lesson resizes its iframe to the height the simulation reports
    inner = v.page.frame_locator("#microsim").locator("html").evaluate("el => el.scrollHeight")
    wait_for(v.page,
        f"Math.abs(document.getElementById('microsim').getBoundingClientRect().height - {inner}) <= 4", timeout=10_000
    )
    # and again when that height changes (the values table opens)
    v.page.frame_locator("#microsim").locator("#show-table").click()
    taller = v.page.frame_locator("#microsim").locator("html").evaluate("el => el.scrollHeight")
    assert taller > inner + 200
    wait_for(v.page,
        f"Math.abs(document.getElementById('microsim').getBoundingClientRect().height - {taller}) <= 4", timeout=10_000
    )


@pytest.mark.browser
def test_lesson_from_file_url(visit, site):
    v = visit()
    v.open((site / LESSON).as_uri(), wait_ready=False)
    frame_ready(v.page)
    assert v.foreign_requests(None) == []
    assert v.errors == []


@pytest.mark.browser
def test_offline_zip_unpacked_and_opened_by_file_url(visit, site, tmp_path):
    with zipfile.ZipFile(site / "backprop-microsim-offline.zip") as z:
        z.extractall(tmp_path)
    root = tmp_path / "backprop-microsim"
    assert (root / "index.html").exists() and (root / "sim" / "runtime" / "offline-data.js").exists()
    v = visit()
    v.page.goto((root / "index.html").as_uri())
    v.page.click("text=Open the lesson")
    frame_ready(v.page)
    assert v.page.url.startswith("file://") and v.page.url.endswith("sim/index.html")
    assert v.foreign_requests(None) == []
    assert v.errors == []


@pytest.mark.browser
@pytest.mark.parametrize("sandbox", ['sandbox="allow-scripts"', ""])
def test_lms_parent_on_another_port_embeds_and_resizes(visit, server, tmp_path, sandbox):
    (tmp_path / "course.html").write_text(f"""<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body><h1>Week 5</h1>
<iframe id="microsim" {sandbox} src="{server.url('sim/main.html')}" height="1250px" width="100%"></iframe>
<script src="{server.url('assets/microsim-embed.js')}"></script></body></html>""")
    lms = Server(tmp_path)
    try:
        v = visit(width=1100)
        v.page.goto(lms.url("course.html"))
        frame_ready(v.page)
        wait_for(v.page, "document.getElementById('microsim').getBoundingClientRect().height > 600", timeout=30_000)
        inner = v.page.frame_locator("#microsim").locator("html").evaluate("el => el.scrollHeight")
        outer = v.page.evaluate("document.getElementById('microsim').getBoundingClientRect().height")
        assert abs(inner - outer) <= 4
        if sandbox:
            assert v.page.frame_locator("#microsim").locator("html").evaluate("() => window.origin") == "null"
        assert all(u.startswith((lms.origin, server.origin, "data:")) for u in v.requests)
        assert v.errors == []
    finally:
        lms.close()


# ---------------------------------------------------------------- the built files

class Links(HTMLParser):
    """A page's links and ids. The links of its References section (the MicroSim collection's
    list of publications, each with its address) are citations: a learner may follow them, the
    page never loads them, so they are kept apart."""

    def __init__(self):
        super().__init__()
        self.links, self.ids, self.citations = [], set(), []
        self.in_references = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag in ("h1", "h2"):
            self.in_references = attrs.get("id") == "references"
        if tag == "a" and self.in_references and urlparse(attrs.get("href") or "").scheme == "https":
            self.citations.append(attrs["href"])
            return
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") in ("canonical",)):
                self.links.append(attrs[key])


@functools.lru_cache(maxsize=None)
def parsed(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def dead_links(root: Path) -> list[str]:
    """Every href and src of every HTML page under root that names a missing file or anchor.
    Root-relative links (the 404 page's) resolve against root."""
    pages = sorted(root.rglob("*.html"))
    assert pages
    bad = []
    for page in pages:
        for link in parsed(page).links:
            url = urlparse(link)
            if url.scheme in ("http", "https", "mailto", "data", "javascript", "blob") or link.startswith("//"):
                bad += [f"{page.relative_to(root)} → {link} (another host)"] if url.scheme in ("http", "https") else []
                continue
            base = root if url.path.startswith("/") else page.parent
            target = (base / unquote(url.path).lstrip("/")).resolve() if url.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                bad.append(f"{page.relative_to(root)} → {link}")
            elif url.fragment and target.name == "main.html" and "=" in url.fragment:
                # a setup of the simulation (the lesson's activity links): it must open without a notice
                notices = urlstate.apply(Controller(), url.fragment)
                bad += [f"{page.relative_to(root)} → {link}: {notice}" for notice in notices]
            elif url.fragment and target.suffix == ".html" and url.fragment not in parsed(target).ids:
                bad.append(f"{page.relative_to(root)} → {link} (no anchor)")
    return bad


def test_every_internal_link_and_anchor_resolves(site):
    assert len(list(site.rglob("*.html"))) >= 5
    assert dead_links(site) == []


def test_every_formula_reached_the_math_renderer(site):
    """A formula Markdown could not see as math (a `$` closed after a space) is left as text
    with its subscripts turned into <em>: outside arithmatex's spans no page has TeX left."""
    leftovers = {}
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        html = re.sub(r'<(span|div) class="arithmatex"[^>]*>.*?</\1>', "", html, flags=re.S)
        html = re.sub(r"<(script|style|code|pre|textarea)\b.*?</\1>", "", html, flags=re.S)
        found = re.findall(r"\$[^$<]{0,40}\\[a-zA-Z]+|\\dfrac|\\partial|\\mathcal", html)
        if found:
            leftovers[page.relative_to(site).as_posix()] = found[:3]
    assert leftovers == {}


def test_no_page_refers_to_another_host(site):
    offenders = []
    for page in site.rglob("*.html"):
        for link in parsed(page).links:
            if urlparse(link).scheme in ("http", "https"):
                offenders.append(f"{page.relative_to(site)}: {link}")
    assert offenders == []
    # only the lesson cites publications, by their https addresses, in its References
    cited = {page.relative_to(site).as_posix(): parsed(page).citations for page in site.rglob("*.html") if parsed(page).citations}
    assert list(cited) == [LESSON] and len(cited[LESSON]) >= 2


def test_lesson_sections_in_the_originals_order(site):
    html = (site / LESSON).read_text()
    headings = re.findall(r"<h[23][^>]*>(.*?)<", html)
    order = ["About This MicroSim", "The Backpropagation Algorithm", "Key Insight: The Transpose",
             "Interactive Features", "Visual Indicators", "Lesson Plan", "Learning Objectives",
             "Suggested Activities", "Discussion Questions", "Worked Example", "Mathematical Details", "References"]
    positions = [headings.index(h) for h in order]
    assert positions == sorted(positions)
    assert html.index('<iframe id="microsim"') < html.index("Run the Backpropagation MicroSim Fullscreen") < html.index("Edit the MicroSim")
    for phrase in ("every layer uses the sigmoid", "used ReLU in the hidden layer", "Nature", "323, 533–536", "§6.5"):
        assert phrase in html


def test_worked_example_equals_a_hand_computation(site):
    html = (site / LESSON).read_text()
    section = html[html.index('id="worked-example"'):html.index('id="mathematical-details"')]
    h = hand_seed()
    expected = [h["z2"], h["a2"], h["loss"], h["a2"] - 1, h["d2"], *h["dW2"], *h["d1"], *[v for row in h["dW1"] for v in row]]
    numbers = {float(n) for n in re.findall(r"-?\d+\.\d{4}", section)}
    for value in expected:
        assert round(value, 4) in numbers or round(value, 4) + 0.0 in numbers, value
    assert "Shapes: (W<sup style='font-size:inherit'>[2]</sup>)ᵀ (3×1) · δ<sup style='font-size:inherit'>[2]</sup> (1×1) ⊙ σ'(z<sup style='font-size:inherit'>[1]</sup>) (3×1) → δ<sup style='font-size:inherit'>[1]</sup> (3×1)" in section


def test_embed_heights_agree(site):
    """metadata.json gives the height of the frame the lesson's snippet recommends
    (tests/test_microsim.py checks the rest of it)."""
    from backprop_sim.toolwords import COMPACT_HEIGHT
    html = (site / LESSON).read_text()
    assert f'height="{COMPACT_HEIGHT}px"' in html
    meta = json.loads((site / "sim" / "metadata.json").read_text())
    assert meta["microsim"]["technical"]["canvasDimensions"]["height"] == COMPACT_HEIGHT


def test_social_card_is_a_real_screenshot(site):
    html = (site / LESSON).read_text()
    # og:image must be an absolute address: only a build with a real site_url can give one
    assert "og:image" not in html and 'property="og:title"' in html
    png = (site / "sim" / "backpropagation.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 800 and height >= 400
    assert len(png) > 40_000  # a photograph of a drawn network, not a blank image


def test_teaching_notes_answers_are_collapsed(site):
    html = (site / "sim" / "teaching-notes.html").read_text()
    assert html.count("<details") == 4 and "<details open" not in html
    assert "15–20 minute" in html


def test_source_page_shows_the_real_engine(site):
    html = (site / "sim" / "source.html").read_text()
    source = (Path(__file__).parent.parent / "py" / "backprop_sim" / "engine.py").read_text()
    assert "engine.py" in html and "backward_step" in html and "delta_next" in html
    assert len(html) > len(source)
