"""What the panels beside the drawing say: status, equation, narration, values table.

Pure functions of the simulation's moment, returning text, LaTeX or HTML strings; the
painter only puts them in the page. All text from outside (none yet) is escaped.

One notation (the lesson's a^[l], z^[l], W^[l]ⱼₖ, b^[l], δ^[l]; `formatting.symbol`, with
^[l] raised in HTML) and one precision: computed values to 4 decimals (`formatting.number`),
weights, biases, inputs and targets as set (`formatting.parameter`).
"""

from __future__ import annotations

import csv as _csv
import io
import json
import math
from dataclasses import dataclass
from html import escape

import numpy as np

from . import mathtex
from .engine import (
    ACTIVATIONS, MAX_HIDDEN_LAYERS, MAX_INPUTS, MAX_NEURONS, MAX_OUTPUTS, SHIPPED, BackwardStep, Equation, Factor, Moment,
    Network, Operand, Rules, Selection, chain_for_weight, dead_neurons,
)
from .formatting import SUBSCRIPTS, html, number, parameter, symbol

COMPACT_HEIGHT = 502  # px: the MicroSim textbooks' iframe; the compact view (sim.css, height ≤ 620 px) fits it
EMBED_HEIGHT = 1250  # px: the full view in a lesson column (measured: 1241 px at 1280 px wide)


def embed_iframe(src: str, height: int = COMPACT_HEIGHT) -> str:
    """The iframe a teacher pastes: the lesson's embed box and the Copy embed code button.

    No scrolling="no": where the content is taller than the frame (the full view without the
    resize script), the frame scrolls instead of cutting it off.
    """
    return f'<iframe src="{escape(src)}" height="{height}px" width="100%" title="Backpropagation MicroSim"></iframe>'


@dataclass(frozen=True)
class Shortcut:
    action: str  # the Controller action it runs
    keys: tuple[str, ...]  # KeyboardEvent.key values, as aria-keyshortcuts writes them
    words: str  # what it does, for the page's keyboard help


SHORTCUTS = (
    Shortcut("forward", ("F",), "forward"),
    Shortcut("backward", ("B", "ArrowRight"), "backward step"),
    Shortcut("back", ("ArrowLeft",), "step back"),
    Shortcut("auto", ("A",), "auto"),
    Shortcut("reset", ("R",), "reset"),
    Shortcut("table", ("T",), "values table"),
)
KEYS = {key.lower(): s.action for s in SHORTCUTS for key in s.keys}  # what the painter looks a key up in
_KEY_SIGNS = {"ArrowRight": "→", "ArrowLeft": "←"}


def keyboard_help() -> str:
    """The page's keyboard line, written from SHORTCUTS (the build puts it in main.html)."""
    parts = (" or ".join(f"<kbd>{_KEY_SIGNS.get(k, k)}</kbd>" for k in s.keys) + f" {s.words}" for s in SHORTCUTS)
    return "Keyboard: " + " · ".join(parts) + "."


def layers_help() -> str:
    return (f"Inputs first, outputs last: 1–{MAX_INPUTS} inputs, up to {MAX_HIDDEN_LAYERS} hidden layers of "
            f"1–{MAX_NEURONS} neurons, 1–{MAX_OUTPUTS} outputs.")


# ---- words for the rules: each activation's g, each loss's L and dL/dŷ (the TeX is in mathtex)

G_LABEL = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "LReLU", "linear": "id"}
LOSS_WORDS = {  # (the summary line, dL/dŷ for output neuron {n})
    "mse": ("loss ½Σ(ŷ − y)²", "(ŷ{n} − y{n})"),
    "bce": ("loss: binary cross-entropy", "∂L/∂ŷ{n}"),
}

# What each symbol means, once, near its first use in the simulation (issue 13): the page shows it.
SYMBOL_KEY = (
    ("a^[l]", "the activations (outputs) of layer l; a^[0] = x is the input"),
    ("z^[l]", "the weighted input of layer l: z^[l] = W^[l] a^[l−1] + b^[l]"),
    ("W^[l]ⱼₖ", "the weight from neuron k of layer l−1 to neuron j of layer l"),
    ("b^[l]", "the biases of layer l"),
    ("σ, g", "the activation function (σ is the sigmoid); g′ its derivative"),
    ("ŷ", "the network's output a^[L]; y is the target"),
    ("L", "the loss: how far ŷ is from y"),
    ("δ^[l]", "the error of layer l, ∂L/∂z^[l]: how much L changes with z^[l]"),
    ("⊙", "element-wise product: multiply entries in the same place"),
    ("∂L/∂W^[l], ∂L/∂b^[l]", "the gradients: how much L changes with each weight and bias"),
)


