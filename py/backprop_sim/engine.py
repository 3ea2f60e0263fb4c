"""Backpropagation for a small fully connected network, one step at a time.

Pure numpy: no browser, no clock, no globals. The same code runs in the learner's
browser (Pyodide) and in the tests (CPython).

Conventions, exactly as in the lesson:
  * vectors are columns: x, b[l], z[l], a[l], delta[l] have shape (n_l, 1);
  * weight layers are numbered from 1. W[1] maps the inputs a[0] = x to the first
    layer and W[L] produces the output a[L] = y_hat. Lists indexed by layer keep
    slot 0 for a[0] and leave it None for the per-weight-layer values, so that
    W[l], delta[l] and dW[l] below mean what they mean on the lesson page;
  * z[l] = W[l] a[l-1] + b[l],   a[l] = g_l(z[l]).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Callable, Mapping, NamedTuple

import numpy as np

from . import rules as shipped_rules
from .formatting import number, subscript, symbol

# The limits the simulation promises to draw and explain well.
MAX_HIDDEN_LAYERS = 4
MAX_NEURONS = 8
MAX_INPUTS = 7  # seven input features on a data set (datasets.FEATURES)
MAX_OUTPUTS = 3

# the largest network those limits allow: 7 → 8 → 8 → 8 → 8 → 3 (the benchmarks use it)
LARGEST_LAYERS = (MAX_INPUTS, *[MAX_NEURONS] * MAX_HIDDEN_LAYERS, MAX_OUTPUTS)

MAX_HISTORY = 1000  # moments kept for Step Back
LEARNING_RATE_MAX = 10.0  # η: above 0, at most this
SEED_MAX = 2**32 - 1  # numpy's seeds

# The largest size of an input, target, weight or bias, whether a learner types it or training
# makes it. float64 ends near 1.8e308, and a few layers multiply sizes together: past this,
# a weight means training has run away, and a typed value would overflow in a few steps.
VALUE_LIMIT = 1e6
LOSS_LIMIT = 1e30  # a loss past this means training has diverged


class Diverged(ValueError):
    """A step whose numbers left the range of floating point (∞, NaN) or passed their limit.

    Raised instead of moving to that moment, so the simulation keeps its last finite state;
    the message says what grew, after how many updates, and what the learner can do."""


# --------------------------------------------------------------------------
# activations and losses: the functions live in rules.py; the engine computes with a Rules
# object (below) that the Simulation owns, so the Edit page can hand it a learner's own


@dataclass(frozen=True)
class Activation:
    name: str  # key used by the API and the URL, and the function's name in rules.py (g' is name + "_prime")

    def g(self, rules: Rules) -> Callable[[np.ndarray], np.ndarray]:
        return getattr(rules, self.name)

    def g_prime(self, rules: Rules) -> Callable[[np.ndarray], np.ndarray]:
        return getattr(rules, self.name + "_prime")


ACTIVATIONS: dict[str, Activation] = {name: Activation(name) for name in ("sigmoid", "tanh", "relu", "leaky_relu", "linear")}


@dataclass(frozen=True)
class Loss:
    """A loss, and the output layer's step that follows from it: the one owner of dL/dŷ.

    Every number comes from the rules it is given (as shipped, or a learner's edit); how the
    loss is written (its formula, or the edited function's name) is for mathtex and panels.
    """

    name: str  # the function's name in rules.py; its derivative is name + "_grad"
    label: str  # in words, for menus and refusals
    needs_output: str | None = None  # the output activation the loss needs
    target_range: tuple[float, float] | None = None  # the targets it is defined for
    cancels: str | None = None  # the output activation whose g' cancels dL/dŷ's denominator

    def value(self, rules: Rules, y_hat: np.ndarray, y: np.ndarray, z: np.ndarray) -> float:
        return float(getattr(rules, self.name)(y_hat, y, z))

    def grad(self, rules: Rules, y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
        """dL/dŷ"""
        return getattr(rules, self.name + "_grad")(y_hat, y)

    def edited(self, rules: Rules) -> bool:
        return rules.edited(self.name) or rules.edited(self.name + "_grad")

    def output_step(self, rules: Rules, g: Activation, L: int, z: np.ndarray, y_hat: np.ndarray, y: np.ndarray) -> OutputStep:
        """δ[L] = dL/dŷ ⊙ g'(z[L]), through the rules: every view of the output layer's error
        (the backward step, the traces, the equations) starts here."""
        dL_dy_hat = self.grad(rules, y_hat, y)
        g_prime = g.g_prime(rules)(z)
        return OutputStep(self, g, L, dL_dy_hat, g_prime, rules.output_delta(dL_dy_hat, g_prime), rules)


@dataclass(frozen=True)
class OutputStep:
    """The output layer's error: dL/dŷ, g'(z[L]) and δ[L] = output_delta(dL/dŷ, g'(z[L]))."""

    loss: Loss
    g: Activation
    layer: int  # the lesson's L
    dL_dy_hat: np.ndarray
    g_prime: np.ndarray
    delta: np.ndarray
    rules: Rules  # the rules that computed it

    @property
    def cancels(self) -> bool:
        """Cross-entropy after a sigmoid: σ'(z) = ŷ(1 − ŷ) cancels dL/dŷ's denominator, δ = ŷ − y."""
        return self.loss.cancels == self.g.name and not self.loss.edited(self.rules) and not self.rules.edited("output_delta")

    @property
    def grad_edited(self) -> bool:
        """dL/dŷ is the learner's own function: written by its name, not the loss's formula."""
        return self.rules.edited(self.loss.name + "_grad")

    def factors(self, n: int) -> tuple[Factor, ...]:
        """Output neuron n's start of every chain (n 0-based): dL/dŷ_n · g'(z[L]_n), or δ[L]_n
        alone when an edited output_delta is not that product, so the chain still sums to ∂L/∂W."""
        L, d, gp = self.layer, float(self.dL_dy_hat[n, 0]), float(self.g_prime[n, 0])
        delta = float(self.delta[n, 0])
        if d * gp == delta or np.isclose(d * gp, delta, rtol=1e-12, atol=0.0):
            return (Factor("dL_dy_hat", L, (n,), d), Factor("g_prime", L, (n,), gp))
        return (Factor("delta", L, (n,), delta),)


LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", "mean squared error"),
    "bce": Loss("bce", "binary cross-entropy", needs_output="sigmoid", target_range=(0.0, 1.0), cancels="sigmoid"),
}


# the functions a rules.py defines: every activation with its g', every loss with its dL/dŷ, the backward pass
RULE_NAMES: tuple[str, ...] = (
    *(f for name in ACTIVATIONS for f in (name, name + "_prime")),
    *(f for name in LOSSES for f in (name, name + "_grad")),
    "output_delta", "hidden_delta", "weight_gradient", "bias_gradient",
)


class Rules:
    """The functions of rules.py the engine computes with, by name: `rules.sigmoid_prime(z)`.

    SHIPPED holds the module as it ships; a learner's edit (the Edit page) is another Rules,
    which the controller hands to the Simulation. Immutable: a change is a new Rules.
    """

    __slots__ = ("_functions",)

    def __init__(self, functions: Mapping[str, Callable]):
        missing = [name for name in RULE_NAMES if not callable(functions.get(name))]
        if missing:
            raise ValueError("The rules must define: " + ", ".join(missing) + ".")
        object.__setattr__(self, "_functions", MappingProxyType({name: functions[name] for name in RULE_NAMES}))

    def __getattr__(self, name: str) -> Callable:
        if name.startswith("_"):  # _functions itself, before __init__ has set it
            raise AttributeError(name)
        try:
            return self._functions[name]
        except KeyError:
            raise AttributeError(f"rules.py has no rule {name!r}") from None

    def __setattr__(self, name, value):
        raise AttributeError("Rules cannot change: make a new Rules")

    @property
    def functions(self) -> dict[str, Callable]:
        return dict(self._functions)

    def edited(self, name: str) -> bool:
        """Is this rule the learner's own, not rules.py's as shipped?"""
        return self._functions[name] is not getattr(shipped_rules, name)


SHIPPED = Rules(vars(shipped_rules))


# --------------------------------------------------------------------------
# the network


def _frozen(array) -> np.ndarray:
    array = np.array(array, dtype=float)
    array.flags.writeable = False  # every change makes a new array: undo is free
    return array


def _column(values, name: str, expected: int | None = None) -> np.ndarray:
    try:
        array = np.array(values, dtype=float).reshape(-1, 1)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a list of numbers, got {values!r}.") from None
    if expected is not None and array.shape[0] != expected:
        raise ValueError(f"{name} needs {expected} value(s), got {array.shape[0]}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite numbers (no NaN or infinity), got {array.ravel().tolist()}.")
    _check_size(array, name)
    return _frozen(array)


def _check_size(array: np.ndarray, name: str) -> None:
    if np.any(np.abs(array) > VALUE_LIMIT):
        big = float(array.ravel()[np.argmax(np.abs(array))])
        raise ValueError(f"{name} must lie between {number(-VALUE_LIMIT, 0)} and {number(VALUE_LIMIT, 0)}, got {number(big)}: "
                         "larger values overflow the arithmetic within a few steps.")


def check_number(value, name: str) -> float:
    """A finite float, or a ValueError a learner can read that names the value (true and false are not numbers)."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond float, 10**400
        raise ValueError(f"{name} must be a number, got {value!r}.") from None
    if not np.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    return number


def check_layers(layers) -> tuple[int, ...]:
    """Layer sizes [n0, n1, ..., nL] within the limits, or a ValueError a teacher can read."""
    try:
        sizes = tuple(int(n) for n in layers)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"Layer sizes must be whole numbers, got {layers!r}.") from None
    if any(float(n) != int(n) for n in layers):
        raise ValueError(f"Layer sizes must be whole numbers, got {list(layers)!r}.")
    if len(sizes) < 2:
        raise ValueError("A network needs at least an input layer and an output layer.")
    hidden = sizes[1:-1]
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"At most {MAX_HIDDEN_LAYERS} hidden layers, got {len(hidden)}.")
    if not 1 <= sizes[0] <= MAX_INPUTS:
        raise ValueError(f"Inputs: 1 to {MAX_INPUTS} allowed, got {sizes[0]}.")
    if not 1 <= sizes[-1] <= MAX_OUTPUTS:
        raise ValueError(f"Outputs: 1 to {MAX_OUTPUTS} allowed, got {sizes[-1]}.")
    for n in hidden:
        if not 1 <= n <= MAX_NEURONS:
            raise ValueError(f"Hidden layers: 1 to {MAX_NEURONS} neurons each, got {n}.")
    return sizes


def check_activation(name) -> Activation:
    """The activation of that name, or the refusal the API, the URL and the menus all give."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}.")
    return ACTIVATIONS[name]


def _loss(name: str, output_activation: str) -> Loss:
    if not isinstance(name, str) or name not in LOSSES:
        raise ValueError(f"Unknown loss {name!r}; choose one of {', '.join(LOSSES)}.")
    loss = LOSSES[name]
    if loss.needs_output and output_activation != loss.needs_output:
        raise ValueError(f"{loss.label.capitalize()} needs a {loss.needs_output} output (ŷ must lie between 0 and 1).")
    return loss


class Selection(NamedTuple):
    """A weight W[l]_jk or a neuron j of layer l that the learner picked.

    Stored as the arrays index it (j, k from 0); the lesson, the API and the URL count
    neurons from 1. `from_lesson`, `lesson` and `number` are the one place where the two meet.
    """

    kind: str  # "weight" or "neuron"
    l: int  # the weight layer, from 1 as in the lesson
    j: int
    k: int | None = None  # weights only

    @staticmethod
    def from_lesson(kind: str, l: int, j: int, k: int | None = None) -> Selection:
        return Selection(kind, l, j - 1, None if k is None else k - 1)

    def lesson(self) -> list:
        """["weight", l, j, k] or ["neuron", l, j], counted from 1."""
        return [self.kind, self.l, self.number(self.j)] + ([] if self.k is None else [self.number(self.k)])

    @staticmethod
    def number(n: int) -> int:
        """Neuron n of an array (from 0) as the lesson counts it (from 1)."""
        return int(n) + 1


@dataclass(frozen=True)
class Network:
    """Layer sizes, activations, loss and parameters. Immutable: changes return a new Network."""

    layers: tuple[int, ...]
    hidden_activation: str
    output_activation: str
    loss_fn: str
    W: tuple  # W[l], shape (n_l, n_{l-1}); W[0] is None
    b: tuple  # b[l], shape (n_l, 1); b[0] is None

    @staticmethod
    def build(layers, W, b, hidden_activation="sigmoid", output_activation="sigmoid", loss_fn="mse") -> Network:
        sizes = check_layers(layers)
        check_activation(hidden_activation)
        check_activation(output_activation)
        _loss(loss_fn, output_activation)
        L = len(sizes) - 1
        if len(W) != L or len(b) != L:
            raise ValueError(f"A network with layers {list(sizes)} needs {L} weight matrices and bias vectors.")
        Ws, bs = [None], [None]
        for l in range(1, L + 1):
            shape = (sizes[l], sizes[l - 1])
            try:
                w = np.array(W[l - 1], dtype=float)
            except (TypeError, ValueError):
                raise ValueError(f"{symbol('W', l)} must be a matrix of numbers.") from None
            if w.shape != shape:
                raise ValueError(f"{symbol('W', l)} must have shape {shape[0]}×{shape[1]}, got {'×'.join(map(str, w.shape))}.")
            if not np.all(np.isfinite(w)):
                raise ValueError(f"{symbol('W', l)} must hold finite numbers.")
            _check_size(w, symbol("W", l))
            Ws.append(_frozen(w))
            bs.append(_column(b[l - 1], symbol("b", l), sizes[l]))
        return Network(sizes, hidden_activation, output_activation, loss_fn, tuple(Ws), tuple(bs))

    @staticmethod
    def random(layers, seed: int, hidden_activation="sigmoid", output_activation="sigmoid", loss_fn="mse") -> Network:
        """Weights drawn from the seed, rounded to two decimals so they can be used by hand.

        Xavier (Glorot) normal, std = sqrt(2 / (fan_in + fan_out)), for sigmoid, tanh and
        linear layers; He normal, std = sqrt(2 / fan_in), for the ReLU kinds. Biases start at 0.
        """
        sizes = check_layers(layers)
        seed = int(check_number(seed, "The seed"))
        if not 0 <= seed <= SEED_MAX:
            raise ValueError(f"The seed must be a whole number from 0 to {SEED_MAX}, got {seed}.")
        rng = np.random.default_rng(seed)
        W, b = [], []
        L = len(sizes) - 1
        for l in range(1, L + 1):
            fan_in, fan_out = sizes[l - 1], sizes[l]
            kind = output_activation if l == L else hidden_activation
            std = np.sqrt(2.0 / fan_in) if kind in ("relu", "leaky_relu") else np.sqrt(2.0 / (fan_in + fan_out))
            W.append(np.round(rng.normal(0.0, std, size=(fan_out, fan_in)), 2) + 0.0)  # + 0.0 turns -0.0 into 0.0
            b.append(np.zeros(fan_out))
        return Network.build(sizes, W, b, hidden_activation, output_activation, loss_fn)

    @property
    def L(self) -> int:
        """Number of weight layers; layer L is the output."""
        return len(self.layers) - 1

    def g(self, l: int) -> Activation:
        return ACTIVATIONS[self.output_activation if l == self.L else self.hidden_activation]

    @property
    def loss(self) -> Loss:
        return LOSSES[self.loss_fn]

    def with_weight(self, l: int, j: int, k: int, value) -> Network:
        self.check_index(l, j, k)
        name = "The weight " + symbol("W", l, j + 1, k + 1)
        value = check_number(value, name)
        _check_size(np.array(value), name)
        w = np.array(self.W[l])
        w[j, k] = value
        return replace(self, W=self.W[:l] + (_frozen(w),) + self.W[l + 1 :])

    def with_bias(self, l: int, j: int, value) -> Network:
        self.check_index(l, j, 0)
        name = "The bias " + symbol("b", l, j + 1)
        value = check_number(value, name)
        _check_size(np.array(value), name)
        b = np.array(self.b[l])
        b[j, 0] = value
        return replace(self, b=self.b[:l] + (_frozen(b),) + self.b[l + 1 :])

    def check_index(self, l, j, k) -> None:
        if not (isinstance(l, (int, np.integer)) and 1 <= l <= self.L):
            raise ValueError(f"Weight layers are numbered 1 to {self.L}, got {l!r}.")
        rows, cols = self.layers[l], self.layers[l - 1]
        if not (isinstance(j, (int, np.integer)) and 0 <= j < rows):
            raise ValueError(f"Layer {l} has neurons 1 to {rows}, got {j + 1 if isinstance(j, int) else j!r}.")
        if not (isinstance(k, (int, np.integer)) and 0 <= k < cols):
            raise ValueError(f"Layer {l - 1} has neurons 1 to {cols}, got {k + 1 if isinstance(k, int) else k!r}.")

    # ---- forward

    def forward(self, x: np.ndarray, y: np.ndarray, rules: Rules = SHIPPED) -> ForwardPass:
        a, z = [x], [None]
        for l in range(1, self.L + 1):
            z.append(_frozen(self.W[l] @ a[l - 1] + self.b[l]))  # z[l] = W[l] a[l-1] + b[l]
            a.append(_frozen(self.g(l).g(rules)(z[l])))  # a[l] = g(z[l])
        y_hat = a[self.L]
        return ForwardPass(tuple(z), tuple(a), self.loss.value(rules, y_hat, y, z[self.L]))

    # ---- backward, one layer at a time

    def output_step(self, fp: ForwardPass, y: np.ndarray, rules: Rules = SHIPPED) -> OutputStep:
        """δ[L] = dL/dŷ ⊙ g'(z[L]): the loss owns it (Loss.output_step)."""
        L = self.L
        return self.loss.output_step(rules, self.g(L), L, fp.z[L], fp.a[L], y)

    def backward_step(self, fp: ForwardPass, y: np.ndarray, done: tuple[BackwardStep, ...], rules: Rules = SHIPPED) -> BackwardStep:
        """The next step of backpropagation, after the steps already done.

        Step 1 is the output layer L; step s works on layer l = L - s + 1.
        """
        L = self.L
        l = L - len(done)
        g = self.g(l)
        z, a = fp.z, fp.a
        output = None
        if l == L:
            output = self.output_step(fp, y, rules)  # δ[L] = dL/dŷ ⊙ g'(z[L]), as the loss's rules say
            delta = _frozen(output.delta)
            operands = (Operand("dL_dy_hat", L, output.dL_dy_hat), Operand("g_prime", L, output.g_prime))
            ops = ("hadamard",)
        else:
            W_next, delta_next, g_prime = self.W[l + 1], done[-1].delta.result.value, g.g_prime(rules)(z[l])
            delta = _frozen(rules.hidden_delta(W_next, delta_next, g_prime))  # δ[l] = (W[l+1])ᵀ δ[l+1] ⊙ g'(z[l])
            operands = (Operand("W", l + 1, W_next.T, transposed=True), Operand("delta", l + 1, delta_next), Operand("g_prime", l, g_prime))
            ops = ("matmul", "hadamard")
        delta_op = Operand("delta", l, delta)
        dW = _frozen(rules.weight_gradient(delta, a[l - 1]))  # ∂L/∂W[l] = δ[l] (a[l-1])ᵀ
        db = _frozen(rules.bias_gradient(delta))  # ∂L/∂b[l] = δ[l]
        return BackwardStep(
            len(done) + 1, l, g,
            Equation(delta_op, operands, ops),
            Equation(Operand("dW", l, dW), (delta_op, Operand("a", l - 1, a[l - 1].T, transposed=True)), ("matmul",)),
            Equation(Operand("db", l, db), (delta_op,), ()),
            output,
        )

    def gradients(self, x: np.ndarray, y: np.ndarray, rules: Rules = SHIPPED) -> tuple[ForwardPass, tuple[BackwardStep, ...]]:
        """Forward pass and every backward step at once."""
        fp = self.forward(x, y, rules)
        steps: tuple[BackwardStep, ...] = ()
        for _ in range(self.L):
            steps += (self.backward_step(fp, y, steps, rules),)
        return fp, steps

    def updated(self, steps: tuple[BackwardStep, ...], learning_rate: float) -> Network:
        """One step of gradient descent: W[l] ← W[l] − η ∂L/∂W[l], b[l] ← b[l] − η ∂L/∂b[l]."""
        by_layer = {s.layer: s for s in steps}
        W = (None,) + tuple(_frozen(self.W[l] - learning_rate * by_layer[l].dW.result.value) for l in range(1, self.L + 1))
        b = (None,) + tuple(_frozen(self.b[l] - learning_rate * by_layer[l].db.result.value) for l in range(1, self.L + 1))
        return replace(self, W=W, b=b)


@dataclass(frozen=True)
class ForwardPass:
    z: tuple  # z[l] = W[l] a[l-1] + b[l]; z[0] is None
    a: tuple  # a[l] = g(z[l]); a[0] = x, a[L] = y_hat
    loss: float

    @property
    def y_hat(self) -> np.ndarray:
        return self.a[-1]


# --------------------------------------------------------------------------
# backward steps as the UI shows them


@dataclass(frozen=True)
class Operand:
    """A quantity of the lesson and its value: which one it is, not how it is written
    (mathtex writes it in TeX, panels in words)."""

    symbol: str  # "delta", "W", "a", "g_prime", "dL_dy_hat", "dW" (∂L/∂W), "db" (∂L/∂b)
    layer: int  # the lesson's l
    value: np.ndarray
    transposed: bool = False  # the value is the quantity's transpose, (W[l+1])ᵀ or (a[l-1])ᵀ

    @property
    def shape(self) -> tuple[int, int]:
        return self.value.shape


@dataclass(frozen=True)
class Equation:
    """result = operands[0] ops[0] operands[1] ...; ops are "matmul" (·) and "hadamard" (⊙)."""

    result: Operand
    operands: tuple[Operand, ...]
    ops: tuple[str, ...]


@dataclass(frozen=True)
class BackwardStep:
    number: int  # 1 for the output layer
    layer: int  # the lesson's l
    g: Activation  # layer l's activation, whose g'(z[l]) the step uses
    delta: Equation  # delta[l]: error signal, dL/dz[l]
    dW: Equation  # dL/dW[l]
    db: Equation  # dL/db[l]
    output: OutputStep | None = None  # the output layer's step: the loss's dL/dŷ, and whether σ' cancels

    @property
    def equations(self) -> tuple[Equation, Equation, Equation]:
        return (self.delta, self.dW, self.db)


# --------------------------------------------------------------------------
# explanations: the chain rule written out, with numbers


@dataclass(frozen=True)
class Factor:
    """One factor of a chain: which quantity (as Operand.symbol), at which neurons (0-based), its value."""

    symbol: str  # "dL_dy_hat", "g_prime", "W", "a", or "delta" (an edited output_delta's δ[L]_n)
    layer: int
    index: tuple[int, ...]  # (n,) for a neuron's value, (m, n) for a weight
    value: float


@dataclass(frozen=True)
class ChainPath:
    neurons: tuple[int, ...]  # 0-based neuron index in layers l, l+1, ..., L
    factors: tuple[Factor, ...]

    @property
    def product(self) -> float:
        return float(np.prod([f.value for f in self.factors]))


@dataclass(frozen=True)
class Chain:
    """dL/dw[l]_jk as a sum over every path from the weight to the loss of a product of factors."""

    layer: int
    j: int
    k: int
    paths: tuple[ChainPath, ...]

    @property
    def total(self) -> float:
        return float(sum(p.product for p in self.paths))


def chain_for_weight(net: Network, fp: ForwardPass, y: np.ndarray, l: int, j: int, k: int, rules: Rules = SHIPPED) -> Chain:
    """The "Trace the Chain" activity for weight w[l]_jk (j, k 0-based).

    dL/dw = dL/dŷ · g'(z[L]) · W[L] · g'(z[L-1]) ··· W[l+1] · g'(z[l]) · a[l-1]_k,
    one product per path of neurons from the output down to neuron j; their sum is dW[l][j, k].
    """
    net.check_index(l, j, k)
    L, z, a = net.L, fp.z, fp.a

    def g_prime(layer: int, n: int) -> Factor:
        return Factor("g_prime", layer, (n,), float(net.g(layer).g_prime(rules)(z[layer])[n, 0]))

    out = net.output_step(fp, y, rules)  # the loss's own dL/dŷ and δ[L]: an edited rule changes the chain too

    def to_z(layer: int, n: int):
        """Every path from the loss down to z[layer]_n: (neurons top-down, factors top-down)."""
        if layer == L:
            yield (n,), out.factors(n)
            return
        for m in range(net.layers[layer + 1]):
            w = Factor("W", layer + 1, (m, n), float(net.W[layer + 1][m, n]))
            for route, factors in to_z(layer + 1, m):
                yield route + (n,), factors + (w, g_prime(layer, n))

    input_factor = Factor("a", l - 1, (k,), float(a[l - 1][k, 0]))
    paths = tuple(ChainPath(tuple(reversed(route)), factors + (input_factor,)) for route, factors in to_z(l, j))
    return Chain(l, j, k, paths)


@dataclass(frozen=True)
class DeltaTerm:
    m: int  # neuron of layer l+1 (0-based)
    weight: float  # W[l+1]_mj: row j of (W[l+1])ᵀ
    delta_next: float  # delta[l+1]_m

    @property
    def product(self) -> float:
        return self.weight * self.delta_next


@dataclass(frozen=True)
class DeltaSum:
    """delta[l]_j = g'(z[l]_j) · Σ_m W[l+1]_mj delta[l+1]_m  (for l = L: dL/dŷ_j · g'(z[L]_j))."""

    layer: int
    j: int
    g_prime: float
    terms: tuple[DeltaTerm, ...]  # empty for the output layer
    upstream: float  # Σ_m W[l+1]_mj delta[l+1]_m, or dL/dŷ_j at the output
    value: float


def delta_as_sum(net: Network, steps: tuple[BackwardStep, ...], y: np.ndarray, fp: ForwardPass, l: int, j: int,
                 rules: Rules = SHIPPED) -> DeltaSum:
    """Why the transpose: neuron j's error collects column j of W[l+1], i.e. row j of (W[l+1])ᵀ."""
    net.check_index(l, j, 0)
    by_layer = {s.layer: s for s in steps}
    if l not in by_layer:
        raise ValueError(f"{symbol('δ', l)} is not computed yet: keep pressing Backward Step.")
    value = float(by_layer[l].delta.result.value[j, 0])
    g_prime = float(net.g(l).g_prime(rules)(fp.z[l])[j, 0])
    if l == net.L:
        out = net.output_step(fp, y, rules)
        return DeltaSum(l, j, float(out.g_prime[j, 0]), (), float(out.dL_dy_hat[j, 0]), value)
    delta_next = by_layer[l + 1].delta.result.value
    terms = tuple(DeltaTerm(m, float(net.W[l + 1][m, j]), float(delta_next[m, 0])) for m in range(net.layers[l + 1]))
    return DeltaSum(l, j, g_prime, terms, float(sum(t.product for t in terms)), value)


def dead_neurons(net: Network, fp: ForwardPass) -> list[tuple[int, int]]:
    """Hidden neurons (l, j) with z ≤ 0 under ReLU: g'(z) = 0, so no gradient flows back through them."""
    if net.hidden_activation != "relu":
        return []
    return [(l, j) for l in range(1, net.L) for j in range(net.layers[l]) if fp.z[l][j, 0] <= 0]


def gradient_check(net: Network, x: np.ndarray, y: np.ndarray, eps: float = 1e-6, rules: Rules = SHIPPED):
    """Central differences (L(w + ε) − L(w − ε)) / 2ε for every weight and bias.

    Returns (dW, db) lists indexed like the network's (index 0 None), independent of backprop.
    """
    dW, db = [None], [None]
    for l in range(1, net.L + 1):
        gW = np.zeros_like(net.W[l])
        for (j, k), w in np.ndenumerate(net.W[l]):
            plus = net.with_weight(l, j, k, w + eps).forward(x, y, rules).loss
            minus = net.with_weight(l, j, k, w - eps).forward(x, y, rules).loss
            gW[j, k] = (plus - minus) / (2 * eps)
        gb = np.zeros_like(net.b[l])
        for j in range(net.layers[l]):
            bj = net.b[l][j, 0]
            plus = net.with_bias(l, j, bj + eps).forward(x, y, rules).loss
            minus = net.with_bias(l, j, bj - eps).forward(x, y, rules).loss
            gb[j, 0] = (plus - minus) / (2 * eps)
        dW.append(gW)
        db.append(gb)
    return dW, db


def relative_error(a, b) -> float:
    """max |a − b| / max(|a| + |b|, tiny): 0 when equal, about 1 when unrelated."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.maximum(np.abs(a) + np.abs(b), 1e-12)
    return float(np.max(np.abs(a - b) / scale))


# --------------------------------------------------------------------------
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
        self.history.append(self.now)
        del self.history[:-MAX_HISTORY]  # long training runs keep only the recent past
        self.now = moment if moment.rules is self.rules else replace(moment, rules=self.rules)

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
    def trained(self, before: tuple, net: Network, learning_rate, losses: tuple[float, ...] = (), updates: int = 1) -> None:
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
        )
        now = self.now
        self._go(Moment(net, now.x, now.y, last_update=change, losses=(now.losses + tuple(losses))[-MAX_HISTORY:],
                        updates=now.updates + updates))

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

    def set_weight(self, l, j, k, value) -> None:
        self._changed(net=self.net.with_weight(l, j, k, value))

    def set_bias(self, l, j, value) -> None:
        self._changed(net=self.net.with_bias(l, j, value))

    @_quiet
    def set_network(self, net: Network, x=None, y=None) -> None:
        """A new network (preset, architecture or activation change): starts from ready."""
        x = self.now.x if x is None else x
        y = self.now.y if y is None else y
        x = _fit(x, net.layers[0])
        y = _fit(y, net.layers[-1])
        self._go(Moment(net, _column(x, "The input x", net.layers[0]), _column(y, "The target y", net.layers[-1])))

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
    lr = check_number(value, "The learning rate")
    if not 0 < lr <= LEARNING_RATE_MAX:
        raise ValueError(f"The learning rate must be above 0 and at most {LEARNING_RATE_MAX:g}, got {lr:g}.")
    return lr


@dataclass(frozen=True)
class Update:
    """The last step of gradient descent: ΔW[l] = −η ∂L/∂W[l], Δb[l] = −η ∂L/∂b[l] (index 0 None)."""

    learning_rate: float
    dW: tuple
    db: tuple


def _updated(moment: Moment, lr: float) -> Moment:
    """The moment after one step of gradient descent; the forward pass must be redone."""
    net = moment.net
    new = net.updated(moment.steps, lr)
    change = Update(
        lr,
        (None,) + tuple(new.W[l] - net.W[l] for l in range(1, net.L + 1)),
        (None,) + tuple(new.b[l] - net.b[l] for l in range(1, net.L + 1)),
    )
    return replace(moment, net=new, forward=None, steps=(), last_update=change, updates=moment.updates + 1)


def _fit(values, n: int) -> np.ndarray:
    """Keep as many of the old values as the new layer has, padding with the last one."""
    values = np.asarray(values, dtype=float).ravel()
    if values.size >= n:
        return values[:n]
    pad = values[-1] if values.size else 0.0
    return np.concatenate([values, np.full(n - values.size, pad)])
