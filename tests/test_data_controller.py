"""Issue 16 on CPython, the controller's side: from one example to a data set, through act (the one way in)."""

import csv
import io
import json
import random

import numpy as np
import pytest

import reference
from backprop_sim import datasets, pageview, panels, plane, toolwords, urlstate
from backprop_sim.controller import Controller
from backprop_sim.training import HISTORY_POINTS
from backprop_sim.network import Network
from test_notation import old_forms


def data_controller(name="spiral", **settings) -> Controller:
    ctl = Controller()
    assert ctl.act("dataset", {"name": name, **settings}) == "", ctl.message
    return ctl


def snapshot(ctl: Controller):
    """Everything an action could change: the state, the moment, the timeline and the data-side fields."""
    return (json.dumps(ctl.state(), sort_keys=True, default=str), ctl.sim.now, len(ctl.sim.history), ctl.dataset,
            ctl.features, ctl.regularization, ctl.picked, ctl.progress, ctl.option("train_speed"), ctl.start)


def same(a, b) -> bool:
    return a[0] == b[0] and all(x is y or x == y for x, y in zip(a[1:], b[1:]))


# ---------------------------------------------------------------- refusals change nothing

ONE_EXAMPLE_REFUSALS = [
    ("features", ["x1"], "choose a data set first"),
    ("regularization", {"kind": "l2", "rate": 0.1}, "choose a data set first"),
    ("pick_point", 0, "choose a data set first"),
    ("dataset", {"noise": 10}, "Choose a data set first"),
    ("dataset", {"name": "moons"}, "Unknown data set 'moons'"),
    ("dataset", 7, "Choose a data set with"),
    ("train_steps", 0, "Train 1 to 10,000 steps"),
    ("train_steps", 2.5, "must be a whole number"),
    ("train_speed", "faster", "must be a number"),
]

DATA_REFUSALS = [
    ("dataset", {"name": "spiral", "noise": 60}, "The noise must be from 0 to 50 %"),
    ("dataset", {"train_share": 5}, "The training share must be a whole number from 10 to 90 %"),
    ("dataset", {"batch": 31}, "The batch size must be a whole number from 1 to 30"),
    ("dataset", {"seed": -1}, "The data seed must be a whole number"),
    ("dataset", {"colour": "red"}, "Unknown data set setting 'colour'"),
    ("features", [], "Choose at least one input feature"),
    ("features", ["x1", "tan x1"], "Unknown input feature 'tan x1'"),
    ("features", "x1", "Choose the input features as a list"),
    ("regularization", {"kind": "l3"}, "Unknown regularisation 'l3'"),
    ("regularization", {"rate": 11}, "The regularisation rate must be from 0 to 10"),
    ("regularization", {"kind": "l1", "lambda": 1}, "Set the regularisation with"),
    ("pick_point", 500, "The points are numbered 0 to 499, got 500."),
    ("pick_point", -1, "The points are numbered 0 to 499"),
    ("pick_point", "two", "The point must be a number"),
    ("train_steps", 10_001, "Train 1 to 10,000 steps at a time"),
    ("layers", [3, 4, 1], "On a data set the network has one input per chosen feature (2: x₁, x₂) and one output"),
    ("layers", [2, 4, 2], "one input per chosen feature"),
    ("x", [1, 2], "On a data set the input x is the picked point's"),
    ("target", 0.5, "On a data set the target is the picked point's"),
    ("activation", ["output", "tanh"], "Binary cross-entropy needs a sigmoid output"),
]


@pytest.mark.parametrize("action, value, message", ONE_EXAMPLE_REFUSALS)
def test_refusals_without_a_data_set_change_nothing(action, value, message):
    ctl = Controller()
    before = snapshot(ctl)
    assert message in ctl.act(action, value)
    assert same(snapshot(ctl), before)


@pytest.mark.parametrize("action, value, message", DATA_REFUSALS)
def test_refusals_on_a_data_set_change_nothing(action, value, message):
    ctl = data_controller()
    ctl.act("train_steps", 3)
    before = snapshot(ctl)
    assert message in ctl.act(action, value), ctl.message
    assert same(snapshot(ctl), before)


