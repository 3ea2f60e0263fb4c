"""Issue 27: a first-class MicroSim. The collection's quality rubric at 100 for the drop-in folder
and for our own lesson, scored item by item; metadata.json valid against (our encoding of) the
collection's schema and true of the simulation; the folder's math rendered in any textbook; no
request of the folder's pages that fails in a textbook."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

import lesson  # tools/lesson.py
import metadata  # tools/metadata.py
from backprop_sim import datasets, rules, settings, toolwords
from backprop_sim.toolwords import COMPACT_HEIGHT
from conftest import ROOT, Server
from microsim_standard import SCHEMA, score, schema_errors
from test_teachers import FOLDER_ZIP, build_textbook, sim_frame

NAME = "backpropagation"
SITE_IMAGE = f"sim/{NAME}.png"
FOLDER_IMAGE = f"/sims/{NAME}/{NAME}.png"
SITE_TYPE_LINKS = ("edit.html", "source.md")  # the Edit page (the Python, changed and run) and the source page
FOLDER_TYPE_LINKS = ("edit.html",)  # the source page stays on the site


@pytest.fixture(scope="module")
def folder(site, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("folder")
    with zipfile.ZipFile(site / FOLDER_ZIP) as z:
        z.extractall(root)
    return root / NAME


def site_lesson() -> str:
    return lesson.expand((ROOT / "site" / "sim" / "index.md").read_text())


def scored(markdown: str, where: Path, image: str, type_links) -> dict:
    return {item.name: item for item in score(markdown, where, NAME, image, type_links)}


# ---------------------------------------------------------------- 1. the rubric at 100

def check_at_100(items: dict, markdown: str):
    failed = {name: item.why for name, item in items.items() if not item.passed}
    assert failed == {}
    assert sum(item.points for item in items.values()) == 100 and len(items) == 14
    assert re.search(r"^quality_score: 100$", markdown, re.M)  # the score, in the front matter


def test_our_lesson_scores_100_item_by_item(site):
    markdown = site_lesson()
    check_at_100(scored(markdown, site / "sim", SITE_IMAGE, SITE_TYPE_LINKS), markdown)


def test_the_drop_in_folder_scores_100_item_by_item(folder):
    markdown = (folder / "index.md").read_text()
    check_at_100(scored(markdown, folder, FOLDER_IMAGE, FOLDER_TYPE_LINKS), markdown)


# each item, lost: the scorer says which (so it can fail, and a change that loses one is caught)
LOSSES = {
    "Title": lambda md: md.replace("\n# Backpropagation\n", "\nBackpropagation\n", 1),
    "Metadata 1": lambda md: re.sub(r"^description: .*\n", "", md, count=1, flags=re.M),
    "Metadata 2": lambda md: re.sub(r"^og:image: .*\n", "", md, count=1, flags=re.M),
    "iframe": lambda md: re.sub(r'(<iframe id="microsim"[^>]*) src="main.html"', r'\1 src="other.html"', md, count=1),
    "Fullscreen Link Button": lambda md: md.replace("md-button--primary", "md-button--secondary"),
    "iframe example": lambda md: md.replace("Copy this iframe to your website:", "Embed it:"),
    "image": lambda md: md.replace(f"{NAME}.png", "screenshot.png"),
    "Overview Documentation": lambda md: md.replace("## About This MicroSim", "### About This MicroSim"),
    "Lesson Plan": lambda md: md.replace("### Target Audience", "### Who"),
    "References": lambda md: md.replace("1. [Learning representations", "1. Learning representations ["),
    "MicroSim Type Specific Format": lambda md: md.replace("(edit.html)", "(main.html)").replace('href="edit.html"', 'href="main.html"'),
}


@pytest.mark.parametrize("item", sorted(LOSSES))
def test_the_scorer_names_each_lost_item(folder, item):
    markdown = (folder / "index.md").read_text()
    changed = LOSSES[item](markdown)
    assert changed != markdown, item
    items = scored(changed, folder, FOLDER_IMAGE, FOLDER_TYPE_LINKS)
    assert [name for name, i in items.items() if not i.passed] == [item]


def test_the_scorer_names_lost_files(folder, tmp_path):
    markdown = (folder / "index.md").read_text()
    (tmp_path / "main.html").write_text("<!doctype html>")
    (tmp_path / "edit.html").write_text("<!doctype html>")
    items = scored(markdown, tmp_path, FOLDER_IMAGE, FOLDER_TYPE_LINKS)
    assert sorted(n for n, i in items.items() if not i.passed) == ["image", "metadata.json present", "metadata.json valid"]
    (tmp_path / "metadata.json").write_text(json.dumps({"title": "Backpropagation", "framework": "p5.js"}))  # the flat kind
    items = scored(markdown, tmp_path, FOLDER_IMAGE, FOLDER_TYPE_LINKS)
    assert not items["metadata.json valid"].passed and "microsim" in items["metadata.json valid"].why


def test_the_lesson_keeps_its_order_with_the_collections_blocks(site):
    """The frame, the copy block, then the buttons; the collection's sections where the lesson had
    its own, and References last (tests/test_site.py checks the original's order)."""
    html = (site / "sim" / "index.html").read_text()
    order = ['<iframe id="microsim"', "Copy this iframe to your website:", "Run the Backpropagation MicroSim Fullscreen",
             "Edit the MicroSim", 'id="about-this-microsim"', 'id="lesson-plan"', 'id="learning-objectives"',
             'id="target-audience"', 'id="prerequisites"', 'id="suggested-activities"', 'id="discussion-questions"',
             'id="assessment"', 'id="training-on-a-data-set"', 'id="references"']
    positions = [html.index(mark) for mark in order]
    assert positions == sorted(positions)
    assert re.findall(r"<h2 id=\"([^\"]+)\"", html)[-1] == "references"
    assert 'class="md-button md-button--primary" href="main.html"' in html and "frameborder" not in html


# ---------------------------------------------------------------- 2. metadata.json

def test_metadata_validates_against_the_schema_on_the_site_and_in_the_folder(site, folder):
    for where in (site / "sim", folder):
        assert schema_errors(json.loads((where / "metadata.json").read_text())) == [], where
    assert (site / "sim" / "metadata.json").read_bytes() == (folder / "metadata.json").read_bytes()


@pytest.mark.parametrize("path, bad", [
    ("microsim/dublinCore/type", "Simulation"),
    ("microsim/dublinCore/date", "27 November 2026"),
    ("microsim/dublinCore/language", "English"),
    ("microsim/technical/framework", "Pyodide"),
    ("microsim/technical/canvasDimensions/width", "100%"),
    ("microsim/educational/gradeLevel", ["College"]),
    ("microsim/educational/bloomsTaxonomy", ["apply"]),
    ("microsim/userInterface/controls/0/type", "toggle"),
])
def test_the_schema_refuses_what_the_collections_refuses(site, path, bad):
    meta = json.loads((site / "sim" / "metadata.json").read_text())
    *parents, key = path.split("/")
    target = meta
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(key) if key.isdigit() else key] = bad
    assert schema_errors(meta), path
    del meta["microsim"]["dublinCore"]["rights"]
    assert any("'rights' is a required property" in e for e in schema_errors(meta))


