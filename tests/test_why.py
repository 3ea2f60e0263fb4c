"""Issue 29: why training works or fails, on CPython. Each layer's gradient over the updates,
neurons that pass no gradient, the batch behind one weight's update (exactly the update that was
applied) and a nudge that tests ∂L/∂w. Expected values come from the reference backward pass on
the batch (tests/reference.py), finite differences, or the network's numbers by hand."""

import math

import numpy as np
import pytest

import reference
from backprop_sim import diagnosis
from backprop_sim.controller import Controller
from backprop_sim.datasets import features


def data_controller(name="spiral", layers=(2, 4, 1), hidden="tanh", **settings) -> Controller:
    ctl = Controller()
    assert ctl.act("dataset", {"name": name, **settings}) == ""
    assert ctl.act("layers", list(layers)) == "" and ctl.act("activation", ["hidden", hidden]) == ""
    return ctl


def test_each_layers_gradient_is_recorded_with_every_update_it_is_drawn_for():
    ctl = data_controller()
    ctl.act("lr", 0.3)
    expected = []
    for _ in range(5):  # one update a call: every update is on the curve's stride
        net, before = ctl.sim.net, ctl.progress
        X, Y = ctl.data.inputs(), ctl.data.dataset.y_train
        batch = ctl.data.batches(before.epoch)[before.position]
        g = reference.batch_gradients_vectorised(net, X[batch.index], Y[batch.index])
        expected.append([float(np.linalg.norm(g.dW[l])) for l in range(1, net.L + 1)])
        assert ctl.act("train_steps", 1) == ""
    s = ctl.state()
    assert s["flow_updates"] == [1, 2, 3, 4, 5]
    assert len(s["gradient_flow"]) == 2  # one list per weight layer l = 1..L
    for l in range(2):
        assert s["gradient_flow"][l] == pytest.approx([e[l] for e in expected], rel=1e-12)


def test_the_flow_is_kept_with_the_curve_and_goes_back_with_step_back():
    ctl = data_controller()
    ctl.act("train_steps", 600)
    s = ctl.state()
    assert len(s["flow_updates"]) == len(s["gradient_flow"][0]) and 0 < len(s["flow_updates"]) <= 500
    assert s["flow_updates"] == sorted(s["flow_updates"]) and s["flow_updates"][-1] <= 600
    ctl.act("train_steps", 10)
    assert ctl.state()["flow_updates"][-1] > 600
    ctl.act("back")
    assert ctl.state()["flow_updates"] == s["flow_updates"]


def test_a_deep_sigmoid_network_says_its_gradient_vanishes():
    ctl = data_controller(layers=(2, 8, 8, 8, 8, 1), hidden="sigmoid")
    ctl.act("lr", 1.0)
    ctl.act("train_steps", 200)
    s = ctl.state()
    last = [layer[-1] for layer in s["gradient_flow"]]
    assert last[0] < 0.01 * last[-1]  # by the numbers themselves: layer 1's is under 1 % of the output's
    assert s["flow"]["kind"] == "vanishing" and "vanishes" in s["flow"]["text"] and "ReLU" in s["flow"]["text"]
    assert diagnosis.flow_kind((1.0, 2e3)) == ("exploding", 2) and diagnosis.flow_kind((1.0, 1.0)) == (None, None)


def test_a_dead_relu_layer_is_flagged_with_its_cause_and_what_to_try():
    ctl = data_controller(hidden="relu")
    net = ctl.sim.net
    W = [w for l in range(1, net.L + 1) for w in net.W[l].ravel()]
    b = [-100.0, -100.0, 0.5, -100.0, 0.0]  # hidden neurons 1, 2 and 4: z < 0 for every point of the plane
    assert ctl.act("parameters", {"W": W, "b": b}) == ""
    flags = ctl.state()["flags"]
    # by hand: which hidden neurons have z ≤ 0 on every training point
    X = features(ctl.dataset.x_train, ctl.features)
    z = X @ ctl.sim.net.W[1].T + ctl.sim.net.b[1].T
    dead = [j + 1 for j in range(4) if np.all(z[:, j] <= 0)]
    assert dead == [1, 2, 4]
    assert [(f["layer"], f["neuron"], f["kind"]) for f in flags] == [(1, j, "dead") for j in dead]
    assert "dead: z ≤ 0 for every training point" in flags[0]["text"] and "leaky ReLU" in flags[0]["text"]


def test_a_saturated_sigmoid_neuron_is_flagged():
    ctl = data_controller(hidden="sigmoid", layers=(2, 2, 1))
    net = ctl.sim.net
    W = [30.0, 30.0, 0.1, 0.1] + [net.W[2][0, 0], net.W[2][0, 1]]
    assert ctl.act("parameters", {"W": W, "b": [200.0, 0.0, 0.0]}) == ""  # neuron 1: z ≥ 200 − 360 … by hand below
    X = features(ctl.dataset.x_train, ctl.features)
    z1 = X @ np.array([30.0, 30.0]) + 200.0
    s = 1 / (1 + np.exp(-z1))
    saturated = bool(np.all(s * (1 - s) < 0.01 * 0.25))
    flags = {(f["neuron"], f["kind"]) for f in ctl.state()["flags"]}
    assert ((1, "saturated") in flags) == saturated and (2, "saturated") not in flags


