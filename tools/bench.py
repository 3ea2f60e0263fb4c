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
With --cpu 4 (make bench CPU=4), every page's CPU is throttled 4x through CDP
(Emulation.setCPUThrottlingRate), a low-end school laptop. --compare-snapshot: our page
cold with the interpreter snapshot and without it, in turn (issue 24, item 8).
The pages and what they are measured by are in tools/benchpage.py.
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

from benchpage import (  # noqa: E402
    BASELINE_PATH, LARGEST_SETUP, SANDBOX_PATH, SCHOOL, bare_runtime, bytes_transferred, first_paint,
    frame_times, new_page, percentile, serve, stats, training, wait_ready, ASSUME_A_FAST_LINK,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--network", choices=("local", "school"), default="local",
                        help="local: this machine's server as it is; school: gzip host, 10 Mbit/s, 40 ms")
    parser.add_argument("--cpu", type=float, default=1,
                        help="Chromium's CPU throttling for every page (Emulation.setCPUThrottlingRate): 4 is a low-end laptop")
    parser.add_argument("--compare-snapshot", action="store_true",
                        help="issue 24, item 8: our page cold with the interpreter snapshot (taken as over a fast link) and without it, interleaved")
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
        if args.compare_snapshot:
            compare_snapshot(args, bare)
        elif args.network == "school":
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
            ctx, page = new_page(browser, args, service_workers="block")
            page.goto(f"{origin}{BASELINE_PATH}")
            chromium.wait_for(page, "window.readyAt", timeout=120_000)
            baseline.append(page.evaluate("window.readyAt"))
            baseline_bytes.append(bytes_transferred(page))
            ctx.close()

            # the HTTP cache alone: no service worker in this context
            ctx, page = new_page(browser, args, service_workers="block")
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
            ctx, page = new_page(browser, args, service_workers="block")
            page.route("**/python-snapshot.bin*", lambda route: route.fulfill(status=404, body="none"))
            page.goto(sim_url)
            no_snapshot.append(wait_ready(page))
            if page.evaluate("window.backpropSim.snapshot.used"):
                raise SystemExit("the snapshot was used although it was blocked")
            transferred_no_snapshot.append(bytes_transferred(page))
            ctx.close()

            # a second visit served by the service worker, online and offline
            ctx, page = new_page(browser, args)
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
            ctx, page = new_page(browser, args, service_workers="block")
            page.goto(origin + SANDBOX_PATH)
            frame = page.wait_for_selector("iframe").content_frame()
            sandboxed.append(wait_ready(frame))
            ctx.close()

            ctx, page = new_page(browser, args)
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
            ctx, page = new_page(browser, args, service_workers="block")
            page.goto(f"{origin}{BASELINE_PATH}")
            chromium.wait_for(page, "window.readyAt", timeout=300_000)
            kinds["bare"].append(page.evaluate("window.readyAt"))
            kinds["bare_bytes"].append(bytes_transferred(page))
            ctx.close()

            # our page: a cold first visit, then (once the service worker holds the site) a second
            ctx, page = new_page(browser, args)
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


def compare_snapshot(args, bare: Path) -> None:
    """Issue 24, item 8: ready cold with the snapshot and without it, in turn in every run
    (who goes first alternates). "With" tells the loader its link is fast, so it takes the
    snapshot as a fast link or a browser holding it would; "without" answers it with a 404,
    as a build without it. Both in contexts without a service worker."""
    from playwright.sync_api import sync_playwright

    httpd, origin = serve(bare, gzip_like_a_host=args.network == "school")
    sim_url = f"{origin}/sim/main.html"
    ready = {"with": [], "without": []}
    stages = {"with": [], "without": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for i in range(args.runs):
            for kind in (("with", "without") if i % 2 == 0 else ("without", "with")):
                ctx, page = new_page(browser, args, service_workers="block")
                if kind == "with":
                    ctx.add_init_script(ASSUME_A_FAST_LINK)
                else:
                    page.route("**/python-snapshot.bin*", lambda route: route.fulfill(status=404, body="none"))
                page.goto(sim_url)
                ready[kind].append(wait_ready(page))
                used = page.evaluate("(window.backpropSim.snapshot || {}).used")
                if bool(used) != (kind == "with"):
                    raise SystemExit(f"run {i + 1} {kind} the snapshot: the page says used={used}")
                stages[kind].append(page.evaluate("window.backpropSim.timings"))
                ctx.close()
            print(f"run {i + 1}: with {ready['with'][-1]:.0f} ms, without {ready['without'][-1]:.0f} ms "
                  f"({ready['with'][-1] / ready['without'][-1]:.2f})", flush=True)
        browser.close()
    httpd.shutdown()
    results = {"machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores", "runs": args.runs, "cpu": args.cpu,
               "network": args.network, "with_ms": stats(ready["with"]), "without_ms": stats(ready["without"]),
               "ratio_with_to_without": statistics.median(ready["with"]) / statistics.median(ready["without"]),
               "ratio_paired": stats([w / o for w, o in zip(ready["with"], ready["without"])]),
               "stages": {kind: {k: statistics.median(t[k] for t in ts if k in t) for k in ts[0]} for kind, ts in stages.items()}}
    out = ROOT / ".cache" / "bench" / "latest-snapshot.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