def test_cross_entropy_is_refused_for_targets_from_minus_one_to_one():
    ctl = data_controller("plane")
    assert (ctl.sim.net.output_activation, ctl.sim.net.loss_fn) == ("tanh", "mse")
    assert ctl.act("activation", ["output", "sigmoid"]) == ""  # allowed: squared error after a sigmoid
    before = snapshot(ctl)
    assert "needs targets from 0 to 1, but this data set's targets lie between −1 and 1" in ctl.act("loss", "bce")
    assert same(snapshot(ctl), before)


# ---------------------------------------------------------------- entering and leaving

def test_a_data_set_builds_its_network_and_leaving_restores_the_example():
    ctl = Controller()
    ctl.act("preset", "deep")
    ctl.act("target", 0.25)
    ctl.act("weight", [1, 1, 1, 0.75])
    before_net, before_x, before_y, before_start = ctl.sim.net, ctl.sim.now.x, ctl.sim.now.y, ctl.start
    hidden = before_net.layers[1:-1]

    assert ctl.act("dataset", {"name": "circle", "noise": 10}) == ""
    net = ctl.sim.net
    assert net.layers == (2, *hidden, 1) and net.hidden_activation == before_net.hidden_activation
    assert (net.output_activation, net.loss_fn) == ("sigmoid", "bce")
    assert np.array_equal(net.W[1], Network.random(net.layers, 1, net.hidden_activation, "sigmoid", "bce").W[1])
    assert ctl.start is net and ctl.picked == 0 and ctl.sim.phase == "ready"
    data = ctl.dataset
    assert np.array_equal(ctl.sim.now.x.ravel(), data.x_train[0]) and np.array_equal(ctl.sim.now.y, data.y_train[0:1])

    assert ctl.act("dataset", {"name": "plane"}) == ""  # a regression: tanh and squared error
    assert (ctl.sim.net.output_activation, ctl.sim.net.loss_fn) == ("tanh", "mse")

    assert ctl.act("dataset", {"name": "none"}) == ""
    assert ctl.dataset is None and ctl.picked is None and ctl.state()["dataset"] is None
    assert ctl.sim.net is before_net and np.array_equal(ctl.sim.now.x, before_x) and np.array_equal(ctl.sim.now.y, before_y)
    assert ctl.start is before_start and ctl.preset == "" and ctl.sim.phase == "ready"
    assert ctl.act("dataset", None) == ""  # already one example: nothing to do


def test_leaving_restores_the_preset_and_a_preset_leaves_the_data_set():
    ctl = Controller()
    ctl.act("dataset", "xor")
    ctl.act("dataset", None)
    assert ctl.preset == "seed" and ctl.state()["x"] == [1.0, 0.5]
    ctl.act("dataset", "xor")
    assert ctl.act("preset", "classifier") == "" and ctl.dataset is None and ctl.preset == "classifier"


def test_changing_only_the_settings_keeps_the_weights_and_restarts_the_progress():
    ctl = data_controller("spiral")
    ctl.act("train_steps", 30)
    trained, start = ctl.sim.net, ctl.start
    assert ctl.progress.updates == 30
    ctl.act("dataset", {"noise": 20, "batch": 5, "seed": 4, "train_share": 30})
    d = ctl.dataset
    assert (d.name, d.noise, d.batch, d.seed, d.train_share, d.n_train) == ("spiral", 20, 5, 4, 30, 150)
    assert ctl.sim.net is trained and ctl.start is start
    assert ctl.progress.updates == 0 and ctl.progress.epoch == 0 and ctl.progress.history == ()
    assert ctl.picked == 0 and np.array_equal(ctl.sim.now.x.ravel(), d.x_train[0])


def test_a_network_without_hidden_layers_stays_without():
    ctl = Controller()
    ctl.act("layers", [2, 1])
    ctl.act("dataset", "xor")
    assert ctl.sim.net.layers == (2, 1)


