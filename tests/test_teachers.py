"""Issue 14: for teachers. An embed that works as pasted (with or without the resize script), a
compact view for the MicroSim textbooks' 502 px frame, the drop-in folder for any MkDocs
textbook, the SCORM package, and no dead link in any copy of the site."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import quote, urlparse
from xml.etree import ElementTree

import pytest

from conftest import ROOT, Server, act, wait_for
from test_engine import hand_seed
from test_site import dead_links, parsed

import lesson  # tools/lesson.py

STEP_BUTTONS = ("btn-forward", "btn-backward", "btn-back", "btn-reset", "btn-auto")
FOLDER_ZIP = "downloads/backpropagation-microsim-folder.zip"
SCORM_ZIP = "downloads/backpropagation-microsim-scorm.zip"
OFFLINE_ZIP = "backprop-microsim-offline.zip"
# the content's own height, measured independently of the page's tell_parent: the lowest
# bottom edge of anything in <body>
CONTENT_HEIGHT = "Math.ceil(Math.max(...Array.from(document.body.children, e => e.getBoundingClientRect().bottom)) + scrollY)"


def frame_ready(frame, timeout=90_000):
    frame.locator("html[data-sim-ready='true']").wait_for(state="attached", timeout=timeout)


def sim_frame(page, selector="iframe"):
    """The Playwright Frame of the (first) iframe matching selector."""
    return page.locator(selector).first.element_handle().content_frame()


# ---------------------------------------------------------------- 1. the snippet's address

def test_site_address_is_used_only_when_it_is_real():
    assert lesson.site_address("https://teacher.github.io/ai-course") == "https://teacher.github.io/ai-course/"
    for placeholder in (None, "", "https://example.org/backprop-microsim/", "http://www.example.com/", "http://127.0.0.1:8000/",
                        "https://course.example/", "https://site.invalid/"):
        assert lesson.site_address(placeholder) == "", placeholder
    real = lesson.embed_snippet("https://teacher.github.io/ai-course/")
    assert 'src="https://teacher.github.io/ai-course/sim/main.html"' in real
    assert 'src="https://teacher.github.io/ai-course/assets/microsim-embed.js"' in real
    assert 'data-embed-base="site"' in real and "scrolling" not in real


def test_no_placeholder_address_in_the_built_site(site):
    assert "site_url:" not in re.sub(r"#.*", "", (ROOT / "mkdocs.yml").read_text())
    for page in site.rglob("*.html"):
        assert "example.org" not in page.read_text(encoding="utf-8"), page
    html = (site / "sim" / "index.html").read_text()
    assert 'data-embed-base="page"' in html and "Copy embed code" in html[html.index('class="embed-box"'):]
    assert 'scrolling="no"' not in html  # the lesson's frame and both snippets scroll if ever too short


def embed_snippets(page) -> list[str]:
    return page.locator(".embed-box pre code").all_inner_texts()


def lesson_snippets(v, url: str) -> list[str]:
    """The lesson's snippets as a teacher copies them (the lesson's own simulation is not
    started: two cores are shared, and it is tested elsewhere)."""
    v.page.route("**/sim/main.html*", lambda route: route.abort())
    v.page.goto(url)
    v.page.locator('.embed-box[data-done="true"]').last.wait_for(state="attached")
    snippets = embed_snippets(v.page)
    v.page.unroute("**/sim/main.html*")
    return snippets


@pytest.mark.browser
def test_lesson_writes_its_own_address_into_the_snippets(visit, server, site):
    v = visit()
    compact, full = lesson_snippets(v, server.url("sim/index.html"))
    assert compact.strip() == f'<iframe src="{server.origin}/sim/main.html" height="502px" width="100%" title="Backpropagation MicroSim"></iframe>'
    assert f'src="{server.origin}/sim/main.html" height="1250px"' in full
    assert f'<script src="{server.origin}/assets/microsim-embed.js"></script>' in full
    # from a file there is no address to give: the box says so instead
    f = visit()
    f.page.route("**/sim/main.html*", lambda route: route.abort())
    f.page.goto((site / "sim" / "index.html").as_uri())
    f.page.locator(".embed-note").first.wait_for()
    assert all("opened from a file" in note for note in f.page.locator(".embed-note").all_inner_texts())
    assert v.errors == [] and f.errors == []


# ---------------------------------------------------------------- 2. as pasted, with and without the script

@pytest.mark.browser
def test_compact_snippet_pasted_where_scripts_are_stripped(visit, server, tmp_path):
    """The recommended snippet, as the lesson gives it, in LMS columns 580 and 800 px wide:
    everything a learner needs is inside the frame, and nothing is cut off."""
    v = visit(width=900, height=1200)
    compact = lesson_snippets(v, server.url("sim/index.html"))[0]
    (tmp_path / "course.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>'
        f'<div style="width:580px">{compact}</div><div style="width:800px">{compact}</div></body></html>')
    lms = Server(tmp_path)
    try:
        v.page.goto(lms.url("course.html"))
        for i, width in enumerate((580, 800)):
            frame = v.page.locator("iframe").nth(i).element_handle().content_frame()
            frame_ready(frame)
            frame.click("#btn-forward")
            frame.click("#btn-backward")
            wait_for(frame, "window.backpropSim.state().step === 1")
            box = frame.evaluate("""() => ({
                inner: innerHeight, scroll: document.documentElement.scrollHeight,
                buttons: %s.map(id => document.getElementById(id).getBoundingClientRect()).map(r => [r.top, r.bottom, r.height]),
                canvas: document.getElementById('network').getBoundingClientRect().height,
                equation: document.getElementById('equation-panel').getBoundingClientRect().toJSON(),
                status: document.getElementById('status').getBoundingClientRect().bottom })""" % list(STEP_BUTTONS))
            assert box["inner"] == 502 and box["scroll"] <= 502, (width, box)
            assert all(0 <= top and bottom <= 502 and h >= 24 for top, bottom, h in box["buttons"]), (width, box)
            assert box["canvas"] >= 200 and box["status"] <= 502
            assert box["equation"]["height"] >= 40 and box["equation"]["bottom"] <= 502
            # every other tool is one press away, scrolling inside the frame
            frame.click("#btn-tools")
            frame.locator("#build-tool").wait_for(state="visible")
            assert frame.evaluate("document.getElementById('btn-tools').getAttribute('aria-expanded')") == "true"
            frame.click("#build-tool > summary")
            frame.locator("#share-tool > summary").scroll_into_view_if_needed()
            assert frame.locator("#share-tool > summary").is_visible()
            assert frame.evaluate("document.documentElement.scrollHeight") <= 502
        assert v.errors == []
        assert all(u.startswith((lms.origin, server.origin, "data:", "blob:")) for u in v.requests)
    finally:
        lms.close()


@pytest.mark.browser
def test_full_snippet_with_the_script_follows_the_content_both_ways(visit, server, tmp_path):
    v = visit(width=700, height=900)
    full = lesson_snippets(v, server.url("sim/index.html"))[1]
    assert "microsim-embed.js" in full
    (tmp_path / "course.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>'
        f'<h1>Week 5</h1><div style="width:580px">{full}</div></body></html>')
    lms = Server(tmp_path)
    try:
        v.page.goto(lms.url("course.html"))
        frame = sim_frame(v.page)
        frame_ready(frame)

        def frame_fits(margin=50):
            content = frame.evaluate(CONTENT_HEIGHT)
            v.page.wait_for_function(
                "([c, m]) => Math.abs(document.querySelector('iframe').getBoundingClientRect().height - c) <= m",
                arg=[content, margin], timeout=15_000)
            return content

        start = frame_fits()
        frame.click("#show-table")
        for tool in ("build-tool", "train-tool", "trace-tool"):
            frame.click(f"#{tool} > summary")
        frame.locator("#values-table table").first.wait_for()
        grown = frame_fits()
        assert grown > start + 400
        frame.click("#show-table")
        for tool in ("build-tool", "train-tool", "trace-tool"):
            frame.click(f"#{tool} > summary")
        frame.locator("#table-section").wait_for(state="hidden")
        back = frame_fits()
        assert abs(back - start) <= 50
        assert v.page.evaluate("document.querySelector('iframe').getBoundingClientRect().height") < grown - 400
        assert v.errors == []
    finally:
        lms.close()


@pytest.mark.browser
def test_resize_script_takes_only_finite_heights_from_the_frame_that_sent_them(visit, tmp_path):
    (tmp_path / "child.html").write_text('<!doctype html><html><head><meta charset="utf-8"></head><body>child</body></html>')
    (tmp_path / "page.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>'
        '<iframe id="a" src="child.html" height="150"></iframe><iframe id="b" src="child.html" height="150"></iframe>'
        '<script src="microsim-embed.js"></script></body></html>')
    shutil.copyfile(ROOT / "site" / "assets" / "microsim-embed.js", tmp_path / "microsim-embed.js")
    s = Server(tmp_path)
    try:
        v = visit()
        v.page.goto(s.url("page.html"))
        v.page.evaluate("""() => { window.seen = [];
            new MutationObserver(ms => ms.forEach(m => seen.push(m.target.id + ':' + m.target.getAttribute('height'))))
              .observe(document.body, {subtree: true, attributes: true, attributeFilter: ['height']}); }""")
        a = sim_frame(v.page, "#a")
        a.evaluate("""() => { for (const h of [300, NaN, Infinity, -5, 0, '400', null, 1e9, 333])
            parent.postMessage({type: 'microsim-resize', height: h}, '*'); }""")
        v.page.evaluate("postMessage({type: 'microsim-resize', height: 222}, '*')")  # not from a frame
        v.page.wait_for_function("seen.includes('a:333px')")
        assert v.page.evaluate("seen") == ["a:300px", "a:333px"]
        assert v.page.evaluate("document.getElementById('b').getAttribute('height')") == "150"
    finally:
        s.close()


# ---------------------------------------------------------------- 5. no dead link, online or offline

def test_no_dead_link_online(site):
    assert dead_links(site) == []
    lesson_html = (site / "sim" / "index.html").read_text()
    for name in (OFFLINE_ZIP, FOLDER_ZIP, SCORM_ZIP):
        assert f'href="../{name}"' in lesson_html and zipfile.is_zipfile(site / name), name


@pytest.mark.parametrize("name, top", [(OFFLINE_ZIP, "backprop-microsim"), (SCORM_ZIP, "")])
def test_no_dead_link_in_the_offline_copies(site, tmp_path, name, top):
    with zipfile.ZipFile(site / name) as z:
        z.extractall(tmp_path)
        assert not [n for n in z.namelist() if n.endswith(".zip") and "/runtime/" not in n]  # no zip inside a zip
    root = tmp_path / top
    assert dead_links(root) == []
    html = (root / "sim" / "index.html").read_text()
    assert "online-only" not in html and "Download for offline use" not in html


@pytest.mark.browser
def test_search_works_in_the_offline_copy(site, tmp_path, visit):
    """Material's offline plugin writes search/search_index.js after the build's hooks used to
    zip the site: the offline copy had only the .json, which file:// cannot fetch."""
    with zipfile.ZipFile(site / OFFLINE_ZIP) as z:
        assert z.read("backprop-microsim/search/search_index.js") == (site / "search" / "search_index.js").read_bytes()
        z.extractall(tmp_path)
    v = visit()
    v.page.route("**/main.html*", lambda route: route.abort())  # the lesson's simulation is not needed here
    v.page.goto((tmp_path / "backprop-microsim" / "sim" / "teaching-notes.html").as_uri())
    v.page.locator("input.md-search__input").click()
    v.page.keyboard.type("transpose")  # key by key, as the theme's search listens for
    v.page.locator(".md-search-result__item").first.wait_for()
    titles = v.page.locator(".md-search-result__item").all_inner_texts()
    assert any("Key Insight: The Transpose" in t for t in titles)
    assert v.foreign_requests(None) == [] and v.errors == []


