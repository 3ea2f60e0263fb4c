"""The network as a display list: a pure function of the simulation's moment and the view.

The painter sends the list to a canvas in one call (paint.js); svg.py turns the same list
into SVG (tests, the static preview, the export). The scene computes every point: arrowheads
are polygons, label backgrounds are rectangles, dashes are patterns, so both painters only
fill and stroke what they are given and cannot drift apart. The primitives are the named
tuples Rect, Circle, Line, Polygon, Polyline, Text and Image below; each one's `kind` comes
last, where paint.js reads it.

The data view (issue 16) draws with the same primitives: plane_scene (what the network
outputs over the input plane, and the data set's points), data_loss_scene (training and test
loss over the updates), and network_scene's small maps beside the neurons.

Colours: red for positive, blue for negative (a pair red–green colour-blind viewers tell
apart, and every label also carries its sign); text meets WCAG AA contrast on its background.
"""

from __future__ import annotations

import base64
import functools
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .datasets import FEATURE_NAMES
from .rulebook import value_range
from .engine import Moment
from .explain import dead_neurons
from .network import Selection
from .formatting import DIGITS, number, parameter, symbol

FONT = 14  # CSS px: the smallest text anywhere
CHAR_WIDTH = 0.6  # of the font size: a safe upper bound for digits and signs in system-ui


class Rect(NamedTuple):
    x: float
    y: float
    w: float
    h: float
    fill: str | None
    stroke: str | None  # 1 px wide
    radius: float
    kind: str = "rect"


class Circle(NamedTuple):
    x: float
    y: float
    r: float
    fill: str | None
    stroke: str | None
    width: float
    dash: tuple = ()  # the stroke's pattern of dash and gap lengths, () for solid
    kind: str = "circle"


class Line(NamedTuple):
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    width: float
    dash: tuple = ()
    cap: str = "butt"  # or "round"
    kind: str = "line"


class Polygon(NamedTuple):
    points: tuple  # ((x, y), ...), closed and filled
    fill: str
    kind: str = "polygon"


class Polyline(NamedTuple):
    points: tuple  # ((x, y), ...), open, stroked with round joins
    colour: str
    width: float
    dash: tuple = ()
    kind: str = "polyline"


class Image(NamedTuple):
    """cols × rows pixels drawn scaled into the box (x, y, w, h); pixels: base64 of their RGBA
    bytes, the top row first (heat_image makes them)."""

    x: float
    y: float
    w: float
    h: float
    cols: int
    rows: int
    pixels: str
    smooth: bool = True  # interpolate between the pixels when scaling up (False: crisp squares)
    kind: str = "image"


class Text(NamedTuple):
    x: float
    y: float  # the middle of the line
    text: str
    size: float
    colour: str
    align: str  # "left", "center", "right": where x is
    bold: bool
    kind: str = "text"


DEAD_DASH = (4, 4)  # the outline of a dead ReLU neuron
# a gradient's arrow: from ARROW_FROM of the way along its connection (from the earlier layer),
# ARROW_SPAN toward the earlier layer, ARROW_SIDE px beside the line; in the narrow drawing's
# shorter connections it keeps clear of the δ written above each neuron
ARROW_FROM, ARROW_SPAN, ARROW_SIDE = 0.78, 0.5, 6
ARROW_FROM_VERTICAL, ARROW_SPAN_VERTICAL = 0.66, 0.32


def arrows(specs: list) -> list[tuple[Line, Polygon]]:
    """For each (x1, y1, x2, y2, colour, width): a shaft from (x1, y1) and a triangular head
    whose tip is (x2, y2), its sides 0.45 rad off the shaft, its length 5 + 1.5·width.

    All arrows at once with numpy: the largest network has 248, and one at a time in Python
    cost a millisecond a frame."""
    if not specs:
        return []
    x1, y1, x2, y2, colours, width = zip(*specs)
    x1, y1, x2, y2, width = (np.array(v, dtype=float) for v in (x1, y1, x2, y2, width))
    head = 5 + 1.5 * width
    length = np.hypot(x2 - x1, y2 - y1)
    length[length == 0] = 1.0
    ux, uy = (x2 - x1) / length, (y2 - y1) / length  # the direction (cos θ, sin θ)
    ax, ay, bx, by = ux * head * _HEAD_COS, uy * head * _HEAD_COS, uy * head * _HEAD_SIN, ux * head * _HEAD_SIN
    # the shaft ends inside the head, on a whole pixel; the head's corners to a tenth: a short list to send
    ends = np.stack([x2 - head * 0.8 * ux, y2 - head * 0.8 * uy], axis=1).astype(int).tolist()
    corners = np.stack([x2 - ax - bx, y2 - ay + by, x2 - ax + bx, y2 - ay - by], axis=1).round(1).tolist()
    return [
        (Line(spec[0], spec[1], end[0], end[1], spec[4], spec[5], (), "round"),
         Polygon(((spec[2], spec[3]), (c[0], c[1]), (c[2], c[3])), spec[4]))
        for spec, end, c in zip(specs, ends, corners)
    ]


_HEAD_COS, _HEAD_SIN = math.cos(0.45), math.sin(0.45)


def label(x: float, y: float, text: str, size: float, colour: str, align: str, bold: bool, background: str | None) -> list:
    """A text, on a rounded box of the background colour (the box text_box reserved) when given."""
    item = Text(x, y, text, size, colour, align, bold)
    if not background:
        return [item]
    w = len(text) * size * CHAR_WIDTH + 6
    left = x - w / 2 if align == "center" else x - w + 3 if align == "right" else x - 3
    return [Rect(round(left, 1), round(y - size * 0.7, 1), round(w, 1), round(size * 1.4, 1), background, None, 3), item]


@dataclass(frozen=True)
class Palette:
    background: str
    ink: str
    muted: str
    line: str
    neuron: str
    input: str
    output: str
    pos: str
    neg: str
    band: str
    label_bg: str
    accent: str  # the selected weight or neuron


PALETTES = {
    "light": Palette("#ffffff", "#1f2937", "#4b5563", "#9aa5b4", "#eef2f7", "#dcf2de", "#e9e4f8",
                     "#b91c1c", "#1d4ed8", "#fff3c4", "rgba(255,255,255,0.9)", "#b45309"),
    "dark": Palette("#111827", "#e5e7eb", "#b6bfcc", "#566174", "#1f2a3c", "#173526", "#2b2545",
                    "#fca5a5", "#93c5fd", "#3a3115", "rgba(17,24,39,0.9)", "#fbbf24"),
}


