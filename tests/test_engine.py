"""The engine on CPython: gradients against finite differences, the seed example by hand,
the lesson's activities, and refusals that leave the state exactly as it was."""

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from backprop_sim import mathtex, panels
from backprop_sim.engine import Simulation
from backprop_sim.explain import chain_for_weight, dead_neurons, delta_as_sum, gradient_check
from backprop_sim.network import MAX_HIDDEN_LAYERS, MAX_INPUTS, MAX_NEURONS, MAX_OUTPUTS, Network
from backprop_sim.rulebook import ACTIVATIONS, LOSSES, SHIPPED
from backprop_sim.presets import PRESETS, SEED_B, SEED_W, preset


def sig(t):
    return 1 / (1 + math.exp(-t))


# ---------------------------------------------------------------- finite differences

def finite_differences(net, x, y, eps=1e-5):
    """Independent of the engine's backward: perturb each parameter, recompute the loss."""
    x, y = np.array(x, float).reshape(-1, 1), np.array(y, float).reshape(-1, 1)
    return gradient_check(net, x, y, eps)


def norm_relative(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-3))


pairs = [(h, o, loss) for h in ACTIVATIONS if not ACTIVATIONS[h].output_only for o in ACTIVATIONS for loss in LOSSES
         if loss == "mse" or o == LOSSES[loss].output]


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.parametrize("hidden,output,loss", pairs)
def test_backprop_equals_finite_differences(hidden, output, loss, data):
    n_in = data.draw(st.integers(1, MAX_INPUTS))
    hidden_sizes = data.draw(st.lists(st.integers(1, MAX_NEURONS), min_size=0, max_size=MAX_HIDDEN_LAYERS))
    n_out = data.draw(st.integers(2 if ACTIVATIONS[output].output_only else 1, MAX_OUTPUTS))  # softmax: two or more
    layers = [n_in, *hidden_sizes, n_out]
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    net = Network.random(layers, seed, hidden, output, loss)
    x = rng.uniform(-2, 2, n_in)
    y = rng.uniform(0, 1, n_out)
    xc, yc = x.reshape(-1, 1), y.reshape(-1, 1)
    fp, steps = net.gradients(xc, yc)
    # a kink of ReLU within ε of some z would make the finite difference meaningless
    assume(all(np.min(np.abs(fp.z[l])) > 1e-3 for l in range(1, net.L + 1)))
    fdW, fdb = finite_differences(net, x, y)
    by_layer = {s.layer: s for s in steps}
    for l in range(1, net.L + 1):
        assert norm_relative(by_layer[l].dW.result.value, fdW[l]) < 1e-6
        assert norm_relative(by_layer[l].db.result.value, fdb[l]) < 1e-6


# ---------------------------------------------------------------- the seed example by hand

def hand_seed(y=1.0):
    """The original MicroSim's network with plain Python loops: no numpy, no engine."""
    W1, W2 = SEED_W
    b1, b2 = SEED_B
    x = [1.0, 0.5]
    z1 = [sum(W1[j][k] * x[k] for k in range(2)) + b1[j] for j in range(3)]
    a1 = [sig(v) for v in z1]
    z2 = sum(W2[0][j] * a1[j] for j in range(3)) + b2[0]
    a2 = sig(z2)
    loss = 0.5 * (a2 - y) ** 2
    d2 = (a2 - y) * a2 * (1 - a2)
    dW2 = [d2 * a1[j] for j in range(3)]
    d1 = [W2[0][j] * d2 * a1[j] * (1 - a1[j]) for j in range(3)]
    dW1 = [[d1[j] * x[k] for k in range(2)] for j in range(3)]
    return dict(z1=z1, a1=a1, z2=z2, a2=a2, loss=loss, d2=d2, dW2=dW2, d1=d1, dW1=dW1)


