"""Issue 6 on CPython: the controller's new actions and the URL state, fuzzed."""

import json
import random
from html import escape
import string

import numpy as np
import pytest

from backprop_sim import panels, settings, toolwords, urlstate
from backprop_sim.controller import Controller
from backprop_sim.network import MAX_HIDDEN_LAYERS


def comparable(state, trained=False):
    # the link carries the setup, not the visit's history (undo, loss curve, last update, score);
    # trained weights travel as the learner's own, without the preset or seed they started from
    history = ("can_undo", "losses", "last_update", "score", "answers", "nudge") + (("preset", "seed", "trained") if trained else ())
    return {k: v for k, v in state.items() if k not in history}


def roundtrip(ctl):
    fresh = Controller()
    notices = urlstate.apply(fresh, urlstate.encode(ctl))
    assert notices == []
    trained = ctl.state()["trained"]
    assert comparable(fresh.state(), trained) == comparable(ctl.state(), trained)
    return fresh


@pytest.mark.parametrize(
    "actions",
    [
        [],
        [("forward", None), ("backward", None)],
        [("preset", "deep"), ("target", 0.3), ("forward", None), ("backward", None), ("backward", None)],
        [("weight", [1, 2, 1, -0.123456789]), ("x", [0.25, -1.5]), ("lr", 0.05), ("forward", None)],
        [("layers", "3-5-4-2"), ("activation", ["hidden", "relu"]), ("seed", 42), ("target", [0.1, 0.9]), ("forward", None)],
        [("activation", ["hidden", "tanh"]), ("loss", "mse"), ("bias", [2, 1, 0.7])],
        [("preset", "classifier"), ("forward", None), ("backward", None), ("backward", None)],
        [("forward", None), ("backward", None), ("backward", None), ("update", None), ("forward", None)],
    ],
)
def test_url_round_trip_restores_the_same_state(actions):
    ctl = Controller()
    for name, value in actions:
        assert ctl.act(name, value) == "", (name, value, ctl.message)
    roundtrip(ctl)


def random_fragment(rng: random.Random) -> str:
    keys = list(settings.LINK_KEYS) + ["foo", "", "W[0]", "<b>", "step"]
    junk = [
        "", "NaN", "Infinity", "-1e309", "1e999", "1,2,3", "2-3-1", "4-8-8-8-8-3", "9-9-9", "0-0", "<script>alert(1)</script>",
        "%", "%ZZ", "\u202e", "relu", "swish", "bce", "sigmoid", "seed", "-5", "3.5", "99999999999", "🙂", ",,,", "1,,2",
        "0.5", "true", "a" * 5000, "1-" * 40, "-", "2e-9", "hand", "deep",
    ]
    parts = []
    for _ in range(rng.randint(0, 8)):
        key = rng.choice(keys)
        value = rng.choice(junk) if rng.random() < 0.7 else "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 30)))
        parts.append(f"{key}={value}" if rng.random() < 0.9 else key)
    joined = "&".join(parts)
    return joined if rng.random() < 0.9 else joined.replace("=", rng.choice(["==", "&", "#", ";"]))


def test_a_thousand_malformed_links_fall_back_with_notices_and_never_raise():
    rng = random.Random(20261127)
    noticed = 0
    for _ in range(1500):
        fragment = random_fragment(rng)
        ctl = Controller()
        notices = urlstate.apply(ctl, fragment)
        noticed += bool(notices)
        state = ctl.state()
        # whatever was accepted is within the engine's limits and finite
        assert 2 <= len(state["layers"]) <= MAX_HIDDEN_LAYERS + 2
        assert all(np.isfinite(v) for v in state["x"] + state["y"])
        assert all(np.all(np.isfinite(np.array(w))) for w in state["W"])
        assert state["phase"] in ("ready", "forward", "backward", "complete")
        for notice in notices:
            assert len(notice) < 400
        # the canonical link of the result restores it exactly
        roundtrip(ctl)
    assert noticed > 1000


