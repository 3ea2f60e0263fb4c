"""What the page's canvases show, and when each must be drawn again: pure, so the painter only
sends what this says to paint.js.

The network drawing (with each neuron's small map on a data set), the plane with its points,
the data set's loss curves, the one example's loss plot, and what a click or a key on a
drawing picks. While training only the plane's heat map changes from frame to frame: its axes,
points and legend are sent once per data set, pick, width and scheme, and paint.js keeps them.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np


from . import toolwords
from .scene import PLANE_FINER, LabelMemory, View, data_loss_scene, flow_scene, hit, hit_point, loss_scene, nearby_point, network_scene, plane_scene
from .scene.plots import plane_heat

PLANE_GRID = 50  # cells per side of the output's map over the input plane
MAP_STEP = 2  # the neurons' small maps: every 2nd cell of it, 25 × 25
ARROWS = {"ArrowRight": (1, 0), "ArrowLeft": (-1, 0), "ArrowUp": (0, -1), "ArrowDown": (0, 1)}


def to_json(data) -> str:
    """JSON that JavaScript can parse: JSON has no NaN or ∞, so those (never in a committed
    state, but a bug must not make the page unreadable) become the strings "NaN", "Infinity"."""
    try:
        return json.dumps(data, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(_finite(data), separators=(",", ":"), allow_nan=False)


def _finite(data):
    if isinstance(data, float) and not math.isfinite(data):
        return "NaN" if math.isnan(data) else "Infinity" if data > 0 else "-Infinity"
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(value) for value in data]
    return data


class Canvases:
    """The scenes drawn last (for clicks on them) and what each canvas was drawn for."""

    def __init__(self):
        self.labels = LabelMemory()  # the label placement, reused by the frames of a transition
        self.network_scene = self.plane_scene = None
        self.painted: dict = {}  # "picture", "plane" (its key, count), "curve", "notes"
        self._maps = None  # (picture, its coarser grids for the neurons' maps)

    def forget(self) -> None:
        """A new size or colour scheme: everything is drawn again."""
        self.painted = {key: value for key, value in self.painted.items() if key == "plane-count"}

    def picture(self, ctl):
        return ctl.data_picture(PLANE_GRID)

    def network(self, ctl, view: View):
        """The network drawing for the moment now; its neurons' maps sample every MAP_STEP-th cell
        of the plane's grid (a map is 30-50 px wide: the full grid would send 16 times the pixels)."""
        picture = self.picture(ctl)
        if picture is not None and (self._maps is None or self._maps[0] is not picture):
            self._maps = (picture, picture._replace(layers=tuple(layer[:, ::MAP_STEP, ::MAP_STEP] for layer in picture.layers)))
        if ctl.dataset is not None:  # the weights as they change, and the neurons that pass no gradient on the training points
            flags = tuple((f.layer, f.neuron - 1, f.kind) for f in ctl.flags())
            view = replace(view, weights=ctl.sim.phase == "ready", flags=flags)
        self.network_scene = network_scene(ctl.sim.now, view, self.labels, picture=self._maps[1] if picture is not None else None)
        return self.network_scene

    def notes(self, scene) -> tuple[str, str] | None:
        """The note under the drawing and the legend's arrow, when they change (not every frame of a transition)."""
        said = (toolwords.hidden_labels_note(scene.hidden_labels, scene.unlabelled), toolwords.flow_legend(scene.vertical))
        if said == self.painted.get("notes"):
            return None
        self.painted["notes"] = said
        return said

    def plane(self, ctl, room: float, theme: str):
        """(heat map items, the rest's items or None when paint.js still holds them, their count, scene)
        for a new picture, or None when the plane shows this picture already."""
        picture, fine = self.picture(ctl), not ctl.training
        if picture is None or (picture is self.painted.get("picture") and fine == self.painted.get("fine")):
            return None  # a picture already shown (the finer map once training stops)
        self.painted["picture"], self.painted["fine"] = picture, fine
        width = max(200.0, min(440.0, room))
        key = (ctl.dataset, picture.picked, picture.features, width, theme)
        drawn_for = self.painted.get("plane")
        if drawn_for is None or any(a is not b and a != b for a, b in zip(key, drawn_for)):
            self.plane_scene = plane_scene(picture, width, theme)
            self.painted["plane"], self.painted["plane-count"] = key, self.painted.get("plane-count", 0) + 1
            return to_json(self.plane_scene.items[:1]), to_json(self.plane_scene.items[1:]), self.painted["plane-count"], self.plane_scene
        # while training, a new picture every frame: the grid's own cells, 9 times fewer pixels to
        # make and paint than the finer map a still picture gets (a staircase nobody sees moving)
        grid, k = np.asarray(picture.output), PLANE_FINER if fine else 1
        heat = self.plane_scene.items[0]._replace(cols=grid.shape[-1] * k, rows=grid.shape[-2] * k, pixels=plane_heat(picture, theme, k))
        return to_json([heat]), None, self.painted["plane-count"], self.plane_scene

    def curves(self, ctl, room: float, theme: str) -> list:
        """(canvas id, scene) of the data set's plots that changed: the training and test loss over the
        updates, and each layer's gradient (on a log scale)."""
        drawn, width, state = [], max(200.0, room), ctl.diagnosis_state()
        for canvas, key, scene in (("data-loss", ctl.curve(), lambda: data_loss_scene(ctl.curve(), width, theme)),
                                   ("flow-plot", state["flow_updates"], lambda: flow_scene(state["flow_updates"], state["gradient_flow"], width, theme))):
            if self.painted.get(canvas) != (key, room, theme):
                self.painted[canvas] = (key, room, theme)
                drawn.append((canvas, scene()))
        return drawn

    @staticmethod
    def loss(ctl, width: float, theme: str):
        """The one example's loss after each forward pass, and its line of words."""
        losses = list(ctl.sim.now.losses[-500:])
        return loss_scene(losses, max(200.0, width), theme), toolwords.loss_line(losses)

    def click(self, which: str, rect_left: float, rect_top: float, rect_width: float, x: float, y: float):
        """What a click at window coordinates (x, y) picks on a canvas shown at rect: a weight or a
        neuron of the network ("network"), a point of the plane ("plane")."""
        scene, find = (self.network_scene, hit) if which == "network" else (self.plane_scene, hit_point)
        if scene is None:
            return None
        scale = scene.width / rect_width if rect_width else 1.0  # the compact view draws it smaller
        return find(scene, (x - rect_left) * scale, (y - rect_top) * scale)

    def plane_at(self, rect_width: float, x: float, y: float) -> tuple[float, float] | None:
        """The point (x₁, x₂) of the plane under a click at (x, y) on the plot as shown, to 0.01 (what a
        link holds exactly); None off the plot."""
        if self.plane_scene is None or self.plane_scene.plot is None:
            return None
        left, top, side, extent = self.plane_scene.plot
        scale = self.plane_scene.width / rect_width if rect_width else 1.0
        u, v = (x * scale - left) / side, (y * scale - top) / side
        if not (0 <= u <= 1 and 0 <= v <= 1):
            return None
        return round(-extent + 2 * extent * u, 2), round(extent - 2 * extent * v, 2)

    def key_pick(self, ctl, key: str) -> int | None:
        """The point an arrow key on the focused plot picks (Home: the one nearest the centre), or None
        (also for a key that is not the plot's: then it is the page's)."""
        if (key not in ARROWS and key != "Home") or self.plane_scene is None or ctl.dataset is None:
            return None
        return nearby_point(self.plane_scene, None if key == "Home" else ctl.picked, *ARROWS.get(key, (0, 0)))