def test_features_rebuild_the_input_layer():
    ctl = data_controller("circle")
    ctl.act("layers", [2, 5, 1])
    ctl.act("pick_point", 3)
    assert ctl.act("features", ["x1^2", "x2^2", "x1"]) == ""
    assert ctl.features == ("x1", "x1^2", "x2^2")  # FEATURES order
    assert ctl.sim.net.layers == (3, 5, 1) and ctl.start is ctl.sim.net
    x1, x2 = ctl.dataset.x_train[3]
    assert np.allclose(ctl.sim.now.x.ravel(), [x1, x1**2, x2**2])  # the picked point's features
    assert ctl.act("layers", [3, 2, 2, 1]) == ""  # depth and width still change
    assert ctl.act("depth", 1) == "" and ctl.sim.net.layers == (3, 2, 2, 2, 1)
    assert ctl.act("seed", 9) == "" and ctl.act("activation", ["hidden", "relu"]) == ""
    assert ctl.sim.net.layers[0] == 3 and ctl.sim.net.layers[-1] == 1
    assert ctl.act("features", list(datasets.FEATURES)) == "" and ctl.sim.net.layers[0] == 7


# ---------------------------------------------------------------- training: the same as by hand

def by_hand(net, data, names, lr, n, kind="none", rate=0.0):
    """n updates with the datasets functions alone: the batches of each epoch in turn."""
    X = datasets.features(data.x_train, names)
    epoch, done = 0, 0
    while done < n:
        for batch in datasets.batches(data, epoch):
            if done == n:
                break
            g = reference.batch_gradients_vectorised(net, X[batch.index], batch.y)
            net = reference.descend(net, g, lr, kind, rate)
            done += 1
        else:
            epoch += 1
    return net, epoch


def same_weights(a, b) -> bool:
    return all(np.array_equal(a.W[l], b.W[l]) and np.array_equal(a.b[l], b.b[l]) for l in range(1, a.L + 1))


def test_train_steps_are_the_batches_by_hand_and_one_moment():
    ctl = data_controller("spiral", batch=30)  # 250 training points: 9 batches an epoch, the last of 10
    ctl.act("layers", [2, 6, 1])
    ctl.act("features", ["x1", "x2", "sin x1"])
    ctl.act("lr", 0.2)
    start, moments = ctl.sim.net, len(ctl.sim.history)
    assert ctl.act("train_steps", 20) == ""
    expected, epoch = by_hand(start, ctl.dataset, ctl.features, 0.2, 20)
    assert same_weights(ctl.sim.net, expected)
    assert (ctl.progress.updates, ctl.progress.epoch, ctl.progress.position) == (20, epoch, 20 - 9 * 2) == (20, 2, 2)
    assert len(ctl.sim.history) == moments + 1 and ctl.sim.phase == "ready" and ctl.trained
    assert ctl.sim.now.updates == 20 and len(ctl.sim.now.losses) == 20
    # the last update's change, ΔW = W after − W before
    before_last, _ = by_hand(start, ctl.dataset, ctl.features, 0.2, 19)
    assert np.array_equal(ctl.sim.now.last_update.dW[1], expected.W[1] - before_last.W[1])
    # the loss curve: a call's every 16th update (CURVE_GAP), and at its end the network now's, each the
    # evaluation of that update's network
    assert [p[0] for p in ctl.curve()] == [16, 20] and [p[0] for p in ctl.progress.history] == [16]
    e = plane.evaluate(expected, ctl.dataset, ctl.features)
    assert ctl.curve()[-1] == (20, e.train_loss, e.test_loss)
    state = ctl.state()["dataset"]
    assert (state["epoch"], state["update"], state["train_loss"], state["test_accuracy"]) == (2, 20, e.train_loss, e.test_accuracy)

    # Train's beat is one more update; Step Back undoes it, the curve and counters with it
    ctl.act("train", True)
    ctl.act("train_tick")
    assert same_weights(ctl.sim.net, by_hand(start, ctl.dataset, ctl.features, 0.2, 21)[0]) and ctl.progress.updates == 21
    assert [p[0] for p in ctl.curve()] == [16, 21]  # the curve keeps its spacing, and ends at the network now
    ctl.act("back")
    assert same_weights(ctl.sim.net, expected) and ctl.progress.updates == 20 and [p[0] for p in ctl.curve()] == [16, 20]


