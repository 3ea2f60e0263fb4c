"""What the panels beside the drawing say: status, equation, narration, values table.

Pure functions of the simulation's moment, returning text, LaTeX or HTML strings; the
painter only puts them in the page. All text from outside (none yet) is escaped.

One notation (the lesson's a^[l], z^[l], W^[l]ⱼₖ, b^[l], δ^[l]; `formatting.symbol`, with
^[l] raised in HTML) and one precision: computed values to 4 decimals (`formatting.number`),
weights, biases, inputs and targets as set (`formatting.parameter`).
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from . import mathtex
from .engine import Moment
from .explain import chain_for_weight, dead_neurons
from .network import BackwardStep, Equation, Factor, Network, Operand, Selection
from .rulebook import ACTIVATIONS, SHIPPED, Rules
from .formatting import SUBSCRIPTS, html, number, parameter, symbol
def factor_name(f: Factor, net: Network, rules: Rules = SHIPPED) -> str:
    """A factor of a chain in words: '(ŷ₁ − y₁)', "σ'(z^[2]₁)", 'W^[2]₁₁', 'a^[0]₂'."""
    n = [Selection.number(i) for i in f.index]
    if f.symbol == "dL_dy_hat":
        loss = net.loss
        if rules.edited(loss.name + "_grad"):
            return symbol("∂L/∂ŷ", None, *n)
        return loss.grad_words.format(n=symbol("", None, *n))
    if f.symbol == "g_prime":
        return f"{net.g(f.layer).symbol}'({symbol('z', f.layer, *n)})"
    return symbol({"W": "W", "a": "a", "delta": "δ"}[f.symbol], f.layer, *n)


def operand_name(op: Operand, step: BackwardStep) -> str:
    """An operand of a backward step in words: '(W^[2])ᵀ', 'δ^[2]', "σ'(z^[1])"."""
    l = op.layer
    if op.symbol == "dL_dy_hat":
        loss = step.output.loss
        return f"{loss.name}_grad(ŷ, y)" if step.output.grad_edited else loss.grad_words.format(n="")
    if op.symbol == "g_prime":  # transposed: softmax's Jacobian, (g'(z[L]))ᵀ
        return f"({step.g.symbol}'({symbol('z', l)}))ᵀ" if op.transposed else f"{step.g.symbol}'({symbol('z', l)})"
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
    if step.output.jacobian:  # softmax and cross-entropy
        return ("Cross-entropy after a softmax: the Jacobian ∂ŷⱼ/∂zₖ = ŷⱼ(1{j=k} − ŷₖ) times ∂L/∂ŷⱼ = −yⱼ/ŷⱼ gives "
                f"Σⱼ −yⱼ(1{{j=k}} − ŷₖ) = ŷₖ − yₖ (the yⱼ sum to 1): so {symbol('δ', step.layer)} = ŷ − y.")
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
    loss = f"loss: your {net.loss.name}" if net.loss.edited(moment.rules) else net.loss.summary
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


def picked_line(moment: Moment, selected: Selection | None) -> str:
    """What the learner tapped, in words beside the drawing (on a phone its labels do not fit):
    a weight as set and its gradient, or a neuron's z, a and δ; "" when nothing is picked."""
    if selected is None:
        return ""
    net, fp, l, j = moment.net, moment.forward, selected.l, selected.j
    if selected.kind == "weight":
        k = selected.k
        known = moment.has_gradients(l)
        dW = number(moment.by_layer[l].dW.result.value[j, k]) if known else "— (after the backward step for this layer)"
        return (f"{symbol('W', l, j + 1, k + 1)} (neuron {k + 1} of layer {l - 1} → neuron {j + 1} of layer {l}) = "
                f"{parameter(net.W[l][j, k])} · {symbol('∂L/∂W', l, j + 1, k + 1)} = {dW}")
    step = moment.by_layer.get(l)
    parts = [f"Neuron {j + 1} of layer {l}: {symbol('b', l, j + 1)} = {parameter(net.b[l][j, 0])}"]
    if fp:
        parts += [f"{symbol('z', l, j + 1)} = {number(fp.z[l][j, 0])}", f"{symbol('a', l, j + 1)} = {number(fp.a[l][j, 0])}"]
    if step:
        parts.append(f"{symbol('δ', l, j + 1)} = {number(step.delta.result.value[j, 0])}")
    return " · ".join(parts)