# ---------------------------------------------------------------- 3. the drop-in folder

def test_folder_zip_holds_one_folder_with_relative_paths_only(site, tmp_path):
    with zipfile.ZipFile(site / FOLDER_ZIP) as z:
        names = z.namelist()
        z.extractall(tmp_path)
    assert {n.split("/")[0] for n in names} == {"backpropagation"}
    folder = tmp_path / "backpropagation"
    for name in ("index.md", "main.html", "metadata.json", "edit.html", "sim.css", "loader.js", "paint.js",
                 "runtime/pyodide.js", "runtime/offline-data.js", "katex/katex.min.css", "katex/fonts/KaTeX_Main-Regular.woff2"):
        assert (folder / name).is_file(), name
    for page in ("index.md", "teaching-notes/index.md"):
        md = (folder / page).read_text()
        assert "\\(" in md and "$" not in md  # arithmatex's generic delimiters
        assert "{{" not in md and "{ .md-button" not in md and "??? " not in md and "example.org" not in md
        body, _, references = md.partition("\n## References\n")
        for link in re.findall(r"\]\(([^)]+)\)|(?:src|href)=\"([^\"]+)\"", body):
            target = link[0] or link[1]
            if target.startswith("../../sims/"):
                continue  # the snippet for chapter pages, shown as code
            resolved = (folder / page).parent.joinpath(target.split("#")[0]).resolve()
            assert not urlparse(target).scheme and resolved.is_relative_to(folder.resolve()), (page, target)
            assert resolved.exists(), (page, target)
        # the publications the lesson cites, by their addresses
        assert all(urlparse(url).scheme == "https" for url in re.findall(r"\]\(([^)]+)\)", references))
    for page in ("main.html", "edit.html"):
        for link in parsed(folder / page).links:
            url = urlparse(link)
            if url.scheme == "data":
                continue
            assert not url.scheme and not link.startswith(("/", "../")), (page, link)
            built = {"index.html": "index.md"}.get(url.path, url.path)  # the textbook makes the lesson's page
            assert not url.path or (folder / built).exists(), (page, link)