def test_the_schema_encoding_is_our_own():
    """Our encoding lists the published schema's required objects and fields (as the lead's
    summary gives them), and is written in Python, not copied."""
    micro = SCHEMA["properties"]["microsim"]
    assert micro["required"] == ["dublinCore", "search", "educational", "technical", "userInterface"]
    assert micro["properties"]["dublinCore"]["required"] == ["title", "creator", "subject", "description", "date", "type", "format", "rights"]
    assert micro["properties"]["technical"]["required"] == ["framework", "canvasDimensions"]
    assert not list((ROOT / "tests").glob("*schema*.json"))


def test_metadata_is_true_of_this_simulation(site):
    meta = json.loads((site / "sim" / "metadata.json").read_text())["microsim"]
    source = (ROOT / "site" / "sim" / "index.md").read_text()
    # the lesson's own objectives and prerequisites, as its lists have them
    objectives = re.search(r"### Learning Objectives\n(.*?)\n###", source, re.S).group(1)
    assert meta["educational"]["learningObjectives"] == [m.rstrip(".") for m in re.findall(r"^\d+\. (.+)$", objectives, re.M)]
    assert len(meta["educational"]["learningObjectives"]) == 4
    prerequisites = re.search(r"### Prerequisites\n(.*?)\n###", source, re.S).group(1)
    assert meta["educational"]["prerequisites"] == re.findall(r"^- (.+)$", prerequisites, re.M)
    assert meta["educational"]["bloomsTaxonomy"] == ["Understand", "Apply"]  # explain, describe; compute, calculate
    assert meta["dublinCore"]["title"] == "Backpropagation" and meta["dublinCore"]["description"].startswith("Step through backpropagation")
    # the runtime: Pyodide and numpy by their versions, the framework "other"
    tech = meta["technical"]
    assert tech["framework"] == "other"
    assert tech["dependencies"][:2] == ["Pyodide 0.27.7 (CPython 3.12.7 in WebAssembly)", "numpy 2.0.2"]
    assert tech["canvasDimensions"] == {"width": 1600, "height": COMPACT_HEIGHT, "responsive": True}
    assert tech["accessibility"]["keyboardMaps"] == [{"key": k, "action": s.words} for s in toolwords.SHORTCUTS for k in s.keys]
    assert {"key": "ArrowRight", "action": "backward step"} in tech["accessibility"]["keyboardMaps"]
    # the equations, as rules.py writes them
    assert meta["simulation"]["model"]["equations"][1] == "δ[l] = (W[l+1])ᵀ δ[l+1] ⊙ g'(z[l])"
    assert all(eq in (ROOT / "py" / "backprop_sim" / "rules.py").read_text() for eq in meta["simulation"]["model"]["equations"])


