"""The browser shell: the only module that imports `js` and `pyodide`.

Two parts. `Page` is the wiring: DOM events, timers, messages, the URL and the
`window.backpropSim` API, each ending in `Controller.act`. `Renderer` puts a state in the
page: the scene's display lists on the canvases (one bridge call a frame) and the panels'
words in their elements. Nothing here computes or words anything the learner sees: the
numbers come from the engine, the shapes from `scene`, every sentence from `panels`.
"""

from __future__ import annotations

import gc
import json
import math
import sys
import time
import traceback
from html import escape

import js  # the browser
import numpy as np
from pyodide.ffi import create_proxy, to_js

from . import panels, svg, urlstate
from .controller import FAST, TRAIN_SPEEDS, Controller
from .engine import ACTIVATIONS, LOSSES
from .datasets import PROBLEMS
from .presets import PRESETS
from .scene import LabelMemory, View, data_loss_scene, hit, hit_point, loss_scene, nearby_point, network_scene, plane_scene, scale_for
from .scene import plane_heat_image as heat_image  # the plane's map as plane_scene draws it (the call below: plane_heat_image at the merge)

TRANSITION_MS = 350  # the eased change between two moments
FLOW_MS = 900  # a backward step: its gradients' arrows grow from each neuron toward the layer before, slowly enough to see
PANELS_EVERY_MS = 250  # while training, the words and equations 4 times a second; the plane every frame
FAST_NOTCH = TRAIN_SPEEDS[1] + 1  # the speed sliders' last notch: "fast", as many updates as a frame's budget holds
FAST_BUDGET_MS = 20.0  # fast training: Python time for updates per animation frame; with the plane's ~7 ms, about 30 frames/s
CATCH_UP_MS = 250.0  # after a long frame or a hidden tab, training does not try to catch up more than this
PLANE_GRID = 50  # cells per side of the output's map over the input plane
MAP_STEP = 2  # the neurons' small maps: every 2nd cell of it, 25 × 25
NETWORK_EVERY_MS = 1000  # while training, the network's drawing (its labels and maps) at least once a second


def _el(element_id: str):
    return js.document.getElementById(element_id)


_HTML: dict = {}  # element id -> the HTML written there last (_set_html)


def _set_html(element_id: str, html: str) -> None:
    """innerHTML, written only when it changes: the same equation written again 4 times a second
    while training would make the browser build and lay out its KaTeX boxes again each time."""
    if _HTML.get(element_id) != html:
        _el(element_id).innerHTML = _HTML[element_id] = html


def _options(items) -> str:
    return "".join(f'<option value="{escape(str(value))}">{escape(label)}</option>' for value, label in items)


def _json(data) -> str:
    """JSON that JavaScript can parse: JSON has no NaN or ∞, so those (never in a committed
    state, but a bug must not make the page unreadable) become the strings "NaN", "Infinity"."""
    try:
        return json.dumps(data, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(_finite(data), separators=(",", ":"), allow_nan=False)


def _finite(data):
    if isinstance(data, float) and not math.isfinite(data):
        return "NaN" if math.isnan(data) else "Infinity" if data > 0 else "-Infinity"
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(value) for value in data]
    return data


def _draw(canvas, scene) -> None:
    """One bridge call: paint.js draws the whole display list."""
    js.backpropPaint(canvas, _json(scene.items), scene.width, scene.height, scene.background)


def _own_origin() -> str | None:
    """This page's origin as postMessage names it; None in an opaque origin (file://, a sandbox)."""
    origin = str(js.window.origin)
    return None if origin == "null" else origin


def _obj(data) -> object:
    """A plain JavaScript object (or array) from JSON-able Python data."""
    return js.JSON.parse(_json(data))


class Proxies:
    """JavaScript handles to Python callbacks, kept alive for as long as the page."""

    def __init__(self):
        self._all = []
        self._once: dict = {}

    def __call__(self, fn):
        p = create_proxy(fn)
        self._all.append(p)
        return p

    def once(self, key: str, fn):
        """One long-lived proxy per callback kind, rather than a new one every frame."""
        if key not in self._once:
            self._once[key] = self(fn)
        return self._once[key]


