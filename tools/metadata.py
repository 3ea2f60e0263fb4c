"""metadata.json, the MicroSims collection's description of a simulation, written by the build.

The collection publishes a JSON schema for it (dmccreary/microsims,
src/microsim-schema/microsim-schema.json): one object `microsim` with `dublinCore`, `search`,
`educational`, `technical` and `userInterface`. Every field here is read from where the fact
lives, so the file cannot drift from the simulation:

- title, description, learning objectives and prerequisites: the lesson (site/sim/index.md),
  its front matter and the lists under its Learning Objectives and Prerequisites headings;
  the Bloom's levels from the objectives' verbs (BLOOM);
- the controls: every button, slider, box, field and menu of the built main.html, with the
  ranges and defaults the build wrote into it from the Python constants; the menus that
  Python fills when it starts from the same tables the painter reads;
- the keyboard map: toolwords.SHORTCUTS; the frame height: toolwords.COMPACT_HEIGHT; the widest
  layout: sim.css; the runtime's versions: Pyodide's lock file and npm's packages;
- the backward pass's equations: the comments beside rules.py's functions.

tests/test_microsim.py validates the result against our own encoding of the published schema.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import yaml

from backprop_sim import datasets, pageview, rules, toolwords
from backprop_sim.controller import Controller
from backprop_sim.toolwords import COMPACT_HEIGHT

import runtime  # tools/runtime.py

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "site" / "sim" / "index.md"
CREATED = "2026-11-27"  # the project's first commit

# the first word of a learning objective, and the level of Bloom's taxonomy it asks for
BLOOM = {"explain": "Understand", "describe": "Understand", "compute": "Apply", "calculate": "Apply",
         "apply": "Apply", "compare": "Analyze", "analyze": "Analyze", "predict": "Analyze", "evaluate": "Evaluate"}
BLOOM_ORDER = ("Remember", "Understand", "Apply", "Analyze", "Evaluate", "Create")

# the menus Python fills when it starts (page.js writes them from pageview.menus)
RUNTIME_OPTIONS = {element_id: (lambda items=items: items) for element_id, items in pageview.menus()}
BACKWARD_RULES = (rules.output_delta, rules.hidden_delta, rules.weight_gradient, rules.bias_gradient)


# ---------------------------------------------------------------- the lesson

def front_matter(markdown: str) -> dict:
    match = re.match(r"---\n(.*?)\n---\n", markdown, re.S)
    return yaml.safe_load(match.group(1)) if match else {}


def list_under(markdown: str, heading: str) -> list[str]:
    """The items of the first list after `### heading`, as plain text (Markdown emphasis removed)."""
    section = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^#)", markdown, re.S | re.M)
    if not section:
        raise ValueError(f"the lesson has no '### {heading}' section")
    items = re.findall(r"^(?:\d+\.|-) (.+)$", section.group(1), re.M)
    if not items:
        raise ValueError(f"the lesson's '### {heading}' section has no list")
    return [re.sub(r"[*_`]", "", item).rstrip(".") for item in items]


def blooms_levels(objectives: list[str]) -> list[str]:
    levels = set()
    for objective in objectives:
        verb = objective.split()[0].lower()
        if verb not in BLOOM:
            raise ValueError(f"learning objective {objective!r}: add the level of {verb!r} to tools/metadata.py BLOOM")
        levels.add(BLOOM[verb])
    return [level for level in BLOOM_ORDER if level in levels]


# ---------------------------------------------------------------- the page's controls

class Controls(HTMLParser):
    """Every control of main.html: (tag, attributes, its own text, its group), and each label's text."""

    GROUPS = {"details": "summary", "section": "h2"}  # an element that groups, and where its name is
    VOID = ("input", "br", "img", "meta", "link", "hr", "wbr", "source", "col", "area", "base", "embed", "track")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[dict] = []
        self.labels: dict[str, str] = {}
        self.options: dict[str, list[tuple[str, str]]] = {}
        self.stack: list[list] = []  # [tag, attrs, name of the group it opens, text of it]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "textarea", "button", "select"):
            self.found.append({"tag": tag, "attrs": attrs, "text": "", "group": self.group()})
        if tag == "option" and self.stack and self.stack[-1][0] == "select":
            self.options.setdefault(self.stack[-1][1].get("id", ""), []).append((attrs.get("value", ""), ""))
        if tag not in self.VOID:
            self.stack.append([tag, attrs, attrs.get("aria-label") if attrs.get("role") == "group" else None, ""])

    def handle_startendtag(self, tag, attrs):  # <x/>: opened and closed at once
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag not in (entry[0] for entry in self.stack):
            return  # a stray end tag
        while self.stack:
            open_tag, attrs, _, text = self.stack.pop()
            if open_tag == "label" and attrs.get("for"):
                self.labels[attrs["for"]] = " ".join(text.split())
            if open_tag in self.GROUPS.values():
                for outer in reversed(self.stack):
                    if outer[0] in self.GROUPS and self.GROUPS[outer[0]] == open_tag and outer[2] is None:
                        outer[2] = " ".join(text.split())
                        break
            if open_tag == "button" and self.found:
                self.found[-1]["text"] = " ".join(text.replace("▶", "").split())
            if open_tag == tag:
                break

    def handle_data(self, data):
        inside = [entry[0] for entry in self.stack]
        if "select" in inside and "option" in inside:
            select = next(e for e in reversed(self.stack) if e[0] == "select")
            value, label = self.options[select[1].get("id", "")][-1]
            self.options[select[1].get("id", "")][-1] = (value, label + data)
            return
        if "output" in inside:
            return
        for entry in self.stack:
            if entry[0] in ("label", "button", "summary", "h2"):
                entry[3] += data

    def group(self) -> str:
        for tag, attrs, name, _ in reversed(self.stack):
            if name:
                return name
        return "Simulation"


