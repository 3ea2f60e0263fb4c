"""The words around the tools and the page: the embed snippet, the keyboard's shortcuts, the
help lines, the sliders' values, the prompts, the exports, and the data set's panel.

Pure functions returning text or HTML; the painter (through pageview) only puts them in the page.
"""

from __future__ import annotations

import csv as _csv
import functools
import io
import json
from dataclasses import dataclass
from html import escape

import numpy as np

from .formatting import SUBSCRIPTS, html, number, parameter, subscript, symbol
from .network import MAX_HIDDEN_LAYERS, MAX_INPUTS, MAX_NEURONS, MAX_OUTPUTS

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
KEYS = {key.lower(): s.action for s in SHORTCUTS for key in s.keys}  # what key_action looks a key up in
_KEY_SIGNS = {"ArrowRight": "→", "ArrowLeft": "←"}


def key_action(key: str, tag: str, kind: str, modified: bool) -> str | None:
    """The shortcut's action for a key pressed on an element (its tag, and an input's type), or
    None: fields use every key themselves (a select its letters too), a focused slider its arrows."""
    if modified or tag in ("textarea", "select") or (tag == "input" and kind not in ("range", "checkbox")):
        return None
    if kind == "range" and key.startswith(("Arrow", "Home", "End", "Page")):
        return None
    return KEYS.get(key.lower())


def keyboard_help() -> str:
    """The page's keyboard line, written from SHORTCUTS (the build puts it in main.html)."""
    parts = (" or ".join(f"<kbd>{_KEY_SIGNS.get(k, k)}</kbd>" for k in s.keys) + f" {s.words}" for s in SHORTCUTS)
    return "Keyboard: " + " · ".join(parts) + "."


def layers_help() -> str:
    return (f"Inputs first, outputs last: 1–{MAX_INPUTS} inputs, up to {MAX_HIDDEN_LAYERS} hidden layers of "
            f"1–{MAX_NEURONS} neurons, 1–{MAX_OUTPUTS} outputs.")


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


# ---- the words around the tools (the painter only puts them in the page)


def parameter_name(kind: str, l: int, j: int, k: int | None = None) -> str:
    """A weight or a bias by the lesson's numbering (l, j, k from 1): W^[1]₁₂, b^[2]₁."""
    return symbol("W", l, j, k) if kind == "weight" else symbol("b", l, j)


@functools.lru_cache(maxsize=4)  # a pure function of the shape: the largest network's 5,000 names, not at every render
def trace_choices(layers: tuple) -> tuple[list, list]:
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


