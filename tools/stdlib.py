"""The standard library the page downloads: Pyodide's python_stdlib.zip without the modules
nothing here imports (issue 15: 2.3 MB on a school network, most of it email, http, xml,
asyncio, unittest, multiprocessing, 90 text codecs...).

What is kept is found, not guessed: the build boots the runtime in headless Chromium with
the whole standard library, then does what the page does (load numpy, unpack and import
every module of our package, let an error reach JavaScript) and imports every module a
learner may import in the editor (the list on the Edit page, `site/sim/edit.html`, which
is the one owner of that list) and every module our package imports anywhere, even inside
a function. Every module then in `sys.modules` stays, with its package; so do the common
text codecs. The rest is left out. Without Chromium (or with BACKPROP_TRIM_STDLIB=0) the
whole library is kept, with a warning.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import re
import sys
import zipfile
from pathlib import Path

import chromium  # tools/chromium.py
from chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / ".cache" / "stdlib"
EDIT_PAGE = ROOT / "site" / "sim" / "edit.html"
PACKAGE_DIR = ROOT / "py" / "backprop_sim"

# codecs Python finds by name when text is encoded: the common ones stay even if no module
# imported them during the build's boot (an 'utf-16' of a learner's, a latin-1 file)
CODECS = ("aliases", "ascii", "latin_1", "utf_8", "utf_8_sig", "utf_16", "utf_16_le", "utf_16_be",
          "utf_32", "utf_32_le", "utf_32_be", "cp1252", "charmap", "raw_unicode_escape", "unicode_escape")
# not in the standard library: Pyodide's JavaScript side, numpy, our package
NOT_IN_ZIP = ("js", "pyodide_js", "numpy", "backprop_sim", "__main__")


def learner_modules(page: Path = EDIT_PAGE) -> list[str]:
    """The modules the Edit page tells learners they may import (its #importable list)."""
    text = page.read_text()
    section = re.search(r'<ul id="importable"[^>]*>(.*?)</ul>', text, re.S)
    if not section:
        raise RuntimeError(f'{page} has no <ul id="importable">: the list of modules a learner may import')
    return re.findall(r'<code data-module>([\w.]+)</code>', section.group(1))


def package_imports(package: Path = PACKAGE_DIR) -> list[str]:
    """Every absolute module our package imports, at the top of a file or inside a function."""
    names = set()
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return sorted(n for n in names if n.split(".")[0] not in NOT_IN_ZIP and n != "__future__")


_LIST_PAGE = """<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script src="pyodide.js"></script><script>
(async () => {
  const py = await loadPyodide({indexURL: new URL("./", location.href).href, fullStdLib: false});
  await py.loadPackage("numpy", {messageCallback: () => {}});
  const zip = await (await fetch("backprop_sim.zip")).arrayBuffer();
  py.unpackArchive(zip, "zip", {extractDir: "/home/pyodide/app"});
  py.runPython("import sys; sys.path.insert(0, '/home/pyodide/app')");
  try { py.runPython("import backprop_sim\\n1 / 0"); } catch (e) { /* an error on its way to JavaScript */ }
  const failed = py.runPython(`
def _import_all(names):
    import importlib, pkgutil, backprop_sim
    names = names + [m.name for m in pkgutil.iter_modules(backprop_sim.__path__, "backprop_sim.")]
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed.append(f"{name}: {exc!r}")
    return failed
", ".join(_import_all(__IMPORTS__))`);
  window.result = {failed, modules: py.runPython("import sys; sorted(sys.modules)").toJs()};
})().catch(e => { window.result = {error: String(e)}; });
</script>"""


def _module_of(path: str) -> str | None:
    """The dotted module a zip entry holds ('json/decoder.py' -> 'json.decoder'), or None."""
    if not path.endswith(".py"):
        return None
    parts = path[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def trim(official: bytes, modules: set[str]) -> bytes:
    """The zip with the modules named (and their packages, and CODECS) and nothing else
    that is Python; written deterministically, entries in the official order."""
    keep = set(modules) | {"encodings." + c for c in CODECS}
    for name in list(keep):  # a module's packages
        parts = name.split(".")
        keep.update(".".join(parts[:i]) for i in range(1, len(parts)))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(official)) as source, zipfile.ZipFile(out, "w") as z:
        for info in source.infolist():
            module = _module_of(info.filename)
            if info.is_dir() or (module is not None and module not in keep):
                continue
            if module is None and "/" in info.filename and info.filename.split("/")[0] not in keep:
                continue  # a data file of a package left out
            entry = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            z.writestr(entry, source.read(info), compresslevel=9)
    return out.getvalue()


def _cache_key(runtime_dir: Path, imports: list[str]) -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(json.dumps(imports).encode())
    for name in ("pyodide.asm.wasm", "pyodide.asm.js", "pyodide-lock.json", "backprop_sim.zip", "python_stdlib.zip"):
        digest.update(hashlib.sha256((runtime_dir / name).read_bytes()).digest())
    for wheel in sorted(runtime_dir.glob("*.whl")):
        digest.update(hashlib.sha256(wheel.read_bytes()).digest())
    return digest.hexdigest()[:24]


def make(runtime_dir: Path) -> bytes | None:
    """The trimmed zip for the runtime in runtime_dir (whose python_stdlib.zip is still the
    official one), cached by its inputs; None when it cannot be found out (whole stdlib)."""
    if os.environ.get("BACKPROP_TRIM_STDLIB") == "0":
        print("BACKPROP_TRIM_STDLIB=0: the whole standard library (2.3 MB)", file=sys.stderr)
        return None
    imports = sorted(set(learner_modules()) | set(package_imports()))
    cached = CACHE_DIR / f"{_cache_key(runtime_dir, imports)}.zip"
    if cached.exists():
        return cached.read_bytes()
    if not chromium.usable(without="the whole standard library (2.3 MB; a trimmed one needs a boot to find what is used)"):
        return None
    from playwright.sync_api import sync_playwright

    page_text = _LIST_PAGE.replace("__IMPORTS__", json.dumps(imports))
    httpd, origin = chromium.serve(runtime_dir, {"/__stdlib__.html": page_text})
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(origin + "/__stdlib__.html")
                page.wait_for_function("window.result", timeout=180_000)
                result = page.evaluate("window.result")
            finally:
                browser.close()
    finally:
        httpd.shutdown()
    if "error" in result:
        raise RuntimeError(f"finding the standard-library modules in use failed in the browser: {result['error']}")
    if result["failed"]:
        # a module the Edit page promises must import: stop rather than publish a broken promise
        raise RuntimeError(f"modules listed for learners (site/sim/edit.html) or imported by our package did not import: {result['failed']}")
    trimmed = trim((runtime_dir / "python_stdlib.zip").read_bytes(), set(result["modules"]))
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    for old in CACHE_DIR.glob("*.zip"):
        old.unlink()
    cached.write_bytes(trimmed)
    return trimmed


# ---------------------------------------------------------------- what was left out, said

HOOK = "sitecustomize.py"  # Python's site imports it at start: the finder is there from the first import
_HOOK_SOURCE = '''"""Written by the build (tools/stdlib.py): a learner who imports a module this page leaves
out (to keep its download small) is told so, instead of a bare "No module named".

A finder at the end of sys.meta_path, as Pyodide's own for the modules it unvendors: asked
only after every other finder has failed, it raises for the names below and passes on the rest.
"""
import sys

LEFT_OUT = frozenset(__LEFT_OUT__)
WHY = ("No module named {name!r}: this page carries only the parts of Python's standard library "
       "and of numpy that the simulation and a learner's rules use, to keep its download small "
       "(the Edit page lists what your code may import).")


class LeftOutFinder:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name in LEFT_OUT:
            raise ModuleNotFoundError(WHY.format(name=name), name=name)
        return None


sys.meta_path.append(LeftOutFinder)
'''


def _modules(zip_bytes: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as z:
        return {m for m in map(_module_of, z.namelist()) if m}


def left_out_hook(official: bytes, trimmed: bytes, also: tuple[str, ...] = ()) -> bytes:
    """The source of HOOK for a trimmed zip: every module of the official one not kept, and
    also (numpy's packages the derived wheel leaves out), by dotted name."""
    left_out = sorted((_modules(official) - _modules(trimmed)) | set(also))
    return _HOOK_SOURCE.replace("__LEFT_OUT__", json.dumps(left_out)).encode()
