"""Issue 17, item 2: the canvas (paint.js) and the SVG (svg.py) draw the same shapes.

The scene computes every point; each painter only fills and strokes. paint.js runs in
Chromium on a recording 2D context, svg.py's output is parsed here, and the two lists of
shapes must be the same, item for item: arrowheads, label boxes, dashes included.
"""

import json
import xml.etree.ElementTree as ET

import pytest

from backprop_sim import svg
from backprop_sim.controller import Controller
from backprop_sim.network import Selection
from backprop_sim.scene import View, data_loss_scene, loss_scene, network_scene

pytestmark = pytest.mark.browser

SVG = "{http://www.w3.org/2000/svg}"

# a 2D context that records what paint.js asks of it, path by path
CHAR = 7  # px a character: the recording context's measureText, for a text with a raised part

RECORD = """([json, width, height, CHAR]) => {
    const records = [];
    let path = null;
    const ctx = {
        setTransform() {}, fillRect() {},
        beginPath() { path = {segments: []}; records.push(path); },
        roundRect(x, y, w, h, r) { path.rect = [x, y, w, h, r]; },
        rect(x, y, w, h) { path.rect = [x, y, w, h, 0]; },
        arc(x, y, r) { path.circle = [x, y, r]; },
        moveTo(x, y) { path.segments.push([x, y]); },
        lineTo(x, y) { path.segments.push([x, y]); },
        closePath() { path.closed = true; },
        setLineDash(d) { this.dash = d.slice(); },
        fill() { path.fill = this.fillStyle; },
        stroke() { path.stroke = [this.strokeStyle, this.lineWidth, this.dash, this.lineCap]; path.join = this.lineJoin; },
        fillText(text, x, y) { records.push({text, x, y, font: this.font, colour: this.fillStyle, align: this.textAlign}); },
        measureText(text) { records.push({measure: text}); return {width: CHAR * text.length}; },
    };
    const canvas = {width: 0, height: 0, style: {}, getContext: () => ctx};
    window.backpropPaint(canvas, json, width, height, "#fff");
    return records;
}"""


def r(v) -> float:
    return round(float(v), 1)


def raised_text(left, y, text, sup, rise, size, colour, bold) -> tuple:
    """A text with a raised part, by where its left end is: the canvas measures to place it."""
    return ("raised text", r(left), r(y), text, sup, r(rise), size, colour, bold)


def canvas_shapes(records) -> list:
    shapes = []
    records = list(records)
    while records:
        rec = records.pop(0)
        if "measure" in rec:  # a text and its raised part: measured, then both drawn from the left
            _, main, sup = records.pop(0), records.pop(0), records.pop(0)
            assert main["align"] == sup["align"] == "left" and sup["x"] == pytest.approx(main["x"] + CHAR * len(main["text"]))
            size = float(main["font"].split("px")[0].split()[-1])
            shapes.append(raised_text(main["x"], main["y"], main["text"], sup["text"], main["y"] - sup["y"], size, main["colour"],
                                      main["font"].startswith("600 ")))
        elif "text" in rec:
            bold = rec["font"].startswith("600 ")
            size = float(rec["font"].split("px")[0].split()[-1])
            shapes.append(("text", r(rec["x"]), r(rec["y"]), rec["text"], size, rec["colour"], rec["align"], bold))
        elif "rect" in rec:
            x, y, w, h, radius = rec["rect"]
            shapes.append(("rect", r(x), r(y), r(w), r(h), r(radius), rec.get("fill"), rec.get("stroke", [None])[0]))
        elif "circle" in rec:
            x, y, radius = rec["circle"]
            colour, width, dash, _ = rec.get("stroke", [None, 0, [], "butt"])
            shapes.append(("circle", r(x), r(y), r(radius), rec.get("fill"), colour, r(width), tuple(r(d) for d in dash)))
        elif rec.get("closed"):
            shapes.append(("polygon", tuple((r(x), r(y)) for x, y in rec["segments"]), rec["fill"]))
        elif rec.get("join") == "round":  # a Polyline: open, round joins
            colour, width, dash, _ = rec["stroke"]
            shapes.append(("polyline", tuple((r(x), r(y)) for x, y in rec["segments"]), colour, r(width), tuple(r(d) for d in dash)))
        else:
            (x1, y1), (x2, y2) = rec["segments"]
            colour, width, dash, cap = rec["stroke"]
            shapes.append(("line", r(x1), r(y1), r(x2), r(y2), colour, r(width), tuple(r(d) for d in dash), cap))
    return shapes


