"""Data sets, features, regularisation and the mini-batch gradient on CPython (issue 16).

Expected values come from hand computations, the problems' shapes written out again here,
or finite differences of the loss; never from the module's own output."""

import math

import numpy as np
import pytest

from backprop_sim import datasets
from backprop_sim import plane
from backprop_sim.datasets import FEATURE_NAMES, FEATURES, N_POINTS, PROBLEMS, batches, features, penalty, penalty_grad
from backprop_sim.descent import Descent, batch_gradients
from backprop_sim.plane import evaluate, grid_points
from reference import batch_gradients_vectorised, descend, layer_grids, predict_grid
from backprop_sim.explain import gradient_check
from backprop_sim.network import Network
from conftest import make_data as make

NAMES = ("circle", "xor", "gauss", "spiral", "plane", "multi_gauss")


def everything(data):
    """All points and targets of a data set, train and test together, in one fixed order."""
    x, y = np.vstack([data.x_train, data.x_test]), np.vstack([data.y_train, data.y_test])
    order = np.lexsort((x[:, 1], x[:, 0]))
    return x[order], y[order]


# ---------------------------------------------------------------- the six problems


def test_the_six_problems_of_playground():
    assert tuple(PROBLEMS) == NAMES
    assert [PROBLEMS[n].kind for n in NAMES] == ["classification"] * 4 + ["regression"] * 2


@pytest.mark.parametrize("name", NAMES)
def test_same_settings_same_data_another_seed_other_data(name):
    a, b = make(name, noise=20, train_share=60, batch=7, seed=11), make(name, noise=20, train_share=60, batch=7, seed=11)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
        assert not getattr(a, field).flags.writeable
    c = make(name, noise=20, train_share=60, batch=7, seed=12)
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("noise", [0, 50])
def test_shapes_labels_and_the_plane(name, noise):
    data = make(name, noise=noise, seed=3)
    assert data.kind == PROBLEMS[name].kind and data.name == name
    assert data.x_train.shape == (250, 2) and data.y_train.shape == (250, 1)
    assert data.x_test.shape == (250, 2) and data.y_test.shape == (250, 1)
    x, y = everything(data)
    assert np.all(np.abs(x) <= 6.0)
    if data.kind == "classification":
        assert set(np.unique(y)) == {0.0, 1.0}
        assert 0.3 < y.mean() < 0.7  # both classes, roughly balanced
    else:
        assert np.all(np.abs(y) <= 1.0) and y.max() > 0.5 and y.min() < -0.5


def test_the_shapes_at_zero_noise():
    """Each problem's rule, written out again from its description."""
    x, y = everything(make("circle"))
    r = np.hypot(x[:, 0], x[:, 1])
    assert np.array_equal(y[:, 0] == 1, r < 2.5) and not np.any((r > 2.5) & (r < 3.5)) and r.max() <= 5
    x, y = everything(make("xor"))
    assert np.array_equal(y[:, 0] == 1, x[:, 0] * x[:, 1] > 0) and np.all(np.abs(x) >= 0.3)
    x, y = everything(make("gauss"))
    assert np.all(np.linalg.norm(x[y[:, 0] == 1] - 2, axis=1) < np.linalg.norm(x[y[:, 0] == 1] + 2, axis=1))
    x, y = everything(make("spiral"))
    r = np.hypot(x[:, 0], x[:, 1])
    assert r.max() <= 5 and np.sum(y) == 250
    # the two arms: a point of one arm turned by half a turn lies on the other
    first, second = x[y[:, 0] == 1], x[y[:, 0] == 0]
    assert np.allclose(np.sort(np.round(-first, 9), axis=0), np.sort(np.round(second, 9), axis=0))
    x, y = everything(make("plane"))
    assert np.allclose(y[:, 0], (x[:, 0] + x[:, 1]) / 12)
    x, y = everything(make("multi_gauss"))
    bump = lambda c1, c2: np.exp(-((x[:, 0] - c1) ** 2 + (x[:, 1] - c2) ** 2) / 2)
    expected = bump(-4, 2.5) - bump(0, 2.5) + bump(4, 2.5) - bump(-4, -2.5) + bump(0, -2.5) - bump(4, -2.5)
    assert np.allclose(y[:, 0], np.clip(expected, -1, 1))


