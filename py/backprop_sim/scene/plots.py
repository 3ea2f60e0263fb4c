"""The data view's plots (issue 16): what the network outputs over the input plane with the
data set's points on it, and the losses over the steps or the updates."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..formatting import number
from .heat import CLASS_COLOURS, PLANE_FINER, Scale, class_heat_image, heat_image, levels, plane_heat_image, point_colours, scale_for
from .labels import PAD, box_of, label, overlaps, short, text_box, text_width
from .primitives import FONT, Circle, Image, Line, Palette, Polyline, Rect, Scene, Text, palette
from .targets import PointTarget


LEGEND_BESIDE = 464  # px: from this width the legend stands beside the plot, narrower below it
LEGEND_WIDTH = 124  # px beside the plot: the colour bar, its values, "training" / "test"
LEGEND_BELOW = 82  # px under the plot: the colour bar, its values, the point keys
PLOT_LEFT, PLOT_TOP, PLOT_RIGHT, PLOT_BOTTOM = 48.0, 10.0, 12.0, 30.0  # x₂'s ticks at the left, x₁'s below


def plane_scene(picture, width: float, theme: str = "light", height: float | None = None, digits: int = 2) -> Scene:
    """The network's output over the plane (a heat map), the data set's points on it (training
    points filled, test points hollow, in their target's colour), the picked point ringed and
    marked "x", and a legend: beside the plot from LEGEND_BESIDE px, below it on narrower drawings.
    Square; at most `height` tall when given."""
    pal = palette(theme)
    beside = width >= LEGEND_BESIDE
    left, top = PLOT_LEFT, PLOT_TOP
    side = width - left - PLOT_RIGHT - (LEGEND_WIDTH if beside else 0)
    if height is not None:
        side = min(side, height - top - PLOT_BOTTOM - (0 if beside else LEGEND_BELOW))
    side = float(int(max(side, 120.0)))
    bottom = top + side
    scene_height = max(bottom + PLOT_BOTTOM + (0 if beside else LEGEND_BELOW), height or 0.0)
    extent = float(picture.extent)
    scale = scale_for(picture.kind)
    output = np.asarray(picture.output)
    classes = getattr(picture, "classes", 0)
    items: list = [Image(left, top, side, side, output.shape[1] * PLANE_FINER, output.shape[0] * PLANE_FINER,
                         plane_heat(picture, theme), True),
                   Rect(left, top, side, side, None, pal.muted, 0)]
    items += _plane_axes(left, top, side, extent, pal)
    points, targets = _points(picture, scale, (left, top, side, extent), theme)
    items += points
    at = (left + side + 20, top, side) if beside else (left, bottom + PLOT_BOTTOM + 4, side)
    items += _class_legend(classes, pal, at, beside) if classes else _legend(scale, theme, pal, at, beside)
    return Scene(width, scene_height, pal.background, items, targets=targets, plot=(left, top, side, extent))


def plane_heat(picture, theme: str, k: int = PLANE_FINER) -> str:
    """The heat map's pixels, k times finer a side than the grid: ŷ over the plane, or with three
    classes or more the class predicted."""
    if getattr(picture, "classes", 0):
        return class_heat_image(picture.layers[-1], theme, k)
    return plane_heat_image(np.asarray(picture.output), scale_for(picture.kind), theme, k)


def _plane_axes(left: float, top: float, side: float, extent: float, pal: Palette) -> list:
    """Ticks at −extent, 0, extent; the axis names between two ticks."""
    bottom = top + side
    items: list = []
    for v in (-extent, 0.0, extent):
        at = (v + extent) / (2 * extent) * side
        items += [Line(left + at, bottom, left + at, bottom + 5, pal.muted, 1), Text(left + at, bottom + 20, short(v, 1), FONT, pal.muted, "center", False),
                  Line(left - 5, bottom - at, left, bottom - at, pal.muted, 1), Text(left - 8, bottom - at, short(v, 1), FONT, pal.muted, "right", False)]
    return items + [Text(left + 0.75 * side, bottom + 20, "x₁", FONT, pal.ink, "center", True),
                    Text(left - 8, top + 0.25 * side, "x₂", FONT, pal.ink, "right", True)]


def _points(picture, scale: Scale, plot: tuple, theme: str) -> tuple[list, tuple]:
    """The data set's points (plain lists from numpy, a Circle each: 500 a frame), the picked one
    ringed and marked "x"; and their click targets."""
    pal, (left, top, side, extent) = palette(theme), plot
    bottom = top + side
    x = np.asarray(picture.x, dtype=float).reshape(-1, 2)
    px = np.round(left + (np.clip(x[:, 0], -extent, extent) + extent) / (2 * extent) * side, 1).tolist()
    py = np.round(top + (extent - np.clip(x[:, 1], -extent, extent)) / (2 * extent) * side, 1).tolist()
    if getattr(picture, "classes", 0):
        colours = [CLASS_COLOURS[int(c)] for c in np.asarray(picture.y).tolist()]
    else:
        shades = point_colours(theme)
        colours = [shades[level] for level in levels(picture.y, scale).tolist()]
    test = np.asarray(picture.test, dtype=bool).tolist()
    r = round(max(2.5, min(4.0, side / 80)), 1)
    items: list = [Circle(a, b, r, c, pal.background, 1) for a, b, c, t in zip(px, py, colours, test) if not t]
    items += [Circle(a, b, r, pal.background, c, 2) for a, b, c, t in zip(px, py, colours, test) if t]  # hollow: the heat map does not fill them
    if picture.picked is not None and 0 <= picture.picked < len(px):
        cx, cy = px[picture.picked], py[picture.picked]
        items.append(Circle(cx, cy, r + 5, None, pal.accent, 2.5))
        right = cx + r + 10 + text_box(0, 0, "x", FONT, "left", True).width <= left + side
        items += label(Text(cx + r + 10 if right else cx - r - 10, min(max(cy, top + 11), bottom - 11), "x", FONT, pal.ink,
                            "left" if right else "right", True), pal.label_bg)
    return items, tuple(PointTarget("point", i, a, b) for i, (a, b) in enumerate(zip(px, py)))


def _legend(scale: Scale, theme: str, pal: Palette, at: tuple, beside: bool) -> list:
    """The colour bar (its ends and middle written beside it) and the point keys: "training", "test"."""
    x, y, side = at
    items: list = []
    ramp = np.linspace(scale.low, scale.high, 64)
    values = [scale.low, scale.high] + ([scale.middle] if scale.middle not in (scale.low, scale.high) else [])
    key_r = 5
    span = (scale.high - scale.low) or 1.0
    if beside:
        h = max(60.0, min(140.0, side - 90))
        top = y + 24
        items += [Text(x, y + 8, "ŷ", FONT, pal.ink, "left", True),
                  Image(x, top, 16, h, 1, 64, heat_image(ramp[::-1, None], scale, theme), True),  # high at the top
                  Rect(x, top, 16, h, None, pal.muted, 0)]
        items += [Text(x + 22, round(top + h * (scale.high - v) / span, 1), short(v, 2), FONT, pal.muted, "left", False) for v in values]
        keys = [(x + key_r + 1, top + h + 26), (x + key_r + 1, top + h + 50)]
    else:
        w = min(side, 220.0)
        items += [Text(x - 8, y + 7, "ŷ", FONT, pal.ink, "right", True),
                  Image(x, y, w, 14, 64, 1, heat_image(ramp[None, :], scale, theme), True), Rect(x, y, w, 14, None, pal.muted, 0)]
        for v in values:
            align = "left" if v == scale.low else "right" if v == scale.high else "center"
            items.append(Text(round(x + w * (v - scale.low) / span, 1), y + 28, short(v, 2), FONT, pal.muted, align, False))
        keys = [(x + key_r + 1, y + 56), (x + key_r + 111, y + 56)]
    (tx, ty), (ux, uy) = keys
    return items + [Circle(tx, ty, key_r, pal.muted, pal.background, 1), Text(tx + 12, ty, "training", FONT, pal.ink, "left", False),
                    Circle(ux, uy, key_r, pal.background, pal.muted, 2), Text(ux + 12, uy, "test", FONT, pal.ink, "left", False)]


def _class_legend(k: int, pal: Palette, at: tuple, beside: bool) -> list:
    """One swatch a class ("class 0" …, its colour), then the point keys: a column beside the plot,
    rows of three below it."""
    x, y, _ = at
    r, items = 5, []
    spots = ([(x + r + 1, y + 8 + 22 * i) for i in range(k + 2)] if beside
             else [(x + r + 1 + 100 * (i % 3), y + 8 + 22 * (i // 3)) for i in range(k + 2)])
    for c, (cx, cy) in enumerate(spots[:k]):
        items += [Circle(cx, cy, r, CLASS_COLOURS[c], pal.background, 1), Text(cx + 12, cy, f"class {c}", FONT, pal.ink, "left", False)]
    (tx, ty), (ux, uy) = spots[k:]
    return items + [Circle(tx, ty, r, pal.muted, pal.background, 1), Text(tx + 12, ty, "training", FONT, pal.ink, "left", False),
                    Circle(ux, uy, r, pal.background, pal.muted, 2), Text(ux + 12, uy, "test", FONT, pal.ink, "left", False)]


class Curve(NamedTuple):
    """One line of a curve scene: y over x, non-finite points left out."""

    name: str  # its key above the plot ("training", "test"), "" for none
    x: np.ndarray
    y: np.ndarray
    colour: str
    dash: tuple = ()  # the curves differ in their pattern too, not by colour alone


TRAIN_DASH, TEST_DASH = (), (7, 4)
HEADER, CURVE_TOP, CURVE_BELOW = 12.0, 32.0, 26.0  # px: the line of the names and keys; above the plot, and below it (the x ticks)
KEY_ROW = 20.0  # px: a second row of keys, where they do not fit on one


def curve_scene(curves: list[Curve], width: float, theme: str, height: float, x_name: str,
                caption: str = "", empty: str = "", log: bool = False, y_name: str = "loss") -> Scene:
    """Curves of a quantity y ("loss") over x, both axes from 0 (y from its lowest decade on a
    log scale) to a round number, with readable ticks; their keys and a caption above the plot
    (on as many rows as the keys need: the plot starts below them)."""
    pal = palette(theme)
    items, rows = _header(curves, width, caption, pal, y_name)
    top = CURVE_TOP + KEY_ROW * (rows - 1)
    kept = [_finite(curve, log) for curve in curves]
    if not any(len(xs) >= 2 for xs, _ in kept):
        bottom = height - CURVE_BELOW
        return Scene(width, height, pal.background, items + [Text(width / 2, (top + bottom) / 2, empty, FONT, pal.muted, "center", False)])
    ys = np.concatenate([y for _, y in kept])
    y_ticks = log_ticks(ys.min(), ys.max()) if log else ticks(0.0, float(ys.max()), max(2, int((height - top - CURVE_BELOW) / 36)))
    y_steps = y_ticks if log else [y_ticks[1] - y_ticks[0]] * len(y_ticks)  # a log scale's ticks: each its own decimals
    left = 8 + max(text_width(tick_text(v, step), FONT) for v, step in zip(y_ticks, y_steps)) + 10
    plot = (left, top, width - 12.0, height - CURVE_BELOW)
    last = max(float(xs.max()) for xs, _ in kept if len(xs))
    x_ticks = [v for v in ticks(0.0, last, max(2, int((plot[2] - left) / 80))) if v < last] + [last]  # round numbers, then the end
    to_x = _axis(0.0, last, left, plot[2], False)
    to_y = _axis(y_ticks[0], y_ticks[-1], plot[3], plot[1], log)
    items += _curve_axes(plot, x_ticks, list(zip(y_ticks, y_steps)), to_x, to_y, x_name, pal)
    for curve, (xs, cys) in zip(curves, kept):
        keep = np.unique(np.linspace(0, len(xs) - 1, int(min(len(xs), max(plot[2] - left, 2)))).astype(int))  # at most a point a pixel across
        points = tuple(zip(np.round(to_x(xs[keep]), 1).tolist(), np.round(to_y(cys[keep]), 1).tolist()))
        if len(points) >= 2:
            items.append(Polyline(points, curve.colour, 2, curve.dash))
    return Scene(width, height, pal.background, items)


def _header(curves: list[Curve], width: float, caption: str, pal: Palette, y_name: str = "loss") -> tuple[list, int]:
    """Above the plot: the y axis's name, each named curve's key (a key that would pass the right
    edge starts a new row), and the caption at the right; and how many rows they took."""
    items: list = [Text(8, HEADER, y_name, FONT, pal.muted, "left", False)]
    x, y, start = 8 + text_width(y_name, FONT) + 16, HEADER, 8 + text_width(y_name, FONT) + 16
    for curve in curves:
        if curve.name:
            room = 26 + text_width(curve.name, FONT)
            if x + room > width - 8 and x > start:
                x, y = start, y + KEY_ROW
            items += [Line(x, y, x + 20, y, curve.colour, 2, curve.dash), Text(x + 26, y, curve.name, FONT, pal.ink, "left", False)]
            x += room + 16
    if caption:
        items.append(Text(width - 12, HEADER, caption, FONT, pal.ink, "right", False))
    return items, int(round((y - HEADER) / KEY_ROW)) + 1


def _finite(curve: Curve, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """The points of a curve that can be drawn: finite, and positive on a log scale."""
    xs, ys = np.asarray(curve.x, dtype=float), np.asarray(curve.y, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys) & ((ys > 0) if log else True)
    return xs[ok], (np.clip(ys[ok], 0.0, None) if not log else ys[ok])


def _axis(low: float, high: float, start: float, end: float, log: bool):
    """The pixel of a value on an axis from low (at start) to high (at end), on a log scale if asked."""
    if log:
        low, high = math.log10(low), math.log10(high)
    span = (high - low) or 1.0
    if log:
        return lambda v: start + (end - start) * (np.log10(v) - low) / span
    return lambda v: start + (end - start) * (np.asarray(v, dtype=float) - low) / span


def _curve_axes(plot: tuple, x_ticks: list, y_ticks: list, to_x, to_y, x_name: str, pal: Palette) -> list:
    """The axes, a tick and its value at each round number (y_ticks: (value, its step)); at the
    x axis's end, where the curves end now, its value and the axis's name ("120 updates"). An x
    tick's value that would meet another's is left out."""
    left, top, right, bottom = plot
    items: list = [Line(left, top, left, bottom, pal.muted, 1), Line(left, bottom, right, bottom, pal.muted, 1)]
    for v, step in y_ticks:
        y = round(float(to_y(v)), 1)
        items += [Line(left - 4, y, left, y, pal.muted, 1), Text(left - 6, y, tick_text(v, step), FONT, pal.muted, "right", False)]
    row = bottom + 15
    name = Text(right, row, x_name, FONT, pal.muted, "right", False)
    end = Text(round(box_of(name).left - PAD - 1, 1), row, short(x_ticks[-1], 0), FONT, pal.muted, "right", False)
    items += [Line(right, bottom, right, bottom + 4, pal.muted, 1), end, name]
    taken = [box_of(end), box_of(name)]
    step = x_ticks[1] - x_ticks[0] if len(x_ticks) > 2 else 1.0
    for v in x_ticks[:-1]:
        x = round(float(to_x(v)), 1)
        text = Text(x, row, tick_text(v, step), FONT, pal.muted, "left" if v == 0 else "center", False)
        if not any(overlaps(box_of(text), other) for other in taken):
            items += [Line(x, bottom, x, bottom + 4, pal.muted, 1), text]
            taken.append(box_of(text))
    return items


def ticks(low: float, high: float, count: int) -> list[float]:
    """Round numbers from low up to the first at or past high, about `count` steps: steps of 1,
    2, 2.5 or 5 times a power of ten."""
    span = (high - low) or abs(high) or 1.0
    raw = span / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))
    first, n = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(i * step, 12) for i in range(first, max(n, first + 1) + 1)]


def log_ticks(low: float, high: float) -> list[float]:
    """The powers of ten from the one at or below low to the one at or above high (two at least)."""
    a, b = math.floor(math.log10(low)), math.ceil(math.log10(high))
    return [10.0 ** e for e in range(a, max(b, a + 1) + 1)]


def tick_text(value: float, step: float) -> str:
    """A tick's value with the decimals its step needs: '0', '0.5', '2.5', '0.001'."""
    decimals = next((d for d in range(7) if abs(round(step, d) - step) <= 1e-9 * abs(step)), 6)
    return short(value, decimals)


def loss_scene(losses, width: float, theme: str = "light", log: bool = False) -> Scene:
    """The loss after each forward pass of the one example's training (Train in the lesson's view)."""
    y = np.array([float(v) for v in losses], dtype=float)
    last = [v for v in y if np.isfinite(v)]
    caption = f"step {len(y)}: loss {number(last[-1])}" if len(last) >= 2 else ""
    return curve_scene([Curve("", np.arange(1, len(y) + 1), y, palette(theme).neg)], width, theme, 150.0, "steps", caption,
                       "Train to see the loss fall", log)


def data_loss_scene(history, width: float, theme: str = "light", height: float = 160, log: bool = False) -> Scene:
    """Training and test loss over the updates, from rows (update, training loss, test loss)."""
    pal = palette(theme)
    rows = np.array([tuple(row)[:3] for row in history], dtype=float).reshape(-1, 3)
    curves = [Curve("training", rows[:, 0], rows[:, 1], pal.ink, TRAIN_DASH), Curve("test", rows[:, 0], rows[:, 2], pal.accent, TEST_DASH)]
    return curve_scene(curves, width, theme, height, "updates", "", "Train to see the losses fall", log)


FLOW_DASHES = ((), (7, 4), (2, 3), (9, 3, 2, 3), (4, 4))  # each layer's line its own pattern, not only its colour


def flow_scene(updates, sizes, width: float, theme: str = "light", height: float = 170) -> Scene:
    """Each layer's gradient size ‖∂J/∂W[l]‖ over the updates, on a log scale (sizes: one list per
    layer l = 1..L): a layer far below the output layer's is a gradient that vanishes on its way down."""
    pal = palette(theme)
    colours = (pal.muted, pal.neg, pal.accent, pal.pos, pal.ink)
    x, L = np.array(updates, dtype=float), len(sizes)
    curves = [Curve("output" if l == L else f"layer {l}", x, np.array(size, dtype=float), colours[(L - l) % 5], FLOW_DASHES[(L - l) % 5])
              for l, size in enumerate(sizes, start=1)]
    return curve_scene(curves, width, theme, height + KEY_ROW, "updates", "", "Train to see each layer's gradient", log=True, y_name="‖∂J/∂W‖")
