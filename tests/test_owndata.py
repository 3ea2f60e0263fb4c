"""Issue 30 on CPython: your own data through act (the one way in): drawing, moving, erasing and
clearing points, each one moment of the one timeline; CSV pasted, refused row by row, and the
export opened again."""

import json

import numpy as np
import pytest

from backprop_sim import datasets, pageview
from backprop_sim.controller import Controller
from backprop_sim.drawing import Canvases
from backprop_sim.scene import View


def custom(kind="classification") -> Controller:
    ctl = Controller()
    assert ctl.act("dataset", {"name": "custom", "kind": kind}) == "", ctl.message
    return ctl


def points(ctl):
    return ctl.dataset.points.tolist(), ctl.dataset.labels.tolist()


def snapshot(ctl):
    return (json.dumps(ctl.state(), sort_keys=True, default=str), ctl.sim.now, len(ctl.sim.history), ctl.dataset, ctl.picked)


def test_an_empty_plane_draws_and_refuses_training():
    ctl = custom()
    state = ctl.state()["dataset"]
    assert state["name"] == "custom" and state["kind"] == "classification"
    assert state["n_train"] == state["n_test"] == 0 and state["train_loss"] is None and ctl.picked is None
    assert ctl.sim.net.loss_fn == "bce" and ctl.sim.net.output_activation == "sigmoid"
    before = snapshot(ctl)
    assert "at least two points" in ctl.act("train_steps", 3)
    assert "no points yet" in ctl.act("pick_point", 0)
    assert snapshot(ctl) == before
    # the page's views of an empty plane: drawn, not a crash
    pageview.page(ctl, lambda t: t)
    Canvases().plane(ctl, 400, "light")
    Canvases().network(ctl, View(800))


def test_regression_plane_starts_with_tanh_and_squared_error():
    ctl = custom("regression")
    assert (ctl.sim.net.output_activation, ctl.sim.net.loss_fn) == ("tanh", "mse")
    assert ctl.act("add_point", {"x1": 1, "x2": 1, "label": 0.25}) == ""
    assert "target must be from -1 to 1" in ctl.act("add_point", {"x1": 1, "x2": 1, "label": 1.5})


def test_each_edit_is_one_moment_and_step_back_undoes_it():
    ctl = custom()
    W = ctl.sim.net.W
    assert ctl.act("add_point", {"x1": 1, "x2": 2, "label": 1}) == ""
    assert ctl.act("add_point", [-3, -4, 0]) == ""
    assert ctl.act("add_point", {"x1": 5, "x2": -5.5, "label": 1}) == ""
    assert points(ctl) == ([[1, 2], [-3, -4], [5, -5.5]], [1, 0, 1])
    # the picked point is the one just drawn: its features are x, its class y
    assert ctl.sim.now.x.ravel().tolist() == [5, -5.5] and ctl.sim.now.y.ravel().tolist() == [1]
    assert ctl.act("move_point", [1, 2.5, 3.5]) == ""
    assert points(ctl) == ([[1, 2], [2.5, 3.5], [5, -5.5]], [1, 0, 1])
    assert ctl.sim.now.x.ravel().tolist() == [2.5, 3.5] and ctl.sim.now.y.ravel().tolist() == [0]
    assert ctl.act("remove_point", 0) == ""
    assert points(ctl) == ([[2.5, 3.5], [5, -5.5]], [0, 1])
    assert ctl.act("clear_points") == ""
    assert points(ctl) == ([], [])
    for expected in ([[2.5, 3.5], [5, -5.5]], [[1, 2], [2.5, 3.5], [5, -5.5]], [[1, 2], [-3, -4], [5, -5.5]],
                     [[1, 2], [-3, -4]], [[1, 2]], []):
        assert ctl.act("back") == ""
        assert points(ctl)[0] == expected
    assert "Nothing to undo" in ctl.act("back")
    assert all(np.array_equal(a, b) for a, b in zip(ctl.sim.net.W[1:], W[1:]))  # edits keep the weights