THEMES = {
    # the MicroSim textbooks' setup: Material, docs/sims/NAME/, a nav entry
    "material": """theme:
  name: material
  font: false          # the textbook's own choice; Google Fonts would leave the site
markdown_extensions:
  - admonition
  - pymdownx.details
  - pymdownx.superfences
""",
    # MkDocs' own default theme and Markdown, nothing added
    "mkdocs": """theme:
  name: mkdocs
  highlightjs: false   # the theme's default loads highlight.js from a CDN
markdown_extensions: []
""",
}
# math as Material's documentation sets it up: arithmatex generic, KaTeX's auto-render on every
# page (a textbook loads KaTeX from a CDN; here from the folder's own copy, nothing leaves the site)
ARITHMATEX = """  - pymdownx.arithmatex:
      generic: true
extra_javascript:
  - javascripts/katex.js
  - sims/backpropagation/katex/katex.min.js
  - sims/backpropagation/katex/contrib/auto-render.min.js
extra_css:
  - sims/backpropagation/katex/katex.min.css
"""
TEXTBOOK_KATEX = r"""(window.document$ ? document$.subscribe.bind(document$) : (f) => addEventListener("DOMContentLoaded", f))(() =>
  renderMathInElement(document.body, { delimiters: [
    { left: "\\(", right: "\\)", display: false }, { left: "\\[", right: "\\]", display: true }] }));
"""
NAV = """nav:
  - Home: index.md
  - Chapters:
    - Neural networks: chapters/neural-networks/index.md
  - MicroSims:
    - Backpropagation: sims/backpropagation/index.md
    - Teaching notes: sims/backpropagation/teaching-notes/index.md
"""


