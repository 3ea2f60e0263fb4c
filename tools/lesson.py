"""Pages and pictures the build makes from the engine itself.

- `expand(markdown)`: replaces the markers on lesson pages:
  `{{ worked_example }}` (the seed example, every number from the engine),
  the activities' numbers (`lesson_numbers`: `{{ seed_delta_2 }}` and the like, computed by the
  engine and written by the one formatter, so they equal what the drawing shows) and
  `{{ python_source }}` (the package's source, for the "Edit the MicroSim" link);
- `write_preview(main_html)`: the static SVG shown before Python has started, drawn by the
  same scene code as the live canvas, and every `{{ name }}` of the page (`page_values`):
  limits, ranges, defaults, help and keyboard shortcuts, written from the Python constants
  the simulation enforces, so the page never repeats a number by hand.
"""

from __future__ import annotations

import functools
import json
import re
from html import escape
from pathlib import Path
from urllib.parse import urlparse

from backprop_sim import datasets, mathtex, panels, settings, svg, toolwords, urlstate
from backprop_sim.formatting import html, number, parameter
from backprop_sim.controller import Controller
from backprop_sim.toolwords import COMPACT_HEIGHT, EMBED_HEIGHT, embed_iframe
from backprop_sim.presets import preset
from backprop_sim.scene import View, network_scene

PACKAGE = Path(__file__).resolve().parent.parent / "py" / "backprop_sim"
SOURCE_ORDER = ("rules.py", "catalogue.py", "rulebook.py", "formatting.py", "reading.py", "network.py", "explain.py", "engine.py",
                "datasets.py", "descent.py", "plane.py", "training.py", "presets.py", "mathtex.py",
                "scene/__init__.py", "scene/primitives.py", "scene/labels.py", "scene/targets.py", "scene/layout.py",
                "scene/network.py", "scene/maps.py", "scene/heat.py", "scene/plots.py", "svg.py",
                "panels.py", "toolwords.py", "settings.py", "prediction.py", "building.py", "csvdata.py", "pointcontrol.py", "datacontrol.py",
                "controller.py",
                "whycontrol.py", "diagnosis.py", "api.py", "urlstate.py", "editing.py", "pageview.py", "drawing.py", "pacing.py",
                "painter.py")


def worked_example(plain: bool = False) -> str:
    """The seed example, every number from the engine. plain: no HTML wrapper, for textbooks
    whose Markdown has no md_in_html (the drop-in folder)."""
    sim = preset("seed").simulation()
    net, x, y = sim.net, sim.now.x, sim.now.y
    fp, steps = net.gradients(x, y)
    out = [
        "The simulation's default network, computed by the same Python code when this page was built. "
        "Computed values are rounded to four decimals, weights, biases, inputs and the target are shown as set; "
        "the simulation's drawing and values table show the same numbers.",
        "",
        *([] if plain else ['<div class="worked-example" markdown>', ""]),
        "**Inputs and target**",
        "",
        f"$$x = a^{{[0]}} = {mathtex.parameters(x)}, \\qquad y = {mathtex.parameters(y)}$$",
        "",
        "**Forward pass** (sigmoid in both layers)",
        "",
    ]
    for l in range(1, net.L + 1):
        z_line, a_line = mathtex.forward_numeric(net, fp, l)
        out += [f"$${z_line}$$", "", f"$${a_line}$$", ""]
    out += [f"$${mathtex.loss_numeric(net, fp, y)}$$", "", "**Backward pass**, one step per layer, from the output down", ""]
    for step in steps:
        where = "output layer" if step.layer == net.L else f"hidden layer {step.layer}"
        out += [f"*Step {step.number}: {where}, l = {step.layer}*", ""]
        for eq in step.equations:
            described = panels.describe(eq, step)
            shapes = f"Shapes: {described}" if plain else f"<p class=\"shapes\">Shapes: {html(described)}</p>"
            out += [f"$${mathtex.worked(eq, step)}$$", "", shapes, ""]
    out += [] if plain else ["</div>", ""]
    return "\n".join(out)