def test_split_runs_are_one_run():
    a, b = data_controller("gauss", batch=7), data_controller("gauss", batch=7)
    a.act("train_steps", 100)
    for n in (33, 1, 66):
        b.act("train_steps", n)
    assert same_weights(a.sim.net, b.sim.net) and a.progress[:3] == b.progress[:3] == (100, 2, 28)


def test_regularization_changes_the_update_as_descend_says():
    for kind, rate in (("l1", 0.05), ("l2", 0.3)):
        ctl = data_controller("circle")
        assert ctl.act("regularization", {"kind": kind, "rate": rate}) == ""
        start = ctl.sim.net
        ctl.act("train_steps", 1)
        batch = datasets.batches(ctl.dataset, 0)[0]
        g = reference.batch_gradients_vectorised(start, batch.x, batch.y)  # features x1, x2 are the points
        # W ← W − η (∂J/∂W + ∂R/∂W), by hand: l1 ∂R/∂W = λ sign(W), l2 ∂R/∂W = λ W
        extra = rate * (np.sign(start.W[1]) if kind == "l1" else start.W[1])
        assert np.allclose(ctl.sim.net.W[1], start.W[1] - 0.5 * (g.dW[1] + extra), rtol=0, atol=1e-15)
        plain, _ = by_hand(start, ctl.dataset, ctl.features, 0.5, 1)
        assert not np.allclose(ctl.sim.net.W[1], plain.W[1])
        penalty = ctl.state()["dataset"]["penalty"]
        W = [w for w in ctl.sim.net.W[1:]]
        assert penalty == pytest.approx(rate * sum(np.abs(w).sum() for w in W) if kind == "l1" else rate / 2 * sum((w**2).sum() for w in W))
    assert ctl.state()["regularization"] == {"kind": "l2", "rate": 0.3}
    ctl.act("regularization", {"kind": "none"})
    assert ctl.state()["dataset"]["penalty"] == 0 and ctl.regularization == ("none", 0.3)


def test_xor_needs_a_hidden_layer():
    results = {}
    for layers in ([2, 4, 1], [2, 1]):
        ctl = data_controller("xor")
        ctl.act("activation", ["hidden", "tanh"])
        ctl.act("layers", layers)
        ctl.act("lr", 0.3)
        assert ctl.act("train_steps", 500) == ""
        results[len(layers)] = ctl.state()["dataset"]["test_accuracy"]
    assert results[3] >= 0.95  # 0 % noise: learnable with four hidden neurons
    assert results[2] < 0.7  # one line cannot separate the quadrants


def test_circle_at_zero_noise_is_learned():
    ctl = data_controller("circle")
    ctl.act("activation", ["hidden", "tanh"])
    ctl.act("layers", [2, 4, 1])
    ctl.act("lr", 0.3)
    ctl.act("train_steps", 1000)
    assert ctl.state()["dataset"]["test_accuracy"] >= 0.95


def test_the_loss_curve_stays_bounded_and_even():
    ctl = data_controller("gauss", batch=30)
    ctl.act("layers", [2, 1])
    ctl.act("train_steps", 10_000)
    history, curve = ctl.progress.history, ctl.curve()
    assert len(history) <= HISTORY_POINTS and curve[-1][0] == 10_000 and curve[:-1] == history
    steps = {b[0] - a[0] for a, b in zip(history, history[1:])}
    assert len(steps) == 1 and all(p[0] % ctl.progress.stride == 0 for p in history)  # evenly spaced, on the stride
    for _ in range(3):
        ctl.act("train_steps", 1)
    history, curve = ctl.progress.history, ctl.curve()
    assert curve[-1][0] == 10_003 and len(history) <= HISTORY_POINTS
    assert all(p[0] % ctl.progress.stride == 0 for p in history)  # the ends of calls off the stride are not kept


