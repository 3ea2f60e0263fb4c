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


ACTIVE_WORKER = "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active && r.active.state === 'activated'))"


def machine() -> str:
    return f"{platform.machine()}, {__import__('os').cpu_count()} cores, {platform.system()}"


def run_visits(args, visits, urls: dict, after_run=None) -> tuple[dict[str, list], str]:
    """Every visit of `visits` in turn, args.runs times (interleaved, so that a noisy moment
    hurts each kind alike); each appends its measures to the samples by name."""
    from collections import defaultdict
    from playwright.sync_api import sync_playwright

    samples: dict[str, list] = defaultdict(list)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        version = browser.version
        for i in range(args.runs):
            for visit in visits:
                visit(browser, args, urls, samples)
            if after_run:
                after_run(i, samples)
        browser.close()
    return samples, version


def write_results(results: dict, name: str) -> Path:
    out = ROOT / ".cache" / "bench" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    return out


def visit_baseline(browser, args, urls, got, key="baseline", timeout=120_000):
    """The bare page: the published Pyodide and numpy only."""
    ctx, page = new_page(browser, args, service_workers="block")
    page.goto(urls["baseline"])
    chromium.wait_for(page, "window.readyAt", timeout=timeout)
    got[key].append(page.evaluate("window.readyAt"))
    got[key + "_bytes"].append(bytes_transferred(page))
    ctx.close()


def visit_http_cache(browser, args, urls, got):
    """Cold, then a reload (the HTTP cache alone: no service worker), then Auto's frames."""
    ctx, page = new_page(browser, args, service_workers="block")
    page.goto(urls["sim"])
    got["cold"].append(wait_ready(page))
    if not page.evaluate("window.backpropSim.snapshot.used"):
        print("warning: the page started without its snapshot:", page.evaluate("window.backpropSim.snapshot.reason"))
    got["paint_http"].append(first_paint(page))
    got["transferred"].append(bytes_transferred(page))
    page.reload()
    got["warm"].append(wait_ready(page))
    for kind, setup in (("seed", ""), ("big", LARGEST_SETUP)):
        frames, presses = frame_times(page, setup)
        got[kind + "_frames"] += frames
        got[kind + "_presses"] += presses
    ctx.close()


def visit_without_snapshot(browser, args, urls, got):
    """The same page as a build without the snapshot serves it."""
    ctx, page = new_page(browser, args, service_workers="block")
    page.route("**/python-snapshot.bin*", lambda route: route.fulfill(status=404, body="none"))
    page.goto(urls["sim"])
    got["no_snapshot"].append(wait_ready(page))
    if page.evaluate("window.backpropSim.snapshot.used"):
        raise SystemExit("the snapshot was used although it was blocked")
    got["transferred_no_snapshot"].append(bytes_transferred(page))
    ctx.close()


def visit_service_worker(browser, args, urls, got):
    """A second visit served by the service worker, online and offline."""
    ctx, page = new_page(browser, args)
    page.goto(urls["sim"])
    wait_ready(page)
    chromium.wait_for(page, ACTIVE_WORKER, polling=200, timeout=120_000)
    page.goto(urls["sim"])
    got["sw_visit"].append(wait_ready(page))
    ctx.set_offline(True)
    page.goto(urls["sim"])
    got["sw_offline"].append(wait_ready(page))
    ctx.close()


def visit_sandboxed(browser, args, urls, got):
    """In a sandboxed iframe (an opaque origin: the data scripts, as from file://)."""
    ctx, page = new_page(browser, args, service_workers="block")
    page.goto(urls["sandbox"])
    got["sandboxed"].append(wait_ready(page.wait_for_selector("iframe").content_frame()))
    ctx.close()


def visit_file(browser, args, urls, got):
    ctx, page = new_page(browser, args)
    page.goto(urls["file"])
    got["from_file"].append(wait_ready(page))
    got["paint_file"].append(first_paint(page))
    ctx.close()


def local(args, bare: Path) -> None:
    httpd, origin = serve(bare)
    urls = {"sim": f"{origin}/sim/main.html", "baseline": f"{origin}{BASELINE_PATH}", "sandbox": origin + SANDBOX_PATH,
            "file": (PUBLIC / "sim" / "main.html").as_uri()}
    visits = (visit_baseline, visit_http_cache, visit_without_snapshot, visit_service_worker, visit_sandboxed, visit_file)
    got, version = run_visits(args, visits, urls)
    httpd.shutdown()
    results = {"machine": machine(), "runs": args.runs, "chromium": version, **local_results(got)}
    out = write_results(results, "latest.json")
    print("\n".join(local_table(results, args.runs)))
    print(f"\nwritten to {out.relative_to(ROOT)}")


