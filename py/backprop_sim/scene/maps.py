"""The neurons' small maps (TensorFlow Playground's neurons-as-pictures, beside our circles):
what each input and hidden neuron computes over the plane, from a datasets.Picture."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..datasets import FEATURE_NAMES
from .heat import UNBOUNDED, Scale, cells, heat_table, levels, pixels, scale_for
from .labels import Box, text_box
from .layout import spacing
from .primitives import FONT, Image, Palette, Rect, Text

MAP_SCALE = 1.6  # a neuron's map: at most this times its diameter, square
MAP_MIN = 24  # px: a smaller map shows too little; the narrow drawing leaves such a layer's maps out


class MapPlan(NamedTuple):
    inputs: float  # px: the side of each input's map
    hidden: tuple  # px: the side of layer l's maps (index l; 0 where a layer has none: the inputs, the output, no room)
    stagger: bool  # narrow drawing: the features' names on two rows, as they are wider than the neurons' spacing
    lead: float  # px the layout leaves before the input layer for the maps and names
    beside: float  # px from a hidden neuron's centre to its map: past the circle and its value's text


def fits(picture, layers) -> bool:
    """Whether a picture was computed for a network of these layer sizes (one map per neuron)."""
    grids = getattr(picture, "layers", ())
    return len(grids) == len(layers) and all(np.shape(g)[0] == n for g, n in zip(grids, layers)) and len(picture.features) == layers[0]


def feature_names(picture) -> list[str]:
    return [FEATURE_NAMES.get(f, f) for f in picture.features]


def map_plan(layers, width: float, names: list[str], r: float, centres, vertical: bool) -> MapPlan:
    """Where the small maps fit.

    Wide drawings: each input's map on its left, the feature's name left of it; each hidden
    neuron's map on its right (past its value's text), at most its diameter tall (so δ above and b below keep
    their places) and 30% of the gap between layers (the connections need the rest), under the lines.
    Narrow (vertical) drawings: each input's map above it, the name above the map; a hidden
    layer's maps on the neurons' right only where each fits between its neuron and the next
    (or the drawing's edge) at MAP_MIN px or more, otherwise that layer has none: on phones most
    hidden layers have none, and the values table and the big plot still show what they compute."""
    most = max(layers)
    beside = r + 4  # past the circle, and so past the value written inside it (network.value_room)
    name_w = max((text_box(0, 0, n, FONT, "left").width for n in names), default=0.0)
    if vertical:
        spread = min((width - 68) / max(most - 1, 1), 130)
        m_in = min(MAP_SCALE * 2 * r, spread - 8 if layers[0] > 1 else MAP_SCALE * 2 * r, 2 * (centres[0][0][0] - 4))  # inside the drawing
        stagger = layers[0] > 1 and name_w > spread - 4
        hidden = [0.0] * len(layers)
        for l in range(1, len(layers) - 1):
            right = max(x for x, _ in centres[l]) + beside
            m = min(MAP_SCALE * 2 * r, 2 * r, width - 4 - right, spread - 2 * beside - 2 if layers[l] > 1 else width)
            hidden[l] = float(int(m)) if m >= MAP_MIN else 0.0
        return MapPlan(float(int(m_in)), tuple(hidden), stagger, m_in + 6 + 20 + (21 if stagger else 0), beside)
    between = spacing(most)
    gap = abs(centres[1][0][0] - centres[0][0][0])
    m_in = min(MAP_SCALE * 2 * r, between - 8)
    m_h = min(MAP_SCALE * 2 * r, 2 * r, between - 12, 0.3 * gap)
    hidden = tuple(float(int(m_h)) if 0 < l < len(layers) - 1 and m_h >= MAP_MIN else 0.0 for l in range(len(layers)))
    return MapPlan(float(int(m_in)), hidden, False, max(0.0, 8 + name_w + 6 + m_in + 6 + r - 70), beside)


def map_items(picture, plan: MapPlan, centres, r: float, vertical: bool, pal: Palette, theme: str) -> tuple[list, list[Box]]:
    """The maps (Images, each framed) and the features' names; and their boxes, for the labels to avoid."""
    items: list = []
    boxes: list[Box] = []

    def draw(grids, scale, corners, m):
        """A layer's maps at once: one sampling and one colour look-up for the whole stack."""
        sampled = cells(grids, max(4, math.ceil(m / 2)))  # about 2 px a cell: enough for a smoothed map, little to send
        rgba = heat_table(theme)[levels(sampled, scale)]
        for (x, y), one in zip(corners, rgba):
            x, y = round(x, 1), round(y, 1)
            items.extend((Image(x, y, m, m, sampled.shape[-1], sampled.shape[-2], pixels(one), True), Rect(x, y, m, m, None, pal.line, 0)))
            boxes.append(Box(x, y, x + m, y + m))

    m = plan.inputs
    features = picture.layers[0]
    scales = [scale_for(UNBOUNDED, grid) for grid in features]  # each feature on its own: x₁ reaches 6, x₁² 36, sin x₁ 1
    each = Scale(*(np.array(column)[:, None, None] for column in zip(*scales)))
    draw(features, each, [(x - m / 2, y - r - 6 - m) if vertical else (x - r - 6 - m, y - m / 2) for x, y in centres[0]], m)
    for j, (x, y) in enumerate(centres[0]):
        name = FEATURE_NAMES.get(picture.features[j], picture.features[j])
        at = (x, y - r - 6 - m - 11 - (21 if plan.stagger and j % 2 else 0), "center") if vertical else (x - r - 12 - m, y, "right")
        items.append(Text(at[0], at[1], name, FONT, pal.ink, at[2], False))
        boxes.append(text_box(*at[:2], name, FONT, at[2]))
    for l in range(1, len(centres) - 1):
        m = plan.hidden[l]
        if m:  # one scale a layer, from the hidden activation's range: its neurons compare
            draw(picture.layers[l], scale_for(picture.hidden_activation, picture.layers[l]), [(x + plan.beside, y - m / 2) for x, y in centres[l]], m)
    return items, boxes
