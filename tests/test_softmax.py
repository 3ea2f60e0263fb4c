"""Issue 30, item 3: three to six classes, a softmax output and cross-entropy, rows of rules.py.
Their gradients against finite differences on random networks (an independent computation) and
against autograd (and torch when it is installed); the output δ is ŷ − y; accuracy and the confusion table."""

import numpy as np
import pytest

from backprop_sim import datasets, panels, rules
from backprop_sim.api import finite_differences
from backprop_sim.controller import Controller
from backprop_sim.descent import Descent
from backprop_sim.network import Network
from backprop_sim.rulebook import ACTIVATIONS, LOSSES


def random_case(seed: int):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 7))
    layers = (int(rng.integers(1, 5)), *rng.integers(1, 6, size=int(rng.integers(0, 3))).tolist(), k)
    hidden = ["sigmoid", "tanh", "leaky_relu", "softplus"][seed % 4]
    W = [rng.normal(0, 1.5, (layers[l], layers[l - 1])) for l in range(1, len(layers))]
    b = [rng.normal(0, 0.5, layers[l]) for l in range(1, len(layers))]
    net = Network.build(layers, W, b, hidden, "softmax", "cross_entropy")
    x = rng.normal(0, 2, (layers[0], 1))
    y = np.eye(k)[[int(rng.integers(k))]].reshape(-1, 1)
    return net, x, y


def test_softmax_and_cross_entropy_are_rows_of_the_catalogue():
    assert ACTIVATIONS["softmax"].function is rules.softmax and ACTIVATIONS["softmax"].output_only
    assert LOSSES["cross_entropy"].output == "softmax" and LOSSES["cross_entropy"].cancels


def test_softmax_by_hand():
    z = np.array([[1.0], [2.0], [3.0]])
    e = np.exp([1.0, 2.0, 3.0])
    assert np.allclose(rules.softmax(z).ravel(), e / e.sum())
    assert np.allclose(rules.softmax(z + 1000), rules.softmax(z))  # no overflow
    s = e / e.sum()
    assert np.allclose(rules.softmax_prime(z)[:, :, 0], np.diag(s) - np.outer(s, s))
    y = np.array([[0.0], [1.0], [0.0]])
    assert np.isclose(rules.cross_entropy(rules.softmax(z), y, z), -np.log(s[1]))


@pytest.mark.parametrize("seed", range(12))
def test_gradients_match_finite_differences_on_random_networks(seed):
    net, x, y = random_case(seed)
    fp, steps = net.gradients(x, y)
    out = steps[0]
    assert np.allclose(out.delta.result.value, fp.a[-1] - y, atol=1e-12)  # δ[L] = ŷ − y: the Jacobian and dL/dŷ cancel
    fdW, fdb = finite_differences(net, x, y)
    for s in steps:
        assert np.allclose(s.dW.result.value, fdW[s.layer], atol=1e-6), s.layer
        assert np.allclose(s.db.result.value, fdb[s.layer], atol=1e-6), s.layer


def test_the_batch_path_is_the_lesson_path():
    net, _, _ = random_case(3)
    rng = np.random.default_rng(9)
    X = rng.normal(size=(7, net.layers[0]))
    Y = np.eye(net.layers[-1])[rng.integers(net.layers[-1], size=7)]
    descent = Descent(net)
    loss = descent.gradient(X, Y)
    losses, dW = [], [np.zeros_like(net.W[l]) for l in range(1, net.L + 1)]
    for x, y in zip(X, Y):
        fp, steps = net.gradients(x.reshape(-1, 1), y.reshape(-1, 1))
        losses.append(fp.loss)
        for s in steps:
            dW[s.layer - 1] += s.dW.result.value / len(X)
    assert np.isclose(loss, np.mean(losses))
    assert all(np.allclose(descent.dW[l], dW[l - 1]) for l in range(1, net.L + 1))