def local_results(got: dict[str, list]) -> dict:
    med = statistics.median
    cold, baseline, no_snapshot, sw_visit = got["cold"], got["baseline"], got["no_snapshot"], got["sw_visit"]
    frames = {kind: {"p50": percentile(got[kind + "_frames"], 0.5), "p95": percentile(got[kind + "_frames"], 0.95),
                     "frames": len(got[kind + "_frames"])} for kind in ("seed", "big")}
    return {
        "first_paint_http_ms": stats(got["paint_http"]),
        "first_paint_file_ms": stats(got["paint_file"]),
        "ready_cold_http_ms": stats(cold),
        "ready_reload_http_ms": stats(got["warm"]),
        "ready_file_ms": stats(got["from_file"]),
        "ready_second_visit_service_worker_ms": stats(sw_visit),
        "ready_second_visit_offline_ms": stats(got["sw_offline"]),
        "ratio_service_worker_to_cold": med(sw_visit) / med(cold),
        "ratio_service_worker_to_baseline": med(sw_visit) / med(baseline),
        "ready_sandboxed_iframe_ms": stats(got["sandboxed"]),
        "ratio_sandboxed_to_http": med(got["sandboxed"]) / med(cold),
        "bytes_baseline": stats(got["baseline_bytes"]),
        "baseline_pyodide_numpy_ms": stats(baseline),
        "ratio_ready_to_baseline": med(cold) / med(baseline),
        "ready_cold_http_without_snapshot_ms": stats(no_snapshot),
        "ratio_without_snapshot_to_baseline": med(no_snapshot) / med(baseline),
        "ratio_snapshot_to_without": med(cold) / med(no_snapshot),
        "bytes_cold_without_snapshot": stats(got["transferred_no_snapshot"]),
        # each run's own ratio (taken minutes apart at most), then their median: steadier on a noisy machine
        "ratio_ready_to_baseline_paired": stats([c / b for c, b in zip(cold, baseline)]),
        "ratio_reload_to_cold": med(got["warm"]) / med(cold),
        "ratio_file_to_http": med(got["from_file"]) / med(cold),
        "bytes_cold": stats(got["transferred"]),
        "python_frame_ms_seed": frames["seed"],
        "python_frame_ms_largest": frames["big"],
        "press_to_paint_ms_seed": stats(got["seed_presses"]),
        "press_to_paint_ms_largest": stats(got["big_presses"]),
    }


def row(name: str, s: dict, unit: str = "ms") -> str:
    return f"| {name} | {s['median']:.0f} {unit} | {s['min']:.0f}–{s['max']:.0f} |"


def local_table(results: dict, runs: int) -> list[str]:
    r = results
    seed, big = r["python_frame_ms_seed"], r["python_frame_ms_largest"]
    paired = r["ratio_ready_to_baseline_paired"]
    return [
        f"Machine: {r['machine']}; Chromium {r['chromium']}; {runs} runs each, medians.",
        "",
        "| measure | median | spread |",
        "| --- | --- | --- |",
        *(row(name, r[key]) for name, key in (
            ("first paint, http", "first_paint_http_ms"), ("first paint, file://", "first_paint_file_ms"),
            ("ready, cold, http", "ready_cold_http_ms"), ("ready, reload (warm cache)", "ready_reload_http_ms"),
            ("ready, file://", "ready_file_ms"), ("ready, sandboxed iframe", "ready_sandboxed_iframe_ms"),
            ("ready, second visit (service worker)", "ready_second_visit_service_worker_ms"),
            ("ready, second visit offline (service worker)", "ready_second_visit_offline_ms"),
            ("bare baseline: published Pyodide + numpy only", "baseline_pyodide_numpy_ms"),
            ("ready, cold, http, without the snapshot", "ready_cold_http_without_snapshot_ms"))),
        f"| bytes on a cold load | {r['bytes_cold']['median'] / 1e6:.1f} MB | |",
        f"| bytes on a cold load without the snapshot | {r['bytes_cold_without_snapshot']['median'] / 1e6:.1f} MB | |",
        f"| bytes, bare baseline | {r['bytes_baseline']['median'] / 1e6:.1f} MB | |",
        f"| Python per frame, seed example | p50 {seed['p50']:.2f} ms, p95 {seed['p95']:.2f} ms | {seed['frames']} frames |",
        f"| Python per frame, largest network | p50 {big['p50']:.2f} ms, p95 {big['p95']:.2f} ms | {big['frames']} frames |",
        row("Backward Step press to next paint, seed", r["press_to_paint_ms_seed"]),
        row("Backward Step press to next paint, largest", r["press_to_paint_ms_largest"]),
        "",
        f"Ratios: ready / baseline {r['ratio_ready_to_baseline']:.2f} (target ≤ 0.65; paired per run: median "
        f"{paired['median']:.2f}, {paired['min']:.2f}–{paired['max']:.2f}); "
        f"reload / cold {r['ratio_reload_to_cold']:.2f} (≤ 0.7); file:// / http {r['ratio_file_to_http']:.2f} (≤ 1.2); "
        f"service-worker visit / cold {r['ratio_service_worker_to_cold']:.2f}, / baseline {r['ratio_service_worker_to_baseline']:.2f} (≤ 0.35); "
        f"sandboxed iframe / http {r['ratio_sandboxed_to_http']:.2f} (≤ 1.2); "
        f"with / without the snapshot {r['ratio_snapshot_to_without']:.2f} "
        f"(without it, ready / baseline {r['ratio_without_snapshot_to_baseline']:.2f}).",
    ]


