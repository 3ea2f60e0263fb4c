"""What every element of the simulation's page shows for a controller's state: pure, so the
painter only writes it into the DOM (painter.Renderer.apply) and every word a learner reads is
tested on CPython.

A PageView maps element ids to what they get: their text, their HTML, a control's value, a
checkbox's state, and whether they are hidden or disabled. The controls of the settings table
(settings.py: each row's `controls`) get their values from their rows.
"""

from __future__ import annotations

import json
import sys
from html import escape
from dataclasses import asdict, dataclass, field

import numpy as np

from . import datasets, panels, settings, toolwords
from .formatting import html as raised  # ^[l] raised, the rest escaped


@dataclass
class PageView:
    text: dict = field(default_factory=dict)  # id -> textContent
    html: dict = field(default_factory=dict)  # id -> innerHTML (written only when it changes)
    value: dict = field(default_factory=dict)  # id -> a control's value (not while the learner is in it)
    checked: dict = field(default_factory=dict)  # id -> a checkbox's state
    hidden: dict = field(default_factory=dict)
    disabled: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)  # select id -> [(value, label)], rebuilt only when they change
    buttons: list = field(default_factory=list)  # (CSS selector, pressed, label): the toggle buttons
    status: dict = field(default_factory=dict)  # data-key in #status -> text
    features: dict = field(default_factory=dict)  # feature name -> (checked, disabled)
    inputs: dict | None = None  # the fields x₁ … xₙ: {"html": made when their number changes, "values"}


TOGGLES = (("#btn-auto", "auto", "Pause ❚❚", "Auto ▶"), ("#btn-train, .train-button", "training", "Stop ■", "Train ▶"))


def page(ctl, katex, light: bool = False, batch_open: bool = False, notices=()) -> PageView:
    """The page for the controller now. `katex` turns one TeX line into HTML. `light`: between two
    full renders while training, the words and the data panel only, not the tools' lists.
    `notices`: what the link the visit opened held that could not be used."""
    view, state, moment = PageView(), ctl.state(), ctl.sim.now
    view.inputs = {"html": toolwords.inputs_html(len(state["x"])), "values": state["x"]}
    view.text.update({"network-summary": panels.summary(moment), "narration": panels.narration(moment), "message": ctl.message,
                      "runtime-info": toolwords.runtime_line(sys.version.split()[0], np.__version__)})
    view.status.update(panels.status(moment))
    view.text["url-notice"], view.hidden["url-notice"] = " ".join(notices), not notices
    view.html["equation"] = panels.equation_html(panels.equation(moment, ctl.selected), katex)
    picked = panels.picked_line(moment, ctl.selected)
    view.html["picked-line"], view.hidden["picked-line"] = raised(picked), not picked
    view.buttons += [(selector, state[key], on if state[key] else off) for selector, key, on, off in TOGGLES]
    view.disabled.update({"btn-back": not state["can_undo"], "btn-keep": not state["trained"]})
    view.hidden["table-section"] = not ctl.option("show_table")
    if ctl.option("show_table"):
        view.html["values-table"] = panels.table(moment)
    _settings(view, ctl)
    _data(view, ctl, state, katex, batch_open, light)
    if not light:
        _tools(view, ctl, state)
    return view


def control_value(setting: settings.Setting, value):
    """A setting's value as its control holds it: the speed slider's last notch for FAST, the
    layers as "2, 3, 1", the target slider at the first target."""
    if value == settings.FAST:
        return setting.read.notch
    if setting.name == "layers":
        return ", ".join(str(n) for n in value)
    if setting.name == "y":
        return value[0]
    return value


def _settings(view: PageView, ctl) -> None:
    """Each setting's controls: their values, and a slider's words (toolwords.setting_text)."""
    data = ctl.dataset is not None
    for row in settings.SETTINGS:
        if not row.controls or row.name in ("features", "x") or (row.data and not data):
            continue
        value = row.now(ctl)
        if value is None:  # a seed after the weights were edited: the field keeps the last one
            continue
        for control in row.controls:
            view.value[control] = control_value(row, value)
            if row.shown:
                view.text[control + "-value"] = toolwords.setting_text(row.name, value)
        if isinstance(row.read, settings.Flag):
            view.checked.update({control: bool(value) for control in row.controls})
            for control in row.controls:
                view.value.pop(control)


def _data(view: PageView, ctl, state: dict, katex, batch_open: bool, light: bool = False) -> None:
    """The data set tool's controls and the panel of what the network learned."""
    data = state["dataset"]
    view.hidden.update({"data-panel": data is None, "btn-data-csv": data is None})
    view.features.update({name: (name in state["features"], data is None) for name in datasets.FEATURES})
    view.disabled.update({s.controls[0]: data is None for s in settings.SETTINGS if s.data and s.controls and s.name != "features"})
    view.disabled["target"] = data is not None  # the picked point's target: the data set's, not a slider's
    view.hidden["own-data"] = data is None  # your own points: drawing, pasting, clearing (issue 30)
    view.html["neuron-buttons"] = neuron_buttons(ctl.sim.net)
    if data is not None:
        view.text["data-line"] = toolwords.data_line(data)
        _why(view, ctl, state, light)
        if batch_open:
            view.html["batch-average"] = toolwords.batch_average_html(ctl.batch_average(), katex)