def test_divergence_keeps_the_last_finite_network():
    ctl = data_controller("plane")
    ctl.act("activation", ["output", "linear"])
    ctl.act("activation", ["hidden", "linear"])
    ctl.act("layers", [2, 8, 8, 8, 8, 1])
    ctl.act("lr", 10)
    message = ctl.act("train_steps", 200)
    assert "the learning rate 10 is too large" in message and "The last finite state is kept" in message
    net = ctl.sim.net
    assert all(np.all(np.isfinite(net.W[l])) for l in range(1, net.L + 1))
    assert ctl.state()["diverged"] == message and 0 < ctl.progress.updates < 200


def test_one_example_train_steps_is_train_step_n_times():
    a, b = Controller(), Controller()
    assert a.act("train_steps", 25) == ""
    for _ in range(25):
        b.sim.train_step(b.option("learning_rate"))
    assert same_weights(a.sim.net, b.sim.net)
    assert a.act("train_speed", "fast") == "" and a.state()["train_speed"] == "fast"
    assert a.act("train_speed", 30) == "" and a.option("train_speed") == 30


# ---------------------------------------------------------------- the picked point walks the lesson

def test_pick_point_walks_that_example_forward_and_backward():
    ctl = data_controller("spiral")
    ctl.act("features", ["x1", "x2", "x1*x2"])
    ctl.act("train_steps", 10)
    trained = ctl.sim.net
    d = ctl.dataset
    i = d.n_train + 4  # a test point
    assert ctl.act("pick_point", i) == "" and ctl.picked == i and ctl.sim.net is trained and ctl.sim.phase == "ready"
    x1, x2 = d.x_test[4]
    assert np.allclose(ctl.sim.now.x.ravel(), [x1, x2, x1 * x2]) and ctl.sim.now.y[0, 0] == d.y_test[4, 0]
    ctl.act("forward")
    for _ in range(trained.L):
        assert ctl.act("backward") == ""
    assert ctl.sim.phase == "complete"
    # δ^[L] = ŷ − y for a sigmoid with cross-entropy, by hand
    a = ctl.sim.now.x
    for l in range(1, trained.L + 1):
        z = trained.W[l] @ a + trained.b[l]
        a = 1 / (1 + np.exp(-z)) if l == trained.L or trained.hidden_activation == "sigmoid" else None
    assert np.isclose(ctl.state()["delta"][-1][0], a[0, 0] - d.y_test[4, 0])
    assert ctl.state()["picked"] == i
    for _ in range(trained.L + 2):
        ctl.act("back")
    assert ctl.picked == 0  # Step Back before the pick: the pick goes back too
    assert ctl.act("train_steps", 1) == "" and ctl.sim.phase == "ready"  # training continues from ready


# ---------------------------------------------------------------- what the page reads

def test_state_keys():
    assert {"dataset", "features", "regularization", "picked"} <= set(Controller().state())
    one = Controller().state()
    assert (one["dataset"], one["features"], one["regularization"], one["picked"]) == (None, ["x1", "x2"], {"kind": "none", "rate": 0.0}, None)
    data = data_controller("plane", noise=5).state()["dataset"]
    assert set(data) >= {"name", "noise", "train_share", "batch", "seed", "n_train", "n_test", "epoch", "update", "train_loss",
                         "test_loss", "train_accuracy", "test_accuracy", "penalty"}
    assert data["train_accuracy"] is None and data["test_accuracy"] is None  # regression
    json.dumps(data)


def test_the_picture_and_its_key():
    ctl = Controller()
    assert ctl.data_picture() is None and ctl.batch_average() is None and ctl.data_csv() is None
    ctl = data_controller("circle", train_share=60)
    ctl.act("features", ["x1", "x2", "x1^2"])
    ctl.act("layers", [3, 4, 1])
    picture = ctl.data_picture(20)
    d = ctl.dataset
    assert picture.x.shape == (500, 2) and np.array_equal(picture.x[:300], d.x_train) and np.array_equal(picture.x[300:], d.x_test)
    assert np.array_equal(picture.y, np.concatenate([d.y_train, d.y_test]).ravel()) and picture.test.sum() == 200
    assert not picture.test[:300].any() and picture.picked == 0 and picture.features == ("x1", "x2", "x1^2")
    assert [g.shape for g in picture.layers] == [(3, 20, 20), (4, 20, 20), (1, 20, 20)]
    assert np.array_equal(picture.output, reference.predict_grid(ctl.sim.net, ctl.features, 20))
    assert picture.hidden_activation == "sigmoid" and picture.extent == datasets.EXTENT and ctl.curve() == ()
    key = ctl.picture_key()
    assert all(a is b for a, b in zip(key, ctl.picture_key())) and ctl.data_picture(20) is picture
    ctl.act("train_steps", 1)
    ctl.act("train_steps", 1)
    assert not all(a is b for a, b in zip(key, ctl.picture_key()))
    assert [p[0] for p in ctl.curve()] == [1, 2]
    key = ctl.picture_key()
    ctl.act("pick_point", 7)
    assert not all(a is b for a, b in zip(key, ctl.picture_key())) and ctl.data_picture(20).picked == 7


