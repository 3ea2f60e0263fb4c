"""A display list from scene.py as an SVG document: the same picture the canvas shows.

Used by the tests (on CPython), the static preview shown before Python has started, and
the "export as SVG" of the simulation.
"""

from __future__ import annotations

import math
from html import escape

from .scene import CHAR_WIDTH, Scene

FONT_FAMILY = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"


def _attr(value) -> str:
    return escape(str(value), quote=True)


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def render(scene: Scene, title: str = "Backpropagation network") -> str:
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(scene.width)} {_num(scene.height)}" '
        f'width="{_num(scene.width)}" height="{_num(scene.height)}" role="img" aria-label="{_attr(title)}" '
        f'font-family="{_attr(FONT_FAMILY)}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="100%" height="100%" fill="{_attr(scene.background)}"/>',
    ]
    for kind, *p in scene.items:
        out.append(_PRIMITIVES[kind](*p))
    out.append("</svg>")
    return "\n".join(out)


def _rect(x, y, w, h, fill, stroke, radius):
    return (
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" rx="{_num(radius)}" '
        f'fill="{_attr(fill or "none")}" stroke="{_attr(stroke or "none")}"/>'
    )


def _circle(x, y, r, fill, stroke, width, dash):
    dashes = f' stroke-dasharray="{dash} {dash}"' if dash else ""
    return (
        f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" fill="{_attr(fill or "none")}" '
        f'stroke="{_attr(stroke or "none")}" stroke-width="{width}"{dashes}/>'
    )


def _line(x1, y1, x2, y2, colour, width, dash):
    dashes = f' stroke-dasharray="{dash} {dash}"' if dash else ""
    return (
        f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
        f'stroke="{_attr(colour)}" stroke-width="{width}"{dashes}/>'
    )


def _arrow(x1, y1, x2, y2, colour, width):
    head = 5 + 1.5 * width
    angle = math.atan2(y2 - y1, x2 - x1)
    bx, by = x2 - head * 0.8 * math.cos(angle), y2 - head * 0.8 * math.sin(angle)
    points = [(x2, y2)] + [
        (x2 - head * math.cos(angle + s * 0.45), y2 - head * math.sin(angle + s * 0.45)) for s in (-1, 1)
    ]
    return (
        f'<g class="arrow" fill="{_attr(colour)}" stroke="{_attr(colour)}">'
        f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(bx)}" y2="{_num(by)}" stroke-width="{width}" stroke-linecap="round"/>'
        f'<polygon points="{" ".join(f"{_num(px)},{_num(py)}" for px, py in points)}" stroke="none"/></g>'
    )


def _text(x, y, text, size, colour, align, bold, background):
    anchor = {"left": "start", "center": "middle", "right": "end"}[align]
    weight = ' font-weight="600"' if bold else ""
    back = ""
    if background:
        w = len(text) * size * CHAR_WIDTH + 6  # the width the scene reserved for this label
        left = x - w / 2 if align == "center" else x - w + 3 if align == "right" else x - 3
        back = f'<rect x="{_num(left)}" y="{_num(y - size * 0.7)}" width="{_num(w)}" height="{_num(size * 1.4)}" rx="3" fill="{_attr(background)}"/>'
    return (
        f'{back}<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" fill="{_attr(colour)}" '
        f'text-anchor="{anchor}" dominant-baseline="central"{weight}>{escape(text)}</text>'
    )


_PRIMITIVES = {"rect": _rect, "circle": _circle, "line": _line, "arrow": _arrow, "text": _text}
