"""The MicroSims collection's standard, in our own terms, for tests/test_microsim.py.

- SCHEMA: our encoding, as a JSON Schema (draft-07) written here, of the constraints of the
  collection's published metadata schema (dmccreary/microsims,
  src/microsim-schema/microsim-schema.json at commit 92504f9): the required objects and
  fields, their types and every enumeration. Not a copy of that file: the same constraints,
  written compactly; what it leaves unconstrained (most descriptions, free strings) is left
  out here too.
- score(): the standardization checklist's points table (dmccreary/claude-skills,
  skills/microsim-utils/references/standardization.md at commit 8dcff71), one check per item,
  each saying why it passed or failed, so a change that loses an item names it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import NamedTuple

import jsonschema
import yaml

# ---------------------------------------------------------------- the metadata schema


def strings() -> dict:
    return {"type": "array", "items": {"type": "string"}}


def one_of(*values: str) -> dict:
    return {"type": "string", "enum": list(values)}


def many_of(*values: str) -> dict:
    return {"type": "array", "items": one_of(*values)}


def record(required: tuple[str, ...] = (), **properties) -> dict:
    return {"type": "object", "properties": properties, "required": list(required)}


BLOOM = ("Remember", "Understand", "Apply", "Analyze", "Evaluate", "Create")
LEVEL = one_of("low", "moderate", "high")
NUMBER, INTEGER, BOOLEAN, STRING = ({"type": t} for t in ("number", "integer", "boolean", "string"))
# ISO 8601: a date (checked by the format checker), or a date and time
DATE = {"type": "string", "anyOf": [{"format": "date"},
                                     {"pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"}]}


def _when(types: tuple[str, ...], properties: dict) -> dict:
    """A control of one of these types: what its `properties` may hold."""
    return {"if": {"properties": {"type": {"enum": list(types)}}, "required": ["type"]},
            "then": {"properties": {"properties": properties}}}


CONTROL = {
    **record(
        ("id", "type", "label"),
        id=STRING, label=STRING, description=STRING, group=STRING,
        type=one_of("slider", "range-slider", "button", "toggle-button", "checkbox", "radio", "dropdown", "multi-select",
                    "text-input", "number-input", "color-picker", "file-upload", "date-picker"),
        position=record(x=INTEGER, y=INTEGER, responsive=BOOLEAN),
        size=record(width=INTEGER, height=INTEGER, responsive=BOOLEAN),
        accessibility=record(keyboardShortcut=STRING, ariaLabel=STRING, tabIndex=INTEGER),
        validation=record(required=BOOLEAN, pattern=STRING, errorMessage=STRING),
        dependencies=strings(), affects=strings(), properties={"type": "object"},
    ),
    "allOf": [
        _when(("slider",), record(("min", "max", "default"), min=NUMBER, max=NUMBER, default=NUMBER, step=NUMBER,
                                  units=STRING, logarithmic=BOOLEAN, showValue=BOOLEAN)),
        _when(("button", "toggle-button"), record(text=STRING, action=STRING, toggleable=BOOLEAN,
                                                  style=one_of("primary", "secondary", "danger", "success"))),
        _when(("checkbox", "radio"), record(checked=BOOLEAN, value=STRING)),
        _when(("dropdown", "multi-select"), record(
            options={"type": "array", "items": record(("value", "label"), value=STRING, label=STRING, disabled=BOOLEAN)},
            default={"type": ["string", "array"], "items": STRING}, multiple=BOOLEAN)),
        _when(("text-input", "number-input"), record(placeholder=STRING, default={"type": ["string", "number"]},
                                                     maxLength=INTEGER, autocomplete=BOOLEAN)),
    ],
}

SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    **record(("microsim",), microsim=record(
        ("dublinCore", "search", "educational", "technical", "userInterface"),
        dublinCore=record(
            ("title", "creator", "subject", "description", "date", "type", "format", "rights"),
            title=STRING, creator=strings(), subject=strings(), description=STRING, publisher=STRING,
            contributor=strings(), date=DATE, type=one_of("Interactive Simulation", "Educational MicroSim", "Infographic"),
            format=one_of("text/javascript", "application/javascript", "text/html"), identifier=STRING, source=STRING,
            language={"type": "string", "pattern": "^[a-z]{2}(-[A-Z]{2})?$"}, relation=strings(),
            coverage=record(spatial=STRING, temporal=STRING), rights=STRING,
        ),
        search=record(
            ("tags", "visualizationType"),
            tags=strings(), searchKeywords=strings(), relatedConcepts=strings(), showcase=BOOLEAN,
            visualizationType=many_of("animation", "chart", "infographic", "graph", "diagram", "simulation", "interactive-demo",
                                      "data-visualization", "3d-model", "timeline", "network", "map", "dashboard"),
            interactionLevel=one_of("passive", "low", "moderate", "high", "very-high"),
            complexity={"type": "integer", "minimum": 1, "maximum": 10},
            applicationDomains=many_of("education", "research", "training", "demonstration", "assessment", "exploration",
                                       "modeling", "analysis"),
        ),
        educational=record(
            ("gradeLevel", "subjectArea", "topic", "learningObjectives"),
            gradeLevel=many_of("K", *(str(n) for n in range(1, 13)), "Undergraduate", "Graduate", "Adult"),
            subjectArea=many_of("Mathematics", "Science", "Physics", "Chemistry", "Biology", "Computer Science", "Engineering",
                                "Economics", "Finance", "Statistics", "Psychology", "Social Studies", "Language Arts", "Art",
                                "Music", "Health", "Physical Education", "Other"),
            topic=strings(), learningObjectives=strings(), bloomsTaxonomy=many_of(*BLOOM), prerequisites=strings(),
            duration=record(typical=INTEGER, range=record(min=INTEGER, max=INTEGER)),
            difficulty=one_of("Beginner", "Intermediate", "Advanced"),
            cognitiveLoad=record(intrinsic=LEVEL, extraneous=LEVEL, germane=LEVEL),
            scaffolding=record(type=many_of("guided-discovery", "worked-examples", "hints", "feedback", "progressive-disclosure",
                                            "modeling", "coaching"),
                               adaptability=one_of("fixed", "adaptive", "personalized"),
                               removal=one_of("gradual", "abrupt", "user-controlled")),
            misconceptions={"type": "array", "items": record(misconception=STRING, correction=STRING, evidence=STRING)},
            learningTheory=many_of("constructivism", "behaviorism", "cognitivism", "connectivism", "experiential", "social-learning"),
        ),
        technical=record(
            ("framework", "canvasDimensions"),
            framework=one_of("p5.js", "vanilla-js", "d3.js", "three.js", "other"), version=STRING,
            canvasDimensions=record(width=INTEGER, height=INTEGER, responsive=BOOLEAN),
            regions=record(drawHeight=INTEGER, controlHeight=INTEGER), dependencies=strings(), browserCompatibility=strings(),
            performance=record(targetFrameRate=INTEGER, memoryUsage=LEVEL, loadTime=INTEGER, optimizations=strings(),
                               computationalComplexity=one_of("O(1)", "O(log n)", "O(n)", "O(n log n)", "O(n²)", "O(2^n)")),
            deviceRequirements=record(minScreenWidth=INTEGER, minScreenHeight=INTEGER, touchSupport=BOOLEAN,
                                      keyboardRequired=BOOLEAN, mouseRequired=BOOLEAN, minRAM=STRING, networkRequired=BOOLEAN),
            dataFlow=record(inputSources=strings(), dataProcessing=strings(), outputTargets=strings()),
            stateManagement=record(stateType=one_of("stateless", "local-state", "shared-state", "persistent-state"),
                                   persistence=BOOLEAN, synchronization=BOOLEAN),
            accessibility=record(
                screenReader=BOOLEAN, keyboardNavigation=BOOLEAN, colorContrast=BOOLEAN, altText=BOOLEAN,
                screenReaderScript=STRING, alternativeInputs=strings(),
                keyboardMaps={"type": "array", "items": record(key=STRING, action=STRING)},
                sensoryAlternatives=record(visualToAudio=BOOLEAN, audioToVisual=BOOLEAN, hapticFeedback=BOOLEAN),
            ),
        ),
        userInterface=record(
            ("controls",),
            layoutType=one_of("fixed", "responsive-width", "two-column", "multi-panel", "dashboard"), layoutPattern=STRING,
            responsiveBreakpoints={"type": "array", "items": record(width=INTEGER, description=STRING)},
            controls={"type": "array", "items": CONTROL},
            visualElements={"type": "array", "items": record(
                type=one_of("chart", "graph", "animation", "diagram", "text-display", "shape", "image"),
                description=STRING, interactive=BOOLEAN, updateTriggers=strings())},
        ),
        simulation=record(
            model=record(type=one_of("physics", "mathematical", "statistical", "algorithmic", "financial", "biological",
                                     "chemical", "other"),
                         description=STRING, equations=strings(), algorithms=strings(), assumptions=strings(),
                         limitations=strings()),
            variables={"type": "array", "items": record(
                name=STRING, description=STRING, units=STRING, type=one_of("input", "output", "intermediate", "constant"),
                dataType=one_of("number", "integer", "boolean", "string", "array", "object"),
                range=record(min=NUMBER, max=NUMBER))},
        ),
        usage=record(
            recommendedUsage=many_of("demonstration", "exploration", "guided-practice", "assessment", "homework",
                                     "group-activity", "individual-study"),
            instructionalStrategies=strings(), extensions=strings(),
            assessmentQuestions={"type": "array", "items": record(
                question=STRING, type=one_of("multiple-choice", "short-answer", "essay", "observation", "prediction"),
                level=one_of(*BLOOM))},
        ),
    )),
}


def schema_errors(meta: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(meta)]


# ---------------------------------------------------------------- the checklist's points table

class Item(NamedTuple):
    name: str
    points: int
    passed: bool
    why: str


def front_matter(markdown: str) -> tuple[dict, str]:
    """(the YAML between the --- lines, the Markdown after them)."""
    match = re.match(r"---\n(.*?)\n---\n", markdown, re.S)
    return (yaml.safe_load(match.group(1)), markdown[match.end():]) if match else ({}, markdown)


def outside_code(markdown: str) -> str:
    return re.sub(r"^```.*?^```[ \t]*$", "", markdown, flags=re.S | re.M)


def sections(markdown: str, level: int) -> list[tuple[str, str]]:
    """(heading, text up to the next heading of this level or higher) for each heading of this level."""
    marks = "#" * level
    parts = re.split(rf"^{marks} (.+)$", outside_code(markdown), flags=re.M)
    return [(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts), 2)]


# a button to main.html with the collection's classes: the attr_list Markdown, or the HTML it makes
FULLSCREEN = re.compile(r'\[[^\]]*Fullscreen[^\]]*\]\(main\.html\)\{ \.md-button \.md-button--primary \}'
                        r'|<a class="md-button md-button--primary" href="main\.html">[^<]*Fullscreen[^<]*</a>')
COPY_BLOCK = re.compile(r"^Copy this iframe to your website:\s*\n\s*```html\n(.*?)\n```", re.S | re.M)
REFERENCE = re.compile(r"^\d+\. \[[^\]]+\]\(https?://[^)\s]+\) - \d{4} - [^\n]+? - [^\n]+$")
LESSON_PLAN_PARTS = ("objective", "audience", "prerequisite", "activit", "assessment")


def score(index_md: str, folder: Path, name: str, image_path: str, type_links: tuple[str, ...]) -> list[Item]:
    """The checklist's points table for a MicroSim: its lesson's Markdown (markers filled), its
    folder (as built), the name its picture is named for, the path the front matter must give
    it, and the pages the type-specific item asks a link to (for a p5.js sim, its p5 editor;
    for ours, where its Python is edited and read)."""
    meta, body = front_matter(index_md)
    code_free = outside_code(body)
    h2 = sections(body, 2)
    h2_names = [h for h, _ in h2]
    title = re.match(r"\s*# (\S.*)$", body, re.M)
    iframe = re.search(r'<iframe[^>]*\ssrc="main\.html"', code_free)
    copy = COPY_BLOCK.search(body)
    button = FULLSCREEN.search(body)
    metadata_json = folder / "metadata.json"
    errors = schema_errors(json.loads(metadata_json.read_text())) if metadata_json.is_file() else ["missing"]
    picture = folder / f"{name}.png"
    plan = dict(sections(dict(h2).get("Lesson Plan", ""), 3))
    references = dict(h2).get("References", "")
    reference_items = [line for line in references.strip().splitlines() if re.match(r"\d+\. ", line)]
    linked = {a or b for a, b in re.findall(r'\]\(([^)#\s]+)\)|href="([^"#]+)"', code_free)}
    built = {t: (folder / re.sub(r"\.md$", ".html", t)).is_file() or (folder / t).is_file() for t in type_links}
    return [
        Item("Title", 2, bool(title) and body.lstrip().startswith("# "), "a level-1 title right after the front matter"),
        Item("main.html", 10, (folder / "main.html").is_file(), "main.html in the folder"),
        Item("Metadata 1", 3, bool(meta.get("title") and meta.get("description")), "title and description in the front matter"),
        Item("Metadata 2", 5, bool(meta.get("image") and meta.get("og:image")), "image and og:image in the front matter"),
        Item("metadata.json present", 10, metadata_json.is_file(), "metadata.json in the folder"),
        Item("metadata.json valid", 20, not errors, "; ".join(errors[:5]) or "valid against the schema"),
        # where an item is to follow another, it follows it when that one is there (each item counted once)
        Item("iframe", 10, bool(iframe) and (not title or iframe.start() > code_free.find(title.group(0).strip())),
             'an iframe with src="main.html" after the title'),
        Item("Fullscreen Link Button", 5, bool(button) and (not copy or button.start() > copy.end()),
             "the fullscreen button (md-button md-button--primary) after the iframe example"),
        Item("iframe example", 5, bool(copy and "<iframe" in copy.group(1)) and (not iframe or copy.start() > body.find(iframe.group(0))),
             '"Copy this iframe to your website:" and an iframe in an ```html block, after the iframe'),
        Item("image", 5, picture.is_file() and picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
             and meta.get("image") == image_path and meta.get("og:image", image_path) == image_path,
             f"{name}.png in the folder, as {image_path}"),
        Item("Overview Documentation", 5, any(h in h2_names and dict(h2)[h].strip() for h in ("Description", "How to Use", "About This MicroSim")),
             "a level-2 section describing the MicroSim"),
        Item("Lesson Plan", 10, all(any(part in h.lower() and text.strip() for h, text in plan.items()) for part in LESSON_PLAN_PARTS),
             f"## Lesson Plan with {', '.join(LESSON_PLAN_PARTS)}: found {list(plan)}"),
        Item("References", 5, bool(h2_names) and h2_names[-1] == "References" and bool(reference_items)
             and all(REFERENCE.match(line) for line in reference_items),
             "## References last, items as 1. [Title](URL) - year - publication - relevance: "
             + "; ".join(line[:60] for line in reference_items if not REFERENCE.match(line))),
        Item("MicroSim Type Specific Format", 5, all(t in linked and built[t] for t in type_links),
             f"for a Pyodide MicroSim, links to {', '.join(type_links)} (its Python, changed and run; read): "
             f"linked {sorted(set(type_links) & linked)}, in the folder {[t for t, b in built.items() if b]}"),
    ]
