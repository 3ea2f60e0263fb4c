"""The kinds of row in rules.py's catalogue: what each activation and loss is called, how it is
written, how a layer of it starts, and which task needs it.

rules.py declares each rule once, as a row beside its functions (`ACTIVATIONS`, `LOSSES`,
`TASKS` at its end). Everything that names, writes or starts a rule reads that row: the menus,
the link, the equations, the trace, the weights' initialisation and the colours of a neuron's
map. A row holds the shipped functions themselves, so a rule's name is its function's name,
written once, in its `def`; the engine calls whatever function of that name the rules in use
have (a learner's edit replaces them by name).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, NamedTuple


# ---- how a layer's weights start: the standard deviation of their normal distribution

def xavier(fan_in: int, fan_out: int) -> float:
    """Glorot: std = √(2 / (fan_in + fan_out)), for activations that are roughly linear around 0."""
    return math.sqrt(2.0 / (fan_in + fan_out))


def he(fan_in: int, fan_out: int) -> float:
    """He: std = √(2 / fan_in), for the ReLU kinds, which pass on about half of their inputs."""
    return math.sqrt(2.0 / fan_in)


@dataclass(frozen=True)
class Activation:
    """g and g', and how the page shows them."""

    function: Callable  # g as shipped; its name is the activation's name (API, link, menus)
    derivative: Callable  # g' as shipped, named g's name + "_prime"
    symbol: str  # in words and on the canvas: "σ" in σ'(z)
    tex: str  # in the equations: r"\sigma"
    init: Callable[[int, int], float]  # (fan_in, fan_out) -> the std of a layer's first weights
    values: tuple[float, float]  # the range of g: a map of a neuron's a = g(z) is coloured across it
    dies: bool = False  # g'(z) = 0 for every z ≤ 0: a neuron whose z ≤ 0 passes no gradient back
    slope: Callable | None = None  # g' as a function of a = g(z), where that saves computing g again (σ' = a(1 − a))
    output_only: bool = False  # couples its layer's neurons (softmax: g' is a Jacobian): an output layer's only

    def __post_init__(self):
        if self.derivative.__name__ != self.name + "_prime":
            raise ValueError(f"{self.name}'s derivative must be named {self.name}_prime, not {self.derivative.__name__}")

    @property
    def name(self) -> str:
        return self.function.__name__

    def g(self, rules) -> Callable:
        """g as the given rules have it (rules.py as shipped, or a learner's edit)."""
        return getattr(rules, self.name)

    def g_prime(self, rules) -> Callable:
        return getattr(rules, self.name + "_prime")

    def slope_of(self, rules) -> Callable:
        """g' as a function of (z, a = g(z)): the shipped slope from a when the rules' g and g' are
        the shipped ones (the same numbers: rules.py's g' computes exactly that), else g'(z) as written."""
        g_prime = self.g_prime(rules)
        if self.slope is not None and self.g(rules) is self.function and g_prime is self.derivative:
            return lambda z, a: self.slope(a)
        return lambda z, a: g_prime(z)


class LossTex(NamedTuple):
    """How the equations write a loss."""

    formula: str  # L, symbolic
    grad: str  # dL/dŷ, symbolic
    term: str  # one output's share of L with numbers; fields p = ŷ, t = y, q = 1 − ŷ, s = 1 − y
    total: str  # the shares together; field terms


@dataclass(frozen=True)
class Loss:
    """L(ŷ, y) and dL/dŷ, and how the page shows them."""

    function: Callable  # L as shipped; its name is the loss's name
    derivative: Callable  # dL/dŷ as shipped, named the loss's name + "_grad"
    label: str  # in words, for menus and refusals
    summary: str  # the network's summary line
    grad_words: str  # dL/dŷ of output neuron {n}, in words
    tex: LossTex
    needs_output: Callable | None = None  # the output activation (its g) the loss is defined for
    target_range: tuple[float, float] | None = None  # the targets it is defined for
    cancels: bool = False  # its output activation's g' cancels dL/dŷ's denominator: δ[L] = ŷ − y

    def __post_init__(self):
        if self.derivative.__name__ != self.name + "_grad":
            raise ValueError(f"{self.name}'s derivative must be named {self.name}_grad, not {self.derivative.__name__}")

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def output(self) -> str | None:
        """The name of the output activation the loss needs, if any."""
        return None if self.needs_output is None else self.needs_output.__name__

    def value(self, rules, y_hat, y, z) -> float:
        return float(getattr(rules, self.name)(y_hat, y, z))

    def grad(self, rules, y_hat, y):
        """dL/dŷ"""
        return getattr(rules, self.name + "_grad")(y_hat, y)

    def edited(self, rules) -> bool:
        return rules.edited(self.name) or rules.edited(self.name + "_grad")


@dataclass(frozen=True)
class Task:
    """What a data set's targets ask of the output layer: its activation and the loss."""

    kind: str  # a data set's kind: "classification" or "regression"
    output: Callable  # the output activation's g
    loss: Callable  # the loss's L
    targets: str  # the targets in words

    @property
    def output_name(self) -> str:
        return self.output.__name__

    @property
    def loss_name(self) -> str:
        return self.loss.__name__
