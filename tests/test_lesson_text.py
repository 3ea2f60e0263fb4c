"""Issue 26 on CPython: the equation's lines cut where they may wrap, and the lesson's words
from the engine."""

import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent / d) for d in ("py", "tools")]

from backprop_sim import mathtex  # noqa: E402


def test_a_line_is_cut_before_each_relation_and_operator_never_inside_a_matrix_or_fraction():
    line = r"\frac{\partial \mathcal{L}}{\partial W^{[1]}} = \begin{bmatrix}1 + 2 \\ 3\end{bmatrix} \odot x^{a = b} = 0.5 + 1"
    assert mathtex.pieces(line) == [
        r"\frac{\partial \mathcal{L}}{\partial W^{[1]}}",
        r"{}= \begin{bmatrix}1 + 2 \\ 3\end{bmatrix}",
        r"{}\odot x^{a = b}",
        "{}= 0.5",
        "{}+ 1",
    ]
    assert "".join(p.removeprefix("{}") for p in mathtex.pieces(line)).replace(" ", "") == line.replace(" ", "")
    assert mathtex.pieces("x") == ["x"]


def test_the_chain_rule_beside_the_drawing_is_closed_until_the_learner_chooses_its_weight():
    from backprop_sim import panels
    from backprop_sim.controller import Controller
    from backprop_sim.network import Selection

    ctl = Controller()
    for name in ("forward", "backward", "backward"):
        ctl.act(name)
    now = ctl.sim.now
    shut = panels.equation_html(panels.equation(now), lambda tex: tex)
    assert '<details class="chain-rule" id="chain-rule">' in shut and "<summary>Show the chain rule for W" in shut
    chosen = panels.equation_html(panels.equation(now, Selection("weight", 1, 2, 0)), lambda tex: tex)
    assert '<details class="chain-rule" id="chain-rule" open>' in chosen


def test_the_lessons_activities_say_the_engines_numbers():
    import lesson  # tools/lesson.py
    import numpy as np
    from backprop_sim.presets import preset

    text = lesson.expand((Path(lesson.__file__).parent.parent / "site" / "sim" / "index.md").read_text())
    sim = preset("seed").simulation()
    net, x = sim.net, sim.now.x
    # by hand: sigmoid layers, δ[2] = (ŷ − y) ŷ (1 − ŷ) for y = 1 and y = 0; δ[1]₂ = W[2]₁₂ δ[2] a(1 − a)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    a1 = sig(net.W[1] @ x + net.b[1])
    y_hat = sig(net.W[2] @ a1 + net.b[2])[0, 0]
    for y in (1.0, 0.0):
        d2 = (y_hat - y) * y_hat * (1 - y_hat)
        d12 = net.W[2][0, 1] * d2 * a1[1, 0] * (1 - a1[1, 0])
        assert f"{d2:+.4f}".replace("-", "−") in text and f"{d12:+.4f}".replace("-", "−") in text
    assert "flips sign" in text and "from blue to red" not in text
    assert f"ŷ ≈ {y_hat:.4f}" in text and r"\delta^{[1]}$ (3×1) times $(a^{[0]})^T$ (1×2) gives 3×2" in text


def test_train_n_is_a_settings_row_sending_its_field_to_the_one_training_action():
    from backprop_sim import controller, pageview, settings
    from backprop_sim.controller import Controller

    row = settings.BY_NAME["train_count"]
    assert row.act == "train_steps" and row.read.high == controller.TRAIN_STEPS_MAX  # the field's max is the action's limit
    assert pageview.FIELDS["train-count"] == "btn-train-count"
    ctl = Controller()
    ctl.act("dataset", {"name": "xor"})
    action = pageview.event(ctl, "field", "train-count", "25")
    assert action == ("train_steps", "25") and ctl.act(*action) == "" and ctl.state()["dataset"]["update"] == 25
    assert settings.default("train_speed") == settings.FAST