def neuron_buttons(net) -> str:
    """A − and a + button for each hidden layer (act("neurons", [l, ∓1])), each saying what it does."""
    from .network import MAX_NEURONS
    rows = []
    for l in range(1, net.L):
        n = net.layers[l]
        rows.append(f'<span class="neuron-pair">Hidden layer {l} ({n}): '
                    f'<button type="button" data-neurons="{l},-1" aria-label="One neuron fewer in hidden layer {l}"'
                    f'{" disabled" if n <= 1 else ""}>−</button> '
                    f'<button type="button" data-neurons="{l},1" aria-label="One neuron more in hidden layer {l}"'
                    f'{" disabled" if n >= MAX_NEURONS else ""}>+</button></span>')
    return " ".join(rows)


def _why(view: PageView, ctl, state: dict, light: bool = False) -> None:
    """Why training works or fails: the gradient's flow in words, the neurons that pass none, the
    chosen weight's batch and its nudge; the list of weights only in full renders (the largest
    network has 5,000: too many to write 4 times a second while training)."""
    view.text.update({"flow-line": state["flow"]["text"], "flags-line": toolwords.flags_line(state["flags"], ctl.sim.net.layers),
                      "nudge-line": toolwords.nudge_line(state["nudge"])})
    if not light:
        view.options["why-weight"] = toolwords.trace_choices(ctl.sim.net.layers)[0]
    view.value["why-weight"] = json.dumps(["weight", *ctl.inspected.lesson()[1:]]) if ctl.inspected else ""
    view.html["weight-batch"] = toolwords.weight_batch_html(state["weight_batch"])


def _tools(view: PageView, ctl, state: dict) -> None:
    """The tools behind their summaries: the trace, the check, prediction mode."""
    weights, neurons = toolwords.trace_choices(ctl.sim.net.layers)
    view.options.update({"trace-weight": weights, "trace-neuron": neurons})
    sel = state["selected"]
    view.value.update({"trace-weight": json.dumps(sel) if sel and sel[0] == "weight" else "",
                       "trace-neuron": json.dumps(sel) if sel and sel[0] == "neuron" else ""})
    view.hidden["edit-row"] = not sel
    if sel:
        view.text["edit-label"] = toolwords.edit_label(sel)
        trace = state["trace"]
        view.value["edit-value"] = round(trace["w"] if sel[0] == "weight" else trace["b"], 6)
    view.html.update({"trace": panels.trace_html(state["trace"]), "shapes": panels.shapes_html(ctl.sim.now),
                      "check-result": panels.check_html(state["check"], state)})
    view.checked["predict-mode"] = ctl.predict_mode
    view.hidden["predict-bar"] = not ctl.predict_mode
    view.text.update({"predict-ask": toolwords.predict_prompt(state["prediction"], ctl.predict_mode),
                      "score": toolwords.score_line(state["score"])})



def menus() -> list[tuple[str, list]]:
    """The page's menus, (select id, [(value, label)]), from the catalogues that own them."""
    from .datasets import PROBLEMS
    from .rulebook import ACTIVATIONS, LOSSES
    from .presets import PRESETS

    activations = [(name, name) for name in ACTIVATIONS]
    return [("preset", [("", "Your own network")] + [(key, p.title) for key, p in PRESETS.items()]),
            ("hidden-act", activations), ("output-act", activations),
            ("loss-fn", [(name, loss.label) for name, loss in LOSSES.items()]),
            ("dataset", [("none", toolwords.NO_DATASET)] + [(name, p.title) for name, p in PROBLEMS.items()]
             + [("custom", toolwords.OWN_DATA)])]


def scroll_target(ctl) -> str:
    """Where a click on the drawing brings the eye: the line under the drawing that says what was
    picked (its W and ∂, or a neuron's numbers), so the drawing stays in view on a phone too; the
    chain rule of a chosen weight opens in the equation panel, beside the drawing when wide."""
    return "picked-line"


def as_json(view: PageView, to_json) -> str:
    """The view for page.js's backpropApply: select options as their HTML."""
    data = asdict(view)
    data["options"] = {element_id: options_html(items) for element_id, items in view.options.items()}
    return to_json(data)


def options_html(items) -> str:
    return "".join(f'<option value="{escape(str(value))}">{escape(label)}</option>' for value, label in items)


# ---- events: what page.js wires, and what each event means (an action and its value)

