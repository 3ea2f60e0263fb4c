"""Issue 12: only the site's own pages can run code in it; a learner's code can never freeze
or lock out a page; a rebuilt site never mixes an old Python package with a new page."""

from __future__ import annotations

import shutil
import time

import pytest

from backprop_sim import editing, rules
from backprop_sim.controller import Controller
from backprop_sim.rulebook import SHIPPED
from conftest import ROOT, Server, act, rebuild_site, wait_for, wait_ready_or_error

SOURCE = (ROOT / "py" / "backprop_sim" / "rules.py").read_text()
SIGMOID_PRIME_BODY = "    return sigmoid_slope(sigmoid(z))"
assert SIGMOID_PRIME_BODY in SOURCE
LOOP_LINE = SOURCE.splitlines().index(SIGMOID_PRIME_BODY) + 1
FOREVER = SOURCE.replace(SIGMOID_PRIME_BODY, "    while True:\n        pass")
def memory_bomb(n: str) -> str:
    return SOURCE.replace(SIGMOID_PRIME_BODY, f"    waste = [0] * {n}\n" + SIGMOID_PRIME_BODY)


MEMORY_BOMB = memory_bomb("10**9")  # 8 GB: more than a browser tab's Python can have
MEMORY_BOMB_HERE = memory_bomb("10**13")  # this machine has 24 GB: the same mistake, larger
EXIT = SOURCE.replace(SIGMOID_PRIME_BODY, "    raise SystemExit")
BROKEN_SIGMOID = SOURCE.replace("return a * (1.0 - a)", "return a * (1.0 + a)")
# runs on every preset, loops only once a hidden neuron's input is large
LOOPS_ON_LARGE_INPUT = SOURCE.replace("def relu(z):\n", "def relu(z):\n    while np.any(z > 50):\n        pass\n")


def run(source: str) -> dict:
    """The learner's code as the controller runs it, from the rules as shipped."""
    result, used = editing.EditedRules().run(source, SHIPPED)
    assert (used is SHIPPED) == bool(result["error"])  # used only if it runs
    return result


# ---------------------------------------------------------------- the budget, on CPython

def test_an_endless_loop_in_a_rule_is_stopped_with_its_line_and_not_installed():
    started = time.monotonic()
    result = run(FOREVER)
    assert time.monotonic() - started < 2 * editing.BUDGET_S + 1
    assert not result["ok"] and result["error"]["line"] in (LOOP_LINE, LOOP_LINE + 1)
    assert "was stopped" in result["error"]["message"] and f"line {result['error']['line']}" in result["error"]["message"]


def test_an_endless_loop_at_the_top_level_is_stopped_too():
    result = run(SOURCE + "\nwhile True:\n    x = 1\n")
    assert not result["ok"] and "was stopped" in result["error"]["message"]
    assert result["error"]["line"] in (len(SOURCE.splitlines()) + 2, len(SOURCE.splitlines()) + 3)


def test_a_memory_bomb_gives_a_clear_message():
    result = run(MEMORY_BOMB_HERE)
    assert not result["ok"] and result["error"]["message"].startswith("MemoryError: your code asked for more memory")
    assert result["error"]["line"] == LOOP_LINE


def test_system_exit_and_keyboard_interrupt_become_ordinary_errors():
    for raised in ("SystemExit", "KeyboardInterrupt"):
        result = run(SOURCE.replace(SIGMOID_PRIME_BODY, f"    raise {raised}"))
        assert not result["ok"] and f"raised {raised} at line {LOOP_LINE}" in result["error"]["message"]
    result = run(SOURCE + "\nimport sys\nsys.exit(3)\n")
    assert not result["ok"] and "raised SystemExit" in result["error"]["message"]


