"""Issue 17, item 1: the loss owns the output layer's step, so an edited rule changes every
number on the page, and every panel still agrees with ∂L/∂W."""

from pathlib import Path

import numpy as np
import pytest

from backprop_sim import mathtex, panels
from backprop_sim.controller import Controller
from backprop_sim.explain import gradient_check

SOURCE = (Path(__file__).resolve().parent.parent / "py" / "backprop_sim" / "rules.py").read_text()
# the Edit page's exercise: mse without the ½, and the derivative that goes with it
EXERCISE = (SOURCE.replace("return float(0.5 * np.sum((y_hat - y) ** 2))", "return float(np.sum((y_hat - y) ** 2))")
                  .replace("return y_hat - y  # dL/dŷ = ŷ − y", "return 2.0 * (y_hat - y)"))
DOUBLE_BCE_GRAD = SOURCE.replace("return (y_hat - y) / (y_hat * (1.0 - y_hat))", "return 2.0 * (y_hat - y) / (y_hat * (1.0 - y_hat))")
TRIPLE_OUTPUT_DELTA = SOURCE.replace("return dL_dy_hat * g_prime_z", "return 3.0 * dL_dy_hat * g_prime_z")


def complete(ctl: Controller) -> dict:
    ctl.act("reset"), ctl.act("forward")
    while ctl.sim.phase != "complete":
        assert ctl.act("backward") == ""
    return ctl.state()


def every_panel_agrees_with_dW(ctl: Controller) -> None:
    """For every weight, the chain's sum of products is ∂L/∂W (and finite differences of the
    loss agree); for every neuron, ∂L/∂ŷ · g'(z) or the sum over the next layer is its δ."""
    state = complete(ctl)
    now = ctl.sim.now
    fd_W, _ = gradient_check(now.net, now.x, now.y, rules=ctl.sim.rules)  # independent of backprop: perturb, recompute L
    for l in range(1, now.net.L + 1):
        assert np.allclose(state["dW"][l - 1], fd_W[l], atol=1e-6)
        for j in range(now.net.layers[l]):
            for k in range(now.net.layers[l - 1]):
                ctl.act("select", ["weight", l, j + 1, k + 1])
                trace = ctl.trace()
                assert trace["total"] == pytest.approx(state["dW"][l - 1][j][k], rel=1e-9, abs=1e-15)
                assert sum(p["product"] for p in trace["paths"]) == pytest.approx(trace["total"])
                for path in trace["paths"]:
                    assert np.prod([v for _, v in path["factors"]]) == pytest.approx(path["product"])
            ctl.act("select", ["neuron", l, j + 1])
            trace = ctl.trace()
            assert trace["upstream"] * trace["g_prime"] == pytest.approx(trace["delta"], rel=1e-9, abs=1e-15)
            assert trace["delta"] == pytest.approx(state["delta"][l - 1][j])
    ctl.act("select", None)


def test_the_exercise_mse_without_the_half_changes_every_panel():
    ctl = Controller()
    before = complete(ctl)
    assert ctl.act("rules", EXERCISE) == "", ctl.rules_result
    after = complete(ctl)
    # by hand: L and dL/dŷ double, so every δ and every ∂L/∂W doubles (seed: δ^[2] −0.0989 → −0.1978)
    assert after["loss"] == pytest.approx(2 * before["loss"])
    assert after["delta"][1][0] == pytest.approx(2 * before["delta"][1][0]) == pytest.approx(-0.1978, abs=5e-5)
    assert after["dW"][0][0][1] == pytest.approx(-0.0071, abs=5e-5)  # w[1]₁₂: the issue's −0.0035 was the bug
    every_panel_agrees_with_dW(ctl)
    # the panels' text: the trace of w[1]₁₂ and of the output neuron, the equations, the summary
    ctl.act("select", ["weight", 1, 1, 2])
    html = panels.trace_html(ctl.trace())
    assert "<b>−0.0071</b>, the same as backprop's" in html and "= −0.0071." in html
    ctl.act("select", ["neuron", 2, 1])
    assert "<b>−0.1978</b>" in panels.trace_html(ctl.trace())
    now = ctl.sim.now
    step2 = now.steps[0]
    assert mathtex.numeric(step2.delta).endswith("= -0.1978")
    assert r"\texttt{mse\_grad}" in mathtex.symbolic(step2.delta, step2)
    forward = ctl.sim.history[-ctl.sim.net.L].forward  # the moment after the forward pass
    assert mathtex.loss_numeric(now.net, forward, now.y, now.rules).endswith(f"= {2 * before['loss']:.4f}")
    assert r"\texttt{mse}" in mathtex.loss_symbolic(now.net.loss, now.rules) and "your mse" in panels.summary(now)
    # the original rules again: the original formulas and numbers
    assert ctl.act("rules", None) == ""
    assert complete(ctl)["delta"][1][0] == pytest.approx(before["delta"][1][0])
    assert "½" in panels.summary(ctl.sim.now)


@pytest.mark.parametrize("source,factor", [(DOUBLE_BCE_GRAD, 2.0), (TRIPLE_OUTPUT_DELTA, 3.0)])
def test_the_classifier_uses_the_edited_bce_grad_and_output_delta(source, factor):
    ctl = Controller()
    ctl.act("preset", "classifier")
    before = complete(ctl)
    # by hand: cross-entropy after a sigmoid, δ^[2] = ŷ − y
    assert before["delta"][1][0] == pytest.approx(before["y_hat"][0] - before["y"][0])
    assert "cancels" in panels.step_note(ctl.sim.now.steps[0])
    message = ctl.act("rules", source)
    assert "gradient check found a mistake" in message  # a wrong rule: caught, and used
    assert "the classifier network" in message or "bce_grad" in message
    after = complete(ctl)
    assert after["delta"][1][0] == pytest.approx(factor * before["delta"][1][0])
    assert panels.step_note(ctl.sim.now.steps[0]) == ""  # no claim that σ' cancels once a rule is edited
    # the traces still add up to what backprop computed with the edited rules
    for l, j, k in ((1, 1, 1), (2, 1, 3)):
        ctl.act("select", ["weight", l, j, k])
        assert ctl.trace()["total"] == pytest.approx(after["dW"][l - 1][j - 1][k - 1])
    ctl.act("select", ["neuron", 2, 1])
    trace = ctl.trace()
    assert trace["delta"] == pytest.approx(after["delta"][1][0])
    html = panels.trace_html(trace)
    assert f"<b>{panels.number(after['delta'][1][0])}</b>" in html
    assert ("output_delta(" in html) == (source is TRIPLE_OUTPUT_DELTA)  # the panel never claims a product that is not one


def test_the_original_rules_agree_on_every_preset():
    ctl = Controller()
    for key in ("seed", "deep", "classifier", "dead-relu", "hand"):
        ctl.act("preset", key)
        every_panel_agrees_with_dW(ctl)