def test_training_after_drawing_and_step_back_over_it():
    ctl = custom()
    for x1, x2, label in [(1, 1, 1), (2, 2, 1), (-1, -1, 0), (-2, -2, 0), (1.5, 2, 1), (-2, -1.5, 0)]:
        assert ctl.act("add_point", [x1, x2, label]) == ""
    state = ctl.state()["dataset"]
    assert state["n_train"] == 3 and state["n_test"] == 3
    assert ctl.act("train_steps", 50) == ""
    assert ctl.state()["dataset"]["update"] == 50
    ctl.act("back")
    assert ctl.state()["dataset"]["update"] == 0 and len(ctl.dataset.points) == 6
    ctl.act("back")
    assert len(ctl.dataset.points) == 5


def test_a_problems_points_become_editable():
    ctl = Controller()
    ctl.act("dataset", {"name": "circle", "seed": 3})
    generated = ctl.dataset
    assert len(generated.points) == datasets.N_POINTS
    # the drawn order numbers the points; the rows of x are the split's
    assert np.array_equal(generated.x, generated.points[generated.drawn])
    assert ctl.act("move_point", [7, 0.5, -0.5]) == ""
    assert ctl.dataset.name == "custom" and ctl.dataset.kind == "classification"
    assert ctl.dataset.points[7].tolist() == [0.5, -0.5] and ctl.dataset.labels[7] == generated.labels[7]
    assert np.array_equal(np.delete(ctl.dataset.points, 7, 0), np.delete(generated.points, 7, 0))
    ctl.act("back")
    assert ctl.dataset is generated


@pytest.mark.parametrize("action, value, message", [
    ("add_point", {"x1": 6.5, "x2": 0, "label": 1}, "x₁ must be from -6 to 6"),
    ("add_point", {"x1": 0, "x2": -7, "label": 1}, "x₂ must be from -6 to 6"),
    ("add_point", {"x1": float("nan"), "x2": 0, "label": 1}, "finite"),
    ("add_point", {"x1": 0, "x2": float("inf"), "label": 1}, "finite"),
    ("add_point", {"x1": "a", "x2": 0, "label": 1}, "must be a number"),
    ("add_point", {"x1": 0, "x2": 0, "label": 0.5}, "The class must be a whole number"),
    ("add_point", {"x1": 0, "x2": 0, "label": 9}, "The class must be a whole number"),
    ("add_point", {"x1": 0, "x2": 0}, "Add a point with"),
    ("move_point", [5, 0, 0], "numbered 0 to 1"),
    ("move_point", [0, 0, 8], "x₂ must be from -6 to 6"),
    ("move_point", [0, 0], "Move a point with"),
    ("remove_point", -1, "numbered 0 to 1"),
    ("remove_point", "x", "must be a number"),
    ("dataset", {"name": "custom", "kind": "images"}, "kind of data"),
    ("dataset", {"noise": 10}, "The noise is for the six problems"),
])
def test_bad_values_are_refused_and_change_nothing(action, value, message):
    ctl = custom()
    ctl.act("add_point", [1, 1, 1]), ctl.act("add_point", [-1, -1, 0])
    before = snapshot(ctl)
    assert message in ctl.act(action, value)
    assert snapshot(ctl) == before


def test_points_need_a_data_set():
    ctl = Controller()
    assert "Points belong to a data set" in ctl.act("add_point", [1, 1, 1])
    assert "Points belong to a data set" in ctl.act("csv", "1,1,1")


def test_the_drawn_set_keeps_its_points_through_a_new_split():
    ctl = custom()
    for i in range(10):
        ctl.act("add_point", [i / 2, -i / 2, i % 2])
    assert ctl.act("dataset", {"train_share": 80, "seed": 4}) == ""
    assert ctl.state()["dataset"]["n_train"] == 8 and ctl.dataset.train_share == 80
    assert points(ctl) == ([[i / 2, -i / 2] for i in range(10)], [i % 2 for i in range(10)])


# ---------------------------------------------------------------- CSV


def test_csv_with_and_without_a_header():
    ctl = custom()
    assert ctl.act("csv", "1,2,1\n-3,4.5,0\n") == "Loaded 2 point(s)."
    assert points(ctl) == ([[1, 2], [-3, 4.5]], [1, 0])
    assert ctl.act("csv", "label,x2,x1\n0,1,2\n1,-1,−2\n\n") == "Loaded 2 point(s)."
    assert points(ctl) == ([[2, 1], [-2, -1]], [0, 1])
    ctl.act("back")
    assert points(ctl) == ([[1, 2], [-3, 4.5]], [1, 0])