@pytest.mark.parametrize("name", NAMES)
def test_noise_changes_the_data(name):
    clean, noisy = everything(make(name, noise=0, seed=5)), everything(make(name, noise=30, seed=5))
    assert not (np.array_equal(clean[0], noisy[0]) and np.array_equal(clean[1], noisy[1]))


def test_noise_moves_labels_or_points_as_in_playground():
    """circle, xor and the regressions keep their points and change their labels; gauss and spiral move their points."""
    for name in ("circle", "xor", "plane", "multi_gauss"):
        a, b = make(name, noise=0, seed=2), make(name, noise=40, seed=2)
        assert np.array_equal(a.x_train, b.x_train) and not np.array_equal(a.y_train, b.y_train)
    for name in ("gauss", "spiral"):
        a, b = make(name, noise=0, seed=2), make(name, noise=40, seed=2)
        assert not np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_train, b.y_train)
    x, y = everything(make("circle", noise=50, seed=2))
    wrong = (y[:, 0] == 1) != (np.hypot(x[:, 0], x[:, 1]) < 2.5)
    assert 0.02 < wrong.mean() < 0.4  # some points carry the other class, most do not


@pytest.mark.parametrize("share", [10, 30, 50, 90])
def test_the_training_share_splits_the_same_points(share):
    data = make("spiral", noise=10, train_share=share, seed=4)
    assert data.n_train == N_POINTS * share // 100 and data.n_test == N_POINTS - data.n_train
    whole = everything(make("spiral", noise=10, train_share=50, seed=4))
    mine = everything(data)
    assert np.array_equal(mine[0], whole[0]) and np.array_equal(mine[1], whole[1])
    assert not set(map(tuple, data.x_train)) & set(map(tuple, data.x_test))


@pytest.mark.parametrize("args, message", [
    (dict(name="moons"), "Unknown data set 'moons'; choose one of circle, xor, gauss, spiral, plane, multi_gauss."),
    (dict(name=None), "Unknown data set None"),
    (dict(noise=51), "The noise must be from 0 to 50 %, got 51."),
    (dict(noise=-1), "The noise must be from 0 to 50 %"),
    (dict(noise="lots"), "The noise must be a number, got 'lots'."),
    (dict(noise=float("nan")), "The noise must be a finite number"),
    (dict(train_share=5), "The training share must be a whole number from 10 to 90 %, got 5."),
    (dict(train_share=50.5), "The training share must be a whole number from 10 to 90 %, got 50.5."),
    (dict(batch=0), "The batch size must be a whole number from 1 to 30 examples, got 0."),
    (dict(batch=31), "The batch size must be a whole number from 1 to 30 examples"),
    (dict(batch=True), "The batch size must be a number, got True."),
    (dict(seed=-1), "The data seed must be a whole number from 0 to 4294967295, got -1."),
    (dict(seed=1.5), "The data seed must be a whole number"),
])
def test_bad_settings_are_refused_with_a_reason(args, message):
    settings = dict(name="xor") | args
    with pytest.raises(ValueError) as refusal:
        make(settings.pop("name"), **settings)
    assert str(refusal.value).startswith(message)


def test_the_extremes_are_accepted():
    for noise, share, batch in ((0, 10, 1), (50, 90, 30), (12.5, 90, 1)):
        data = make("gauss", noise=noise, train_share=share, batch=batch, seed=2**32 - 1)
        assert (data.noise, data.train_share, data.batch) == (noise, share, batch)