def symbol_key_html() -> str:
    """The short symbol key (SYMBOL_KEY) as a definition list, for the page to place."""
    rows = "".join(f"<dt>{html(sym)}</dt><dd>{html(meaning)}</dd>" for sym, meaning in SYMBOL_KEY)
    return f"<dl class='symbol-key'>{rows}</dl>"


def factor_name(f: Factor, net: Network, rules: Rules = SHIPPED) -> str:
    """A factor of a chain in words: '(ŷ₁ − y₁)', "σ'(z^[2]₁)", 'W^[2]₁₁', 'a^[0]₂'."""
    n = [Selection.number(i) for i in f.index]
    if f.symbol == "dL_dy_hat":
        loss = net.loss
        if rules.edited(loss.name + "_grad"):
            return symbol("∂L/∂ŷ", None, *n)
        return LOSS_WORDS[loss.name][1].format(n=symbol("", None, *n))
    if f.symbol == "g_prime":
        return f"{G_LABEL[net.g(f.layer).name]}'({symbol('z', f.layer, *n)})"
    return symbol({"W": "W", "a": "a", "delta": "δ"}[f.symbol], f.layer, *n)


def operand_name(op: Operand, step: BackwardStep) -> str:
    """An operand of a backward step in words: '(W^[2])ᵀ', 'δ^[2]', "σ'(z^[1])"."""
    l = op.layer
    if op.symbol == "dL_dy_hat":
        loss, rules = step.output.loss, step.output.rules
        return f"{loss.name}_grad(ŷ, y)" if step.output.grad_edited else LOSS_WORDS[loss.name][1].format(n="")
    if op.symbol == "g_prime":
        return f"{G_LABEL[step.g.name]}'({symbol('z', l)})"
    text = symbol({"delta": "δ", "W": "W", "a": "a", "dW": "∂L/∂W", "db": "∂L/∂b"}[op.symbol], l)
    return f"({text})ᵀ" if op.transposed else text


def shape_text(value: np.ndarray) -> str:
    return f"{value.shape[0]}×{value.shape[1]}"


def describe(eq: Equation, step: BackwardStep) -> str:
    """Operands with their shapes: "(W^[2])ᵀ (3×1) · δ^[2] (1×1) ⊙ σ'(z^[1]) (3×1) → δ^[1] (3×1)"."""
    signs = {"matmul": "·", "hadamard": "⊙"}
    parts = [f"{operand_name(eq.operands[0], step)} ({shape_text(eq.operands[0].value)})"]
    for op, operand in zip(eq.ops, eq.operands[1:]):
        parts.append(f"{signs[op]} {operand_name(operand, step)} ({shape_text(operand.value)})")
    return " ".join(parts) + f" → {operand_name(eq.result, step)} ({shape_text(eq.result.value)})"


def step_note(step: BackwardStep) -> str:
    """What the equation panel adds under the output step, when σ' cancels dL/dŷ's denominator."""
    if step.output is None or not step.output.cancels:
        return ""
    return (f"Cross-entropy after a sigmoid: σ'(z) = ŷ(1 − ŷ) cancels the denominator of ∂L/∂ŷ, "
            f"so {symbol('δ', step.layer)} = ŷ − y.")


PHASE_WORDS = {  # the backward phase is written with its step: "backward step 1 of 2"
    "ready": "ready: press Forward Pass",
    "forward": "forward pass done",
    "complete": "backward pass complete",
}


def vector_text(value: np.ndarray, write=number) -> str:
    """A vector of computed values (number), or of values as set (write=parameter)."""
    values = np.asarray(value).ravel()
    if values.size == 1:
        return write(values[0])
    return "[" + ", ".join(write(v) for v in values) + "]"


def summary(moment: Moment) -> str:
    net = moment.net
    arch = " → ".join(str(n) for n in net.layers)
    hidden, out = ACTIVATIONS[net.hidden_activation], ACTIVATIONS[net.output_activation]
    if net.L == 1:
        acts = f"{out.name} output"
    elif hidden.name == out.name:
        acts = f"{hidden.name} in every layer"
    else:
        acts = f"{hidden.name} hidden, {out.name} output"
    loss = f"loss: your {net.loss.name}" if net.loss.edited(moment.rules) else LOSS_WORDS[net.loss.name][0]
    return f"{arch} network · {acts} · {loss}"


def status(moment: Moment) -> dict[str, str]:
    fp, phase = moment.forward, moment.phase
    words = f"backward step {len(moment.steps)} of {moment.net.L}" if phase == "backward" else PHASE_WORDS[phase]
    if moment.delta_only:
        words += ": δ (∂L/∂W, ∂L/∂b next)"
    return {
        "phase": words,
        "y_hat": vector_text(fp.y_hat) if fp else "—",
        "y": vector_text(moment.y, parameter),
        "loss": number(fp.loss) if fp else "—",
        "error": vector_text(fp.y_hat - moment.y) if fp else "—",
    }


