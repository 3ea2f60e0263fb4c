"""Equations as LaTeX, first symbolic, then with the numbers substituted.

Used by the simulation's equation panel (KaTeX in the browser) and by the lesson's worked
example (generated at build time), so both print the same numbers the same way. The engine
computes the numbers and names the quantities (Operand.symbol); every TeX string is here.
Notation as in the lesson: a^{[l]}, z^{[l]}, W^{[l]}_{jk}, b^{[l]}, δ^{[l]}.
"""

from __future__ import annotations

import numpy as np

from .catalogue import Loss
from .explain import Chain
from .network import BackwardStep, Equation, Factor, ForwardPass, Network, Operand
from .rulebook import ACTIVATIONS, SHIPPED, Rules
from .formatting import DIGITS, number, parameter

OPS = {"matmul": r"\,", "hadamard": r"\odot"}  # between numbers
SYMBOLIC_OPS = {"matmul": " ", "hadamard": r" \odot "}  # between symbols

BREAKS = (" = ", r" \odot ", r" \cdot ", " + ")  # where a long line may wrap: before a relation or an operator


def pieces(tex: str) -> list[str]:
    """A line cut where it may wrap, each later piece starting with its operator: the panel
    shows them side by side while they fit and wraps them (the result on a line of its own)
    when not, so no number runs out of the panel. Only at depth 0: never inside a matrix,
    a fraction or a subscript."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(tex):
        if tex[i] == "\\" and tex.startswith((r"\{", r"\}"), i):
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(tex[i], 0)
        depth += 1 if tex.startswith(r"\begin{", i) else -1 if tex.startswith(r"\end{", i) else 0  # a matrix's body
        found = next((b for b in BREAKS if depth == 0 and tex.startswith(b, i)), None)
        if found and i > start:
            out.append(tex[start:i])
            start = i + 1  # the piece starts at its operator, after an empty {}: spaced as an operator, not a sign
            i += len(found)
            continue
        i += 1
    out.append(tex[start:])
    return out[:1] + ["{}" + p for p in out[1:]]


def _code(name: str) -> str:
    return r"\texttt{" + name.replace("_", r"\_") + "}"


def loss_symbolic(loss: Loss, rules: Rules = SHIPPED) -> str:
    """L as a formula; once the learner has edited the loss, its function's name instead of a
    formula it may no longer compute."""
    return rf"\mathcal{{L}} = {_code(loss.name)}(\hat{{y}}, y)" if rules.edited(loss.name) else loss.tex.formula


def grad_symbolic(loss: Loss, rules: Rules = SHIPPED) -> str:
    """dL/dŷ: the loss's formula, or its edited function's name."""
    name = loss.name + "_grad"
    return rf"{_code(name)}(\hat{{y}}, y)" if rules.edited(name) else loss.tex.grad


def g_prime(activation: str, l: int, *index: int) -> str:
    sub = f"_{{{''.join(map(str, index))}}}" if index else ""
    return rf"{ACTIVATIONS[activation].tex}'(z^{{[{l}]}}{sub})"


def symbol(op: Operand, step: BackwardStep | None = None) -> str:
    """The quantity in TeX: \\delta^{[2]}, (W^{[2]})^T, σ'(z^{[1]}); dL/dŷ and g' need their step."""
    l = op.layer
    if op.symbol == "dL_dy_hat":
        return grad_symbolic(step.output.loss, step.output.rules)
    if op.symbol == "g_prime":  # transposed: softmax's Jacobian, (g'(z[L]))ᵀ
        return f"({g_prime(step.g.name, l)})^T" if op.transposed else g_prime(step.g.name, l)
    text = {
        "delta": rf"\delta^{{[{l}]}}",
        "W": rf"W^{{[{l}]}}",
        "a": rf"a^{{[{l}]}}",
        "dW": rf"\frac{{\partial \mathcal{{L}}}}{{\partial W^{{[{l}]}}}}",
        "db": rf"\frac{{\partial \mathcal{{L}}}}{{\partial b^{{[{l}]}}}}",
    }[op.symbol]
    return f"({text})^T" if op.transposed else text


def symbolic(eq: Equation, step: BackwardStep) -> str:
    """e.g. \\delta^{[1]} = (W^{[2]})^T \\delta^{[2]} \\odot \\sigma'(z^{[1]})."""
    parts = [symbol(eq.operands[0], step)]
    for op, operand in zip(eq.ops, eq.operands[1:]):
        parts.append(SYMBOLIC_OPS[op] + symbol(operand, step))
    text = f"{symbol(eq.result, step)} = {''.join(parts)}"
    if eq is step.delta and step.output is not None and step.output.cancels:
        text += r" = \hat{y} - y"  # cross-entropy after a sigmoid: σ' cancels dL/dŷ's denominator
    return text


