"""Backpropagation one step at a time: the simulation's timeline of moments, with undo, and the
check that no step leaves the range of the numbers.

Pure numpy: no browser, no clock, no globals. The network and its passes are network.py's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np

from . import reading
from .formatting import number, subscript, symbol
from .network import LEARNING_RATE_MAX, LOSS_LIMIT, VALUE_LIMIT, BackwardStep, Diverged, ForwardPass, Network, _column, _frozen
from .rulebook import SHIPPED, Rules

MAX_HISTORY = 1000  # moments kept for Step Back

# the simulation: a state machine with undo


@dataclass(frozen=True)
class Moment:
    """Everything the learner sees at one point of the timeline."""

    net: Network
    x: np.ndarray  # a[0]
    y: np.ndarray  # the target
    forward: ForwardPass | None = None
    steps: tuple[BackwardStep, ...] = ()
    last_update: Update | None = None  # the last step of gradient descent
    losses: tuple[float, ...] = ()  # loss after each forward pass since the last reset
    updates: int = 0  # steps of gradient descent since the last reset
    rules: Rules = SHIPPED  # the rules its numbers were computed with (the views name an edited rule)
    delta_only: bool = False  # finer steps: the last backward step shows its δ; ∂L/∂W and ∂L/∂b come next
    place: object = None  # what the owner keeps with this moment (training.Place on a data set): Step Back restores it too

    @property
    def by_layer(self) -> dict[int, BackwardStep]:
        """The backward steps done so far, by layer l (the last one perhaps with its δ only)."""
        return {s.layer: s for s in self.steps}

    def has_gradients(self, l: int) -> bool:
        """Whether layer l's ∂L/∂W and ∂L/∂b are shown: its step is done, and not at its δ only."""
        return l in self.by_layer and not (self.delta_only and l == self.steps[-1].layer)

    @property
    def phase(self) -> str:
        if self.forward is None:
            return "ready"
        if not self.steps:
            return "forward"
        return "complete" if len(self.steps) == self.net.L and not self.delta_only else "backward"