def textbook_config(theme: str, directory_urls: bool, arithmatex: bool) -> str:
    config = f"site_name: A Textbook\nuse_directory_urls: {str(directory_urls).lower()}\n" + THEMES[theme]
    if arithmatex:
        config = config.replace("markdown_extensions: []\n", "markdown_extensions:\n") + ARITHMATEX
    return config + NAV


CHAPTER = """# Neural networks

The MicroSim, embedded the way every MicroSim textbook does it:

<iframe src="../../sims/backpropagation/main.html" height="502px" width="100%" scrolling="no"></iframe>
"""


def build_textbook(site: Path, root: Path, theme: str, directory_urls: bool, arithmatex: bool | None = None) -> Path:
    """A fixture textbook with the drop-in folder unzipped into docs/sims/, built by MkDocs; by
    default with arithmatex and KaTeX in Material (as the MicroSim textbooks), with neither in
    MkDocs' default theme."""
    docs = root / "docs"
    (docs / "chapters" / "neural-networks").mkdir(parents=True)
    (docs / "javascripts").mkdir()
    (docs / "index.md").write_text("# Home\n\nA textbook.\n")
    (docs / "chapters" / "neural-networks" / "index.md").write_text(CHAPTER)
    (docs / "javascripts" / "katex.js").write_text(TEXTBOOK_KATEX)
    with zipfile.ZipFile(site / FOLDER_ZIP) as z:
        z.extractall(docs / "sims")
    arithmatex = theme == "material" if arithmatex is None else arithmatex
    (root / "mkdocs.yml").write_text(textbook_config(theme, directory_urls, arithmatex))
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(root / "mkdocs.yml")],
                   check=True, cwd=root, capture_output=True, text=True)
    return root / "site"