def _number(value: str) -> float | int:
    number = float(value)
    return int(number) if number.is_integer() else number


def control(entry: dict, labels: dict, options: dict) -> dict | None:
    """One control in the schema's terms, or None for what is no control (the read-only share box)."""
    tag, attrs = entry["tag"], entry["attrs"]
    ident = attrs.get("id") or attrs.get("class", "")
    kind = attrs.get("type", "text") if tag == "input" else tag
    label = attrs.get("aria-label") or labels.get(ident) or entry["text"]
    if "readonly" in attrs:
        return None
    item = {"id": ident, "label": label, "group": entry["group"]}
    if tag == "button":
        item["type"] = "toggle-button" if "aria-pressed" in attrs else "button"
        item["properties"] = {"text": entry["text"], "action": attrs.get("data-action", ident), "toggleable": "aria-pressed" in attrs}
    elif kind == "range":
        item["type"] = "slider"
        item["properties"] = {key: _number(attrs[name]) for key, name in (("min", "min"), ("max", "max"), ("default", "value"), ("step", "step"))}
    elif kind == "checkbox":
        item["type"] = "checkbox"
        value = attrs.get("value", "on")
        # the input features' boxes are ticked by Python when it starts, as the network's inputs
        checked = value in _start().features if value in datasets.FEATURES else "checked" in attrs
        item["properties"] = {"checked": checked, "value": value}
    elif kind == "number":
        item["type"] = "number-input"
        item["properties"] = {"default": _number(attrs.get("value", "0")),
                              **{key: _number(attrs[key]) for key in ("min", "max", "step") if key in attrs}}
    elif kind == "text" or tag == "textarea":  # a textarea: the own-data CSV box, many rows of text
        item["type"] = "text-input"
        item["properties"] = {"default": attrs.get("value", "")}
    elif tag == "select":
        item["type"] = "dropdown"
        listed = RUNTIME_OPTIONS[ident]() if ident in RUNTIME_OPTIONS else options.get(ident, [])
        item["properties"] = {"multiple": False}
        if listed:  # the trace menus list the current network's weights and neurons: no fixed options
            item["properties"]["options"] = [{"value": v, "label": " ".join(text.split())} for v, text in listed]
            item["properties"]["default"] = _runtime_default(ident) if ident in RUNTIME_OPTIONS else listed[0][0]
    else:
        raise ValueError(f"main.html: a control metadata.py does not know: <{tag} type={kind!r} id={ident!r}>")
    if attrs.get("title"):
        item["description"] = attrs["title"]
    if attrs.get("aria-keyshortcuts"):
        item["accessibility"] = {"keyboardShortcut": attrs["aria-keyshortcuts"]}
    return item


@functools.cache
def _start() -> Controller:
    """The simulation as a visit starts it: what Python sets the menus and boxes it fills to."""
    return Controller()


def _runtime_default(ident: str) -> str:
    """What the page sets a menu to as a visit starts (pageview: each control's value from its setting)."""
    return pageview.page(_start(), str).value[ident]


def controls(main_html: str) -> list[dict]:
    parser = Controls()
    parser.feed(main_html)
    found = [control(entry, parser.labels, parser.options) for entry in parser.found]
    found = [c for c in found if c]
    ids = [c["id"] for c in found]
    if len(ids) != len(set(ids)):
        raise ValueError(f"main.html: two controls share an id: {sorted(i for i in ids if ids.count(i) > 1)}")
    return found


# ---------------------------------------------------------------- the file

def keyboard_maps() -> list[dict]:
    return [{"key": key, "action": s.words} for s in toolwords.SHORTCUTS for key in s.keys]


def equations() -> list[str]:
    """The backward pass as rules.py writes it beside each function (the one owner of each formula)."""
    return [re.search(r"return .*#\s*(.+)$", inspect.getsource(fn), re.M).group(1) for fn in BACKWARD_RULES]


def widest_layout(sim_css: str) -> int:
    return int(re.search(r"\.sim \{[^}]*max-width: (\d+)px", sim_css).group(1))


def npm_version(package: str) -> str:
    return json.loads((ROOT / "node_modules" / package / "package.json").read_text())["version"]


