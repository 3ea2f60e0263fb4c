"""The three downloads the build makes from the built site (called from mkdocs_hooks):

- the offline copy: the whole site in one zip, opened by double-click;
- the drop-in folder: `backpropagation/` for the `docs/sims/` of any MkDocs textbook;
- the SCORM 1.2 package: the lesson with the simulation, for an LMS.

Each is a copy of the built site, so none links to anything it does not contain: the lesson's
"online-only" block (the links to these zips) is left out of all three. The service worker
(sw.js) works only where our own site serves it: the folder and the SCORM package leave it out,
and their main.html does not ask for it.
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
sys.path[:0] = [str(ROOT / "py"), str(TOOLS)]

import textbook  # noqa: E402
from textbook import FOLDER  # noqa: E402  (the MicroSim convention: docs/sims/NAME/)

DOWNLOADS = "downloads"
FOLDER_ZIP = f"{DOWNLOADS}/backpropagation-microsim-folder.zip"
SCORM_ZIP = f"{DOWNLOADS}/backpropagation-microsim-scorm.zip"
SCORM_LAUNCH = "sim/index.html"
# cmi.student_data.mastery_score: the score (0-100) at which a learner who has done a full pass
# with predictions passes; three of the seed example's four δ right
MASTERY_SCORE = 75
# Material's offline plugin writes this after the search plugin's index: without it, search
# never starts from file://
OFFLINE_SEARCH = "search/search_index.js"
SERVICE_WORKER = re.compile(r' data-service-worker="[^"]*"')  # main.html's loader tag: where sw.js is
STORED = (".zip", ".whl", ".bin", ".png", ".gz")  # compressed already: deflating again only costs time

ONLINE_ONLY = re.compile(r'<div class="online-only"[^>]*>.*?</div>\s*', re.S)


def _offline_html(text: str) -> str:
    return ONLINE_ONLY.sub("", text)


def site_files(out: Path, leave_out: tuple[str, ...] = ()) -> list[tuple[str, Path]]:
    """(path in the site, file) for a copy of the site: no zips of itself, no 404 page (there
    is no server to send it), nothing under leave_out."""
    files = []
    for path in sorted(out.rglob("*")):
        name = path.relative_to(out).as_posix()
        own_zip = path.parent == out and path.suffix in (".zip", ".part")
        if not path.is_file() or own_zip or name.startswith(f"{DOWNLOADS}/") or name == "404.html" or name.startswith(leave_out):
            continue
        files.append((name, path))
    return files


def _write(z: zipfile.ZipFile, arcname: str, path: Path | None = None, text: str | None = None) -> None:
    if text is None and path.suffix == ".html":
        text = _offline_html(path.read_text(encoding="utf-8"))
    method = zipfile.ZIP_STORED if arcname.endswith(STORED) else zipfile.ZIP_DEFLATED
    if text is not None:
        z.writestr(zipfile.ZipInfo(arcname, date_time=(2026, 1, 1, 0, 0, 0)), text, compress_type=method)
    else:
        z.write(path, arcname, compress_type=method)


def _zip(target: Path, entries) -> None:
    """entries: (arcname, path, text); written to a .part file first, so a failed build never
    leaves a half zip where a teacher downloads it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for arcname, path, text in entries:
            _write(z, arcname, path, text)
    tmp.replace(target)


def write_offline_zip(out: Path, name: str) -> None:
    """The whole site: unzipped and opened by double-click, it works offline, search included."""
    if not (out / OFFLINE_SEARCH).is_file():
        raise RuntimeError(f"{OFFLINE_SEARCH} is missing: the offline zip must be made after Material's offline plugin")
    _zip(out / name, ((f"backprop-microsim/{n}", p, None) for n, p in site_files(out)))


def without_service_worker(html: str, name: str) -> str:
    """main.html for a copy served by someone else (a textbook, an LMS): no sw.js to register."""
    if name.endswith("main.html") and not SERVICE_WORKER.search(html):
        raise RuntimeError(f"{name}: the loader's data-service-worker attribute is gone; the copies must not ask for sw.js")
    return SERVICE_WORKER.sub("", html)


# ---------------------------------------------------------------- the drop-in folder

