"""Updates arrive whole through any HTTP cache (issue 25, item 1): served as GitHub Pages
serves, with Cache-Control: max-age=600. Visit v1, rebuild v2 with a changed page and package,
visit again, go offline, reload: v2 runs whole; and with only the page's request failing, the
page that runs is v2's with v2's package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, Server, wait_for, wait_ready_or_error

MARK = "window.backpropSim.pyodide.runPython('import backprop_sim.painter as p; getattr(p, \"BUILD_MARK\", \"old\")')"
WORKERS = "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active && r.active.state === 'activated' && !r.installing && !r.waiting))"


def _rebuild(tmp_path, served):
    source = tmp_path / "source"
    for name in ("py", "site", "tools", "overrides"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("mkdocs.yml", "package.json"):
        shutil.copy(ROOT / name, source / name)
    (source / "node_modules").symlink_to(ROOT / "node_modules")
    (source / ".cache").mkdir()
    (source / ".cache" / "wheels").symlink_to(ROOT / ".cache" / "wheels")
    main = source / "site" / "sim" / "main.html"
    main.write_text(main.read_text().replace("Backpropagation, step by step", "Backpropagation, step by step (rebuilt)"))
    with open(source / "py" / "backprop_sim" / "painter.py", "a") as f:
        f.write('\nBUILD_MARK = "rebuilt"\n')
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir", str(served)],
                           cwd=source, env={**os.environ, "BACKPROP_SNAPSHOT": "0", "BACKPROP_TRIM_STDLIB": "0"},
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-2000:]


@pytest.mark.browser
def test_an_update_through_a_max_age_cache_arrives_whole(visit, site, tmp_path):
    served = tmp_path / "served"
    shutil.copytree(site, served)
    server = Server(served, headers={"Cache-Control": "max-age=600"})  # as GitHub Pages sends
    try:
        v = visit()
        page = v.open(server.url("sim/main.html"))
        wait_for(page, WORKERS, timeout=90_000, polling=200)
        page.reload()
        wait_ready_or_error(page)
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        old_caches = page.evaluate("caches.keys()")
        _rebuild(tmp_path, served)
        page.reload()  # v2 deployed; the HTTP cache still holds v1 for ten minutes
        wait_ready_or_error(page)
        wait_for(page, "caches.keys().then((k) => k.length === 1 && !%s.includes(k[0]))" % old_caches, timeout=120_000, polling=500)
        wait_for(page, WORKERS, timeout=60_000, polling=200)
        v.context.set_offline(True)
        page.reload()
        wait_ready_or_error(page)
        assert "(rebuilt)" in page.locator("h1").inner_text()
        assert page.evaluate(MARK) == "rebuilt"
        v.context.set_offline(False)
        # only the page's request fails: the worker's copy of v2's page runs, with v2's package
        (served / "sim" / "main.html").unlink()
        page.reload()
        wait_ready_or_error(page)
        assert "(rebuilt)" in page.locator("h1").inner_text()
        assert page.evaluate(MARK) == "rebuilt"
        assert v.errors == []
    finally:
        server.close()
