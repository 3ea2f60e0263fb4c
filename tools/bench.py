"""The page's performance benchmark, in headless Chromium on this machine.

    make bench            (builds first; or: .venv/bin/python tools/bench.py --runs 5)

Measures, over --runs runs each, the median and spread of:
  1. first paint (first-contentful-paint: the build-time SVG preview of the network);
  2. time to interactive (window.backpropSim ready), cold, over http;
  3. the same on a reload (warm HTTP cache);
  4. the same from file://;
  5. a bare baseline in the same run: a page that only boots the same Pyodide release as
     published (its own standard library, lock file and the official numpy wheel, served
     from node_modules and the build's wheel cache) and imports numpy; our ready time is
     reported as a ratio to it; and our page without the interpreter snapshot
     (tools/snapshot.py), to show what the snapshot gives; and in a sandboxed iframe;
  6. bytes transferred on a cold load;
  7. Python time per frame during Auto (p50, p95) for the seed example and the largest
     network, and the time from a Backward Step press to the next paint.
With --network school (issue 15), a school's network instead: a server that gzips like
GitHub Pages (text, scripts, JSON and wasm; not zip, wheels or the snapshot) behind
Chromium's network throttling (10 Mbit/s down, 40 ms round trip), and per run, interleaved:
the bare baseline cold, our page cold (ready, bytes on the wire, whether it took the
snapshot), and a second visit served by the service worker.
Writes .cache/bench/latest.json (latest-school.json) and prints a table. Shared machines are noisy: compare the
ratios, which are taken in one run.
"""

from __future__ import annotations

import argparse
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


def throttle(ctx, page):
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SCHOOL)
    return cdp


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--network", choices=("local", "school"), default="local",
                        help="local: this machine's server as it is; school: gzip host, 10 Mbit/s, 40 ms")
    parser.add_argument("--only", metavar="TEXT", help="--training: only the setups whose name holds TEXT")
    parser.add_argument("--speeds", metavar="LIST", help="--training: these speeds (e.g. 60,fast) instead of all")
    parser.add_argument("--training", action="store_true",
                        help="issue 16: the training speed delivered against the speed set, and Python per frame")
    parser.add_argument("--against", metavar="DIR",
                        help="with --training: another build's public/ (make bench-training AGAINST=<git ref> builds one), measured in turn in the same runs")
    args = parser.parse_args()
    if not (PUBLIC / "sim" / "main.html").exists():
        raise SystemExit("public/ is not built: run `make bench` (it builds first)")
    if args.against and not (Path(args.against) / "sim" / "main.html").exists():
        raise SystemExit(f"{args.against} holds no built site (sim/main.html)")
    if args.training:
        training(args)
        return
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        bare = bare_runtime(Path(tmp))
        if args.network == "school":
            school(args, bare)
        else:
            local(args, bare)