def svg_shapes(document: str) -> list:
    root = ET.fromstring(document)
    shapes = []
    none = lambda v: None if v in (None, "none") else v  # noqa: E731
    dash = lambda el: tuple(r(d) for d in el.get("stroke-dasharray", "").split())  # noqa: E731
    for el in list(root)[2:]:  # after the title and the background
        tag, a = el.tag.replace(SVG, ""), el.attrib
        if tag == "rect":
            shapes.append(("rect", r(a["x"]), r(a["y"]), r(a["width"]), r(a["height"]), r(a["rx"]), none(a["fill"]), none(a["stroke"])))
        elif tag == "circle":
            shapes.append(("circle", r(a["cx"]), r(a["cy"]), r(a["r"]), none(a["fill"]), none(a["stroke"]), r(a["stroke-width"]), dash(el)))
        elif tag == "polygon":
            points = tuple(tuple(r(v) for v in p.split(",")) for p in a["points"].split())
            shapes.append(("polygon", points, a["fill"]))
        elif tag == "polyline":
            assert a["fill"] == "none" and a["stroke-linejoin"] == "round"
            points = tuple(tuple(r(v) for v in p.split(",")) for p in a["points"].split())
            shapes.append(("polyline", points, a["stroke"], r(a["stroke-width"]), dash(el)))
        elif tag == "line":
            shapes.append(("line", r(a["x1"]), r(a["y1"]), r(a["x2"]), r(a["y2"]), a["stroke"], r(a["stroke-width"]), dash(el),
                           a.get("stroke-linecap", "butt")))
        elif tag == "text" and len(el):  # a raised part: a tspan, shifted up by -dy, placed with the text by the anchor
            (tspan,) = el
            width = CHAR * (len(el.text) + len(tspan.text))
            left = float(a["x"]) - {"start": 0, "middle": width / 2, "end": width}[a["text-anchor"]]
            shapes.append(raised_text(left, a["y"], el.text, tspan.text, -float(tspan.get("dy")), float(a["font-size"]), a["fill"],
                                      a.get("font-weight") == "600"))
        elif tag == "text":
            align = {"start": "left", "middle": "center", "end": "right"}[a["text-anchor"]]
            shapes.append(("text", r(a["x"]), r(a["y"]), el.text, float(a["font-size"]), a["fill"], align, a.get("font-weight") == "600"))
        else:
            raise AssertionError(f"unexpected SVG element {tag}")
    return shapes


def scenes():
    """Every kind of primitive: arrows, a dashed dead neuron, a selection, label boxes, the loss plot."""
    ctl = Controller()
    ctl.act("preset", "dead-relu")
    ctl.act("forward"), ctl.act("backward"), ctl.act("backward")
    moment = ctl.sim.now
    yield "wide", network_scene(moment, View(1000, "light", 1.0, selected=Selection("weight", 2, 0, 1)))
    yield "narrow, dark", network_scene(moment, View(360, "dark", 0.6, selected=Selection("neuron", 1, 1)))
    ctl.act("preset", "seed")
    ctl.act("lr", 2)
    ctl.act("train", True)
    for _ in range(30):
        ctl.act("train_tick")
    yield "loss plot", loss_scene(list(ctl.sim.now.losses), 500)
    yield "loss over the updates, log scale", data_loss_scene([(u, 0.8 / (1 + u), 1.0 / (1 + u)) for u in range(0, 400, 8)], 500, "dark", log=True)


@pytest.mark.parametrize("name,scene", list(scenes()), ids=lambda v: v if isinstance(v, str) else "")
def test_canvas_and_svg_draw_the_same_shapes(sim, name, scene):
    records = sim.evaluate(RECORD, [json.dumps(scene.items), scene.width, scene.height, CHAR])
    on_canvas = canvas_shapes(records)
    in_svg = svg_shapes(svg.render(scene))
    assert len(on_canvas) == len(in_svg) == len(scene.items)
    for i, (a, b) in enumerate(zip(on_canvas, in_svg)):
        assert a == b, (i, scene.items[i])
    kinds = {shape[0] for shape in in_svg}
    assert kinds >= ({"text", "line", "polyline"} if name.startswith("loss") else {"rect", "circle", "line", "polygon", "text", "raised text"})
    if not name.startswith("loss"):
        assert any(s[0] == "circle" and s[7] == (4.0, 4.0) for s in on_canvas), "the dead neuron's dashed outline, on the canvas too"
