"""A display list from backprop_sim.scene as an SVG document: the same picture the canvas shows.

Used by the tests (on CPython), the static preview shown before Python has started, and
the "export as SVG" of the simulation.
"""

from __future__ import annotations

import base64
import struct
import zlib
from html import escape

from .scene import Scene

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
    for *fields, kind in scene.items:  # only fills and strokes: the scene computed every point
        out.append(_PRIMITIVES[kind](*fields))
    out.append("</svg>")
    return "\n".join(out)


def _dash(dash) -> str:
    return f' stroke-dasharray="{" ".join(_num(d) for d in dash)}"' if dash else ""


def _rect(x, y, w, h, fill, stroke, radius):
    return (
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" rx="{_num(radius)}" '
        f'fill="{_attr(fill or "none")}" stroke="{_attr(stroke or "none")}"/>'
    )


def _circle(x, y, r, fill, stroke, width, dash):
    return (
        f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" fill="{_attr(fill or "none")}" '
        f'stroke="{_attr(stroke or "none")}" stroke-width="{_num(width)}"{_dash(dash)}/>'
    )


def _line(x1, y1, x2, y2, colour, width, dash, cap):
    caps = f' stroke-linecap="{cap}"' if cap != "butt" else ""
    return (
        f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
        f'stroke="{_attr(colour)}" stroke-width="{_num(width)}"{_dash(dash)}{caps}/>'
    )


def _polyline(points, colour, width, dash):
    return (
        f'<polyline points="{" ".join(f"{_num(px)},{_num(py)}" for px, py in points)}" fill="none" '
        f'stroke="{_attr(colour)}" stroke-width="{_num(width)}" stroke-linejoin="round"{_dash(dash)}/>'
    )


def _image(x, y, w, h, cols, rows, pixels, smooth):
    data = base64.b64encode(png(cols, rows, base64.b64decode(pixels))).decode("ascii")
    crisp = "" if smooth else ' style="image-rendering:pixelated"'
    return (
        f'<image x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" preserveAspectRatio="none"{crisp} '
        f'href="data:image/png;base64,{data}"/>'
    )


def png(cols: int, rows: int, rgba: bytes) -> bytes:
    """A PNG of cols × rows RGBA pixels (8 bits a channel, the top row first): the same bytes
    give the same file. Each row is prefixed by its filter, 0 (none); zlib at its default level."""
    if len(rgba) != cols * rows * 4:
        raise ValueError(f"{cols} × {rows} RGBA pixels are {cols * rows * 4} bytes, got {len(rgba)}.")

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    stride = cols * 4
    raw = b"".join(b"\x00" + rgba[i : i + stride] for i in range(0, len(rgba), stride))
    header = struct.pack(">IIBBBBB", cols, rows, 8, 6, 0, 0, 0)  # 8 bits, colour type 6 (RGBA), deflate, no filter set, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _polygon(points, fill):
    return f'<polygon points="{" ".join(f"{_num(px)},{_num(py)}" for px, py in points)}" fill="{_attr(fill)}"/>'


def _text(x, y, text, size, colour, align, bold, sup, rise):
    anchor = {"left": "start", "center": "middle", "right": "end"}[align]
    weight = ' font-weight="600"' if bold else ""
    raised = f'<tspan dy="{_num(-rise)}">{escape(sup)}</tspan>' if sup else ""  # the anchor places the text and its raised part together
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" fill="{_attr(colour)}" '
        f'text-anchor="{anchor}" dominant-baseline="central"{weight}>{escape(text)}{raised}</text>'
    )


_PRIMITIVES = {"rect": _rect, "circle": _circle, "line": _line, "polygon": _polygon, "polyline": _polyline, "text": _text, "image": _image}
