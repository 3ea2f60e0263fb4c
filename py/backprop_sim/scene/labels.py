"""Labels: the one box a text covers, and where each label goes so that none covers another.

A label has spots to try, best first; placement takes the first spot whose box covers
nothing placed before it (the neurons, the maps, the arrows' ends, the labels placed
earlier), and gives the ones left out a second chance (_make_room).
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

from ..formatting import number
from .primitives import FONT, Palette, Rect, Text, fade

# em widths, normal and bold (600), by class: DejaVu Sans's, measured in Chromium. It is Linux's
# system-ui and the widest of the system-ui faces (Segoe UI, San Francisco and Roboto are
# narrower), so a box is at least as wide as its text wherever the page is read.
_WIDTHS = (
    (" .,·:;'", 0.34, 0.40),
    ("ijlIJ!|/\\()[]ftr-ᵀ₀₁₂₃₄₅₆₇₈₉²", 0.42, 0.50),
    ("ABCDEFGHKLNOPQRSTUVXYZ&σ", 0.79, 0.87),
    ("−+=<>~^#×⊙∞", 0.84, 0.84),
    ("mwMW%@—…", 1.00, 1.10),
)
_EM = {c: (normal, bold) for chars, normal, bold in _WIDTHS for c in chars}
_OTHER = (0.64, 0.72)  # digits, the other lower-case letters, δ, ∂, ŷ
PAD = 3  # px of background each side of a label's text


@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """px a text takes at this size: an upper bound for the page's fonts (labels repeat: remembered)."""
    return size * sum(_EM.get(c, _OTHER)[bold] for c in text)


class Box(NamedTuple):
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left


def text_box(x: float, y: float, text: str, size: float, align: str, bold: bool = False, sup: str = "", rise: float = 0.0) -> Box:
    """The one box of a text at (x, y), aligned at x (and of its raised part, if any): its width
    and PAD px each side, 1.4 lines tall. A label's background fills it; no other label may cover it."""
    w = text_width(text, size, bold) + (text_width(sup, size, bold) if sup else 0.0)
    left = x - w / 2 if align == "center" else x - w if align == "right" else x
    h = size * 1.4
    return Box(left - PAD, y - h / 2 - (rise if sup else 0.0), left + w + PAD, y + h / 2)


def box_of(item: Text) -> Box:
    return text_box(item.x, item.y, item.text, item.size, item.align, item.bold, item.sup, item.rise)


def overlaps(a, b, pad: float = 1.0) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def label(item: Text, background: str | None) -> list:
    """A text, on a rounded box of the background colour (its box_of) when given."""
    if not background:
        return [item]
    box = box_of(item)
    return [Rect(round(box.left, 1), round(box.top, 1), round(box.width, 1), round(box.bottom - box.top, 1), background, None, 3), item]


def raised(text: str) -> tuple[str, str]:
    """A text ending in the lesson's symbol with a layer, 'Hidden 1 a^[1]' (formatting.symbol),
    as its text and its raised part: ('Hidden 1 a', '[1]'); a text without one: (text, '')."""
    head, mark, sup = text.rpartition("^")
    return (head, sup) if mark else (text, "")


RISE = 5.0  # px a raised part sits above its line at 14 px: about a third of the size, as HTML's <sup>


def short(value: float, digits: int) -> str:
    """A number as short as it can be written with at most `digits` decimals: '0', '0.5', '−1', '3.47'."""
    text = number(value, digits)
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("−0", "") else text


def fitted(write, room: float, digits: int, size: float = FONT) -> str:
    """write(d) with the most decimals d ≤ digits whose text is at most `room` px wide (the
    fewest, 0, when none is)."""
    for d in range(digits, 0, -1):
        text = write(d)
        if text_width(text, size) <= room:
            return text
    return write(0)


class Label(NamedTuple):
    """A label to place: lower priorities first (δ 0, bias 1, gradients 2, weights 3)."""

    priority: int
    spots: list  # [(x, y, align), ...]: where it may go, best first
    text: str
    colour: str
    fade: float  # 0 → 1: how far it has faded in (the transition's fresh layer)
    bold: bool


class LabelMemory:
    """The last label placement, kept by whoever draws frame after frame (the painter): the
    frames of one transition place the same labels, and finding spots for the largest network's
    labels is ~40% of a frame. The scene itself keeps nothing between calls."""

    def __init__(self):
        self.key: tuple | None = None  # what decided the placement: sizes, blocked boxes, label spots and texts
        self.chosen: list | None = None  # the spot index of each label, or None where none fit