def test_a_rule_stopped_while_the_simulation_uses_it_falls_back_to_the_rules_that_worked():
    ctl = Controller()
    assert ctl.act("rules", BROKEN_SIGMOID).startswith("Your code runs, but")
    broken = ctl.sim.rules
    assert ctl.act("rules", LOOPS_ON_LARGE_INPUT) == ""  # passes the trial and every check
    ctl.act("preset", "dead-relu")
    ctl.act("x", [100, 100])
    started = time.monotonic()
    message = ctl.act("forward")
    assert time.monotonic() - started < 2 * editing.BUDGET_S + 1
    assert "was stopped" in message and "went back to the rules that worked before" in message
    assert ctl.sim.rules is broken  # the edit before the one that looped
    assert ctl.act("forward") == "" and ctl.state()["phase"] == "forward"  # same input: no loop now


def test_original_rules_run_unguarded():
    assert not hasattr(SHIPPED.sigmoid, "guarded") and SHIPPED.sigmoid is rules.sigmoid
    _, used = editing.EditedRules().run(BROKEN_SIGMOID, SHIPPED)
    assert used.sigmoid.guarded
    assert not hasattr(rules.sigmoid, "guarded")  # the module is never changed


# ---------------------------------------------------------------- code only from the site itself

ATTACK = SOURCE + """
import js
js.localStorage.setItem("pwned", "yes")
js.window.parent.postMessage("leaked:" + str(js.document.cookie), "*")
"""

ATTACKER_PAGE = """<!doctype html><meta charset="utf-8"><title>another site</title>
<iframe id="victim" src="%s" width="900" height="600"></iframe>
<script>
  window.heard = [];
  addEventListener("message", (e) => heard.push(typeof e.data === "string" ? e.data : (e.data && e.data.type)));
  window.attack = (code) => document.getElementById("victim").contentWindow.postMessage({type: "backprop-rules", source: code}, "*");
</script>"""


def _attack_from(page, victim_frame) -> None:
    """Post the attack and wait until the victim's page has dispatched it (its listeners run in
    order: the simulation's, registered at start, before this counter)."""
    victim_frame.evaluate("window.__messages = 0; addEventListener('message', () => window.__messages++)")
    page.evaluate("(code) => window.attack(code)", ATTACK)
    deadline = time.monotonic() + 20
    while victim_frame.evaluate("window.__messages") < 1:
        assert time.monotonic() < deadline, "the attack message never arrived"
        page.wait_for_timeout(50)


@pytest.mark.browser
def test_another_origin_cannot_run_code_in_the_simulation(visit, server, tmp_path):
    attacker = tmp_path / "attacker"
    attacker.mkdir()
    (attacker / "index.html").write_text(ATTACKER_PAGE % server.url("sim/main.html"))
    other = Server(attacker)
    try:
        assert other.origin != server.origin  # another port: another origin
        v = visit()
        page = v.open(other.url("index.html"), wait_ready=False)
        victim = page.frame_locator("#victim")
        victim.locator("html[data-sim-ready='true']").wait_for(state="attached", timeout=90_000)
        frame = next(f for f in page.frames if f.url.startswith(server.origin))
        _attack_from(page, frame)
        assert frame.evaluate("window.backpropSim.state().rules") is None
        assert frame.evaluate("localStorage.getItem('pwned')") is None
        assert frame.evaluate("window.backpropSim.act('forward').phase") == "forward"  # and it still works
        heard = page.evaluate("window.heard")
        assert [h for h in heard if h != "microsim-resize"] == [], heard  # no ready, no result, no leak
        assert v.errors == []
    finally:
        other.close()


@pytest.mark.browser
def test_the_same_attack_from_a_page_of_the_site_itself_does_run(visit, server):
    """The control for the test above: from the site's own origin, the same message runs."""
    v = visit()
    own_page = server.url("attacker-control.html")
    v.page.route(own_page, lambda route: route.fulfill(status=200, content_type="text/html",
                                                        body=ATTACKER_PAGE % server.url("sim/main.html")))
    page = v.open(own_page, wait_ready=False)
    page.frame_locator("#victim").locator("html[data-sim-ready='true']").wait_for(state="attached", timeout=90_000)
    frame = next(f for f in page.frames if f.url.startswith(server.url("sim/")))
    _attack_from(page, frame)
    wait_for(page, "window.heard.some((h) => h.startsWith && h.startsWith('leaked:'))")
    assert frame.evaluate("localStorage.getItem('pwned')") == "yes"
    assert "backprop-rules-result" in page.evaluate("window.heard")
    frame.evaluate("localStorage.removeItem('pwned')")