# what main.html and edit.html take from the site's assets/, and where it goes in the folder
FOLDER_ASSETS = {"../assets/katex/": "katex/", "../assets/editor.js": "editor.js", "../assets/microsim-embed.js": "microsim-embed.js"}
SOURCE_LINK = re.compile(r' · <a href="source\.html"[^>]*>[^<]*</a>|<a href="source\.html"[^>]*>[^<]*</a> · ')


def _folder_page(text: str, name: str) -> str:
    """main.html or edit.html with every path inside the folder; stops the build if one is not."""
    for old, new in FOLDER_ASSETS.items():
        text = text.replace(old, new)
    text = SOURCE_LINK.sub("", text)  # the Python source page stays on the site
    text = without_service_worker(text, name)
    left = [a or b for a, b in re.findall(r'="(\.\./[^"]*)"|(?:href|src)="(/[^"]*|source\.html)"', text)]
    if left:
        raise RuntimeError(f"{name} in the drop-in folder would point outside it: {left}")
    return text


def folder_entries(out: Path):
    """The folder a teacher unzips into docs/sims/: the lesson as Markdown, the simulation and
    everything it needs, referenced by relative paths only."""
    sim = out / "sim"
    yield f"{FOLDER}/index.md", None, textbook.textbook_lesson((ROOT / "site" / "sim" / "index.md").read_text())
    notes = "teaching-notes.md"
    yield f"{FOLDER}/{textbook.PAGES[notes]}", None, textbook.textbook_page((ROOT / "site" / "sim" / notes).read_text(), notes)
    for name in ("main.html", "edit.html"):
        yield f"{FOLDER}/{name}", None, _folder_page((sim / name).read_text(encoding="utf-8"), name)
    skip = {"main.html", "edit.html", "index.html", "teaching-notes.html", "source.html"}
    for path in sorted(sim.rglob("*")):
        rel = path.relative_to(sim).as_posix()
        if path.is_file() and rel not in skip:
            yield f"{FOLDER}/{rel}", path, None
    for path in sorted((out / "assets" / "katex").rglob("*")):
        if path.is_file():
            yield f"{FOLDER}/katex/{path.relative_to(out / 'assets' / 'katex').as_posix()}", path, None
    for name in ("editor.js", "microsim-embed.js"):
        yield f"{FOLDER}/{name}", out / "assets" / name, None
    yield f"{FOLDER}/math.js", textbook.MATH_JS, None  # the lessons' math where the textbook renders none


def write_folder_zip(out: Path) -> None:
    _zip(out / FOLDER_ZIP, folder_entries(out))


# ---------------------------------------------------------------- the SCORM package

def scorm_manifest(files: list[str], title: str) -> str:
    """imsmanifest.xml for SCORM 1.2 (IMS Content Packaging 1.1.2 with ADL's adlcp): one
    organization, one item with its mastery score, one SCO launching the lesson, and every file
    of the package."""
    listed = "\n".join(f"      <file href={quoteattr(name)}/>" for name in files)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="backprop-microsim" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="backprop-org">
    <organization identifier="backprop-org">
      <title>{title}</title>
      <item identifier="backprop-item" identifierref="backprop-sco" isvisible="true">
        <title>{title}</title>
        <adlcp:masteryscore>{MASTERY_SCORE}</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="backprop-sco" type="webcontent" adlcp:scormtype="sco" href="{SCORM_LAUNCH}">
{listed}
    </resource>
  </resources>
</manifest>
"""


def _scorm_entry(name: str, path: Path):
    if name == "sim/main.html":  # served by the LMS: no service worker
        return name, None, without_service_worker(_offline_html(path.read_text(encoding="utf-8")), name)
    return name, path, None


def write_scorm_zip(out: Path) -> None:
    """The site with the manifest at the root; the LMS launches the lesson, whose
    assets/scorm.js reports to the LMS's run-time."""
    files = site_files(out, leave_out=("sitemap.xml", "sw.js"))
    names = [n for n, _ in files]
    if SCORM_LAUNCH not in names:
        raise RuntimeError(f"the SCORM package has no {SCORM_LAUNCH}")
    entries = [("imsmanifest.xml", None, scorm_manifest(names, "Backpropagation MicroSim"))]
    entries += [_scorm_entry(n, p) for n, p in files]
    _zip(out / SCORM_ZIP, entries)