@pytest.mark.parametrize("regularization", [("none", 0.0), ("l2", 0.05), ("l1", 0.01)])
def test_the_batch_behind_an_update_is_exactly_the_update_applied(regularization):
    ctl = data_controller(batch=7)
    ctl.act("regularization", {"kind": regularization[0], "rate": regularization[1]})
    ctl.act("lr", 0.4)
    ctl.act("train_steps", 13)
    before_last = ctl.sim.now.last_update.start[0][1][0, 1]  # W[1]₁₂ where the last update started
    assert ctl.act("inspect_weight", [1, 1, 2]) == ""
    wb = ctl.state()["weight_batch"]
    assert len(wb["per_example"]) == 7 and wb["rate"] == 0.4
    assert wb["delta"] == -wb["rate"] * (wb["mean"] + wb["penalty"])  # exactly
    assert before_last + wb["delta"] == ctl.sim.net.W[1][0, 1]  # exactly the change the update made
    assert wb["mean"] == pytest.approx(sum(wb["per_example"]) / 7, rel=1e-12, abs=1e-15)
    kind, rate = regularization
    assert wb["penalty"] == {"none": 0.0, "l2": rate * before_last, "l1": rate * math.copysign(1.0, before_last)}[kind]
    # each example's gradient by its own backward pass, independently
    batch = ctl.data.inputs()[list(ctl.progress.last_batch)]
    targets = ctl.dataset.y_train[list(ctl.progress.last_batch)]
    start = ctl.sim.now.last_update.start
    from backprop_sim.network import Network
    net = Network.build(ctl.sim.net.layers, start[0][1:], start[1][1:], ctl.sim.net.hidden_activation, ctl.sim.net.output_activation,
                        ctl.sim.net.loss_fn)
    for i, (x, y) in enumerate(zip(batch, targets)):
        _, steps = net.gradients(x.reshape(-1, 1), y.reshape(-1, 1))
        assert wb["per_example"][i] == pytest.approx(float(steps[-1].dW.result.value[0, 1]), rel=1e-12)


def test_a_weights_batch_needs_a_data_set_and_a_weight_of_this_network():
    ctl = Controller()
    assert "choose a data set first" in ctl.act("inspect_weight", [1, 1, 1])
    ctl = data_controller()
    assert "Layer 1 has neurons 1 to 4" in ctl.act("inspect_weight", [1, 9, 1])
    assert "Name the weight" in ctl.act("inspect_weight", [1, 1])
    assert ctl.act("inspect_weight", [2, 1, 3]) == "" and ctl.state()["weight_batch"] is None  # no update yet


def test_a_nudge_measures_the_loss_change_against_the_gradients_prediction():
    ctl = Controller()  # the lesson's example: L(w + ε) − L(w) against ∂L/∂w · ε
    W_before = ctl.state()["W"]
    assert ctl.act("nudge", [1, 1, 2, 1e-4]) == ""
    n = ctl.state()["nudge"]
    assert n["eps"] == 1e-4 and n["predicted"] == pytest.approx(-0.0035 * 1e-4, abs=5e-9)  # the lesson's ∂L/∂W^[1]₁₂
    assert f"{n['measured']:.2e}" == f"{n['predicted']:.2e}"  # a small ε agrees to the 3 digits the panel shows
    assert ctl.state()["W"] == W_before  # the network as it was
    ctl.act("nudge", [1, 1, 2, 5.0])
    big = ctl.state()["nudge"]
    assert abs(big["measured"] - big["predicted"]) > 0.1 * abs(big["predicted"])  # where the straight line fails
    assert "ε other than 0" in ctl.act("nudge", [1, 1, 2, 0])
    ctl.act("forward")  # a new network? no: the same network, the nudge still stands
    assert ctl.state()["nudge"] is not None
    ctl.act("weight", [1, 1, 2, 0.9])
    assert ctl.state()["nudge"] is None  # measured on another network


def test_on_a_data_set_a_nudge_measures_the_next_batch_too():
    ctl = data_controller()
    ctl.act("train_steps", 20)
    ctl.act("nudge", [2, 1, 3, 1e-5])
    n = ctl.state()["nudge"]["batch"]
    assert f"{n['measured']:.3e}" == f"{n['predicted']:.3e}"
    batch = ctl.data.batches(ctl.progress.epoch)[ctl.progress.position]
    g = reference.batch_gradients_vectorised(ctl.sim.net, ctl.data.inputs()[batch.index], batch.y)
    assert n["slope"] == pytest.approx(float(g.dW[2][0, 2]), rel=1e-12)


def test_the_link_carries_the_chosen_weight_and_a_new_shape_forgets_it():
    ctl = data_controller()
    ctl.act("train_steps", 5)
    ctl.act("inspect_weight", [2, 1, 4])
    link = ctl.link()
    assert "why=2,1,4" in link
    again = Controller()
    assert again.act("link", link) == "" and again.notices == [] and again.inspected == ctl.inspected
    ctl.act("layers", [2, 2, 1])  # W[2] has 2 columns now: the chosen weight is gone
    assert ctl.inspected is None and ctl.state()["weight_batch"] is None and "why=" not in ctl.link()
