"""Issue 26 on CPython: the equation's lines cut where they may wrap, and the lesson's words
from the engine."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "py"))

from backprop_sim import mathtex  # noqa: E402


def test_a_line_is_cut_before_each_relation_and_operator_never_inside_a_matrix_or_fraction():
    line = r"\frac{\partial \mathcal{L}}{\partial W^{[1]}} = \begin{bmatrix}1 + 2 \\ 3\end{bmatrix} \odot x^{a = b} = 0.5 + 1"
    assert mathtex.pieces(line) == [
        r"\frac{\partial \mathcal{L}}{\partial W^{[1]}}",
        r"{}= \begin{bmatrix}1 + 2 \\ 3\end{bmatrix}",
        r"{}\odot x^{a = b}",
        "{}= 0.5",
        "{}+ 1",
    ]
    assert "".join(p.removeprefix("{}") for p in mathtex.pieces(line)).replace(" ", "") == line.replace(" ", "")
    assert mathtex.pieces("x") == ["x"]
