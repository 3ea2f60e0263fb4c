"""Equations as LaTeX, first symbolic, then with the numbers substituted.

Used by the simulation's equation panel (KaTeX in the browser) and by the lesson's worked
example (generated at build time), so both print the same numbers the same way.
"""

from __future__ import annotations

import numpy as np

from .engine import Equation, ForwardPass, Network
from .formatting import DIGITS, number

OPS = {"·": r"\,", "⊙": r"\odot", "−": "-"}


def matrix(value: np.ndarray, digits: int = DIGITS) -> str:
    """A 1×1 value as a plain number; anything larger as a bracketed matrix."""
    value = np.asarray(value, dtype=float)
    if value.size == 1:
        return number(value.item(), digits, tex=True)
    rows = value.reshape(value.shape[0], -1)
    body = r" \\ ".join(" & ".join(number(v, digits, tex=True) for v in row) for row in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def numeric(eq: Equation, digits: int = DIGITS) -> str:
    """e.g. δ^{[2]} = (0.5909 - 1.0000) ⊙ 0.2417 = -0.0989."""
    parts = [_operand(eq.operands[0].value, digits)]
    for op, operand in zip(eq.ops, eq.operands[1:]):
        parts.append(f"{OPS[op]} {_operand(operand.value, digits)}")
    return f"{eq.result.tex} = {' '.join(parts)} = {matrix(eq.result.value, digits)}"


def worked(eq: Equation, digits: int = DIGITS) -> str:
    """Symbols, then numbers, then the result, in one line: for the lesson's worked example."""
    numbers = numeric(eq, digits).split(" = ", 1)[1]
    return f"{eq.symbolic_tex} = {numbers}"


def _operand(value: np.ndarray, digits: int) -> str:
    text = matrix(value, digits)
    return f"({text})" if np.asarray(value).size == 1 and float(np.asarray(value).item()) < 0 else text


def forward_symbolic(net: Network, l: int) -> str:
    g = net.g(l)
    return rf"z^{{[{l}]}} = W^{{[{l}]}} a^{{[{l - 1}]}} + b^{{[{l}]}}, \quad a^{{[{l}]}} = {g.tex}(z^{{[{l}]}})"


def forward_numeric(net: Network, fp: ForwardPass, l: int, digits: int = DIGITS) -> tuple[str, str]:
    """z[l] = W[l] a[l-1] + b[l] and a[l] = g(z[l]) with numbers."""
    g = net.g(l)
    z_line = (
        rf"z^{{[{l}]}} = {matrix(net.W[l], digits)} {matrix(fp.a[l - 1], digits)} + {matrix(net.b[l], digits)}"
        rf" = {matrix(fp.z[l], digits)}"
    )
    a_line = rf"a^{{[{l}]}} = {g.tex}\left({matrix(fp.z[l], digits)}\right) = {matrix(fp.a[l], digits)}"
    return z_line, a_line


def loss_numeric(net: Network, fp: ForwardPass, y: np.ndarray, digits: int = DIGITS) -> str:
    """L with the numbers substituted, in the loss's own form (Loss.term_tex, Loss.sum_tex);
    once the learner has edited the loss, its function's name and value, not a stale formula."""
    loss, value = net.loss, number(fp.loss, digits, tex=True)
    if loss.edited:
        return rf"{loss.tex} = {value}"
    n = lambda v: number(v, digits, tex=True)  # noqa: E731
    terms = " + ".join(loss.term_tex.format(p=n(p), t=n(t), q=n(1 - p), s=n(1 - t)) for p, t in zip(fp.y_hat.ravel(), y.ravel()))
    return rf"\mathcal{{L}} = {loss.sum_tex.format(terms=terms)} = {value}"