def test_seed_example_matches_hand_computation():
    sim = preset("seed").simulation()
    sim.forward()
    sim.backward_step()
    sim.backward_step()
    h = hand_seed()
    fp = sim.now.forward
    s2, s1 = sim.now.steps
    assert sim.net.layers == (2, 3, 1)
    # z[1] by hand: 0.5·1 − 0.3·0.5 + 0.1 = 0.45, 0.2 + 0.2 − 0.1 = 0.3, −0.1 + 0.3 + 0.2 = 0.4
    assert fp.z[1].ravel() == pytest.approx([0.45, 0.3, 0.4])
    assert fp.z[1].ravel() == pytest.approx(h["z1"])
    assert fp.a[1].ravel() == pytest.approx(h["a1"])
    assert fp.z[2].item() == pytest.approx(h["z2"])
    assert fp.y_hat.item() == pytest.approx(h["a2"])
    assert fp.loss == pytest.approx(h["loss"])
    assert (s2.layer, s1.layer) == (2, 1)
    assert s2.delta.result.value.item() == pytest.approx(h["d2"])
    assert s2.dW.result.value.ravel() == pytest.approx(h["dW2"])
    assert s2.db.result.value.item() == pytest.approx(h["d2"])
    assert s1.delta.result.value.ravel() == pytest.approx(h["d1"])
    assert s1.dW.result.value == pytest.approx(np.array(h["dW1"]))
    assert s1.db.result.value.ravel() == pytest.approx(h["d1"])


def test_seed_relu_preset_has_the_originals_relu_hidden_layer():
    sim = preset("seed-relu").simulation()
    sim.forward()
    assert sim.net.hidden_activation == "relu" and sim.net.output_activation == "sigmoid"
    # every hidden z is positive for this input, so ReLU passes z through unchanged
    assert sim.now.forward.a[1].ravel() == pytest.approx([0.45, 0.3, 0.4])


def test_dead_relu_preset_has_a_dead_neuron_with_zero_gradient():
    sim = preset("dead-relu").simulation()
    for _ in range(3):
        sim.backward_step()
    fp = sim.now.forward
    assert dead_neurons(sim.net, fp) == [(1, 1)]
    s1 = sim.now.steps[-1]
    assert s1.delta.result.value[1, 0] == 0.0
    assert np.all(s1.dW.result.value[1] == 0.0)


def test_equation_shapes_are_described_like_the_lesson():
    sim = preset("seed").simulation()
    sim.forward(), sim.backward_step(), sim.backward_step()
    s1 = sim.now.steps[1]
    assert panels.describe(s1.delta, s1) == "(W^[2])ᵀ (3×1) · δ^[2] (1×1) ⊙ σ'(z^[1]) (3×1) → δ^[1] (3×1)"
    assert panels.describe(s1.dW, s1) == "δ^[1] (3×1) · (a^[0])ᵀ (1×2) → ∂L/∂W^[1] (3×2)"


def test_the_engine_writes_no_tex_and_no_notation():
    """The engine computes numbers and names quantities; mathtex and panels write them."""
    source = (Path(__file__).resolve().parent.parent / "py" / "backprop_sim" / "engine.py").read_text()
    code = "\n".join(line.split("#", 1)[0] for line in source.splitlines())  # comments may show the math
    for tex in (r"\delta", r"\frac", r"\mathcal", r"\sigma", r"\hat", r"\odot", "^{[", "^{{[", r"\texttt"):
        assert tex not in code, tex


# ---------------------------------------------------------------- the lesson's activities