def chain_weight(moment: Moment, selected: Selection | None = None) -> Selection | None:
    """The weight whose chain rule the main view shows: the selected weight once its layer's
    gradients are known; else, at a hidden layer's step, that layer's W_12 (the lesson's
    "Trace the chain" weight), or W_11 where there is one input. None at the output layer's
    step, whose equations are the chain already."""
    if selected is not None and selected.kind == "weight" and moment.has_gradients(selected.l):
        return selected
    if not moment.steps or moment.steps[-1].layer == moment.net.L or moment.delta_only:
        return None
    l = moment.steps[-1].layer
    return Selection("weight", l, 0, 1 if moment.net.layers[l - 1] > 1 else 0)


def chain_block(moment: Moment, weight: Selection) -> dict:
    """The chain rule for one weight, for the equation panel: a title and two TeX lines."""
    chain = chain_for_weight(moment.net, moment.forward, moment.y, weight.l, weight.j, weight.k, moment.rules)
    name = symbol("W", *weight.lesson()[1:])
    paths = len(chain.paths)
    how = "one path from the loss down to it" if paths == 1 else f"the first of {paths} paths from the loss down to it, all summed"
    return {"title": f"The chain rule for {name}: {how}. Click any connection to see its own.",
            "rows": list(mathtex.chain(chain, moment.net, moment.rules))}


def equation(moment: Moment, selected: Selection | None = None) -> dict:
    """The equation panel: a title and rows of LaTeX (symbolic first, then the numbers), shapes,
    and at a hidden layer's step the chain rule for one weight (chain_weight)."""
    net, fp, steps = moment.net, moment.forward, moment.steps
    if fp is None:
        rows = [[mathtex.forward_symbolic(net, l)] for l in range(1, net.L + 1)]
        return {"title": "Forward pass: one layer at a time", "rows": rows, "shapes": [],
                "hint": "Press Forward Pass (F) to compute z and a for every layer."}
    if not steps:
        rows = [[mathtex.forward_symbolic(net, l), *mathtex.forward_numeric(net, fp, l)] for l in range(1, net.L + 1)]
        rows.append([mathtex.loss_symbolic(net.loss, moment.rules), mathtex.loss_numeric(net, fp, moment.y, moment.rules)])
        return {"title": "Forward pass", "rows": rows, "shapes": [],
                "hint": "Press Backward Step (B) to start at the output layer."}
    step = steps[-1]
    shown = step.equations[:1] if moment.delta_only else step.equations  # finer steps: δ's equation first
    rows = [[mathtex.symbolic(eq, step), mathtex.numeric(eq)] for eq in shown]
    shapes = [describe(eq, step) for eq in shown]
    done = moment.phase == "complete"
    where = "output layer" if step.layer == net.L else f"hidden layer {step.layer}"
    weight = chain_weight(moment, selected)
    if moment.delta_only:
        hint = f"Press Backward Step (B) for {symbol('∂L/∂W', step.layer)} and {symbol('∂L/∂b', step.layer)}: they follow from this δ."
    else:
        hint = "Backward pass complete: every gradient is known." if done else "Press Backward Step (B) for the next layer."
    return {
        "title": f"Backward step {step.number} of {net.L}: {where} (l = {step.layer})" + (", its δ" if moment.delta_only else ""),
        "rows": rows,
        "chain": chain_block(moment, weight) if weight else None,
        "shapes": shapes,
        "note": step_note(step),
        "hint": hint,
    }


def narration(moment: Moment) -> str:
    """One sentence with the numbers, for the aria-live region (and everyone else)."""
    net, fp, steps = moment.net, moment.forward, moment.steps
    if fp is None:
        return "Ready. Press Forward Pass to compute the network's output."
    if not steps:
        return (
            f"Forward pass: output ŷ = {vector_text(fp.y_hat)}, target y = {vector_text(moment.y, parameter)}, "
            f"loss L = {number(fp.loss)}. Press Backward Step to compute the output layer's δ."
        )
    step = steps[-1]
    l = step.layer
    delta = step.delta.result.value
    text = f"Backward step {step.number} of {net.L}, layer {l}: {symbol('δ', l)} = {vector_text(delta)}"
    if moment.delta_only:
        text += f". Next, {symbol('∂L/∂W', l)} and {symbol('∂L/∂b', l)} from it."
    else:
        text += f"; {symbol('∂L/∂W', l)} = {_matrix_words(step.dW.result.value)}; {symbol('∂L/∂b', l)} = {symbol('δ', l)}."
    dead = [j for (layer, j) in dead_neurons(net, fp) if layer == l]
    if dead:
        text += " Dead ReLU neuron(s) " + ", ".join(str(j + 1) for j in dead) + ": z ≤ 0, so their δ is 0."
    if moment.phase == "complete":
        text += " The backward pass is complete."
    return text