@dataclass(frozen=True)
class View:
    width: float
    theme: str = "light"
    progress: float = 1.0  # 0 → 1 through the transition into this moment (eased by the scene)
    digits: int = DIGITS
    selected: Selection | None = None
    chain: Selection | None = None  # the weight whose chain rule the panel shows: its path is highlighted


def chain_path(layers, weight: Selection | None) -> set:
    """The connections (l, j, k) a weight's gradient is carried along: the weight itself, the
    connections out of its neuron, and every connection of the layers after (each is on some
    path from that neuron to the loss)."""
    if weight is None:
        return set()
    l, j = weight.l, weight.j
    path = {(l, j, weight.k)}
    if l + 1 < len(layers):
        path |= {(l + 1, m, j) for m in range(layers[l + 1])}
    path |= {(n, m, i) for n in range(l + 2, len(layers)) for m in range(layers[n]) for i in range(layers[n - 1])}
    return path


@dataclass(frozen=True)
class Scene:
    width: float
    height: float
    background: str
    items: list
    hidden_labels: int = 0  # labels left out because they did not fit (none for the seed example at ≥ 560 px)
    targets: tuple = ()  # what a click can select: ("neuron", l, j, x, y, r), ("weight", l, j, k, x1, y1, x2, y2), ("point", i, x, y)
    vertical: bool = False  # layers top to bottom (narrow drawings): the gradient flows up
    unlabelled: int = 0  # connection labels left out by the rule (dense layers, narrow drawings): a click shows them
    plot: tuple | None = None  # plane_scene: (left, top, side, extent), the square plot of −extent ≤ x₁, x₂ ≤ extent


def hit(scene: Scene, x: float, y: float) -> tuple | None:
    """The neuron or connection under a click, in the lesson's numbering (l, j, k from 1)."""
    for t in scene.targets:
        if t[0] == "neuron" and math.hypot(x - t[3], y - t[4]) <= t[5] + 3:
            return ("neuron", t[1], t[2] + 1)
    best, best_d = None, 7.0  # px: how near a line a click must land
    for t in scene.targets:
        if t[0] != "weight":
            continue
        x1, y1, x2, y2 = t[4:]
        dx, dy = x2 - x1, y2 - y1
        u = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy or 1)))
        d = math.hypot(x - (x1 + u * dx), y - (y1 + u * dy))
        if d < best_d:
            best, best_d = ("weight", t[1], t[2] + 1, t[3] + 1), d
    return best


def ease(t: float) -> float:
    t = min(max(t, 0.0), 1.0)
    return 1 - (1 - t) ** 3  # ease-out cubic


def text_box(x: float, y: float, text: str, size: float, align: str) -> tuple[float, float, float, float]:
    w = len(text) * size * CHAR_WIDTH + 6
    h = size * 1.4
    left = x - w / 2 if align == "center" else x - w if align == "right" else x
    return (left, y - h / 2, left + w, y + h / 2)


def overlaps(a, b, pad: float = 1.0) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


VERTICAL_BELOW = 560  # CSS px: narrower drawings put the layers in rows, input at the top


def layout(layers: tuple[int, ...], width: float, lead: float = 0.0) -> tuple[float, float, bool, list[list[tuple[float, float]]]]:
    """Neuron centres per layer, the radius, the height, and whether layers run top to bottom.

    Wide: layers are columns, left to right. Narrow (phones, portrait): layers are rows, so
    each connection is long enough to carry its labels. `lead`: px more before the input
    layer (left, or above), for the inputs' maps and their names.
    """
    most = max(layers)
    vertical = width < VERTICAL_BELOW
    if vertical:
        pad = 34
        across = (width - 2 * pad) / max(most - 1, 1)
        gap = 170 if most <= 3 else 160 if most <= 4 else 150
        r = max(16.0, min(27.0, across * 0.3))
        top = 62 + lead
        height = top + (len(layers) - 1) * gap + r + 34
        centres = []
        for l, n in enumerate(layers):
            y = top + l * gap
            spread = min(across, 130)
            centres.append([(width / 2 + (j - (n - 1) / 2) * spread, y) for j in range(n)])
        return height, r, vertical, centres
    spacing = _spacing(most)
    top, bottom = 44, 58
    height = top + bottom + most * spacing
    pad = 70
    gap = (width - 2 * pad - lead) / max(len(layers) - 1, 1)
    r = max(16.0, min(27.0, gap * 0.2, spacing * 0.3))
    centres = []
    for l, n in enumerate(layers):
        x = pad + lead + l * gap
        y0 = top + (height - top - bottom - n * spacing) / 2 + spacing / 2
        centres.append([(x, y0 + j * spacing) for j in range(n)])
    return height, r, vertical, centres


def _spacing(most: int) -> float:
    """px between the centres of a column's neurons (wide drawings), by the largest layer."""
    return 136 if most <= 3 else 108 if most <= 4 else 64


MAP_SCALE = 1.6  # a neuron's map: at most this times its diameter, square
MAP_MIN = 24  # px: a smaller map shows too little; the narrow drawing leaves such a layer's maps out


class _MapPlan(NamedTuple):
    inputs: float  # px: the side of each input's map
    hidden: tuple  # px: the side of layer l's maps (index l; 0 where a layer has none: the inputs, the output, no room)
    stagger: bool  # narrow drawing: the features' names on two rows, as they are wider than the neurons' spacing
    lead: float  # px the layout leaves before the input layer for the maps and names
    beside: float  # px from a hidden neuron's centre to its map: past the circle and its value's text