@pytest.mark.browser
@pytest.mark.parametrize("how", ["meta tag", "strict header"])
def test_the_content_security_policy_allows_the_simulation_and_nothing_else(visit, site, how):
    headers = {"Content-Security-Policy": "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'"} if how == "strict header" else None
    server = Server(site, headers=headers)
    try:
        v = visit()
        page = v.open(server.url("sim/main.html"))
        policy = page.evaluate("document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content")
        assert "script-src 'self' 'wasm-unsafe-eval'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert act(page, "forward")["phase"] == "forward"
        # a fetch to another origin and an inline script are refused by the page's own policy
        refused = page.evaluate("""async () => {
          const seen = [];
          document.addEventListener('securitypolicyviolation', (e) => seen.push(e.effectiveDirective));
          try { await fetch('http://127.0.0.1:9/x'); } catch (e) {}
          const s = document.createElement('script'); s.textContent = 'window.inlineRan = true'; document.head.append(s);
          await new Promise((r) => setTimeout(r, 100));
          return {seen, inlineRan: !!window.inlineRan};
        }""")
        assert refused["inlineRan"] is False and {"connect-src", "script-src-elem"} <= set(refused["seen"]), refused
        assert v.errors == []
    finally:
        server.close()


@pytest.mark.browser
def test_every_built_page_has_a_policy_that_keeps_scripts_to_the_site(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 6
    for page in pages:
        text = page.read_text()
        assert '<meta http-equiv="Content-Security-Policy"' in text, page
        policy = text.split('<meta http-equiv="Content-Security-Policy" content="')[1].split('"')[0]
        for directive in ("script-src", "connect-src", "default-src"):
            sources = policy.split(directive)[1].split(";")[0].split()
            assert all(s.startswith("'") for s in sources), (page, directive, sources)  # no host, no scheme
        assert text.index("Content-Security-Policy") < text.index("<script") if "<script" in text else True


# ---------------------------------------------------------------- the Edit page: no freeze, no lock-out

def _edit_page(visit, url):
    v = visit(width=1400, height=1000)
    page = v.open(url, wait_ready=False)
    return v, page


def _result(page):
    value = wait_for(page, "document.documentElement.dataset.editResult", timeout=90_000)
    page.evaluate("delete document.documentElement.dataset.editResult")
    return value


def _run(page, code):
    page.evaluate("(code) => window.backpropEditor.setValue(code)", code)
    page.click("#run")
    return _result(page)


def _answers_quickly(page):
    started = time.monotonic()
    assert page.evaluate("1 + 1") == 2
    assert time.monotonic() - started < 1.0


@pytest.mark.browser
def test_endless_loop_memory_bomb_and_exit_leave_the_edit_page_responsive(visit, server):
    v, page = _edit_page(visit, server.url("sim/edit.html"))
    assert _result(page) == "ok"
    sim = page.frame_locator("#sim").locator("html")
    for code, words in ((FOREVER, "was stopped"), (MEMORY_BOMB, "MemoryError"), (EXIT, "raised SystemExit")):
        started = time.monotonic()
        assert _run(page, code) == "error"
        assert time.monotonic() - started < 2 * editing.BUDGET_S + 8  # the run itself, and the round trip
        _answers_quickly(page)
        text = page.locator("#result").inner_text()
        assert words in text and "line" in text, text
        assert sim.evaluate("() => window.backpropSim.act('forward').phase") == "forward"
        assert sim.evaluate("() => window.backpropSim.state().rules") is not None
        sim.evaluate("() => window.backpropSim.act('reset')")
    assert v.errors == []


@pytest.mark.browser
def test_saved_code_that_did_not_finish_is_not_run_again_by_itself(visit, server):
    v, page = _edit_page(visit, server.url("sim/edit.html"))
    assert _result(page) == "ok"
    # as if the page had frozen while running this saved code
    page.evaluate("""(code) => { localStorage.setItem('backprop-microsim:rules.py', code);
                                 localStorage.setItem('backprop-microsim:rules-running', '1'); }""", BROKEN_SIGMOID)
    page.reload()
    assert _result(page) == "not-run"
    assert page.locator("#recover").is_visible()
    assert "did not finish last time" in page.locator("#result-text").inner_text()
    assert "(1.0 + a)" in page.locator(".cm-content").inner_text()  # offered, not lost
    sim = page.frame_locator("#sim").locator("html")
    assert sim.evaluate("() => window.backpropSim.state().rules") is None  # the original rules
    page.click("#run-saved")
    assert _result(page) == "mismatch"
    # the mark goes when the visit ends with that code still answering (issue 25: not at its first result)
    assert page.evaluate("localStorage.getItem('backprop-microsim:rules-running')") == "1"
    page.goto(server.url("sim/source.html"))  # a page of the site without the simulation
    assert page.evaluate("localStorage.getItem('backprop-microsim:rules-running')") is None
    page.goto("about:blank")
    # the plain link, opened afresh, clears the saved code with no Python involved
    page.goto(server.url("sim/edit.html#original"))
    assert _result(page) == "ok"
    assert page.evaluate("localStorage.getItem('backprop-microsim:rules.py')") is None
    assert "(1.0 - a)" in page.locator(".cm-content").inner_text()
    assert page.evaluate("location.hash") == ""
    assert v.errors == []


@pytest.mark.browser
def test_code_that_empties_the_simulation_page_is_not_run_again_by_itself(visit, server):
    v, page = _edit_page(visit, server.url("sim/edit.html"))
    assert _result(page) == "ok"
    assert _run(page, SOURCE + "\nimport js\njs.document.body.innerHTML = ''\n") == "broke-page"
    page.reload()
    assert _result(page) == "not-run"
    page.click("#use-original")
    assert _result(page) == "ok"
    assert page.evaluate("localStorage.getItem('backprop-microsim:rules.py')") is None


@pytest.mark.browser
def test_the_edit_page_and_its_simulation_talk_from_file(visit, site):
    """In an opaque origin (file://) the Edit page still runs code in its own frame."""
    v, page = _edit_page(visit, (site / "sim" / "edit.html").as_uri())
    assert _result(page) == "ok"
    assert _run(page, FOREVER) == "error"
    _answers_quickly(page)


# ---------------------------------------------------------------- updates never mix versions

@pytest.mark.browser
def test_a_rebuilt_site_reaches_a_returning_visitor_whole(visit, site, tmp_path):
    """Visit (the service worker takes over), rebuild with a change in main.html and in the
    Python package, visit again: the new page runs the new package."""
    served = tmp_path / "served"
    shutil.copytree(site, served)
    server = Server(served, headers={"Cache-Control": "no-cache"})
    try:
        v = visit()
        page = v.open(server.url("sim/main.html"))
        wait_for(page, "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active && r.active.state === 'activated'))",
                 timeout=90_000, polling=200)
        page.reload()
        wait_ready_or_error(page)
        assert page.evaluate("navigator.serviceWorker.controller !== null")  # the old worker serves this visit
        assert "(rebuilt)" not in page.locator("h1").inner_text()

        rebuild_site(tmp_path, served)

        page.reload()
        wait_ready_or_error(page)
        assert "(rebuilt)" in page.locator("h1").inner_text()
        mark = page.evaluate("window.backpropSim.pyodide.runPython('import backprop_sim.painter as p; getattr(p, \"BUILD_MARK\", \"old\")')")
        assert mark == "rebuilt"
        assert v.errors == []
    finally:
        server.close()
