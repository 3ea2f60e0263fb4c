"""Where the network's neurons go: columns left to right on wide drawings, rows top to bottom on narrow ones."""

from __future__ import annotations

VERTICAL_BELOW = 560  # CSS px: narrower drawings put the layers in rows, input at the top


def layout(layers: tuple[int, ...], width: float, lead: float = 0.0) -> tuple[float, float, bool, list[list[tuple[float, float]]]]:
    """The height, the radius, whether layers run top to bottom, and the neuron centres per layer.

    Wide: layers are columns, left to right. Narrow (phones, portrait): layers are rows, so
    each connection is long enough to carry its labels. `lead`: px more before the input
    layer (left, or above), for the inputs' maps and their names.
    """
    most = max(layers)
    if width < VERTICAL_BELOW:
        pad = 34
        across = (width - 2 * pad) / max(most - 1, 1)
        gap = 170 if most <= 3 else 160 if most <= 4 else 150
        r = max(16.0, min(27.0, across * 0.3))
        top = 62 + lead
        height = top + (len(layers) - 1) * gap + r + 34
        spread = min(across, 130)
        centres = [[(width / 2 + (j - (n - 1) / 2) * spread, top + l * gap) for j in range(n)] for l, n in enumerate(layers)]
        return height, r, True, centres
    between = spacing(most)
    top, bottom = 44, 58
    height = top + bottom + most * between
    pad = 70
    gap = (width - 2 * pad - lead) / max(len(layers) - 1, 1)
    r = max(16.0, min(27.0, gap * 0.2, between * 0.3))
    centres = []
    for l, n in enumerate(layers):
        x = pad + lead + l * gap
        y0 = top + (height - top - bottom - n * between) / 2 + between / 2
        centres.append([(x, y0 + j * between) for j in range(n)])
    return height, r, False, centres


def spacing(most: int) -> float:
    """px between the centres of a column's neurons (wide drawings), by the largest layer."""
    return 136 if most <= 3 else 108 if most <= 4 else 64
