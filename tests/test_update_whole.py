"""Updates arrive whole through any HTTP cache (issue 25, item 1): served as GitHub Pages
serves, with Cache-Control: max-age=600. Visit v1, rebuild v2 with a changed page and package,
visit again, go offline, reload: v2 runs whole; and with only the page's request failing, the
page that runs is v2's with v2's package."""

from __future__ import annotations

import shutil

import pytest

from conftest import Server, rebuild_site, wait_for, wait_ready_or_error

MARK = "window.backpropSim.pyodide.runPython('import backprop_sim.painter as p; getattr(p, \"BUILD_MARK\", \"old\")')"
WORKERS = "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active && r.active.state === 'activated' && !r.installing && !r.waiting))"


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
        rebuild_site(tmp_path, served)
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
