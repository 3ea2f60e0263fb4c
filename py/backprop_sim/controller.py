"""The one way in: every button, key, URL value and `window.backpropSim.act` call lands here.

Pure Python (no `js`): the painter turns DOM events into `act(name, value)` and repaints.
Weight and neuron indices in actions follow the lesson: W^[l]_jk with l, j, k counted from 1.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .engine import (
    MAX_HISTORY, VALUE_LIMIT, Diverged, Moment, Network, Selection, Simulation, chain_for_weight, check_activation,
    check_learning_rate, check_number, dead_neurons, delta_as_sum, divergence_message, gradient_check, out_of_range,
    relative_error,
)
from . import datasets, editing, panels
from .formatting import number, symbol
from .presets import DEFAULT_PRESET, preset

SPEEDS = (0.25, 4.0)  # steps per second for Auto
TRAIN_SPEEDS = (1.0, 60.0)  # iterations per second for Train
FAST = "fast"  # Train's other speed: as many updates as the page can run (train_steps each frame)
TRAIN_STEPS_MAX = 10_000  # updates in one train_steps call
DATA_DEFAULTS = {"noise": 0, "train_share": 50, "batch": 10, "seed": 0}  # a data set's settings, until changed
HISTORY_POINTS = 500  # the loss curve keeps at most this many points (thinned evenly, the oldest first)
CURVE_POINTS = 50  # points one train_steps call adds to the loss curve at most (each an evaluation of every point)
CURVE_GAP = 16  # updates between two of a call's points at least (or its n): Train's frames of ~40 updates evaluate 2-3 networks, not 40


class Progress(NamedTuple):
    """Where training on the data set is: immutable, so the loss curve's tuple is the same object
    until it changes (the page compares Controller.picture_key's items with `is`)."""

    updates: int = 0  # mini-batch updates since the data set or the network last changed
    epoch: int = 0  # passes over the training points so far
    position: int = 0  # the next batch's index within the epoch's batches
    stride: int = 1  # the curve keeps the updates that are multiples of this (doubled when it is full)
    history: tuple = ()  # ((update, train_loss, test_loss), ...): the loss curve, losses without the penalty
PREDICT_ABS, PREDICT_REL = 0.0005, 0.02  # a prediction within this of δ counts as right


class Answer(NamedTuple):
    """One graded prediction, as an LMS's gradebook lists it (assets/scorm.js: cmi.interactions)."""

    l: int  # the δ's layer, as in the lesson
    j: int  # its neuron, counted from 1
    sign: bool  # only the sign was predicted: response and correct are then +1, −1 (or 0)
    response: float  # the learner's number (or sign)
    correct: float  # δ itself (or its sign)
    right: bool


class Prediction:
    """Predict before you see: with the mode on, each backward step waits for the learner's
    guesses of its layer's δ, one neuron at a time (a number, or only its sign); each guess is
    graded as it comes, and the step is taken after the layer's last one."""

    def __init__(self):
        self.on = False
        self.right = 0
        self.asked = 0
        self.moment: Moment | None = None  # the moment whose next layer is being predicted
        self.done = 0  # how many of that layer's δ are predicted already
        self.answers: list[Answer] = []  # every graded guess of the visit, in order

    def target(self, sim: Simulation) -> tuple[int, int]:
        """The δ to predict, (l, j) with j 0-based: the next layer's first neuron not yet predicted."""
        return sim.next_layer, self.done if sim.now is self.moment else 0

    def predicted(self, sim: Simulation) -> bool:
        """Count one more δ of the next layer as predicted; True when that was the layer's last."""
        self.done = (self.done if sim.now is self.moment else 0) + 1
        self.moment = sim.now
        if self.done < sim.net.layers[sim.next_layer]:
            return False
        self.moment, self.done = None, 0
        return True

    @staticmethod
    def name(l: int, j: int) -> str:
        """The δ asked for, j 0-based: 'δ^[2]₁'."""
        return symbol("δ", l, Selection.number(j))

    def grade(self, value, truth: float, l: int, j: int) -> str:
        """Score a guess of δ^[l]_j (j 0-based) against its true value; the verdict and the running score, in words."""
        name = self.name(l, j)
        if isinstance(value, str) and value.strip() in ("+", "-", "−"):
            sign = 1 if value.strip() == "+" else -1
            right, said = bool(np.sign(truth) == sign), "positive" if sign > 0 else "negative"
            answer = Answer(l, Selection.number(j), True, float(sign), float(np.sign(truth)), right)
        else:
            guess = _number(value, "Your prediction")
            right, said = abs(guess - truth) <= max(PREDICT_ABS, PREDICT_REL * abs(truth)), number(guess)
            answer = Answer(l, Selection.number(j), False, guess, truth, bool(right))
        self.answers.append(answer)
        self.right, self.asked = self.right + int(right), self.asked + 1
        return f"{'Right' if right else 'Not quite'}: {name} = {number(truth)} (you said {said}). Score: {self.right} of {self.asked}."


class Controller:
    def __init__(self, sim: Simulation | None = None):
        self.sim = sim or preset(DEFAULT_PRESET).simulation()
        self.start: Network = self.sim.net  # the weights Reset returns to after training
        self.preset = DEFAULT_PRESET if sim is None else ""  # "" once the network is edited
        self.seed: int | None = None  # the seed of "Randomise weights", until a weight is edited
        self.auto = False
        self.speed = 1.0
        self.training = False
        self.train_speed = 10.0
        self.learning_rate = 0.5
        self.show_table = False
        self.finer = False  # each backward step in two: δ, then ∂L/∂W and ∂L/∂b
        self.check = False  # finite-difference values beside the backprop values
        self.prediction = Prediction()
        self.selected: Selection | None = None
        self.edits = editing.EditedRules(on_stop=self._fall_back)  # the learner's rules.py, run under its budget
        self.rules_result: dict | None = None  # the last run of edited rules.py
        self._check_cache: tuple | None = None  # (moment, finite differences): computed once per moment
        self.message = ""  # the last hint or refusal, shown in the page
        self.diverged: tuple[Moment, str] | None = None  # the moment a step would have overflowed from, and why
        # from one example to a data set (issue 16): None is the original, one example x with its target y
        self.dataset: datasets.DataSet | None = None
        self.features: tuple[str, ...] = ("x1", "x2")  # the network's inputs, datasets.FEATURES order
        self.regularization: tuple[str, float] = ("none", 0.0)  # (kind, rate λ): the penalty R(W) training adds
        self.picked: int | None = None  # the point the step-by-step lesson walks: index into train then test points
        self.progress = Progress()
        self._before_data: tuple | None = None  # (moment, preset, seed, start) before the data set was chosen
        self._undo: list[tuple[Moment, Progress, int | None]] = []  # (moment, the progress and pick before it)
        self._evaluation: tuple | None = None  # ((net, dataset, features, rules), Evaluation): once per network
        self._epoch_batches: tuple | None = None  # (dataset, epoch, its batches): see _batches
        self._descent: tuple | None = None  # (the network it ended on, the Descent): see _descent_from
        self._picture: tuple | None = None  # (key, size, Picture)

    def act(self, name: str, value=None) -> str:
        """Run one action. Returns the message for the learner ("" when all went as asked).

        A refused action (ValueError) changes nothing and returns its reason.
        """
        handler = getattr(self, "on_" + name.replace("-", "_"), None) if isinstance(name, str) else None
        if handler is None:
            self.message = f"Unknown action {name!r}."
            return self.message
        try:
            self.message = handler(value) or ""
        except Diverged as overflow:  # a lesson, not a failure: stop running, keep the last finite moment
            self.auto = self.training = False
            self.diverged = (self.sim.now, str(overflow))
            self.message = str(overflow)
        except ValueError as refusal:
            self.message = str(refusal)
        except editing.RuleStopped as stopped:  # the learner's rules.py, stopped by its budget
            self.auto = self.training = False
            self.message = f"{stopped} The simulation went back to the rules that worked before."
        return self.message

    # ---- the original's controls

    def on_forward(self, _):
        self.sim.forward()

    def on_backward(self, _):
        # prediction mode asks for each δ first; a δ shown alone (finer steps) is followed by its gradients
        if self.prediction.on and self.sim.phase in ("forward", "backward") and not self.sim.now.delta_only:
            l, j = self.prediction.target(self.sim)
            raise ValueError(f"Prediction mode: first predict {Prediction.name(l, j)} (a number, or + or −), then press Check.")
        return self.sim.backward_step(self.finer)

    def on_finer(self, value):
        """Finer steps: each layer's backward step in two, its δ, then its ∂L/∂W and ∂L/∂b."""
        self.finer = _flag(value)

    def on_back(self, _):
        self.auto = self.training = False
        leaving = self.sim.now
        self.sim.back()
        for moment, progress, picked in reversed(self._undo):  # a data set's progress and pick go back with the moment
            if moment is leaving:
                self.progress, self.picked = progress, picked
                break

    def on_reset(self, _):
        """Back to ready, and after training back to the weights training started from (the
        preset's, the seed's or the learner's own): Step Back returns to the trained ones."""
        self.auto = self.training = False
        if self.trained:
            now, before = self.sim.now, self._data_mark()
            self.sim.set_network(self.start, now.x, now.y)
            self._restart(before)
            return "Reset: the weights are back where training started (Step Back returns to the trained ones; Keep trained weights, in Train it, starts from them)."
        self.sim.reset()
        return None

    @property
    def trained(self) -> bool:
        """Whether Update or Train changed the weights since the network was set or edited."""
        return self.sim.net is not self.start

    def on_keep(self, _):
        """Keep trained weights: they become the weights Reset returns to (and the learner's own)."""
        if not self.trained:
            raise ValueError("Nothing to keep: the weights are where training started. Train or update them first.")
        self.start = self.sim.net
        self._mark_edited()
        return "The trained weights are kept: Reset now returns to them."

    def on_target(self, value):
        self._one_example("target")
        if isinstance(value, (list, tuple)) or (isinstance(value, str) and "," in value):
            self.sim.set_target(_float_list(value, "The target"))
        else:
            self.sim.set_target(_number(value, "The target"))

    def on_speed(self, value):
        self.speed = _within(_number(value, "The speed"), SPEEDS, "Auto speed", "steps per second")

    def on_table(self, value):
        self.show_table = _flag(value)

    def on_auto(self, value):
        on = (not self.auto) if value is None else _flag(value)
        if on and self.sim.phase == "complete":
            self.sim.reset()  # a new run from the start
        self.auto = on
        if on:
            self.training = False

    def on_tick(self, _):
        """One beat of Auto: forward, then one backward step per beat, then stop."""
        if not self.auto:
            return None
        if self.sim.phase == "ready":
            self.sim.forward()
        elif self.sim.phase in ("forward", "backward"):
            self.sim.backward_step(self.finer)
        if self.sim.phase == "complete":
            self.auto = False
        return None

    # ---- build your own network

    def on_preset(self, value):
        net, x, y = preset(value).make()  # refuses an unknown preset before anything changes
        if self.dataset is not None:  # a preset is one example: the data set is left, not restored
            self._leave_data(restore=False)
        self._set_network(net, x, y, preset=value)

    def on_layers(self, value):
        layers = _int_list(value, "Layer sizes")
        net = self.sim.net
        seed = self.seed if self.seed is not None else 1
        self._set_network(Network.random(layers, seed, net.hidden_activation, net.output_activation, net.loss_fn), seed=seed)

    def on_depth(self, value):
        """One hidden layer more (+1, as wide as the last hidden layer, or 3) or fewer (−1, the last)."""
        change = _whole(value, "The change of depth")
        layers = list(self.sim.net.layers)
        if change == 1:
            layers.insert(-1, layers[-2] if len(layers) > 2 else 3)
        elif change == -1:
            if len(layers) == 2:
                raise ValueError("This network has no hidden layer to remove.")
            del layers[-2]
        else:
            raise ValueError("Change the depth by 1 or −1: one hidden layer at a time.")
        return self.on_layers(layers)  # the engine refuses more hidden layers than it allows

    def on_activation(self, value):
        which, name = _pair(value, "activation", ("hidden", "output"))
        net = self.sim.net
        hidden = name if which == "hidden" else net.hidden_activation
        output = name if which == "output" else net.output_activation
        self._rebuild(hidden_activation=hidden, output_activation=output)

    def on_loss(self, value):
        self._rebuild(loss_fn=str(value))

    def on_seed(self, value):
        seed = _whole(value, "The seed")
        net = self.sim.net
        self._set_network(Network.random(net.layers, seed, net.hidden_activation, net.output_activation, net.loss_fn), seed=seed)

    def on_x(self, value):
        self._one_example("input x")
        self.sim.set_input(_float_list(value, "The input x"))

    def on_weight(self, value):
        l, j, k, w = _indices(value, 4, "weight", "[l, j, k, value]")
        at = Selection.from_lesson("weight", l, j, k)
        before = self._data_mark()
        self.sim.set_weight(at.l, at.j, at.k, w)
        self._mark_edited()
        self._restart(before)

    def on_bias(self, value):
        l, j, b = _indices(value, 3, "bias", "[l, j, value]")
        at = Selection.from_lesson("neuron", l, j)
        before = self._data_mark()
        self.sim.set_bias(at.l, at.j, b)
        self._mark_edited()
        self._restart(before)

    def on_parameters(self, value):
        """Every weight and bias at once: {"W": [...], "b": [...]}, each flat, layer by layer, row by row."""
        if not isinstance(value, dict) or set(value) != {"W", "b"}:
            raise ValueError('Set the parameters with {"W": [...], "b": [...]}.')
        net = self.sim.net
        W_flat, b_flat = _float_list(value["W"], "W"), _float_list(value["b"], "b")
        shapes = [(net.layers[l], net.layers[l - 1]) for l in range(1, net.L + 1)]
        need_W, need_b = sum(r * c for r, c in shapes), sum(r for r, _ in shapes)
        if len(W_flat) != need_W or len(b_flat) != need_b:
            raise ValueError(f"This network needs {need_W} weights and {need_b} biases, got {len(W_flat)} and {len(b_flat)}.")
        W, b, i, m = [], [], 0, 0
        for rows, cols in shapes:
            W.append(np.reshape(W_flat[i : i + rows * cols], (rows, cols)))
            b.append(b_flat[m : m + rows])
            i, m = i + rows * cols, m + rows
        self._set_network(Network.build(net.layers, W, b, net.hidden_activation, net.output_activation, net.loss_fn))

    def _rebuild(self, **change):
        """New activations or loss. Seeded weights are drawn again for them (the initialisation
        depends on the activation); other weights are kept as they are."""
        net = self.sim.net
        fields = dict(hidden_activation=net.hidden_activation, output_activation=net.output_activation, loss_fn=net.loss_fn)
        fields.update(change)
        if self.seed is not None:
            self._set_network(Network.random(net.layers, self.seed, **fields), seed=self.seed)
        else:
            W = [net.W[l] for l in range(1, net.L + 1)]
            b = [net.b[l] for l in range(1, net.L + 1)]
            self._set_network(Network.build(net.layers, W, b, **fields))

    def _set_network(self, net: Network, x=None, y=None, seed: int | None = None, preset: str = ""):
        """A new network from ready; `seed` and `preset` say where its weights came from (for the link)."""
        self._check_data_network(net)
        self.auto = self.training = False
        self.selected = None
        before = self._data_mark()
        self.sim.set_network(net, x, y)
        self.preset, self.seed = preset, seed
        self.start = self.sim.net  # where Reset returns after training
        self._restart(before)

    def _mark_edited(self):
        """The weights are the learner's own now, no preset's or seed's: a link must carry them,
        and Reset returns to them."""
        self.preset, self.seed = "", None
        self.start = self.sim.net

    # ---- train it

    def on_lr(self, value):
        self.learning_rate = check_learning_rate(_number(value, "The learning rate"))

    def on_update(self, _):
        self.sim.update(self.learning_rate)

    def on_train(self, value):
        self.training = (not self.training) if value is None else _flag(value)
        if self.training:
            self.auto = False

    def on_train_speed(self, value):
        if isinstance(value, str) and value.strip() == FAST:
            self.train_speed = FAST
            return
        self.train_speed = _within(_number(value, "The training speed"), TRAIN_SPEEDS, "Training speed", "steps per second")

    def on_train_tick(self, _):
        """One beat of Train: one iteration on the example, or one mini-batch update on the data set."""
        if self.training:
            self._train(1)

    def on_train_steps(self, value):
        """n updates now (1 to TRAIN_STEPS_MAX): n mini-batches of the data set, or n iterations on the example."""
        n = _whole(value, "The number of training steps")
        if not 1 <= n <= TRAIN_STEPS_MAX:
            raise ValueError(f"Train 1 to {TRAIN_STEPS_MAX:,} steps at a time, got {n:,}.")
        self._train(n)

    def _train(self, n: int) -> None:
        if self.dataset is not None:
            self._train_batches(n)
            return
        # the one example: all but the last iteration on plain arrays (datasets.Descent with a
        # batch of one is the engine's update, W ← W − η δ aᵀ, number for number), as one moment;
        # the last through the engine, so the drawing shows its forward pass, gradients and update
        lr, now = self.learning_rate, self.sim.now
        if n > 1:
            descent, losses = datasets.Descent(now.net, self.sim.rules), []
            X, Y = now.x.T, now.y.T
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for _ in range(n - 1):
                    try:
                        losses.append(descent.step(X, Y, lr))
                    except ValueError:  # past the range: the engine's step below says what grew
                        break
            if losses:
                self.sim.trained(descent.before, descent.network(), lr, tuple(losses), len(losses))
        self.sim.train_step(lr)

    # ---- from one example to a data set (issue 16)

    def on_dataset(self, value):
        """Choose a data set, or change its settings: {"name", "noise", "train_share", "batch", "seed"},
        any of them, over the current ones. A new problem gets a new network: one input per feature,
        the hidden layers as they are, one output (sigmoid and cross-entropy for classes 0/1, tanh and
        squared error for values in [−1, 1]). Other settings keep the weights. None or "none": back to
        the one example, with the network, example and preset from before the data set."""
        if value is None or value == "none" or (isinstance(value, dict) and value.get("name") == "none"):
            if self.dataset is not None:
                self._leave_data(restore=True)
            return None
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict) or not value:
            raise ValueError('Choose a data set with {"name": "spiral"}, and any of "noise", "train_share", "batch", "seed"; '
                             f"got {value!r}.")
        unknown = sorted(set(value) - {"name", *DATA_DEFAULTS}, key=str)
        if unknown:
            raise ValueError(f"Unknown data set setting {unknown[0]!r}; use name, noise, train_share, batch or seed.")
        now = self.dataset
        if now is None and "name" not in value:
            raise ValueError(f"Choose a data set first ({', '.join(datasets.PROBLEMS)}); then its noise, share, batch or seed.")
        settings = {"name": now.name, "noise": now.noise, "train_share": now.train_share, "batch": now.batch,
                    "seed": now.seed} if now else dict(DATA_DEFAULTS)
        settings.update(value)
        data = datasets.make(**settings)  # refuses a bad setting before anything changes
        new_problem = now is None or data.name != now.name
        net = self._data_network(data.kind, self.features) if new_problem else self.sim.net
        if now is None:
            self._before_data = (self.sim.now, self.preset, self.seed, self.start)
        self.dataset, self.picked = data, 0
        x, y = self._point(0)
        if new_problem:
            self._set_network(net, x, y, seed=self._weight_seed())
        else:  # the same weights on the new points: where training starts is unchanged
            self.auto = self.training = False
            self.sim.set_network(net, x, y)
        self._new_timeline()
        return None

    def on_features(self, value):
        """The network's inputs, a list of datasets.FEATURES names: the input layer is rebuilt
        (new seeded weights), one input neuron per feature."""
        if self.dataset is None:
            raise ValueError("Input features are for a data set: choose a data set first.")
        names = datasets.check_features(value)
        if names == self.features:
            return None
        net = self.sim.net
        new = Network.random((len(names), *net.layers[1:-1], 1), self._weight_seed(), net.hidden_activation,
                             net.output_activation, net.loss_fn)
        x, y = self._point(self.picked or 0, names)
        self.features = names
        self._set_network(new, x, y, seed=self._weight_seed())
        self._new_timeline()
        return None

    def on_regularization(self, value):
        """{"kind": "none" | "l1" | "l2", "rate": λ}, either or both: the penalty R(W) every update adds."""
        if self.dataset is None:
            raise ValueError("Regularisation is for training on a data set: choose a data set first.")
        if isinstance(value, str):
            value = {"kind": value}
        if not isinstance(value, dict) or not value or set(value) - {"kind", "rate"}:
            raise ValueError(f'Set the regularisation with {{"kind": "none", "l1" or "l2", "rate": a number}}, got {value!r}.')
        kind, rate = self.regularization
        self.regularization = datasets.check_regularization(value.get("kind", kind), _number(value.get("rate", rate), "The regularisation rate"))

    def on_pick_point(self, value):
        """The point the step-by-step lesson walks (index into the training points, then the test points):
        its features become x and its target y, from ready; the weights stay."""
        if self.dataset is None:
            raise ValueError("Picking a point needs a data set: choose a data set first.")
        i = _whole(value, "The point")
        n = self.dataset.n_train + self.dataset.n_test
        if not 0 <= i < n:
            raise ValueError(f"The points are numbered 0 to {n - 1}, got {i}.")
        before = self._data_mark()
        x, y = self._point(i)
        self.auto = False
        self.sim.set_network(self.sim.net, x, y)
        self.picked = i
        self._remember(before)

    def _point(self, i: int, names=None) -> tuple[np.ndarray, np.ndarray]:
        """Point i's inputs a^[0] (its features) and target y."""
        d = self.dataset
        point, target = (d.x_train[i], d.y_train[i]) if i < d.n_train else (d.x_test[i - d.n_train], d.y_test[i - d.n_train])
        return datasets.features(point, names or self.features)[0], target

    def _weight_seed(self) -> int:
        return self.seed if self.seed is not None else 1  # as Layers does

    def _data_network(self, kind: str, names) -> Network:
        """(number of features, the hidden layers as they are, 1), seeded: the output and loss the targets need."""
        net = self.sim.net
        output, loss = ("sigmoid", "bce") if kind == "classification" else ("tanh", "mse")
        return Network.random((len(names), *net.layers[1:-1], 1), self._weight_seed(), net.hidden_activation, output, loss)

    def _check_data_network(self, net: Network) -> None:
        """On a data set: one input per feature, one output, a loss defined for the targets."""
        if self.dataset is None:
            return
        n = len(self.features)
        if net.layers[0] != n or net.layers[-1] != 1:
            names = ", ".join(datasets.FEATURE_NAMES[f] for f in self.features)
            raise ValueError(f"On a data set the network has one input per chosen feature ({n}: {names}) and one output ŷ; "
                             f"got layers {'-'.join(map(str, net.layers))}. Change the inputs with the features.")
        if net.loss.target_range and self.dataset.kind == "regression":
            low, high = net.loss.target_range
            raise ValueError(f"{net.loss.label.capitalize()} needs targets from {low:g} to {high:g}, but this data set's targets "
                             "lie between −1 and 1: use mean squared error.")

    def _leave_data(self, restore: bool) -> None:
        """Back to one example; with restore, to the network, example, preset and seed from before the data set."""
        moment, preset_name, seed, start = self._before_data
        self.dataset, self.picked, self._before_data = None, None, None
        if restore:
            self.auto = self.training = False
            self.selected = None
            self.sim.set_network(moment.net, moment.x, moment.y)
            self.preset, self.seed, self.start = preset_name, seed, start
        self._new_timeline()

    def _new_timeline(self) -> None:
        """A new problem (data set, its points, the features): Step Back stops here, where the
        network's inputs and the points it learns from last changed; training starts over."""
        self.sim.history.clear()
        self._undo.clear()
        self.progress = Progress()

    def _data_mark(self) -> tuple[Progress, int | None]:
        return self.progress, self.picked

    def _remember(self, before: tuple[Progress, int | None]) -> None:
        """The moment just reached, with the progress and pick before it: Step Back from it restores them."""
        self._undo.append((self.sim.now, *before))
        del self._undo[:-MAX_HISTORY]

    def _restart(self, before) -> None:
        """The network changed on a data set: its loss curve starts again (Step Back brings the old one back)."""
        if self.dataset is None:
            return
        self.progress = Progress()
        self._remember(before)

    def _one_example(self, what: str) -> None:
        if self.dataset is not None:
            raise ValueError(f"On a data set the {what} is the picked point's: pick a point on the plot, "
                             f"or choose “{panels.NO_DATASET}” to set it by hand.")

    def _training_inputs(self) -> np.ndarray:
        """The features of every training point (n_train, n₀), one row each (datasets keeps them)."""
        return datasets.feature_columns(self.dataset.x_train, self.features).T

    def evaluation(self) -> datasets.Evaluation | None:
        """Loss and accuracy of the network now on the training and the test points (once per network)."""
        if self.dataset is None:
            return None
        return self._evaluate(self.sim.net)

    def _evaluate(self, net: Network, found: datasets.Evaluation | None = None) -> datasets.Evaluation:
        """The network's evaluation on the data set, computed once per network (or `found`, the
        same numbers from another pass: data_picture's)."""
        key = (net, self.dataset, self.features, self.sim.rules)
        if self._evaluation is None or any(a is not b for a, b in zip(self._evaluation[0], key)):
            if found is None:
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    found = datasets.evaluate(net, self.dataset, self.features, self.sim.rules)
            self._evaluation = (key, found)
        return self._evaluation[1]

    def _train_batches(self, n: int) -> None:
        """n mini-batch updates, W^[l] ← W^[l] − η (∂J/∂W^[l] + ∂R/∂W^[l]) with J the batch's mean loss,
        through the data set's batches in their epochs' order; then ONE new moment (Step Back undoes
        the run). An update whose numbers would leave the range stops the run at the last finite network."""
        data, rules, lr = self.dataset, self.sim.rules, self.learning_rate
        kind, rate = self.regularization
        inputs = self._training_inputs()
        updates, epoch, position, stride, history = self.progress
        batches = self._batches(epoch)
        if updates and updates % stride == 0 and (not history or history[-1][0] != updates):
            history, stride = self._on_curve(history, stride, self.sim.net, updates)  # the last call's end, on the stride
        # the curve's spacing: at most CURVE_POINTS evaluations (of every point) in a call, and at most
        # one every CURVE_GAP updates; the curve keeps it (evenly spaced) until it is full and thinned
        while n > CURVE_POINTS * stride or stride < min(n, CURVE_GAP):
            stride *= 2
        descent = self._descent_from(self.sim.net, rules)  # the same numbers as descend(batch_gradients_vectorised), faster
        built = None  # (update, its Network), the last one the loss curve evaluated
        losses, grew = [], None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for i in range(n):
                batch = batches[position]
                try:
                    losses.append(descent.step(inputs[batch.index], batch.y, lr, kind, rate))
                except ValueError:  # a weight past the engine's range, or not a number
                    grew = self._what_grew(descent.dW)
                    break
                updates, position = updates + 1, position + 1
                if position == len(batches):  # every training point used: the next epoch, in a new order
                    epoch, position = epoch + 1, 0
                    batches = self._batches(epoch)
                if updates % stride == 0 and i < n - 1:  # the call's last network is measured when it is shown (curve())
                    built = (updates, descent.network())
                    history, stride = self._on_curve(history, stride, built[1], updates)
        if losses:
            net = built[1] if built and built[0] == updates else descent.network()  # one Network per state: evaluate caches by it
            mark = self._data_mark()
            self.sim.trained(descent.before, net, lr, tuple(losses), len(losses))
            self._descent = (net, descent)
            self.progress = Progress(updates, epoch, position, stride, history)
            self._remember(mark)
        if grew:
            raise Diverged(divergence_message(grew, updates, lr))

    def _descent_from(self, net: Network, rules) -> datasets.Descent:
        """A Descent starting at net: the last call's, when it ended on this very network (Train calls
        train_steps every frame, and building one costs more than an update), else a new one."""
        if self._descent is not None and self._descent[0] is net and self._descent[1].rules is rules:
            return self._descent[1]
        return datasets.Descent(net, rules)

    def _batches(self, epoch: int) -> tuple:
        """datasets.batches of this epoch, computed once (Train asks for them at every frame)."""
        if self._epoch_batches is None or self._epoch_batches[0] is not self.dataset or self._epoch_batches[1] != epoch:
            self._epoch_batches = (self.dataset, epoch, datasets.batches(self.dataset, epoch))
        return self._epoch_batches[2]

    def _on_curve(self, history: tuple, stride: int, net: Network, update: int) -> tuple[tuple, int]:
        """The loss curve kept (Progress.history) with the point (update, train loss, test loss): the
        updates that are multiples of the stride. When it passes HISTORY_POINTS, every other point
        goes (the multiples of twice the stride stay)."""
        e = self._evaluate(net)
        history += ((update, e.train_loss, e.test_loss),)
        while len(history) > HISTORY_POINTS:
            stride *= 2
            history = tuple(p for p in history if p[0] % stride == 0)
        return history, stride

    def curve(self) -> tuple:
        """The loss curve as drawn: the points kept, and the network now's (update, train loss,
        test loss) at its end. That last one is measured here, when the curve is shown, not at each
        training call (from the evaluation cache, which the plane's picture fills in the same pass)."""
        updates, history = self.progress.updates, self.progress.history
        if self.dataset is None or not updates or (history and history[-1][0] == updates):
            return history
        e = self.evaluation()
        return history + ((updates, e.train_loss, e.test_loss),)

    @staticmethod
    def _what_grew(dW) -> str:
        """What made an update fail, from its ∂J/∂W[l] (index 0 None)."""
        for l in range(1, len(dW)):
            found = out_of_range(symbol("∂L/∂W", l), dW[l], np.inf)
            if found:
                return found
        return f"the weights grew past {number(VALUE_LIMIT, 0)}"

    def data_picture(self, size: int = 50) -> datasets.Picture | None:
        """What the data view draws (datasets.Picture), or None without a data set; computed again
        only when an item of picture_key() changed."""
        if self.dataset is None:
            return None
        key = self.picture_key()
        if self._picture and self._picture[1] == size and all(a is b for a, b in zip(self._picture[0], key)):
            return self._picture[2]
        d, net, rules = self.dataset, self.sim.net, self.sim.rules
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            layers, evaluation = datasets.picture_pass(net, d, self.features, size, rules=rules)
        self._evaluate(net, evaluation)  # the curve's end and the status line use it
        picture = datasets.Picture(
            d.kind, d.x, d.y[:, 0],
            np.arange(d.n_train + d.n_test) >= d.n_train, self.picked, layers, self.features, net.hidden_activation,
            datasets.EXTENT,
        )
        self._picture = (key, size, picture)
        return picture

    def picture_key(self) -> tuple:
        """Objects that are the same (`is`) as long as the data picture stays the same."""
        return (self.sim.net, self.dataset, self.picked, self.features, self.sim.rules)

    def data_csv(self) -> str | None:
        """The data set's points with their targets and the network's ŷ now, as CSV (None without a data set)."""
        picture = self.data_picture()
        if picture is None:
            return None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            y_hat = datasets.activations(self.sim.net, picture.x, self.features, self.sim.rules)[-1][0]
        return panels.data_csv(picture, y_hat)

    def batch_average(self) -> dict | None:
        """The next update's batch, example by example (datasets.batch_gradients: each example's own
        backward pass) and the mean, ∂J/∂W^[l] = (1/B) Σ_i ∂L_i/∂W^[l], with the penalty's term ∂R/∂W^[l]."""
        if self.dataset is None:
            return None
        net, (kind, rate) = self.sim.net, self.regularization
        batches = self._batches(self.progress.epoch)
        batch = batches[self.progress.position]
        inputs = self._training_inputs()[batch.index]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            g = datasets.batch_gradients(net, inputs, batch.y, self.sim.rules)
        layers = range(1, net.L + 1)
        return {
            "epoch": self.progress.epoch,
            "batch": self.progress.position + 1,  # counted from 1, of "batches"
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

    def _data_state(self) -> dict | None:
        d = self.dataset
        if d is None:
            return None
        e, p = self._evaluate(self.sim.net), self.progress
        return {
            "name": d.name, "kind": d.kind, "noise": d.noise, "train_share": d.train_share, "batch": d.batch, "seed": d.seed,
            "n_train": d.n_train, "n_test": d.n_test,
            "epoch": p.epoch, "update": p.updates, "position": p.position, "batches": -(-d.n_train // d.batch),
            "train_loss": e.train_loss, "test_loss": e.test_loss,  # the data's mean loss, without the penalty
            "train_accuracy": e.train_accuracy, "test_accuracy": e.test_accuracy,  # None for regression
            "penalty": datasets.penalty(self.sim.net.W, *self.regularization),
        }

    # ---- trace any gradient

    def on_select(self, value):
        """("weight", l, j, k) or ("neuron", l, j), lesson numbering; None clears."""
        if value in (None, "", [], ()):
            self.selected = None
            return None
        kind = value[0] if isinstance(value, (list, tuple)) and value else None
        net = self.sim.net
        if not ((kind == "weight" and len(value) == 4) or (kind == "neuron" and len(value) == 3)):
            raise ValueError('Select ["weight", l, j, k] or ["neuron", l, j].')
        selection = Selection.from_lesson(kind, *(_whole(v, "index") for v in value[1:]))
        net.check_index(selection.l, selection.j, selection.k or 0)
        self.selected = selection

    def on_check(self, value):
        self.check = _flag(value)

    # ---- predict before you see

    @property
    def predict_mode(self) -> bool:
        return self.prediction.on

    def on_predict_mode(self, value):
        self.prediction.on = _flag(value)

    def on_predict(self, value):
        """Grade the guess of the next δ; after the layer's last one, take the step that shows them all."""
        if self.sim.phase not in ("forward", "backward"):
            raise ValueError("Predictions are for backward steps: press Forward Pass first." if self.sim.phase == "ready"
                             else "The backward pass is complete: Reset to predict again.")
        if self.sim.now.delta_only:
            raise ValueError("This layer's δ is shown: press Backward Step for its gradients, then predict the next δ.")
        l, j = self.prediction.target(self.sim)
        if not (isinstance(value, str) and value.strip() in ("+", "-", "−")):
            _number(value, "Your prediction")  # refused before anything moves or counts
        now = self.sim.now
        step = self.sim.net.backward_step(now.forward, now.y, now.steps, self.sim.rules)  # the step to come, not taken yet
        verdict = self.prediction.grade(value, float(step.delta.result.value[j, 0]), l, j)
        if self.prediction.predicted(self.sim):
            self.sim.backward_step(self.finer)
            return verdict
        return verdict + f" Now predict {Prediction.name(l, j + 1)}."

    # ---- edit the MicroSim: the learner's own rules.py

    def on_rules(self, value):
        """Run edited rules.py source (None or "" restores the original); redo the current step with it."""
        before = self.sim.rules
        result, self.sim.rules = self.edits.original(before) if value in (None, "") else self.edits.run(str(value), before)
        try:
            self._replay()
        except BaseException as exc:  # runs on the presets, fails on this network: keep the last that worked
            result = {"ok": False, "error": editing.error_report(exc)}
            self.sim.rules = before
            self._replay()
        self.rules_result = result
        if result["error"]:
            line = f" (line {result['error']['line']})" if result["error"]["line"] else ""
            return f"Your code was not used{line}: {result['error']['message']} The simulation keeps the last code that worked."
        if not result["ok"]:
            return "Your code runs, but the gradient check found a mistake: " + " ".join(c["text"] for c in result["checks"] if not c["ok"])
        return None

    def _fall_back(self) -> None:
        """A rule of the learner's was stopped by its budget while in use: back to the rules that worked before."""
        self.sim.rules = self.edits.previous

    def _replay(self) -> None:
        """The same moment computed again: same network, input, target and step."""
        now = self.sim.now
        steps = len(now.steps)
        forward = now.forward is not None
        self.sim.set_network(now.net, now.x, now.y)
        if forward:
            self.sim.forward()
        for n in range(steps):
            self.sim.backward_step(finer=now.delta_only and n == steps - 1)

    # ---- what the API and the panels report

    def trace(self) -> dict | None:
        """The selected weight's chain of factors, or the selected neuron's δ as a sum (lesson numbering)."""
        if not self.selected:
            return None
        now, net, rules = self.sim.now, self.sim.net, self.sim.rules
        by_layer = now.by_layer
        at = self.selected
        l, j, k = at.l, at.j, at.k
        out = dict(zip(("kind", "l", "j", "k"), at.lesson()))
        if at.kind == "weight":
            out["w"] = float(net.W[l][j, k])
            if now.last_update:
                out["last_change"] = float(now.last_update.dW[l][j, k]) if l < len(now.last_update.dW) else None
            if now.forward is None or not now.has_gradients(l):
                return out
            chain = chain_for_weight(net, now.forward, now.y, l, j, k, rules)
            out["paths"] = [{"neurons": [Selection.number(n) for n in p.neurons],
                             "factors": [[panels.factor_name(f, net, rules), f.value] for f in p.factors],
                             "product": p.product} for p in chain.paths]
            out["total"] = chain.total
            out["dW"] = float(by_layer[l].dW.result.value[j, k])
            return out
        out["b"] = float(net.b[l][j, 0])
        if now.forward is not None:
            out["z"] = float(now.forward.z[l][j, 0])
            out["dead"] = (l, j) in dead_neurons(net, now.forward)
        if now.forward is not None and l in by_layer:
            d = delta_as_sum(net, now.steps, now.y, now.forward, l, j, rules)
            out.update(g_prime=d.g_prime, upstream=d.upstream, delta=d.value,
                       terms=[[Selection.number(t.m), t.weight, t.delta_next, t.product] for t in d.terms])
        return out

    def gradient_check(self) -> dict | None:
        """Finite differences beside backprop, for the computed layers."""
        now = self.sim.now
        if not self.check or not now.steps:
            return None
        # 2 forward passes per weight: done once per moment, not on every render and state()
        if self._check_cache is not None and self._check_cache[0] is now:
            return self._check_cache[1]
        fdW, fdb = gradient_check(self.sim.net, now.x, now.y, rules=self.sim.rules)
        layers = {}
        for s in now.steps:
            l = s.layer
            if not now.has_gradients(l):  # a δ shown alone: its gradients are not out yet
                continue
            layers[l] = {
                "dW_numeric": fdW[l].tolist(),
                "db_numeric": fdb[l].ravel().tolist(),
                "relative_difference": max(relative_error(s.dW.result.value, fdW[l]), relative_error(s.db.result.value, fdb[l])),
            }
        self._check_cache = (now, layers)
        return layers

    def state(self) -> dict:
        sim, now = self.sim, self.sim.now
        net = now.net
        values = sim.values()
        fp = now.forward
        prediction = None
        if self.prediction.on and sim.phase in ("forward", "backward") and not now.delta_only:
            l, j = self.prediction.target(sim)
            prediction = dict(zip(("l", "j"), Selection("neuron", l, j).lesson()[1:]), of=sim.net.layers[l])
        return {
            "layers": list(net.layers),
            "hidden_activation": net.hidden_activation,
            "output_activation": net.output_activation,
            "loss_fn": net.loss_fn,
            "phase": sim.phase,
            "step": len(now.steps),
            "delta_only": now.delta_only,  # finer steps: the last step's δ is shown, its gradients not yet
            "finer": self.finer,
            "x": _plain(now.x),
            "y": _plain(now.y),
            "W": [net.W[l].tolist() for l in range(1, net.L + 1)],
            "b": [_plain(net.b[l]) for l in range(1, net.L + 1)],
            "z": [_plain(v) for v in values["z"]],
            "a": [_plain(v) for v in values["a"]],
            "y_hat": _plain(fp.y_hat) if fp else None,
            "loss": fp.loss if fp else None,
            "delta": [_plain(v) for v in values["delta"]],
            "dW": [None if v is None else v.tolist() for v in values["dW"]],  # matrices, like W, even with one column
            "db": [_plain(v) for v in values["db"]],
            "preset": self.preset,  # where the weights came from; after training, where they started
            "seed": self.seed,
            "trained": self.trained,
            "auto": self.auto,
            "speed": self.speed,
            "training": self.training,
            "train_speed": self.train_speed,
            "learning_rate": self.learning_rate,
            "losses": list(now.losses[-500:]),
            "last_update": None if now.last_update is None else {
                "learning_rate": now.last_update.learning_rate,
                "dW": [v.tolist() for v in now.last_update.dW[1:]],
                "db": [_plain(v) for v in now.last_update.db[1:]],
            },
            "dead": [Selection("neuron", l, j).lesson()[1:] for l, j in dead_neurons(net, fp)] if fp else [],
            "selected": self.selected.lesson() if self.selected else None,
            "trace": self.trace(),
            "check": self.gradient_check(),
            "predict_mode": self.prediction.on,
            "prediction": prediction,
            "score": {"right": self.prediction.right, "asked": self.prediction.asked},
            "answers": [a._asdict() for a in self.prediction.answers],  # for the LMS (assets/scorm.js)
            "rules": self.rules_result,
            "can_undo": bool(sim.history),
            # why the next step was refused, while the simulation is still at the moment it came from
            "diverged": self.diverged[1] if self.diverged and self.diverged[0] is now else None,
            "dataset": self._data_state(),
            "features": list(self.features),
            "regularization": {"kind": self.regularization[0], "rate": self.regularization[1]},
            "picked": self.picked,
        }


# ---- reading values that come from buttons, fields, the URL or JavaScript


def _plain(v):
    if v is None:
        return None
    v = np.asarray(v)
    return v.ravel().tolist() if v.ndim == 2 and v.shape[1] == 1 else v.tolist()


def _number(value, name: str) -> float:
    if isinstance(value, str):
        value = value.strip().replace("−", "-")  # the minus sign the panels print
    return check_number(value, name)


def _whole(value, name: str) -> int:
    number = _number(value, name)
    if number != int(number):
        raise ValueError(f"{name} must be a whole number, got {value!r}.")
    return int(number)


def _within(value: float, bounds: tuple[float, float], name: str, unit: str) -> float:
    if not bounds[0] <= value <= bounds[1]:
        raise ValueError(f"{name}: {bounds[0]:g} to {bounds[1]:g} {unit}, got {value:g}.")
    return value


def _float_list(value, name: str) -> list[float]:
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").split(",") if v.strip()]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list of numbers, got {value!r}.")
    return [_number(v, name) for v in value]


def _int_list(value, name: str) -> list[int]:
    if isinstance(value, str):
        value = [v for v in value.replace("→", ",").replace("-", ",").replace(" ", ",").split(",") if v.strip()]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list of whole numbers like 2, 3, 1; got {value!r}.")
    return [_whole(v, name) for v in value]


def _indices(value, n: int, what: str, form: str):
    if not isinstance(value, (list, tuple)) or len(value) != n:
        raise ValueError(f"Set a {what} with {form}, got {value!r}.")
    *idx, v = value
    return (*(_whole(i, "An index") for i in idx), _number(v, f"The {what}"))


def _pair(value, what: str, keys: tuple[str, ...]):
    if isinstance(value, dict) and len(value) == 1:
        value = next(iter(value.items()))
    if isinstance(value, str) and ":" in value:
        value = value.split(":", 1)
    if not isinstance(value, (list, tuple)) or len(value) != 2 or value[0] not in keys:
        raise ValueError(f"Set the {what} with [{' or '.join(repr(k) for k in keys)}, name], got {value!r}.")
    return value[0], check_activation(value[1]).name


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "true", "false", "on", "off", "1", "0"):
        return value in (1, "true", "on", "1")
    raise ValueError(f"Expected true or false, got {value!r}.")