def test_a_link_of_too_many_fields_shows_the_defaults_as_it_says():
    """Issue 25.6: past urlstate.MAX_FIELDS fields the link is not read, and what is shown is
    the defaults (not the state before the link), as its notice says."""
    ctl = Controller()
    fresh = ctl.state()
    ctl.act("learning_rate", 0.1), ctl.act("preset", "deep"), ctl.act("forward")
    assert ctl.state() != fresh
    ctl.act("link", "&".join(f"lr={i % 9 + 1}" for i in range(urlstate.MAX_FIELDS + 1)))
    assert ctl.notices == ["The link's settings could not be read; the defaults are shown."]
    assert ctl.state() == fresh


def test_hostile_values_are_named_not_interpreted():
    ctl = Controller()
    notices = urlstate.apply(ctl, "preset=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&y=NaN")
    assert any("<img src=x onerror=alert(1)>" in n for n in notices)
    assert ctl.state()["preset"] == "seed" and ctl.state()["y"] == [1.0]


def test_train_lowers_the_loss_and_update_is_gradient_descent():
    ctl = Controller()
    ctl.act("forward"), ctl.act("backward"), ctl.act("backward")
    s = ctl.state()
    W2, dW2 = np.array(s["W"][1]), np.array(s["dW"][1])
    ctl.act("lr", 0.5)
    ctl.act("update")
    assert np.allclose(ctl.state()["W"][1], W2 - 0.5 * dW2)
    assert np.allclose(ctl.state()["last_update"]["dW"][1], -0.5 * dW2)
    ctl.act("train", True)
    for _ in range(50):
        ctl.act("train_tick")
    losses = ctl.state()["losses"]
    assert len(losses) == 51 and losses[-1] < losses[0] / 2
    assert all(b <= a + 1e-12 for a, b in zip(losses, losses[1:]))


def test_prediction_mode_asks_each_delta_in_turn_then_scores():
    ctl = Controller()
    ctl.act("predict_mode", True)
    ctl.act("forward")
    assert "predict δ^[2]₁" in ctl.act("backward")
    assert ctl.state()["step"] == 0
    assert ctl.act("predict", "-0.0989").startswith("Right")  # the output layer's one δ: the step is taken
    assert ctl.state()["step"] == 1
    # the hidden layer: each of its three δ in turn, graded as it comes, the step after the last
    truth = Controller()
    truth.act("forward"), truth.act("backward"), truth.act("backward")
    delta = truth.state()["delta"][0]  # δ[1]: −0.0071, +0.0048, −0.0119
    assert ctl.state()["prediction"] == {"l": 1, "j": 1, "of": 3}
    said = ctl.act("predict", "+")
    assert said.startswith("Not quite") and "Now predict δ^[1]₂" in said and ctl.state()["step"] == 1
    assert ctl.act("predict", f"{delta[1]:.4f}").startswith("Right") and ctl.state()["prediction"]["j"] == 3
    assert ctl.act("predict", "-").startswith("Right")
    assert ctl.state()["score"] == {"right": 3, "asked": 4}
    assert ctl.state()["phase"] == "complete" and ctl.state()["delta"] == truth.state()["delta"]
    assert "complete" in ctl.act("predict", "1")
    # stepping back starts the layer's predictions again
    ctl.act("back"), ctl.act("predict", "+")
    assert ctl.state()["prediction"]["j"] == 2
    ctl.act("back")
    assert ctl.state()["prediction"] == {"l": 2, "j": 1, "of": 1}