def test_target_zero_versus_one_flips_the_output_delta():
    signs = []
    for y in (0.0, 1.0):
        sim = preset("seed").simulation()
        sim.set_target(y)
        sim.forward()
        sim.backward_step()
        signs.append(np.sign(sim.now.steps[0].delta.result.value.item()))
    assert signs == [1.0, -1.0]


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_gradient_has_the_shape_of_its_weight_at_every_step(key):
    sim = preset(key).simulation()
    sim.forward()
    while sim.phase != "complete":
        sim.backward_step()
        step = sim.now.steps[-1]
        assert step.dW.result.value.shape == sim.net.W[step.layer].shape
        assert step.db.result.value.shape == sim.net.b[step.layer].shape


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_chain_rule_product_equals_the_gradient_for_every_weight(key):
    sim = preset(key).simulation()
    for _ in range(sim.net.L + 1):
        sim.backward_step()
    fp, y = sim.now.forward, sim.now.y
    by_layer = {s.layer: s for s in sim.now.steps}
    for l in range(1, sim.net.L + 1):
        for (j, k), g in np.ndenumerate(by_layer[l].dW.result.value):
            chain = chain_for_weight(sim.net, fp, y, l, j, k)
            assert chain.total == pytest.approx(g, abs=1e-15)
            # each path is an explicit product of its factors
            for path in chain.paths:
                assert path.product == pytest.approx(math.prod(f.value for f in path.factors))


def test_chain_for_a_first_layer_weight_of_the_seed_is_one_product_of_five_factors():
    sim = preset("seed").simulation()
    for _ in range(3):
        sim.backward_step()
    h = hand_seed()
    chain = chain_for_weight(sim.net, sim.now.forward, sim.now.y, 1, 0, 1)
    (path,) = chain.paths
    values = [f.value for f in path.factors]
    a1 = h["a1"][0]
    assert values == pytest.approx([h["a2"] - 1.0, h["a2"] * (1 - h["a2"]), 0.3, a1 * (1 - a1), 0.5])


def test_delta_as_a_sum_over_the_next_layer_uses_column_j_of_the_next_weights():
    sim = preset("deep").simulation()
    for _ in range(4):
        sim.backward_step()
    now = sim.now
    d = delta_as_sum(sim.net, now.steps, now.y, now.forward, 1, 2)
    W2 = sim.net.W[2]
    delta2 = {s.layer: s for s in now.steps}[2].delta.result.value.ravel()
    assert [t.weight for t in d.terms] == list(W2[:, 2])
    assert d.upstream == pytest.approx(sum(W2[m, 2] * delta2[m] for m in range(3)))
    assert d.value == pytest.approx(d.upstream * d.g_prime)


def test_bce_with_sigmoid_output_simplifies_to_y_hat_minus_y():
    sim = preset("classifier").simulation()
    sim.forward(), sim.backward_step()
    step = sim.now.steps[0]
    assert step.delta.result.value.item() == pytest.approx(sim.now.forward.y_hat.item() - 1.0)
    assert "ŷ - y" in mathtex.symbolic(step.delta, step).replace(r"\hat{y}", "ŷ")


# ---------------------------------------------------------------- state machine

def test_backward_before_forward_runs_the_forward_pass_and_says_so():
    sim = preset("seed").simulation()
    note = sim.backward_step()
    assert sim.phase == "forward" and "forward pass" in note


def test_update_applies_gradient_descent_and_the_next_forward_shows_the_new_loss():
    sim = preset("seed").simulation()
    for _ in range(3):
        sim.backward_step()
    before = sim.now.forward.loss
    W2, dW2 = sim.net.W[2].copy(), sim.now.steps[0].dW.result.value
    sim.update(0.5)
    assert sim.phase == "ready"
    assert sim.net.W[2] == pytest.approx(W2 - 0.5 * dW2)
    sim.forward()
    assert sim.now.forward.loss < before


def test_step_back_restores_the_previous_numbers():
    sim = preset("seed").simulation()
    sim.forward(), sim.backward_step()
    first = sim.now
    sim.backward_step()
    sim.back()
    assert sim.now is first and sim.phase == "backward"
    sim.back(), sim.back()
    assert sim.phase == "ready"
    with pytest.raises(ValueError, match="Nothing to undo"):
        sim.back()