def chain_block(moment: Moment, weight: Selection, asked: bool = False) -> dict:
    """The chain rule for one weight, for the equation panel: a title and two TeX lines. Shown
    closed (Activity 3 asks the learner to write it out) unless `asked`: the weight was chosen."""
    chain = chain_for_weight(moment.net, moment.forward, moment.y, weight.l, weight.j, weight.k, moment.rules)
    name = symbol("W", *weight.lesson()[1:])
    paths = len(chain.paths)
    how = "one path from the loss down to it" if paths == 1 else f"the first of {paths} paths from the loss down to it, all summed"
    return {"title": f"The chain rule for {name}: {how}. Click any connection to see its own.",
            "show": f"Show the chain rule for {name}", "open": asked,
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
        "chain": chain_block(moment, weight, asked=weight == selected) if weight else None,
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
        g = net.g(l)
        # g'(z) by the function the backward pass multiplies by (Activities 1 and 3 need σ'(z))
        slope = g.slope_of(moment.rules)(fp.z[l], fp.a[l]) if fp else None
        names = (symbol("b", l), symbol("z", l), symbol("a", l), f"{g.symbol}'({symbol('z', l)})", symbol("δ", l), symbol("∂L/∂b", l))
        head = "<tr><th scope='col'>neuron j</th>" + "".join(f"<th scope='col'>{html(n)}ⱼ</th>" for n in names) + "</tr>"
        body = []
        for j in range(net.layers[l]):
            cells = [
                parameter(net.b[l][j, 0]),
                number(fp.z[l][j, 0]) if fp else "—",
                number(fp.a[l][j, 0]) if fp else "—",
                number(slope[j, 0]) if fp else "—",
                number(step.delta.result.value[j, 0]) if step else "—",
                number(step.db.result.value[j, 0]) if moment.has_gradients(l) else "—",
            ]
            keys = ("b", "z", "a", "g_prime", "delta", "db")
            tds = "".join(f"<td data-key='{k}'>{c}</td>" for k, c in zip(keys, cells))
            body.append(f"<tr data-neuron='{j}'><th scope='row'>{j + 1}</th>{tds}</tr>")
        name = "Output layer" if l == net.L else f"Hidden layer {l}"
        out.append(
            f"<table class='values' data-layer='{l}'><caption>{name} (l = {l}, {escape(net.g(l).name)})</caption>"
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


def equation_html(eq: dict, render_tex) -> str:
    """The equation panel (`equation`) as HTML; render_tex turns one LaTeX line into HTML (KaTeX in the page)."""
    def tex(line: str) -> str:  # one line in pieces that wrap (mathtex.pieces): every number stays whole in the panel
        return '<div class="tex">' + "".join(f'<span class="piece">{render_tex(p)}</span>' for p in mathtex.pieces(line)) + "</div>"

    parts = [f"<p><b>{html(eq['title'])}</b></p>"]
    for row in eq["rows"]:
        parts.append('<div class="eq-row">' + "".join(tex(line) for line in row) + "</div>")
    if eq.get("chain"):
        lines = "".join(tex(line) for line in eq["chain"]["rows"])
        chain = eq["chain"]
        parts.append(f'<details class="chain-rule" id="chain-rule"{" open" if chain.get("open") else ""}>'
                     f'<summary>{html(chain["show"])}</summary><p>{html(chain["title"])}</p>{lines}</details>')
    if eq.get("note"):
        parts.append(f"<p>{html(eq['note'])}</p>")
    if eq["shapes"]:
        parts.append('<p class="shapes">' + "<br>".join(html(s) for s in eq["shapes"]) + "</p>")
    parts.append(f"<p>{html(eq['hint'])}</p>")
    return "".join(parts)
