"""Training on a data set, as a pure part: the mini-batch updates in their epochs' order, the
loss curve, and what the network computes over the plane. No browser, no clock.

A `DataTraining` is one data set with the network's input features and a regularisation: it
trains a Network from a `Progress` (where training is) and answers with the new network and
the new progress. The controller keeps the progress in each moment of its timeline
(Moment.place), so Step Back takes it back with the weights.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import datasets, plane
from .descent import Descent, batch_gradients
from .engine import out_of_range
from .network import VALUE_LIMIT, Network
from .rulebook import Rules
from .formatting import number, symbol

HISTORY_POINTS = 500  # the loss curve keeps at most this many points (thinned evenly, the oldest first)
CURVE_POINTS = 50  # points one train call adds to the loss curve at most (each an evaluation of every point)
CURVE_GAP = 16  # updates between two of a call's points at least (or its n): Train's frames of ~40 updates evaluate 2-3 networks, not 40


class Progress(NamedTuple):
    """Where training on the data set is: immutable, so the loss curve's tuple is the same object
    until it changes (the page compares pictures' keys with `is`)."""

    updates: int = 0  # mini-batch updates since the data set or the network last changed
    epoch: int = 0  # passes over the training points so far
    position: int = 0  # the next batch's index within the epoch's batches
    stride: int = 1  # the curve keeps the updates that are multiples of this (doubled when it is full)
    history: tuple = ()  # ((update, train_loss, test_loss), ...): the loss curve, losses without the penalty
    flow: tuple = ()  # ((update, (‖∂J/∂W[1]‖, …, ‖∂J/∂W[L]‖)), ...): each layer's gradient, on the curve's stride
    last_batch: tuple = ()  # the training points (indices) the last update used


class Place(NamedTuple):
    """What a moment of the timeline holds of a data set: the training's progress and the point
    the step-by-step lesson walks (an index into the training points, then the test points)."""

    progress: Progress = Progress()
    picked: int | None = None
    dataset: object = None  # the data set's points at this moment (datasets.DataSet): Step Back takes a point edit back too


class Trained(NamedTuple):
    """What a run of updates gave: the network at its end, where its last update started (W, b,
    index 0 None, for the moment's ΔW), its batches' losses and the progress after it; `grew`
    says what left the range when an update was refused (the run stops at the last finite network)."""

    net: Network | None
    before: tuple | None
    losses: tuple
    progress: Progress
    grew: str | None


def _same(a, b) -> bool:
    return a is b or (isinstance(a, (int, float, str)) and type(a) is type(b) and a == b)


class Memo:
    """One remembered result per kind, computed again when an object of its key is not the same one."""

    def __init__(self):
        self._found: dict = {}

    def get(self, kind: str, key: tuple, compute):
        found = self._found.get(kind)
        if found is None or len(found[0]) != len(key) or not all(_same(a, b) for a, b in zip(found[0], key)):
            found = self._found[kind] = (key, compute())
        return found[1]

    def put(self, kind: str, key: tuple, value) -> None:
        self._found[kind] = (key, value)


class DataTraining:
    """A data set, the network's input features and the regularisation: how a network trains on it."""

    def __init__(self, dataset: datasets.DataSet, features: tuple[str, ...], regularization: tuple[str, float]):
        self.dataset, self.features, self.regularization = dataset, features, regularization
        self.memo = Memo()

    def replaced(self, **change) -> DataTraining:
        """The same training with another data set, features or regularisation (nothing remembered carries over)."""
        fields = {"dataset": self.dataset, "features": self.features, "regularization": self.regularization, **change}
        return DataTraining(**fields)

    # ---- the points

    def point(self, i: int | None) -> tuple[np.ndarray, np.ndarray]:
        """Point i's inputs a[0] (its features, a column) and target y (i: training points first);
        None, on an empty plane: zeros, until a point is drawn."""
        d = self.dataset
        if i is None:
            return np.zeros((len(self.features), 1)), np.zeros((1, 1))
        point, target = (d.x_train[i], d.y_train[i]) if i < d.n_train else (d.x_test[i - d.n_train], d.y_test[i - d.n_train])
        return datasets.features(point, self.features)[0].reshape(-1, 1), np.reshape(target, (-1, 1))

    @property
    def n_points(self) -> int:
        return self.dataset.n_train + self.dataset.n_test

    def columns(self, size: int | None = None) -> np.ndarray:
        """The network's inputs as columns: of every point (size None), or of a size × size grid over the plane."""
        points = lambda: self.dataset.x if size is None else plane.grid_points(size, datasets.EXTENT)  # noqa: E731
        return self.memo.get(f"columns {size}", (), lambda: plane.columns(points(), self.features))

    def inputs(self) -> np.ndarray:
        """The features of every training point (n_train, n₀), one row each."""
        return self.memo.get("inputs", (), lambda: datasets.features(self.dataset.x_train, self.features))

    def batches(self, epoch: int) -> tuple:
        """datasets.batches of this epoch, once (Train asks for them every frame)."""
        return self.memo.get("batches", (epoch,), lambda: datasets.batches(self.dataset, epoch))

    # ---- training

    def train(self, net: Network, progress: Progress, n: int, learning_rate: float, rules: Rules) -> Trained:
        """n mini-batch updates from `progress`: W[l] ← W[l] − η (∂J/∂W[l] + ∂R/∂W[l]), J the batch's
        mean loss, through the data set's batches in their epochs' order. The loss curve keeps at
        most CURVE_POINTS evaluations a call, at least CURVE_GAP updates apart (or n's), evenly
        spaced on its stride until it is full and thinned."""
        kind, rate = self.regularization
        inputs = self.inputs()
        updates, epoch, position, stride, history, flow, last_batch = progress
        batches = self.batches(epoch)
        if updates and updates % stride == 0 and (not history or history[-1][0] != updates):
            history, stride = self._on_curve(history, stride, net, updates, rules)  # the last call's end, on the stride
        while n > CURVE_POINTS * stride or stride < min(n, CURVE_GAP):
            stride *= 2
        descent = self._descent(net, rules)
        built = None  # (update, its Network): the last one the curve evaluated
        losses, grew = [], None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for i in range(n):
                batch = batches[position]
                try:
                    losses.append(descent.step(inputs[batch.index], batch.y, learning_rate, kind, rate))
                except ValueError:  # a weight past the engine's range, or not a number
                    grew = self._what_grew(descent.dW)
                    break
                updates, position, last_batch = updates + 1, position + 1, batch.index
                if updates % stride == 0:  # each layer's gradient, cheap to keep where the curve has a point
                    flow += ((updates, tuple(float(np.linalg.norm(descent.dW[l])) for l in range(1, len(descent.dW)))),)
                if position == len(batches):  # every training point used: the next epoch, in a new order
                    epoch, position = epoch + 1, 0
                    batches = self.batches(epoch)
                if updates % stride == 0 and i < n - 1:  # the call's last network is measured when it is shown (curve)
                    built = (updates, descent.network())
                    history, stride = self._on_curve(history, stride, built[1], updates, rules)
        if not losses:
            return Trained(None, None, (), progress, grew)
        flow = tuple(p for p in flow if p[0] % stride == 0)[-HISTORY_POINTS:]  # thinned as the curve is
        end = built[1] if built and built[0] == updates else descent.network()  # one Network per state: evaluate remembers it
        self.memo.put("descent", (end, rules), descent)
        progress = Progress(updates, epoch, position, stride, history, flow, tuple(int(i) for i in last_batch))
        return Trained(end, descent.before, tuple(losses), progress, grew)

    def _descent(self, net: Network, rules: Rules) -> Descent:
        """A Descent starting at net: the last run's, when it ended on this very network (Train runs
        every frame, and building one costs more than an update), else a new one."""
        return self.memo.get("descent", (net, rules), lambda: Descent(net, rules))

    @staticmethod
    def _what_grew(dW) -> str:
        """What made an update fail, from its ∂J/∂W[l] (index 0 None)."""
        for l in range(1, len(dW)):
            found = out_of_range(symbol("∂L/∂W", l), dW[l], np.inf)
            if found:
                return found
        return f"the weights grew past {number(VALUE_LIMIT, 0)}"

    # ---- measuring

    def evaluate(self, net: Network, rules: Rules, found: plane.Evaluation | None = None) -> plane.Evaluation:
        """Loss and accuracy on the training and test points, once per network (or `found`, the same
        numbers from another pass: the picture's)."""
        if found is not None:
            self.memo.put("evaluation", (net, rules), found)
            return found

        def measure():
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                return plane.evaluate_columns(net, self.dataset, self.columns(), rules)

        return self.memo.get("evaluation", (net, rules), measure)

    def _on_curve(self, history: tuple, stride: int, net: Network, update: int, rules: Rules) -> tuple[tuple, int]:
        """The loss curve with the point (update, train loss, test loss): the updates that are multiples
        of the stride. Past HISTORY_POINTS every other point goes (the multiples of twice the stride stay)."""
        e = self.evaluate(net, rules)
        history += ((update, e.train_loss, e.test_loss),)
        while len(history) > HISTORY_POINTS:
            stride *= 2
            history = tuple(p for p in history if p[0] % stride == 0)
        return history, stride

    def curve(self, net: Network, progress: Progress, rules: Rules) -> tuple:
        """The loss curve as drawn: the points kept, and the network now's at its end, measured when
        the curve is shown (from the evaluation the plane's picture fills in the same pass)."""
        updates, history = progress.updates, progress.history
        if not updates or (history and history[-1][0] == updates):
            return history
        e = self.evaluate(net, rules)
        return history + ((updates, e.train_loss, e.test_loss),)

    def picture(self, net: Network, picked: int | None, rules: Rules, size: int = 50) -> plane.Picture:
        """What the data view draws (plane.Picture), computed again only when the network, the
        rules or the picked point changed; its pass also measures the points (evaluate)."""

        def draw():
            d = self.dataset
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                layers, evaluation = plane.picture_pass(net, d, self.columns(size), self.columns(), size, rules)
            self.evaluate(net, rules, evaluation)  # the curve's end and the status line use it
            k = datasets.classes(d)
            y = np.argmax(d.y, axis=1).astype(float) if k >= 3 else d.y[:, 0]  # one-hot targets: each point's class
            return plane.Picture(d.kind, d.x, y, np.arange(self.n_points) >= d.n_train, picked, layers,
                                 self.features, net.hidden_activation, datasets.EXTENT, k if k >= 3 else 0)

        return self.memo.get("picture", (net, rules, picked, size), draw)

    def outputs(self, net: Network, rules: Rules) -> np.ndarray:
        """ŷ of every point, training points first (n_L, n)."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return plane.passes(net, self.columns(), rules)[1][-1]

    def batch(self, net: Network, progress: Progress, rules: Rules) -> dict:
        """The next update's batch, example by example (each example's own backward pass), the mean
        ∂J/∂W[l] = (1/B) Σ_i ∂L_i/∂W[l], and the penalty's term ∂R/∂W[l]."""
        kind, rate = self.regularization
        batches = self.batches(progress.epoch)
        batch = batches[progress.position]
        inputs = self.inputs()[batch.index]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            g = batch_gradients(net, inputs, batch.y, rules)
        layers = range(1, net.L + 1)
        return {
            "epoch": progress.epoch,
            "batch": progress.position + 1,  # counted from 1, of "batches"
            "batches": len(batches),
            "size": g.size,
            "indices": batch.index.tolist(),  # into the training points (Picture.x's first n_train rows)
            "x": batch.x.tolist(),
            "inputs": inputs.tolist(),
            "y": batch.y[:, 0].tolist(),
            "examples": [{"dW": [dW[l].tolist() for l in layers], "db": [_plain(db[l]) for l in layers], "loss": loss}
                         for dW, db, loss in g.per_example],
            "mean": {"dW": [g.dW[l].tolist() for l in layers], "db": [_plain(g.db[l]) for l in layers], "loss": g.loss},
            "regularization": {"kind": kind, "rate": rate, "penalty": datasets.penalty(net.W, kind, rate),
                               "dW": [datasets.penalty_grad(net.W[l], kind, rate).tolist() for l in layers]},
        }

    def state(self, net: Network, progress: Progress, rules: Rules) -> dict:
        """The data set's part of Controller.state(): its settings, where training is, how well it does."""
        d, e = self.dataset, self.evaluate(net, rules)
        return {
            "name": d.name, "kind": d.kind, "noise": d.noise, "train_share": d.train_share, "batch": d.batch, "seed": d.seed,
            "n_train": d.n_train, "n_test": d.n_test,
            "epoch": progress.epoch, "update": progress.updates, "position": progress.position,
            "batches": -(-d.n_train // d.batch),
            "train_loss": e.train_loss, "test_loss": e.test_loss,  # the data's mean loss, without the penalty
            "train_accuracy": e.train_accuracy, "test_accuracy": e.test_accuracy,  # None for regression
            "penalty": datasets.penalty(net.W, *self.regularization),
            "classes": datasets.classes(d),  # 0 for regression
            "confusion": self.confusion(net, rules),  # rows: true class, columns: predicted, of the test points
        }

    def confusion(self, net: Network, rules: Rules) -> list | None:
        """The test points counted by true class (rows) and predicted class (columns); None for regression."""
        d = self.dataset
        if d.kind != "classification":
            return None
        y_hat = self.outputs(net, rules)[:, d.n_train:]
        return plane.confusion(y_hat, d.labels[d.drawn[d.n_train:]], datasets.classes(d))


def _plain(v):
    v = np.asarray(v)
    return v.ravel().tolist() if v.ndim == 2 and v.shape[1] == 1 else v.tolist()
