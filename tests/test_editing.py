"""Issue 8: the learner's own rules.py, run in the simulation and checked."""

from pathlib import Path

import pytest

from backprop_sim import editing, rules
from backprop_sim.controller import Controller
from backprop_sim.rulebook import SHIPPED
from conftest import Server, wait_for

SOURCE = (Path(__file__).resolve().parent.parent / "py" / "backprop_sim" / "rules.py").read_text()
BROKEN_SIGMOID = SOURCE.replace("return a * (1.0 - a)", "return a * (1.0 + a)")
SYNTAX_ERROR = SOURCE.replace("def relu(z):", "def relu(z)")
NO_TRANSPOSE = SOURCE.replace("return (W_next.T @ delta_next) * g_prime_z", "return (W_next @ delta_next) * g_prime_z")


def test_the_original_rules_pass_every_check():
    result, used = editing.EditedRules().run(SOURCE, SHIPPED)
    assert result["ok"] and result["error"] is None
    assert {c["name"] for c in result["checks"]} >= {"sigmoid_prime", "relu_prime", "mse_grad", "bce_grad", "backward pass"}
    assert used is not SHIPPED and used.edited("sigmoid")  # the learner's copy of the same code, run under its budget


def test_a_wrong_derivative_runs_but_is_caught_and_named():
    result, used = editing.EditedRules().run(BROKEN_SIGMOID, SHIPPED)
    assert not result["ok"] and result["error"] is None
    bad = [c for c in result["checks"] if not c["ok"]]
    assert bad[0]["name"] == "sigmoid_prime" and "does not match the slope of sigmoid" in bad[0]["text"]
    assert any(c["name"] == "backward pass" for c in bad)
    assert used.sigmoid_prime(0.0) == pytest.approx(0.75)  # used: σ(0)(1 + σ(0))
    assert rules.sigmoid_prime(0.0) == pytest.approx(0.25)  # the module itself never changes


def test_a_syntax_error_is_reported_with_its_line_and_not_installed():
    result, used = editing.EditedRules().run(SYNTAX_ERROR, SHIPPED)
    assert not result["ok"] and result["error"]["line"] == SOURCE.splitlines().index("def relu(z):") + 1
    assert "SyntaxError" in result["error"]["message"]
    assert used is SHIPPED


def test_a_runtime_error_names_the_function_and_keeps_the_last_code_that_worked():
    edits = editing.EditedRules()
    _, working = edits.run(BROKEN_SIGMOID, SHIPPED)
    result, used = edits.run(NO_TRANSPOSE, working)
    assert not result["ok"]
    assert any("in hidden_delta" in line and "W_next @ delta_next" in line for line in result["error"]["traceback"])
    assert used is working
    assert used.sigmoid_prime(0.0) == pytest.approx(0.75)  # still the last edit that ran


def test_missing_functions_are_named():
    result, _ = editing.EditedRules().run("import numpy as np\n\ndef sigmoid(z):\n    return z\n", SHIPPED)
    assert "must still define" in result["error"]["message"] and "sigmoid_prime" in result["error"]["message"]


def test_two_simulations_keep_their_own_rules():
    """The rules belong to a simulation, not to the module: an edit in one changes nothing in another."""
    edited, plain = Controller(), Controller()
    assert "gradient check found a mistake" in edited.act("rules", BROKEN_SIGMOID)
    for ctl in (edited, plain):
        ctl.act("forward"), ctl.act("backward"), ctl.act("backward")
    by_hand = [0.3 * -0.0989, -0.2 * -0.0989, 0.5 * -0.0989]  # W^[2]ᵀ δ^[2], before g'
    a1 = plain.state()["a"][1]
    assert plain.state()["delta"][0] == pytest.approx([w * a * (1 - a) for w, a in zip(by_hand, a1)], abs=5e-5)
    assert edited.sim.rules.edited("sigmoid_prime") and not plain.sim.rules.edited("sigmoid_prime")
    assert edited.state()["delta"][0] != pytest.approx(plain.state()["delta"][0])