def setting_text(name: str, value) -> str:
    """What a slider's output says of a setting's value (settings.py's row `name`)."""
    if name == "speed":
        return rate(value, "step")
    if name == "train_speed":
        return rate(value, "steps")
    if name == "y":
        return number(value[0], 2)
    return data_setting(name, value)


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
OWN_DATA = "Your own points (draw or paste)"  # the data set menu's last entry: an empty plane (issue 30)
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
    from .datasets import FEATURE_NAMES, N_POINTS, PROBLEMS  # the data sets' names and the tasks', nothing else
    from .rulebook import LOSSES, TASKS

    def task(kind: str, heading: str) -> str:
        problems = ", ".join(escape(p.title) for p in PROBLEMS.values() if p.kind == kind)
        t = TASKS[kind]
        return f"{heading} ({problems}): {t.targets}, the output is {t.output_name} and the loss {LOSSES[t.loss_name].label}."

    features = ", ".join(escape(f) for f in FEATURE_NAMES.values())
    return (
        f"<p>Instead of one example, the network learns from a data set of {N_POINTS} points in the plane, as in "
        f"TensorFlow Playground. {task('classification', 'Classes')} {task('regression', 'Values')} "
        "Part of the points train the network; the rest (drawn outlined) only test it.</p>"
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


# ---- why training works or fails (issue 29)

FLAG_WORDS = {
    "dead": ("dead: z ≤ 0 for every training point, so its weights no longer change",
             "lower the learning rate, start from other weights, or use leaky ReLU"),
    "saturated": ("saturated: g'(z) ≈ 0 for every training point, so almost no gradient flows back through it",
                  "use smaller starting weights, a ReLU kind, or fewer layers"),
}


def flag_words(flag, net) -> str:
    """One flagged neuron in words, with why and what to try."""
    why, fix = FLAG_WORDS[flag.kind]
    return f"Neuron {flag.neuron} of layer {flag.layer} ({net.g(flag.layer).name}) is {why}; {fix}."


def flags_line(flags: list[dict], layers) -> str:
    """The flags a layer at a time: "3 of 8 neurons in layer 2 are dead: …; lower the learning rate …"."""
    said = []
    for layer in sorted({f["layer"] for f in flags}):
        for kind in FLAG_WORDS:
            n = sum(1 for f in flags if f["layer"] == layer and f["kind"] == kind)
            if n:
                why, fix = FLAG_WORDS[kind]
                are = "is" if n == 1 else "are"
                said.append(f"{n} of {layers[layer]} neuron{'s' if layers[layer] > 1 else ''} in layer {layer} {are} "
                            f"{why.replace('its weights', 'their weights') if n > 1 else why}; {fix}.")
    return " ".join(said)


def flow_words(kind: str | None, layer: int | None, L: int) -> str:
    """What each layer's gradient says of training, in words ("" when nothing stands out)."""
    if kind == "exploding":
        return (f"The gradient of layer {layer} is exploding (‖∂J/∂W^[{layer}]‖ past {1e3:g}): each update overshoots. "
                "Lower the learning rate.")
    if kind == "vanishing":
        return (f"The gradient vanishes on its way down: layer {layer}'s is under 1 % of the output layer's, so the "
                "layers near the input hardly learn. Each sigmoid or tanh layer multiplies it by g'(z) ≤ 1 (σ' ≤ ¼): "
                "try ReLU, fewer layers, or smaller starting weights.")
    return ""


def weight_batch_html(batch: dict | None) -> str:
    """The batch behind the chosen weight's last update: each example's ∂Lᵢ/∂w as a bar, their mean,
    the penalty's term, and −η × total = Δw, the change the update made (HTML, numbers as the panels write them)."""
    if not batch:
        return "<p class='help'>Choose a weight and train: here is the batch its last update came from.</p>"
    w = html(symbol("W", *batch["weight"]))
    values = batch["per_example"]
    far = max((abs(v) for v in values), default=0.0) or 1.0
    bars = "".join(
        f"<li><span class='bar {'pos' if v > 0 else 'neg' if v < 0 else ''}' style='width:{50 * abs(v) / far:.1f}%'></span>"
        f"<span class='bar-value'>example {i}: ∂L{subscript(i)}/∂w {_signed(v)}</span></li>" for i, v in enumerate(values, start=1))
    total = batch["mean"] + batch["penalty"]
    return (f"<p>The last update of <b>{w}</b> (it was {parameter(batch['w_before'])}) used a batch of {len(values)} "
            "example(s), each with its own backward pass:</p>"
            f"<ol class='bars' aria-label='each example’s gradient of the chosen weight'>{bars}</ol>"
            f"<p>mean {_signed(batch['mean'])} + penalty {_signed(batch['penalty'])} = {_signed(total)}; "
            f"Δw = −η × ({_signed(total)}) = −{batch['rate']:g} × ({_signed(total)}) = <b>{_signed(batch['delta'])}</b>.</p>")


def _signed(value: float) -> str:
    """A gradient or a change with its sign: 4 decimals, or 3 significant digits when that would print 0.0000."""
    if value == 0 or abs(value) >= 0.0001:
        return number(value, sign=True)
    return ("+" if value > 0 else "") + _change(value)


def _change(value: float) -> str:
    """A small change with 3 significant digits: ΔL of a nudge is often 10⁻⁷."""
    return number(value) if abs(value) >= 0.001 or value == 0 else f"{value:.2e}".replace("-", "−")


def nudge_line(nudge: dict | None) -> str:
    """What the last nudge measured against what ∂L/∂w predicted, in words ("" before one)."""
    if not nudge:
        return ""
    w = symbol("W", *nudge["weight"])
    said = (f"Nudging {w} by ε = {nudge['eps']:g}: the loss changed by {_change(nudge['measured'])} (measured by a second forward "
            f"pass); ∂L/∂w · ε predicted {_change(nudge['predicted'])}.")
    if "batch" in nudge:
        b = nudge["batch"]
        said += f" The next batch's mean loss: {_change(b['measured'])} measured, {_change(b['predicted'])} predicted."
    gap = abs(nudge["measured"] - nudge["predicted"])
    if gap > 0.05 * abs(nudge["predicted"]) and gap > 1e-12:
        said += " They differ: for a nudge this large the loss is no longer a straight line in w."
    return said