def test_the_picture_measures_the_network_for_the_status_and_the_curve(monkeypatch):
    ctl = data_controller("xor")
    ctl.act("train_steps", 3)
    ctl.data_picture()
    monkeypatch.setattr(plane, "evaluate_columns", lambda *args: pytest.fail("measured twice"))
    state = ctl.state()["dataset"]  # the status's loss and accuracy, and the curve's end, from the picture's pass
    assert ctl.curve()[-1] == (3, state["train_loss"], state["test_loss"])


def test_batch_average_is_the_mean_of_the_examples_gradients():
    ctl = data_controller("spiral", batch=6)
    ctl.act("regularization", {"kind": "l1", "rate": 0.01})
    ctl.act("train_steps", 3)
    avg = ctl.batch_average()
    batch = datasets.batches(ctl.dataset, 0)[3]  # the next batch: the fourth of epoch 0
    assert avg["indices"] == batch.index.tolist() and avg["size"] == 6 and avg["batch"] == 4 and avg["epoch"] == 0
    net = ctl.sim.net
    # each example by the engine's own backward pass, averaged here
    per = [net.gradients(x.reshape(-1, 1), y.reshape(-1, 1))[1] for x, y in zip(batch.x, batch.y)]
    for l in range(1, net.L + 1):
        by_hand = np.mean([{s.layer: s for s in steps}[l].dW.result.value for steps in per], axis=0)
        assert np.allclose(avg["mean"]["dW"][l - 1], by_hand, rtol=0, atol=1e-15)
        assert np.allclose(avg["mean"]["dW"][l - 1], np.mean([e["dW"][l - 1] for e in avg["examples"]], axis=0), rtol=0, atol=1e-15)
        assert np.allclose(avg["regularization"]["dW"][l - 1], 0.01 * np.sign(net.W[l]))
    # the update that follows is that mean (with the penalty's term), step η
    W1 = net.W[1]
    ctl.act("train_steps", 1)
    assert np.allclose(ctl.sim.net.W[1], W1 - 0.5 * (np.array(avg["mean"]["dW"][0]) + 0.01 * np.sign(W1)), rtol=0, atol=1e-12)


def test_the_batch_average_panel():
    ctl = data_controller("gauss", batch=4)
    text = toolwords.batch_average_html(ctl.batch_average(), lambda tex: f"<tex>{tex}</tex>")
    assert "the mean of its examples’ gradients" in text and r"\frac{1}{B}\sum_{i=1}^{B}" in text and r"\lambda" not in text
    assert text.count("<tr>") == 1 + 4 + 1  # head, four examples, the mean
    mean = ctl.batch_average()["mean"]["dW"][0][0][0]
    assert f"<td>mean</td>" in text and panels.number(mean) in text
    ctl.act("regularization", {"kind": "l2", "rate": 0.1})
    assert r"+ \lambda\,W^{[l]}" in toolwords.batch_average_html(ctl.batch_average(), str)
    ctl.act("regularization", {"kind": "l1"})
    assert r"\operatorname{sign}" in toolwords.batch_average_html(ctl.batch_average(), str)
    assert toolwords.batch_average_html(None, str) == ""