class Renderer:
    """Puts the controller's state in the page: the drawing, the panels' words, the tools.

    It reads the state and writes the DOM; it never acts. `controller` gives the current
    Controller (a link that cannot be used replaces it)."""

    def __init__(self, controller, proxies: Proxies, on_inputs):
        self.controller = controller
        self.proxies = proxies
        self.on_inputs = on_inputs  # the input fields x₁…xₙ are made here; their change is the page's
        self.canvas = _el("network")
        self.wrap = self.canvas.parentElement
        self.dark = js.window.matchMedia("(prefers-color-scheme: dark)")
        self.width = 0.0  # the drawing's CSS width, kept from the ResizeObserver: reading it would force a layout
        self.anim_start = None
        self.anim_ms = TRANSITION_MS
        self.still = js.window.matchMedia("(prefers-reduced-motion: reduce)")  # then every change is shown at once
        self.last_scene = None
        self.labels = LabelMemory()  # the label placement, reused by the frames of a transition
        self.frame_ms: list[float] = []  # Python time per painted frame, for the benchmark
        self.painted_picture = None
        self.last_plane = None  # the plane's scene drawn last, for clicks on its points
        self._map_picture = None  # (picture, its coarser grids for the neurons' maps)
        self.paint_ms = 0.0  # what the network's drawing took last (Page._do: how often while training)
        self._plane_key = None  # what the plane's points and legend were drawn for (paint_plane)
        self._plane_count = 0  # how many times they were: paint.js keeps them drawn by this key
        self._painted_history = None  # the loss curve drawn last, and for what room and scheme
        self._loss_size = None
        self._data_room: float | None = None  # data_room()
        self._katex: dict[str, str] = {}  # KaTeX's HTML by TeX: stepping back and forth renders nothing twice
        self.katex_trust = proxies(lambda context: str(context.command) == "\\htmlClass")

    @property
    def ctl(self) -> Controller:
        return self.controller()

    # ---- the transition between two moments

    def start_transition(self, duration_ms: float = TRANSITION_MS) -> None:
        self.anim_start = None if self.still.matches else js.performance.now()
        self.anim_ms = duration_ms
        js.requestAnimationFrame(self.proxies.once("frame", lambda t: self.on_frame()))

    def progress(self) -> float:
        if self.anim_start is None:
            return 1.0
        return min(1.0, (js.performance.now() - self.anim_start) / self.anim_ms)

    def on_frame(self) -> None:
        progress = self.progress()
        try:
            self.paint(progress)
        except Exception as exc:  # a bug in the drawing: say so, and stop animating it
            self.show_error(exc)
            return
        if progress < 1:
            js.requestAnimationFrame(self.proxies.once("frame", lambda t: self.on_frame()))

    def resized(self, width: float | None = None) -> None:
        """A new width of the drawing (or of the data panel), or a new colour scheme: paint all again."""
        if width is not None:
            self.width = width
        self.painted_picture = self._plane_key = self._data_room = None
        try:
            self.paint(self.progress())
        except Exception as exc:
            self.show_error(exc)

    # ---- the whole page

    def render(self, light: bool = False) -> None:
        """Put the state in the page. `light`, between two full renders while training: the words,
        the status, the buttons and the data set's panel, not the tools' lists nor any drawing
        (Page._do says how often each comes)."""
        ctl, moment = self.ctl, self.ctl.sim.now
        state = ctl.state()
        drawn_first = ctl.training  # then the page's layout stays as it is: draw before writing words,
        if drawn_first:  # as a canvas drawn after them waits for the page's new style (~20 ms of a frame)
            self.render_drawings(state, light)
        _el("network-summary").textContent = panels.summary(moment)
        for key, text in panels.status(moment).items():
            js.document.querySelector(f'#status [data-key="{key}"]').textContent = text
        _set_html("equation", panels.equation_html(panels.equation(moment, ctl.selected), self.katex))  # one DOM write
        _el("narration").textContent = panels.narration(moment)
        _el("message").textContent = ctl.message
        y = float(moment.y[0, 0])
        if abs(float(_el("target").value) - y) > 1e-9:
            _el("target").value = y
        _el("target-value").textContent = panels.number(y, 2)
        _el("speed").value = ctl.speed
        _el("speed-value").textContent = panels.rate(ctl.speed, "step")
        for selector, on, label_on, label_off in (("#btn-auto", ctl.auto, "Pause ❚❚", "Auto ▶"), ("#btn-train, .train-button", ctl.training, "Stop ■", "Train ▶")):
            for button in js.document.querySelectorAll(selector):
                button.setAttribute("aria-pressed", "true" if on else "false")
                button.textContent = label_on if on else label_off
        _el("btn-back").disabled = not state["can_undo"]  # nothing to undo at the start
        _el("btn-keep").disabled = not state["trained"]
        _el("show-table").checked = ctl.show_table
        _el("finer").checked = ctl.finer
        _el("table-section").hidden = not ctl.show_table
        if ctl.show_table:
            _el("values-table").innerHTML = panels.table(moment)
        if not light:
            self.render_tools(state)
        self.render_data(state)
        if not drawn_first:  # the data panel may have just been shown: drawn in its new size
            self.render_drawings(state, light)

    def render_drawings(self, state: dict, light: bool) -> None:
        """A render's canvases. A light render's frame has no time left for the network nor the
        plane: the next frame paints the plane, and the loss curves here."""
        if not light:
            self.paint(self.progress())
        elif self.ctl.dataset is not None:
            self.paint_curve()
        self.paint_loss(state)

    def render_tools(self, state: dict) -> None:
        ctl, net = self.ctl, self.ctl.sim.net
        _el("preset").value = ctl.preset
        _el("hidden-act").value = net.hidden_activation
        _el("output-act").value = net.output_activation
        _el("loss-fn").value = net.loss_fn
        layers = _el("layers")
        if js.document.activeElement != layers:
            layers.value = ", ".join(str(n) for n in net.layers)
        if ctl.seed is not None:
            _el("seed").value = ctl.seed
        self.render_inputs()
        lr = _el("lr")
        if js.document.activeElement != lr:
            lr.value = ctl.learning_rate
        for slider in ("train-speed", "data-speed"):
            _el(slider).value = FAST_NOTCH if ctl.train_speed == FAST else ctl.train_speed
            _el(slider + "-value").textContent = panels.rate(ctl.train_speed, "steps")
        # trace: the choices, the selected one, its chain
        weights, neurons = panels.trace_choices(net.layers)
        self.fill_select("trace-weight", weights)
        self.fill_select("trace-neuron", neurons)
        sel = state["selected"]
        _el("trace-weight").value = json.dumps(sel) if sel and sel[0] == "weight" else ""
        _el("trace-neuron").value = json.dumps(sel) if sel and sel[0] == "neuron" else ""
        _el("edit-row").hidden = not sel
        if sel:
            _el("edit-label").textContent = panels.edit_label(sel)
            edit = _el("edit-value")
            if js.document.activeElement != edit:
                trace = state["trace"]
                edit.value = round(trace["w"] if sel[0] == "weight" else trace["b"], 6)
        _el("trace").innerHTML = panels.trace_html(state["trace"])
        _el("shapes").innerHTML = panels.shapes_html(ctl.sim.now)
        _el("check").checked = ctl.check
        _el("check-result").innerHTML = panels.check_html(state["check"], state)
        _el("predict-mode").checked = ctl.predict_mode
        _el("predict-bar").hidden = not ctl.predict_mode
        _el("predict-ask").textContent = panels.predict_prompt(state["prediction"], ctl.predict_mode)
        _el("score").textContent = panels.score_line(state["score"])

    def render_data(self, state: dict) -> None:
        """The data set tool's controls and the panel of what the network learned (issue 16)."""
        data = state["dataset"]
        _el("data-panel").hidden = _el("btn-data-csv").hidden = data is None
        _el("dataset").value = data["name"] if data else "none"
        for box in js.document.querySelectorAll("#features input"):
            box.checked = str(box.value) in state["features"]
            box.disabled = data is None
        regularization = state["regularization"]
        _el("reg-kind").value = regularization["kind"]
        if js.document.activeElement != _el("reg-rate"):
            _el("reg-rate").value = regularization["rate"]
        for control in ("noise", "train-share", "batch", "data-seed", "reg-kind", "reg-rate"):
            _el(control).disabled = data is None
        _el("target").disabled = data is not None  # the picked point's target: the data set's, not a slider's
        if data is None:
            return
        for slider, key in (("noise", "noise"), ("train-share", "train_share"), ("batch", "batch")):
            _el(slider).value = data[key]
            _el(slider + "-value").textContent = panels.data_setting(key, data[key])
        if js.document.activeElement != _el("data-seed"):
            _el("data-seed").value = data["seed"]
        _el("data-line").textContent = panels.data_line(data)
        if _el("batch-box").open:
            _el("batch-average").innerHTML = panels.batch_average_html(self.ctl.batch_average(), self.katex)

    def render_inputs(self) -> None:
        box, x = _el("inputs"), self.ctl.sim.now.x.ravel()
        fields = box.querySelectorAll("input")
        if fields.length != len(x):
            box.innerHTML = panels.inputs_html(len(x))
            fields = box.querySelectorAll("input")
            for field in fields:
                field.addEventListener("change", self.proxies.once(f"x-field-{field.id}", lambda e: self.on_inputs()))
        for k in range(len(x)):
            if js.document.activeElement != fields[k]:
                fields[k].value = float(x[k])

    def fill_select(self, element_id: str, items) -> None:
        html = _options(items)
        el = _el(element_id)
        if getattr(el.dataset, "options", None) != html:  # rebuilt only when the network changes
            el.innerHTML = html
            el.dataset.options = html

    def katex(self, tex: str) -> str:
        """KaTeX's HTML for one equation, remembered: stepping back and forth renders nothing twice."""
        cache = self._katex
        if tex not in cache:
            if len(cache) > 300:
                cache.clear()
            if hasattr(js, "katex"):
                options = _obj({"displayMode": True, "throwOnError": False})
                options.trust = self.katex_trust  # \htmlClass only: the chain rule's colours (mathtex.CHAIN_CLASS)
                cache[tex] = str(js.katex.renderToString(tex, options))
            else:
                cache[tex] = f"<code>{escape(tex)}</code>"
        return cache[tex]

    def show_error(self, exc: Exception) -> None:
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        print(traceback.format_exc(), file=sys.stderr)
        _el("error-text").textContent = last
        _el("error-panel").hidden = False

    # ---- the drawings

    def theme(self) -> str:
        return "dark" if self.dark.matches else "light"

    def view(self, progress: float = 1.0) -> View:
        if not self.width:
            self.width = float(self.wrap.clientWidth)
        ctl = self.ctl
        return View(max(280.0, self.width), self.theme(), progress, selected=ctl.selected,
                    chain=panels.chain_weight(ctl.sim.now, ctl.selected))

    def picture(self):
        """The data set's maps over the plane for the network now (None without a data set); the
        controller computes it once per network, data set and picked point (Controller.data_picture)."""
        return self.ctl.data_picture(PLANE_GRID)

    def scene(self, progress: float = 1.0):
        return network_scene(self.ctl.sim.now, self.view(progress), self.labels, picture=self.map_picture())

    def map_picture(self):
        """The picture for the neurons' small maps: every MAP_STEP-th cell of the plane's grid
        (a map is 30-50 px wide; the full grid would send the browser 16 times the pixels)."""
        picture = self.picture()
        if picture is None:
            return None
        if self._map_picture is None or self._map_picture[0] is not picture:
            coarse = picture._replace(layers=tuple(layer[:, ::MAP_STEP, ::MAP_STEP] for layer in picture.layers))
            self._map_picture = (picture, coarse)
        return self._map_picture[1]

    def paint(self, progress: float = 1.0) -> None:
        started = time.perf_counter()
        scene = self.scene(progress)
        _draw(self.canvas, scene)
        self.paint_ms = (time.perf_counter() - started) * 1000
        self.paint_data(started)
        last = self.last_scene
        if last is None or (scene.hidden_labels, scene.unlabelled, scene.vertical) != (last.hidden_labels, last.unlabelled, last.vertical):
            # the DOM only when these change, not on every frame of a transition
            note = _el("hidden-note")
            note.textContent = panels.hidden_labels_note(scene.hidden_labels, scene.unlabelled)
            note.hidden = not note.textContent
            _el("flow-legend").textContent = panels.flow_legend(scene.vertical)
        self.last_scene = scene

    def paint_data(self, started: float | None = None, curve: bool = True) -> None:
        """The data set's plane and loss plot, when the picture is new; alone, a training frame
        between two full paintings (the network's drawing waits for the next render: its labels
        and maps cost more than a frame can spare at speed), which leaves the loss plot to the
        renders a few times a second (curve=False). The frame's Python time, from `started`
        (a paint()'s own start) or from now, goes to frame_ms."""
        started = time.perf_counter() if started is None else started
        picture = self.picture()
        if picture is not None and picture is not self.painted_picture:
            self.paint_plane(picture)
        if picture is not None and curve:
            self.paint_curve()
        self.frame_ms.append((time.perf_counter() - started) * 1000)
        del self.frame_ms[:-600]

    def paint_plane(self, picture) -> None:
        """The output over the plane with the points, and the training and test loss.

        While training only the heat map changes: the rest of the plot (axes, 500 points, the
        picked point, the legend) is built and turned into JSON once per data set, pick, width and
        scheme, and each frame sends the new heat map in front of that same text."""
        self.painted_picture = picture
        room = self.data_room()
        width, theme = max(200.0, min(440.0, room)), self.theme()
        key = (self.ctl.dataset, picture.picked, picture.features, width, theme)
        plane, rest = self.last_plane, None
        if self._plane_key is None or any(a is not b and a != b for a, b in zip(key, self._plane_key)):
            plane = self.last_plane = plane_scene(picture, width, theme)
            self._plane_key, self._plane_count = key, self._plane_count + 1
            heat, rest = plane.items[0], _json(plane.items[1:])  # the items after the heat map, sent once
        else:
            heat = plane.items[0]._replace(pixels=heat_image(np.asarray(picture.output), scale_for(picture.kind), theme))
        js.backpropPaint(_el("plane"), _json([heat]), plane.width, plane.height, plane.background, self._plane_count, rest)

    def data_room(self) -> float:
        """The data panel's width inside its padding and border, read once per size (resized()
        forgets it): reading it after a render's DOM writes would make the browser lay out the
        page again there and then, ~30 ms of a training frame."""
        if self._data_room is None:
            self._data_room = float(_el("data-panel").clientWidth) - 26
        return self._data_room

    def paint_curve(self) -> None:
        """The training and test loss over the updates, when the curve or the panel's width changed."""
        history = self.ctl.curve()
        room, theme = self.data_room(), self.theme()
        if history != self._painted_history or (room, theme) != self._loss_size:
            self._painted_history, self._loss_size = history, (room, theme)
            _draw(_el("data-loss"), data_loss_scene(history, max(200.0, room), theme))

    def hit_point(self, client_x: float, client_y: float):
        """The data point a click at these window coordinates picks, by the plane drawn last."""
        if self.last_plane is None:
            return None
        rect = _el("plane").getBoundingClientRect()
        scale = self.last_plane.width / rect.width if rect.width else 1.0
        return hit_point(self.last_plane, (client_x - rect.left) * scale, (client_y - rect.top) * scale)

    def paint_loss(self, state: dict) -> None:
        if not _el("train-tool").open:
            return
        canvas = _el("loss-plot")
        width = max(200.0, float(canvas.parentElement.clientWidth) - 24)
        _draw(canvas, loss_scene(state["losses"], width, self.theme()))
        _el("loss-text").textContent = panels.loss_line(state["losses"])

    def hit(self, client_x: float, client_y: float):
        """What a click at these window coordinates selects, by the last scene drawn."""
        if self.last_scene is None:
            return None
        rect = self.canvas.getBoundingClientRect()
        scale = self.last_scene.width / rect.width if rect.width else 1.0  # the compact view draws it smaller
        return hit(self.last_scene, (client_x - rect.left) * scale, (client_y - rect.top) * scale)