def _matrix_words(value: np.ndarray) -> str:
    return "; ".join(vector_text(row) for row in np.atleast_2d(value))


def table(moment: Moment) -> str:
    """Every value as HTML tables: the accessible alternative to the canvas. Computed values to
    4 decimals, parameters as set; a weight and its gradient in columns of their own."""
    net, fp = moment.net, moment.forward
    by_layer = moment.by_layer
    out = []
    rows = "".join(
        f"<tr><th scope='row'>{html(symbol('x', None, k + 1))} = {html(symbol('a', 0, k + 1))}</th><td>{parameter(v)}</td></tr>"
        for k, v in enumerate(moment.x.ravel())
    )
    out.append(f"<table class='values' data-layer='0'><caption>Inputs</caption><tbody>{rows}</tbody></table>")
    for l in range(1, net.L + 1):
        step = by_layer.get(l)
        names = (symbol("b", l), symbol("z", l), symbol("a", l), symbol("δ", l), symbol("∂L/∂b", l))
        head = "<tr><th scope='col'>neuron j</th>" + "".join(f"<th scope='col'>{html(n)}ⱼ</th>" for n in names) + "</tr>"
        body = []
        for j in range(net.layers[l]):
            cells = [
                parameter(net.b[l][j, 0]),
                number(fp.z[l][j, 0]) if fp else "—",
                number(fp.a[l][j, 0]) if fp else "—",
                number(step.delta.result.value[j, 0]) if step else "—",
                number(step.db.result.value[j, 0]) if moment.has_gradients(l) else "—",
            ]
            keys = ("b", "z", "a", "delta", "db")
            tds = "".join(f"<td data-key='{k}'>{c}</td>" for k, c in zip(keys, cells))
            body.append(f"<tr data-neuron='{j}'><th scope='row'>{j + 1}</th>{tds}</tr>")
        name = "Output layer" if l == net.L else f"Hidden layer {l}"
        out.append(
            f"<table class='values' data-layer='{l}'><caption>{name} (l = {l}, {escape(ACTIVATIONS[net.g(l).name].name)})</caption>"
            f"<thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
        )
        out.append(_weights_table(moment, l))
    if fp:
        out.append(
            f"<table class='values' data-layer='loss'><caption>Output and loss</caption><tbody>"
            f"<tr><th scope='row'>ŷ = {html(symbol('a', net.L))}</th><td data-key='y_hat'>{vector_text(fp.y_hat)}</td></tr>"
            f"<tr><th scope='row'>y</th><td data-key='y'>{vector_text(moment.y, parameter)}</td></tr>"
            f"<tr><th scope='row'>L</th><td data-key='loss'>{number(fp.loss)}</td></tr></tbody></table>"
        )
    return "".join(out)