def lesson_numbers() -> dict[str, str]:
    """The numbers the lesson's activities and teaching notes ask for, from the engine."""
    seed = preset("seed").simulation()
    net, x, y = seed.net, seed.now.x, seed.now.y
    _, steps = net.gradients(x, y)
    by_layer = {s.layer: s for s in steps}
    dead = preset("dead-relu").simulation()
    dead_fp = dead.net.forward(dead.now.x, dead.now.y)
    W2 = [parameter(w) for w in net.W[2].ravel()]
    return {
        **target_exploration(net, x, y),
        "seed_y_hat": number(net.forward(x, y).y_hat[0, 0]),
        # Activity 4's shapes: δ^[1] times (a^[0])ᵀ gives the shape of W^[1]
        "seed_shape_delta_1": "×".join(map(str, by_layer[1].delta.result.value.shape)),
        "seed_shape_a0_T": "×".join(map(str, x.T.shape)),
        "seed_shape_W1": "×".join(map(str, net.W[1].shape)),
        "seed_shape_W2_T": "×".join(map(str, net.W[2].T.shape)),  # discussion question 1's column
        "seed_inputs": str(net.layers[0]), "seed_hidden": str(net.layers[1]),
        "seed_delta_2": number(by_layer[2].delta.result.value[0, 0]),  # δ^[2]₁, above the output neuron
        "seed_dW_1_12": number(by_layer[1].dW.result.value[0, 1]),  # ∂L/∂W^[1]₁₂, on the connection x₂ → hidden 1
        "dead_relu_z": number(dead_fp.z[1][1, 0]),  # z^[1]₂ of the dead ReLU preset
        "seed_W2": ", ".join(W2[:-1]) + " and " + W2[-1],  # W^[2] as set: the transpose's scale factors
    }


def target_exploration(net, x, y) -> dict[str, str]:
    """Activity 2: the target from 1 to 0. Every gradient flips sign, each δ from red to blue or
    back; the build stops if one does not (the lesson says every one does)."""
    import numpy as np

    zero = np.zeros_like(y)
    before, after = ({s.layer: s for s in net.gradients(x, t)[1]} for t in (y, zero))
    for l in before:
        for eq in ("delta", "dW"):
            old, new = (getattr(s[l], eq).result.value for s in (before, after))
            if not np.all(np.sign(old) == -np.sign(new)):
                raise ValueError(f"Activity 2 says every gradient flips sign with the target at 0; {eq} of layer {l} does not")
    return {
        "seed_delta_2_y0": number(after[2].delta.result.value[0, 0]),
        "seed_delta_1_2": number(before[1].delta.result.value[1, 0], sign=True),  # hidden neuron 2: red, then blue
        "seed_delta_1_2_y0": number(after[1].delta.result.value[1, 0]),
    }


DATA_UPDATES, DATA_UPDATES_LONG = settings.default("train_count"), 3000  # the activities' training, at build (Train N's default first)
DATA_LR = 0.3
L2_RATE = 0.01


def data_setup(problem: str, hidden: tuple, features=None, regularization=None, **data) -> Controller:
    """A controller set up for one of the lesson's data activities, through the page's own
    actions (so its link, urlstate.encode, opens exactly this); what is not given keeps the
    settings' defaults; any refusal stops the build."""
    ctl = Controller()
    steps = [("dataset", {"name": problem, **data})]
    steps += [("features", list(features))] if features else []
    steps += [("layers", [len(features or ctl.features), *hidden, 1]), ("activation", ["hidden", "tanh"]), ("lr", DATA_LR)]
    steps += [("regularization", {"kind": regularization[0], "rate": regularization[1]})] if regularization else []
    for name, value in steps:
        if ctl.act(name, value):
            raise ValueError(f"The lesson's {problem} activity: {name} {value!r} was refused: {ctl.message}")
    return ctl


def trained(ctl: Controller, updates: int) -> dict:
    """The data set's state after this many updates (Controller.state()["dataset"]), with the
    largest |w| of the network."""
    if ctl.act("train_steps", updates):
        raise ValueError(f"Training for the lesson was refused: {ctl.message}")
    state = ctl.state()
    return {**state["dataset"], "max_w": max(abs(w) for W in state["W"] for row in W for w in row)}


def percent(share: float) -> str:
    return f"{100 * share:.1f} %"