def test_trace_of_a_weight_and_of_a_neuron():
    ctl = Controller()
    ctl.act("forward"), ctl.act("backward"), ctl.act("backward")
    ctl.act("select", ["weight", 1, 1, 2])
    trace = ctl.state()["trace"]
    assert trace["total"] == pytest.approx(trace["dW"]) and len(trace["paths"]) == 1
    # the chain of W^[1]₁₂ by the lesson: (ŷ − y) σ'(z^[2]) W^[2]₁₁ σ'(z^[1]₁) a^[0]₂, lesson numbering
    assert [f[0] for f in trace["paths"][0]["factors"]] == ["(ŷ₁ − y₁)", "σ'(z^[2]₁)", "W^[2]₁₁", "σ'(z^[1]₁)", "a^[0]₂"]
    assert [f[1] for f in trace["paths"][0]["factors"]][2:5:2] == [0.3, 0.5]  # W^[2]₁₁ and x₂ as the seed sets them
    ctl.act("select", ["neuron", 1, 3])
    trace = ctl.state()["trace"]
    assert trace["delta"] == pytest.approx(trace["upstream"] * trace["g_prime"])
    assert trace["terms"][0][1] == 0.5  # W^[2]₁₃: column 3 of W^[2], row 3 of its transpose
    assert "Unknown action" not in ctl.act("select", ["weight", 3, 1, 1])
    assert ctl.state()["selected"] == ["neuron", 1, 3]


def test_gradient_check_agrees_with_backprop():
    ctl = Controller()
    ctl.act("preset", "deep")
    for _ in range(4):
        ctl.act("backward")
    ctl.act("check", True)
    check = ctl.state()["check"]
    assert set(check) == {1, 2, 3}
    assert max(layer["relative_difference"] for layer in check.values()) < 1e-6


def test_building_a_network_within_the_limits():
    ctl = Controller()
    assert ctl.act("layers", [2, 4, 4, 1]) == ""
    assert ctl.state()["layers"] == [2, 4, 4, 1] and ctl.state()["seed"] == 1
    assert "1 to 8 neurons" in ctl.act("layers", "2, 9, 1")
    assert ctl.state()["layers"] == [2, 4, 4, 1]
    ctl.act("seed", 7)
    first = ctl.state()["W"]
    ctl.act("seed", 8), ctl.act("seed", 7)
    assert ctl.state()["W"] == first
    assert ctl.act("loss", "bce") == ""
    before = ctl.state()
    assert "needs a sigmoid output" in ctl.act("activation", ["output", "tanh"])
    assert ctl.state() == before


def test_csv_has_every_value():
    ctl = Controller()
    ctl.act("forward"), ctl.act("backward"), ctl.act("backward")
    rows = toolwords.csv(ctl.state()).strip().splitlines()
    assert rows[0] == "quantity,layer,row,column,value,symbol"
    assert "W,1,1,2,-0.3,W^[1]₁₂" in rows and "delta,2,1,," in "".join(r for r in rows if r.endswith("δ^[2]₁"))
    names = {r.split(",")[0] for r in rows[1:]}
    assert names == {"x", "y", "W", "dW", "b", "z", "a", "delta", "db", "loss"}
    assert len([r for r in rows if r.startswith("dW,")]) == 9


def test_depth_adds_and_removes_hidden_layers_within_the_limits():
    ctl = Controller()
    assert ctl.act("depth", 1) == "" and ctl.state()["layers"] == [2, 3, 3, 1]  # as wide as the last hidden layer
    assert ctl.act("depth", "-1") == "" and ctl.act("depth", -1) == ""
    assert ctl.state()["layers"] == [2, 1]
    assert "no hidden layer" in ctl.act("depth", -1) and ctl.state()["layers"] == [2, 1]
    assert ctl.act("depth", 1) == "" and ctl.state()["layers"] == [2, 3, 1]  # a first hidden layer has 3
    for _ in range(MAX_HIDDEN_LAYERS - 1):
        assert ctl.act("depth", 1) == ""
    before = ctl.state()
    assert f"At most {MAX_HIDDEN_LAYERS} hidden layers" in ctl.act("depth", 1)
    assert "1 or −1" in ctl.act("depth", 2) and "depth" in ctl.act("depth", "deeper")
    assert ctl.state() == before