def _weights_table(moment: Moment, l: int) -> str:
    """One row per connection W^[l]ⱼₖ: the weight as set, ∂L/∂W^[l]ⱼₖ and (after an update) its
    change, each in a column of its own, so no cell reads as a fraction."""
    net = moment.net
    step = moment.by_layer.get(l)
    change = moment.last_update.dW[l] if moment.last_update is not None else None
    W, dW = symbol("W", l), symbol("∂L/∂W", l)
    head = (f"<th scope='col'>connection</th><th scope='col'>{html(W)}ⱼₖ</th><th scope='col'>{html(dW)}ⱼₖ</th>"
            + (f"<th scope='col'>Δ{html(W)}ⱼₖ in the last update</th>" if change is not None else ""))
    rows = []
    for j in range(net.layers[l]):
        for k in range(net.layers[l - 1]):
            moved = f"<td data-key='dW_change'>{number(change[j, k])}</td>" if change is not None else ""
            rows.append(
                f"<tr data-j='{j}' data-k='{k}'><th scope='row'>{html(symbol('W', l, j + 1, k + 1))}: {k + 1} → {j + 1}</th>"
                f"<td data-key='W'>{parameter(net.W[l][j, k])}</td>"
                f"<td data-key='dW'>{number(step.dW.result.value[j, k]) if moment.has_gradients(l) else '—'}</td>{moved}</tr>"
            )
    return (f"<table class='values weights' data-layer='{l}'><caption>Weights {html(W)} ({net.layers[l]}×{net.layers[l - 1]}) "
            f"and their gradients</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def trace_html(trace: dict | None) -> str:
    """The "Trace the Chain" panel for a weight, or "why the transpose" for a neuron (lesson numbering)."""
    if not trace:
        return "<p>Click a connection or a neuron in the drawing, or choose one above, to see its chain rule with numbers.</p>"
    l, j = trace["l"], trace["j"]
    if trace["kind"] == "weight":
        k = trace["k"]
        w = html(symbol("W", l, j, k))
        head = (f"<p><b>{w}</b>: the weight from neuron {k} of layer {l - 1} "
                f"to neuron {j} of layer {l}, now {parameter(trace['w'])}.</p>")
        if "last_change" in trace and trace["last_change"] is not None:
            head += f"<p>Its change in the last update: {number(trace['last_change'])}.</p>"
        if "paths" not in trace:
            return head + f"<p>Its gradient appears after the backward step for layer {l}.</p>"
        rows = []
        for path in trace["paths"][:12]:
            # a weight and an input are as set; the derivatives are computed (factor_name writes W^ and a^[0])
            factors = " · ".join(f"<span title='{escape(name)}'>{html(name)} = "
                                 f"{parameter(v) if name.startswith(('W^', 'a^[0]')) else number(v)}</span>" for name, v in path["factors"])
            rows.append(f"<li>{factors} = <b>{number(path['product'])}</b></li>")
        more = len(trace["paths"]) - 12
        extra = f"<li>… and {more} more path(s).</li>" if more > 0 else ""
        paths = len(trace["paths"])
        summary = (f"<p>∂L/∂{w} = {'the product' if paths == 1 else f'the sum over {paths} paths'} = "
                   f"<b>{number(trace['total'])}</b>, the same as backprop's {html(symbol('∂L/∂W', l, j, k))} = {number(trace['dW'])}.</p>")
        return head + f"<ol class='chain'>{''.join(rows)}{extra}</ol>" + summary
    head = f"<p><b>Neuron {j} of layer {l}</b>: bias {html(symbol('b', l, j))} = {parameter(trace['b'])}"
    if "z" in trace:
        head += f", {html(symbol('z', l, j))} = {number(trace['z'])}"
    head += "." + (" <b>Dead ReLU</b>: z ≤ 0, so ReLU'(z) = 0 and no gradient flows back through it." if trace.get("dead") else "") + "</p>"
    if "delta" not in trace:
        return head + f"<p>Its δ appears after the backward step for layer {l}.</p>"
    delta, z = html(symbol("δ", l, j)), html(symbol("z", l, j))
    if not trace["terms"]:
        product = math.isclose(trace["upstream"] * trace["g_prime"], trace["delta"], rel_tol=1e-9, abs_tol=1e-15)
        how = "∂L/∂ŷ{0} · g'({1}) = {2} · {3}" if product else "output_delta(∂L/∂ŷ{0}, g'({1})) = output_delta({2}, {3})"
        return head + (f"<p>{delta} = " + how.format(SUBSCRIPTS[j], z, number(trace["upstream"]), number(trace["g_prime"]))
                       + f" = <b>{number(trace['delta'])}</b>.</p>")
    terms = " + ".join(f"({parameter(w)})({number(d)})" for _, w, d, _ in trace["terms"])
    ms = ", ".join(html(symbol("W", l + 1, m, j)) for m, *_ in trace["terms"])
    W_next = html(symbol("W", l + 1))
    return head + (
        f"<p>Why the transpose: neuron {j} sent its output to every neuron of layer {l + 1}, through column {j} of "
        f"{W_next} ({ms}), which is row {j} of ({W_next})ᵀ. Its error collects theirs:</p>"
        f"<p>{delta} = [{terms}] · g'({z}) = {number(trace['upstream'])} · {number(trace['g_prime'])} = "
        f"<b>{number(trace['delta'])}</b></p>"
    )


def shapes_html(moment: Moment) -> str:
    """Dimension Verification: each ∂L/∂W^[l] next to the shape of W^[l]."""
    net = moment.net
    by_layer = moment.by_layer
    rows = []
    for l in range(1, net.L + 1):
        shape = f"{net.layers[l]}×{net.layers[l - 1]}"
        if moment.has_gradients(l):
            s = by_layer[l]
            d, a = s.delta.result.value.shape, s.dW.operands[1].value.shape
            got = s.dW.result.value.shape
            ok = "✓ same shape" if got == net.W[l].shape else "✗ shapes differ"
            rows.append(f"<tr><th scope='row'>{l}</th><td>{shape}</td><td>{html(symbol('δ', l))} ({d[0]}×{d[1]}) · "
                        f"({html(symbol('a', l - 1))})ᵀ ({a[0]}×{a[1]}) = {got[0]}×{got[1]}</td><td>{ok}</td></tr>")
        else:
            rows.append(f"<tr><th scope='row'>{l}</th><td>{shape}</td><td>—</td><td></td></tr>")
    return (f"<table class='values shapes-table'><caption>Shapes: {html(symbol('∂L/∂W', 'l'))} has the shape of {html(symbol('W', 'l'))}</caption>"
            f"<thead><tr><th scope='col'>l</th><th scope='col'>{html(symbol('W', 'l'))}</th><th scope='col'>{html(symbol('∂L/∂W', 'l'))}</th>"
            "<th scope='col'>check</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def check_html(check: dict | None, state: dict) -> str:
    """Finite differences beside backprop, layer by layer, with their relative difference."""
    if not check:
        return ""
    out = []
    for l, layer in sorted(check.items()):
        backprop = state["dW"][l - 1]
        cells = []
        for j, row in enumerate(layer["dW_numeric"]):
            for k, v in enumerate(row):
                cells.append(f"<tr><td>{html(symbol('W', l, j + 1, k + 1))}</td><td>{number(backprop[j][k])}</td><td>{number(v)}</td></tr>")
        out.append(
            f"<table class='values check-table' data-layer='{l}'><caption>Layer {l}: relative difference "
            f"{layer['relative_difference']:.1e}</caption><thead><tr><th scope='col'>weight</th><th scope='col'>backprop</th>"
            f"<th scope='col'>finite differences</th></tr></thead><tbody>{''.join(cells[:24])}</tbody></table>"
        )
    return "".join(out)


# ---- the words around the tools (the painter only puts them in the page)


def parameter_name(kind: str, l: int, j: int, k: int | None = None) -> str:
    """A weight or a bias by the lesson's numbering (l, j, k from 1): W^[1]₁₂, b^[2]₁."""
    return symbol("W", l, j, k) if kind == "weight" else symbol("b", l, j)


def trace_choices(layers) -> tuple[list, list]:
    """The Trace tool's two lists, (value, label): every weight, every neuron. A value is the
    JSON of the `select` action's argument, so choosing one is that action."""
    L = len(layers) - 1
    weights = [("", "—")] + [
        (json.dumps(["weight", l, j, k]), parameter_name("weight", l, j, k))
        for l in range(1, L + 1) for j in range(1, layers[l] + 1) for k in range(1, layers[l - 1] + 1)
    ]
    neurons = [("", "—")] + [
        (json.dumps(["neuron", l, j]), f"layer {l}, neuron {j}") for l in range(1, L + 1) for j in range(1, layers[l] + 1)
    ]
    return weights, neurons


def edit_label(selected) -> str:
    """The label of the value field for the selected ["weight", l, j, k] or ["neuron", l, j]."""
    if selected[0] == "weight":
        return "Weight " + parameter_name("weight", *selected[1:])
    return "Bias " + parameter_name("bias", *selected[1:])


def predict_prompt(prediction: dict | None, mode_on: bool) -> str:
    """What prediction mode asks now: the δ to guess, or how to get there."""
    if prediction:
        which = f" ({prediction['j']} of {prediction['of']} in layer {prediction['l']})" if prediction.get("of", 1) > 1 else ""
        return (f"Predict {symbol('δ', prediction['l'], prediction['j'])}{which}: type a number (4 decimals) "
                "or choose its sign, then Check.")
    return "Press Forward Pass to start predicting." if mode_on else "Turn on prediction mode, then press Forward Pass."


def score_line(score: dict) -> str:
    return f"Score this visit: {score['right']} of {score['asked']} right." if score["asked"] else ""


def loss_line(losses) -> str:
    return f"{len(losses)} forward pass(es); loss now {number(losses[-1])}." if losses else "No forward pass yet."


def rate(value: float | str, unit: str) -> str:
    """A slider's value as its output shows it: '1 step/s', '10 steps/s'; Train's last notch, "fast"."""
    return "fast" if value == "fast" else f"{value:g} {unit}/s"


def hidden_labels_note(hidden: int, unlabelled: int = 0) -> str:
    """Said under the drawing when it does not show every number ("" when it does): the rule
    that leaves connection labels out (scene: crowded layers, narrow drawings), and labels that
    did not fit; either way, where the numbers are."""
    said = []
    if unlabelled:
        said.append("Too many connections to label here: click or tap one to see its W and ∂.")
    if hidden:
        said.append(f"{hidden} label(s) did not fit at this width.")
    return " ".join(said + ["The values table (T) lists every number."]) if said else ""


def flow_legend(vertical: bool) -> str:
    """The legend's arrow follows the drawing: layers left to right, or top to bottom on a phone."""
    return f"{'↑' if vertical else '←'} gradient flow; wider = larger |∂|"


def inputs_html(n: int) -> str:
    """The input fields x₁ … xₙ (their values are set by the painter)."""
    return "<legend>Inputs x</legend>" + "".join(
        f'<label for="x{k}">x{SUBSCRIPTS[k + 1]}</label> <input id="x{k}" type="number" step="0.1" data-k="{k}">' for k in range(n)
    )


def equation_html(eq: dict, render_tex) -> str:
    """The equation panel (`equation`) as HTML; render_tex turns one LaTeX line into HTML (KaTeX in the page)."""
    parts = [f"<p><b>{html(eq['title'])}</b></p>"]
    for row in eq["rows"]:
        parts.append('<div class="eq-row">' + "".join(f'<div class="tex">{render_tex(line)}</div>' for line in row) + "</div>")
    if eq.get("chain"):
        lines = "".join(f'<div class="tex">{render_tex(line)}</div>' for line in eq["chain"]["rows"])
        parts.append(f'<div class="chain-rule" id="chain-rule"><p>{html(eq["chain"]["title"])}</p>{lines}</div>')
    if eq.get("note"):
        parts.append(f"<p>{html(eq['note'])}</p>")
    if eq["shapes"]:
        parts.append('<p class="shapes">' + "<br>".join(html(s) for s in eq["shapes"]) + "</p>")
    parts.append(f"<p>{html(eq['hint'])}</p>")
    return "".join(parts)


def runtime_line(python: str, numpy: str) -> str:
    return f"Python {python} and numpy {numpy} run in your browser; nothing is sent anywhere."


CSV_SYMBOLS = {"x": "x", "y": "y", "W": "W", "dW": "∂L/∂W", "b": "b", "z": "z", "delta": "δ", "db": "∂L/∂b", "a": "a"}


def csv(state: dict) -> str:
    """Every value of a state (Controller.state), one per row: quantity, layer, row, column,
    value (full precision, for a spreadsheet) and the value's name in the lesson's notation
    (lesson numbering): the CSV export."""
    out = io.StringIO()
    writer = _csv.writer(out)
    writer.writerow(["quantity", "layer", "row", "column", "value", "symbol"])

    def row(name: str, layer, j: int, k: int | None, v) -> None:
        index = (j,) if k is None else (j, k)
        at = None if name in ("x", "y") else layer
        writer.writerow([name, layer, j, "" if k is None else k, v, symbol(CSV_SYMBOLS[name], at, *index)])

    for k, v in enumerate(state["x"]):
        row("x", 0, k + 1, None, v)
    for k, v in enumerate(state["y"]):
        row("y", len(state["layers"]) - 1, k + 1, None, v)
    for name in ("W", "dW"):
        for l, matrix in enumerate(state[name], start=1):
            for j, values in enumerate(matrix or []):
                for k, v in enumerate(values):
                    row(name, l, j + 1, k + 1, v)
    for name in ("b", "z", "delta", "db"):
        for l, vector in enumerate(state[name], start=1):
            for j, v in enumerate(vector or []):
                row(name, l, j + 1, None, v)
    for l, vector in enumerate(state["a"]):
        for j, v in enumerate(vector or []):
            row("a", l, j + 1, None, v)
    if state["loss"] is not None:
        writer.writerow(["loss", "", "", "", state["loss"], "L"])
    return out.getvalue()


# ---- from one example to a data set (issue 16)

NO_DATASET = "One example (no data set)"  # the data set menu's first entry: the original lesson
DATA_UNITS = {"noise": "%", "train_share": "%"}  # the sliders' units; the batch counts examples


def data_setting(key: str, value) -> str:
    """A data set slider's output: '20 %' (noise), '50 %' (training share), '10 examples' (batch)."""
    if key == "batch":
        return f"{value:g} example" + ("" if value == 1 else "s")
    if key in DATA_UNITS:
        return f"{value:g} {DATA_UNITS[key]}"
    return f"{value:g}"  # the seed


def _percent(share) -> str:
    return "—" if share is None else f"{100 * share:.1f} %"


def data_line(data: dict | None) -> str:
    """One status line of training on the data set (Controller.state()["dataset"])."""
    if data is None:
        return ""
    parts = [f"Epoch {data['epoch']}", f"{data['update']} update" + ("" if data["update"] == 1 else "s"),
             f"loss: training {number(data['train_loss'])}, test {number(data['test_loss'])}"]
    if data["train_accuracy"] is not None:
        parts.append(f"accuracy: training {_percent(data['train_accuracy'])}, test {_percent(data['test_accuracy'])}")
    if data["penalty"]:
        parts.append(f"penalty R(W) {number(data['penalty'])}")
    return " · ".join(parts) + "."


def data_help() -> str:
    """What the data tool does, in a few sentences (HTML)."""
    from .datasets import FEATURE_NAMES, N_POINTS, PROBLEMS  # panels reads the data sets' names, nothing else

    classes = ", ".join(escape(p.title) for p in PROBLEMS.values() if p.kind == "classification")
    values = ", ".join(escape(p.title) for p in PROBLEMS.values() if p.kind == "regression")
    features = ", ".join(escape(f) for f in FEATURE_NAMES.values())
    return (
        f"<p>Instead of one example, the network learns from a data set of {N_POINTS} points in the plane, as in "
        f"TensorFlow Playground. Classes ({classes}): each point is class 1 or 0, the output is a sigmoid and the loss "
        f"binary cross-entropy. Values ({values}): each point has a target from −1 to 1, the output is tanh and the loss "
        "squared error. Part of the points train the network; the rest (drawn outlined) only test it.</p>"
        f"<p><b>Features</b> are the network's inputs, made from each point's x₁ and x₂: {features}. "
        "One input neuron per feature.</p>"
        "<p>Each update uses a <b>batch</b> of training points: its gradient is the mean of the examples' gradients. "
        "An <b>epoch</b> has used every training point once. <b>Regularisation</b> adds a penalty on large weights "
        "to the loss: L1 pulls weights to exactly 0, L2 shrinks them all a little each update.</p>"
        f"<p>Click a point on the plot, or move between points with the arrow keys, to walk that example through "
        f"{html('the forward pass, δ^[l] and ∂L/∂W^[l]')} step by step, as in the original lesson.</p>"
    )


def data_csv(picture, y_hat) -> str:
    """The data set as CSV: set (train or test), x₁, x₂, target and the network's output ŷ now (full precision)."""
    out = io.StringIO()
    writer = _csv.writer(out)
    writer.writerow(["set", "x1", "x2", "target", "y_hat"])
    for (x1, x2), target, test, y in zip(picture.x, picture.y, picture.test, np.ravel(y_hat)):
        writer.writerow(["test" if test else "train", float(x1), float(x2), float(target), float(y)])
    return out.getvalue()


def batch_average_html(avg: dict | None, katex) -> str:
    """The batch's gradient as the mean of its examples' gradients (Controller.batch_average):
    a sentence, the equation (with the penalty's term), and each example's ∂L_i/∂W^[l]₁₁ beside the mean."""
    if not avg:
        return ""
    kind, rate = avg["regularization"]["kind"], avg["regularization"]["rate"]
    L, B = len(avg["mean"]["dW"]), avg["size"]
    extra = {"l1": r" + \lambda\,\operatorname{sign}\!\left(W^{[l]}\right)", "l2": r" + \lambda\,W^{[l]}"}.get(kind, "")
    tex = r"\frac{\partial J}{\partial W^{[l]}} = \frac{1}{B}\sum_{i=1}^{B} \frac{\partial \mathcal{L}_i}{\partial W^{[l]}}" + extra
    said = {"l1": f"L1 regularisation adds λ sign(W^[l]) (λ = {rate:g}): each weight is pulled towards 0 by the same amount.",
            "l2": f"L2 regularisation adds λ W^[l] (λ = {rate:g}, the penalty being ½ λ Σ w²): large weights shrink most."}.get(kind, "")
    head = ["i", "x₁", "x₂", "y", "Lᵢ"] + [f"∂Lᵢ/∂W^[{l}]₁₁" for l in range(1, L + 1)]
    rows = [[str(n), number(x[0]), number(x[1]), parameter(y), number(e["loss"])] + [number(e["dW"][l][0][0]) for l in range(L)]
            for n, x, y, e in zip(avg["indices"], avg["x"], avg["y"], avg["examples"])]
    rows.append(["mean", "", "", "", number(avg["mean"]["loss"])] + [number(avg["mean"]["dW"][l][0][0]) for l in range(L)])
    table = ("<table class='batch-average'><thead><tr>" + "".join(f"<th scope='col'>{html(h)}</th>" for h in head)
             + "</tr></thead><tbody>" + "".join("<tr>" + "".join(f"<td>{html(c)}</td>" for c in row) + "</tr>" for row in rows)
             + "</tbody></table>")
    where = f"Batch {avg['batch']} of {avg['batches']} in epoch {avg['epoch']}: B = {B} example(s). "
    why = ("The batch’s gradient is the mean of its examples’ gradients: each example goes through its own "
           "backward pass (its own δ^[l]), and their ∂L/∂W^[l] are averaged.")
    return (f"<p>{html(where + why)}</p>"
            f'<div class="tex">{katex(tex)}</div>'
            + (f"<p>{html(said)}</p>" if said else "")
            + table)