def test_the_data_csv_holds_every_point_and_the_networks_output():
    ctl = data_controller("multi_gauss", train_share=20)
    ctl.act("train_steps", 5)
    rows = list(csv.reader(io.StringIO(ctl.data_csv())))
    assert rows[0] == ["set", "x1", "x2", "target", "y_hat"] and len(rows) == 501
    d, net = ctl.dataset, ctl.sim.net
    assert [r[0] for r in rows[1:]].count("train") == 100
    x1, x2, target, y_hat = map(float, rows[101][1:])  # the first test point
    assert (x1, x2, target) == (d.x_test[0, 0], d.x_test[0, 1], d.y_test[0, 0])
    a = np.array([[x1], [x2]])
    for l in range(1, net.L + 1):  # tanh output, sigmoid hidden, by hand
        z = net.W[l] @ a + net.b[l]
        a = np.tanh(z) if l == net.L else 1 / (1 + np.exp(-z))
    assert y_hat == pytest.approx(a[0, 0], abs=1e-12)


def test_the_data_panels_words():
    menu = dict(pageview.menus())["dataset"]
    assert menu[0][0] == "none" and "one example" in menu[0][1].lower() and "no data set" in menu[0][1]
    assert toolwords.data_setting("noise", 20) == "20 %" and toolwords.data_setting("train_share", 50) == "50 %"
    assert toolwords.data_setting("batch", 10) == "10 examples" and toolwords.data_setting("batch", 1) == "1 example"
    ctl = data_controller("xor")
    ctl.act("train_steps", 1)
    s = ctl.state()["dataset"]
    line = toolwords.data_line(s)
    assert line.startswith("Epoch 0 · 1 update · loss: training ") and f"test {panels.number(s['test_loss'])}" in line
    # the accuracy, counted by hand: a training point is right when ŷ ≥ 0.5 says its class
    d, net = ctl.dataset, ctl.sim.net
    right = sum((y_hat_by_hand(net, x, ctl.features) >= 0.5) == (t == 1) for x, t in zip(d.x_train, d.y_train[:, 0]))
    assert f"accuracy: training {100 * right / d.n_train:.1f} %" in line and "penalty" not in line
    ctl.act("regularization", {"kind": "l2", "rate": 1})
    assert "penalty R(W) " in toolwords.data_line(ctl.state()["dataset"])
    assert "accuracy" not in toolwords.data_line(data_controller("plane").state()["dataset"])
    assert toolwords.data_line(None) == ""
    help_text = toolwords.data_help()
    for words in ("Spiral", "Plane", "sin x₁", "batch", "epoch", "Regularisation", "arrow keys", "Click a point"):
        assert words in help_text, words
    texts = [help_text, line, toolwords.batch_average_html(ctl.batch_average(), str), *(m for _, _, m in DATA_REFUSALS)]
    assert not old_forms("\n".join(texts))


# ---------------------------------------------------------------- the link

@pytest.mark.parametrize("actions", [
    [("dataset", {"name": "spiral"})],
    [("dataset", {"name": "circle", "noise": 12.5, "train_share": 70, "batch": 3, "seed": 99}), ("features", ["x1^2", "x2^2"]),
     ("layers", [2, 5, 5, 1]), ("activation", ["hidden", "tanh"]), ("regularization", {"kind": "l1", "rate": 0.003}),
     ("pick_point", 401), ("forward", None), ("backward", None)],
    [("dataset", {"name": "plane"}), ("layers", [2, 1]), ("seed", 5), ("train_steps", 17), ("pick_point", 3)],
    [("dataset", {"name": "xor"}), ("weight", [1, 1, 2, -0.123456789]), ("regularization", {"kind": "l2", "rate": 0})],
])
def test_url_round_trip_with_a_data_set(actions):
    ctl = Controller()
    for name, value in actions:
        assert ctl.act(name, value) == "", (name, value, ctl.message)
    fragment = urlstate.encode(ctl)
    assert "x=" not in fragment.split("&") and "data=" in fragment and "pick=" in fragment
    fresh = Controller()
    assert urlstate.apply(fresh, fragment) == []
    ignore = {"can_undo", "losses", "last_update", "score", "trained", "preset", "seed", "dataset", "gradient_flow", "flow_updates", "flow"}
    a, b = ctl.state(), fresh.state()
    assert {k: v for k, v in a.items() if k not in ignore} == {k: v for k, v in b.items() if k not in ignore}
    progress = {"epoch", "update", "position", "train_loss", "test_loss", "train_accuracy", "test_accuracy", "penalty"}
    assert {k: v for k, v in a["dataset"].items() if k not in progress} == {k: v for k, v in b["dataset"].items() if k not in progress}
    assert a["dataset"]["train_loss"] == b["dataset"]["train_loss"]  # the same weights
    assert urlstate.encode(fresh) == fragment