def dublin_core(lesson_md: str, site_address: str) -> dict:
    page = front_matter(lesson_md)
    found = {
        "title": page["title"],
        "creator": ["Backprop MicroSim contributors"],
        "subject": ["Neural networks", "Backpropagation", "Machine learning", "Calculus: the chain rule", "Linear algebra: the transpose"],
        "description": page["description"],
        "date": CREATED,
        "type": "Interactive Simulation",
        "format": "text/html",
        "language": "en",
        "rights": "MIT License",  # package.json
        "source": "The Backpropagation MicroSim (p5.js) of the MicroSims collection: https://dmccreary.github.io/linear-Algebra/sims/backpropagation/",
        "relation": ["teaching-notes.md", "edit.html"],
    }
    if site_address:
        found["identifier"] = f"{site_address}sim/main.html"
    return found


SEARCH = {
    "tags": ["backpropagation", "chain rule", "gradient", "delta", "transpose", "neural network", "gradient descent",
             "Pyodide", "numpy", "Python in the browser"],
    "visualizationType": ["simulation", "diagram", "network", "interactive-demo", "chart"],
    "interactionLevel": "high",
    "relatedConcepts": ["forward pass", "activation function", "sigmoid", "ReLU", "loss function", "mini-batch",
                        "regularisation", "finite differences"],
    "applicationDomains": ["education", "demonstration", "exploration", "assessment"],
}


def educational(lesson_md: str) -> dict:
    objectives = list_under(lesson_md, "Learning Objectives")
    return {
        "gradeLevel": ["Undergraduate", "Graduate", "Adult"],
        "subjectArea": ["Computer Science", "Mathematics"],
        "topic": ["Backpropagation", "The chain rule", "Error signals δ", "Weight and bias gradients", "Training on a data set"],
        "learningObjectives": objectives,
        "bloomsTaxonomy": blooms_levels(objectives),
        "prerequisites": list_under(lesson_md, "Prerequisites"),
        "duration": {"typical": 20, "range": {"min": 15, "max": 45}},  # teaching-notes.md: 15–20, then 20–25 with data
        "difficulty": "Intermediate",
        "scaffolding": {"type": ["worked-examples", "feedback", "progressive-disclosure", "guided-discovery"],
                        "adaptability": "fixed", "removal": "user-controlled"},
    }


def technical(sim_css: str) -> dict:
    lock = runtime.lock_file()
    return {
        "framework": "other",
        "version": json.loads((ROOT / "package.json").read_text())["version"],
        "canvasDimensions": {"width": widest_layout(sim_css), "height": COMPACT_HEIGHT, "responsive": True},
        "dependencies": [f"Pyodide {lock['info']['version']} (CPython {lock['info']['python']} in WebAssembly)",
                         f"numpy {lock['packages']['numpy']['version']}", f"KaTeX {npm_version('katex')}",
                         f"CodeMirror {npm_version('codemirror')} (the Edit page)"],
        "browserCompatibility": ["Chromium (tested)", "any browser with WebAssembly"],
        # what the simulation requires: none of touch, keyboard or mouse; the smallest width tested
        "deviceRequirements": {"minScreenWidth": 360, "touchSupport": False, "keyboardRequired": False,
                               "mouseRequired": False, "networkRequired": False},
        # the setup lives in the address; the Edit page keeps the learner's rules.py in this browser
        "stateManagement": {"stateType": "local-state", "persistence": True, "synchronization": False},
        "accessibility": {
            "screenReader": True, "keyboardNavigation": True, "colorContrast": True, "altText": True,
            "screenReaderScript": "Each step is narrated in a live region under Status; the Values table lists every number of the drawing.",
            "keyboardMaps": keyboard_maps(),
            "alternativeInputs": ["keyboard", "touch"],
        },
    }


VISUAL_ELEMENTS = [
    {"type": "diagram", "description": "The network: neurons with z, a and δ, connections with w and ∂L/∂w, the flow of the gradient",
     "interactive": True, "updateTriggers": ["btn-forward", "btn-backward", "btn-back", "btn-reset", "target"]},
    {"type": "text-display", "description": "The current step's equation, in symbols and with its numbers", "interactive": False},
    {"type": "chart", "description": "The loss after each training step", "interactive": False, "updateTriggers": ["btn-train", "btn-update"]},
    {"type": "chart", "description": "The network's output over the input plane, with the data set's points", "interactive": True},
]


def metadata(main_html: str, sim_css: str, lesson_md: str, site_address: str = "") -> dict:
    return {"microsim": {
        "dublinCore": dublin_core(lesson_md, site_address),
        "search": SEARCH,
        "educational": educational(lesson_md),
        "technical": technical(sim_css),
        "userInterface": {"layoutType": "multi-panel", "controls": controls(main_html), "visualElements": VISUAL_ELEMENTS},
        "simulation": {"model": {
            "type": "algorithmic", "equations": equations(), "algorithms": ["backpropagation", "gradient descent", "mini-batch training"],
            "description": "A small fully connected network; backpropagation by the chain rule, layer by layer from the output"}},
    }}


def write(out: Path, site_address: str = "") -> None:
    """public/sim/metadata.json, from the built main.html (after its values are written)."""
    meta = metadata((out / "sim" / "main.html").read_text(), (out / "sim" / "sim.css").read_text(), LESSON.read_text(), site_address)
    (out / "sim" / "metadata.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
