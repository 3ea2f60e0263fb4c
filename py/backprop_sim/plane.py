"""What the network computes over the input plane, and how well it does on a data set's points:
the pictures the data view draws and the loss and accuracy beside them.

Pure numpy. Every pass is the network's own forward pass (network.forward_columns) on many
points as columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import reading
from .datasets import EXTENT, DataSet, features
from .network import Network, forward_columns
from .rulebook import SHIPPED, Rules


def activations(net: Network, x, names, rules: Rules = SHIPPED) -> tuple[np.ndarray, ...]:
    """a[l] for every layer, for the points x (n, 2) as columns: a[0] the features (n₀, n) ...
    a[L] = ŷ (n_L, n). One forward pass, the network's own (network.forward_columns)."""
    return tuple(passes(net, columns(x, names), rules)[1])


def columns(x, names) -> np.ndarray:
    """The network's inputs for points x (n, 2) as columns (n₀, n): one example a column."""
    return features(x, names).T


def passes(net: Network, A0: np.ndarray, rules: Rules = SHIPPED) -> tuple[list, list]:
    """(Z, A) of the network's forward pass on the columns A0, which hold one row per input neuron."""
    return forward_columns(net.W, net.b, net.activations(rules), _inputs_for(net, A0))


def _inputs_for(net: Network, A0: np.ndarray) -> np.ndarray:
    """A0, once it is known to hold one row per input neuron of net."""
    if A0.shape[0] != net.layers[0]:
        raise ValueError(f"The network has {net.layers[0]} input(s) but {A0.shape[0]} feature(s) are chosen.")
    return A0


@dataclass(frozen=True)
class Evaluation:
    train_loss: float | None  # mean loss per example; None where a drawn plane has no such points
    test_loss: float | None
    train_accuracy: float | None  # share of points on the right side of ŷ = 0.5; None for regression
    test_accuracy: float | None


def evaluate(net: Network, data: DataSet, names, rules: Rules = SHIPPED) -> Evaluation:
    """Mean loss on the training and the test points, and for classification the accuracy
    (class 1 where ŷ ≥ 0.5, the middle of the sigmoid's range)."""
    return evaluate_columns(net, data, columns(data.x, names), rules)


def evaluate_columns(net: Network, data: DataSet, A0: np.ndarray, rules: Rules = SHIPPED) -> Evaluation:
    """evaluate() on the inputs of every point of data.x as columns (the training points, then the
    test points): one forward pass, its columns then split in two."""
    Z, A = passes(net, A0, rules)
    return _measured(net, data, A[net.L], Z[net.L], rules)


def _measured(net: Network, data: DataSet, y_hat: np.ndarray, z: np.ndarray, rules: Rules) -> Evaluation:
    """evaluate's numbers from ŷ and z[L] of every point of data.x (columns, in its order)."""
    y, n = data.y.T, data.n_train
    right = (predicted(y_hat) == predicted(y)) if data.kind == "classification" else None

    def measure(part: slice, count: int):
        if count == 0:  # a drawn plane with no points here (yet): nothing to measure
            return None, None
        loss = net.loss.value(rules, y_hat[:, part], y[:, part], z[:, part])  # the loss sums over the columns
        return loss / count, None if right is None else float(np.mean(right[part]))

    (train_loss, train_accuracy), (test_loss, test_accuracy) = measure(slice(None, n), n), measure(slice(n, None), data.n_test)
    return Evaluation(train_loss, test_loss, train_accuracy, test_accuracy)


def predicted(y_hat: np.ndarray) -> np.ndarray:
    """The class of each column: ŷ ≥ 0.5 for one sigmoid output (the middle of its range), else the
    output with the largest ŷ (softmax: the most probable class); one-hot targets give their class."""
    return (y_hat[0] >= 0.5).astype(int) if len(y_hat) == 1 else np.argmax(y_hat, axis=0)


def confusion(y_hat: np.ndarray, labels: np.ndarray, k: int) -> list[list[int]]:
    """counts[true][predicted] over the columns of ŷ and their true classes."""
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (labels.astype(int), predicted(y_hat)), 1)
    return counts.tolist()


def grid_points(size: int = 50, extent: float = EXTENT) -> np.ndarray:
    """The centres of a size × size grid of cells over the plane, one row per point, row by row
    from the top: cell (i, j) is at x₁ = −extent + (j + ½) h, x₂ = extent − (i + ½) h, h = 2 extent / size,
    so row i of a picture is drawn at height i, x₂ growing upwards as on the plot."""
    size = reading.whole_between(size, "The grid size", 2, 400)
    extent = reading.number(extent, "The extent")
    if extent <= 0:
        raise ValueError(f"The extent must be above 0, got {extent:g}.")
    h = 2 * extent / size
    centres = -extent + (np.arange(size) + 0.5) * h
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


def picture_pass(net: Network, data: DataSet, grid_A0: np.ndarray, data_A0: np.ndarray, size: int,
                 rules: Rules = SHIPPED) -> tuple[tuple[np.ndarray, ...], Evaluation]:
    """Every neuron's picture over a size × size grid (entry l: (n_l, size, size), 0 the inputs, L the
    output) and evaluate()'s numbers, from ONE forward pass: the grid's cells (grid_A0, the inputs
    of grid_points as columns) and the data set's points (data_A0, of data.x) side by side. Each
    column goes through the layers on its own, so these are the numbers of two passes apart, for one
    pass's fixed cost: training draws a picture and measures every frame."""
    Z, A = passes(net, np.concatenate([grid_A0, data_A0], axis=1), rules)
    cells = grid_A0.shape[1]
    return _as_grids([a[:, :cells] for a in A], size), _measured(net, data, A[net.L][:, cells:], Z[net.L][:, cells:], rules)


def _as_grids(layers, size) -> tuple[np.ndarray, ...]:
    """Each layer's values over the grid's cells (n_l, size²) as pictures (n_l, size, size)."""
    return tuple(layer.reshape(layer.shape[0], int(size), int(size)) for layer in layers)


class Picture(NamedTuple):
    """What the data view draws for the current network: plain arrays, computed by the
    controller (Controller.data_picture), drawn by the scene (scene.plane_scene and the
    neurons' small maps), so the scene needs no engine and the controller no drawing.

    Grids follow grid_points: size × size cells, row 0 at the top (x₂ = +extent)."""

    kind: str  # "classification" (targets 0/1, ŷ in (0, 1)) or "regression" (targets and ŷ in [−1, 1])
    x: np.ndarray  # (n, 2) every point of the data set: the training points, then the test points
    y: np.ndarray  # (n,) their targets
    test: np.ndarray  # (n,) bool: True for a test point (drawn outlined)
    picked: int | None  # index into x of the point the step-by-step lesson walks, None if none
    layers: tuple  # layer_grids: entry l has shape (n_l, size, size); 0 the features, L the output
    features: tuple  # the chosen features' names (FEATURES order), one per input neuron
    hidden_activation: str  # what the hidden maps' values range over (sigmoid (0, 1), tanh (−1, 1), relu [0, ∞) ...)
    extent: float  # the plane shown: −extent ≤ x₁, x₂ ≤ extent
    classes: int = 0  # three to six: y holds each point's class, the output layer one ŷ per class (softmax)

    @property
    def output(self) -> np.ndarray:
        """ŷ over the plane (size, size): the output layer's first neuron."""
        return self.layers[-1][0]
