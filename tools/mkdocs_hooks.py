"""MkDocs hooks: the build adds the vendored runtime, KaTeX, and pages made by the engine.

- the worked example on the lesson page and the Python source page are generated from
  py/backprop_sim, so the lesson's numbers and the simulation's can never disagree;
- after the build: the runtime (tools/runtime.py), KaTeX from npm, the static preview of
  the simulation, its metadata.json (tools/metadata.py); then the downloads (tools/downloads.py): the zip of the whole site for
  offline use, the drop-in folder for MkDocs textbooks and the SCORM package.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
sys.path[:0] = [str(ROOT / "py"), str(TOOLS)]

from mkdocs.plugins import event_priority  # noqa: E402

import downloads  # noqa: E402  (tools/downloads.py)
import lesson  # noqa: E402  (tools/lesson.py)
import metadata  # noqa: E402  (tools/metadata.py)
import runtime  # noqa: E402
import screenshot  # noqa: E402

KATEX_DIR = ROOT / "node_modules" / "katex" / "dist"
# The KaTeX fonts the simulation's equations use (measured: every preset, every step, the
# values table and the checks), embedded as data: URLs in katex-fonts.css. A sandboxed frame
# without allow-same-origin (as LMSs embed) has an opaque origin, and the browser refuses it
# the font files, which are fetched with CORS; sim/loader.js turns this stylesheet on there only.
KATEX_EMBEDDED_FONTS = ("Main-Regular", "Math-Italic", "Caligraphic-Regular", "Size1-Regular", "Size2-Regular", "Size3-Regular")
OFFLINE_ZIP = "backprop-microsim-offline.zip"


def on_config(config):
    # one owner for "is site_url a real address": the social card and the embed box both ask it
    config["extra"]["site_address"] = lesson.site_address(config["site_url"])
    return config


def on_page_markdown(markdown: str, page, config, files) -> str:
    return lesson.expand(markdown, config["site_url"] or "")


# Accessibility fixes to the theme's own markup, made where the theme gives no setting for them
# (axe-core, tests/test_accessibility.py): its search dialog gets a name, and every display
# equation, a region that scrolls sideways when it is wider than the column (the worked
# example's matrices, the data section's update rule on a phone), can take the keyboard's focus
# so it can be scrolled without a mouse.
SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
NAMED_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog" aria-label="Search this site">'


def on_post_page(output: str, page, config) -> str:
    return _accessible(output, page.file.src_uri)


def on_post_template(output: str, template_name: str, config) -> str:
    return _accessible(output, template_name) if template_name.endswith(".html") else output  # 404.html


def _accessible(output: str, where: str) -> str:
    if SEARCH_DIALOG not in output:
        sys.exit(f"build failed: {where}: the theme's search dialog changed its markup; "
                 "give it a name again (tools/mkdocs_hooks.py, _accessible)")
    output = output.replace(SEARCH_DIALOG, NAMED_SEARCH_DIALOG)
    return output.replace('<div class="arithmatex">', '<div class="arithmatex" tabindex="0">')


@event_priority(-110)  # after Material's offline plugin (-100) writes search_index.js, which the offline zip needs
def on_post_build(config) -> None:
    out = Path(config["site_dir"])
    try:
        runtime.write_runtime(out / "sim" / "runtime")
    except runtime.BuildError as exc:
        sys.exit(f"build failed: {exc}")
    _vendor_katex(out / "assets" / "katex")
    _vendor(ROOT / "node_modules" / "iframe-worker" / "shim" / "index.js", out / "assets" / "iframe-worker" / "shim.js")
    lesson.write_preview(out / "sim" / "main.html")
    _bundle_editor(out / "assets" / "editor.js")
    lesson.write_rules_source(out / "sim" / "rules-source.js")
    metadata.write(out, config["extra"]["site_address"])
    screenshot.take(out / "sim" / "main.html", out / "sim" / f"{downloads.FOLDER}.png")  # the MicroSim's picture, NAME.png
    _add_content_security_policy(out)
    versions = _stamp_runtime_versions(out)
    _write_service_worker(out, versions)
    # after the service worker's file list, which must not hold them: downloads, not pages
    downloads.write_folder_zip(out)
    downloads.write_scorm_zip(out)
    _zip_site(out)


def _from_npm(path: Path) -> Path:
    """A file or folder the build takes from node_modules; stops the build if npm ci has not run."""
    if not path.exists():
        sys.exit(f"build failed: {path} is missing: run `npm ci` first (make does this).")
    return path


def _vendor_katex(target: Path) -> None:
    _from_npm(KATEX_DIR)
    target.mkdir(parents=True, exist_ok=True)
    for name in ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js"):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(KATEX_DIR / name, target / name)
    shutil.copytree(KATEX_DIR / "fonts", target / "fonts", dirs_exist_ok=True)
    (target / "katex-fonts.css").write_text(katex_embedded_fonts((KATEX_DIR / "katex.min.css").read_text(), KATEX_DIR / "fonts"))


def katex_embedded_fonts(katex_css: str, fonts: Path) -> str:
    """KaTeX's own @font-face rules for KATEX_EMBEDDED_FONTS, each with its woff2 as a data: URL."""
    rules = []
    for name in KATEX_EMBEDDED_FONTS:
        rule = re.search(r"@font-face\{[^}]*fonts/KaTeX_" + re.escape(name) + r"\.woff2[^}]*\}", katex_css)
        if rule is None:
            sys.exit(f"build failed: katex.min.css has no @font-face for KaTeX_{name}")
        data = base64.b64encode((fonts / f"KaTeX_{name}.woff2").read_bytes()).decode()
        rules.append(re.sub(r"src:[^}]*", f'src:url(data:font/woff2;base64,{data}) format("woff2")', rule.group(0)))
    return "/* KaTeX's fonts for sandboxed frames (tools/mkdocs_hooks.py) */\n" + "\n".join(rules) + "\n"