@functools.cache
def data_numbers() -> dict[str, str]:
    """The data activities' links and results (issue 16): computed by training at build, so the
    lesson always says what the simulation does."""
    setups = {
        "xor_flat": (data_setup("xor", ()), DATA_UPDATES),
        "xor_hidden": (data_setup("xor", (4,)), DATA_UPDATES),
        "spiral_small": (data_setup("spiral", (4,)), DATA_UPDATES),
        "spiral_sin": (data_setup("spiral", (8, 8), features=("x1", "x2", "sin x1", "sin x2")), DATA_UPDATES_LONG),
        "overfit": (data_setup("circle", (8, 8), noise=50, train_share=10), DATA_UPDATES_LONG),
        "l2": (data_setup("circle", (8, 8), noise=50, train_share=10, regularization=("l2", L2_RATE)), DATA_UPDATES_LONG),
    }
    values = {f"data_link_{name}": "main.html#" + urlstate.encode(ctl) for name, (ctl, _) in setups.items()}
    done = {name: trained(ctl, updates) for name, (ctl, updates) in setups.items()}
    return {
        **values,
        "data_updates": f"{DATA_UPDATES:,}", "data_updates_long": f"{DATA_UPDATES_LONG:,}", "data_l2_rate": f"{L2_RATE:g}",
        "data_xor_flat_accuracy": percent(done["xor_flat"]["test_accuracy"]),
        "data_xor_hidden_accuracy": percent(done["xor_hidden"]["test_accuracy"]),
        "data_spiral_small_accuracy": percent(done["spiral_small"]["test_accuracy"]),
        "data_spiral_sin_accuracy": percent(done["spiral_sin"]["test_accuracy"]),
        "data_overfit_train_loss": number(done["overfit"]["train_loss"]),
        "data_overfit_test_loss": number(done["overfit"]["test_loss"]),
        "data_overfit_train_accuracy": percent(done["overfit"]["train_accuracy"]),
        "data_overfit_test_accuracy": percent(done["overfit"]["test_accuracy"]),
        "data_l2_max_w_off": number(done["overfit"]["max_w"]),
        "data_l2_max_w_on": number(done["l2"]["max_w"]),
        "data_l2_test_accuracy": percent(done["l2"]["test_accuracy"]),
    }


FAIL_UPDATES, DEAD_UPDATES, DIVERGE_UPDATES = 300, 500, 500  # "When training fails": each case's training, at build


def failure_setup(problem: str, layers, hidden: str, lr: float, output: str | None = None) -> Controller:
    """A controller set up for one of the "When training fails" cases, through the page's own actions."""
    ctl = Controller()
    steps = [("dataset", {"name": problem}), ("layers", list(layers)), ("activation", ["hidden", hidden])]
    steps += [("activation", ["output", output])] if output else []
    for name, value in steps + [("lr", lr)]:
        if ctl.act(name, value):
            raise ValueError(f"The lesson's {problem} failure case: {name} {value!r} was refused: {ctl.message}")
    return ctl


def _flow_ratio(state: dict) -> str:
    """Layer 1's gradient as a share of the output layer's, at the last recorded update."""
    last = [layer[-1] for layer in state["gradient_flow"]]
    share = 100 * last[0] / last[-1]
    return f"{share:.0f} %" if share >= 10 else f"{share:.2g} %"


@functools.cache
def failure_numbers() -> dict[str, str]:
    """The numbers and links of the lesson's "When training fails" (issue 29): trained at build,
    so the lesson says what the simulation does."""
    cases = {
        "vanish": failure_setup("spiral", (2, 8, 8, 8, 8, 1), "sigmoid", 1.0),
        "vanish_fix": failure_setup("spiral", (2, 8, 8, 8, 8, 1), "relu", 0.1),
        "dead": failure_setup("circle", (2, 8, 8, 1), "relu", 3.0),
        "dead_fix": failure_setup("circle", (2, 8, 8, 1), "leaky_relu", 3.0),
        "diverge": failure_setup("plane", (2, 4, 1), "linear", 10.0, "linear"),
        "diverge_fix": failure_setup("plane", (2, 4, 1), "linear", 0.001, "linear"),
    }
    values = {f"fail_link_{name}": "main.html#" + urlstate.encode(ctl) for name, ctl in cases.items()}
    for name, updates in (("vanish", FAIL_UPDATES), ("vanish_fix", FAIL_UPDATES), ("dead", DEAD_UPDATES), ("dead_fix", DEAD_UPDATES),
                          ("diverge", DIVERGE_UPDATES), ("diverge_fix", DIVERGE_UPDATES)):
        message = cases[name].act("train_steps", updates)
        if bool(message) != (name == "diverge"):  # only the divergence case may (and must) stop with a message
            raise ValueError(f"The lesson's failure case {name} did not go as the lesson says: {message!r}")
    states = {name: ctl.state() for name, ctl in cases.items()}
    dead = [f for f in states["dead"]["flags"] if f["kind"] == "dead"]
    return {
        **values,
        "fail_updates": f"{FAIL_UPDATES:,}", "fail_dead_updates": f"{DEAD_UPDATES:,}", "fail_diverge_updates": f"{DIVERGE_UPDATES:,}",
        "fail_vanish_ratio": _flow_ratio(states["vanish"]), "fail_vanish_fix_ratio": _flow_ratio(states["vanish_fix"]),
        "fail_vanish_accuracy": percent(states["vanish"]["dataset"]["test_accuracy"]),
        "fail_vanish_fix_accuracy": percent(states["vanish_fix"]["dataset"]["test_accuracy"]),
        "fail_dead_count": f"{len(dead)} of {sum(states['dead']['layers'][1:-1])}",
        "fail_dead_accuracy": percent(states["dead"]["dataset"]["test_accuracy"]),
        "fail_dead_fix_count": str(len([f for f in states["dead_fix"]["flags"] if f["kind"] == "dead"])),
        "fail_dead_fix_accuracy": percent(states["dead_fix"]["dataset"]["test_accuracy"]),
        "fail_diverge_after": str(states["diverge"]["dataset"]["update"]),
        "fail_diverge_fix_loss": f"{states['diverge_fix']['dataset']['test_loss']:.1e}".replace("-", "−"),
    }