def test_malformed_data_links_fall_back_with_notices():
    ctl = Controller()
    notices = urlstate.apply(ctl, "data=spiral&noise=99&share=x&batch=4&features=x1,nope&reg=l3&rate=0.1&pick=-3")
    assert ctl.dataset.name == "spiral" and ctl.dataset.noise == 0 and ctl.dataset.train_share == 50 and ctl.dataset.batch == 4
    assert ctl.features == ("x1", "x2") and ctl.regularization == ("none", 0.0) and ctl.picked == 0
    assert [n.split("=")[0] for n in notices] == ["Ignored noise", "Ignored share", "Ignored features", "Ignored reg", "Ignored pick"]
    notices = urlstate.apply(Controller(), "data=moons&noise=5&pick=1")
    assert notices[0].startswith("Ignored data='moons'") and len(notices) == 3
    # fuzzed: whatever a link says, the result is within the limits, and its own link restores it
    rng = random.Random(16)
    values = {"data": ["spiral", "plane", "xor", "none", "", "?"], "noise": ["0", "50", "51", "-1", "nan", "7.5"],
              "share": ["10", "90", "95", "33.3"], "batch": ["1", "30", "0", "x"], "dseed": ["0", "4294967295", "-2", "1e3"],
              "features": ["x1", "x1,x2,x1^2,x2^2,x1*x2,sin x1,sin x2", "", ",", "x2,x2"], "reg": ["l1", "l2", "none", "L2"],
              "rate": ["0", "10", "11", "-0"], "pick": ["0", "499", "500", "1.5"], "layers": ["2-3-1", "3-1", "1-1", "7-8-1"],
              "output": ["tanh", "sigmoid"], "loss": ["bce", "mse"], "x": ["1,2"], "y": ["0.5"], "step": ["0", "1", "3"]}
    for _ in range(150):
        keys = rng.sample(sorted(values), rng.randint(1, 8)) + (["data"] if rng.random() < 0.7 else [])
        fragment = "&".join(f"{k}={rng.choice(values[k])}" for k in keys)
        ctl = Controller()
        urlstate.apply(ctl, fragment)
        if ctl.dataset is not None:
            assert ctl.sim.net.layers[0] == len(ctl.features) and ctl.sim.net.layers[-1] == 1
        again = Controller()
        assert urlstate.apply(again, urlstate.encode(ctl)) == [], fragment
        assert urlstate.encode(again) == urlstate.encode(ctl)


def test_many_steps_on_the_one_example_equal_as_many_single_steps():
    """train_steps(n) without a data set takes a fast path for all but its last iteration: the
    weights and the loss curve come out exactly as n calls of one step."""
    many, one = Controller(), Controller()
    for ctl in (many, one):
        ctl.act("lr", 2.0)
    many.act("train_steps", 300)
    for _ in range(300):
        one.act("train_steps", 1)
    for l in (1, 2):
        assert np.array_equal(many.sim.net.W[l], one.sim.net.W[l]) and np.array_equal(many.sim.net.b[l], one.sim.net.b[l])
    assert many.sim.now.losses == one.sim.now.losses and many.state()["phase"] == one.state()["phase"]


def y_hat_by_hand(net, point, names) -> float:
    """The network's output for one point, each layer by hand (z = W a + b, then its activation)."""
    a = datasets.features(point, names).T
    for l in range(1, net.L + 1):
        z = net.W[l] @ a + net.b[l]
        kind = net.output_activation if l == net.L else net.hidden_activation
        a = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh}[kind](z)
    return float(a[0, 0])