def test_the_tools_words_come_from_the_state():
    ctl = Controller()
    weights, neurons = toolwords.trace_choices(ctl.sim.net.layers)
    # every weight of the 2-3-1 network and every non-input neuron, after the "none" choice
    assert len(weights) == 1 + 3 * 2 + 1 * 3 and len(neurons) == 1 + 3 + 1
    value, name = weights[2]  # layer 1, neuron 1, from input 2: the lesson's W^[1]₁₂
    assert ctl.act("select", json.loads(value)) == "" and ctl.state()["selected"] == ["weight", 1, 1, 2]
    assert name == "W^[1]₁₂" and toolwords.edit_label(ctl.state()["selected"]) == "Weight W^[1]₁₂"
    assert toolwords.edit_label(["neuron", 2, 1]) == "Bias b^[2]₁"
    assert toolwords.predict_prompt(None, False).startswith("Turn on prediction mode")
    ctl.act("predict_mode", True), ctl.act("forward")
    prompt = toolwords.predict_prompt(ctl.state()["prediction"], True)
    assert prompt.startswith("Predict δ^[2]₁")
    ctl.act("predict", "+")
    assert toolwords.score_line(ctl.state()["score"]) == "Score this visit: 0 of 1 right."  # δ^[2]₁ is −0.0989
    assert "(1 of 3 in layer 1)" in toolwords.predict_prompt(ctl.state()["prediction"], True)
    assert toolwords.score_line({"right": 0, "asked": 0}) == ""
    assert toolwords.loss_line([]) == "No forward pass yet." and toolwords.loss_line([0.08374]) == "1 forward pass(es); loss now 0.0837."
    assert toolwords.rate(1.0, "step") == "1 step/s" and toolwords.rate(0.25, "step") == "0.25 step/s"
    assert toolwords.hidden_labels_note(0) == "" and toolwords.hidden_labels_note(3).startswith("3 label(s)")
    assert "click or tap one" in toolwords.hidden_labels_note(0, 12) and "(T)" in toolwords.hidden_labels_note(0, 12)
    assert toolwords.flow_legend(False).startswith("←") and toolwords.flow_legend(True).startswith("↑")
    assert toolwords.inputs_html(2).count("<input") == 2 and 'for="x1">x₂<' in toolwords.inputs_html(2)
    eq = panels.equation(ctl.sim.now)
    html = panels.equation_html(eq, lambda tex: f"[{tex}]")
    assert html.count('<div class="tex">') == sum(len(row) for row in eq["rows"]) and f"<b>{escape(eq['title'])}</b>" in html


def test_reset_after_training_returns_to_the_weights_training_started_from():
    ctl = Controller()
    start = ctl.state()["W"]
    ctl.act("train", True)
    for _ in range(5):
        ctl.act("train_tick")
    trained = ctl.state()
    assert trained["trained"] and trained["preset"] == "seed" and trained["W"] != start
    assert "back where training started" in ctl.act("reset")
    after = ctl.state()
    assert after["W"] == start and not after["trained"] and after["preset"] == "seed" and after["phase"] == "ready"
    assert ctl.act("back") == "" and ctl.state()["W"] == trained["W"]  # Step Back returns to the trained weights
    assert "kept" in ctl.act("keep")
    kept = ctl.state()
    assert kept["preset"] == "" and not kept["trained"]
    ctl.act("forward"), ctl.act("reset")
    assert ctl.state()["W"] == trained["W"]  # Reset now returns to the kept weights
    assert "Nothing to keep" in ctl.act("keep")
    # an edited weight is a new start too
    ctl.act("preset", "seed"), ctl.act("weight", [1, 1, 1, 0.25]), ctl.act("train", True), ctl.act("train_tick"), ctl.act("reset")
    assert ctl.state()["W"][0][0][0] == 0.25


