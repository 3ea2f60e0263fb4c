"""The display list's records: the shapes both painters draw, the palettes, and the Scene.

Each primitive is a named tuple whose `kind` comes last, where paint.js reads it; svg.py
and paint.js only fill and stroke the points given here, so the canvas and the SVG cannot
drift apart (an arrowhead is a Polygon, a label's background a Rect, a dash a pattern).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

FONT = 14  # CSS px: the smallest text anywhere


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
    bytes, the top row first (heat.heat_image makes them)."""

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
    """One line of text; `sup` follows it raised by `rise` px (the lesson's a^[l] as a^{[l]} is
    set: the superscript at the text's own size, as on the page). `align` places both together."""

    x: float
    y: float  # the middle of the line
    text: str
    size: float
    colour: str
    align: str  # "left", "center", "right": where x is
    bold: bool
    sup: str = ""
    rise: float = 0.0
    kind: str = "text"


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


# red for positive, blue for negative (a pair red–green colour-blind viewers tell apart, and
# every label also carries its sign); text meets WCAG AA contrast on its background
PALETTES = {
    "light": Palette("#ffffff", "#1f2937", "#4b5563", "#9aa5b4", "#eef2f7", "#dcf2de", "#e9e4f8",
                     "#b91c1c", "#1d4ed8", "#fff3c4", "rgba(255,255,255,0.9)", "#b45309"),
    "dark": Palette("#111827", "#e5e7eb", "#b6bfcc", "#566174", "#1f2a3c", "#173526", "#2b2545",
                    "#fca5a5", "#93c5fd", "#3a3115", "rgba(17,24,39,0.9)", "#fbbf24"),
}


def palette(theme: str) -> Palette:
    """The theme's colours; an unknown theme draws light."""
    return PALETTES.get(theme, PALETTES["light"])


def sign_colour(pal: Palette, value: float, digits: int) -> str:
    """A value's colour by the sign it is written with: one that prints as 0.0000 at `digits`
    decimals is neutral, as its label has no sign either (formatting.number)."""
    size = abs(value)
    if size < 10.0 ** -digits and (size < 0.4 * 10.0 ** -digits or float(f"{size:.{digits}f}") == 0):  # as number() rounds it
        return pal.muted
    return pal.pos if value > 0 else pal.neg if value < 0 else pal.muted


@dataclass(frozen=True)
class Scene:
    width: float
    height: float
    background: str
    items: list
    hidden_labels: int = 0  # labels left out because they did not fit (none for the seed example at ≥ 560 px)
    targets: tuple = ()  # what a click can select: targets.NeuronTarget, WeightTarget, PointTarget
    vertical: bool = False  # layers top to bottom (narrow drawings): the gradient flows up
    unlabelled: int = 0  # connection labels left out by the rule (dense layers, narrow drawings): a click shows them
    plot: tuple | None = None  # plane_scene: (left, top, side, extent), the square plot of −extent ≤ x₁, x₂ ≤ extent


def ease(t: float) -> float:
    t = min(max(t, 0.0), 1.0)
    return 1 - (1 - t) ** 3  # ease-out cubic


def fade(colour: str, background: str, amount: float) -> str:
    """Blend a #rrggbb colour toward the background: labels fade in during a transition."""
    if amount >= 1 or not colour.startswith("#") or not background.startswith("#"):
        return colour
    c = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(background[i : i + 2], 16) for i in (1, 3, 5)]
    mix = [round(bb + (cc - bb) * max(amount, 0.0)) for cc, bb in zip(c, b)]
    return "#" + "".join(f"{v:02x}" for v in mix)


HEAD_ANGLE = 0.45  # rad: each side of an arrowhead off its shaft
_HEAD_COS, _HEAD_SIN = math.cos(HEAD_ANGLE), math.sin(HEAD_ANGLE)


def head_length(width: float) -> float:
    """px from an arrowhead's tip to its base: it grows with the shaft's width."""
    return 5 + 1.5 * width


def arrows(specs: list) -> list[tuple[Line, Polygon]]:
    """For each (x1, y1, x2, y2, colour, width): a shaft from (x1, y1) and a triangular head
    whose tip is (x2, y2), its sides HEAD_ANGLE off the shaft, head_length(width) long.

    All arrows at once with numpy: the largest network has 248, and one at a time in Python
    cost a millisecond a frame."""
    if not specs:
        return []
    x1, y1, x2, y2, colours, width = zip(*specs)
    x1, y1, x2, y2, width = (np.array(v, dtype=float) for v in (x1, y1, x2, y2, width))
    head = head_length(width)
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