def test_the_export_opens_again_as_the_same_data():
    ctl = Controller()
    ctl.act("dataset", {"name": "spiral", "noise": 20})
    ctl.act("train_steps", 5)
    exported, original = ctl.data_csv(), ctl.dataset
    ctl.act("dataset", {"name": "custom", "kind": "classification"})
    assert ctl.act("csv", exported) == f"Loaded {datasets.N_POINTS} point(s)."
    assert np.array_equal(ctl.dataset.points, original.x) and np.array_equal(ctl.dataset.labels, original.y[:, 0])
    # and the custom set's own export opens again the same
    again = ctl.data_csv()
    before = sorted(zip(map(tuple, ctl.dataset.points.tolist()), ctl.dataset.labels.tolist()))
    ctl.act("clear_points")
    assert ctl.act("csv", again) == f"Loaded {datasets.N_POINTS} point(s)."
    assert sorted(zip(map(tuple, ctl.dataset.points.tolist()), ctl.dataset.labels.tolist())) == before


def test_regression_export_round_trip():
    ctl = Controller()
    ctl.act("dataset", {"name": "multi_gauss"})
    exported, original = ctl.data_csv(), ctl.dataset
    ctl.act("dataset", {"name": "custom", "kind": "regression"})
    assert ctl.act("csv", exported) == f"Loaded {datasets.N_POINTS} point(s)."
    assert np.array_equal(ctl.dataset.points, original.x) and np.array_equal(ctl.dataset.labels, original.y[:, 0])


@pytest.mark.parametrize("text, message", [
    ("1,2,1\n3,abc,0\n", "Row 2: x₂ is not a number ('abc')"),
    ("1,2,1\nnan,2,0\n", "Row 2: x₁ is NaN"),
    ("1,2,1\n1,inf,0\n", "Row 2: x₂ is ∞"),
    ("1,2,1\n-inf,1,0\n", "Row 2: x₁ is −∞"),
    ("1,2,1\n0,0,1\n6.01,0,1\n", "Row 3: x₁ = 6.01 is outside the plane's range, -6 to 6"),
    ("x1,x2,label\n1,2,1\n3,4\n", "Row 3: a missing column"),
    ("x1,x2,label\n1,2,cat\n", "Row 2: unknown class label 'cat'"),
    ("1,2,7\n", "Row 1: unknown class label '7'"),
    ("1,2,0.5\n", "Row 1: unknown class label '0.5'"),
    ("a,b,c\n1,2,1\n", "Row 1: the header names"),
    ("x1,x2,colour\n1,2,1\n", "Row 1: the header has no label column"),
    ("", "The CSV has no rows"),
    ("x1,x2,label\n", "a header but no points"),
    ("\n".join(["1,1,1"] * (datasets.MAX_POINTS + 1)), "Too many rows: 2,001 points, at most 2,000 (row 2001"),
])
def test_every_kind_of_bad_row_is_named_and_the_plane_stays(text, message):
    ctl = custom()
    ctl.act("add_point", [1, 1, 1]), ctl.act("add_point", [-1, -1, 0])
    before = snapshot(ctl)
    assert message in ctl.act("csv", text)
    assert snapshot(ctl) == before


def test_regression_csv_refuses_targets_outside_minus_one_to_one():
    ctl = custom("regression")
    assert "Row 2: the target 2 is outside −1 to 1" in ctl.act("csv", "1,1,0.5\n1,1,2\n")
    assert "Row 1: the target 'x' is not a finite number" in ctl.act("csv", "1,1,x\n")
    assert ctl.act("csv", "1,1,0.5\n1,1,-1\n") == "Loaded 2 point(s)."


def test_the_most_points_load_and_one_more_is_refused():
    ctl = custom()
    rng = np.random.default_rng(0)
    rows = "\n".join(f"{a:.3f},{b:.3f},{int(a > b)}" for a, b in rng.uniform(-6, 6, (datasets.MAX_POINTS, 2)))
    assert ctl.act("csv", rows) == "Loaded 2,000 point(s)."
    assert "at most 2,000 points" in ctl.act("add_point", [0, 0, 1])


# ---------------------------------------------------------------- neurons on the diagram