def test_the_chain_rule_in_the_main_view_multiplies_to_backprops_gradient():
    from backprop_sim.network import Selection
    from backprop_sim.scene import PALETTES, View, chain_path, network_scene

    ctl = Controller()
    ctl.act("forward"), ctl.act("backward")
    assert panels.equation(ctl.sim.now)["chain"] is None  # the output layer's step
    ctl.act("backward")
    now = ctl.sim.now
    chain = panels.equation(now)["chain"]
    symbols, numbers = chain["rows"]
    assert "W^[1]₁₂" in chain["title"] and r"\partial W^{[1]}_{12}" in symbols
    # by hand: (ŷ − y) · σ'(z^[2]₁) · W^[2]₁₁ · σ'(z^[1]₁) · a^[0]₂, the lesson's −0.0035
    fp = now.forward
    a2, a1 = float(fp.a[2][0, 0]), float(fp.a[1][0, 0])
    by_hand = (a2 - 1.0) * a2 * (1 - a2) * 0.3 * a1 * (1 - a1) * 0.5
    assert numbers.endswith("= " + panels.number(by_hand, tex=True)) and panels.number(by_hand) == "−0.0035"
    assert by_hand == pytest.approx(ctl.state()["dW"][0][0][1], abs=1e-12)
    # a selected weight moves the chain there; before its layer's gradients, the default stays
    chosen = Selection("weight", 1, 2, 0)
    assert r"W^{[1]}_{31}" in panels.equation(now, chosen)["chain"]["rows"][0]
    assert panels.chain_weight(now, Selection("weight", 2, 0, 0)) == Selection("weight", 2, 0, 0)
    # the drawing highlights the chain's path: the weight, and the connection out of its neuron
    assert chain_path(now.net.layers, chosen) == {(1, 2, 0), (2, 0, 2)}
    scene = network_scene(now, View(776, chain=chosen))
    accent = [i for i in scene.items if i.kind == "line" and i.width == 3 and i.colour == PALETTES["light"].accent]
    assert len(accent) == 2


def test_finer_steps_show_each_layers_delta_before_its_gradients():
    ctl = Controller()
    whole = Controller()
    for c in (ctl, whole):
        c.act("forward")
    assert ctl.act("finer", True) == ""
    ctl.act("backward")
    half = ctl.state()
    # the output layer's δ is out, its gradients are not: not in the state, the table, the drawing
    assert half["delta_only"] and half["phase"] == "backward" and half["dW"][1] is None and half["db"][1] is None
    assert half["delta"][1] == [pytest.approx(-0.0989, abs=5e-5)]
    assert len(panels.equation(ctl.sim.now)["rows"]) == 1 and "for ∂L/∂W^[2]" in panels.equation(ctl.sim.now)["hint"]
    assert "∂ " not in " ".join(t.text for t in network_texts(ctl))
    whole.act("backward")
    ctl.act("backward")  # the second half: the same layer's gradients, equal to a whole step's
    assert ctl.state()["dW"] == whole.state()["dW"] and not ctl.state()["delta_only"]
    ctl.act("backward"), ctl.act("backward")
    whole.act("backward")
    assert ctl.state()["phase"] == "complete" and ctl.state()["dW"] == whole.state()["dW"]
    # Step Back goes back through both halves; a link keeps the halves
    ctl.act("back")
    assert ctl.state()["delta_only"] and ctl.state()["step"] == 2
    again = Controller()
    assert urlstate.apply(again, urlstate.encode(ctl)) == []
    assert again.state()["delta_only"] and again.state()["dW"] == ctl.state()["dW"] and again.option("finer")
    assert urlstate.apply(again, "preset=seed&finer=2&step=9") == [
        "Ignored finer='2': Expected true or false, got '2'.", "Ignored step='9': The step must be 0 to 3 for this network, got 9."]
    # prediction mode: after the δ (predicted), the gradients half is a plain Backward Step
    ctl.act("reset"), ctl.act("predict_mode", True), ctl.act("forward")
    assert ctl.act("predict", "-").startswith("Right") and ctl.state()["delta_only"]
    assert "press Backward Step" in ctl.act("predict", "+")
    assert ctl.act("backward") == "" and ctl.state()["prediction"]["l"] == 1


def network_texts(ctl):
    from backprop_sim.scene import View, network_scene

    return [i for i in network_scene(ctl.sim.now, View(776)).items if i.kind == "text"]