class Page:
    """The wiring: every control, key, timer, message and API call ends in `do(action, value)`."""

    def __init__(self, api):
        self.api = api
        self.ctl = Controller()
        self.proxy = Proxies()
        self.renderer = Renderer(lambda: self.ctl, self.proxy, self.on_inputs)
        self.timers: dict[str, int | None] = {"auto": None}
        self.training_frame = None  # the pending animation frame of Train (start_training)
        self.last_frame: float | None = None
        self.owed = 0.0  # updates owed to the set speed, carried from frame to frame
        self.fast_n = 1  # fast training: updates per frame, adapted to FAST_BUDGET_MS (updates_due)
        self.call_ms: float | None = None  # what the last frame's updates took
        self.updates_done = 0  # updates Train has run, for the benchmark's delivered speed
        self.train_frame_ms: list[float] = []  # Python time per training frame, for the benchmark
        self.last_render = 0.0
        self.last_network = 0.0  # when a training frame last drew the network (NETWORK_EVERY_MS)
        self.data_panel_width = -1.0  # the data panel's width drawn for (on_data_panel_resized)
        # an opaque origin over http(s) is a sandboxed frame (file:// is opaque too, but not sandboxed)
        self.sandboxed = _own_origin() is None and str(js.location.protocol) != "file:"
        self.last_height = 0
        self.last_hash = ""

    def on(self, element_id: str, event: str, fn) -> None:
        _el(element_id).addEventListener(event, self.proxy(fn))

    def start(self) -> None:
        _el("preset").innerHTML = _options([("", "Your own network")] + [(key, p.title) for key, p in PRESETS.items()])
        acts = [(name, a.name) for name, a in ACTIVATIONS.items()]
        _el("hidden-act").innerHTML = _options(acts)
        _el("output-act").innerHTML = _options(acts)
        _el("loss-fn").innerHTML = _options((name, loss.label) for name, loss in LOSSES.items())
        _el("dataset").innerHTML = _options([("none", panels.NO_DATASET)] + [(name, p.title) for name, p in PROBLEMS.items()])
        for button in js.document.querySelectorAll("button[data-action]"):
            button.addEventListener("click", self.proxy(lambda event, a=button.dataset.action, v=getattr(button.dataset, "value", None): self.do(a, v)))
        for control, action, read in (
            ("target", "target", lambda el: el.value),
            ("speed", "speed", lambda el: el.value),
            ("show-table", "table", lambda el: bool(el.checked)),
            ("finer", "finer", lambda el: bool(el.checked)),
            ("preset", "preset", lambda el: str(el.value)),
            ("hidden-act", "activation", lambda el: ["hidden", str(el.value)]),
            ("output-act", "activation", lambda el: ["output", str(el.value)]),
            ("loss-fn", "loss", lambda el: str(el.value)),
            ("lr", "lr", lambda el: el.value),
            ("train-speed", "train_speed", lambda el: _speed(el.value)),
            ("data-speed", "train_speed", lambda el: _speed(el.value)),
            ("dataset", "dataset", lambda el: {"name": str(el.value)}),
            ("noise", "dataset", lambda el: {"noise": el.value}),
            ("train-share", "dataset", lambda el: {"train_share": el.value}),
            ("batch", "dataset", lambda el: {"batch": el.value}),
            ("data-seed", "dataset", lambda el: {"seed": el.value}),
            ("reg-kind", "regularization", lambda el: {"kind": str(el.value), "rate": _el("reg-rate").value}),
            ("reg-rate", "regularization", lambda el: {"kind": str(_el("reg-kind").value), "rate": el.value}),
            ("check", "check", lambda el: bool(el.checked)),
            ("predict-mode", "predict_mode", lambda el: bool(el.checked)),
            ("trace-weight", "select", lambda el: _choice(el.value)),
            ("trace-neuron", "select", lambda el: _choice(el.value)),
        ):
            event = "change" if control in ("lr", "data-seed", "reg-rate") else "input"
            self.on(control, event, lambda e, a=action, r=read: self.do(a, r(e.target)))
        for field, button, submit in (
            ("layers", "btn-layers", lambda: self.do("layers", str(_el("layers").value))),
            ("edit-value", "btn-edit", self.edit_selected),
            ("prediction", "btn-predict", lambda: self.do("predict", str(_el("prediction").value))),
        ):
            # a field's value goes with its button, or with Enter in the field
            self.on(button, "click", lambda e, f=submit: f())
            self.on(field, "keydown", lambda e, f=submit: f() if e.key == "Enter" else None)
        self.on("btn-randomise", "click", lambda e: self.do("seed", _el("seed").value))
        self.on("btn-copy-link", "click", lambda e: self.copy(self.link()))
        self.on("btn-copy-embed", "click", lambda e: self.copy(self.embed_code()))
        self.on("btn-png", "click", lambda e: self.download_png())
        self.on("btn-svg", "click", lambda e: self.download("backprop-network.svg", self.svg(), "image/svg+xml"))
        self.on("btn-json", "click", lambda e: self.download("backprop-state.json", json.dumps(self.ctl.state(), indent=2), "application/json"))
        self.on("btn-csv", "click", lambda e: self.download("backprop-values.csv", panels.csv(self.ctl.state()), "text/csv"))
        self.on("btn-data-csv", "click", lambda e: self.download(f"backprop-{self.ctl.dataset.name}.csv", self.ctl.data_csv(), "text/csv"))
        self.on("network", "click", self.on_canvas_click)
        for box in js.document.querySelectorAll("#features input"):
            box.addEventListener("change", self.proxy(lambda e: self.do("features", [b.value for b in js.document.querySelectorAll("#features input:checked")])))
        self.on("plane", "click", self.on_plane_click)
        self.on("plane", "keydown", self.on_plane_key)
        self.on("batch-box", "toggle", lambda e: self.renderer.render())
        self.on("train-tool", "toggle", lambda e: self.renderer.paint_loss(self.ctl.state()))
        self.on("error-reset", "click", lambda e: self.recover())
        self.on("btn-tools", "click", lambda e: self.toggle_tools())
        js.document.addEventListener("keydown", self.proxy(self.on_key))
        js.window.addEventListener("hashchange", self.proxy(lambda e: self.load_hash()))
        js.window.addEventListener("message", self.proxy(self.on_message))
        self.renderer.dark.addEventListener("change", self.proxy(lambda event: self.renderer.resized()))
        wrap = self.renderer.wrap
        js.ResizeObserver.new(self.proxy(lambda entries, observer: self.renderer.resized(float(entries[0].contentRect.width)))).observe(wrap)
        js.ResizeObserver.new(self.proxy(self.on_data_panel_resized)).observe(_el("data-panel"))
        js.ResizeObserver.new(self.proxy(lambda entries, observer: self.tell_parent())).observe(js.document.body)
        for el in js.document.querySelectorAll(".sim button, .sim input, .sim select"):
            el.disabled = False
        self.api.state = self.proxy(lambda: self.js_state())
        self.api.act = self.proxy(lambda name, value=None: self.js_act(name, value))
        self.api.frameStats = self.proxy(lambda: to_js(self.renderer.frame_ms))
        self.api.svg = self.proxy(lambda: self.svg())
        self.api.link = self.proxy(lambda: self.link())
        _el("runtime-info").textContent = panels.runtime_line(sys.version.split()[0], np.__version__)
        js.document.documentElement.dataset.numpyVersion = np.__version__
        _el("sandbox-note").hidden = not self.sandboxed
        self.load_hash(initial=True)
        if self.api.framed:  # the Edit page may send code now; only a parent of our own origin hears it
            js.window.parent.postMessage(_obj({"type": "backprop-ready"}), _own_origin() or "*")

    def on_message(self, event) -> None:
        """The Edit page sends edited rules.py; run it here and answer with the check.

        Code is taken only from our parent, and only when that parent is a page of this
        site (same origin). In an opaque origin (file://, a sandboxed frame) origins cannot
        be told apart, and there is nothing to protect: such a page has no cookies, no
        service worker and no storage that another page of that kind could not read itself.
        """
        data = event.data
        if not data or getattr(data, "type", None) != "backprop-rules" or event.source != js.window.parent:
            return
        own = _own_origin()
        if str(event.origin) != (own or "null"):
            return
        source = getattr(data, "source", "")
        _HTML.clear()  # the learner's code may reach the page through `js`: write it all again
        try:
            self.do("rules", str(source) if source else None)
        except Exception:  # noqa: BLE001 - the learner's code took the page apart: still answer
            traceback.print_exc()
        # intact: the learner's code may reach the page through `js`; if it took the page apart,
        # the Edit page must not run it by itself again
        intact = bool(self.renderer.canvas.isConnected) and _el("equation") is not None
        reply = {"type": "backprop-rules-result", "result": self.ctl.rules_result, "message": self.ctl.message, "intact": intact}
        event.source.postMessage(_obj(reply), own or "*")  # "*" only in an opaque origin, to the sender

    def on_key(self, event) -> None:
        if event.ctrlKey or event.metaKey or event.altKey:
            return
        tag = str(event.target.tagName).lower()
        kind = str(event.target.type) if tag == "input" else ""
        if tag in ("textarea", "select") or (tag == "input" and kind not in ("range", "checkbox")):
            return  # fields use every key themselves (a select its letters too)
        if kind == "range" and str(event.key).startswith(("Arrow", "Home", "End", "Page")):
            return  # a focused slider's own keys; its letters are still shortcuts
        action = panels.KEYS.get(str(event.key).lower())
        if action is None:
            return
        event.preventDefault()
        if action == "table":
            self.do("table", not self.ctl.show_table)
        else:
            self.do(action)

    def on_canvas_click(self, event) -> None:
        choice = self.renderer.hit(event.clientX, event.clientY)
        self.do("select", choice)
        if choice is None:
            return
        _el("trace-tool").open = True
        # bring what the click chose into view: the chain rule beside the drawing when it is this
        # weight's (its gradient is known); else (a neuron, or before the backward pass) the Trace tool
        selected = self.ctl.selected
        shown = selected is not None and selected.kind == "weight" and panels.chain_weight(self.ctl.sim.now, selected) == selected
        target = _el("chain-rule") if shown else _el("trace-tool")
        target.scrollIntoView(_obj({"block": "nearest", "behavior": "auto" if self.renderer.still.matches else "smooth"}))

    def on_data_panel_resized(self, entries, observer) -> None:
        """A new width of the data panel: the plane and its loss plot again. Only the width: while
        training its words change its height 4 times a second, which needs no new drawing."""
        width = float(entries[0].contentRect.width)
        if abs(width - self.data_panel_width) >= 0.5:
            self.data_panel_width = width
            self.renderer.resized()

    def on_plane_click(self, event) -> None:
        index = self.renderer.hit_point(event.clientX, event.clientY)
        if index is not None:
            self.do("pick_point", index)

    def on_plane_key(self, event) -> None:
        """The plot's own keys: the arrows pick the nearest point in their direction, Home the point
        nearest the centre (scene.nearby_point)."""
        key = str(event.key)
        direction = {"ArrowRight": (1, 0), "ArrowLeft": (-1, 0), "ArrowUp": (0, -1), "ArrowDown": (0, 1)}.get(key)
        plane = self.renderer.last_plane
        if (direction is None and key != "Home") or plane is None or self.ctl.dataset is None:
            return
        event.preventDefault()
        event.stopPropagation()  # not the page's shortcuts: ← and → are Step Back and Backward Step there
        index = nearby_point(plane, None if key == "Home" else self.ctl.picked, *(direction or (0, 0)))
        if index is not None and index != self.ctl.picked:
            self.do("pick_point", index)

    def on_inputs(self) -> None:
        self.do("x", [field.value for field in _el("inputs").querySelectorAll("input")])

    def edit_selected(self) -> None:
        sel = self.ctl.selected
        if sel:  # the weight's or the bias's action, with the lesson's numbering: [l, j, (k,) value]
            self.do("weight" if sel.kind == "weight" else "bias", [*sel.lesson()[1:], str(_el("edit-value").value)])

    # ---- actions

    def do(self, name, value=None, frame: bool = False) -> None:
        """Every control ends here. A refusal is a message (Controller.act); anything else raised
        is a bug: it shows in the error panel, Auto and Train stop, the state and the page stay.

        `frame`: a training frame's updates (on_train_frame): its drawings are painted now, the
        words and equations only every PANELS_EVERY_MS, and no transition is started."""
        try:
            self._do(name, value, frame)
        except Exception as exc:
            self.ctl.auto = self.ctl.training = False
            self.schedule("auto", False, False, False, 0, "")
            self.renderer.show_error(exc)

    def _do(self, name, value, frame: bool) -> None:
        before, was = self.ctl.sim.now, (self.ctl.auto, self.ctl.training)
        started = time.perf_counter()
        self.ctl.act(name, value)
        if frame:  # what this frame's updates cost, for fast training's next frame (updates_due)
            self.call_ms = (time.perf_counter() - started) * 1000
        now = self.ctl.sim.now
        if now is not before and not frame:
            self.renderer.start_transition(FLOW_MS if len(now.steps) > len(before.steps) else TRANSITION_MS)
        self.schedule("auto", self.ctl.auto, was[0], name == "tick", 1000 / self.ctl.speed, "tick")
        if self.ctl.training and not was[1]:
            self.start_training()
        clock = float(js.performance.now())
        if frame and self.ctl.training and not self.ctl.message:
            # a training frame: the plane now, the words a few times a second, the network's drawing
            # once a second; the address when training stops (each costs more than a frame can spare)
            if clock - self.last_render < PANELS_EVERY_MS:
                self.renderer.paint_data(curve=False)
                return
            self.last_render = clock
            # the network's drawing: with each of these renders when it is quick (a small network),
            # else less often, so that it takes at most ~3 % of the time, and at least once a second
            every = min(NETWORK_EVERY_MS, max(PANELS_EVERY_MS, 30 * self.renderer.paint_ms))
            network = clock - self.last_network >= every - 1
            if network:
                self.last_network = clock
            self.renderer.render(light=not network)
            return
        self.last_render = clock
        self.renderer.render()
        self.update_hash()
        # the parent hears of height changes from the ResizeObserver on <body>

    def schedule(self, timer: str, running: bool, was_running: bool, ticked: bool, delay: float, action: str) -> None:
        """Keep Auto's timer beating while it plays (one step per beat, at its speed)."""
        if running and (not was_running or ticked):
            if self.timers[timer] is not None:
                js.clearTimeout(self.timers[timer])
            callback = self.proxy.once(timer, lambda *args, t=timer, a=action: self.on_timer(t, a))
            self.timers[timer] = js.setTimeout(callback, 30 if not was_running else delay)
        elif not running and self.timers[timer] is not None:
            js.clearTimeout(self.timers[timer])
            self.timers[timer] = None

    # ---- training, decoupled from drawing: as many updates per animation frame as the speed asks,
    # one painting per frame, the words a few times a second (issue 16)

    def start_training(self) -> None:
        self.owed = 1.0  # the first update at once, not one period later
        self.last_frame = None
        if self.training_frame is None:
            self.training_frame = js.requestAnimationFrame(self.proxy.once("train-frame", self.on_train_frame))

    def on_train_frame(self, timestamp) -> None:
        self.training_frame = None
        if not self.ctl.training:
            return
        started = time.perf_counter()
        clock = float(timestamp)
        elapsed = 0.0 if self.last_frame is None else min(clock - self.last_frame, CATCH_UP_MS)
        self.last_frame = clock
        n = self.updates_due(elapsed)
        if n:
            self.do("train_steps", n, frame=True)
            self.updates_done += n
        self.train_frame_ms.append((time.perf_counter() - started) * 1000)
        del self.train_frame_ms[:-2000]
        if self.ctl.training:
            self.training_frame = js.requestAnimationFrame(self.proxy.once("train-frame", self.on_train_frame))

    def updates_due(self, elapsed_ms: float) -> int:
        """Updates owed by the time since the last frame: speed × time, the fractions carried over,
        so that the speed set is the speed delivered; "fast": as many as FAST_BUDGET_MS holds."""
        if self.ctl.train_speed == FAST:
            # n ← n · budget / cost: a call costs a fixed part (evaluation, the new moment) plus a
            # part per update, so this settles where a frame's updates take the budget; at most
            # doubling per frame, so one quick frame cannot make the next one long
            if self.call_ms:
                self.fast_n = max(1, min(2 * self.fast_n, int(self.fast_n * FAST_BUDGET_MS / self.call_ms)))
            return self.fast_n
        self.owed += self.ctl.train_speed * elapsed_ms / 1000
        n = int(self.owed)
        self.owed -= n
        return n

    def on_timer(self, timer: str, action: str) -> None:
        self.timers[timer] = None
        self.do(action)

    def recover(self) -> None:
        _el("error-panel").hidden = True
        _HTML.clear()
        self.do("reset")

    def load_hash(self, initial: bool = False) -> None:
        """Restore the state a link describes; name whatever it held that could not be used."""
        fragment = str(js.location.hash).lstrip("#")
        if not initial and fragment == self.last_hash:
            return
        try:
            notices = urlstate.apply(self.ctl, fragment) if fragment else []
        except Exception as exc:  # never a blank page: fall back to the default, and say why
            self.ctl = Controller()
            notices = [f"The link could not be used ({type(exc).__name__}); the default is shown."]
        note = _el("url-notice")
        note.textContent = " ".join(notices)
        note.hidden = not notices
        self.renderer.render()
        self.update_hash()

    # ---- the API (window.backpropSim)

    def js_state(self, message: str | None = None):
        """Every value as a plain object; never throws to the caller: a bug comes back as `error`
        (and shows in the page's error panel)."""
        try:
            state = self.ctl.state()
        except Exception as exc:
            self.renderer.show_error(exc)
            state = {"error": traceback.format_exception_only(type(exc), exc)[-1].strip()}
        if message:
            state["message"] = message
        return _obj(state)

    def js_act(self, name, value=None):
        """The API's one way in: the same do() as the buttons, then the new state."""
        try:
            if hasattr(value, "to_py"):
                value = value.to_py()
        except Exception:  # a value JSON cannot hold (a function, a DOM node): refuse it, like any bad value
            self.ctl.message = f"Could not read the value given to {str(name)!r}: use numbers, strings, lists or objects."
            return self.js_state(self.ctl.message)
        self.ctl.message = ""
        self.do(name, value)
        return self.js_state(self.ctl.message)

    # ---- share and export

    def link(self) -> str:
        return str(js.location.href).split("#")[0] + "#" + urlstate.encode(self.ctl)

    def embed_code(self) -> str:
        return panels.embed_iframe(self.link())

    def copy(self, text: str) -> None:
        box = _el("share-text")
        box.value = text
        box.select()

        def failed(*args):
            _el("message").textContent = "Copying is blocked here: the text is selected below, copy it with Ctrl+C."

        try:
            js.navigator.clipboard.writeText(text).then(
                self.proxy(lambda *a: setattr(_el("message"), "textContent", "Copied.")), self.proxy(failed)
            )
        except Exception:  # no clipboard API (file://, sandboxed frames)
            failed()

    def download(self, name: str, text: str, mime: str) -> None:
        blob = js.Blob.new(to_js([text]), _obj({"type": mime}))
        self.save(name, js.URL.createObjectURL(blob))

    def download_png(self) -> None:
        self.save("backprop-network.png", self.renderer.canvas.toDataURL("image/png"))

    def save(self, name: str, url: str) -> None:
        if self.sandboxed:  # a download may be refused without a word: say so, and where it works
            self.ctl.message = f"If {name} does not arrive, this frame blocks downloads: see the note under Share and export."
            _el("message").textContent = self.ctl.message
            _el("share-text").value = self.link()
            _el("open-full").href = self.link()
        a = js.document.createElement("a")
        a.href, a.download = url, name
        js.document.body.appendChild(a)
        a.click()
        a.remove()

    def svg(self) -> str:
        return svg.render(network_scene(self.ctl.sim.now, self.renderer.view()))

    def update_hash(self) -> None:
        """Keep the address current, so that a reload or a copied URL restores this state."""
        fragment = urlstate.encode(self.ctl)
        if fragment == self.last_hash:
            return
        self.last_hash = fragment
        try:
            js.history.replaceState(None, "", "#" + fragment)
        except Exception:  # some sandboxed frames refuse; the Copy link button still works
            pass

    def toggle_tools(self) -> None:
        """The compact view (a short frame, sim.css) keeps every tool behind this one button."""
        shown = bool(js.document.documentElement.classList.toggle("tools-open"))
        _el("btn-tools").setAttribute("aria-expanded", "true" if shown else "false")

    def tell_parent(self) -> None:
        """The MicroSim convention: a framed page tells its parent its height."""
        if not self.api.framed:
            return
        # the content's own height: the document's scrollHeight can never be less than the
        # frame, so a frame sized by it would grow and never shrink back (the compact view fills
        # the frame exactly, so there it reports the frame's own height and nothing changes)
        height = math.ceil(float(_el("sim").getBoundingClientRect().height))
        if height != self.last_height:
            self.last_height = height
            js.window.parent.postMessage(_obj({"type": "microsim-resize", "height": height}), "*")


def _speed(value) -> float | str:
    """A speed slider's value: its last notch is "fast"."""
    return FAST if float(value) >= FAST_NOTCH else value


def _choice(value: str):
    """A Trace list's value: the JSON of a `select` argument (panels.trace_choices), or "" for none."""
    return json.loads(value) if value else None


_page: Page | None = None  # the one page, kept alive with its event proxies


def start(api) -> None:
    global _page
    _page = Page(api)
    _page.start()
    # numpy, our modules and the page are here to stay: keep the garbage collector from
    # walking them again and again, which showed up as long frames (p95) while drawing.
    # (No gc.collect() first: a full collection here would delay "ready" for little.)
    gc.freeze()