def matrix(value: np.ndarray, digits: int = DIGITS) -> str:
    """A 1×1 value as a plain number; anything larger as a bracketed matrix."""
    value = np.asarray(value, dtype=float)
    if value.size == 1:
        return number(value.item(), digits, tex=True)
    rows = value.reshape(value.shape[0], -1)
    body = r" \\ ".join(" & ".join(number(v, digits, tex=True) for v in row) for row in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def numeric(eq: Equation, digits: int = DIGITS) -> str:
    """e.g. δ^{[2]} = (-0.4091) ⊙ 0.2417 = -0.0989: computed values to `digits` decimals,
    weights and inputs as set."""
    parts = [_operand(eq.operands[0], digits)]
    for op, operand in zip(eq.ops, eq.operands[1:]):
        parts.append(f"{OPS[op]} {_operand(operand, digits)}")
    return f"{symbol(eq.result)} = {' '.join(parts)} = {matrix(eq.result.value, digits)}"


def worked(eq: Equation, step: BackwardStep, digits: int = DIGITS) -> str:
    """Symbols, then numbers, then the result, in one line: for the lesson's worked example."""
    numbers = numeric(eq, digits).split(" = ", 1)[1]
    return f"{symbolic(eq, step)} = {numbers}"


def _operand(op: Operand, digits: int) -> str:
    value = op.value
    given = op.symbol == "W" or (op.symbol == "a" and op.layer == 0)  # parameters and inputs: as set
    text = parameters(value) if given else matrix(value, digits)
    return f"({text})" if np.asarray(value).size == 1 and float(np.asarray(value).item()) < 0 else text


def forward_symbolic(net: Network, l: int) -> str:
    g = net.g(l).tex
    return rf"z^{{[{l}]}} = W^{{[{l}]}} a^{{[{l - 1}]}} + b^{{[{l}]}}, \quad a^{{[{l}]}} = {g}(z^{{[{l}]}})"


def forward_numeric(net: Network, fp: ForwardPass, l: int, digits: int = DIGITS) -> tuple[str, str]:
    """z[l] = W[l] a[l-1] + b[l] and a[l] = g(z[l]) with numbers; W, b and x as set, z and a to
    `digits` decimals (the lesson prints parameters as the learner set them)."""
    g = net.g(l).tex
    given = matrix(fp.a[l - 1], digits) if l > 1 else parameters(fp.a[0])
    z_line = (
        rf"z^{{[{l}]}} = {parameters(net.W[l])} {given} + {parameters(net.b[l])}"
        rf" = {matrix(fp.z[l], digits)}"
    )
    a_line = rf"a^{{[{l}]}} = {g}\left({matrix(fp.z[l], digits)}\right) = {matrix(fp.a[l], digits)}"
    return z_line, a_line


def parameters(value: np.ndarray) -> str:
    """Weights, biases, inputs and targets as set (formatting.parameter), as a matrix or a number."""
    value = np.asarray(value, dtype=float)
    if value.size == 1:
        return parameter(value.item()).replace("−", "-")
    rows = value.reshape(value.shape[0], -1)
    body = r" \\ ".join(" & ".join(parameter(v).replace("−", "-") for v in row) for row in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def loss_numeric(net: Network, fp: ForwardPass, y: np.ndarray, rules: Rules = SHIPPED, digits: int = DIGITS) -> str:
    """L with the numbers substituted, in the loss's own form (its LossTex in rules.py); once the learner has
    edited the loss, its function's name and value, not a stale formula."""
    loss, value = net.loss, number(fp.loss, digits, tex=True)
    if loss.edited(rules):
        return rf"{loss_symbolic(loss, rules)} = {value}"
    n = lambda v: number(v, digits, tex=True)  # noqa: E731
    t = lambda v: parameters(np.array(v))  # noqa: E731  (y as set)
    form = loss.tex
    terms = " + ".join(form.term.format(p=n(p), t=t(yt), q=n(1 - p), s=t(1 - yt)) for p, yt in zip(fp.y_hat.ravel(), y.ravel()))
    return rf"\mathcal{{L}} = {form.total.format(terms=terms)} = {value}"


# ---- the chain rule for one weight, in the main view (its factors coloured like their place in
# the drawing: the weights on the path like the highlighted connections, the input like the
# input neurons; the page's CSS gives the colours, light and dark)
CHAIN_CLASS = {"W": "chain-weight", "a": "chain-input", "g_prime": "chain-neuron", "dL_dy_hat": "chain-loss", "delta": "chain-loss"}


def _coloured(kind: str, tex: str) -> str:
    return rf"\htmlClass{{{CHAIN_CLASS[kind]}}}{{{tex}}}"


def chain_factor(f: Factor, net: Network, rules: Rules = SHIPPED) -> str:
    """One factor of a chain as a symbol: (ŷ − y), σ′(z^{[2]}_{1}), W^{[2]}_{11}, a^{[0]}_{2}."""
    sub = "_{" + "".join(str(i + 1) for i in f.index) + "}"
    if f.symbol == "dL_dy_hat":
        grad = grad_symbolic(net.loss, rules)
        tex = rf"\left({grad}\right){sub}" if net.layers[-1] > 1 else grad  # which output, where there are several
    elif f.symbol == "g_prime":
        tex = g_prime(net.g(f.layer).name, f.layer, *(i + 1 for i in f.index))
    else:
        tex = {"W": "W", "a": "a", "delta": r"\delta"}[f.symbol] + rf"^{{[{f.layer}]}}{sub}"
    return _coloured(f.symbol, tex)


def chain(c: Chain, net: Network, rules: Rules = SHIPPED) -> tuple[str, str]:
    """∂L/∂W^{[l]}_{jk} by the chain rule: the product of the factors along the path from the
    loss down to the weight (a sum of such products where there are several paths), as symbols,
    then as numbers. Shown for the first path; the others are summed in the total."""
    l, j, k = c.layer, c.j + 1, c.k + 1
    head = rf"\frac{{\partial \mathcal{{L}}}}{{\partial W^{{[{l}]}}_{{{j}{k}}}}}"
    first = c.paths[0].factors
    more = len(c.paths) - 1
    symbols = r" \cdot ".join(chain_factor(f, net, rules) for f in first)
    values = r" \cdot ".join(_coloured(f.symbol, _signed(f)) for f in first)
    if more:
        symbols = rf"\underbrace{{{symbols}}}_{{\text{{path 1}}}} + \cdots \;(\text{{{more + 1} paths}})"
        values = rf"{values} + \cdots"
    return f"{head} = {symbols}", f"{head} = {values} = {number(c.total, DIGITS, tex=True)}"


def _signed(f: Factor) -> str:
    given = f.symbol == "W" or (f.symbol == "a" and f.layer == 0)  # parameters and inputs: as set
    text = parameter(f.value).replace("−", "-") if given else number(f.value, DIGITS, tex=True)
    return f"({text})" if f.value < 0 else text