@pytest.mark.parametrize("theme", ["material", "mkdocs"])
@pytest.mark.parametrize("directory_urls", [True, False])
def test_folder_builds_into_a_textbook(site, tmp_path, theme, directory_urls):
    built = build_textbook(site, tmp_path, theme, directory_urls)
    lesson_html = (built / "sims" / "backpropagation" / "index.html").read_text()
    assert "<h1" in lesson_html and "Backpropagation" in lesson_html and 'src="main.html"' in lesson_html
    assert "Worked Example" in lesson_html and "0.0989" in lesson_html
    if theme == "material":
        assert lesson_html.count('class="arithmatex"') > 10 and "\\(\\delta^{[L]}" in lesson_html
        assert "sims/backpropagation/" in (built / "index.html").read_text()  # the nav entry
    # every link of the folder's pages in the textbook resolves (the theme's own links to its
    # makers' site aside: the folder's Markdown and HTML name no other host, tested above)
    assert [b for b in dead_links(built / "sims" / "backpropagation") if "another host" not in b] == []


@pytest.mark.browser
@pytest.mark.parametrize("theme, directory_urls", [("material", True), ("mkdocs", False)])
def test_textbook_lesson_and_chapter_run_the_simulation(site, tmp_path, visit, theme, directory_urls):
    built = build_textbook(site, tmp_path, theme, directory_urls)
    httpd = Server(built)
    try:
        lesson_url = httpd.url("sims/backpropagation/" if directory_urls else "sims/backpropagation/index.html")
        chapter_url = httpd.url("chapters/neural-networks/" if directory_urls else "chapters/neural-networks/index.html")
        lesson_file = (built / "sims" / "backpropagation" / "index.html").as_uri()
        chapter_file = (built / "chapters" / "neural-networks" / "index.html").as_uri()
        # three boots per textbook (two cores are shared): the lesson over http and from a
        # file, and a chapter's MicroSim frame, over http in one textbook, from a file in the other
        for url, source in ((lesson_url, "http"), (lesson_file, "file")):
            v = visit()
            v.page.goto(url)
            frame_ready(sim_frame(v.page, "#microsim"))
            assert v.foreign_requests(httpd.origin if source == "http" else None) == [], source
            # Material's own search cannot start its worker from file:// (its offline plugin
            # fixes that, for textbooks that want it): the textbook's, not the simulation's
            assert [e for e in v.errors if "search/worker.js" not in e] == [], source
        # a chapter's 502 px MicroSim frame, scrolling="no": the compact view, all inside it
        for url in ((chapter_url,) if directory_urls else (chapter_file,)):
            v = visit(width=900)
            v.page.goto(url)
            frame = sim_frame(v.page)
            frame_ready(frame)
            frame.click("#btn-forward")
            frame.locator("#status dd[data-key='phase']").filter(has_text="forward pass done").wait_for()
            rects = frame.evaluate("ids => ids.map(id => document.getElementById(id).getBoundingClientRect().bottom)", list(STEP_BUTTONS))
            inner = frame.evaluate("innerHeight")  # 502 less the iframe's default border
            assert 490 <= inner <= 502 and max(rects) <= inner and frame.evaluate("document.documentElement.scrollHeight") <= inner
            assert frame.evaluate("document.getElementById('network').getBoundingClientRect().height") >= 200
            assert [e for e in v.errors if "search/worker.js" not in e] == []  # as above
            assert v.foreign_requests(httpd.origin if url.startswith("http") else None) == []
    finally:
        httpd.close()


