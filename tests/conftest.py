"""Fixtures: the built site, local servers on 127.0.0.1 (port 0), and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ROOT / "public"
import chromium  # tools/chromium.py
from chromium import CHROMIUM, CHROMIUM_ARGS, wait_for
READY_TIMEOUT = 90_000  # ms; a cold boot is 4–7 s here, generous for a loaded CI machine
BUILT = {"site", "server", "sim", "sim_page"}  # fixtures that need public/
BROWSER = {"browser", "visit", "sim", "sim_page"}  # fixtures that start Chromium


def pytest_collection_modifyitems(items):
    """Every test that needs the built site or a browser says so, by the fixtures it uses: so
    `pytest -m "not browser"` runs on CPython alone, without a build."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & BUILT:
            item.add_marker(pytest.mark.site)
        if used & (BUILT | BROWSER):
            item.add_marker(pytest.mark.browser)


class Server:
    """The built site on 127.0.0.1 (a free port), as the tools serve it (tools/chromium.py)."""

    def __init__(self, directory: Path, headers: dict[str, str] | None = None):
        self.httpd, self.origin = chromium.serve(directory, headers=headers)

    def url(self, path: str) -> str:
        return f"{self.origin}/{path.lstrip('/')}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def site() -> Path:
    if not (PUBLIC / "sim" / "runtime" / "offline-data.js").exists():
        pytest.fail("public/ is not built: run `make test` (or `make build` first)")
    return PUBLIC


@pytest.fixture(scope="session")
def server(site):
    s = Server(site)
    yield s
    s.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install -y chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Visit:
    """A page in a fresh browser context that records every request and every error."""

    def __init__(self, browser, width=1280, height=900, **options):
        self.context = browser.new_context(viewport={"width": width, "height": height}, **options)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))

    def assume_a_fast_link(self):
        """The loader takes the snapshot on a first visit only over a fast link, measured on
        pyodide.asm.js (site/sim/loader.js, linkSpeed). From 127.0.0.1 on a busy machine that
        measure is noise (1.25 MB took 12-400 ms here, under load 3 Mbit/s too few): a test
        about what a fast link gets says it has one. tests/test_runtime_size.py throttles for
        real to test the slow link."""
        self.context.add_init_script(r"""(() => {
          const byName = performance.getEntriesByName.bind(performance);
          performance.getEntriesByName = (name, type) => byName(name, type).map((entry) =>
            /\/pyodide\.asm\.js(\?|$)/.test(name)
              ? Object.assign(entry.toJSON(), { responseEnd: entry.responseStart + 1 })
              : entry);
        })()""")
        return self

    @property
    def paths(self) -> list[str]:
        """The requested addresses without their query (runtime files are asked for as name?v=hash)."""
        return [u.split("?")[0] for u in self.requests]

    def open(self, url: str, wait_ready: bool = True):
        self.page.goto(url)
        if wait_ready:
            wait_ready_or_error(self.page)
        return self.page

    def foreign_requests(self, allowed_origin: str | None) -> list[str]:
        """Requests that leave the site: another host, or another scheme than its own."""
        bad = []
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob", "about"):
                continue
            if allowed_origin is None:
                if parsed.scheme != "file":
                    bad.append(url)
            elif f"{parsed.scheme}://{parsed.netloc}" != allowed_origin:
                bad.append(url)
        return bad

    def close(self):
        self.context.close()


def copy_site(site: Path, target: Path, leave_out: tuple[str, ...] = ()) -> Path:
    """The simulation as a downloaded folder (sim/ and assets/) in target, without leave_out."""
    shutil.copytree(site / "sim", target / "sim", ignore=shutil.ignore_patterns(*leave_out))
    shutil.copytree(site / "assets", target / "assets")
    return target


def wait_ready_or_error(page, timeout=READY_TIMEOUT):
    wait_for(page,
        "document.documentElement.dataset.simReady === 'true' || !!document.documentElement.dataset.simError",
        timeout=timeout,
    )
    error = page.evaluate("document.documentElement.dataset.simError")
    assert not error, f"the simulation failed to start: {error}"


@pytest.fixture
def visit(browser):
    visits = []

    def make(**options):
        v = Visit(browser, **options)
        visits.append(v)
        return v

    yield make
    for v in visits:
        v.close()


def act(page, name, value=None):
    return page.evaluate("([n, v]) => window.backpropSim.act(n, v)", [name, value])


def state(page):
    return page.evaluate("window.backpropSim.state()")


def wait_drawn(page):
    """Until the transition into the current moment has been painted to its end."""
    wait_for(page, """window.backpropSim.pyodide.runPython(
        'import backprop_sim.painter as p; p._page.renderer.progress() >= 1 and p._page.renderer.canvases.network_scene is not None')""")


@pytest.fixture(scope="module")
def sim(browser, site):
    """One booted simulation page for a module's tests (a boot costs seconds); each test's own
    `page` fixture puts the simulation back to a known state."""
    server = Server(site)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url("sim/main.html"))
    wait_ready_or_error(page)
    page.errors = errors
    yield page
    assert errors == []
    context.close()
    server.close()


def make_data(name, **settings_given):
    """datasets.make with the settings table's defaults for whatever the test leaves out."""
    from backprop_sim import datasets, settings

    return datasets.make(name, **{**settings.data_defaults(), **settings_given})


def rebuild_site(tmp_path: Path, served: Path) -> None:
    """A second build of this tree into `served`, marked so a page can tell it from the first: its
    main.html's title says "(rebuilt)" and painter.BUILD_MARK is "rebuilt" (an update to test)."""
    source = tmp_path / "source"
    for name in ("py", "site", "tools", "overrides"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("mkdocs.yml", "package.json"):
        shutil.copy(ROOT / name, source / name)
    (source / "node_modules").symlink_to(ROOT / "node_modules")
    (source / ".cache").mkdir()  # its own caches: this build must not replace the real build's
    (source / ".cache" / "wheels").symlink_to(ROOT / ".cache" / "wheels")
    main = source / "site" / "sim" / "main.html"
    main.write_text(main.read_text().replace("Backpropagation, step by step", "Backpropagation, step by step (rebuilt)"))
    with open(source / "py" / "backprop_sim" / "painter.py", "a") as f:
        f.write('\nBUILD_MARK = "rebuilt"\n')
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir", str(served)],
                           cwd=source, env={**os.environ, "BACKPROP_SNAPSHOT": "0", "BACKPROP_TRIM_STDLIB": "0"},
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]
