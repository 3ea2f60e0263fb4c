"""The one way in: every button, key, URL value and `window.backpropSim.act` call lands here.

Pure Python (no `js`): the painter turns DOM events into `act(name, value)` and repaints.
Weight and neuron indices in actions follow the lesson: W^[l]_jk with l, j, k counted from 1.
"""

from __future__ import annotations

import numpy as np

from .engine import (
    Diverged, Moment, Network, Selection, Simulation, chain_for_weight, check_activation, check_learning_rate, check_number,
    dead_neurons, delta_as_sum, gradient_check, relative_error,
)
from . import editing, panels
from .formatting import number, symbol
from .presets import DEFAULT_PRESET, preset

SPEEDS = (0.25, 4.0)  # steps per second for Auto
TRAIN_SPEEDS = (1.0, 60.0)  # iterations per second for Train
PREDICT_ABS, PREDICT_REL = 0.0005, 0.02  # a prediction within this of δ counts as right


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

    def grade(self, value, truth: float, name: str) -> str:
        """Score a guess of `name` (a δ) against its true value; the verdict and the running score, in words."""
        if isinstance(value, str) and value.strip() in ("+", "-", "−"):
            sign = 1 if value.strip() == "+" else -1
            right, said = bool(np.sign(truth) == sign), "positive" if sign > 0 else "negative"
        else:
            guess = _number(value, "Your prediction")
            right, said = abs(guess - truth) <= max(PREDICT_ABS, PREDICT_REL * abs(truth)), number(guess)
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
        self.sim.back()

    def on_reset(self, _):
        """Back to ready, and after training back to the weights training started from (the
        preset's, the seed's or the learner's own): Step Back returns to the trained ones."""
        self.auto = self.training = False
        if self.trained:
            now = self.sim.now
            self.sim.set_network(self.start, now.x, now.y)
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
        net, x, y = preset(value).make()
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
        self.sim.set_input(_float_list(value, "The input x"))

    def on_weight(self, value):
        l, j, k, w = _indices(value, 4, "weight", "[l, j, k, value]")
        at = Selection.from_lesson("weight", l, j, k)
        self.sim.set_weight(at.l, at.j, at.k, w)
        self._mark_edited()

    def on_bias(self, value):
        l, j, b = _indices(value, 3, "bias", "[l, j, value]")
        at = Selection.from_lesson("neuron", l, j)
        self.sim.set_bias(at.l, at.j, b)
        self._mark_edited()

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
        self.auto = self.training = False
        self.selected = None
        self.sim.set_network(net, x, y)
        self.preset, self.seed = preset, seed
        self.start = self.sim.net  # where Reset returns after training

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
        self.train_speed = _within(_number(value, "The training speed"), TRAIN_SPEEDS, "Training speed", "steps per second")

    def on_train_tick(self, _):
        if self.training:
            self.sim.train_step(self.learning_rate)

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
        verdict = self.prediction.grade(value, float(step.delta.result.value[j, 0]), Prediction.name(l, j))
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
            "rules": self.rules_result,
            "can_undo": bool(sim.history),
            # why the next step was refused, while the simulation is still at the moment it came from
            "diverged": self.diverged[1] if self.diverged and self.diverged[0] is now else None,
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