def python_source() -> str:
    parts = []
    for name in SOURCE_ORDER:
        code = (PACKAGE / name).read_text()
        parts += [f"## `{name}`", "", f'``` python title="py/backprop_sim/{name}" linenums="1"', code.rstrip(), "```", ""]
    return "\n".join(parts)


PLACEHOLDER_HOSTS = ("example.org", "example.com", "example.net", "localhost", "127.0.0.1")


def site_address(site_url: str | None) -> str:
    """site_url with a trailing slash when it is a real address; "" when unset or a placeholder
    (example.org and the like, or the local address `mkdocs serve` puts there)."""
    host = urlparse(site_url or "").hostname or ""
    host = host.removeprefix("www.")
    if not host or host in PLACEHOLDER_HOSTS or host.endswith((".example", ".invalid", ".test", ".localhost")):
        return ""
    return site_url.rstrip("/") + "/"


def _embed_addresses(address: str) -> tuple[str, str, str]:
    """(simulation, resize script, data-embed-base) for the embed boxes. With a real site address the
    snippets are absolute; without one they are relative to the lesson (sim/index) and lesson.js
    writes the page's own address into them when it is viewed, so a teacher never copies a placeholder."""
    if address:
        return f"{address}sim/main.html", f"{address}assets/microsim-embed.js", "site"
    return "main.html", "../assets/microsim-embed.js", "page"


def embed_copy(address: str) -> str:
    """The collection's "Copy this iframe to your website:" block, under the lesson's frame: the
    compact snippet, which works as pasted."""
    sim, _, base = _embed_addresses(address)
    return "\n".join([
        f'<div class="embed-box" data-embed-base="{base}" markdown>',
        "",
        "Copy this iframe to your website:",
        "",
        "```html",
        embed_iframe(sim),
        "```",
        "",
        "</div>",
    ])


def embed_snippet(address: str) -> str:
    """The lesson's embed box near its end: what the snippet at the top does, and the full view."""
    sim, script, base = _embed_addresses(address)
    full = embed_iframe(sim, EMBED_HEIGHT) + f'\n<script src="{script}"></script>'
    return "\n".join([
        f'<div class="embed-box" data-embed-base="{base}" markdown>',
        "",
        "The iframe under the simulation at the top of this page works as pasted into any page, LMS or "
        f"course site, even where the editor removes scripts: in a frame {COMPACT_HEIGHT} px high the "
        "simulation shows its compact view (the drawing, the step buttons, the status and the current "
        "equation; **Tools** opens the rest).",
        "",
        "The full view, where your page allows scripts: the script makes the frame grow and shrink "
        "with the simulation (the MicroSim `microsim-resize` message). Without the script the frame "
        f"stays {EMBED_HEIGHT} px high and scrolls. Both also work in an iframe with `sandbox=\"allow-scripts\"`.",
        "",
        "``` html",
        full,
        "```",
        "",
        "To share a particular setup (a preset, a target, a step of the backward pass), set it up in "
        "the simulation and press **Copy embed code** under *Share and export*: the snippet it gives "
        "carries that state in its address.",
        "",
        "</div>",
    ])