def test_metadata_lists_every_control_of_the_page(site):
    html = (site / "sim" / "main.html").read_text()
    controls = {c["id"]: c for c in json.loads((site / "sim" / "metadata.json").read_text())["microsim"]["userInterface"]["controls"]}
    # every control of the page, found here with a regex (metadata.py parses the HTML)
    # (a readonly box, the share link's, is something to read, not a control)
    tags = re.findall(r"<(?:button|select|input|textarea)\b[^>]*>", html)
    on_page = {re.search(r'\bid="([^"]+)"', t).group(1) for t in tags if ' id="' in t and "readonly" not in t} | {"train-button"}
    assert set(controls) == on_page
    assert len(controls) >= 55
    kinds = {"btn-forward": "button", "btn-auto": "toggle-button", "target": "slider", "show-table": "checkbox",
             "preset": "dropdown", "lr": "number-input", "layers": "text-input", "btn-train": "toggle-button"}
    assert {i: controls[i]["type"] for i in kinds} == kinds
    # ranges and defaults: the Python constants the simulation enforces
    speed, train_speed = settings.BY_NAME["speed"].read, settings.BY_NAME["train_speed"].read
    assert controls["speed"]["properties"] == {"min": speed.low, "max": speed.high, "default": 1, "step": 0.25}
    assert controls["train-speed"]["properties"]["max"] == train_speed.high + 1  # the fast notch
    assert controls["noise"]["properties"]["max"] == datasets.NOISE_RANGE[1]
    assert controls["target"]["properties"] == {"min": 0, "max": 1, "default": 1, "step": 0.05}
    assert controls["btn-backward"]["accessibility"] == {"keyboardShortcut": "B ArrowRight"}
    assert controls["btn-forward"]["label"] == "Forward Pass" and controls["btn-forward"]["group"] == "Simulation controls"
    assert controls["predict-mode"]["group"] == "Predict before you see"
    assert [o["value"] for o in controls["loss-fn"]["properties"]["options"]] == ["mse", "bce", "cross_entropy"]  # the rules' three


@pytest.mark.browser
def test_metadata_controls_are_the_running_pages(visit, server, site):
    """What Python puts in the page when it starts (the menus' entries, the ticked feature
    boxes) and what the HTML holds, as a learner finds them."""
    controls = json.loads((site / "sim" / "metadata.json").read_text())["microsim"]["userInterface"]["controls"]
    v = visit()
    v.open(server.url("sim/main.html"))
    live = v.page.evaluate("""ids => ids.map(id => {
        const el = document.getElementById(id) || document.querySelector('.' + id);
        return {id, tag: el.tagName.toLowerCase(), type: el.type, checked: el.checked, value: el.value,
                min: el.min, max: el.max, step: el.step,
                options: el.tagName === 'SELECT' ? Array.from(el.options, o => ({value: o.value, label: o.textContent})) : null};
      })""", [c["id"] for c in controls])
    for c, el in zip(controls, live):
        props = c.get("properties", {})
        if c["type"] == "dropdown" and "options" in props:
            assert el["options"] == props["options"], c["id"]
            assert el["value"] == props["default"], c["id"]
        if c["type"] == "checkbox":
            assert el["checked"] == props["checked"], c["id"]
        if c["type"] == "slider":
            assert [float(el[k]) for k in ("min", "max", "step")] == [props[k] for k in ("min", "max", "step")], c["id"]
            assert float(el["value"]) == props["default"], c["id"]
        tags = {"dropdown": ("select",), "button": ("button",), "toggle-button": ("button",), "text-input": ("input", "textarea")}
        assert el["tag"] in tags.get(c["type"], ("input",)), c["id"]
    assert v.errors == []


# ---------------------------------------------------------------- 3. math in any textbook

MATH_TEXT = re.compile(r"\\begin\{bmatrix|\\\(|\\\[|\\delta|\\frac|bmatrix\}")


def tex_of(markdown: str) -> list[str]:
    """Every formula of the site's lesson, in order: what each textbook must render."""
    return [m.group(1) or m.group(2) for m in re.finditer(r"\$\$(.+?)\$\$|\$(.+?)\$", markdown, re.S)]


