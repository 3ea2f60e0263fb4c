"""The data view's plots (issue 16): what the network outputs over the input plane with the
data set's points on it, and the losses over the steps or the updates."""

from __future__ import annotations

import numpy as np

from ..formatting import number
from .heat import Scale, heat_image, levels, point_colours, scale_for
from .labels import label, text_box
from .primitives import FONT, Circle, Image, Line, Palette, Polyline, Rect, Scene, Text, palette
from .targets import PointTarget


def short(value: float, digits: int = 2) -> str:
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
    items: list = [Image(left, top, side, side, output.shape[1], output.shape[0], heat_image(output, scale, theme), True),
                   Rect(left, top, side, side, None, pal.muted, 0)]
    items += _plane_axes(left, top, side, extent, pal)
    points, targets = _points(picture, scale, (left, top, side, extent), theme)
    items += points
    items += _legend(scale, theme, pal, (left + side + 20, top, side) if beside else (left, bottom + PLOT_BOTTOM + 4, side), beside)
    return Scene(width, scene_height, pal.background, items, targets=targets, plot=(left, top, side, extent))


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
    shades = point_colours(theme)
    colours = [shades[level] for level in levels(picture.y, scale).tolist()]
    test = np.asarray(picture.test, dtype=bool).tolist()
    r = round(max(2.5, min(4.0, side / 80)), 1)
    items: list = [Circle(a, b, r, c, pal.background, 1) for a, b, c, t in zip(px, py, colours, test) if not t]
    items += [Circle(a, b, r, pal.background, c, 2) for a, b, c, t in zip(px, py, colours, test) if t]  # hollow: the heat map does not fill them
    if picture.picked is not None and 0 <= picture.picked < len(px):
        cx, cy = px[picture.picked], py[picture.picked]
        items.append(Circle(cx, cy, r + 5, None, pal.accent, 2.5))
        right = cx + r + 10 + text_box(0, 0, "x", FONT, "left").right <= left + side
        items += label(cx + r + 10 if right else cx - r - 10, min(max(cy, top + 11), bottom - 11), "x", FONT, pal.ink,
                       "left" if right else "right", True, pal.label_bg)
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
        items += [Text(x + 22, round(top + h * (scale.high - v) / span, 1), short(v), FONT, pal.muted, "left", False) for v in values]
        keys = [(x + key_r + 1, top + h + 26), (x + key_r + 1, top + h + 50)]
    else:
        w = min(side, 220.0)
        items += [Text(x - 8, y + 7, "ŷ", FONT, pal.ink, "right", True),
                  Image(x, y, w, 14, 64, 1, heat_image(ramp[None, :], scale, theme), True), Rect(x, y, w, 14, None, pal.muted, 0)]
        for v in values:
            align = "left" if v == scale.low else "right" if v == scale.high else "center"
            items.append(Text(round(x + w * (v - scale.low) / span, 1), y + 28, short(v), FONT, pal.muted, align, False))
        keys = [(x + key_r + 1, y + 56), (x + key_r + 111, y + 56)]
    (tx, ty), (ux, uy) = keys
    return items + [Circle(tx, ty, key_r, pal.muted, pal.background, 1), Text(tx + 12, ty, "training", FONT, pal.ink, "left", False),
                    Circle(ux, uy, key_r, pal.background, pal.muted, 2), Text(ux + 12, uy, "test", FONT, pal.ink, "left", False)]


def loss_scene(losses, width: float, theme: str = "light") -> Scene:
    """Loss per training step: the same display list as the network, on a small canvas."""
    pal = palette(theme)
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


TRAIN_DASH, TEST_DASH = (), (7, 4)  # the loss curves differ in their pattern too, not by colour alone


def data_loss_scene(history, width: float, theme: str = "light", height: float = 160) -> Scene:
    """Training and test loss over the updates: two lines (solid, dashed), y from 0, and their keys."""
    pal = palette(theme)
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
    items += [Text(left - 6, top, short(peak, 3), FONT, pal.muted, "right", False),
              Text(left - 6, bottom, "0", FONT, pal.muted, "right", False),
              Text(left, bottom + 15, short(first, 0), FONT, pal.muted, "left", False),
              Text(right, bottom + 15, short(last, 0), FONT, pal.muted, "right", False),
              Text((left + right) / 2, bottom + 15, "updates", FONT, pal.muted, "center", False)]
    return Scene(width, height, pal.background, items)