def test_a_change_of_target_makes_backward_results_stale():
    sim = preset("seed").simulation()
    for _ in range(3):
        sim.backward_step()
    sim.set_target(0.0)
    assert sim.phase == "forward" and sim.now.steps == ()
    assert sim.now.forward.loss == pytest.approx(0.5 * hand_seed(0.0)["a2"] ** 2)
    sim.set_weight(2, 0, 0, 0.0)
    assert sim.phase == "forward"
    assert sim.now.forward.z[2].item() == pytest.approx(-0.2 * hand_seed()["a1"][1] + 0.5 * hand_seed()["a1"][2])


def test_random_weights_are_reproducible_and_rounded():
    a = Network.random([3, 5, 2], seed=42)
    b = Network.random([3, 5, 2], seed=42)
    c = Network.random([3, 5, 2], seed=43)
    assert all(np.array_equal(a.W[l], b.W[l]) for l in (1, 2))
    assert not np.array_equal(a.W[1], c.W[1])
    assert np.array_equal(np.round(a.W[1], 2), a.W[1])


def test_sigmoid_is_stable_for_large_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = ACTIVATIONS["sigmoid"].g(SHIPPED)(np.array([-1e4, 0.0, 1e4]))
        ACTIVATIONS["sigmoid"].g_prime(SHIPPED)(np.array([-1e4, 1e4]))
    assert list(s) == [0.0, 0.5, 1.0]


# ---------------------------------------------------------------- refusals change nothing

def snapshot(sim):
    return (sim.now, len(sim.history))


@pytest.mark.parametrize(
    "action",
    [
        lambda s: s.set_input([1.0]),
        lambda s: s.set_input([1.0, float("nan")]),
        lambda s: s.set_input([float("inf"), 0.0]),
        lambda s: s.set_target(float("nan")),
        lambda s: s.set_target("high"),
        lambda s: s.set_weight(3, 0, 0, 1.0),
        lambda s: s.set_weight(1, 5, 0, 1.0),
        lambda s: s.set_weight(1, 0, 0, float("nan")),
        lambda s: s.update(0.1),
        lambda s: s.update(-1),
        lambda s: s.back(),
    ],
)
def test_bad_input_raises_a_readable_error_and_changes_nothing(action):
    sim = preset("seed").simulation()
    before = snapshot(sim)
    with pytest.raises(ValueError) as err:
        action(sim)
    assert len(str(err.value)) > 15
    assert snapshot(sim) == before


def test_forward_twice_is_refused_without_change():
    sim = preset("seed").simulation()
    sim.forward()
    before = snapshot(sim)
    with pytest.raises(ValueError, match="already done"):
        sim.forward()
    assert snapshot(sim) == before


@pytest.mark.parametrize(
    "layers,match",
    [
        ([2], "input layer and an output layer"),
        ([8, 3, 1], "Inputs: 1 to 7"),
        ([2, 3, 7], "Outputs: 1 to 6"),
        ([2, 9, 1], "1 to 8 neurons"),
        ([2, 3, 3, 3, 3, 3, 1], "At most 4 hidden layers"),
        ([2, 0, 1], "1 to 8 neurons"),
        ([2, 2.5, 1], "whole numbers"),
        ([2, float("inf"), 1], "whole numbers"),
        ([2, "three", 1], "whole numbers"),
    ],
)
def test_sizes_outside_the_limits_are_refused(layers, match):
    with pytest.raises(ValueError, match=match):
        Network.random(layers, seed=1)


def test_unknown_activation_or_loss_is_refused():
    with pytest.raises(ValueError, match="Unknown activation"):
        Network.random([2, 2, 1], 1, hidden_activation="swish")
    with pytest.raises(ValueError, match="Unknown loss"):
        Network.random([2, 2, 1], 1, loss_fn="hinge")
    with pytest.raises(ValueError, match="needs a sigmoid output"):
        Network.random([2, 2, 1], 1, output_activation="tanh", loss_fn="bce")


def test_single_layer_network_without_hidden_layers():
    net = Network.random([3, 2], seed=5)
    sim = Simulation(net, [1, 2, 3], [0, 1])
    for _ in range(2):
        sim.backward_step()
    assert sim.phase == "complete" and len(sim.now.steps) == 1