def _map_plan(layers, width: float, names: list[str], r: float, centres, vertical: bool, digits: int) -> _MapPlan:
    """Where the small maps fit (TensorFlow Playground's neurons-as-pictures, beside our circles).

    Wide drawings: each input's map on its left, the feature's name left of it; each hidden
    neuron's map on its right (past its value's text), at most its diameter tall (so δ above and b below keep
    their places) and 30% of the gap between layers (the connections need the rest), under the lines.
    Narrow (vertical) drawings: each input's map above it, the name above the map; a hidden
    layer's maps on the neurons' right only where each fits between its neuron and the next
    (or the drawing's edge) at MAP_MIN px or more, otherwise that layer has none: on phones most
    hidden layers have none, and the values table and the big plot still show what they compute."""
    most = max(layers)
    beside = max(r, text_box(0, 0, "−0." + "0" * digits, FONT, "center")[2]) + 4  # a value such as −0.1234 is wider than the circle
    name_w = max((text_box(0, 0, n, FONT, "left")[2] for n in names), default=0.0)
    if vertical:
        spread = min((width - 68) / max(most - 1, 1), 130)
        m_in = min(MAP_SCALE * 2 * r, spread - 8 if layers[0] > 1 else MAP_SCALE * 2 * r, 2 * (centres[0][0][0] - 4))  # inside the drawing
        stagger = layers[0] > 1 and name_w > spread - 4
        hidden = [0.0] * len(layers)
        for l in range(1, len(layers) - 1):
            right = max(x for x, _ in centres[l]) + beside
            m = min(MAP_SCALE * 2 * r, 2 * r, width - 4 - right, spread - 2 * beside - 2 if layers[l] > 1 else width)
            hidden[l] = float(int(m)) if m >= MAP_MIN else 0.0
        return _MapPlan(float(int(m_in)), tuple(hidden), stagger, m_in + 6 + 20 + (21 if stagger else 0), beside)
    spacing = _spacing(most)
    gap = abs(centres[1][0][0] - centres[0][0][0])
    m_in = min(MAP_SCALE * 2 * r, spacing - 8)
    m_h = min(MAP_SCALE * 2 * r, 2 * r, spacing - 12, 0.3 * gap)
    hidden = tuple(float(int(m_h)) if 0 < l < len(layers) - 1 and m_h >= MAP_MIN else 0.0 for l in range(len(layers)))
    return _MapPlan(float(int(m_in)), hidden, False, max(0.0, 8 + name_w + 6 + m_in + 6 + r - 70), beside)


def _map_items(picture, plan: _MapPlan, centres, r: float, vertical: bool, pal: Palette, theme: str) -> tuple[list, list]:
    """The maps (Images, each framed) and the features' names; and their boxes, for the labels to avoid."""
    items: list = []
    boxes: list = []

    def draw(grids, scale, corners, m):
        """A layer's maps at once: one sampling and one colour look-up for the whole stack."""
        cells = _cells(grids, max(4, math.ceil(m / 2)))  # about 2 px a cell: enough for a smoothed map, little to send
        rgba = _heat_table(theme)[_levels(cells, scale)]
        for (x, y), pixels in zip(corners, rgba):
            x, y = round(x, 1), round(y, 1)
            items.extend((Image(x, y, m, m, cells.shape[-1], cells.shape[-2], base64.b64encode(pixels.tobytes()).decode("ascii"), True),
                          Rect(x, y, m, m, None, pal.line, 0)))
            boxes.append((x, y, x + m, y + m))

    m = plan.inputs
    features = picture.layers[0]
    scales = [scale_for("feature", grid) for grid in features]  # each feature on its own: x₁ reaches 6, x₁² 36, sin x₁ 1
    each = Scale(*(np.array(column)[:, None, None] for column in zip(*scales)))
    draw(features, each, [(x - m / 2, y - r - 6 - m) if vertical else (x - r - 6 - m, y - m / 2) for x, y in centres[0]], m)
    for j, (x, y) in enumerate(centres[0]):
        name = FEATURE_NAMES.get(picture.features[j], picture.features[j])
        at = (x, y - r - 6 - m - 11 - (21 if plan.stagger and j % 2 else 0), "center") if vertical else (x - r - 12 - m, y, "right")
        items.append(Text(at[0], at[1], name, FONT, pal.ink, at[2], False))
        boxes.append(text_box(*at[:2], name, FONT, at[2]))
    for l in range(1, len(centres) - 1):
        m = plan.hidden[l]
        if m:  # one scale a layer: its neurons compare
            draw(picture.layers[l], scale_for(picture.hidden_activation, picture.layers[l]), [(x + plan.beside, y - m / 2) for x, y in centres[l]], m)
    return items, boxes


def _fits(picture, layers) -> bool:
    """Whether a picture was computed for a network of these layer sizes (one map per neuron)."""
    grids = getattr(picture, "layers", ())
    return len(grids) == len(layers) and all(np.shape(g)[0] == n for g, n in zip(grids, layers)) and len(picture.features) == layers[0]


def layer_name(l: int, L: int, hidden_count: int) -> str:
    if l == 0:
        return f"Input {symbol('a', 0)} = x"
    if l == L:
        return f"Output {symbol('a', L)} = ŷ"
    return f"Hidden {symbol('a', l)}" if hidden_count == 1 else f"Hidden {l} {symbol('a', l)}"


class LabelMemory:
    """The last label placement, kept by whoever draws frame after frame (the painter): the
    frames of one transition place the same labels, and finding spots for the largest network's
    labels is ~40% of a frame. The scene itself keeps nothing between calls."""

    def __init__(self):
        self.key: tuple | None = None  # what decided the placement: sizes, blocked boxes, label spots and texts
        self.chosen: list | None = None  # the spot index of each label, or None where none fit


