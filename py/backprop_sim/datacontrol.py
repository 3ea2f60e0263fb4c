"""The controller's data set part: choosing a data set, its features and its regularisation,
picking the point the lesson walks, and running training's updates as moments of the timeline.

The training itself is training.DataTraining's (pure, tested on CPython); this part turns its
answers into moments: each holds the training's progress and the picked point (training.Place),
so Step Back takes them back with the weights.
"""

from __future__ import annotations


from . import datasets, reading, settings, toolwords
from .engine import divergence_message
from .network import Diverged, Network
from .rulebook import TASKS
from .descent import Descent
from .plane import Evaluation, Picture
from .pointcontrol import PointControl
from .training import DataTraining, Place, Progress


class DataControl(PointControl):
    """A part of Controller (its data set actions); reads the controller's sim, seed and options."""

    def __init__(self):
        self.data: DataTraining | None = None  # None: the original lesson, one example x with its target y
        self.features: tuple[str, ...] = tuple(settings.default("features"))  # the network's inputs, FEATURES order
        self.regularization: tuple[str, float] = tuple(settings.part_defaults("regularization").values())  # (kind, rate λ)
        self._before_data: tuple | None = None  # (moment, preset, seed, start) before the data set was chosen
        self._example_descent = None  # (network, its Descent) for training on the one example

    @property
    def dataset(self) -> datasets.DataSet | None:
        return None if self.data is None else self.data.dataset

    @property
    def place(self) -> Place:
        return self.sim.now.place or Place()

    @property
    def progress(self) -> Progress:
        return self.place.progress

    @property
    def picked(self) -> int | None:
        return self.place.picked if self.data is not None else None

    def on_dataset(self, value):
        """Choose a data set, or change its settings: {"name", "noise", "train_share", "batch", "seed"},
        any of them, over the current ones. A new problem gets a new network: one input per feature,
        the hidden layers as they are, one output with the output and loss its targets need (rules.TASKS).
        Other settings keep the weights. None or "none": back to the one example, with the network,
        example and preset from before the data set."""
        if value is None or value == "none" or (isinstance(value, dict) and value.get("name") == "none"):
            if self.data is not None:
                self._leave_data(restore=True)
            return None
        if isinstance(value, str):
            value = {"name": value}
        parts = settings.data_defaults()
        if not isinstance(value, dict) or not value:
            raise ValueError('Choose a data set with {"name": "spiral"}, and any of "noise", "train_share", "batch", "seed"; '
                             f"got {value!r}.")
        unknown = sorted(set(value) - {"name", "kind", *parts}, key=str)
        if unknown:
            raise ValueError(f"Unknown data set setting {unknown[0]!r}; use name, {', '.join(parts)}.")
        if value.get("name") == datasets.CUSTOM or "kind" in value:
            return self._start_custom(value)
        now = self.dataset
        if now is not None and now.name == datasets.CUSTOM and value.get("name", datasets.CUSTOM) == datasets.CUSTOM:
            return self._resplit(value)
        if now is None and "name" not in value:
            raise ValueError(f"Choose a data set first ({', '.join(datasets.PROBLEMS)}); then its noise, share, batch or seed.")
        if now is not None:
            parts = {"name": now.name, "noise": now.noise, "train_share": now.train_share, "batch": now.batch, "seed": now.seed}
        data = datasets.make(**{**parts, **value})  # refuses a bad setting before anything changes
        new_problem = now is None or data.name != now.name
        net = self._data_network(data, self.features) if new_problem else self.sim.net
        self._use_data(data, net, new_problem)
        return None

    def _use_data(self, data: datasets.DataSet, net: Network, new_problem: bool) -> None:
        """The data set in use from now on, the network on it, a new timeline at its first point."""
        if self.data is None:
            self._before_data = (self.sim.now, self.preset, self.seed, self.start)
        self.data = DataTraining(data, self.features, self.regularization)
        picked = 0 if data.x.shape[0] else None
        x, y = self.data.point(picked)
        if new_problem:
            self._set_network(net, x, y, seed=self._weight_seed())
        else:  # the same weights on the new points: where training starts is unchanged
            self.auto = self.training = False
            self.sim.set_network(net, x, y)
        self.sim.start_timeline(Place(Progress(), picked, data))

    def _start_custom(self, value: dict):
        """{"name": "custom", "kind": "classification" | "regression"}: an empty plane to draw on, with
        the settings of the data set now (or the defaults) and a new network for its kind of target."""
        if set(value) - {"name", "kind"} or value.get("name", datasets.CUSTOM) != datasets.CUSTOM:
            raise ValueError('Start your own data with {"name": "custom", "kind": "classification" or "regression"}; '
                             f"its share, batch and seed then as for any data set. Got {value!r}.")
        now, parts = self.dataset, settings.data_defaults()
        if now is not None:
            parts = {"noise": now.noise, "train_share": now.train_share, "batch": now.batch, "seed": now.seed}
        data = datasets.custom(value.get("kind", "classification"), (), (), **parts)
        self._use_data(data, self._data_network(data, self.features), new_problem=True)
        return None

    def _resplit(self, value: dict):
        """Drawn points with another training share, batch size or seed: the same points, split again."""
        if "noise" in value:
            raise ValueError("The noise is for the six problems: your own points stay where you put them.")
        now = self.dataset
        parts = {"train_share": now.train_share, "batch": now.batch, "seed": now.seed}
        parts.update({k: v for k, v in value.items() if k != "name"})
        data = datasets.custom(now.kind, now.points, now.labels, noise=now.noise, **parts)
        self._use_data(data, self.sim.net, new_problem=False)
        return None

    def on_features(self, value):
        """The network's inputs, a list of datasets.FEATURES names: the input layer is rebuilt
        (new seeded weights), one input neuron per feature."""
        if self.data is None:
            raise ValueError("Input features are for a data set: choose a data set first.")
        names = datasets.check_features(value)
        if names == self.features:
            return None
        net, picked = self.sim.net, self.picked or 0
        new = Network.random((len(names), *net.layers[1:]), self._weight_seed(), net.hidden_activation,
                             net.output_activation, net.loss_fn)
        self.features, self.data = names, self.data.replaced(features=names)
        x, y = self.data.point(picked if self.data.n_points else None)
        self._set_network(new, x, y, seed=self._weight_seed())
        self.sim.start_timeline(Place(Progress(), picked if self.data.n_points else None, self.dataset))
        return None

    def on_regularization(self, value):
        """{"kind": "none" | "l1" | "l2", "rate": λ}, either or both: the penalty R(W) every update adds."""
        if self.data is None:
            raise ValueError("Regularisation is for training on a data set: choose a data set first.")
        if isinstance(value, str):
            value = {"kind": value}
        if not isinstance(value, dict) or not value or set(value) - {"kind", "rate"}:
            raise ValueError(f'Set the regularisation with {{"kind": "none", "l1" or "l2", "rate": a number}}, got {value!r}.')
        kind, rate = self.regularization
        self.regularization = datasets.check_regularization(value.get("kind", kind), value.get("rate", rate))
        self.data = self.data.replaced(regularization=self.regularization)

    def on_pick_point(self, value):
        """The point the step-by-step lesson walks (index into the training points, then the test points):
        its features become x and its target y, from ready; the weights stay."""
        if self.data is None:
            raise ValueError("Picking a point needs a data set: choose a data set first.")
        i, n = reading.whole(value, "The point"), self.data.n_points
        if n == 0:
            raise ValueError("There are no points yet: click on the plot to draw one, or paste a CSV.")
        if not 0 <= i < n:
            raise ValueError(f"The points are numbered 0 to {n - 1}, got {i}.")
        x, y = self.data.point(i)
        self.auto = False
        self.sim.set_network(self.sim.net, x, y, place=self.place._replace(picked=i))

    def _data_network(self, data: datasets.DataSet, names) -> Network:
        """(number of features, the hidden layers as they are, the outputs the targets need), seeded:
        the output and loss the targets need (rules.TASKS)."""
        net, task = self.sim.net, TASKS[datasets.task(data)]
        return Network.random((len(names), *net.layers[1:-1], datasets.outputs(data)), self._weight_seed(), net.hidden_activation,
                              task.output_name, task.loss_name)

    def _output_for(self, data: datasets.DataSet) -> Network:
        """The network now, with the output layer the targets need: the same one when it fits, else a new
        output layer (seeded) over the hidden layers' weights as they are (a third class drawn: softmax)."""
        net, task, n = self.sim.net, TASKS[datasets.task(data)], datasets.outputs(data)
        if net.layers[-1] == n and (n == 1 or net.output_activation == task.output_name):
            return net
        fresh = self._data_network(data, self.features)
        L = net.L
        W, b = [net.W[l] for l in range(1, L)] + [fresh.W[L]], [net.b[l] for l in range(1, L)] + [fresh.b[L]]
        return Network.build(fresh.layers, W, b, net.hidden_activation, task.output_name, task.loss_name)

    def _check_data_network(self, net: Network) -> None:
        """On a data set: one input per feature, one output, a loss defined for the targets."""
        if self.data is None:
            return
        n, outputs = len(self.features), datasets.outputs(self.dataset)
        if net.layers[0] != n or net.layers[-1] != outputs:
            names = ", ".join(datasets.FEATURE_NAMES[f] for f in self.features)
            said = "one output ŷ" if outputs == 1 else f"one output per class ({outputs})"
            raise ValueError(f"On a data set the network has one input per chosen feature ({n}: {names}) and {said}; "
                             f"got layers {'-'.join(map(str, net.layers))}. Change the inputs with the features.")
        if net.loss.target_range and self.dataset.kind == "regression":
            low, high = net.loss.target_range
            raise ValueError(f"{net.loss.label.capitalize()} needs targets from {low:g} to {high:g}, but this data set's targets "
                             "lie between −1 and 1: use mean squared error.")

    def _leave_data(self, restore: bool) -> None:
        """Back to one example; with restore, to the network, example, preset and seed from before the data set."""
        moment, preset_name, seed, start = self._before_data
        self.data, self._before_data = None, None
        if restore:
            self.auto = self.training = False
            self.selected = None
            self.sim.set_network(moment.net, moment.x, moment.y)
            self.preset, self.seed, self.start = preset_name, seed, start
        self.sim.start_timeline(None)

    def _restarted(self) -> Place | None:
        """The place of a new network on a data set: its loss curve starts again, the pick stays."""
        return None if self.data is None else Place(Progress(), self.picked, self.dataset)

    def _one_example(self, what: str) -> None:
        if self.data is not None:
            raise ValueError(f"On a data set the {what} is the picked point's: pick a point on the plot, "
                             f"or choose “{toolwords.NO_DATASET}” to set it by hand.")

    def _one_example_descent(self) -> Descent:
        if self._example_descent is None or self._example_descent[0] is not self.sim.net or self._example_descent[1].rules is not self.sim.rules:
            self._example_descent = (self.sim.net, Descent(self.sim.net, self.sim.rules))
        return self._example_descent[1]

    def _train_batches(self, n: int) -> None:
        """n mini-batch updates (DataTraining.train), then ONE new moment (Step Back undoes the run).
        An update whose numbers would leave the range stops the run at the last finite network."""
        if self.dataset.n_train == 0 or self.dataset.n_test == 0:
            raise ValueError(f"Training needs at least two points (one to train on, one to test with); the plane has "
                             f"{self.data.n_points}. Click on the plot to draw points, or paste a CSV.")
        lr = self.option("learning_rate")
        run = self.data.train(self.sim.net, self.progress, n, lr, self.sim.rules)
        if run.losses:
            self.sim.trained(run.before, run.net, lr, run.losses, len(run.losses), place=self.place._replace(progress=run.progress))
        if run.grew:
            raise Diverged(divergence_message(run.grew, run.progress.updates, lr))

    # ---- what the data view shows

    def evaluation(self) -> Evaluation | None:
        """Loss and accuracy of the network now on the training and the test points (once per network)."""
        return None if self.data is None else self.data.evaluate(self.sim.net, self.sim.rules)

    def curve(self) -> tuple:
        """The loss curve as drawn, ending at the network now (DataTraining.curve)."""
        return () if self.data is None else self.data.curve(self.sim.net, self.progress, self.sim.rules)

    def data_picture(self, size: int = 50) -> Picture | None:
        """What the data view draws, or None without a data set (computed again only when needed)."""
        return None if self.data is None else self.data.picture(self.sim.net, self.picked, self.sim.rules, size)

    def picture_key(self) -> tuple:
        """Objects that are the same (`is`) as long as the data picture stays the same."""
        return (self.sim.net, self.dataset, self.picked, self.features, self.sim.rules)

    def data_csv(self) -> str | None:
        """The data set's points with their targets and the network's ŷ now, as CSV (None without a data set)."""
        picture = self.data_picture()
        return None if picture is None else toolwords.data_csv(picture, self.data.outputs(self.sim.net, self.sim.rules)[0])

    def batch_average(self) -> dict | None:
        """The next update's batch, example by example, and its mean (DataTraining.batch)."""
        return None if self.data is None else self.data.batch(self.sim.net, self.progress, self.sim.rules)