def test_against_torch():
    torch = pytest.importorskip("torch")
    for seed in range(6):
        net, x, y = random_case(seed)
        Ws = [torch.tensor(net.W[l], dtype=torch.float64, requires_grad=True) for l in range(1, net.L + 1)]
        bs = [torch.tensor(net.b[l], dtype=torch.float64, requires_grad=True) for l in range(1, net.L + 1)]
        g = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "softplus": torch.nn.functional.softplus,
             "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, rules.LEAKY_SLOPE)}[net.hidden_activation]
        a = torch.tensor(x, dtype=torch.float64)
        for l in range(net.L):
            z = Ws[l] @ a + bs[l]
            a = g(z) if l < net.L - 1 else z
        loss = torch.nn.functional.cross_entropy(a.T, torch.tensor([int(np.argmax(y))]), reduction="sum")
        loss.backward()
        fp, steps = net.gradients(x, y)
        assert np.isclose(fp.loss, loss.item())
        for s in steps:
            assert np.allclose(s.dW.result.value, Ws[s.layer - 1].grad.numpy(), atol=1e-10)
            assert np.allclose(s.db.result.value, bs[s.layer - 1].grad.numpy(), atol=1e-10)


def test_against_autograd():
    """An autodiff system independent of ours (HIPS autograd, pinned: torch from PyPI brings
    about 2.5 GB of CUDA libraries, so its test above runs only where torch is installed):
    the whole network written as one function of its weights, softmax and cross-entropy by
    their textbook formulas, differentiated by autograd."""
    import autograd.numpy as anp
    from autograd import grad

    g = {"sigmoid": lambda z: 1 / (1 + anp.exp(-z)), "tanh": anp.tanh, "softplus": lambda z: anp.log1p(anp.exp(z)),
         "leaky_relu": lambda z: anp.where(z > 0, z, rules.LEAKY_SLOPE * z)}
    for seed in range(6):
        net, x, y = random_case(seed)
        act = g[net.hidden_activation]

        def loss(params):
            a = x
            for l, (W, b) in enumerate(params):
                z = anp.dot(W, a) + b
                a = act(z) if l < net.L - 1 else z
            log_softmax = a - anp.log(anp.sum(anp.exp(a - anp.max(a)))) - anp.max(a)
            return -anp.sum(y * log_softmax)

        params = [(net.W[l], net.b[l]) for l in range(1, net.L + 1)]
        grads = grad(loss)(params)
        fp, steps = net.gradients(x, y)
        assert np.isclose(fp.loss, loss(params))
        for s in steps:
            assert np.allclose(s.dW.result.value, grads[s.layer - 1][0], atol=1e-10)
            assert np.allclose(s.db.result.value, grads[s.layer - 1][1], atol=1e-10)


def test_softmax_is_refused_where_it_does_not_belong():
    with pytest.raises(ValueError, match="output layer only"):
        Network.random((2, 3, 3), 1, "softmax", "softmax", "cross_entropy")
    with pytest.raises(ValueError, match="two or more output neurons"):
        Network.random((2, 3, 1), 1, "tanh", "softmax", "cross_entropy")
    with pytest.raises(ValueError, match="needs a softmax output"):
        Network.random((2, 3, 3), 1, "tanh", "sigmoid", "cross_entropy")


def three_clouds() -> Controller:
    ctl = Controller()
    ctl.act("dataset", {"name": "custom", "kind": "classification"})
    rng = np.random.default_rng(1)
    rows = []
    for i in range(90):
        k = i % 3
        rows.append(f"{4 * np.cos(2 * np.pi * k / 3) + rng.normal(0, .5):.3f},{4 * np.sin(2 * np.pi * k / 3) + rng.normal(0, .5):.3f},{k}")
    assert ctl.act("csv", "\n".join(rows)) == "Loaded 90 point(s)."
    return ctl


