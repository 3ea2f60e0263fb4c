"""What the benchmark (tools/bench.py) measures a page by: the bare baseline page, the
sandboxed frame, the school network and CPU throttling, ready, first paint, bytes, frame
times, and Train's delivered speed (--training, issue 16)."""

from __future__ import annotations

import json
import platform
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ROOT / "public"
import chromium  # noqa: E402  (tools/chromium.py, beside this file)
from chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

BARE = "/_bare/"  # the published Pyodide and numpy, as a page without our build would load them
BASELINE_PATH = BARE + "index.html"
BASELINE = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>
<p id="out">booting</p>
<script src="pyodide.js"></script>
<script>
(async () => {
  const py = await loadPyodide({indexURL: new URL("./", location.href).href, fullStdLib: false});
  await py.loadPackage("numpy", {messageCallback: () => {}});
  py.runPython("import numpy");
  window.readyAt = performance.now();
  document.getElementById("out").textContent = "ready";
})();
</script></body></html>"""


SANDBOX_PATH = "/_sandboxed.html"  # our page in an iframe with sandbox="allow-scripts" (an opaque origin)
SANDBOX = """<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<iframe sandbox="allow-scripts" src="/sim/main.html" width="600" height="502"></iframe>"""

SCHOOL = {"offline": False, "latency": 40, "downloadThroughput": 10e6 / 8, "uploadThroughput": 2e6 / 8}


def bare_runtime(tmp: Path) -> Path:
    """A folder with Pyodide's files from npm and the official numpy wheel (verified)."""
    import runtime

    for name in runtime.PYODIDE_FILES + (runtime.STDLIB, runtime.LOCK):
        (tmp / name).symlink_to(runtime.PYODIDE_DIR / name)
    wheel = runtime.numpy_wheel()
    (tmp / wheel.name).symlink_to(wheel)
    return tmp


def serve(bare: Path, gzip_like_a_host: bool = False):
    return chromium.serve(PUBLIC, {BASELINE_PATH: BASELINE, SANDBOX_PATH: SANDBOX}, mounts={BARE: bare}, gzip_like_a_host=gzip_like_a_host)


def throttle(ctx, page, network: bool = True, cpu: float = 1):
    """Chromium's throttling for this page, through CDP: the school network, and the CPU
    slowed cpu× (Emulation.setCPUThrottlingRate; 4 is a low-end laptop, as DevTools offers)."""
    cdp = ctx.new_cdp_session(page)
    if network:
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SCHOOL)
    if cpu > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
    return cdp