def _bundle_editor(target: Path) -> None:
    """CodeMirror 6 from npm as one classic script (ES modules do not load from file://)."""
    esbuild = _from_npm(ROOT / "node_modules" / ".bin" / "esbuild")
    subprocess.run(
        [str(esbuild), str(TOOLS / "editor-entry.js"), "--bundle", "--format=iife", "--minify",
         "--target=es2019", "--log-level=warning", f"--outfile={target}"],
        check=True, cwd=ROOT,
    )


def _vendor(source: Path, target: Path) -> None:
    _from_npm(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


# Content-Security-Policy, as a <meta> in every page (static hosts rarely let a teacher set
# headers): scripts, fetches, frames and fonts only from the site itself. The simulation's
# pages (where Python runs, and edited rules.py) allow no inline script at all, only the
# compilation of WebAssembly; MkDocs pages keep the theme's own inline scripts. Styles may
# be inline (KaTeX positions its glyphs with style attributes).
_CSP_COMMON = ("default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
               "font-src 'self' data:; frame-src 'self'; object-src 'none'; base-uri 'self'")
SIM_CSP = f"{_CSP_COMMON}; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; form-action 'none'"  # worker: sw.js
# the theme's inline scripts, and on file:// its search worker shim (an iframe it writes a script into)
LESSON_CSP = f"{_CSP_COMMON}; script-src 'self' 'unsafe-inline'; worker-src 'self' blob:"
SIM_PAGES = ("sim/main.html", "sim/edit.html")


def _add_content_security_policy(out: Path) -> None:
    for page in sorted(out.rglob("*.html")):
        text = page.read_text()
        policy = SIM_CSP if page.relative_to(out).as_posix() in SIM_PAGES else LESSON_CSP
        head = text.find("<head>")
        if head < 0 or 'http-equiv="Content-Security-Policy"' in text:
            continue
        charset = text.find(">", text.find("<meta charset", head)) + 1 if "<meta charset" in text else 0
        at = max(charset, head + len("<head>"))  # after the charset, before any script
        page.write_text(f'{text[:at]}\n<meta http-equiv="Content-Security-Policy" content="{policy}">{text[at:]}')


RUNTIME_VERSIONS_MARK = "{} /*RUNTIME_VERSIONS*/"


def _stamp_runtime_versions(out: Path) -> dict[str, str]:
    """Each runtime file's content hash, written into the loader, which asks for name?v=hash.

    A rebuilt page then never runs with another build's runtime: a service worker or an HTTP
    cache that holds an older file under the same name misses, and the network answers.
    """
    runtime_dir = out / "sim" / "runtime"
    versions = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:12] for p in sorted(runtime_dir.iterdir()) if p.is_file()}
    loader = out / "sim" / "loader.js"
    text = loader.read_text()
    if RUNTIME_VERSIONS_MARK not in text:
        sys.exit(f"build failed: {loader} has no {RUNTIME_VERSIONS_MARK} to write the runtime's versions into")
    loader.write_text(text.replace(RUNTIME_VERSIONS_MARK, json.dumps(versions, sort_keys=True)))
    return versions


def _write_service_worker(out: Path, versions: dict[str, str]) -> None:
    """sw.js with this build's files (runtime files by version), each with its sha256, and a build
    id that changes whenever a file does."""
    template = out / "sw.template.js"
    skip = {OFFLINE_ZIP, "sw.js", "sw.template.js", "offline-data.js", "offline-snapshot.js", "sitemap.xml", "sitemap.xml.gz", "404.html"}
    files = sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*")
        if p.is_file() and p.name not in skip and not p.name.endswith(".map") and "search/" not in p.relative_to(out).as_posix()
    )
    digest, sha256 = hashlib.sha256(), {}
    for name in files:
        sha256[name] = hashlib.sha256((out / name).read_bytes()).hexdigest()  # the worker checks each file it stores
        digest.update(name.encode())
        digest.update(bytes.fromhex(sha256[name]))
    urls = {(f"{name}?v={versions[name.rsplit('/', 1)[1]]}" if name.startswith("sim/runtime/") else name): sha256[name] for name in files}
    text = template.read_text().replace("__BUILD__", digest.hexdigest()[:16]).replace("__FILES__", json.dumps(urls, indent=0))
    (out / "sw.js").write_text(text)
    template.unlink()


def _zip_site(out: Path) -> None:
    """The whole built site in one zip: unzipped and opened by double-click, it works offline."""
    downloads.write_offline_zip(out, OFFLINE_ZIP)