def test_an_epoch_is_every_training_point_once_in_batches():
    data = make("circle", train_share=50, batch=30, seed=1)
    epoch = batches(data, 0)
    assert [len(b.index) for b in epoch] == [30] * 8 + [10]  # 250 = 8 · 30 + 10
    assert sorted(np.concatenate([b.index for b in epoch]).tolist()) == list(range(250))
    for b in epoch:
        assert np.array_equal(b.x, data.x_train[b.index]) and np.array_equal(b.y, data.y_train[b.index])
    again, next_epoch = batches(data, 0), batches(make("circle", train_share=50, batch=30, seed=1), 1)
    assert all(np.array_equal(a.index, b.index) for a, b in zip(epoch, again))
    assert not np.array_equal(epoch[0].index, next_epoch[0].index)
    assert not np.array_equal(epoch[0].index, batches(make("circle", batch=30, seed=2), 0)[0].index)
    with pytest.raises(ValueError, match="The epoch must be a whole number from 0"):
        batches(data, -1)


# ---------------------------------------------------------------- features


def test_features_by_hand():
    x = np.array([[1.0, 2.0], [-0.5, 3.0]])
    powers, rest = features(x, ["x1", "x2", "x1^2", "x2^2"]), features(x, ["x1*x2", "sin x1", "sin x2"])
    assert powers.shape == (2, 4) and rest.shape == (2, 3)
    assert np.allclose(powers, [[1, 2, 1, 4], [-0.5, 3, 0.25, 9]])
    assert np.allclose(rest, [[2, math.sin(1.0), math.sin(2.0)], [-1.5, math.sin(-0.5), math.sin(3.0)]])
    assert np.allclose(features(x, ["x1*x2"]), [[2.0], [-1.5]])


def test_features_come_in_one_order():
    """The same set of features feeds the network's inputs in the same order, however it was chosen."""
    x = np.array([[1.0, 2.0]])
    assert np.array_equal(features(x, ["sin x2", "x1"]), features(x, ["x1", "sin x2"]))
    assert np.allclose(features(x, ["sin x2", "x1"]), [[1.0, math.sin(2.0)]])


def test_features_have_their_lesson_names():
    assert [FEATURE_NAMES[f] for f in FEATURES] == ["x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁", "sin x₂"]


@pytest.mark.parametrize("names, message", [
    ([], "Choose at least one input feature"),
    (["x3"], "Unknown input feature 'x3'; choose from x1, x2, x1^2, x2^2, x1*x2, sin x1, sin x2."),
    ("x1", "Choose the input features as a list"),
    (["x1", "x1"], "Each input feature can be chosen once"),
])
def test_bad_feature_lists_are_refused(names, message):
    with pytest.raises(ValueError) as refusal:
        datasets.check_features(names)
    assert str(refusal.value).startswith(message)


def test_every_feature_at_once_fits_the_networks_inputs():
    assert datasets.check_features(list(reversed(FEATURES))) == FEATURES  # seven features, MAX_INPUTS = 7 inputs
    assert datasets.features([[1.0, 2.0]], FEATURES).shape == (1, 7)


# ---------------------------------------------------------------- regularisation

W_LIST = [None, np.array([[0.5, -1.5], [2.0, 0.25]]), np.array([[-0.75, 1.0]])]


def test_penalties_by_hand():
    assert penalty(W_LIST, "none", 0.3) == 0.0
    assert penalty(W_LIST, "l1", 0.1) == pytest.approx(0.1 * (0.5 + 1.5 + 2.0 + 0.25 + 0.75 + 1.0))
    assert penalty(W_LIST, "l2", 0.1) == pytest.approx(0.1 * 0.5 * (0.25 + 2.25 + 4.0 + 0.0625 + 0.5625 + 1.0))
    assert np.array_equal(penalty_grad(np.array([[0.0, -2.0, 3.0]]), "l1", 0.5), [[0.0, -0.5, 0.5]])


@pytest.mark.parametrize("kind", ["none", "l1", "l2"])
def test_penalty_gradients_against_finite_differences(kind):
    eps, rate = 1e-6, 0.37
    for l in (1, 2):
        W = W_LIST[l]
        numeric = np.zeros_like(W)
        for j, k in np.ndindex(W.shape):
            plus, minus = [w.copy() if w is not None else None for w in W_LIST], [w.copy() if w is not None else None for w in W_LIST]
            plus[l][j, k] += eps
            minus[l][j, k] -= eps
            numeric[j, k] = (penalty(plus, kind, rate) - penalty(minus, kind, rate)) / (2 * eps)
        assert np.allclose(penalty_grad(W, kind, rate), numeric, atol=1e-8)


