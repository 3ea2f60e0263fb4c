"""What a click or a key can select in a drawing: the scene's click targets and their look-ups.

Targets count neurons and connections from 0 as the arrays do (l is the layer, from 1 for a
weight layer); hit() answers in the lesson's numbering, j and k from 1.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .primitives import Scene


class NeuronTarget(NamedTuple):
    kind: str  # "neuron"
    l: int
    j: int
    x: float  # the circle's centre and radius
    y: float
    r: float


class WeightTarget(NamedTuple):
    kind: str  # "weight": the connection carrying W[l][j, k], from neuron k of layer l − 1 to neuron j of layer l
    l: int
    j: int
    k: int
    x1: float  # the line between the two circles' edges
    y1: float
    x2: float
    y2: float


class PointTarget(NamedTuple):
    kind: str  # "point": a data set's point on the plane
    index: int  # into Picture.x
    x: float
    y: float


NEURON_SLACK = 3.0  # px past a neuron's circle that still selects it
LINE_REACH = 7.0  # px: how near a connection's line a click must land
POINT_REACH = 12.0  # px from a point's centre: a 24 px target, the least WCAG 2.5.8 asks of a pointer target


def hit(scene: Scene, x: float, y: float) -> tuple | None:
    """The neuron or connection under a click, in the lesson's numbering (l, j, k from 1)."""
    for t in scene.targets:
        if t.kind == "neuron" and math.hypot(x - t.x, y - t.y) <= t.r + NEURON_SLACK:
            return ("neuron", t.l, t.j + 1)
    best, best_d = None, LINE_REACH
    for t in scene.targets:
        if t.kind != "weight":
            continue
        dx, dy = t.x2 - t.x1, t.y2 - t.y1
        u = max(0.0, min(1.0, ((x - t.x1) * dx + (y - t.y1) * dy) / (dx * dx + dy * dy or 1)))
        d = math.hypot(x - (t.x1 + u * dx), y - (t.y1 + u * dy))
        if d < best_d:
            best, best_d = ("weight", t.l, t.j + 1, t.k + 1), d
    return best


def _points(scene: Scene) -> np.ndarray:
    """(n, 2): the pixel centres of a plane scene's points, by index."""
    return np.array([(t.x, t.y) for t in scene.targets if t.kind == "point"], dtype=float).reshape(-1, 2)


def hit_point(scene: Scene, x: float, y: float, within: float = POINT_REACH) -> int | None:
    """The index of the point nearest a click, if it is at most `within` px away: a click
    beside a point snaps to it."""
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