def expand(markdown: str, site_url: str = "", overrides: dict | None = None) -> str:
    """The page with each {{ marker }} filled; overrides (the drop-in folder's) replace markers by name."""
    markers = {
        "worked_example": worked_example,
        "python_source": python_source,
        "embed_snippet": lambda: embed_snippet(site_address(site_url)),
        "embed_copy": lambda: embed_copy(site_address(site_url)),
        "embed_height": lambda: str(EMBED_HEIGHT),
        **{name: (lambda value=value: value) for name, value in lesson_numbers().items()},
        **(overrides or {}),
    }

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name in markers:
            return markers[name]()
        if name.startswith("data_"):  # trained only for the pages that ask (data_numbers)
            return data_numbers()[name]
        if name.startswith("fail_"):  # the same for "When training fails"
            return failure_numbers()[name]
        return match.group(0)

    return re.sub(r"\{\{\s*(\w+)\s*\}\}", fill, markdown)


def write_rules_source(target: Path) -> None:
    """The real rules.py, for the Edit page's editor: generated, so it can never drift."""
    source = (PACKAGE / "rules.py").read_text()
    target.write_text("// Generated from py/backprop_sim/rules.py by the build.\nwindow.backpropRulesSource = "
                      + json.dumps(source) + ";\n")


def preview_svgs() -> str:
    """The first state drawn wide and narrow, light and dark; sim.css shows the one that fits."""
    moment = preset("seed").simulation().now
    title = "The network before the forward pass (preview while Python starts)"
    return "".join(
        f'<div class="preview-{size} preview-{theme}">{svg.render(network_scene(moment, View(width, theme)), title)}</div>'
        for theme in ("light", "dark") for size, width in (("wide", 1000), ("narrow", 360))
    )


def page_values() -> dict[str, str]:
    """What main.html's {{ name }} markers become: help, shortcuts and the defaults' words, each
    from the Python that owns it (the controls' attributes come from the settings table:
    control_attributes)."""
    ctl = Controller()  # as a visit starts
    values = {
        "summary": panels.summary(ctl.sim.now),
        "layers": ", ".join(str(n) for n in ctl.sim.net.layers),
        "layers_help": toolwords.layers_help(),
        "keyboard_help": toolwords.keyboard_help(),
        "symbol_key": toolwords.symbol_key_html(),
        "feature_boxes": "".join(
            f'<label class="check" for="feature-{i}"><input type="checkbox" id="feature-{i}" value="{escape(name)}" disabled> {escape(datasets.FEATURE_NAMES[name])}</label>'
            for i, name in enumerate(datasets.FEATURES)),
        "regularization_options": "".join(f'<option value="{kind}">{escape(label)}</option>' for kind, label in datasets.REGULARIZATIONS.items()),
        "data_help": toolwords.data_help(),
    }
    values.update({f"keys_{s.action}": " ".join(s.keys) for s in toolwords.SHORTCUTS})
    values.update(keys_notes())
    return values


def keys_notes() -> dict[str, str]:
    """In a frame (a lesson, a textbook) the page's keys work once the simulation has the focus,
    and the page's host keeps its own (Material's F and S open its search): the two lines the
    page shows, with the keys from toolwords.SHORTCUTS."""
    signs = {"ArrowRight": "→", "ArrowLeft": "←"}
    keys = ", ".join(" or ".join(signs.get(k, k) for k in s.keys) for s in toolwords.SHORTCUTS)
    return {"keys_on": f"Keys on: {keys}. Click outside the simulation for the page's own keys.",
            "keys_off": f"Click the simulation (or Tab into it) to use its keys: {keys}."}


def control_attributes(html: str) -> str:
    """Each setting's controls (settings.py: a row's `controls`) with their min, max, step and value
    as the row's reader gives them, and a slider's <output> with the default's words."""
    for row in settings.SETTINGS:
        attrs = settings.attributes(row.name)
        for control in row.controls:
            tag = re.search(rf'<input\b[^>]*\bid="{control}"', html)
            if tag and attrs:
                html = html[:tag.end()] + " " + attrs + html[tag.end():]
            output = f'<output id="{control}-value" for="{control}"></output>'
            if output in html:
                html = html.replace(output, output[:-9] + escape(toolwords.setting_text(row.name, row.default)) + "</output>")
    return html


def write_preview(main_html: Path) -> None:
    html = main_html.read_text()
    marker = "<!-- static preview: build-time SVG of the first state -->"
    if marker not in html:
        raise RuntimeError(f"{main_html} has no preview marker")
    html = html.replace(marker, preview_svgs())
    values = page_values()

    def fill(match: re.Match) -> str:
        if match.group(1) not in values:
            raise RuntimeError(f"{main_html}: no value for {{{{ {match.group(1)} }}}}")
        return values[match.group(1)]

    main_html.write_text(control_attributes(re.sub(r"\{\{ (\w+) \}\}", fill, html)))