# ---------------------------------------------------------------- 4. the SCORM package

NS = {"cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2"}


def test_scorm_manifest_has_the_scorm_1_2_structure(site):
    with zipfile.ZipFile(site / SCORM_ZIP) as z:
        names = set(z.namelist())
        manifest = ElementTree.fromstring(z.read("imsmanifest.xml"))
    assert manifest.tag == f"{{{NS['cp']}}}manifest" and manifest.get("identifier")
    assert manifest.findtext("cp:metadata/cp:schema", namespaces=NS) == "ADL SCORM"
    assert manifest.findtext("cp:metadata/cp:schemaversion", namespaces=NS) == "1.2"
    orgs = manifest.find("cp:organizations", NS)
    org = orgs.find("cp:organization", NS)
    assert orgs.get("default") == org.get("identifier") and org.findtext("cp:title", namespaces=NS)
    items = org.findall("cp:item", NS)
    resources = {r.get("identifier"): r for r in manifest.findall("cp:resources/cp:resource", NS)}
    assert len(items) == 1 and items[0].get("identifierref") in resources and items[0].findtext("cp:title", namespaces=NS)
    sco = resources[items[0].get("identifierref")]
    assert sco.get(f"{{{NS['adlcp']}}}scormtype") == "sco" and sco.get("type") == "webcontent"
    assert sco.get("href") == "sim/index.html"
    assert 0 < int(items[0].findtext("adlcp:masteryscore", namespaces=NS)) <= 100  # passed or failed, by the score
    listed = {f.get("href") for f in sco.findall("cp:file", NS)}
    assert listed == names - {"imsmanifest.xml"}
    assert {"sim/index.html", "sim/main.html", "assets/scorm.js", "sim/runtime/pyodide.js"} <= listed
    # identifiers are XML IDs: unique
    ids = [e.get("identifier") for e in manifest.iter() if e.get("identifier")]
    assert len(ids) == len(set(ids))


LMS_PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script src="scorm12.js"></script>
<script>
  // the LMS side, as Moodle's and Canvas's SCORM players do it: the run-time on the player
  // window (with what the LMS knows of the learner and the manifest: ?launch=JSON), the
  // package's launch file in an iframe below it; every value the package sets, recorded
  window.API = new Scorm12API({autocommit: false, logLevel: 5});
  var launch = new URLSearchParams(location.search).get("launch");
  if (launch) window.API.loadFromJSON(JSON.parse(launch));
  window.sets = [];
  window.API.on("LMSSetValue.cmi.*", function (element, value) { window.sets.push([element, value]); });