def network_scene(moment: Moment, view: View, memory: LabelMemory | None = None, picture=None) -> Scene:
    """The network drawn for the moment; with a Picture of this network, each input and
    hidden neuron also shows a small map of what it computes over the plane (_map_plan)."""
    net, fp, steps = moment.net, moment.forward, moment.steps
    pal = PALETTES.get(view.theme, PALETTES["light"])
    L, digits = net.L, view.digits
    height, r, vertical, centres = layout(net.layers, view.width)
    plan = None
    if picture is not None and _fits(picture, net.layers):
        names = [FEATURE_NAMES.get(f, f) for f in picture.features]
        lead = _map_plan(net.layers, view.width, names, r, centres, vertical, digits).lead
        height, r, vertical, centres = layout(net.layers, view.width, lead)
        plan = _map_plan(net.layers, view.width, names, r, centres, vertical, digits)._replace(lead=lead)
    by_layer = moment.by_layer
    latest = steps[-1].layer if steps else (L if fp is not None else None)
    p = ease(view.progress)
    dead = set(dead_neurons(net, fp)) if fp is not None else set()

    # the transition: what the latest action added fades in / grows
    def fresh(l: int) -> float:
        if steps:
            return p if l == latest else 1.0
        if fp is not None:  # the forward pass appears layer by layer
            return ease(view.progress * L - (l - 1))
        return 1.0

    def grad_colour(v: float) -> str:
        return pal.pos if v > 0 else pal.neg if v < 0 else pal.muted

    items: list = []
    targets: list = []
    labels: list = []  # (priority, text item) placed after the shapes, without overlaps
    blocked: list = []  # boxes no label may cover: the neurons

    # highlight the layer being computed: the backward step's layer, or during the forward
    # pass's transition the layer appearing; a finished forward pass computes nothing more
    band = None
    if steps:
        computing = latest
    elif fp is not None and view.progress < 1:
        computing = min(L, 1 + int(max(view.progress, 0.0) * L))
    else:
        computing = None
    if computing is not None:
        xs = [c[0] for c in centres[computing]]
        ys = [c[1] for c in centres[computing]]
        if vertical:
            band = Rect(4, ys[0] - r - 30, view.width - 8, 2 * r + 58, pal.band, None, 10)
        else:
            band = Rect(xs[0] - r - 14, min(ys) - r - 30, 2 * r + 28, max(ys) - min(ys) + 2 * r + 58, pal.band, None, 10)
        items.append(band)
    if plan is not None:  # under the connections: a line crossing a map stays whole
        map_items, map_boxes = _map_items(picture, plan, centres, r, vertical, pal, view.theme)
        items.extend(map_items)
        blocked.extend(map_boxes)

    # connections, their weights and (once computed) their gradients
    # the widest arrow is the largest gradient; a non-finite one (never in a committed moment) counts as widest
    max_dW = max((float(np.max(np.abs(s.dW.result.value), initial=0.0, where=np.isfinite(s.dW.result.value)))
                  for s in steps if moment.has_gradients(s.layer)), default=0.0) or 1.0
    # connection labels by a rule the page states (toolwords.hidden_labels_note): crowded layers
    # (_crowded) and a narrow drawing label only the selected connection
    unlabelled = 0
    arrow_specs: list[tuple] = []
    path = chain_path(net.layers, view.chain)
    arrow_from, arrow_span = (ARROW_FROM_VERTICAL, ARROW_SPAN_VERTICAL) if vertical else (ARROW_FROM, ARROW_SPAN)
    for l in range(1, L + 1):
        # more than 16 connections between two layers leave no room for their labels
        crowded = _crowded(net.layers[l] * net.layers[l - 1], abs(centres[l][0][0] - centres[l - 1][0][0]) or view.width, height)
        dense = vertical or crowded
        # plain floats: indexing a numpy array element by element costs more than the drawing
        weights = net.W[l].tolist()
        grads = by_layer[l].dW.result.value.tolist() if moment.has_gradients(l) else None
        for j, (xj, yj) in enumerate(centres[l]):
            for k, (xk, yk) in enumerate(centres[l - 1]):
                length = math.hypot(xj - xk, yj - yk)
                ux, uy = (xj - xk) / length, (yj - yk) / length
                x1, y1, x2, y2 = xk + ux * r, yk + uy * r, xj - ux * r, yj - uy * r
                emphasis = l == latest
                targets.append(("weight", l, j, k, x1, y1, x2, y2))
                if view.selected == Selection("weight", l, j, k):
                    items.append(Line(int(x1), int(y1), int(x2), int(y2), pal.accent, 5))
                elif (l, j, k) in path:  # the chain rule's path, in the colour of its weights in the panel
                    items.append(Line(int(x1), int(y1), int(x2), int(y2), pal.accent, 3))
                # whole-pixel ends: the drawing looks the same and the display list is half as long to send
                items.append(Line(int(x1), int(y1), int(x2), int(y2), pal.ink if emphasis else pal.line, 1.6 if emphasis else 1.0))
                w = weights[j][k]
                at = _along(x1, y1, x2, y2)
                # beside the line: the gradient's side (+) or the other (−), d px off the line
                side = lambda t, d, at=at, nx=-uy, ny=ux: (at(t)[0] + nx * d, at(t)[1] + ny * d, "center")  # noqa: E731
                labelled = not dense or view.selected == Selection("weight", l, j, k)
                if grads is not None:
                    g = grads[j][k]
                    f = fresh(l)
                    # the gradient flows backward: from neuron j toward neuron k, beside the line
                    sx, sy = side(arrow_from, ARROW_SIDE)[:2]
                    ex, ey = side(arrow_from - arrow_span * f, ARROW_SIDE)[:2]
                    width = 1.5 + 4.5 * (min(1.0, abs(g) / max_dW) if math.isfinite(g) else 1.0)
                    arrow_specs.append((int(sx), int(sy), int(ex), int(ey), grad_colour(g), round(width, 1)))
                    if not crowded:  # no label may cover the arrow where it ends, whatever frame of its growth
                        blocked.extend(_along_boxes((sx, sy), side(arrow_from - arrow_span, ARROW_SIDE)[:2], width / 2 + 2))
                    if not labelled:
                        unlabelled += 1
                    else:
                        spots = [side(t, d) for d in (22, -16, 34, -28, 46, -40) for t in (0.5, 0.6, 0.4, 0.7, 0.32, 0.82, 0.9)]
                        labels.append((2, spots, f"∂ {number(g, digits, sign=True)}", grad_colour(g), f, False))
                if not labelled:
                    unlabelled += 1
                else:
                    # on the line before the gradient's arrow reaches it, else beside it, away from the arrow
                    spots = [(*at(t), "center") for t in (0.2, 0.14, 0.86)] + [side(t, d) for d in (-14, 14, -24, 24, -36, 36) for t in (0.2, 0.45, 0.55, 0.35, 0.65, 0.25, 0.75, 0.12, 0.88)]
                    labels.append((3, spots, f"W {parameter(w)}", pal.muted, 1.0, False))

    # neurons, their values, δ above and the bias (or its gradient) below
    for l, column in enumerate(centres):
        fill = pal.input if l == 0 else pal.output if l == L else pal.neuron
        for j, (x, y) in enumerate(column):
            is_dead = (l, j) in dead
            if l > 0:
                targets.append(("neuron", l, j, x, y, r))
            if view.selected == Selection("neuron", l, j):
                items.append(Circle(x, y, r + 5, None, pal.accent, 4))
            items.append(Circle(x, y, r, fill, pal.muted if is_dead else pal.ink, 1.5, DEAD_DASH if is_dead else ()))
            blocked.append((x - r, y - r, x + r, y + r))
            if l == 0:
                value = parameter(float(moment.x[j, 0]))
            elif fp is not None and fresh(l) > 0.5:
                value = number(float(fp.a[l][j, 0]), digits)
            else:
                value = "—"
            items.append(Text(x, y, value, FONT, pal.ink, "center", True))
            value_box = text_box(x, y, value, FONT, "center")
            side = max(r, x - value_box[0]) + 4  # a label beside the neuron starts past its circle, and past its value if that is wider
            if value_box[0] < x - r:  # a value wider than its circle (small circles): no label covers it
                blocked.append(value_box)
            if l == 0:
                continue
            # centred, else flush with the circle's edge (near the drawing's sides), else beside it; last, further
            # out in the rows between neurons (where a hidden neuron's map takes the place beside it)
            above = [(x, y - r - 13, "center"), (x - r, y - r - 13, "left"), (x + r, y - r - 13, "right"),
                     (x + side, y - 10, "left"), (x - side, y - 10, "right"), (x + side, y - r - 13, "left"), (x - side, y - r - 13, "right")]
            below = [(x, y + r + 12, "center"), (x - r, y + r + 12, "left"), (x + r, y + r + 12, "right"),
                     (x + side, y + 10, "left"), (x - side, y + 10, "right"), (x + r, y + r + 30, "right"), (x - r, y + r + 30, "left"),
                     (x + side, y + r + 12, "left"), (x - side, y + r + 12, "right")]
            if l in by_layer:
                d = float(by_layer[l].delta.result.value[j, 0])
                colour, f = grad_colour(d), fresh(l)
                labels.append((0, above, f"δ {number(d, digits, sign=True)}", colour, f, True))
            else:
                labels.append((0, above, "δ —", pal.muted, 1.0, False))
            if moment.has_gradients(l):  # ∂L/∂b = δ; in finer steps only after δ's own step
                labels.append((1, below, f"∂b {number(d, digits, sign=True)}", colour, f, False))
            else:
                labels.append((1, below, f"b {parameter(float(net.b[l][j, 0]))}", pal.muted, 1.0, False))
            if is_dead:
                labels.append((1, [(x + side, y, "left"), (x - side, y, "right"), (x, y + r + 30, "center")], "dead", pal.ink, 1.0, True))

    # layer names: along the bottom (on two rows where neighbours would meet), or above each row
    for l, column in enumerate(centres):
        name = layer_name(l, L, L - 1)
        if vertical:
            y = column[0][1] - r - (13 + (plan.lead if plan else 0) if l == 0 else 36)
            items.extend(label(8, y, name, FONT, pal.ink, "left", l == latest, pal.label_bg))
            blocked.append(text_box(8, y, name, FONT, "left"))
            continue
        x = column[0][0]
        align = "left" if l == 0 else "right" if l == L else "center"
        x = x - r if l == 0 else x + r if l == L else x
        y = height - 16
        if l > 0 and overlaps(text_box(x, y, name, FONT, align), blocked[-1]):
            y -= 21  # the previous name is on the bottom row
        items.append(Text(x, y, name, FONT, pal.ink, align, l == latest))
        blocked.append(text_box(x, y, name, FONT, align))

    hidden = _place_labels(items, labels, blocked, view.width, height, pal, memory, band)
    # the gradients' arrows last, above every label: the backward flow is never covered
    for shaft, head in arrows(arrow_specs):
        items.extend((shaft, head))
    return Scene(view.width, height, pal.background, items, hidden, tuple(targets), vertical, unlabelled)


