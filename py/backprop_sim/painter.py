"""The browser shell: the only module that imports `js` and `pyodide`.

It paints the scene's display list on the canvas (one bridge call a frame), puts the
panels' text in the page, and turns DOM events into `Controller.act`. Nothing here
computes anything the learner sees.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from html import escape

import js  # noqa: F401  (the browser)
import numpy as np
from pyodide.ffi import create_proxy, to_js

from . import panels
from .controller import Controller
from .presets import PRESETS
from .scene import View, network_scene

TRANSITION_MS = 350  # the eased flow between two steps
KEYS = {"f": "forward", "b": "backward", "arrowright": "backward", "arrowleft": "back", "a": "auto", "r": "reset", "t": "table"}


def _el(element_id: str):
    return js.document.getElementById(element_id)


class Page:
    def __init__(self, api):
        self.api = api
        self.ctl = Controller()
        self.canvas = _el("network")
        self.wrap = self.canvas.parentElement
        self.dark = js.window.matchMedia("(prefers-color-scheme: dark)")
        self.anim_start = None
        self.auto_timer = None
        self.last_height = 0
        self.frame_ms: list[float] = []  # Python time per painted frame, for the benchmark
        self._proxies = []  # kept alive for as long as the page

    # ---- wiring

    def proxy(self, fn):
        p = create_proxy(fn)
        self._proxies.append(p)
        return p

    def start(self) -> None:
        _el("preset").innerHTML = "".join(
            f'<option value="{escape(key)}">{escape(p.title)}</option>' for key, p in PRESETS.items()
        )
        for button in js.document.querySelectorAll("button[data-action]"):
            action = button.dataset.action
            button.addEventListener("click", self.proxy(lambda event, a=action: self.do(a)))
            button.disabled = False
        for control, action, read in (
            ("target", "target", lambda el: el.value),
            ("speed", "speed", lambda el: el.value),
            ("show-table", "table", lambda el: bool(el.checked)),
            ("preset", "preset", lambda el: str(el.value)),
        ):
            el = _el(control)
            el.addEventListener("input", self.proxy(lambda event, a=action, r=read: self.do(a, r(event.target))))
            el.disabled = False
        _el("error-reset").addEventListener("click", self.proxy(lambda event: self.recover()))
        js.document.addEventListener("keydown", self.proxy(self.on_key))
        self.dark.addEventListener("change", self.proxy(lambda event: self.paint()))
        js.ResizeObserver.new(self.proxy(lambda entries, observer: self.on_resize())).observe(self.wrap)
        js.ResizeObserver.new(self.proxy(lambda entries, observer: self.tell_parent())).observe(js.document.body)
        self.api.state = self.proxy(lambda: self.js_state())
        self.api.act = self.proxy(lambda name, value=None: self.js_act(name, value))
        self.api.frameStats = self.proxy(lambda: to_js(self.frame_ms))
        self.api.svg = self.proxy(lambda: self.svg())
        _el("runtime-info").textContent = (
            f"Python {sys.version.split()[0]} and numpy {np.__version__} run in your browser; nothing is sent anywhere."
        )
        js.document.documentElement.dataset.numpyVersion = np.__version__
        self.render()

    def on_key(self, event) -> None:
        if event.ctrlKey or event.metaKey or event.altKey:
            return
        tag = str(event.target.tagName).lower()
        if tag in ("input", "textarea", "select") and str(event.target.type) != "checkbox":
            return  # sliders use the arrow keys themselves
        action = KEYS.get(str(event.key).lower())
        if action is None:
            return
        event.preventDefault()
        if action == "table":
            self.do("table", not self.ctl.show_table)
        else:
            self.do(action)

    def on_resize(self) -> None:
        self.paint(self.progress())

    # ---- actions

    def do(self, name, value=None) -> None:
        before, was_auto = self.ctl.sim.now, self.ctl.auto
        try:
            self.ctl.act(name, value)
        except Exception as exc:  # a bug, not a refusal: say so, keep the page and the state
            self.show_error(exc)
            return
        if self.ctl.sim.now is not before:
            self.anim_start = js.performance.now()
            js.requestAnimationFrame(self._frame_proxy())
        if self.ctl.auto and (not was_auto or name == "tick"):
            self.schedule_tick(immediately=not was_auto)
        if not self.ctl.auto and self.auto_timer is not None:
            js.clearTimeout(self.auto_timer)
            self.auto_timer = None
        self.render()

    def schedule_tick(self, immediately: bool = False) -> None:
        if self.auto_timer is not None:
            js.clearTimeout(self.auto_timer)
        delay = 30 if immediately else 1000 / self.ctl.speed
        self.auto_timer = js.setTimeout(self._tick_proxy(), delay)

    def _tick_proxy(self):
        if not hasattr(self, "_tick"):
            self._tick = self.proxy(lambda *args: self.on_tick())
        return self._tick

    def on_tick(self) -> None:
        self.auto_timer = None
        self.do("tick")

    def _frame_proxy(self):
        if not hasattr(self, "_frame"):
            self._frame = self.proxy(lambda t: self.on_frame())
        return self._frame

    def on_frame(self) -> None:
        progress = self.progress()
        self.paint(progress)
        if progress < 1:
            js.requestAnimationFrame(self._frame_proxy())

    def progress(self) -> float:
        if self.anim_start is None:
            return 1.0
        return min(1.0, (js.performance.now() - self.anim_start) / TRANSITION_MS)

    def recover(self) -> None:
        _el("error-panel").hidden = True
        self.do("reset")

    def show_error(self, exc: Exception) -> None:
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        print(traceback.format_exc(), file=sys.stderr)
        _el("error-text").textContent = last
        _el("error-panel").hidden = False

    # ---- the API (window.backpropSim)

    def js_state(self, message: str | None = None):
        state = self.ctl.state()
        if message:
            state["message"] = message
        return js.JSON.parse(json.dumps(state))

    def js_act(self, name, value=None):
        if hasattr(value, "to_py"):
            value = value.to_py()
        before = self.ctl.message
        self.ctl.message = ""
        self.do(name, value)
        message = self.ctl.message
        if not message:
            self.ctl.message = before if name == "tick" else ""
        return self.js_state(message)

    # ---- drawing

    def render(self) -> None:
        moment = self.ctl.sim.now
        _el("network-summary").textContent = panels.summary(moment)
        for key, text in panels.status(moment).items():
            js.document.querySelector(f'#status [data-key="{key}"]').textContent = text
        self.render_equation(moment)
        _el("narration").textContent = panels.narration(moment)
        _el("message").textContent = self.ctl.message
        target, speed = _el("target"), _el("speed")
        y = float(moment.y[0, 0])
        if abs(float(target.value) - y) > 1e-9:
            target.value = y
        _el("target-value").textContent = f"{y:.2f}"
        speed.value = self.ctl.speed
        _el("speed-value").textContent = f"{self.ctl.speed:g} step/s"
        auto = _el("btn-auto")
        auto.setAttribute("aria-pressed", "true" if self.ctl.auto else "false")
        auto.textContent = "Pause ❚❚" if self.ctl.auto else "Auto ▶"
        _el("show-table").checked = self.ctl.show_table
        _el("preset").value = self.ctl.preset
        _el("table-section").hidden = not self.ctl.show_table
        if self.ctl.show_table:
            _el("values-table").innerHTML = panels.table(moment)
        self.paint(self.progress())
        self.tell_parent()

    def render_equation(self, moment) -> None:
        eq = panels.equation(moment)
        box = _el("equation")
        html = [f"<p><b>{escape(eq['title'])}</b></p>"]
        tex = [line for row in eq["rows"] for line in row]
        cells, i = [], 0
        for row in eq["rows"]:
            cells.append('<div class="eq-row">' + "".join(f'<div class="tex" data-i="{i + n}"></div>' for n in range(len(row))) + "</div>")
            i += len(row)
        html += cells
        if eq.get("note"):
            html.append(f"<p>{escape(eq['note'])}</p>")
        if eq["shapes"]:
            html.append('<p class="shapes">' + "<br>".join(escape(s) for s in eq["shapes"]) + "</p>")
        html.append(f"<p>{escape(eq['hint'])}</p>")
        box.innerHTML = "".join(html)
        options = js.JSON.parse('{"displayMode": true, "throwOnError": false}')
        for i, line in enumerate(tex):
            target = box.querySelector(f'.tex[data-i="{i}"]')
            if hasattr(js, "katex"):
                js.katex.render(line, target, options)
            else:
                target.textContent = line

    def view(self, progress: float = 1.0) -> View:
        width = max(280.0, float(self.wrap.clientWidth))
        return View(width, "dark" if self.dark.matches else "light", progress)

    def paint(self, progress: float = 1.0) -> None:
        started = time.perf_counter()
        scene = network_scene(self.ctl.sim.now, self.view(progress))
        js.backpropPaint(self.canvas, json.dumps(scene.items, separators=(",", ":")), scene.width, scene.height, scene.background)
        self.frame_ms.append((time.perf_counter() - started) * 1000)
        note = _el("hidden-note")
        note.hidden = scene.hidden_labels == 0
        note.textContent = (
            f"{scene.hidden_labels} label(s) did not fit at this width: the values table (T) lists every number."
        )
        del self.frame_ms[:-600]

    def svg(self) -> str:
        from . import svg

        return svg.render(network_scene(self.ctl.sim.now, self.view()))

    def tell_parent(self) -> None:
        """The MicroSim convention: a framed page tells its parent its height."""
        if not self.api.framed:
            return
        height = int(js.document.documentElement.scrollHeight)
        if height != self.last_height:
            self.last_height = height
            message = js.JSON.parse(json.dumps({"type": "microsim-resize", "height": height}))
            js.window.parent.postMessage(message, "*")


_page: Page | None = None  # the one page, kept alive with its event proxies


def start(api) -> None:
    global _page
    _page = Page(api)
    _page.start()