@pytest.mark.parametrize("kind, rate, message", [
    ("l3", 0.1, "Unknown regularisation 'l3'; choose one of none, l1, l2."),
    ("l2", -0.1, "The regularisation rate must be from 0 to 10, got -0.1."),
    ("l2", 11, "The regularisation rate must be from 0 to 10, got 11."),
    ("l1", "x", "The regularisation rate must be a number"),
])
def test_bad_regularisation_is_refused(kind, rate, message):
    with pytest.raises(ValueError) as refusal:
        penalty(W_LIST, kind, rate)
    assert str(refusal.value).startswith(message)


# ---------------------------------------------------------------- the mini-batch gradient


def small_batch(net, B=6, seed=8):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (B, net.layers[0]))
    Y = rng.uniform(0, 1, (B, net.layers[-1])) if net.loss_fn == "bce" else rng.uniform(-1, 1, (B, net.layers[-1]))
    return X, Y


NETS = [
    Network.random([2, 4, 1], seed=3, hidden_activation="tanh", output_activation="sigmoid", loss_fn="bce"),
    Network.random([3, 4, 3, 2], seed=4, hidden_activation="sigmoid", output_activation="linear", loss_fn="mse"),
]


@pytest.mark.parametrize("net", NETS)
def test_the_batch_gradient_is_the_mean_of_the_examples(net):
    X, Y = small_batch(net)
    col = lambda v: np.asarray(v, float).reshape(-1, 1)
    # independent of backprop: finite differences of each example's loss, averaged
    fd = [gradient_check(net, col(x), col(y)) for x, y in zip(X, Y)]
    got = batch_gradients(net, X, Y)
    together = batch_gradients_vectorised(net, X, Y)
    assert got.size == together.size == len(X)
    assert got.loss == pytest.approx(np.mean([net.forward(col(x), col(y)).loss for x, y in zip(X, Y)]), rel=1e-12)
    assert together.loss == pytest.approx(got.loss, rel=1e-12)
    for l in range(1, net.L + 1):
        assert np.allclose(got.dW[l], np.mean([f[0][l] for f in fd], axis=0), atol=1e-7)
        assert np.allclose(got.db[l], np.mean([f[1][l] for f in fd], axis=0), atol=1e-7)
        assert got.dW[l].shape == net.W[l].shape and got.db[l].shape == net.b[l].shape
        assert np.allclose(together.dW[l], got.dW[l], rtol=1e-12, atol=1e-15)
        assert np.allclose(together.db[l], got.db[l], rtol=1e-12, atol=1e-15)
    assert len(got.per_example) == len(X)
    assert np.allclose(got.per_example[2][0][1], fd[2][0][1], atol=1e-7)


