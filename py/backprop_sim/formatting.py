"""One way to write a number for the learner: the drawing, the panels, the equations and the
exports all call `number`, so a value reads the same everywhere.

Fixed decimals (the numbers a student checks by hand); a value too large for fixed decimals
in powers of ten, so it cannot stretch a label across the page; ∞ and NaN by name. Nothing
here converts a number to an int, so no value, however large or undefined, can raise.
"""

from __future__ import annotations

import math
import re
from html import escape

DIGITS = 4
SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"  # neuron numbers as the lesson writes them: W^[2]₁₃
LARGE = 1e6  # from this size on, fixed decimals would be a long row of digits: 1.235e7 instead


def number(value, digits: int = DIGITS, sign: bool = False, tex: bool = False) -> str:
    """'0.5909', '−0.0989' (U+2212), '+0.0012' with sign=True, '1.235e7', '∞', 'NaN'.

    −0.0000 is written 0.0000 (and without a sign): a rounded zero has no direction.
    tex=True gives LaTeX: an ASCII minus, '1.235 \\times 10^{7}', '\\infty', '\\mathrm{NaN}'.
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "NaN" if not tex else r"\mathrm{NaN}"
    minus = "-" if tex else "−"
    plus = "+" if sign else ""
    if math.isnan(v):
        return r"\mathrm{NaN}" if tex else "NaN"
    if math.isinf(v):
        return (plus if v > 0 else minus) + (r"\infty" if tex else "∞")
    if abs(v) >= LARGE:
        mantissa, exponent = f"{abs(v):.{min(digits, 3)}e}".split("e")
        power = int(exponent)  # the exponent's digits, always finite
        body = rf"{mantissa} \times 10^{{{power}}}" if tex else f"{mantissa}e{power}"
        return (plus if v > 0 else minus) + body
    text = f"{abs(v):.{digits}f}"
    if float(text) == 0:
        return text
    return (plus if v > 0 else minus) + text


def parameter(value) -> str:
    """A weight, bias, input or target as it was set: '0.5', '−0.15', '2', at most DIGITS
    decimals (a trained weight: '0.4964'). Computed values use `number`'s fixed decimals."""
    text = number(value)
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("−0", "") else text


# ---- the lesson's notation in plain text: a^[l], W^[l]₁₂, δ^[l], z^[l] (the equations' a^{[l]})

def subscript(n: int) -> str:
    return "".join(SUBSCRIPTS[int(d)] for d in str(int(n)))


def symbol(name: str, layer: int | None = None, *index: int) -> str:
    """symbol("W", 1, 1, 2) → 'W^[1]₁₂', symbol("δ", 2) → 'δ^[2]', symbol("ŷ", None, 1) → 'ŷ₁'.

    Layers and neurons are counted as in the lesson (from 1; layer 0 is the input). Text on
    the canvas, in messages and in exports; `html` raises ^[l] where the page allows markup."""
    text = name if layer is None else f"{name}^[{layer}]"
    return text + "".join(subscript(i) for i in index)


SUP = "<sup style='font-size:inherit'>"  # raised, at the text's own size: no text on the page under 14 px


def html(text: str) -> str:
    """Plain text with the lesson's notation, as HTML: escaped, each ^[l] a superscript."""
    return re.sub(r"\^\[([^\]]+)\]", SUP + r"[\1]</sup>", escape(text, quote=False))