BUTTONED = {control: row for row in settings.SETTINGS if row.button not in (None, "fields") for control in row.controls}
FIELDS = {"edit-value": "btn-edit", "prediction": "btn-predict", **{c: row.button for c, row in BUTTONED.items()}}  # field: its button
FIELD_ACTIONS = {"prediction": "predict", "csv-text": "csv", **{c: row.act for c, row in BUTTONED.items()}}  # edit-value: the selection's weight or bias
SELECTS = ("trace-weight", "trace-neuron", "why-weight")  # their values are a weight's or neuron's JSON (toolwords.trace_choices)
CONTROLS = {control: row for row in settings.SETTINGS if row.button is None for control in row.controls}


def wiring(kinds: dict) -> dict:
    """What page.js fills in and listens to: the menus, every setting's own control (kinds: control
    id -> its input type; a number field sends when it is left, the others as they move), the
    fields sent by a button, the trace lists."""
    controls = [[control, "change" if kinds[control] == "number" else "input", isinstance(row.read, settings.Flag)]
                for control, row in CONTROLS.items()]
    return {"menus": {element_id: options_html(items) for element_id, items in menus()}, "controls": controls,
            "fields": [[f, b] for f, b in FIELDS.items()], "selects": list(SELECTS)}


def event(ctl, kind: str, element_id: str, value, canvases=None):
    """(action, value) for an event page.js sent, or None when it asks for nothing (an empty tuple:
    taken, and nothing to do); `canvases`
    (drawing.Canvases) has the drawings a click or a key on them picks from."""
    if kind == "click":  # value: the click's x and y on the canvas, and the canvas's width as shown
        picked = canvases.click(element_id, 0.0, 0.0, value[2], value[0], value[1])
        if element_id == "plane" and picked is None and ctl.dataset is not None and ctl.dataset.name == datasets.CUSTOM:
            at = canvases.plane_at(value[2], value[0], value[1])  # your own points: a click off every point draws one
            return None if at is None else ("add_point", {"x1": at[0], "x2": at[1], "label": ctl.option("draw_label")})
        return ("select", picked) if element_id == "network" else None if picked is None else ("pick_point", picked)
    if kind == "plane-key":  # the plot's own keys: taken (an empty action) even where they move nowhere
        index = canvases.key_pick(ctl, element_id)
        return None if index is None else () if index == ctl.picked else ("pick_point", index)
    if kind == "action":
        return element_id, value
    if kind == "control":
        row = CONTROLS[element_id]
        return row.act, row.value_for(value)
    if kind == "select":  # the Why box's list chooses the weight whose batch it shows; the Trace tool's, the selection
        chosen = json.loads(value) if value else None
        return ("inspect_weight", chosen[1:] if chosen else None) if element_id == "why-weight" else ("select", chosen)
    if kind == "group":
        return ("x" if element_id == "inputs" else "features"), list(value)
    if kind == "key":  # element_id: the key; value: [the tag it was pressed on, an input's type, a modifier held]
        action = toolwords.key_action(element_id, *value)
        return None if action is None else (action, not ctl.option("show_table") if action == "table" else None)
    if element_id == "nudge-eps":  # the chosen weight, nudged by the field's ε
        return None if ctl.inspected is None else ("nudge", [*ctl.inspected.lesson()[1:], value])
    if element_id == "edit-value":
        sel = ctl.selected  # the weight's or the bias's action, with the lesson's numbering: [l, j, (k,) value]
        return None if sel is None else ("weight" if sel.kind == "weight" else "bias", [*sel.lesson()[1:], value])
    return FIELD_ACTIONS[element_id], value


EXPORTS = ("svg", "json", "csv", "data-csv")  # the Share tool's files, each its button btn-(name)


def export(ctl, which: str, svg) -> tuple[str, str, str]:
    """(file name, text, mime type) of an export; `svg` draws the network's SVG."""
    if which == "svg":
        return "backprop-network.svg", svg(), "image/svg+xml"
    if which == "json":
        return "backprop-state.json", json.dumps(ctl.state(), indent=2), "application/json"
    if which == "csv":
        return "backprop-values.csv", toolwords.csv(ctl.state()), "text/csv"
    return f"backprop-{ctl.dataset.name}.csv", ctl.data_csv(), "text/csv"


class TexCache:
    """KaTeX's HTML for one equation, remembered: stepping back and forth renders nothing twice.
    `render` is KaTeX's renderToString in the page (None without KaTeX: the TeX as code)."""

    def __init__(self, render, most: int = 300):
        self.render, self.most, self.found = render, most, {}

    def __call__(self, tex: str) -> str:
        if tex not in self.found:
            if len(self.found) > self.most:
                self.found.clear()
            html = self.render(tex)
            self.found[tex] = html if html is not None else f"<code>{escape(tex)}</code>"
        return self.found[tex]