def loss_scene(losses, width: float, theme: str = "light") -> Scene:
    """Loss per training step: the same display list as the network, on a small canvas."""
    pal = PALETTES.get(theme, PALETTES["light"])
    height = 150.0
    items: list = []
    left, right, top, bottom = 64.0, width - 12.0, 14.0, height - 28.0
    items.append(Line(left, top, left, bottom, pal.muted, 1))
    items.append(Line(left, bottom, right, bottom, pal.muted, 1))
    items.append(Text(8, (top + bottom) / 2, "loss", FONT, pal.muted, "left", False))
    values = [float(v) for v in losses if np.isfinite(v)]
    if len(values) < 2:
        items.append(Text((left + right) / 2, (top + bottom) / 2, "Train to see the loss fall", FONT, pal.muted, "center", False))
        return Scene(width, height, pal.background, items)
    top_value = max(values) or 1.0
    n = len(values)
    step = max(1, n // int(max(right - left, 1)))  # at most one point per pixel
    points = [(left + (right - left) * i / (n - 1), bottom - (bottom - top) * v / top_value) for i, v in list(enumerate(values))[::step]]
    points.append((right, bottom - (bottom - top) * values[-1] / top_value))
    for (x1, y1), (x2, y2) in zip(points, points[1:]):
        items.append(Line(round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1), pal.neg, 2))
    items.append(Text(left - 4, top + 2, number(top_value), FONT, pal.muted, "right", False))
    items.append(Text(left - 4, bottom, "0", FONT, pal.muted, "right", False))
    items.append(Text(right, height - 10, f"step {n}: loss {number(values[-1])}", FONT, pal.ink, "right", False))
    return Scene(width, height, pal.background, items)


# --------------------------------------------------------------------------
# the data view (issue 16): what the network computes over the input plane, as a heat map

HEAT = 0.6  # a map's strength: its colours are blended this far from the background toward pos / neg, so the points on it stay readable
LEVELS = 255  # colour levels of a map: odd, so the middle of the scale is a level of its own


class Scale(NamedTuple):
    """The values a map's colours span: low in full neg, middle in the background, high in full pos."""

    low: float
    high: float
    middle: float


def scale_for(kind: str, values=None) -> Scale:
    """The scale for a problem's output ("classification", "regression"), an activation (its range
    of g, from rules.py's catalogue: sigmoid (0, 1), tanh (−1, 1), relu [0, the largest value]), or
    anything else (an input feature such as x₁²): symmetric about 0, as far as the values go."""
    low, high = value_range(kind)
    if np.isfinite(low) and np.isfinite(high):
        return Scale(low, high, (low + high) / 2)
    v = np.asarray(values if values is not None else (), dtype=float)
    v = v[np.isfinite(v)]
    if np.isfinite(low):
        top = float(v.max()) if v.size else 0.0
        return Scale(low, top if top > low else low + 1.0, low)
    far = float(np.abs(v).max()) if v.size else 0.0
    return Scale(-(far or 1.0), far or 1.0, 0.0)