</script></head>
<body><iframe id="sco" src="package/sim/index.html" style="width:1100px;height:900px"></iframe></body></html>"""
CMI_TIMESPAN = re.compile(r"^\d{2,4}:\d{2}:\d{2}$")
CMI_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$")


def mastery_score(site) -> str:
    """The mastery score the manifest gives the LMS, which passes it to the package as
    cmi.student_data.mastery_score."""
    with zipfile.ZipFile(site / SCORM_ZIP) as z:
        manifest = ElementTree.fromstring(z.read("imsmanifest.xml"))
    return manifest.findtext("cp:organizations/cp:organization/cp:item/adlcp:masteryscore", namespaces=NS)


@pytest.fixture
def lms(site, tmp_path):
    with zipfile.ZipFile(site / SCORM_ZIP) as z:
        z.extractall(tmp_path / "package")
    shutil.copyfile(ROOT / "node_modules" / "scorm-again" / "dist" / "scorm12.js", tmp_path / "scorm12.js")
    (tmp_path / "player.html").write_text(LMS_PAGE)
    s = Server(tmp_path)
    yield s
    s.close()


def _cmi(page, element):
    return page.evaluate("e => window.API.LMSGetValue(e)", element)


def _inner_sim(page):
    lesson_frame = sim_frame(page, "#sco")
    lesson_frame.locator("#microsim").wait_for(state="attached")
    frame = lesson_frame.locator("#microsim").element_handle().content_frame()
    frame_ready(frame)
    return frame


def _launch(visit, lms, launch: dict):
    v = visit(width=1200, height=1000)
    v.responses = []
    v.page.on("response", lambda r: v.responses.append((r.status, r.url)))
    v.page.goto(lms.url("player.html?launch=" + quote(json.dumps(launch), safe="")))
    frame = _inner_sim(v.page)
    v.page.wait_for_function("window.API.isInitialized()")
    return v, frame


def _interactions(page) -> dict[int, dict]:
    """cmi.interactions.n.* as the package set them (write-only to it: read from the record)."""
    records: dict[int, dict] = {}
    for element, value in page.evaluate("window.sets"):
        if m := re.match(r"cmi\.interactions\.(\d+)\.(.+)$", element):
            records.setdefault(int(m.group(1)), {})[m.group(2)] = value
    return records


def _finish(v, lms):
    """Leaving the lesson finishes the session: the LMS has every value, and nothing failed."""
    sim_frame(v.page, "#sco").goto("about:blank")
    v.page.wait_for_function("window.API.isTerminated()")
    assert v.errors == []
    assert all(u.startswith((lms.origin, "data:", "blob:", "about:")) for u in v.requests)
    assert [(s, u) for s, u in v.responses if s >= 400] == []
    assert not [u for u in v.requests if u.split("?")[0].endswith("sw.js")]  # the LMS serves no service worker
    return dict(v.page.evaluate("window.sets"))


@pytest.mark.browser
def test_scorm_package_reports_to_the_lms(lms, visit, site):
    mastery = mastery_score(site)
    assert mastery == "75"  # three of the seed's four δ right
    v, frame = _launch(visit, lms, {"student_data": {"mastery_score": mastery}})
    assert _cmi(v.page, "cmi.core.lesson_status") == "incomplete"
    assert _cmi(v.page, "cmi.core.score.raw") == ""
    # prediction mode: δ^[2] predicted right by hand (test_engine's hand computation), then
    # each δ^[1]ⱼ = W^[2]₁ⱼ · δ^[2] · σ'(z^[1]ⱼ), with W^[2] = (0.3, −0.2, 0.5): negative,
    # positive, negative; predicted "+" three times: 2 of 4
    delta_2 = f"{hand_seed()['d2']:.4f}"
    act(frame, "predict_mode", True)
    act(frame, "forward")
    v.page.wait_for_timeout(2_100)  # the learner thinks for two seconds: the answer's latency
    assert act(frame, "predict", delta_2)["score"] == {"right": 1, "asked": 1}
    act(frame, "backward")  # refused: prediction mode asks first, each δ of the hidden layer in turn
    for sign in "+++":
        act(frame, "predict", sign)
    act(frame, "target", 0.5)  # a new target: the setup the LMS keeps
    v.page.wait_for_function("window.API.LMSGetValue('cmi.core.score.raw') === '50'")
    # a full pass with answers, scored below the mastery score
    v.page.wait_for_function("window.API.LMSGetValue('cmi.core.lesson_status') === 'failed'")
    v.page.wait_for_function("window.API.LMSGetValue('cmi.suspend_data').includes('y=0.5')")
    suspend = _cmi(v.page, "cmi.suspend_data")
    assert len(suspend) <= 4096
    records = _interactions(v.page)
    assert [{k: r[k] for k in ("id", "type", "student_response", "correct_responses.0.pattern", "result")} for r in records.values()] == [
        {"id": "delta_2_1", "type": "numeric", "student_response": delta_2, "correct_responses.0.pattern": delta_2, "result": "correct"},
        {"id": "delta_1_1_sign", "type": "numeric", "student_response": "1", "correct_responses.0.pattern": "-1", "result": "wrong"},
        {"id": "delta_1_2_sign", "type": "numeric", "student_response": "1", "correct_responses.0.pattern": "1", "result": "correct"},
        {"id": "delta_1_3_sign", "type": "numeric", "student_response": "1", "correct_responses.0.pattern": "-1", "result": "wrong"},
    ]
    assert list(records) == [0, 1, 2, 3]
    assert all(CMI_TIMESPAN.match(r["latency"]) and CMI_TIME.match(r["time"]) for r in records.values())
    assert records[0]["latency"] >= "00:00:02"
    # the session: its length, and the setup kept for the next launch
    values = _finish(v, lms)
    assert CMI_TIMESPAN.match(values["cmi.core.session_time"]) and values["cmi.core.exit"] == "suspend"
    assert values["cmi.core.lesson_status"] == "failed" and values["cmi.core.score.raw"] == "50"

    # the next launch resumes that setup from cmi.suspend_data; the learner tries again and passes
    earlier = {"0": {"id": "delta_2_1", "type": "numeric", "student_response": delta_2, "result": "correct"}}
    again, frame = _launch(visit, lms, {"suspend_data": suspend, "interactions": earlier, "student_data": {"mastery_score": mastery},
                                        "core": {"lesson_status": "failed", "entry": "resume"}})
    wait_for(frame, "window.backpropSim.state().y[0] === 0.5")
    assert _cmi(again.page, "cmi.core.lesson_status") == "failed"  # the last result stands until there is a new one
    # with y = 0.5 the output ŷ ≈ 0.5909 is too high: δ^[2] > 0, so δ^[1] has the signs of W^[2]
    act(frame, "reset")
    act(frame, "predict_mode", True)
    act(frame, "forward")
    for sign in "++-+":
        act(frame, "predict", sign)
    again.page.wait_for_function("window.API.LMSGetValue('cmi.core.lesson_status') === 'passed'")
    assert _cmi(again.page, "cmi.core.score.raw") == "100"
    records = _interactions(again.page)
    assert list(records) == [1, 2, 3, 4]  # after the earlier launch's record
    assert [(r["id"], r["student_response"], r["correct_responses.0.pattern"], r["result"]) for r in records.values()] == [
        ("delta_2_1_sign", "1", "1", "correct"), ("delta_1_1_sign", "1", "1", "correct"),
        ("delta_1_2_sign", "-1", "-1", "correct"), ("delta_1_3_sign", "1", "1", "correct")]
    _finish(again, lms)


def test_the_teachers_page_says_what_the_package_does(site):
    """site/teachers-lms.md: the mastery score the manifest gives, the rule that grades a number."""
    from backprop_sim.prediction import PREDICT_ABS, PREDICT_REL
    html = (site / "teachers-lms.html").read_text()
    assert f"mastery score</strong> is {mastery_score(site)} " in html
    assert f"within {PREDICT_REL:.0%}".replace("%", " %") in html and f"within {PREDICT_ABS:g} of it" in html
    for element in ("cmi.interactions.n", "correct_responses.0.pattern", "latency", "cmi.core.session_time", "adlcp:masteryscore"):
        assert f"<code>{element}</code>" in html, element
    assert "teachers-lms.html" in (site / "index.html").read_text()  # in the site's navigation


@pytest.mark.browser
def test_scorm_without_a_mastery_score_reports_completion(lms, visit):
    """An LMS that gives no mastery score: a full pass is "completed", answers or not."""
    v, frame = _launch(visit, lms, {})
    act(frame, "predict_mode", True)
    act(frame, "forward")
    for guess in (f"{hand_seed()['d2']:.4f}", "-", "+", "-"):
        act(frame, "predict", guess)
    v.page.wait_for_function("window.API.LMSGetValue('cmi.core.lesson_status') === 'completed'")
    assert _cmi(v.page, "cmi.core.score.raw") == "100" and len(_interactions(v.page)) == 4
    _finish(v, lms)


@pytest.mark.browser
def test_scorm_package_without_an_lms_just_works(lms, visit):
    """Opened as a plain page (or in a frame with no API above it), nothing breaks."""
    v = visit()
    v.page.goto(lms.url("package/sim/index.html"))
    frame_ready(sim_frame(v.page, "#microsim"))
    act(sim_frame(v.page, "#microsim"), "forward")
    assert v.errors == []