def _quiet(action):
    """numpy's overflow warnings are not for the learner: Simulation._go checks every new value
    and explains what left the range, so the warnings are silenced while an action computes."""

    @functools.wraps(action)
    def run(self, *args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return action(self, *args, **kwargs)

    return run


def out_of_range(name: str, value: np.ndarray, limit: float) -> str | None:
    """The first entry of value that is ∞, NaN or larger than limit, in words; None if none is."""
    largest = np.abs(value).max(initial=0.0)
    if largest <= limit and largest < np.inf:  # the usual case, in one pass (NaN fails every comparison: it goes on)
        return None
    bad = ~np.isfinite(value) | (np.abs(np.nan_to_num(value, nan=0.0)) > limit)
    if not np.any(bad):
        return None
    j, k = np.argwhere(bad)[0]
    v = float(value[j, k])
    where = name + subscript(j + 1) + (subscript(k + 1) if value.shape[1] > 1 else "")
    if np.isnan(v):
        return f"{where} became NaN (not a number)"
    if np.isinf(v):
        return f"{where} became {number(v)}"
    return f"{where} grew past {number(limit, 0)} (to {number(v)})"


def _divergence(moment: Moment, before: Moment) -> str | None:
    """What in the new moment left the range of the numbers, checking only what changed."""
    net, fp = moment.net, moment.forward
    if net is not before.net:
        for l in range(1, net.L + 1):
            found = out_of_range(symbol("W", l), net.W[l], VALUE_LIMIT)
            if found:
                return "the weight " + found
            found = out_of_range(symbol("b", l), net.b[l], VALUE_LIMIT)
            if found:
                return "the bias " + found
    if fp is not None and fp is not before.forward:
        for l in range(1, net.L + 1):
            found = out_of_range(symbol("z", l), fp.z[l], np.inf) or out_of_range(symbol("a", l), fp.a[l], np.inf)
            if found:
                return found
        if not np.isfinite(fp.loss):
            return "the loss became " + number(fp.loss)
        if fp.loss > LOSS_LIMIT:
            return f"the loss grew past {number(LOSS_LIMIT, 0)} (to {number(fp.loss)})"
    known = {id(s) for s in before.steps}
    for step in moment.steps:
        if id(step) not in known:
            l = step.layer
            found = (out_of_range(symbol("δ", l), step.delta.result.value, np.inf)
                     or out_of_range(symbol("∂L/∂W", l), step.dW.result.value, np.inf)
                     or out_of_range(symbol("∂L/∂b", l), step.db.result.value, np.inf))
            if found:
                return found
    return None


def _divergence_message(found: str, moment: Moment) -> str:
    """The learner's explanation: what happened, why, and what to do."""
    lr = moment.last_update.learning_rate if moment.updates and moment.last_update is not None else None
    return divergence_message(found, moment.updates, lr)


def divergence_message(found: str, updates: int = 0, learning_rate: float | None = None) -> str:
    """What grew (`found`, such as "the weight W^[1]₁₂ grew past …"), after how many updates at
    which learning rate (None: no training took it there), why, and what the learner can do."""
    found = "T" + found[1:] if found.startswith("the ") else found  # symbols keep their case: δ, z
    if updates and learning_rate is not None:
        count = f"{updates} update" + ("s" if updates > 1 else "")
        return (f"{found} after {count}: the learning rate {learning_rate:g} is too large for this network, "
                "so each step overshoots and the error grows instead of shrinking. "
                "The last finite state is kept: Step Back, lower the learning rate, or Reset.")
    why = ("these numbers are too large for the computer's floating-point arithmetic"
           if "NaN" not in found else "a rule gave an undefined result, such as 0/0 or ∞ − ∞")
    return f"{found}: {why}. The last finite state is kept: Step Back, use smaller values, or Reset."


class Simulation:
    """Forward, backward one layer at a time, update; every change can be undone.

    Each action moves to a new Moment (backward_step may return a short notice), or raises
    ValueError with a message for the learner and changes nothing. A step whose
    values overflow (∞, NaN, or past VALUE_LIMIT and LOSS_LIMIT) raises Diverged, a
    ValueError that says why: the simulation stays at its last finite moment.
    """

    def __init__(self, net: Network, x, y, rules: Rules = SHIPPED):
        self.initial = Moment(net, _column(x, "The input x", net.layers[0]), _column(y, "The target y", net.layers[-1]))
        self.now = self.initial
        self.history: list[Moment] = []
        self.rules = rules  # what every step computes with: rules.py as shipped, or the learner's edit

    # ---- read

    @property
    def net(self) -> Network:
        return self.now.net

    @property
    def phase(self) -> str:
        return self.now.phase

    @property
    def next_layer(self) -> int | None:
        """The layer the next backward step works on (in finer steps, the layer whose gradients come next)."""
        if self.phase in ("forward", "backward"):
            return self.now.steps[-1].layer if self.now.delta_only else self.net.L - len(self.now.steps)
        return None

    # ---- act

    def _go(self, moment: Moment) -> None:
        found = _divergence(moment, self.now)
        if found:
            raise Diverged(_divergence_message(found, moment))
        if moment.place is None and self.now.place is not None:  # the owner's record goes on until it changes
            moment = replace(moment, place=self.now.place)
        self.history.append(self.now)
        del self.history[:-MAX_HISTORY]  # long training runs keep only the recent past
        self.now = moment if moment.rules is self.rules else replace(moment, rules=self.rules)

    def start_timeline(self, place=None) -> None:
        """A new problem (a data set, its points, its features): Step Back stops here, at the moment
        now, which holds `place` from now on."""
        self.history.clear()
        self.now = replace(self.now, place=place)

    @_quiet
    def forward(self) -> None:
        if self.phase != "ready":
            raise ValueError("The forward pass is already done. Press Backward Step, or Reset to start over.")
        fp = self.net.forward(self.now.x, self.now.y, self.rules)
        self._go(replace(self.now, forward=fp, losses=self.now.losses + (fp.loss,)))

    @_quiet
    def backward_step(self, finer: bool = False) -> str | None:
        """The next layer's step; in finer steps its δ first, then (the next call) its ∂W and ∂b."""
        if self.phase == "ready":
            self.forward()
            return "Backpropagation needs the forward pass first, so the forward pass ran now."
        if self.phase == "complete":
            raise ValueError("The backward pass is complete. Update the weights, or Reset to start over.")
        now = self.now
        if now.delta_only:  # the second half of a finer step: the gradients δ gives, nothing new computed
            self._go(replace(now, delta_only=False))
            return None
        step = self.net.backward_step(now.forward, now.y, now.steps, self.rules)
        self._go(replace(now, steps=now.steps + (step,), delta_only=finer))
        return None

    def back(self) -> None:
        """Undo the last action (a step, a pass, a change of target or weight)."""
        if not self.history:
            raise ValueError("Nothing to undo: this is the start.")
        self.now = self.history.pop()

    def reset(self) -> None:
        """Back to the ready state, keeping the current network, input and target."""
        if self.phase == "ready" and not self.now.losses:
            return
        self._go(Moment(self.now.net, self.now.x, self.now.y))

    @_quiet
    def update(self, learning_rate) -> None:
        lr = check_learning_rate(learning_rate)
        if self.phase != "complete":
            raise ValueError("Updating the weights needs the whole backward pass: press Backward Step until it is complete.")
        self._go(_updated(self.now, lr))

    @_quiet
    def train_step(self, learning_rate) -> None:
        """Forward, whole backward, update: one iteration of training."""
        lr = check_learning_rate(learning_rate)
        fp, steps = self.net.gradients(self.now.x, self.now.y, self.rules)
        complete = replace(self.now, forward=fp, steps=steps, losses=self.now.losses + (fp.loss,))
        updated = _updated(complete, lr)
        if _divergence(updated, complete):  # the gradients are fine, the step is too long: show them
            self._go(complete)
        self._go(updated)

    @_quiet
    def trained(self, before: tuple, net: Network, learning_rate, losses: tuple[float, ...] = (), updates: int = 1, place=None) -> None:
        """Weights trained elsewhere, many updates at once (a data set's mini-batches: datasets.Descent):
        ONE new moment from ready, so Step Back undoes the whole run. `before` is (W, b) of the last
        update's start (index 0 None), whose change ΔW[l] = W_new[l] − W_before[l] is the moment's
        last update; `losses` are the run's losses, appended to the curve (its last MAX_HISTORY kept)."""
        lr = check_learning_rate(learning_rate)
        W_before, b_before = before
        change = Update(
            lr,
            (None,) + tuple(net.W[l] - W_before[l] for l in range(1, net.L + 1)),
            (None,) + tuple(net.b[l] - b_before[l] for l in range(1, net.L + 1)),
            ((None,) + tuple(_frozen(W_before[l]) for l in range(1, net.L + 1)),
             (None,) + tuple(_frozen(b_before[l]) for l in range(1, net.L + 1))),
        )
        now = self.now
        self._go(Moment(net, now.x, now.y, last_update=change, losses=(now.losses + tuple(losses))[-MAX_HISTORY:],
                        updates=now.updates + updates, place=place))

    # changes of the problem: earlier backward results are stale; keep the forward pass if
    # there was one (recomputed), drop the backward steps.

    @_quiet
    def _changed(self, **fields) -> None:
        moment = replace(self.now, steps=(), **fields)
        if self.now.forward is not None:
            fp = moment.net.forward(moment.x, moment.y, self.rules)
            losses = self.now.losses[:-1] + (fp.loss,) if self.now.losses else (fp.loss,)
            moment = replace(moment, forward=fp, losses=losses)
        self._go(moment)

    def set_target(self, y) -> None:
        y = np.array([y] * self.net.layers[-1]) if np.ndim(y) == 0 else y
        y = _column(y, "The target y", self.net.layers[-1])
        low_high = self.net.loss.target_range
        if low_high and np.any((y < low_high[0]) | (y > low_high[1])):
            raise ValueError(f"With {self.net.loss.label} the target must lie between {low_high[0]:g} and {low_high[1]:g}.")
        self._changed(y=y)

    def set_input(self, x) -> None:
        self._changed(x=_column(x, "The input x", self.net.layers[0]))

    def set_weight(self, l, j, k, value, place=None) -> None:
        self._changed(net=self.net.with_weight(l, j, k, value), place=place)

    def set_bias(self, l, j, value, place=None) -> None:
        self._changed(net=self.net.with_bias(l, j, value), place=place)

    @_quiet
    def set_network(self, net: Network, x=None, y=None, place=None) -> None:
        """A new network (preset, architecture or activation change, a picked point): starts from ready."""
        x = self.now.x if x is None else x
        y = self.now.y if y is None else y
        x = _fit(x, net.layers[0])
        y = _fit(y, net.layers[-1])
        self._go(Moment(net, _column(x, "The input x", net.layers[0]), _column(y, "The target y", net.layers[-1]), place=place))

    # ---- per-layer values for the UI (None where not computed yet)

    def values(self) -> dict:
        now, L = self.now, self.net.L
        fp = now.forward
        by_layer = now.by_layer

        def step(l: int, attr: str):
            known = l in by_layer if attr == "delta" else now.has_gradients(l)  # a δ-only step has no gradients yet
            return getattr(by_layer[l], attr).result.value if known else None

        return {
            "z": [fp.z[l] if fp else None for l in range(1, L + 1)],
            "a": [now.x] + [fp.a[l] if fp else None for l in range(1, L + 1)],
            "delta": [step(l, "delta") for l in range(1, L + 1)],
            "dW": [step(l, "dW") for l in range(1, L + 1)],
            "db": [step(l, "db") for l in range(1, L + 1)],
        }


def check_learning_rate(value) -> float:
    lr = reading.number(value, "The learning rate")
    if not 0 < lr <= LEARNING_RATE_MAX:
        raise ValueError(f"The learning rate must be above 0 and at most {LEARNING_RATE_MAX:g}, got {lr:g}.")
    return lr


@dataclass(frozen=True)
class Update:
    """The last step of gradient descent: ΔW[l] = −η ∂L/∂W[l], Δb[l] = −η ∂L/∂b[l] (index 0 None)."""

    learning_rate: float
    dW: tuple
    db: tuple
    start: tuple = (None, None)  # (W, b) the update started from (index 0 None): what it changed, exactly


def _updated(moment: Moment, lr: float) -> Moment:
    """The moment after one step of gradient descent; the forward pass must be redone."""
    net = moment.net
    new = net.updated(moment.steps, lr)
    change = Update(
        lr,
        (None,) + tuple(new.W[l] - net.W[l] for l in range(1, net.L + 1)),
        (None,) + tuple(new.b[l] - net.b[l] for l in range(1, net.L + 1)),
        (net.W, net.b),
    )
    return replace(moment, net=new, forward=None, steps=(), last_update=change, updates=moment.updates + 1)


def _fit(values, n: int) -> np.ndarray:
    """Keep as many of the old values as the new layer has, padding with the last one."""
    values = np.asarray(values, dtype=float).ravel()
    if values.size >= n:
        return values[:n]
    pad = values[-1] if values.size else 0.0
    return np.concatenate([values, np.full(n - values.size, pad)])