def test_a_batch_must_fit_the_network():
    net = NETS[0]
    with pytest.raises(ValueError, match=r"The batch's inputs must be rows of 2 number\(s\), got shape \(3, 3\)"):
        batch_gradients(net, np.zeros((3, 3)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="one target row of 1 number"):
        batch_gradients_vectorised(net, np.zeros((3, 2)), np.zeros((2, 1)))


@pytest.mark.parametrize("kind, rate", [("none", 0.0), ("l2", 0.2), ("l1", 0.05)])
def test_a_step_of_descent_by_hand(kind, rate):
    net, eta = NETS[0], 0.5
    X, Y = small_batch(net)
    g = batch_gradients(net, X, Y)
    new = descend(net, g, eta, kind, rate)
    extra = {"none": lambda W: 0 * W, "l2": lambda W: rate * W, "l1": lambda W: rate * np.sign(W)}[kind]
    for l in (1, 2):
        assert np.allclose(new.W[l], net.W[l] - eta * (g.dW[l] + extra(net.W[l])))
        assert np.allclose(new.b[l], net.b[l] - eta * g.db[l])  # biases are not penalised


@pytest.mark.parametrize("net", NETS)
@pytest.mark.parametrize("kind, rate", [("none", 0.0), ("l2", 0.2), ("l1", 0.05)])
def test_descent_on_arrays_is_descend_update_for_update(net, kind, rate):
    """Descent, training's fast path, gives exactly descend(batch_gradients_vectorised) at every update."""
    slow, fast = net, Descent(net)
    for seed in range(5):
        X, Y = small_batch(net, B=4, seed=seed)
        g = batch_gradients_vectorised(slow, X, Y)
        slow = descend(slow, g, 0.5, kind, rate)
        assert fast.step(X, Y, 0.5, kind, rate) == g.loss
    got = fast.network()
    for l in range(1, net.L + 1):
        assert np.array_equal(got.W[l], slow.W[l]) and np.array_equal(got.b[l], slow.b[l])


@pytest.mark.parametrize("layers, names", [((2, 4, 1), ("x1", "x2")), ((7, 8, 8, 8, 8, 1), FEATURES), ((3, 5, 2, 1), ("x1", "x2", "x1^2"))])
def test_one_pass_for_the_picture_and_the_evaluation_gives_both_exactly(layers, names):
    for seed, hidden in ((0, "sigmoid"), (1, "tanh"), (2, "relu")):
        net = Network.random(layers, seed, hidden, "sigmoid", "bce")
        data = make("spiral", noise=20, seed=seed)
        grids, evaluation = plane.picture_pass(net, data, plane.columns(grid_points(30), names), plane.columns(data.x, names), 30)
        assert all(np.array_equal(a, b) for a, b in zip(grids, layer_grids(net, names, 30), strict=True))
        assert evaluation == evaluate(net, data, names)


def test_descent_calls_an_edited_derivative_as_written():
    """Descent takes σ' and tanh' from a = g(z) only for the shipped pairs: a learner's g' runs as written."""
    from backprop_sim import rules as shipped
    from backprop_sim.rulebook import SHIPPED, Rules
    doubled = Rules({**SHIPPED.functions, "sigmoid_prime": lambda z: 2 * shipped.sigmoid_prime(z), "tanh_prime": lambda z: 3 * shipped.tanh_prime(z)})
    for net in NETS:
        X, Y = small_batch(net, B=4)
        fast = Descent(net, doubled)
        fast.step(X, Y, 0.5)
        edited = descend(net, batch_gradients_vectorised(net, X, Y, doubled), 0.5)
        shipped_step = descend(net, batch_gradients_vectorised(net, X, Y), 0.5)
        assert all(np.array_equal(fast.network().W[l], edited.W[l]) for l in range(1, net.L + 1))
        assert not np.array_equal(fast.network().W[1], shipped_step.W[1])


def test_descent_keeps_where_its_last_update_started_when_the_next_fails():
    net = NETS[1]
    fast = Descent(net)
    X, Y = small_batch(net)
    fast.step(X, Y, 0.5)
    fast.step(X, Y, 0.5)
    second = descend(descend(net, batch_gradients_vectorised(net, X, Y), 0.5), batch_gradients_vectorised(descend(net, batch_gradients_vectorised(net, X, Y), 0.5), X, Y), 0.5)
    first = descend(net, batch_gradients_vectorised(net, X, Y), 0.5)
    with pytest.raises(ValueError, match="would leave the range"):
        fast.step(X * 1e5, Y * 0 + 1e5, 10.0)
    W_before, b_before = fast.before  # the failed update wrote into neither the weights now nor these
    for l in range(1, net.L + 1):
        assert np.array_equal(W_before[l], first.W[l]) and np.array_equal(b_before[l], first.b[l])
        assert np.array_equal(fast.network().W[l], second.W[l]) and np.array_equal(fast.network().b[l], second.b[l])


def test_descent_refuses_an_update_that_leaves_the_range_and_keeps_its_weights():
    net = NETS[1]
    fast = Descent(net)
    X, Y = small_batch(net)
    with pytest.raises(ValueError, match="would leave the range"):
        fast.step(X * 1e5, Y * 0 + 1e5, 10.0)
    assert all(np.array_equal(fast.network().W[l], net.W[l]) for l in range(1, net.L + 1))


def test_evaluate_counts_loss_and_accuracy():
    data = make("gauss", noise=10, seed=6)
    net = NETS[0]
    ev = evaluate(net, data, ["x1", "x2"])
    col = lambda v: np.asarray(v, float).reshape(-1, 1)
    losses = [net.forward(col(x), col(y)).loss for x, y in zip(data.x_test, data.y_test)]
    hits = [(net.forward(col(x), col(y)).y_hat[0, 0] >= 0.5) == (y[0] == 1) for x, y in zip(data.x_test, data.y_test)]
    assert ev.test_loss == pytest.approx(np.mean(losses), rel=1e-12)
    assert ev.test_accuracy == pytest.approx(np.mean(hits))
    regression = evaluate(Network.random([2, 3, 1], seed=1, hidden_activation="tanh", output_activation="linear"), make("plane"), ["x1", "x2"])
    assert regression.train_accuracy is None and regression.test_accuracy is None and regression.train_loss > 0


def test_mini_batch_descent_learns_xor():
    """2 → 4 → 1, tanh hidden, sigmoid output and cross-entropy, inputs x₁ and x₂; 0% noise.
    η = 0.1 and batches of 10 for 30 epochs (750 updates): test accuracy about 0.99 for this
    start (network seed 5). Of network seeds 0–15, 11 pass 0.95 within 40 epochs; the others
    sit at 0.85–0.94 then, in a local minimum: plain descent from a bad start can stall."""
    data = make("xor", noise=0, train_share=50, batch=10, seed=0)
    names = ["x1", "x2"]
    net = Network.random([2, 4, 1], seed=5, hidden_activation="tanh", output_activation="sigmoid", loss_fn="bce")
    before = evaluate(net, data, names)
    steps = 0
    for epoch in range(30):
        for batch in batches(data, epoch):
            net = descend(net, batch_gradients_vectorised(net, features(batch.x, names), batch.y), 0.1)
            steps += 1
    after = evaluate(net, data, names)
    assert steps == 750
    assert after.test_accuracy >= 0.95 and before.test_accuracy < 0.8
    assert after.train_loss < before.train_loss / 3


# ---------------------------------------------------------------- the plane as pictures


def test_grid_points_are_cell_centres_top_row_first():
    p = grid_points(4, 6.0)  # cells 3 wide: centres at −4.5, −1.5, 1.5, 4.5
    assert p.shape == (16, 2)
    assert np.allclose(p[0], [-4.5, 4.5]) and np.allclose(p[3], [4.5, 4.5]) and np.allclose(p[15], [4.5, -4.5])
    with pytest.raises(ValueError, match="The grid size must be a whole number from 2 to 400"):
        grid_points(1)


def test_the_pictures_equal_forward_passes_point_by_point():
    net = Network.random([3, 4, 2, 1], seed=9, hidden_activation="tanh", output_activation="sigmoid", loss_fn="bce")
    names = ["x1", "x2^2", "sin x1"]
    size, extent = 20, 6.0
    out = predict_grid(net, names, size, extent)
    grids = layer_grids(net, names, size, extent)
    assert out.shape == (size, size) and [g.shape for g in grids] == [(3, size, size), (4, size, size), (2, size, size), (1, size, size)]
    h = 2 * extent / size
    for i, j in [(0, 0), (0, 19), (7, 11), (19, 3), (19, 19)]:
        x1, x2 = -extent + (j + 0.5) * h, extent - (i + 0.5) * h
        a0 = np.array([[x1], [x2**2], [math.sin(x1)]])
        fp = net.forward(a0, np.zeros((1, 1)))
        assert out[i, j] == pytest.approx(fp.y_hat[0, 0], rel=1e-12)
        for l in range(3):
            assert np.allclose(grids[l][:, i, j], (a0 if l == 0 else fp.a[l])[:, 0], rtol=1e-12)
    with pytest.raises(ValueError, match=r"The network has 3 input\(s\) but 2 feature\(s\) are chosen."):
        predict_grid(net, ["x1", "x2"])
