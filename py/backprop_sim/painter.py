"""The browser shell: the only module that imports `js` and `pyodide`.

`Page` wires page.js's events (each an action, as pageview.event says), timers, messages, the URL
and the `window.backpropSim` API to `Controller.act`. `Renderer` puts a state in the page: the
display lists drawing.Canvases gives for paint.js, and pageview's PageView for page.js. Nothing
here computes, words or paces anything (engine, scene, panels and pageview, pacing do).
"""

from __future__ import annotations

import gc
import json
import sys
import time
import traceback

import js  # the browser
import numpy as np
from pyodide.ffi import create_proxy, to_js

from . import pageview, panels, svg, toolwords
from .controller import Controller
from .drawing import Canvases, to_json
from .pacing import Cadence, TrainingPace
from .scene import View, network_scene

TRANSITION_MS = 350  # the eased change between two moments
FLOW_MS = 900  # a backward step: its gradients' arrows grow from each neuron toward the layer before, slowly enough to see


def _el(element_id: str):
    return js.document.getElementById(element_id)


def _obj(data) -> object:
    """A plain JavaScript object (or array) from JSON-able Python data."""
    return js.JSON.parse(to_json(data))


def _site_origin() -> str | None:
    """The origin of this page's address, also in a sandboxed frame (whose own is opaque); None on file://."""
    return f"{js.location.protocol}//{js.location.host}" if str(js.location.protocol) in ("http:", "https:") else None


class Renderer:
    """Puts the controller's state in the page; it reads the state and writes the DOM, never acts."""

    def __init__(self, page):
        self.page = page  # its controller, and its proxies for the frame callbacks
        self.canvas = _el("network")
        self.wrap = self.canvas.parentElement
        self.dark = js.window.matchMedia("(prefers-color-scheme: dark)")
        self.still = js.window.matchMedia("(prefers-reduced-motion: reduce)")  # then every change is shown at once
        self.width = 0.0  # the drawing's CSS width, kept from the ResizeObserver: reading it would force a layout
        self.anim_start, self.anim_ms = None, TRANSITION_MS
        self.canvases = Canvases()  # what each canvas shows, and the scenes drawn last (for clicks on them)
        self.frame_ms: list[float] = []  # Python time per painted frame, for the benchmark
        self.paint_ms = 0.0  # what the network's drawing took last (pacing.Cadence: how often while training)
        self.data_width: float | None = None  # the data panel's, read once per size
        options = _obj({"displayMode": True, "throwOnError": False})
        options.trust = page.proxy(lambda context: str(context.command) == "\\htmlClass")  # only the chain rule's colours
        self.katex = pageview.TexCache(lambda tex: str(js.katex.renderToString(tex, options)) if hasattr(js, "katex") else None)

    # ---- the transition between two moments

    def start_transition(self, duration_ms: float = TRANSITION_MS) -> None:
        self.anim_start, self.anim_ms = None if self.still.matches else js.performance.now(), duration_ms
        js.requestAnimationFrame(self.page.once("frame", lambda t: self.on_frame()))

    def progress(self) -> float:
        return 1.0 if self.anim_start is None else min(1.0, (js.performance.now() - self.anim_start) / self.anim_ms)

    def on_frame(self) -> None:
        progress = self.progress()
        try:
            self.paint(progress)
        except Exception as exc:  # a bug in the drawing: say so, and stop animating it
            self.show_error(exc)
            return
        if progress < 1:
            js.requestAnimationFrame(self.page.once("frame", lambda t: self.on_frame()))

    def resized(self, width: float | None = None) -> None:
        """A new width of the drawing (or of the data panel), or a new colour scheme: paint all again."""
        self.width, self.data_width = self.width if width is None else width, None
        self.canvases.forget()
        try:
            self.paint(self.progress())
        except Exception as exc:
            self.show_error(exc)

    # ---- the whole page

    def render(self, light: bool = False) -> None:
        """Put the state in the page; `light`: a training frame's few-times-a-second words (no tools' lists, no network)."""
        ctl = self.page.ctl
        if ctl.training:  # the layout stays: draw first, as a canvas drawn after DOM writes waits for the new style
            self.render_drawings(light)
        view = pageview.page(ctl, self.katex, light, bool(_el("batch-box").open), self.page.link_notices)
        js.backpropApply(pageview.as_json(view, to_json))
        if not ctl.training:  # the data panel may have just been shown: drawn in its new size
            self.render_drawings(light)

    def render_drawings(self, light: bool) -> None:
        """A render's canvases; a light render's frame has no time for the network nor the plane."""
        self.paint(self.progress()) if not light else self.paint_curve()
        if _el("train-tool").open:
            canvas = _el("loss-plot")
            scene, _el("loss-text").textContent = self.canvases.loss(self.page.ctl, float(canvas.parentElement.clientWidth) - 24, self.theme())
            self.draw(canvas, scene)

    def show_error(self, exc: Exception) -> None:
        print(traceback.format_exc(), file=sys.stderr)
        _el("error-text").textContent = traceback.format_exception_only(type(exc), exc)[-1].strip()
        _el("error-panel").hidden = False

    def theme(self) -> str:
        scheme = str(getattr(js.document.documentElement.dataset, "scheme", ""))  # the lesson's palette toggle, else the OS
        return scheme if scheme in ("light", "dark") else "dark" if self.dark.matches else "light"

    def view(self, progress: float = 1.0) -> View:
        self.width, ctl = self.width or float(self.wrap.clientWidth), self.page.ctl
        return View(max(280.0, self.width), self.theme(), progress, selected=ctl.selected, chain=panels.chain_weight(ctl.sim.now, ctl.selected))

    @staticmethod
    def draw(canvas, scene) -> None:
        """One bridge call: paint.js draws the whole display list."""
        js.backpropPaint(canvas, to_json(scene.items), scene.width, scene.height, scene.background)

    def paint(self, progress: float = 1.0) -> None:
        started = time.perf_counter()
        scene = self.canvases.network(self.page.ctl, self.view(progress))
        self.draw(self.canvas, scene)
        self.paint_ms = (time.perf_counter() - started) * 1000
        self.paint_data(started)
        notes = self.canvases.notes(scene)
        if notes:
            note = _el("hidden-note")
            note.textContent, _el("flow-legend").textContent = notes
            note.hidden = not note.textContent

    def paint_data(self, started: float | None = None, curve: bool = True) -> None:
        """The plane when its picture is new, and (curve) the loss curve; the frame's Python time goes to frame_ms."""
        started = time.perf_counter() if started is None else started
        plane = self.canvases.plane(self.page.ctl, self.data_room(), self.theme())
        if plane is not None:
            heat, rest, count, scene = plane
            js.backpropPaint(_el("plane"), heat, scene.width, scene.height, scene.background, count, rest)
        if curve:
            self.paint_curve()
        self.frame_ms.append((time.perf_counter() - started) * 1000)
        del self.frame_ms[:-600]

    def paint_curve(self) -> None:
        for canvas, scene in self.canvases.curves(self.page.ctl, self.data_room(), self.theme()) if self.page.ctl.dataset is not None else ():
            self.draw(_el(canvas), scene)

    def data_room(self) -> float:
        """The data panel's width inside its padding: read after a render's DOM writes, it would lay out the page."""
        if self.data_width is None:
            self.data_width = float(_el("data-panel").clientWidth) - 26
        return self.data_width