def visit_school_bare(browser, args, urls, got):
    visit_baseline(browser, args, urls, got, key="bare", timeout=300_000)


def visit_school_ours(browser, args, urls, got):
    """Our page: a cold first visit, then (once the service worker holds the site) a second."""
    sim_url = urls["sim"]
    ctx, page = new_page(browser, args)
    page.goto(sim_url)
    got["cold"].append(wait_ready(page))
    got["cold_bytes"].append(bytes_transferred(page))
    got["took_snapshot"].append(page.evaluate("window.backpropSim.snapshot"))
    chromium.wait_for(page, ACTIVE_WORKER, polling=500, timeout=300_000)
    chromium.wait_for(page, f"caches.match({json.dumps(sim_url.replace('main.html', 'runtime/python-snapshot.bin'))}, {{ignoreSearch: true}}).then(r => !!r)",
                      polling=500, timeout=300_000)
    page.goto(sim_url)
    for _ in range(10):
        # right after activation Chromium sometimes still loads the page without it
        if page.evaluate("!!navigator.serviceWorker.controller"):
            break
        page.wait_for_timeout(1000)
        page.goto(sim_url)
    got["second"].append(wait_ready(page))
    got["second_bytes"].append(bytes_transferred(page))
    got["second_visits"].append(page.evaluate("""({snapshot: window.backpropSim.snapshot, controlled: !!navigator.serviceWorker.controller,
        fromNetwork: performance.getEntriesByType('resource').filter(e => e.transferSize > 0).map(e => e.name.split('/').pop())})"""))
    if not got["second_visits"][-1]["snapshot"]["used"]:
        print("warning: the second visit started without the snapshot:", got["second_visits"][-1])
    ctx.close()


def school(args, bare: Path) -> None:
    """Issue 15's network: a gzip host behind 10 Mbit/s and 40 ms, runs interleaved."""
    httpd, origin = serve(bare, gzip_like_a_host=True)

    def after_run(i, got):
        print(f"run {i + 1}: bare {got['bare'][-1]:.0f} ms, ours {got['cold'][-1]:.0f} ms "
              f"({got['cold'][-1] / got['bare'][-1]:.2f}), second visit {got['second'][-1]:.0f} ms", flush=True)

    urls = {"sim": f"{origin}/sim/main.html", "baseline": f"{origin}{BASELINE_PATH}"}
    got, version = run_visits(args, (visit_school_bare, visit_school_ours), urls, after_run)
    httpd.shutdown()
    med = statistics.median
    kinds = ("bare", "bare_bytes", "cold", "cold_bytes", "second", "second_bytes")
    results = {"machine": machine(), "runs": args.runs, "network": SCHOOL, "chromium": version,
               **{k + ("" if k.endswith("bytes") else "_ms"): stats(got[k]) for k in kinds},
               "snapshot_first_visit": got["took_snapshot"], "second_visits": got["second_visits"],
               "ratio_cold_to_bare": med(got["cold"]) / med(got["bare"]),
               "ratio_cold_to_bare_paired": stats([c / b for c, b in zip(got["cold"], got["bare"])]),
               "ratio_second_to_bare": med(got["second"]) / med(got["bare"])}
    out = write_results(results, "latest-school.json")
    print("\n".join(school_table(results, args.runs)))
    print(f"\nwritten to {out.relative_to(ROOT)}")


def school_table(results: dict, runs: int) -> list[str]:
    def mb(name, key):
        return f"| {name} | {results[key]['median'] / 1e6:.2f} MB | |"

    used = sum(1 for s in results["snapshot_first_visit"] if s.get("used"))
    paired = results["ratio_cold_to_bare_paired"]
    return [
        f"Machine: {results['machine']}; Chromium {results['chromium']}; network: gzip host, 10 Mbit/s down, 40 ms; "
        f"{runs} runs each, interleaved, medians.",
        "",
        "| measure | median | spread |",
        "| --- | --- | --- |",
        row("bare baseline: published Pyodide + numpy, cold", results["bare_ms"]),
        row("ready, cold first visit", results["cold_ms"]),
        row("ready, second visit (service worker)", results["second_ms"]),
        mb("bytes on the wire, bare baseline", "bare_bytes"),
        mb("bytes on the wire, cold first visit", "cold_bytes"),
        mb("bytes on the wire, second visit", "second_bytes"),
        "",
        f"Ratios: cold / bare {results['ratio_cold_to_bare']:.2f} (target ≤ 0.6; paired per run: median "
        f"{paired['median']:.2f}, {paired['min']:.2f}–{paired['max']:.2f}); second visit / bare {results['ratio_second_to_bare']:.2f}. "
        f"The first visit took the snapshot in {used} of {runs} runs.",
    ]


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
