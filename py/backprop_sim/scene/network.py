"""The network as a display list: a pure function of the simulation's moment and the view.

Neurons are circles with their activation a written inside, δ above and the bias b (or,
once computed, ∂L/∂b) below; connections are lines labelled with their weight W and, once
computed, the gradient ∂L/∂W, whose arrow points the way the gradient flows: backward.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..engine import Moment
from ..explain import dead_neurons
from ..network import Selection
from ..formatting import DIGITS, number, parameter, symbol
from .labels import RISE, Box, Label, LabelMemory, along_boxes, fitted, label, overlaps, place_labels, raised, short, text_box
from .layout import layout
from .maps import feature_names, fits, map_items, map_plan
from .primitives import FONT, Circle, Line, Rect, Scene, Text, arrows, ease, palette, sign_colour
from .targets import NeuronTarget, WeightTarget

DEAD_DASH = (4, 4)  # the outline of a dead ReLU neuron
# a gradient's arrow: from ARROW_FROM of the way along its connection (from the earlier layer),
# ARROW_SPAN toward the earlier layer, ARROW_SIDE px beside the line; in the narrow drawing's
# shorter connections it keeps clear of the δ written above each neuron
ARROW_FROM, ARROW_SPAN, ARROW_SIDE = 0.78, 0.5, 6
ARROW_FROM_VERTICAL, ARROW_SPAN_VERTICAL = 0.66, 0.32
LABEL_AREA = 2 * 90 * 22  # px²: a connection's two labels (w and ∂), each about 90 × 22 px

# where a connection's labels may go: fractions t along it and distances d beside it, best first
GRADIENT_SPOTS = [(t, d) for d in (22, -16, 34, -28, 46, -40, 58, -52) for t in (0.5, 0.6, 0.4, 0.7, 0.32, 0.82, 0.9)]
WEIGHT_ON_LINE = (0.2, 0.14, 0.86)  # on the line, before the gradient's arrow reaches it
WEIGHT_SPOTS = [(t, d) for d in (-14, 14, -24, 24, -36, 36) for t in (0.2, 0.45, 0.55, 0.35, 0.65, 0.25, 0.75, 0.12, 0.88)]


@dataclass(frozen=True)
class View:
    width: float
    theme: str = "light"
    progress: float = 1.0  # 0 → 1 through the transition into this moment (eased by the scene)
    digits: int = DIGITS
    selected: Selection | None = None
    chain: Selection | None = None  # the weight whose chain rule the panel shows: its path is highlighted
    weights: bool = False  # each connection drawn by its weight (width |w|, colour its sign), as while training on a data set
    flags: tuple = ()  # ((l, j, kind), …), j from 0: hidden neurons that pass no gradient on the training points ("dead", "saturated")


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


def layer_name(l: int, L: int, hidden_count: int, short: bool = False) -> str:
    """'Input x = a^[0]', 'Hidden 2 a^[2]', 'Output ŷ = a^[3]' (short: 'x = a^[0]', 'a^[2]', 'ŷ = a^[3]'):
    the symbol last, so that it can be raised."""
    if l == 0:
        return f"{'' if short else 'Input '}x = {symbol('a', 0)}"
    if l == L:
        return f"{'' if short else 'Output '}ŷ = {symbol('a', L)}"
    if short:
        return symbol("a", l)
    return f"Hidden {symbol('a', l)}" if hidden_count == 1 else f"Hidden {l} {symbol('a', l)}"


def value_room(r: float) -> float:
    """px across a neuron's circle for its value: the chord at the digits' top and bottom (5 px
    from the middle at 14 px), less 1 px each side."""
    return 2 * math.sqrt(max(r * r - 25.0, 0.0)) - 2


def crowded(connections: int, gap: float, height: float) -> bool:
    """Whether two layers' connections are too many for their labels: together they would
    cover more than a quarter of the band between the layers (the neurons' labels, the arrows
    and the crossings need the rest; measured on the presets at 560–1600 px). Then only the
    selected connection is labelled, by the rule the page states."""
    return connections * LABEL_AREA > 0.25 * gap * height


def network_scene(moment: Moment, view: View, memory: LabelMemory | None = None, picture=None) -> Scene:
    """The network drawn for the moment; with a datasets.Picture of this network, each input and
    hidden neuron also shows a small map of what it computes over the plane (maps.map_plan)."""
    drawing = _Drawing(moment, view, picture if picture is not None and fits(picture, moment.net.layers) else None)
    drawing.band()
    drawing.maps()
    drawing.connections()
    drawing.neurons()
    drawing.layer_names()
    hidden = place_labels(drawing.items, drawing.labels, drawing.blocked, view.width, drawing.height, drawing.pal, memory, drawing.band_rect,
                          drawing.arrows_for_picked)
    # the gradients' arrows last, above every label: the backward flow is never covered
    for shaft, head in arrows(drawing.arrow_specs):
        drawing.items.extend((shaft, head))
    return Scene(view.width, drawing.height, drawing.pal.background, drawing.items, hidden, tuple(drawing.targets),
                 drawing.vertical, drawing.unlabelled)


class _Drawing:
    """One network_scene call in progress: the geometry, and the lists it fills in drawing order."""

    def __init__(self, moment: Moment, view: View, picture):
        self.moment, self.view, self.picture = moment, view, picture
        self.net, self.fp, self.pal = moment.net, moment.forward, palette(view.theme)
        self.L, self.digits = self.net.L, view.digits
        self.height, self.r, self.vertical, self.centres = layout(self.net.layers, view.width)
        self.plan = None
        if picture is not None:
            names = feature_names(picture)
            lead = map_plan(self.net.layers, view.width, names, self.r, self.centres, self.vertical).lead
            self.height, self.r, self.vertical, self.centres = layout(self.net.layers, view.width, lead)
            self.plan = map_plan(self.net.layers, view.width, names, self.r, self.centres, self.vertical)._replace(lead=lead)
        self.by_layer = moment.by_layer
        steps = moment.steps
        self.latest = steps[-1].layer if steps else (self.L if self.fp is not None else None)
        self.dead = set(dead_neurons(self.net, self.fp)) if self.fp is not None else set()
        self.flagged = {(l, j): kind for l, j, kind in view.flags}  # on the training points: marked like a dead neuron
        self.items: list = []
        self.targets: list = []
        self.labels: list[Label] = []  # placed after the shapes, without overlaps
        self.blocked: list = []  # boxes no label may cover: the neurons, the maps, the arrows' ends, the names
        self.arrows_for_picked: list = []  # where only one connection is labelled (the picked one): its labels avoid the arrows
        self.arrow_specs: list[tuple] = []
        self.unlabelled = 0  # connection labels left out by the stated rule (toolwords.hidden_labels_note)
        self.band_rect: Rect | None = None

    def fresh(self, l: int) -> float:
        """How far what the latest action added to layer l has faded in or grown."""
        view, moment = self.view, self.moment
        if moment.steps:
            return ease(view.progress) if l == self.latest else 1.0
        if self.fp is not None:  # the forward pass appears layer by layer
            return ease(view.progress * self.L - (l - 1))
        return 1.0

    def band(self) -> None:
        """The layer being computed, highlighted: the backward step's layer, or during the forward
        pass's transition the layer appearing; a finished forward pass computes nothing more."""
        if self.moment.steps:
            computing = self.latest
        elif self.fp is not None and self.view.progress < 1:
            computing = min(self.L, 1 + int(max(self.view.progress, 0.0) * self.L))
        else:
            return
        xs, ys, r = [c[0] for c in self.centres[computing]], [c[1] for c in self.centres[computing]], self.r
        if self.vertical:
            self.band_rect = Rect(4, ys[0] - r - 30, self.view.width - 8, 2 * r + 58, self.pal.band, None, 10)
        else:
            self.band_rect = Rect(xs[0] - r - 14, min(ys) - r - 30, 2 * r + 28, max(ys) - min(ys) + 2 * r + 58, self.pal.band, None, 10)
        self.items.append(self.band_rect)

    def maps(self) -> None:
        """Under the connections: a line crossing a map stays whole."""
        if self.plan is not None:
            items, boxes = map_items(self.picture, self.plan, self.centres, self.r, self.vertical, self.pal, self.view.theme)
            self.items.extend(items)
            self.blocked.extend(boxes)

    def connections(self) -> None:
        """Every connection, its weight and (once computed) its gradient's arrow and value."""
        moment, net = self.moment, self.net
        # the widest arrow is the largest gradient; a non-finite one (never in a committed moment) counts as widest
        self.max_dW = max((float(np.max(np.abs(s.dW.result.value), initial=0.0, where=np.isfinite(s.dW.result.value)))
                           for s in moment.steps if moment.has_gradients(s.layer)), default=0.0) or 1.0
        self.path = chain_path(net.layers, self.view.chain)
        self.max_w = max(float(np.max(np.abs(net.W[l]))) for l in range(1, self.L + 1)) or 1.0
        for l in range(1, self.L + 1):
            # the band between two layers: across the drawing, or down it when the layers are rows (a phone)
            axis = 1 if self.vertical else 0
            gap = abs(self.centres[l][0][axis] - self.centres[l - 1][0][axis]) or self.view.width
            is_crowded = crowded(net.layers[l] * net.layers[l - 1], gap, self.view.width if self.vertical else self.height)
            # plain floats: indexing a numpy array element by element costs more than the drawing
            weights = net.W[l].tolist()
            grads = self.by_layer[l].dW.result.value.tolist() if moment.has_gradients(l) else None
            f = self.fresh(l)
            for j, end in enumerate(self.centres[l]):
                for k, start in enumerate(self.centres[l - 1]):
                    self.connection(l, j, k, start, end, weights[j][k], grads[j][k] if grads is not None else None, is_crowded, f)

    def connection(self, l: int, j: int, k: int, start, end, w: float, g: float | None, is_crowded: bool, f: float) -> None:
        """One connection from neuron k of layer l − 1 to neuron j of layer l; f: how far its gradient has grown in."""
        (xk, yk), (xj, yj), r, pal, chosen = start, end, self.r, self.pal, self.view.selected
        length = math.hypot(xj - xk, yj - yk)
        ux, uy = (xj - xk) / length, (yj - yk) / length
        x1, y1, x2, y2 = xk + ux * r, yk + uy * r, xj - ux * r, yj - uy * r
        self.targets.append(WeightTarget("weight", l, j, k, x1, y1, x2, y2))
        selected = chosen is not None and chosen.kind == "weight" and (chosen.l, chosen.j, chosen.k) == (l, j, k)
        # whole-pixel ends: the drawing looks the same and the display list is half as long to send
        ends = (int(x1), int(y1), int(x2), int(y2))
        if selected:
            self.items.append(Line(*ends, pal.accent, 5))
        elif (l, j, k) in self.path:  # the chain rule's path, in the colour of its weights in the panel
            self.items.append(Line(*ends, pal.accent, 3))
        emphasis = l == self.latest
        if self.view.weights and not emphasis:  # the weights as they change: as thick as |w|, in its sign's colour
            self.items.append(Line(*ends, sign_colour(pal, w, self.digits), round(0.6 + 4.4 * min(1.0, abs(w) / self.max_w), 1)))
        else:
            self.items.append(Line(*ends, pal.ink if emphasis else pal.line, 1.6 if emphasis else 1.0))

        def beside(t: float, d: float) -> tuple:
            """t of the way along, d px off the line: on the gradient's side (+) or the other (−)."""
            return (x1 + (x2 - x1) * t - uy * d, y1 + (y2 - y1) * t + ux * d, "center")

        labelled = not (self.vertical or is_crowded) or selected
        if g is not None:
            self.gradient(g, f, beside, is_crowded, labelled, picked_layer=chosen is not None and chosen.kind == "weight" and chosen.l == l)
        if not labelled:
            self.unlabelled += 1
            return
        spots = [(x1 + (x2 - x1) * t, y1 + (y2 - y1) * t, "center") for t in WEIGHT_ON_LINE] + [beside(t, d) for t, d in WEIGHT_SPOTS]
        self.labels.append(Label(3, spots, f"W {parameter(w)}", pal.muted, 1.0, False))

    def gradient(self, g: float, f: float, beside, is_crowded: bool, labelled: bool, picked_layer: bool = False) -> None:
        """∂L/∂W's arrow, flowing backward from neuron j toward neuron k beside the line, and its value."""
        arrow_from, arrow_span = (ARROW_FROM_VERTICAL, ARROW_SPAN_VERTICAL) if self.vertical else (ARROW_FROM, ARROW_SPAN)
        colour = sign_colour(self.pal, g, self.digits)
        sx, sy, _ = beside(arrow_from, ARROW_SIDE)
        ex, ey, _ = beside(arrow_from - arrow_span * f, ARROW_SIDE)
        width = 1.5 + 4.5 * (min(1.0, abs(g) / self.max_dW) if math.isfinite(g) else 1.0)
        self.arrow_specs.append((int(sx), int(sy), int(ex), int(ey), colour, round(width, 1)))
        covered = along_boxes((sx, sy), beside(arrow_from - arrow_span, ARROW_SIDE)[:2], width / 2 + 2)
        if not is_crowded:  # no label may cover the arrow where it ends, whatever frame of its growth
            self.blocked.extend(covered)
        elif picked_layer:  # the picked connection's labels among many arrows (a phone, a large network)
            self.arrows_for_picked.extend(covered)
        if not labelled:
            self.unlabelled += 1
            return
        spots = [beside(t, d) for t, d in GRADIENT_SPOTS]
        self.labels.append(Label(2, spots, f"∂ {number(g, self.digits, sign=True)}", colour, f, False))

    def neurons(self) -> None:
        """Each neuron, its value, δ above and the bias (or its gradient) below."""
        pal, r = self.pal, self.r
        for l, column in enumerate(self.centres):
            fill = pal.input if l == 0 else pal.output if l == self.L else pal.neuron
            for j, (x, y) in enumerate(column):
                is_dead = (l, j) in self.dead or (l, j) in self.flagged
                if l > 0:
                    self.targets.append(NeuronTarget("neuron", l, j, x, y, r))
                if self.view.selected == Selection("neuron", l, j):
                    self.items.append(Circle(x, y, r + 5, None, pal.accent, 4))
                self.items.append(Circle(x, y, r, fill, pal.muted if is_dead else pal.ink, 1.5, DEAD_DASH if is_dead else ()))
                self.blocked.append(Box(x - r, y - r, x + r, y + r))
                side = self.value(l, j, x, y)
                if l > 0:
                    self.neuron_labels(l, j, x, y, side, is_dead)

    def value(self, l: int, j: int, x: float, y: float) -> float:
        """a written in the neuron, as many decimals as fit its circle (x as set, at the inputs);
        returns how far from the centre a label beside the neuron starts: past its circle, and
        past its value if even its shortest form is wider."""
        room = value_room(self.r)
        if l == 0:
            v = float(self.moment.x[j, 0])
            value = fitted(lambda d: short(v, d), room, self.digits)
        elif self.fp is not None and self.fresh(l) > 0.5:
            v = float(self.fp.a[l][j, 0])
            value = fitted(lambda d: number(v, d), room, self.digits)
        else:
            value = "—"
        self.items.append(Text(x, y, value, FONT, self.pal.ink, "center", False))
        box = text_box(x, y, value, FONT, "center")
        if box[0] < x - self.r:  # a value wider than its circle (small circles): no label covers it
            self.blocked.append(box)
        return max(self.r, x - box[0]) + 4

    def neuron_labels(self, l: int, j: int, x: float, y: float, side: float, is_dead: bool) -> None:
        """δ above the neuron, b or ∂L/∂b below it: centred, else flush with the circle's edge (near
        the drawing's sides), else beside it; last, further out in the rows between neurons (where
        a hidden neuron's map takes the place beside it)."""
        r, pal = self.r, self.pal
        above = [(x, y - r - 13, "center"), (x - r, y - r - 13, "left"), (x + r, y - r - 13, "right"),
                 (x + side, y - 10, "left"), (x - side, y - 10, "right"), (x + side, y - r - 13, "left"), (x - side, y - r - 13, "right")]
        below = [(x, y + r + 12, "center"), (x - r, y + r + 12, "left"), (x + r, y + r + 12, "right"),
                 (x + side, y + 10, "left"), (x - side, y + 10, "right"), (x + r, y + r + 30, "right"), (x - r, y + r + 30, "left"),
                 (x + side, y + r + 12, "left"), (x - side, y + r + 12, "right")]
        if l in self.by_layer:
            d = float(self.by_layer[l].delta.result.value[j, 0])
            colour, f = sign_colour(pal, d, self.digits), self.fresh(l)
            self.labels.append(Label(0, above, f"δ {number(d, self.digits, sign=True)}", colour, f, True))
        else:
            self.labels.append(Label(0, above, "δ —", pal.muted, 1.0, False))
        if self.moment.has_gradients(l):  # ∂L/∂b = δ; in finer steps only after δ's own step
            self.labels.append(Label(1, below, f"∂b {number(d, self.digits, sign=True)}", colour, f, False))
        else:
            self.labels.append(Label(1, below, f"b {parameter(float(self.net.b[l][j, 0]))}", pal.muted, 1.0, False))
        if is_dead:
            word = "dead" if (l, j) in self.dead else self.flagged[(l, j)]
            self.labels.append(Label(1, [(x + side, y, "left"), (x - side, y, "right"), (x, y + r + 30, "center")], word, pal.ink, 1.0, True))

    def layer_names(self) -> None:
        """Above each row, or along the bottom: on a second row where a name would meet another, and
        shortened to the symbols ("a^[1]") where two rows cannot hold them; a^[l] raised."""
        r, pal = self.r, self.pal
        if self.vertical:
            for l, column in enumerate(self.centres):
                name, sup = raised(layer_name(l, self.L, self.L - 1))
                y = column[0][1] - r - (13 + (self.plan.lead if self.plan else 0) if l == 0 else 36)
                self.items.extend(label(Text(8, y, name, FONT, pal.ink, "left", l == self.latest, sup, RISE), pal.label_bg))
                self.blocked.append(text_box(8, y, name, FONT, "left", True, sup, RISE))
            return
        names = self.bottom_names(False) or self.bottom_names(True, fallback=True)
        for l, (text, box) in enumerate(names):
            self.items.append(text._replace(bold=l == self.latest))
            self.blocked.append(box)

    def bottom_names(self, short: bool, fallback: bool = False) -> list | None:
        """Each layer's name under its column and its box (as if bold, as the latest layer's is: a
        name keeps its row from frame to frame), on the bottom row or the one above it; None if a
        name meets another on both rows (unless `fallback`: then on the row above anyway)."""
        placed: list = []
        for l, column in enumerate(self.centres):
            name, sup = raised(layer_name(l, self.L, self.L - 1, short))
            align = "left" if l == 0 else "right" if l == self.L else "center"
            x = column[0][0] - self.r if l == 0 else column[0][0] + self.r if l == self.L else column[0][0]
            rows = [text_box(x, y, name, FONT, align, True, sup, RISE) for y in (self.height - 16, self.height - 16 - 21 - RISE)]
            box = next((b for b in rows if not any(overlaps(b, other) for _, other in placed)), None)
            if box is None and not fallback:
                return None
            box = box or rows[1]
            placed.append((Text(x, box.bottom - FONT * 0.7, name, FONT, self.pal.ink, align, False, sup, RISE), box))
        return placed