def _levels(values, scale: Scale) -> np.ndarray:
    """Each value's colour level, 0 (low) … LEVELS // 2 (middle) … LEVELS − 1 (high): linear on
    each side of the middle, clipped at the ends; NaN at the middle, ±∞ at the ends. A scale's
    fields may be arrays that broadcast against the values (a stack of maps, each on its own scale)."""
    v = np.asarray(values, dtype=float)
    if all(np.ndim(f) == 0 for f in scale) and scale.low < scale.middle < scale.high:  # one scale: np.interp is the same line, in one call
        v = np.where(np.isnan(v), scale.middle, v)
        return np.rint(np.interp(v, (scale.low, scale.middle, scale.high), (0.0, LEVELS // 2, LEVELS - 1))).astype(np.intp)
    low, high, middle = (np.asarray(f, dtype=float) for f in scale)
    above, below = high - middle, middle - low
    with np.errstate(invalid="ignore"):  # ±∞ − ±∞ and NaN: settled by the clip and the where below
        s = np.where(v >= middle, (v - middle) / np.where(above == 0, 1.0, above), (v - middle) / np.where(below == 0, 1.0, below))
    s = np.where(np.isnan(v), 0.0, np.clip(s, -1.0, 1.0))  # −1 … 1
    return np.rint((s + 1.0) * (LEVELS // 2)).astype(np.intp)


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _ramp(start: str, theme: str, strength: float) -> np.ndarray:
    """(LEVELS, 3): from neg through `start` (at the middle) to pos, `strength` of the way."""
    pal = PALETTES.get(theme, PALETTES["light"])
    s = np.linspace(-1.0, 1.0, LEVELS)[:, None]
    base = _rgb(start)
    far = np.where(s > 0, _rgb(pal.pos), _rgb(pal.neg))
    return np.rint(base + strength * np.abs(s) * (far - base))


@functools.lru_cache(maxsize=None)
def _heat_table(theme: str) -> np.ndarray:
    """Each level's pixel, background to HEAT of the way to neg or pos: its 4 RGBA bytes seen as
    one uint32, so a look-up moves one number a pixel (the bytes stay in their order)."""
    rgb = _ramp(PALETTES.get(theme, PALETTES["light"]).background, theme, HEAT)
    return np.ascontiguousarray(np.column_stack([rgb, np.full(LEVELS, 255)]).astype(np.uint8)).view(np.uint32)[:, 0]


@functools.lru_cache(maxsize=None)
def _point_colours(theme: str) -> tuple:
    """A point's colour at each level: full neg or pos at the ends, the muted grey at the middle
    (a regression target near 0 is still seen on the background)."""
    rgb = _ramp(PALETTES.get(theme, PALETTES["light"]).muted, theme, 1.0).astype(int)
    return tuple(f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb.tolist())


def heat_image(grid, scale: Scale, theme: str = "light") -> str:
    """A grid of values (rows, cols), top row first, as an Image's pixels: one table look-up per cell."""
    return base64.b64encode(_heat_table(theme)[_levels(grid, scale)].tobytes()).decode("ascii")


def _cells(grids, n: int) -> np.ndarray:
    """Grids (..., rows, cols) sampled to at most n × n cells (nearest cell): a small map needs no more pixels to send."""
    grids = np.asarray(grids)
    if max(grids.shape[-2:]) <= n:
        return grids
    rows = ((np.arange(n) + 0.5) * grids.shape[-2] / n).astype(int)
    cols = ((np.arange(n) + 0.5) * grids.shape[-1] / n).astype(int)
    return grids[..., rows[:, None], cols]


def _short(value: float, digits: int = 2) -> str:
    """A scale's end for a legend: '0', '0.5', '−1', '3.47'."""
    text = number(value, digits)
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("−0", "") else text


LEGEND_BESIDE = 464  # px: from this width the legend stands beside the plot, narrower below it
LEGEND_WIDTH = 124  # px beside the plot: the colour bar, its values, "training" / "test"
LEGEND_BELOW = 82  # px under the plot: the colour bar, its values, the point keys
PLOT_LEFT, PLOT_TOP, PLOT_RIGHT, PLOT_BOTTOM = 48.0, 10.0, 12.0, 30.0  # x₂'s ticks at the left, x₁'s below


def plane_scene(picture, width: float, theme: str = "light", height: float | None = None, digits: int = 2) -> Scene:
    """The network's output over the plane (a heat map), the data set's points on it (training
    points filled, test points hollow, in their target's colour), the picked point ringed and
    marked "x", and a legend: beside the plot from LEGEND_BESIDE px, below it on narrower drawings.
    Square; at most `height` tall when given."""
    pal = PALETTES.get(theme, PALETTES["light"])
    beside = width >= LEGEND_BESIDE
    left, top = PLOT_LEFT, PLOT_TOP
    side = width - left - PLOT_RIGHT - (LEGEND_WIDTH if beside else 0)
    if height is not None:
        side = min(side, height - top - PLOT_BOTTOM - (0 if beside else LEGEND_BELOW))
    side = float(int(max(side, 120.0)))
    bottom = top + side
    needed = bottom + PLOT_BOTTOM + (0 if beside else LEGEND_BELOW)
    scene_height = max(needed, height or 0.0)
    extent = float(picture.extent)
    scale = scale_for(picture.kind)
    output = np.asarray(picture.output)
    items: list = [Image(left, top, side, side, output.shape[1], output.shape[0], heat_image(output, scale, theme), True),
                   Rect(left, top, side, side, None, pal.muted, 0)]

    # axes: ticks at −extent, 0, extent; the axis names between two ticks
    for v in (-extent, 0.0, extent):
        at = (v + extent) / (2 * extent) * side
        items += [Line(left + at, bottom, left + at, bottom + 5, pal.muted, 1), Text(left + at, bottom + 20, _short(v, 1), FONT, pal.muted, "center", False),
                  Line(left - 5, bottom - at, left, bottom - at, pal.muted, 1), Text(left - 8, bottom - at, _short(v, 1), FONT, pal.muted, "right", False)]
    items += [Text(left + 0.75 * side, bottom + 20, "x₁", FONT, pal.ink, "center", True),
              Text(left - 8, top + 0.25 * side, "x₂", FONT, pal.ink, "right", True)]

    # the points: plain lists from numpy, a Circle each (500 a frame)
    x = np.asarray(picture.x, dtype=float).reshape(-1, 2)
    px = np.round(left + (np.clip(x[:, 0], -extent, extent) + extent) / (2 * extent) * side, 1).tolist()
    py = np.round(top + (extent - np.clip(x[:, 1], -extent, extent)) / (2 * extent) * side, 1).tolist()
    palette = _point_colours(theme)
    colours = [palette[level] for level in _levels(picture.y, scale).tolist()]
    test = np.asarray(picture.test, dtype=bool).tolist()
    r = round(max(2.5, min(4.0, side / 80)), 1)
    items += [Circle(a, b, r, c, pal.background, 1) for a, b, c, t in zip(px, py, colours, test) if not t]
    items += [Circle(a, b, r, pal.background, c, 2) for a, b, c, t in zip(px, py, colours, test) if t]  # hollow: the heat map does not fill them
    if picture.picked is not None and 0 <= picture.picked < len(px):
        cx, cy = px[picture.picked], py[picture.picked]
        items.append(Circle(cx, cy, r + 5, None, pal.accent, 2.5))
        right = cx + r + 10 + text_box(0, 0, "x", FONT, "left")[2] <= left + side
        items += label(cx + r + 10 if right else cx - r - 10, min(max(cy, top + 11), bottom - 11), "x", FONT, pal.ink,
                       "left" if right else "right", True, pal.label_bg)

    items += _legend(scale, theme, pal, (left + side + 20, top, side) if beside else (left, bottom + PLOT_BOTTOM + 4, side), beside)
    targets = tuple(("point", i, a, b) for i, (a, b) in enumerate(zip(px, py)))
    return Scene(width, scene_height, pal.background, items, targets=targets, plot=(left, top, side, extent))


def _legend(scale: Scale, theme: str, pal: Palette, at: tuple, beside: bool) -> list:
    """The colour bar (its ends and middle written beside it) and the point keys: "training", "test"."""
    x, y, side = at
    items: list = []
    ramp = np.linspace(scale.low, scale.high, 64)
    values = [scale.low, scale.high] + ([scale.middle] if scale.middle not in (scale.low, scale.high) else [])
    key_r = 5
    if beside:
        h = max(60.0, min(140.0, side - 90))
        top = y + 24
        items += [Text(x, y + 8, "ŷ", FONT, pal.ink, "left", True),
                  Image(x, top, 16, h, 1, 64, heat_image(ramp[::-1, None], scale, theme), True),  # high at the top
                  Rect(x, top, 16, h, None, pal.muted, 0)]
        items += [Text(x + 22, round(top + h * (scale.high - v) / ((scale.high - scale.low) or 1.0), 1), _short(v), FONT, pal.muted, "left", False)
                  for v in values]
        keys = [(x + key_r + 1, top + h + 26), (x + key_r + 1, top + h + 50)]
    else:
        w = min(side, 220.0)
        items += [Text(x - 8, y + 7, "ŷ", FONT, pal.ink, "right", True),
                  Image(x, y, w, 14, 64, 1, heat_image(ramp[None, :], scale, theme), True), Rect(x, y, w, 14, None, pal.muted, 0)]
        for v in values:
            at = x + w * (v - scale.low) / ((scale.high - scale.low) or 1.0)
            align = "left" if v == scale.low else "right" if v == scale.high else "center"
            items.append(Text(round(at, 1), y + 28, _short(v), FONT, pal.muted, align, False))
        keys = [(x + key_r + 1, y + 56), (x + key_r + 111, y + 56)]
    (tx, ty), (ux, uy) = keys
    items += [Circle(tx, ty, key_r, pal.muted, pal.background, 1), Text(tx + 12, ty, "training", FONT, pal.ink, "left", False),
              Circle(ux, uy, key_r, pal.background, pal.muted, 2), Text(ux + 12, uy, "test", FONT, pal.ink, "left", False)]
    return items


def _points(scene: Scene) -> np.ndarray:
    """(n, 2): the pixel centres of a plane scene's points, by index."""
    return np.array([t[2:4] for t in scene.targets if t[0] == "point"], dtype=float).reshape(-1, 2)


def hit_point(scene: Scene, x: float, y: float, within: float = 8.0) -> int | None:
    """The index of the point nearest a click, if it is at most `within` px away."""
    points = _points(scene)
    if not len(points):
        return None
    d = np.hypot(points[:, 0] - x, points[:, 1] - y)
    i = int(np.argmin(d))
    return i if d[i] <= within else None


def nearby_point(scene: Scene, index: int | None, dx: float, dy: float) -> int:
    """The keyboard's next point from `index` in the direction (dx, dy) on the screen (y down):
    the nearest within 45° of it, a sideways step counting twice. Stays put if none is there;
    from no point (None), the point nearest the plot's centre."""
    points = _points(scene)
    if not len(points):
        return index
    if index is None or not 0 <= index < len(points):
        left, top, side, _ = scene.plot
        return int(np.argmin(np.hypot(points[:, 0] - left - side / 2, points[:, 1] - top - side / 2)))
    norm = math.hypot(dx, dy) or 1.0
    ux, uy = dx / norm, dy / norm
    rel = points - points[index]
    along = rel[:, 0] * ux + rel[:, 1] * uy
    across = np.abs(rel[:, 0] * uy - rel[:, 1] * ux)
    ahead = (along > 0.5) & (across <= along)
    if not ahead.any():
        return index
    return int(np.argmin(np.where(ahead, along + 2 * across, np.inf)))


def plane_point(scene: Scene, x: float, y: float) -> tuple[float, float] | None:
    """The plane's (x₁, x₂) under a pixel of a plane scene's plot, None outside the plot."""
    if scene.plot is None:
        return None
    left, top, side, extent = scene.plot
    if not (left <= x <= left + side and top <= y <= top + side):
        return None
    return (-extent + (x - left) / side * 2 * extent, extent - (y - top) / side * 2 * extent)


TRAIN_DASH, TEST_DASH = (), (7, 4)  # the loss curves differ in their pattern too, not by colour alone


def data_loss_scene(history, width: float, theme: str = "light", height: float = 160) -> Scene:
    """Training and test loss over the updates: two lines (solid, dashed), y from 0, and their keys."""
    pal = PALETTES.get(theme, PALETTES["light"])
    left, right, top, bottom = 56.0, width - 12.0, 32.0, height - 28.0
    items: list = [Line(left, top, left, bottom, pal.muted, 1), Line(left, bottom, right, bottom, pal.muted, 1),
                   Text(8, (top + bottom) / 2, "loss", FONT, pal.muted, "left", False)]
    series = ((pal.ink, TRAIN_DASH, "training"), (pal.accent, TEST_DASH, "test"))
    for i, (colour, dash, name) in enumerate(series):  # the keys, above the plot
        x = left + i * 120
        items += [Line(x, 14, x + 26, 14, colour, 2, dash), Text(x + 32, 14, name, FONT, pal.ink, "left", False)]
    rows = np.array([tuple(row)[:3] for row in history], dtype=float).reshape(-1, 3)
    if len(rows) < 2:
        items.append(Text(width / 2, (top + bottom) / 2, "Train to see the losses fall", FONT, pal.muted, "center", False))
        return Scene(width, height, pal.background, items)
    losses = rows[:, 1:]
    peak = float(np.max(losses, initial=0.0, where=np.isfinite(losses))) or 1.0
    first, last = rows[0, 0], rows[-1, 0]
    # at most one point per pixel across
    keep = np.unique(np.linspace(0, len(rows) - 1, int(min(len(rows), max(right - left, 2)))).astype(int))
    xs = left + (right - left) * (rows[keep, 0] - first) / ((last - first) or 1.0)
    for column, (colour, dash, _) in enumerate(series):
        ys = bottom - (bottom - top) * np.clip(losses[keep, column], 0.0, peak) / peak
        ok = np.isfinite(ys)
        points = tuple(zip(np.round(xs[ok], 1).tolist(), np.round(ys[ok], 1).tolist()))
        if len(points) >= 2:
            items.append(Polyline(points, colour, 2, dash))
    items += [Text(left - 6, top, _short(peak, 3), FONT, pal.muted, "right", False),
              Text(left - 6, bottom, "0", FONT, pal.muted, "right", False),
              Text(left, bottom + 15, _short(first, 0), FONT, pal.muted, "left", False),
              Text(right, bottom + 15, _short(last, 0), FONT, pal.muted, "right", False),
              Text((left + right) / 2, bottom + 15, "updates", FONT, pal.muted, "center", False)]
    return Scene(width, height, pal.background, items)


def _along(x1: float, y1: float, x2: float, y2: float):
    """The point a fraction t of the way along a connection."""
    return lambda t: (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t)


def _fade(colour: str, background: str, amount: float) -> str:
    """Blend a #rrggbb colour toward the background: labels fade in during a transition."""
    if amount >= 1 or not colour.startswith("#") or not background.startswith("#"):
        return colour
    c = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(background[i : i + 2], 16) for i in (1, 3, 5)]
    mix = [round(bb + (cc - bb) * max(amount, 0.0)) for cc, bb in zip(c, b)]
    return "#" + "".join(f"{v:02x}" for v in mix)


class _Boxes:
    """Placed boxes in a coarse grid, so that an overlap query looks at a few neighbours only
    (the largest network has about 500 labels; checking all pairs costs tens of ms a frame)."""

    CELL = 64.0

    def __init__(self, boxes=()):
        self.cells: dict[tuple[int, int], list] = {}
        for box in boxes:
            self.add(box)

    def _keys(self, box):
        c = self.CELL
        for gx in range(int(box[0] // c), int(box[2] // c) + 1):
            for gy in range(int(box[1] // c), int(box[3] // c) + 1):
                yield gx, gy

    def add(self, box) -> None:
        for key in self._keys(box):
            self.cells.setdefault(key, []).append(box)

    def hits(self, box) -> bool:
        return any(overlaps(box, other) for key in self._keys(box) for other in self.cells.get(key, ()))


def _place_labels(items, labels, blocked, width, height, pal, memory: LabelMemory | None, band: Rect | None = None) -> int:
    """Put each label at its first candidate spot that covers nothing; count those that fit nowhere.

    Labels come as (priority, [(x, y, align), ...], text, colour, fade, bold); lower
    priorities are placed first: δ, then bias, then gradients, then weights. A label inside
    the band of the layer being computed sits on the band's colour, so the band stays whole.
    """
    labels = sorted(labels, key=lambda item: item[0])
    chosen = _choose_spots(labels, tuple(blocked), width, height, memory)
    for (_, spots, text, colour, fade, bold), spot in zip(labels, chosen):
        if spot is not None:
            x, y, align = spots[spot]
            inside = band is not None and band.x <= x <= band.x + band.w and band.y <= y <= band.y + band.h
            items.extend(label(x, y, text, FONT, _fade(colour, pal.background, fade), align, bold, pal.band if inside else pal.label_bg))
    return chosen.count(None)


LABEL_AREA = 2 * 90 * 22  # px²: a connection's two labels (w and ∂), each about 90 × 22 px


def _crowded(connections: int, gap: float, height: float) -> bool:
    """Whether two layers' connections are too many for their labels: together they would
    cover more than a quarter of the band between the layers (the neurons' labels, the arrows
    and the crossings need the rest; measured on the presets at 560–1600 px). Then only the
    selected connection is labelled, by the rule the page states."""
    return connections * LABEL_AREA > 0.25 * gap * height


def _along_boxes(start, end, half: float) -> list:
    """Small squares along a segment, every `half` px: what an arrow covers, for the labels to avoid."""
    (x1, y1), (x2, y2) = start, end
    n = max(1, int(math.hypot(x2 - x1, y2 - y1) / max(half, 1.0)))
    return [(x - half, y - half, x + half, y + half) for x, y in ((x1 + (x2 - x1) * i / n, y1 + (y2 - y1) * i / n) for i in range(n + 1))]


def _inside(box, width: float, height: float) -> bool:
    return box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height


def _choose_spots(labels, blocked: tuple, width: float, height: float, memory: LabelMemory | None) -> list:
    """For each label, the index of its first spot that covers nothing, or None.

    Only positions and texts decide it, not colours or fades, so the frames of a transition
    reuse the first frame's answer when the caller keeps a LabelMemory."""
    key = (width, height, blocked, tuple((tuple(spots), text) for _, spots, text, *_ in labels))
    if memory is not None and memory.key == key:
        return memory.chosen
    placed = _Boxes(blocked)
    chosen = []
    for _, spots, text, *_ in labels:
        for i, (x, y, align) in enumerate(spots):
            box = text_box(x, y, text, FONT, align)
            if not _inside(box, width, height):
                continue
            if not placed.hits(box):
                placed.add(box)
                chosen.append(i)
                break
        else:
            chosen.append(None)
    if 0 < chosen.count(None) <= ROOM_TRIES:
        _make_room(labels, chosen, _Boxes(blocked), width, height)
    if memory is not None:
        memory.key, memory.chosen = key, chosen
    return chosen


ROOM_TRIES = 6  # more labels left out than this: the drawing is too crowded for a second chance to pay


def _make_room(labels, chosen: list, fixed: _Boxes, width: float, height: float) -> None:
    """A second chance for the labels the first pass left out: where one of a label's spots is
    taken by a single other label that can move to another of its own spots, move it.

    (One pass of first fits leaves a few labels out where connections cross; this finds them
    a place in the seed example at every drawing width from 560 px.)"""
    def box_of(i, spot):
        x, y, align = labels[i][1][spot]
        box = text_box(x, y, labels[i][2], FONT, align)
        return box if _inside(box, width, height) and not fixed.hits(box) else None

    boxes = [box_of(i, c) if c is not None else None for i, c in enumerate(chosen)]
    for u in range(len(labels)):
        if chosen[u] is not None:
            continue
        for spot in range(len(labels[u][1])):
            box = box_of(u, spot)
            if box is None:
                continue
            taken = [p for p, other in enumerate(boxes) if other is not None and overlaps(box, other)]
            if len(taken) != 1:
                continue
            p = taken[0]
            for moved in range(len(labels[p][1])):
                new = box_of(p, moved) if moved != chosen[p] else None
                if new is None or overlaps(new, box):
                    continue
                if any(other is not None and q != p and overlaps(new, other) for q, other in enumerate(boxes)):
                    continue
                chosen[p], boxes[p], chosen[u], boxes[u] = moved, new, spot, box
                break
            if chosen[u] is not None:
                break