def test_a_neuron_added_keeps_every_weight_and_the_output():
    ctl = Controller()
    ctl.act("dataset", {"name": "xor"})
    ctl.act("layers", [2, 3, 2, 1])
    net = ctl.sim.net
    before = ctl.data.outputs(net, ctl.sim.rules)
    assert ctl.act("neurons", [1, 1]) == ""
    new = ctl.sim.net
    assert new.layers == (2, 4, 2, 1)
    assert np.array_equal(new.W[1][:3], net.W[1]) and np.array_equal(new.W[2][:, :3], net.W[2])
    assert np.all(new.W[2][:, 3] == 0) and new.b[1][3, 0] == 0 and np.any(new.W[1][3] != 0)
    assert np.array_equal(new.W[3], net.W[3])
    # the new neuron's outgoing weights are 0: ŷ is the same at every point
    assert np.allclose(ctl.data.outputs(new, ctl.sim.rules), before)
    assert ctl.act("neurons", [1, -1]) == ""
    assert all(np.array_equal(a, b) for a, b in zip(ctl.sim.net.W[1:], net.W[1:]))
    assert ctl.act("neurons", [2, -1]) == "" and ctl.sim.net.layers == (2, 3, 1, 1)
    assert np.array_equal(ctl.sim.net.W[2], net.W[2][:1]) and np.array_equal(ctl.sim.net.W[3], net.W[3][:, :1])
    ctl.act("back")
    assert ctl.sim.net.layers == (2, 3, 2, 1)


@pytest.mark.parametrize("layers, value, message", [
    ([2, 8, 1], [1, 1], "Hidden layers: 1 to 8 neurons each"),
    ([2, 1, 1], [1, -1], "one neuron left"),
    ([2, 3, 1], [2, 1], "numbered 1 to 1"),
    ([2, 3, 1], [0, 1], "numbered 1 to 1"),
    ([2, 1], [1, 1], "no hidden layer"),
    ([2, 3, 1], [1, 2], "one neuron at a time"),
    ([2, 3, 1], [1], "Set a layer change with [l, +1 or −1]"),
])
def test_neurons_within_the_limits(layers, value, message):
    ctl = Controller()
    ctl.act("layers", layers)
    before = (ctl.sim.now, len(ctl.sim.history))
    assert message in ctl.act("neurons", value)
    assert (ctl.sim.now, len(ctl.sim.history)) == before


# ---------------------------------------------------------------- the link


def drawn(n: int, kind="classification", seed=0) -> Controller:
    ctl = custom(kind)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, n) if kind == "classification" else np.round(rng.uniform(-1, 1, n), 2)
    rows = "\n".join(f"{a:.2f},{b:.2f},{t}" for (a, b), t in zip(rng.uniform(-6, 6, (n, 2)), labels))
    assert ctl.act("csv", rows) == f"Loaded {n:,} point(s)."
    return ctl


@pytest.mark.parametrize("kind", ["classification", "regression"])
def test_a_drawn_set_opens_again_from_its_link(kind):
    ctl = drawn(40, kind)
    ctl.act("dataset", {"train_share": 70, "seed": 3})
    ctl.act("train_steps", 10)
    ctl.act("pick_point", 5)
    link = ctl.link()
    assert "pts=" in link and "noise=" not in link
    again = Controller()
    assert again.act("link", link) == "" and again.notices == []
    assert np.array_equal(again.dataset.points, ctl.dataset.points) and np.array_equal(again.dataset.labels, ctl.dataset.labels)
    assert again.dataset.kind == kind and again.dataset.train_share == 70 and again.picked == 5
    assert all(np.array_equal(a, b) for a, b in zip(again.sim.net.W[1:], ctl.sim.net.W[1:]))
    assert again.sim.net.layers == ctl.sim.net.layers and again.link() == link


def test_a_link_too_long_for_its_points_says_so_and_points_to_the_csv():
    from backprop_sim import urlstate
    small, big = drawn(200), drawn(2000)
    assert urlstate.points_note(small) == "" and "pts=" in small.link()
    assert "pts=" not in big.link() and "Export CSV" in urlstate.points_note(big)
    again = Controller()
    again.act("link", big.link())
    assert again.dataset.name == "custom" and len(again.dataset.points) == 0


@pytest.mark.parametrize("text", ["x123", "c!!!", "cAAAA", "c" + "A" * 7000])
def test_a_broken_points_text_is_a_notice(text):
    again = Controller()
    again.act("link", f"data=custom&pts={text}")
    assert again.dataset.name == "custom" and len(again.dataset.points) == 0
    assert len(again.notices) == 1 and again.notices[0].startswith("Ignored pts=")
