"""A memory snapshot of the started interpreter, made at build time, so a learner's browser
skips starting Python (issue #7).

Pyodide 0.27 can save the WebAssembly heap of a started interpreter (the experimental
`_makeSnapshot` / `makeMemorySnapshot` / `_loadSnapshot`) and start a later page from it. We
boot the built runtime in headless Chromium twice:

  1. a normal boot that loads numpy and imports backprop_sim.painter, to learn which
     standard-library modules a real start imports (the package loader's and numpy's);
  2. a boot with `_makeSnapshot` that imports exactly those, and saves the heap.

numpy itself cannot be in the snapshot: its C extensions are separate WebAssembly modules
(dynamic libraries) whose code and function table the heap does not hold. So the page
still loads numpy after the snapshot, but the interpreter, the package loader and the
modules numpy imports are already there. Measured in `make bench` (README, Performance).

The heap is gzipped (it shrinks about 4x) and the loader inflates it with
DecompressionStream. Without Chromium, or with BACKPROP_SNAPSHOT=0, the build leaves the
snapshot out and the page starts Python the usual way.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
from pathlib import Path

import chromium  # tools/chromium.py
from chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / ".cache" / "snapshot"
NAME = "python-snapshot.bin"  # not .gz: some servers would add Content-Encoding and inflate it first
DATA_SCRIPT = "offline-snapshot.js"  # the same bytes for file:// and opaque origins

# Modules never put in the snapshot: numpy and our package are what the page loads after it,
# and modules tied to the page's JavaScript side are set up when the snapshot is restored.
EXCLUDED = ("numpy", "backprop_sim", "js", "pyodide_js", "_pyodide", "__main__")

_LIST_PAGE = """<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script src="pyodide.js"></script><script>
(async () => {
  const py = await loadPyodide({indexURL: new URL("./", location.href).href, fullStdLib: false});
  const modules = () => py.runPython("import sys; sorted(sys.modules)").toJs();
  const core = modules();
  await py.loadPackage("numpy", {messageCallback: () => {}});
  const zip = await (await fetch("backprop_sim.zip")).arrayBuffer();
  py.unpackArchive(zip, "zip", {extractDir: "/home/pyodide/app"});
  py.runPython("import sys; sys.path.insert(0, '/home/pyodide/app'); import backprop_sim.painter");
  window.result = {core, after: modules()};
})().catch(e => { window.result = {error: String(e)}; });
</script>"""

_SNAPSHOT_PAGE = """<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script src="pyodide.js"></script><script>
(async () => {
  const py = await loadPyodide({indexURL: new URL("./", location.href).href, fullStdLib: false, _makeSnapshot: true});
  const failed = py.runPython(`
def _preload(names):
    import importlib
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed.append(f"{name}: {exc}")
    import gc
    gc.collect()
    return failed
_failed = _preload(__PRELOAD__)
del _preload
", ".join(_failed)`);
  py.runPython("del _failed");
  const snapshot = py.makeMemorySnapshot();
  const put = await fetch("/__snapshot__", {method: "PUT", body: snapshot});
  window.result = {bytes: snapshot.length, failed, stored: put.ok};
})().catch(e => { window.result = {error: String(e)}; });
</script>"""


def preload_list(core: list[str], after: list[str]) -> list[str]:
    """Modules a real start imports that a bare interpreter has not: what the snapshot holds."""
    present = set(core)
    return sorted(m for m in after if m not in present and m.split(".")[0] not in EXCLUDED)


def cache_key(runtime_dir: Path) -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted(runtime_dir.iterdir()):
        if path.is_file() and path.name not in ("offline-data.js", DATA_SCRIPT, NAME):
            digest.update(path.name.encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:24]


def make(runtime_dir: Path) -> bytes | None:
    """The gzipped snapshot for the runtime in runtime_dir (cached by its inputs), or None."""
    if os.environ.get("BACKPROP_SNAPSHOT") == "0":
        print("BACKPROP_SNAPSHOT=0: no interpreter snapshot (a smaller download, a slower start)", file=sys.stderr)
        return None
    cached = CACHE_DIR / f"{cache_key(runtime_dir)}.bin"
    if cached.exists():
        return cached.read_bytes()
    if not chromium.usable(without="no interpreter snapshot (the page starts slower)"):
        return None
    from playwright.sync_api import sync_playwright

    received: dict[str, bytes] = {}
    pages = {"/__list__.html": _LIST_PAGE}
    httpd, origin = chromium.serve(runtime_dir, pages, on_put=lambda path, body: received.update(snapshot=body))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                listed = _run(browser, origin + "/__list__.html")
                preload = preload_list(listed["core"], listed["after"])
                pages["/__snapshot__.html"] = _SNAPSHOT_PAGE.replace("__PRELOAD__", json.dumps(preload))
                made = _run(browser, origin + "/__snapshot__.html")
            finally:
                browser.close()
    finally:
        httpd.shutdown()
    if made["failed"]:
        print(f"warning: the snapshot left out modules that did not import: {made['failed']}", file=sys.stderr)
    if not made["stored"] or len(received.get("snapshot", b"")) != made["bytes"]:
        raise RuntimeError("the interpreter snapshot did not arrive from the browser")
    packed = gzip.compress(received["snapshot"], compresslevel=6, mtime=0)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    for old in CACHE_DIR.glob("*.bin"):
        old.unlink()
    cached.write_bytes(packed)
    return packed


def _run(browser, url: str) -> dict:
    page = browser.new_page()
    try:
        page.goto(url)
        page.wait_for_function("window.result", timeout=180_000)
        result = page.evaluate("window.result")
    finally:
        page.close()
    if "error" in result:
        raise RuntimeError(f"making the interpreter snapshot failed in the browser: {result['error']}")
    return result