def test_the_controller_redoes_the_current_step_with_the_new_rules():
    ctl = Controller()
    ctl.act("forward"), ctl.act("backward")
    before = ctl.state()["delta"][1][0]
    message = ctl.act("rules", BROKEN_SIGMOID)
    assert "gradient check found a mistake" in message and "sigmoid_prime" in message
    after = ctl.state()
    assert after["step"] == 1 and after["delta"][1][0] != pytest.approx(before)
    assert ctl.act("rules", None) == ""
    assert ctl.state()["delta"][1][0] == pytest.approx(before)


# ---------------------------------------------------------------- the Edit page in Chromium

def wait_result(page, value=None):
    wait_for(page, "!!document.documentElement.dataset.editResult", timeout=90_000)
    result = page.evaluate("document.documentElement.dataset.editResult")
    page.evaluate("delete document.documentElement.dataset.editResult")
    if value:
        assert result == value, page.locator("#result").inner_text()
    return result


def sim_state(page):
    return page.frame_locator("#sim").locator("html").evaluate("() => window.backpropSim.state()")


def sim_act(page, name):
    return page.frame_locator("#sim").locator("html").evaluate(f"() => window.backpropSim.act('{name}')")


def set_code(page, code):
    page.evaluate("(code) => window.backpropEditor.setValue(code)", code)


@pytest.mark.browser
@pytest.mark.parametrize("over", ["http", "file"])
def test_edit_run_break_fix_reload_reset(browser, site, over, tmp_path):
    if over == "http":
        server = Server(site)
        url = server.url("sim/edit.html")
    else:
        server, url = None, (site / "sim" / "edit.html").as_uri()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors, requests = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    context.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(url)
        wait_result(page, "ok")
        assert page.locator(".cm-content").inner_text().startswith('"""The rules of backpropagation')
        sim_act(page, "forward"), sim_act(page, "backward")
        before = sim_state(page)["delta"][1][0]
        # a wrong derivative: the numbers change and the check names it
        set_code(page, BROKEN_SIGMOID)
        page.click(".cm-content")
        page.keyboard.press("Control+Enter")
        wait_result(page, "mismatch")
        assert "✗ sigmoid_prime does not match the slope of sigmoid" in page.locator("#result-checks").inner_text()
        after = sim_state(page)
        assert after["step"] == 1 and after["delta"][1][0] != pytest.approx(before)
        # a syntax error: shown with its line, the simulation survives on the last code that ran
        set_code(page, SYNTAX_ERROR)
        page.click("#run")
        wait_result(page, "error")
        assert "SyntaxError" in page.locator("#result").inner_text()
        assert page.locator(".cm-lint-marker-error").count() == 1
        assert sim_state(page)["delta"][1][0] == pytest.approx(after["delta"][1][0])
        assert sim_act(page, "backward")["phase"] == "complete"
        # the edit persists across a reload, and runs again in the new simulation
        set_code(page, BROKEN_SIGMOID)
        page.reload()
        wait_result(page, "mismatch")
        assert "(1.0 + a)" in page.locator(".cm-content").inner_text()
        # reset restores the original
        page.click("#reset-code")
        wait_result(page, "ok")
        assert "(1.0 - a)" in page.locator(".cm-content").inner_text()
        page.reload()
        wait_result(page, "ok")
        assert "(1.0 - a)" in page.locator(".cm-content").inner_text()
        assert errors == []
        # the code stays in the page: nothing goes anywhere but the site's own files
        own = server.origin if server else "file://"
        assert all(u.startswith((own, "data:", "blob:")) for u in requests), [u for u in requests if not u.startswith(own)]
    finally:
        context.close()
        if server:
            server.close()


@pytest.mark.browser
def test_download_py(browser, site):
    server = Server(site)
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(server.url("sim/edit.html"))
        wait_result(page, "ok")
        with page.expect_download() as info:
            page.click("#download-code")
        assert info.value.suggested_filename == "rules.py"
        assert open(info.value.path()).read() == SOURCE
    finally:
        context.close()
        server.close()