class _Boxes:
    """Placed boxes in a coarse grid, so that an overlap query looks at a few neighbours only
    (the largest network has about 500 labels; checking all pairs costs tens of ms a frame)."""

    CELL = 64.0

    def __init__(self, boxes=()):
        self.cells: dict[tuple[int, int], list] = {}
        for box in boxes:
            self.add(box)

    def copy(self) -> "_Boxes":
        other = _Boxes()
        other.cells = {key: list(boxes) for key, boxes in self.cells.items()}
        return other

    def add(self, box) -> None:
        c, cells = self.CELL, self.cells
        for gx in range(int(box[0] // c), int(box[2] // c) + 1):
            for gy in range(int(box[1] // c), int(box[3] // c) + 1):
                cells.setdefault((gx, gy), []).append(box)

    def hits(self, box) -> bool:
        c, cells = self.CELL, self.cells
        left, top, right, bottom = box[0] - 1.0, box[1] - 1.0, box[2] + 1.0, box[3] + 1.0  # overlaps()'s 1 px
        for gx in range(int(box[0] // c), int(box[2] // c) + 1):
            for gy in range(int(box[1] // c), int(box[3] // c) + 1):
                for other in cells.get((gx, gy), ()):
                    if left < other[2] and other[0] < right and top < other[3] and other[1] < bottom:
                        return True
        return False


def place_labels(items: list, labels: list[Label], blocked, width: float, height: float, pal: Palette,
                 memory: LabelMemory | None, band: Rect | None = None, for_connections=()) -> int:
    """Put each label at its first spot that covers nothing; count those that fit nowhere.

    A label inside the band of the layer being computed sits on the band's colour, so the
    band stays whole. `for_connections`: boxes only the connections' labels avoid (the arrows
    where just the picked connection is labelled: the neurons' labels keep their places)."""
    labels = sorted(labels, key=lambda item: item.priority)
    chosen = _choose_spots(labels, tuple(blocked), width, height, memory, tuple(for_connections))
    for item, spot in zip(labels, chosen):
        if spot is not None:
            x, y, align = item.spots[spot]
            inside = band is not None and band.x <= x <= band.x + band.w and band.y <= y <= band.y + band.h
            text = Text(x, y, item.text, FONT, fade(item.colour, pal.background, item.fade), align, item.bold)
            items.extend(label(text, pal.band if inside else pal.label_bg))
    return chosen.count(None)


def along_boxes(start, end, half: float) -> list[Box]:
    """Small squares along a segment, every `half` px: what an arrow covers, for the labels to avoid."""
    (x1, y1), (x2, y2) = start, end
    n = max(1, int(math.hypot(x2 - x1, y2 - y1) / max(half, 1.0)))
    return [Box(x - half, y - half, x + half, y + half) for x, y in ((x1 + (x2 - x1) * i / n, y1 + (y2 - y1) * i / n) for i in range(n + 1))]


def _inside(box, width: float, height: float) -> bool:
    return box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height


CONNECTION_LABELS = 2  # the priority from which labels are the connections' (∂ 2, W 3)


def _choose_spots(labels: list[Label], blocked: tuple, width: float, height: float, memory: LabelMemory | None,
                  for_connections: tuple = ()) -> list:
    """For each label, the index of its first spot that covers nothing, or None.

    Only positions and texts decide it, not colours or fades, so the frames of a transition
    reuse the first frame's answer when the caller keeps a LabelMemory."""
    key = (width, height, blocked, for_connections, tuple((tuple(item.spots), item.text) for item in labels))
    if memory is not None and memory.key == key:
        return memory.chosen
    fixed = _Boxes(blocked)
    placed = fixed.copy()
    chosen, late = [], list(for_connections)
    for item in labels:
        if late and item.priority >= CONNECTION_LABELS:
            for box in late:
                placed.add(box)
            late = []
        for i, (x, y, align) in enumerate(item.spots):
            box = text_box(x, y, item.text, FONT, align, item.bold)
            if _inside(box, width, height) and not placed.hits(box):
                placed.add(box)
                chosen.append(i)
                break
        else:
            chosen.append(None)
    if 0 < chosen.count(None) <= ROOM_TRIES:
        _make_room(labels, chosen, fixed, width, height)
    if memory is not None:
        memory.key, memory.chosen = key, chosen
    return chosen


ROOM_TRIES = 6  # more labels left out than this: the drawing is too crowded for a second chance to pay


def _make_room(labels: list[Label], chosen: list, fixed: _Boxes, width: float, height: float) -> None:
    """A second chance for the labels the first pass left out: where one of a label's spots is
    taken by a single other label that can move to another of its own spots, move it.

    (One pass of first fits leaves a few labels out where connections cross; this finds them
    a place in the seed example at every drawing width from 560 px.)"""
    def box_of(i, spot):
        x, y, align = labels[i].spots[spot]
        box = text_box(x, y, labels[i].text, FONT, align, labels[i].bold)
        return box if _inside(box, width, height) and not fixed.hits(box) else None

    boxes = [box_of(i, c) if c is not None else None for i, c in enumerate(chosen)]
    for u in range(len(labels)):
        if chosen[u] is not None:
            continue
        for spot in range(len(labels[u].spots)):
            box = box_of(u, spot)
            if box is None:
                continue
            taken = [p for p, other in enumerate(boxes) if other is not None and overlaps(box, other)]
            if len(taken) == 1 and _move_aside(taken[0], box, chosen, boxes, box_of, len(labels[taken[0]].spots)):
                chosen[u], boxes[u] = spot, box
                break


def _move_aside(p: int, box, chosen: list, boxes: list, box_of, spots: int) -> bool:
    """Move label p to another of its spots clear of `box` and of every other placed label."""
    for moved in range(spots):
        new = box_of(p, moved) if moved != chosen[p] else None
        if new is None or overlaps(new, box):
            continue
        if any(other is not None and q != p and overlaps(new, other) for q, other in enumerate(boxes)):
            continue
        chosen[p], boxes[p] = moved, new
        return True
    return False