def folder_page(page: str, directory_urls: bool) -> str:
    """Where a textbook puts the folder's page (index or teaching-notes)."""
    where = f"sims/{NAME}/" if page == "index" else f"sims/{NAME}/{page}/"  # each page an index.md of its own
    return where if directory_urls else where + "index.html"


@pytest.fixture(scope="module")
def textbooks(site, tmp_path_factory):
    """Both themes, with and without arithmatex, use_directory_urls true and false."""
    built = {}
    for theme in ("material", "mkdocs"):
        for arithmatex in (True, False):
            for directory_urls in (True, False):
                root = tmp_path_factory.mktemp(f"{theme}-{arithmatex}-{directory_urls}")
                built[theme, arithmatex, directory_urls] = build_textbook(site, root, theme, directory_urls, arithmatex)
    return built


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["material", "mkdocs"])
@pytest.mark.parametrize("arithmatex", [True, False])
@pytest.mark.parametrize("directory_urls", [True, False])
def test_the_folders_math_renders_in_any_textbook(textbooks, visit, theme, arithmatex, directory_urls):
    built = textbooks[theme, arithmatex, directory_urls]
    expected = tex_of(site_lesson().partition("\n# ")[2])
    httpd = Server(built)
    try:
        for page, tex in (("index", expected), ("teaching-notes", None)):
            path = folder_page(page, directory_urls)
            for url in (httpd.url(path), (built / (path + "index.html" if path.endswith("/") else path)).as_uri()):
                v = visit()
                v.page.route("**/main.html*", lambda route: route.abort())  # the simulation boots elsewhere
                v.page.goto(url)
                v.page.wait_for_function("document.querySelectorAll('.arithmatex').length > 0 && "
                                         "document.querySelectorAll('.arithmatex .katex').length === document.querySelectorAll('.arithmatex').length")
                found = v.page.evaluate("""() => ({
                    text: (document.querySelector('article, [role=main], .col-md-9') || document.body).innerText,
                    tex: Array.from(document.querySelectorAll('.arithmatex'), el =>
                      el.querySelector('annotation[encoding="application/x-tex"]').textContent),
                    nested: document.querySelectorAll('.katex .katex').length })""")
                assert not MATH_TEXT.search(found["text"]), (url, MATH_TEXT.search(found["text"]))
                assert found["nested"] == 0, url  # rendered once, whoever rendered it
                if tex is not None:  # every backslash in place: the TeX each formula rendered is the lesson's
                    assert [t.strip() for t in found["tex"]] == [t.strip() for t in tex], url
                else:
                    assert len(found["tex"]) >= 8
                assert [e for e in v.errors if "search/worker.js" not in e] == [], url
    finally:
        httpd.close()


# ---------------------------------------------------------------- 4. no request that fails

@pytest.mark.browser
@pytest.mark.parametrize("theme, directory_urls", [("material", True), ("mkdocs", False)])
def test_no_request_of_the_folders_pages_fails_in_a_textbook(textbooks, visit, theme, directory_urls):
    built = textbooks[theme, theme == "material", directory_urls]
    httpd = Server(built)
    try:
        for path in (folder_page("index", directory_urls), folder_page("teaching-notes", directory_urls), f"sims/{NAME}/edit.html"):
            v = visit()
            responses, failed = [], []
            v.page.on("response", lambda r: responses.append((r.status, r.url)))
            v.page.on("requestfailed", lambda r: failed.append(r.url))  # no answer at all (file missing from file://, refused)
            v.page.goto(httpd.url(path))
            if "teaching-notes" not in path:
                frame = sim_frame(v.page, "#sim" if path.endswith("edit.html") else "#microsim")
                frame.locator("html[data-sim-ready='true']").wait_for(state="attached", timeout=120_000)
            # and whatever the ready page asks for next (it used to register /sims/sw.js)
            v.page.wait_for_load_state("networkidle")
            assert [(s, u) for s, u in responses if s >= 400] == [], path
            # the loader asks this browser's cache for the snapshot first (fetch with cache: "only-if-cached");
            # a miss never reaches the server
            assert [u for u in failed if "/runtime/python-snapshot.bin" not in u] == [], path
            assert not [u for u in v.requests if u.split("?")[0].endswith("sw.js")], path
            assert any(u.endswith("/main.html") for _, u in responses) or "teaching-notes" in path
    finally:
        httpd.close()


def test_only_our_own_site_has_a_service_worker(site, folder):
    assert 'data-service-worker="../sw.js"' in (site / "sim" / "main.html").read_text()
    for page in ("main.html", "edit.html"):
        assert "service-worker" not in (folder / page).read_text()
    assert not (folder / "sw.js").exists()