class Page:
    """The wiring: every control, key, timer, message and API call ends in `do(action, value)`."""

    def __init__(self, api):
        self.api, self.ctl, self.proxies, self.callbacks = api, Controller(), [], {}
        self.renderer = Renderer(self)
        self.auto_timer = self.training_frame = None  # Auto's next beat, Train's next animation frame
        self.pace, self.cadence = TrainingPace(), Cadence()
        self.updates_done = 0  # updates Train has run, for the benchmark's delivered speed
        self.train_frame_ms: list[float] = []  # Python time per training frame, for the benchmark
        # an opaque origin over http(s) is a sandboxed frame (file:// is opaque too, but not sandboxed)
        self.sandboxed = str(js.window.origin) == "null" and _site_origin() is not None
        self.last_hash, self.link_notices = "", []

    def proxy(self, fn):
        """A JavaScript handle to a Python callback, kept alive for as long as the page."""
        self.proxies.append(create_proxy(fn))
        return self.proxies[-1]

    def once(self, key: str, fn):
        """One long-lived proxy per callback kind, rather than a new one every frame."""
        if key not in self.callbacks:
            self.callbacks[key] = self.proxy(fn)
        return self.callbacks[key]

    def start(self) -> None:
        kinds = {control: str(_el(control).type) for control in pageview.CONTROLS}
        js.backpropWire(to_json(pageview.wiring(kinds)), self.proxy(self.on_event))
        r = self.renderer
        for element_id, event, fn in (
            ("btn-copy-link", "click", lambda e: self.copy(self.link())),
            ("btn-copy-embed", "click", lambda e: self.copy(toolwords.embed_iframe(self.link()))),
            ("btn-png", "click", lambda e: self.save("backprop-network.png", r.canvas.toDataURL("image/png"))),
            *((f"btn-{which}", "click", lambda e, w=which: self.save(*pageview.export(self.ctl, w, self.svg))) for which in pageview.EXPORTS),
            ("batch-box", "toggle", lambda e: r.render()), ("train-tool", "toggle", lambda e: r.render_drawings(True)),
            ("error-reset", "click", lambda e: self.recover()),
        ):
            _el(element_id).addEventListener(event, self.proxy(fn))
        js.window.addEventListener("hashchange", self.proxy(lambda e: self.load_hash()))
        js.window.addEventListener("message", self.proxy(self.on_message))
        r.dark.addEventListener("change", self.proxy(lambda event: r.resized()))
        if self.api.framed:
            js.backpropTellParent()
        # page.js reads every argument as JSON first (backpropExpose): the API never throws
        for name, takes, fn in (("state", "", lambda: self.js_state()), ("act", "name,value", self.js_act),
                                ("frameStats", "", lambda: to_js(r.frame_ms)), ("svg", "", self.svg), ("link", "", self.link)):
            js.backpropExpose(self.api, name, self.proxy(fn), takes)
        js.document.documentElement.dataset.numpyVersion = np.__version__
        _el("sandbox-note").hidden = not self.sandboxed
        self.load_hash(initial=True)
        if self.api.framed:  # the Edit page may send code now; only a parent of this site hears it
            js.window.parent.postMessage(_obj({"type": "backprop-ready"}), _site_origin() or "*")

    def on_event(self, kind, element_id, value) -> bool:
        """An event page.js sent: the action pageview.event says it means; True when the page took it."""
        value = value.to_py() if hasattr(value, "to_py") else value
        if kind == "resize":  # the drawing's width (kept: reading it would force a layout), or the data panel's
            self.renderer.resized(float(value) if element_id == "drawing" else None)
            return True
        action = pageview.event(self.ctl, str(kind), str(element_id), value, self.renderer.canvases)
        if action:
            self.do(*action)
            if kind == "click" and element_id == "network" and self.ctl.selected is not None:
                _el("trace-tool").open = True  # bring what the click chose into view
                behaviour = "auto" if self.renderer.still.matches else "smooth"
                _el(pageview.scroll_target(self.ctl)).scrollIntoView(_obj({"block": "nearest", "behavior": behaviour}))
        return action is not None

    def on_message(self, event) -> None:
        """Edited rules.py from our parent, only if it is a page of this site (the Edit page frames us in a
        sandbox, an opaque origin: our address names the site); on file:// there is no storage to protect."""
        kind, site = getattr(event.data, "type", None) if event.data else None, _site_origin()
        if kind not in ("backprop-rules", "backprop-ping") or event.source != js.window.parent or str(event.origin) != (site or "null"):
            return
        if kind == "backprop-ping":  # the Edit page's watchdog: Python answers between any two pieces of work
            return event.source.postMessage(_obj({"type": "backprop-pong"}), site or "*")
        data = event.data
        source = getattr(data, "source", "")
        js.backpropForget()  # the learner's code may reach the page through `js`: write it all again
        try:
            self.do("rules", str(source) if source else None)
        except Exception:  # noqa: BLE001 - the learner's code took the page apart: still answer
            traceback.print_exc()
        # if the learner's code took the page apart, the Edit page must not run it by itself again
        intact = bool(self.renderer.canvas.isConnected) and _el("equation") is not None
        reply = {"type": "backprop-rules-result", "result": self.ctl.rules_result, "message": self.ctl.message, "intact": intact}
        event.source.postMessage(_obj(reply), site or "*")  # "*" only on file://, to the sender

    # ---- actions

    def do(self, name, value=None, frame: bool = False) -> None:
        """Every control ends here. A refusal is a message; anything else raised is a bug: it shows in the
        error panel, Auto and Train stop, the state stays. `frame`: a training frame's updates (pacing.Cadence)."""
        try:
            self._do(name, value, frame)
        except Exception as exc:
            self.ctl.act("stop")
            self.keep_auto_beating(False, False)
            self.renderer.show_error(exc)

    def _do(self, name, value, frame: bool) -> None:
        before, was_auto, was_training = self.ctl.sim.now, self.ctl.auto, self.ctl.training
        started = time.perf_counter()
        self.ctl.act(name, value)
        now = self.ctl.sim.now
        if frame:  # what this frame's updates cost, for fast training's next frame
            self.pace.call_ms = (time.perf_counter() - started) * 1000
        elif now is not before:
            self.renderer.start_transition(FLOW_MS if len(now.steps) > len(before.steps) else TRANSITION_MS)
        self.keep_auto_beating(was_auto, name == "tick")
        if self.ctl.training and not was_training:
            self.pace.restart()
            self.next_train_frame()
        clock = float(js.performance.now())
        if frame and self.ctl.training and not self.ctl.message:
            painting = self.cadence.frame(clock, self.renderer.paint_ms)
            if painting == "plane":
                self.renderer.paint_data(curve=False)
            else:
                self.renderer.render(light=painting == "words")
            return  # the address when training stops
        self.cadence.rendered(clock)
        self.renderer.render()
        self.update_hash()

    def keep_auto_beating(self, was_running: bool, ticked: bool) -> None:
        """Keep Auto's timer beating while it plays (one step per beat, at its speed)."""
        if self.ctl.auto and (not was_running or ticked):
            if self.auto_timer is not None:
                js.clearTimeout(self.auto_timer)
            beat = self.once("auto", lambda *args: (setattr(self, "auto_timer", None), self.do("tick")))
            self.auto_timer = js.setTimeout(beat, 30 if not was_running else 1000 / self.ctl.option("speed"))
        elif not self.ctl.auto and self.auto_timer is not None:
            js.clearTimeout(self.auto_timer)
            self.auto_timer = None

    def on_train_frame(self, timestamp) -> None:
        """One animation frame of Train: the updates the speed owes (pacing.TrainingPace), painted."""
        self.training_frame = None
        if not self.ctl.training:
            return
        started = time.perf_counter()
        n = self.pace.updates_due(self.pace.elapsed(float(timestamp)), self.ctl.option("train_speed"))
        if n:
            self.do("train_steps", n, frame=True)
            self.updates_done += n
        self.train_frame_ms.append((time.perf_counter() - started) * 1000)
        del self.train_frame_ms[:-2000]
        self.next_train_frame()

    def next_train_frame(self) -> None:
        if self.ctl.training and self.training_frame is None:
            self.training_frame = js.requestAnimationFrame(self.once("train-frame", self.on_train_frame))

    def recover(self) -> None:
        _el("error-panel").hidden = True
        js.backpropForget()  # write the page again from scratch
        self.do("reset")

    def load_hash(self, initial: bool = False) -> None:
        """Restore the state a link describes (the "link" action); name whatever it held that could not be used."""
        fragment = str(js.location.hash).lstrip("#")
        if not initial and fragment == self.last_hash:
            return
        try:
            notices = (self.ctl.act("link", fragment), self.ctl.notices)[1] if fragment else []
        except Exception as exc:  # never a blank page: fall back to the default, and say why
            self.ctl = Controller()
            notices = [f"The link could not be used ({type(exc).__name__}); the default is shown."]
        self.link_notices = notices  # pageview shows them under the drawing
        self.renderer.render()
        self.last_hash = None  # the address gets the state's own link even when the state did not change:
        self.update_hash()  # nothing a hostile link held stays in the address bar (or an LMS's resume)

    # ---- the API (window.backpropSim)

    def js_state(self, message: str | None = None):
        """Every value as a plain object; never throws to the caller: a bug comes back as `error`."""
        try:
            state = self.ctl.state()
        except Exception as exc:
            self.renderer.show_error(exc)
            state = {"error": traceback.format_exception_only(type(exc), exc)[-1].strip()}
        return _obj({**state, "message": message} if message else state)

    def js_act(self, name_json: str, value_json: str):
        """The API's one way in (as JSON page.js checked): the same do() as the buttons, then the new state."""
        name, value = json.loads(name_json), json.loads(value_json)
        if not isinstance(name, str) or len(name) > 64:
            return self.js_state("act() needs an action's name (a string) first: act('forward'), act('learning_rate', 0.1).")
        self.do(name, value)
        return self.js_state(self.ctl.message)

    # ---- share and export

    def link(self) -> str:
        return str(js.location.href).split("#")[0] + "#" + self.ctl.link()

    def copy(self, text: str) -> None:
        js.backpropCopy(text, "Copied.", "Copying is blocked here: the text is selected below, copy it with Ctrl+C.")

    def save(self, name: str, body: str, mime: str | None = None) -> None:
        """A file to download: text of this mime type, or a data: URL (mime None)."""
        if self.sandboxed:  # a download may be refused without a word: say so, and where it works
            _el("message").textContent = f"If {name} does not arrive, this frame blocks downloads: see the note under Share and export."
            _el("share-text").value = _el("open-full").href = self.link()
        js.backpropSave(name, body, mime)

    def svg(self) -> str:
        return svg.render(network_scene(self.ctl.sim.now, self.renderer.view()))

    def update_hash(self) -> None:
        """Keep the address current, so that a reload or a copied URL restores this state."""
        fragment = self.ctl.link()
        if fragment != self.last_hash:
            self.last_hash = fragment
            try:
                js.history.replaceState(None, "", "#" + fragment)
            except Exception:  # some sandboxed frames refuse; the Copy link button still works
                pass


_page: Page | None = None  # the one page, kept alive with its event proxies


def start(api) -> None:
    global _page
    _page = Page(api)
    _page.start()
    # numpy, our modules and the page are here to stay: keep the garbage collector from walking
    # them again and again, which showed up as long frames (p95) while drawing
    gc.freeze()
