"""Colour maps of values over the plane: a value's colour scale, and grids as Image pixels.

A map blends from the background toward the positive colour above its scale's middle and
toward the negative colour below it, the same red and blue as every signed label.
"""

from __future__ import annotations

import base64
import functools
import math
from typing import NamedTuple

import numpy as np

from ..rulebook import value_range as rulebook_range
from .primitives import palette

HEAT = 0.6  # a map's strength: its colours are blended this far from the background toward pos / neg, so the points on it stay readable
LEVELS = 255  # colour levels of a map: odd, so the middle of the scale is a level of its own
UNBOUNDED = (-math.inf, math.inf)  # an input feature such as x₁² (up to 36) or sin x₁ (up to 1)

class Scale(NamedTuple):
    """The values a map's colours span: low in full neg, middle in the background, high in full pos."""

    low: float
    high: float
    middle: float


def scale_for(value_range, values=None) -> Scale:
    """The colour scale of values that can lie in value_range = (low, high).

    Both ends finite (sigmoid (0, 1), tanh (−1, 1)): that range, the background at its middle.
    Bounded below only (relu, softplus [0, ∞)): from the bound, in the background, to the largest
    of `values`. Unbounded (leaky_relu, linear, an input feature): symmetric about 0, as far as
    the values go. A name instead of a range is an activation's or a task's: its range from
    rules.py's catalogue (rulebook.value_range; any other name: unbounded)."""
    if isinstance(value_range, str):
        value_range = rulebook_range(value_range)
    low, high = (float(end) for end in value_range)
    if math.isfinite(low) and math.isfinite(high):
        return Scale(low, high, (low + high) / 2)
    v = np.asarray(values if values is not None else (), dtype=float)
    v = v[np.isfinite(v)]
    if math.isfinite(low):
        top = float(v.max()) if v.size else low
        return Scale(low, top if top > low else low + 1.0, low)
    if math.isfinite(high):
        bottom = float(v.min()) if v.size else high
        return Scale(bottom if bottom < high else high - 1.0, high, high)
    far = float(np.abs(v).max()) if v.size else 0.0
    return Scale(-(far or 1.0), far or 1.0, 0.0)


def levels(values, scale: Scale) -> np.ndarray:
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
    pal = palette(theme)
    s = np.linspace(-1.0, 1.0, LEVELS)[:, None]
    base = _rgb(start)
    far = np.where(s > 0, _rgb(pal.pos), _rgb(pal.neg))
    return np.rint(base + strength * np.abs(s) * (far - base))


@functools.lru_cache(maxsize=None)
def heat_table(theme: str) -> np.ndarray:
    """Each level's pixel, background to HEAT of the way to neg or pos: its 4 RGBA bytes seen as
    one uint32, so a look-up moves one number a pixel (the bytes stay in their order)."""
    rgb = _ramp(palette(theme).background, theme, HEAT)
    return np.ascontiguousarray(np.column_stack([rgb, np.full(LEVELS, 255)]).astype(np.uint8)).view(np.uint32)[:, 0]


@functools.lru_cache(maxsize=None)
def point_colours(theme: str) -> tuple:
    """A point's colour at each level: full neg or pos at the ends, the muted grey at the middle
    (a regression target near 0 is still seen on the background)."""
    rgb = _ramp(palette(theme).muted, theme, 1.0).astype(int)
    return tuple(f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb.tolist())


def heat_image(grid, scale: Scale, theme: str = "light") -> str:
    """A grid of values (rows, cols), top row first, as an Image's pixels: one table look-up per cell."""
    return pixels(heat_table(theme)[levels(grid, scale)])


PLANE_FINER = 3  # the plane's map: each cell of the picture's grid drawn as 3 × 3 pixels (finer), 2–3 px of the plot each


def plane_heat_image(grid, scale: Scale, theme: str = "light", k: int = PLANE_FINER) -> str:
    """The plane's heat map: the grid made k times finer a side, as an Image's pixels.
    On the canvas's own smoothing alone, a sharp boundary between the grid's cells is drawn as a
    staircase; k = 1 (while training, when the picture changes every frame) leaves it to that."""
    return heat_image(finer(grid, scale, k) if k > 1 else np.asarray(grid, dtype=float), scale, theme)


# three to six classes: one colour each, Okabe and Ito's colour-blind-safe palette (class 0
# orange and class 1 blue, as Playground's two classes)
CLASS_COLOURS = ("#E69F00", "#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")


def class_heat_image(outputs, theme: str = "light", finer_by: int = PLANE_FINER) -> str:
    """The plane coloured by the class the network predicts (the largest ŷ_j): from the background at
    ŷ_j = 1/k (a guess) to HEAT of the way to the class's colour at ŷ_j = 1; PLANE_FINER finer a side."""
    outputs = np.nan_to_num(np.asarray(outputs, dtype=float))
    k = outputs.shape[0]
    best, p = np.argmax(outputs, axis=0), np.max(outputs, axis=0)
    strength = HEAT * np.clip((p - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
    colours = np.array([_rgb(c) for c in CLASS_COLOURS[:k]])[best]
    rgb = np.rint(_rgb(palette(theme).background) + strength[..., None] * (colours - _rgb(palette(theme).background)))
    rgb = np.repeat(np.repeat(rgb, finer_by, axis=0), finer_by, axis=1)
    rgba = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255.0)], axis=2).astype(np.uint8)
    return pixels(np.ascontiguousarray(rgba).view(np.uint32)[..., 0])


def pixels(rgba: np.ndarray) -> str:
    """uint32 RGBA pixels as an Image's base64 text."""
    return base64.b64encode(rgba.tobytes()).decode("ascii")


def cells(grids, n: int) -> np.ndarray:
    """Grids (..., rows, cols) sampled to at most n × n cells (nearest cell): a small map needs no more pixels to send."""
    grids = np.asarray(grids)
    if max(grids.shape[-2:]) <= n:
        return grids
    rows = ((np.arange(n) + 0.5) * grids.shape[-2] / n).astype(int)
    cols = ((np.arange(n) + 0.5) * grids.shape[-1] / n).astype(int)
    return grids[..., rows[:, None], cols]


def finer(grid, scale: Scale, k: int) -> np.ndarray:
    """A grid (rows, cols) at k times its cells a side: each new cell's value interpolated
    linearly between the centres of the four nearest. A scale bounded at both ends is straightened
    first, v → log((v − low) / (high − v)) (for ŷ in (0, 1) that is z, the output's own input):
    a sharp boundary between two cells then runs between them as a line, not a staircase."""
    v = np.asarray(grid, dtype=float)
    low, high = float(scale.low), float(scale.high)
    straight = math.isfinite(low) and math.isfinite(high) and low < high
    if straight:
        s = np.clip((v - low) / (high - low), 1e-7, 1 - 1e-7)
        v = np.log(s / (1 - s))
    rows, cols = (_between(n, k) for n in v.shape)
    (r0, rf), (c0, cf) = rows, cols
    top = v[r0][:, c0] * (1 - cf) + v[r0][:, c0 + 1] * cf
    bottom = v[r0 + 1][:, c0] * (1 - cf) + v[r0 + 1][:, c0 + 1] * cf
    out = top * (1 - rf)[:, None] + bottom * rf[:, None]
    return low + (high - low) / (1 + np.exp(-out)) if straight else out


def _between(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For each of k·n fine cells along an axis of n: the coarse cell centre before it and how far on toward the next."""
    t = np.clip((np.arange(n * k) + 0.5) / k - 0.5, 0, n - 1)
    i = np.minimum(t.astype(int), n - 2)
    return i, t - i