def local(args, bare: Path) -> None:
    from playwright.sync_api import sync_playwright

    httpd, origin = serve(bare)
    sim_url = f"{origin}/sim/main.html"
    file_url = (PUBLIC / "sim" / "main.html").as_uri()
    results: dict = {"machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, {platform.system()}", "runs": args.runs}
    cold, warm, from_file, baseline, paint_http, paint_file, transferred = [], [], [], [], [], [], []
    no_snapshot, transferred_no_snapshot = [], []
    seed_frames, seed_presses, big_frames, big_presses = [], [], [], []
    sw_visit, sw_offline, sandboxed, baseline_bytes = [], [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results["chromium"] = browser.version
        for i in range(args.runs):
            # interleave the kinds, so that a noisy moment hurts them alike
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            page = ctx.new_page()
            page.goto(f"{origin}{BASELINE_PATH}")
            chromium.wait_for(page, "window.readyAt", timeout=120_000)
            baseline.append(page.evaluate("window.readyAt"))
            baseline_bytes.append(bytes_transferred(page))
            ctx.close()

            # the HTTP cache alone: no service worker in this context
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            page = ctx.new_page()
            page.goto(sim_url)
            cold.append(wait_ready(page))
            if not page.evaluate("window.backpropSim.snapshot.used"):
                print("warning: the page started without its snapshot:", page.evaluate("window.backpropSim.snapshot.reason"))
            paint_http.append(first_paint(page))
            transferred.append(bytes_transferred(page))
            page.reload()
            warm.append(wait_ready(page))
            for frames, presses, setup in ((seed_frames, seed_presses, ""), (big_frames, big_presses, LARGEST_SETUP)):
                more_frames, more_presses = frame_times(page, setup)
                frames += more_frames
                presses += more_presses
            ctx.close()

            # the same page as a build without the snapshot serves it
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            page = ctx.new_page()
            page.route("**/python-snapshot.bin*", lambda route: route.fulfill(status=404, body="none"))
            page.goto(sim_url)
            no_snapshot.append(wait_ready(page))
            if page.evaluate("window.backpropSim.snapshot.used"):
                raise SystemExit("the snapshot was used although it was blocked")
            transferred_no_snapshot.append(bytes_transferred(page))
            ctx.close()

            # a second visit served by the service worker, online and offline
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            page.goto(sim_url)
            wait_ready(page)
            chromium.wait_for(page,
                "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active && r.active.state === 'activated'))",
                polling=200, timeout=120_000,
            )
            page.goto(sim_url)
            sw_visit.append(wait_ready(page))
            ctx.set_offline(True)
            page.goto(sim_url)
            sw_offline.append(wait_ready(page))
            ctx.close()

            # in a sandboxed iframe (an opaque origin: the data scripts, as from file://)
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            page = ctx.new_page()
            page.goto(origin + SANDBOX_PATH)
            frame = page.wait_for_selector("iframe").content_frame()
            sandboxed.append(wait_ready(frame))
            ctx.close()

            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            page.goto(file_url)
            from_file.append(wait_ready(page))
            paint_file.append(first_paint(page))
            ctx.close()
        browser.close()
    httpd.shutdown()

    med = lambda xs: statistics.median(xs)  # noqa: E731
    results.update({
        "first_paint_http_ms": stats(paint_http),
        "first_paint_file_ms": stats(paint_file),
        "ready_cold_http_ms": stats(cold),
        "ready_reload_http_ms": stats(warm),
        "ready_file_ms": stats(from_file),
        "ready_second_visit_service_worker_ms": stats(sw_visit),
        "ready_second_visit_offline_ms": stats(sw_offline),
        "ratio_service_worker_to_cold": med(sw_visit) / med(cold),
        "ratio_service_worker_to_baseline": med(sw_visit) / med(baseline),
        "ready_sandboxed_iframe_ms": stats(sandboxed),
        "ratio_sandboxed_to_http": med(sandboxed) / med(cold),
        "bytes_baseline": stats(baseline_bytes),
        "baseline_pyodide_numpy_ms": stats(baseline),
        "ratio_ready_to_baseline": med(cold) / med(baseline),
        "ready_cold_http_without_snapshot_ms": stats(no_snapshot),
        "ratio_without_snapshot_to_baseline": med(no_snapshot) / med(baseline),
        "ratio_snapshot_to_without": med(cold) / med(no_snapshot),
        "bytes_cold_without_snapshot": stats(transferred_no_snapshot),
        # each run's own ratio (taken minutes apart at most), then their median: steadier on a noisy machine
        "ratio_ready_to_baseline_paired": stats([c / b for c, b in zip(cold, baseline)]),
        "ratio_reload_to_cold": med(warm) / med(cold),
        "ratio_file_to_http": med(from_file) / med(cold),
        "bytes_cold": stats(transferred),
        "python_frame_ms_seed": {"p50": percentile(seed_frames, 0.5), "p95": percentile(seed_frames, 0.95), "frames": len(seed_frames)},
        "python_frame_ms_largest": {"p50": percentile(big_frames, 0.5), "p95": percentile(big_frames, 0.95), "frames": len(big_frames)},
        "press_to_paint_ms_seed": stats(seed_presses),
        "press_to_paint_ms_largest": stats(big_presses),
    })
    out = ROOT / ".cache" / "bench" / "latest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))

    def row(name, s, unit="ms"):
        return f"| {name} | {s['median']:.0f} {unit} | {s['min']:.0f}–{s['max']:.0f} |"

    lines = [
        f"Machine: {results['machine']}; Chromium {results['chromium']}; {args.runs} runs each, medians.",
        "",
        "| measure | median | spread |",
        "| --- | --- | --- |",
        row("first paint, http", results["first_paint_http_ms"]),
        row("first paint, file://", results["first_paint_file_ms"]),
        row("ready, cold, http", results["ready_cold_http_ms"]),
        row("ready, reload (warm cache)", results["ready_reload_http_ms"]),
        row("ready, file://", results["ready_file_ms"]),
        row("ready, sandboxed iframe", results["ready_sandboxed_iframe_ms"]),
        row("ready, second visit (service worker)", results["ready_second_visit_service_worker_ms"]),
        row("ready, second visit offline (service worker)", results["ready_second_visit_offline_ms"]),
        row("bare baseline: published Pyodide + numpy only", results["baseline_pyodide_numpy_ms"]),
        row("ready, cold, http, without the snapshot", results["ready_cold_http_without_snapshot_ms"]),
        f"| bytes on a cold load | {results['bytes_cold']['median'] / 1e6:.1f} MB | |",
        f"| bytes on a cold load without the snapshot | {results['bytes_cold_without_snapshot']['median'] / 1e6:.1f} MB | |",
        f"| bytes, bare baseline | {results['bytes_baseline']['median'] / 1e6:.1f} MB | |",
        f"| Python per frame, seed example | p50 {results['python_frame_ms_seed']['p50']:.2f} ms, p95 {results['python_frame_ms_seed']['p95']:.2f} ms | {results['python_frame_ms_seed']['frames']} frames |",
        f"| Python per frame, largest network | p50 {results['python_frame_ms_largest']['p50']:.2f} ms, p95 {results['python_frame_ms_largest']['p95']:.2f} ms | {results['python_frame_ms_largest']['frames']} frames |",
        row("Backward Step press to next paint, seed", results["press_to_paint_ms_seed"]),
        row("Backward Step press to next paint, largest", results["press_to_paint_ms_largest"]),
        "",
        f"Ratios: ready / baseline {results['ratio_ready_to_baseline']:.2f} (target ≤ 0.65; paired per run: median "
        f"{results['ratio_ready_to_baseline_paired']['median']:.2f}, {results['ratio_ready_to_baseline_paired']['min']:.2f}–"
        f"{results['ratio_ready_to_baseline_paired']['max']:.2f}); "
        f"reload / cold {results['ratio_reload_to_cold']:.2f} (≤ 0.7); file:// / http {results['ratio_file_to_http']:.2f} (≤ 1.2); "
        f"service-worker visit / cold {results['ratio_service_worker_to_cold']:.2f}, / baseline {results['ratio_service_worker_to_baseline']:.2f} (≤ 0.35); "
        f"sandboxed iframe / http {results['ratio_sandboxed_to_http']:.2f} (≤ 1.2); "
        f"with / without the snapshot {results['ratio_snapshot_to_without']:.2f} "
        f"(without it, ready / baseline {results['ratio_without_snapshot_to_baseline']:.2f}).",
    ]
    print("\n".join(lines))
    print(f"\nwritten to {out.relative_to(ROOT)}")


def school(args, bare: Path) -> None:
    """Issue 15's network: a gzip host behind 10 Mbit/s and 40 ms, runs interleaved."""
    from playwright.sync_api import sync_playwright

    httpd, origin = serve(bare, gzip_like_a_host=True)
    sim_url = f"{origin}/sim/main.html"
    kinds = {k: [] for k in ("bare", "bare_bytes", "cold", "cold_bytes", "second", "second_bytes")}
    took_snapshot, second_visits = [], []
    results: dict = {"machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, {platform.system()}",
                     "runs": args.runs, "network": SCHOOL}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results["chromium"] = browser.version
        for i in range(args.runs):
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            page = ctx.new_page()
            throttle(ctx, page)
            page.goto(f"{origin}{BASELINE_PATH}")
            chromium.wait_for(page, "window.readyAt", timeout=300_000)
            kinds["bare"].append(page.evaluate("window.readyAt"))
            kinds["bare_bytes"].append(bytes_transferred(page))
            ctx.close()

            # our page: a cold first visit, then (once the service worker holds the site) a second
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            throttle(ctx, page)
            page.goto(sim_url)
            kinds["cold"].append(wait_ready(page))
            kinds["cold_bytes"].append(bytes_transferred(page))
            took_snapshot.append(page.evaluate("window.backpropSim.snapshot"))
            chromium.wait_for(page,
                "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active && r.active.state === 'activated'))",
                polling=500, timeout=300_000,
            )
            chromium.wait_for(page, f"caches.match({json.dumps(sim_url.replace('main.html', 'runtime/python-snapshot.bin'))}, {{ignoreSearch: true}}).then(r => !!r)",
                                   polling=500, timeout=300_000)
            page.goto(sim_url)
            for _ in range(10):
                # right after activation Chromium sometimes still loads the page without it
                if page.evaluate("!!navigator.serviceWorker.controller"):
                    break
                page.wait_for_timeout(1000)
                page.goto(sim_url)
            kinds["second"].append(wait_ready(page))
            kinds["second_bytes"].append(bytes_transferred(page))
            second_visits.append(page.evaluate("""({snapshot: window.backpropSim.snapshot, controlled: !!navigator.serviceWorker.controller,
                fromNetwork: performance.getEntriesByType('resource').filter(e => e.transferSize > 0).map(e => e.name.split('/').pop())})"""))
            if not second_visits[-1]["snapshot"]["used"]:
                print("warning: the second visit started without the snapshot:", second_visits[-1])
            ctx.close()
            print(f"run {i + 1}: bare {kinds['bare'][-1]:.0f} ms, ours {kinds['cold'][-1]:.0f} ms "
                  f"({kinds['cold'][-1] / kinds['bare'][-1]:.2f}), second visit {kinds['second'][-1]:.0f} ms", flush=True)
        browser.close()
    httpd.shutdown()
    med = statistics.median
    results.update({k + ("" if k.endswith("bytes") else "_ms"): stats(v) for k, v in kinds.items()})
    results["snapshot_first_visit"] = took_snapshot
    results["second_visits"] = second_visits
    results["ratio_cold_to_bare"] = med(kinds["cold"]) / med(kinds["bare"])
    results["ratio_cold_to_bare_paired"] = stats([c / b for c, b in zip(kinds["cold"], kinds["bare"])])
    results["ratio_second_to_bare"] = med(kinds["second"]) / med(kinds["bare"])
    out = ROOT / ".cache" / "bench" / "latest-school.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))

    def row(name, key):
        s = results[key]
        return f"| {name} | {s['median']:.0f} ms | {s['min']:.0f}–{s['max']:.0f} |"

    def mb(name, key):
        return f"| {name} | {results[key]['median'] / 1e6:.2f} MB | |"

    used = sum(1 for s in took_snapshot if s.get("used"))
    print("\n".join([
        f"Machine: {results['machine']}; Chromium {results['chromium']}; network: gzip host, 10 Mbit/s down, 40 ms; "
        f"{args.runs} runs each, interleaved, medians.",
        "",
        "| measure | median | spread |",
        "| --- | --- | --- |",
        row("bare baseline: published Pyodide + numpy, cold", "bare_ms"),
        row("ready, cold first visit", "cold_ms"),
        row("ready, second visit (service worker)", "second_ms"),
        mb("bytes on the wire, bare baseline", "bare_bytes"),
        mb("bytes on the wire, cold first visit", "cold_bytes"),
        mb("bytes on the wire, second visit", "second_bytes"),
        "",
        f"Ratios: cold / bare {results['ratio_cold_to_bare']:.2f} (target ≤ 0.6; paired per run: median "
        f"{results['ratio_cold_to_bare_paired']['median']:.2f}, {results['ratio_cold_to_bare_paired']['min']:.2f}–"
        f"{results['ratio_cold_to_bare_paired']['max']:.2f}); second visit / bare {results['ratio_second_to_bare']:.2f}. "
        f"The first visit took the snapshot in {used} of {args.runs} runs.",
    ]))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