def new_page(browser, args, **options):
    """A fresh context and page, throttled as --network and --cpu say: (context, page)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    page = ctx.new_page()
    if args.network == "school" or args.cpu > 1:
        throttle(ctx, page, network=args.network == "school", cpu=args.cpu)
    return ctx, page


# a first visit over a fast link, said to the loader (as tests/conftest.py's assume_a_fast_link):
# on a throttled CPU its measure of the link on pyodide.asm.js is the CPU's, not the link's
ASSUME_A_FAST_LINK = r"""(() => {
  const byName = performance.getEntriesByName.bind(performance);
  performance.getEntriesByName = (name, type) => byName(name, type).map((entry) =>
    /\/pyodide\.asm\.js(\?|$)/.test(name) ? Object.assign(entry.toJSON(), { responseEnd: entry.responseStart + 1 }) : entry);
})()"""


def stats(values):
    values = sorted(values)
    return {"median": statistics.median(values), "min": values[0], "max": values[-1], "n": len(values)}


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def wait_ready(page):
    chromium.wait_for(page, "document.documentElement.dataset.simReady === 'true' || !!document.documentElement.dataset.simError", timeout=120_000)
    error = page.evaluate("document.documentElement.dataset.simError")
    if error:
        raise SystemExit(f"the simulation failed to start: {error}")
    return page.evaluate("window.backpropSim.readyAt")


def first_paint(page):
    return page.evaluate("(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null")


def bytes_transferred(page):
    return page.evaluate("""performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
        .reduce((sum, e) => sum + (e.transferSize || 0), 0)""")


def frame_times(page, setup: str, passes: int = 1, presses: int = 4):
    """Python ms per painted frame while Auto plays whole passes at full speed, and ms from a
    Backward Step press to the next paint. Taken in every run, so that one noisy moment of a
    shared machine is one sample among many."""
    page.evaluate("window.backpropSim.act('auto', false); window.backpropSim.act('reset')")
    if setup:
        page.evaluate(f"window.backpropSim.pyodide.runPython({json.dumps(setup)})")
        page.evaluate("window.backpropSim.act('reset')")
    # frameStats() hands JavaScript a copy of the Python list: only clearing the list itself empties it
    page.evaluate("window.backpropSim.pyodide.runPython('import backprop_sim.painter as p; p._page.renderer.frame_ms.clear()')")
    for _ in range(passes):
        page.evaluate("window.backpropSim.act('speed', 4); window.backpropSim.act('auto', true)")
        chromium.wait_for(page, "window.backpropSim.state().phase === 'complete'", timeout=60_000)
        # the last step's frames: until its transition has been painted to the end
        chromium.wait_for(page, "window.backpropSim.pyodide.runPython("
                                "'import backprop_sim.painter as p; p._page.renderer.progress() >= 1')", timeout=60_000)
        page.evaluate("window.backpropSim.act('reset')")
    samples = page.evaluate("Array.from(window.backpropSim.frameStats())")
    # press-to-paint: a Backward Step click until the next animation frame has run
    times = []
    for _ in range(presses):
        page.evaluate("window.backpropSim.act('reset'); window.backpropSim.act('forward')")
        times.append(page.evaluate("""new Promise(resolve => {
            const t0 = performance.now();
            document.getElementById('btn-backward').click();
            requestAnimationFrame(() => resolve(performance.now() - t0));
        })"""))
    return samples, times


LARGEST_SETUP = """
import backprop_sim.painter as p
from backprop_sim.network import LARGEST_LAYERS, MAX_INPUTS, MAX_OUTPUTS, Network
p._page.ctl.sim.set_network(Network.random(LARGEST_LAYERS, seed=1), [0.5] * MAX_INPUTS, [0.5] * MAX_OUTPUTS)
"""


# ---- --training (issue 16): the speed Train delivers against the speed set, and Python per frame

TRAINING_SETUPS = {  # name: actions from the default page (window.backpropSim.act)
    "seed, one example": [],
    "largest, one example": [["layers", "LARGEST"]],  # engine.LARGEST_LAYERS, asked of the page
    "spiral, batch 10, 2-3-1": [["dataset", {"name": "spiral", "batch": 10}], ["features", ["x1", "x2"]], ["layers", "2-3-1"]],
    "spiral, batch 10, largest": [["dataset", {"name": "spiral", "batch": 10}],
                                  ["features", ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2"]],
                                  ["layers", "LARGEST-1"]],  # the largest hidden layers, one output
    "spiral, batch 10, largest, why views": [["dataset", {"name": "spiral", "batch": 10}],  # issue 29's views open
                                             ["features", ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2"]],
                                             ["layers", "LARGEST-1"], ["inspect_weight", [2, 1, 1]], ["open", "why-box"]],
}
NEWER_ACTIONS = {"inspect_weight"}  # a build from before them refuses these: measured without
TRAINING_SPEEDS = (10, 30, 60, "fast")
TRAINING_WINDOW_MS = 4000  # counted after a 1 s warm-up


def _py(page, code: str):
    return page.evaluate("(code) => window.backpropSim.pyodide.runPython(code)", "import backprop_sim.painter as p\n" + code)


def delivered(page, setup: list, speed) -> dict:
    """Train at one speed: updates per second delivered (by the page's own clock) and the
    Python ms of every training frame in the window."""
    page.evaluate("window.backpropSim.act('train', false); window.backpropSim.act('dataset', {name: 'none'}); window.backpropSim.act('preset', 'seed')")
    largest = _py(page, "from backprop_sim.network import LARGEST_LAYERS as l; '-'.join(map(str, l))")
    for name, value in setup:
        if name == "open":  # a panel the learner opens (absent from an older build: nothing to open)
            page.evaluate("(id) => { const box = document.getElementById(id); if (box) box.open = true; }", value)
            continue
        if value == "LARGEST":
            value = largest
        elif value == "LARGEST-1":
            value = largest.rsplit("-", 1)[0] + "-1"
        result = page.evaluate("([n, v]) => window.backpropSim.act(n, v)", [name, value])
        if result.get("message") and name not in NEWER_ACTIONS:
            raise SystemExit(f"bench setup {name} {value!r} refused: {result['message']}")
    page.evaluate("([s]) => window.backpropSim.act('train_speed', s)", [speed])
    page.evaluate("window.backpropSim.act('train', true)")
    page.wait_for_timeout(1000)
    start = page.evaluate("[performance.now(), window.backpropSim.pyodide.runPython('import backprop_sim.painter as p; p._page.updates_done')]")
    _py(page, "p._page.train_frame_ms.clear()")
    page.wait_for_timeout(TRAINING_WINDOW_MS)
    end = page.evaluate("[performance.now(), window.backpropSim.pyodide.runPython('import backprop_sim.painter as p; p._page.updates_done')]")
    frames = json.loads(_py(page, "import json; json.dumps(p._page.train_frame_ms)"))
    page.evaluate("window.backpropSim.act('train', false)")
    return {"per_s": (end[1] - start[1]) / (end[0] - start[0]) * 1000, "frames": frames}


def training(args) -> None:
    """Every setup at every speed, interleaved over the runs; medians of the delivered speed
    and the 95th percentile of Python time per frame. With --against DIR (another build's
    public/), both builds in the same browser, run after run in turn: ratios that hold on a
    noisy machine, where the absolute times do not."""
    from playwright.sync_api import sync_playwright

    builds = {"now": PUBLIC} | ({"against": Path(args.against)} if args.against else {})
    samples: dict = {name: {} for name in builds}
    servers = {name: chromium.serve(public) for name, public in builds.items()}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        pages = {}
        for name, (httpd, origin) in servers.items():
            pages[name] = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            pages[name].goto(origin + "/sim/main.html")
            wait_ready(pages[name])
        for run in range(args.runs):
            for setup_name, setup in TRAINING_SETUPS.items():
                if args.only and args.only not in setup_name:
                    continue
                for speed in (args.speeds.split(",") if args.speeds else TRAINING_SPEEDS):
                    speed = speed if speed == "fast" else int(speed)
                    for build in (list(builds) if run % 2 == 0 else list(builds)[::-1]):  # who goes first alternates
                        pages[build].bring_to_front()
                        got = delivered(pages[build], setup, speed)
                        slot = samples[build].setdefault(f"{setup_name} @ {speed}", {"per_s": [], "frames": []})
                        slot["per_s"].append(got["per_s"])
                        slot["frames"] += got["frames"]
            print(f"run {run + 1} of {args.runs} done", flush=True)
        browser.close()
    for httpd, _ in servers.values():
        httpd.shutdown()
    training_report(args, samples, builds)


def training_report(args, samples: dict, builds: dict) -> None:
    """The medians of training()'s samples: a table, and (with --against) the ratios of the two builds."""
    results = {"machine": platform.platform(), "runs": args.runs, "window_ms": TRAINING_WINDOW_MS, "setups": {}}
    lines = [f"{args.runs} runs, {TRAINING_WINDOW_MS / 1000:g} s each after 1 s of warm-up; medians.", "",
             "| setup | speed set | delivered (updates/s) | ratio | Python per frame p50 / p95 |", "| --- | --- | --- | --- | --- |"]
    summary = {build: {} for build in builds}
    for build, by_key in samples.items():
        for key, slot in by_key.items():
            name, speed = key.rsplit(" @ ", 1)
            per_s = statistics.median(slot["per_s"])
            ratio = per_s / float(speed) if speed != "fast" else None
            frames = slot["frames"] or [0.0]
            p50, p95 = percentile(frames, 0.5), percentile(frames, 0.95)
            summary[build][key] = {"delivered_per_s": per_s, "spread": [min(slot["per_s"]), max(slot["per_s"])],
                                   "ratio": ratio, "frame_ms_p50": p50, "frame_ms_p95": p95, "frames": len(frames)}
            if build == "now":
                lines.append(f"| {name} | {speed} | {per_s:.1f} ({min(slot['per_s']):.1f}–{max(slot['per_s']):.1f}) | "
                             f"{'' if ratio is None else f'{ratio:.3f}'} | {p50:.2f} / {p95:.2f} ms |")
    results["setups"] = summary["now"]
    if args.against:
        results["against"] = {"build": str(args.against), "setups": summary["against"]}
        lines += ["", f"Against {args.against}, in the same runs (now ÷ against):", "",
                  "| setup | speed set | updates/s | ×  | frame p50 | frame p95 | p95 × |", "| --- | --- | --- | --- | --- | --- | --- |"]
        for key, now in summary["now"].items():
            was = summary["against"][key]
            name, speed = key.rsplit(" @ ", 1)
            lines.append(f"| {name} | {speed} | {was['delivered_per_s']:,.0f} → {now['delivered_per_s']:,.0f} | "
                         f"{now['delivered_per_s'] / was['delivered_per_s']:.2f} | {was['frame_ms_p50']:.1f} → {now['frame_ms_p50']:.1f} ms | "
                         f"{was['frame_ms_p95']:.1f} → {now['frame_ms_p95']:.1f} ms | {now['frame_ms_p95'] / max(was['frame_ms_p95'], 1e-9):.2f} |")
    out = ROOT / ".cache" / "bench" / "latest-training.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print("\n".join(lines))
    print(f"\nwritten to {out.relative_to(ROOT)}")