def test_a_third_class_makes_a_softmax_output_and_training_learns_it():
    ctl = three_clouds()
    net = ctl.sim.net
    assert net.layers[-1] == 3 and (net.output_activation, net.loss_fn) == ("softmax", "cross_entropy")
    state = ctl.state()["dataset"]
    assert state["classes"] == 3
    assert ctl.act("train_steps", 300) == ""
    state = ctl.state()["dataset"]
    confusion = np.array(state["confusion"])
    assert confusion.shape == (3, 3) and confusion.sum() == state["n_test"]
    assert np.isclose(state["test_accuracy"], np.trace(confusion) / confusion.sum())
    assert state["test_accuracy"] > 0.9
    # the confusion table counted independently: each test point's largest output against its class
    d = ctl.dataset
    y_hat = ctl.data.outputs(ctl.sim.net, ctl.sim.rules)[:, d.n_train:]
    by_hand = np.zeros((3, 3), int)
    for true, column in zip(np.argmax(d.y_test, axis=1), y_hat.T):
        by_hand[true, int(np.argmax(column))] += 1
    assert (by_hand == confusion).all()


def test_the_picked_point_walks_its_backward_pass_with_three_classes():
    ctl = three_clouds()
    assert ctl.act("add_point", [0.5, 0.5, 2]) == ""
    assert ctl.sim.now.x.ravel().tolist() == [0.5, 0.5] and ctl.sim.now.y.ravel().tolist() == [0, 0, 1]
    ctl.act("check", True)
    ctl.act("forward"), ctl.act("backward"), ctl.act("backward")
    assert ctl.sim.phase == "complete"
    assert np.allclose(ctl.sim.now.steps[0].delta.result.value, ctl.sim.now.forward.y_hat - ctl.sim.now.y)
    check = ctl.gradient_check()
    assert all(layer["relative_difference"] < 1e-6 for layer in check.values())


def test_the_output_steps_equation_says_why_delta_is_y_hat_minus_y():
    ctl = three_clouds()
    ctl.act("forward"), ctl.act("backward")
    eq = panels.equation(ctl.sim.now)
    assert r"(\operatorname{softmax}'(z^{[2]}))^T" in eq["rows"][0][0] and eq["rows"][0][0].endswith(r"= \hat{y} - y")
    assert "Cross-entropy after a softmax" in eq["note"] and "= ŷ − y" in eq["note"]


def test_fewer_classes_again_go_back_to_one_sigmoid_output():
    ctl = three_clouds()
    keep = [i for i, label in enumerate(ctl.dataset.labels) if label < 2]
    rows = "\n".join(f"{ctl.dataset.points[i][0]},{ctl.dataset.points[i][1]},{int(ctl.dataset.labels[i])}" for i in keep)
    assert ctl.act("csv", rows) == f"Loaded {len(keep)} point(s)."
    assert ctl.sim.net.layers[-1] == 1 and ctl.sim.net.output_activation == "sigmoid" and ctl.state()["dataset"]["classes"] == 2
    ctl.act("back")
    assert ctl.sim.net.layers[-1] == 3 and ctl.dataset.labels.max() == 2
    assert datasets.MAX_CLASSES == 6 and "unknown class label '6'" in ctl.act("csv", "1,1,6")


def test_the_plot_colours_each_class_with_a_legend():
    from backprop_sim.scene import Circle, Text, plane_scene
    from backprop_sim.scene.heat import CLASS_COLOURS
    ctl = three_clouds()
    picture = ctl.data_picture()
    assert picture.classes == 3
    for width in (380, 700):  # the legend below the plot, and beside it
        scene = plane_scene(picture, width, "light")
        words = [i.text for i in scene.items if isinstance(i, Text)]
        assert {"class 0", "class 1", "class 2", "training", "test"} <= set(words) and "class 3" not in words
        fills = {i.fill for i in scene.items if isinstance(i, Circle)} | {i.stroke for i in scene.items if isinstance(i, Circle)}
        assert set(CLASS_COLOURS[:3]) <= fills
    labels = picture.y[~picture.test]
    filled = [i.fill for i in scene.items if isinstance(i, Circle) and i.fill in CLASS_COLOURS]
    assert sorted(filled[: len(labels)]) == sorted(CLASS_COLOURS[int(c)] for c in labels)
