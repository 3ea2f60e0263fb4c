"""Issue 7: the service worker keeps the site in the browser, so a second visit works offline."""

import pytest

from conftest import wait_for, wait_ready_or_error

pytestmark = pytest.mark.browser


def test_second_visit_works_offline(visit, server):
    v = visit()
    page = v.open(server.url("sim/main.html"))
    # registered only after the first visit is ready, then it precaches the site
    wait_for(page, "navigator.serviceWorker && navigator.serviceWorker.controller === null")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    wait_for(page,
        "caches.keys().then(k => k.some(n => n.startsWith('backprop-microsim-')))", polling=200, timeout=60_000
    )
    wait_for(page,
        """navigator.serviceWorker.getRegistration().then(r => !!(r && r.active && r.active.state === 'activated'))""",
        polling=200, timeout=60_000,
    )
    v.context.set_offline(True)
    page.reload()
    wait_ready_or_error(page)
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    assert page.evaluate("window.backpropSim.act('forward').phase") == "forward"
    # the lesson page too
    page.goto(server.url("sim/index.html"))
    page.frame_locator("#microsim").locator("html[data-sim-ready='true']").wait_for(state="attached", timeout=90_000)
    assert v.errors == []


def test_no_service_worker_from_file(visit, site):
    """On http the first visit registers sw.js the moment it is ready (the test above); from a
    folder it must not, so a second visit is still served by the files, not by a worker."""
    v = visit()
    page = v.open((site / "sim" / "main.html").as_uri())
    page.reload()  # a second visit: whatever the first registered would control this one
    wait_ready_or_error(page)
    assert not [url for url in v.requests if url.endswith("/sw.js")]
    assert page.evaluate("!navigator.serviceWorker || navigator.serviceWorker.controller === null")
    assert page.evaluate("navigator.serviceWorker ? navigator.serviceWorker.getRegistrations().then(r => r.length, () => 0) : 0") == 0  # (file:// refuses to list them)


def test_our_modules_load_from_precompiled_bytecode(visit, server):
    import runtime

    if runtime._python312() is None:
        pytest.skip("no CPython 3.12 on this machine: the build ships sources only, compiled in the browser")
    page = visit().open(server.url("sim/main.html"))
    used = page.evaluate("""window.backpropSim.pyodide.runPython(`
import os, sys
[os.path.exists(sys.modules[m].__spec__.cached) for m in ('backprop_sim.engine', 'backprop_sim.scene', 'backprop_sim.painter')]
`).toJs()""")
    assert used == [True, True, True]
