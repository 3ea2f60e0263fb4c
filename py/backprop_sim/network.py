"""A small fully connected network, its forward pass and its backward pass one layer at a time.

Pure numpy: no browser, no clock, no globals. The same code runs in the learner's browser
(Pyodide) and in the tests (CPython).

Conventions, exactly as in the lesson:
  * vectors are columns: x, b[l], z[l], a[l], delta[l] have shape (n_l, 1);
  * weight layers are numbered from 1. W[1] maps the inputs a[0] = x to the first
    layer and W[L] produces the output a[L] = y_hat. Lists indexed by layer keep
    slot 0 for a[0] and leave it None for the per-weight-layer values, so that
    W[l], delta[l] and dW[l] below mean what they mean on the lesson page;
  * z[l] = W[l] a[l-1] + b[l],   a[l] = g_l(z[l]).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from . import reading
from .catalogue import Activation, Loss
from .formatting import number, symbol
from .rulebook import ACTIVATIONS, DEFAULT_ACTIVATION, DEFAULT_LOSS, LOSSES, SHIPPED, Rules, check_activation, check_loss

# The limits the simulation promises to draw and explain well.
MAX_HIDDEN_LAYERS = 4
MAX_NEURONS = 8
MAX_INPUTS = 7  # seven input features on a data set (datasets.FEATURES)
MAX_OUTPUTS = 6  # six classes at most, one softmax output each (datasets.MAX_CLASSES)

# the benchmarks' network: 7 → 8 → 8 → 8 → 8 → 3, the largest before six outputs were allowed
# (kept, so their numbers stay comparable)
LARGEST_LAYERS = (MAX_INPUTS, *[MAX_NEURONS] * MAX_HIDDEN_LAYERS, 3)

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
    def build(layers, W, b, hidden_activation=DEFAULT_ACTIVATION, output_activation=DEFAULT_ACTIVATION, loss_fn=DEFAULT_LOSS) -> Network:
        sizes = check_layers(layers)
        if check_activation(hidden_activation).output_only:
            raise ValueError(f"{hidden_activation} couples a layer's neurons: it is for the output layer only.")
        if check_activation(output_activation).output_only and sizes[-1] < 2:
            raise ValueError(f"A {output_activation} output needs two or more output neurons (one per class); "
                             "with one, use a sigmoid.")
        check_loss(loss_fn, output_activation)
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
    def random(layers, seed: int, hidden_activation=DEFAULT_ACTIVATION, output_activation=DEFAULT_ACTIVATION,
               loss_fn=DEFAULT_LOSS) -> Network:
        """Weights drawn from the seed, rounded to two decimals so they can be used by hand.

        Each layer's normal distribution is its activation's own (catalogue: Xavier for sigmoid,
        tanh and linear layers, He for the ReLU kinds, as rules.py's catalogue says). Biases start at 0.
        """
        sizes = check_layers(layers)
        seed = int(reading.number(seed, "The seed"))
        if not 0 <= seed <= SEED_MAX:
            raise ValueError(f"The seed must be a whole number from 0 to {SEED_MAX}, got {seed}.")
        rng = np.random.default_rng(seed)
        W, b = [], []
        L = len(sizes) - 1
        for l in range(1, L + 1):
            fan_in, fan_out = sizes[l - 1], sizes[l]
            std = check_activation(output_activation if l == L else hidden_activation).init(fan_in, fan_out)
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
        value = reading.number(value, name)
        _check_size(np.array(value), name)
        w = np.array(self.W[l])
        w[j, k] = value
        return replace(self, W=self.W[:l] + (_frozen(w),) + self.W[l + 1 :])

    def with_bias(self, l: int, j: int, value) -> Network:
        self.check_index(l, j, 0)
        name = "The bias " + symbol("b", l, j + 1)
        value = reading.number(value, name)
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

    def activations(self, rules: Rules = SHIPPED) -> list:
        """g of every layer as the rules have it (index 0 None)."""
        return [None] + [self.g(l).g(rules) for l in range(1, self.L + 1)]

    def forward(self, x: np.ndarray, y: np.ndarray, rules: Rules = SHIPPED) -> ForwardPass:
        Z, A = forward_columns(self.W, self.b, self.activations(rules), x)
        z, a = (None,) + tuple(_frozen(v) for v in Z[1:]), tuple(_frozen(v) for v in A)
        return ForwardPass(z, a, self.loss.value(rules, a[self.L], y, z[self.L]))

    # ---- backward, one layer at a time

    def output_step(self, fp: ForwardPass, y: np.ndarray, rules: Rules = SHIPPED) -> OutputStep:
        """δ[L] = dL/dŷ ⊙ g'(z[L]): the loss owns it (engine.output_step)."""
        L = self.L
        return output_step(self.loss, rules, self.g(L), L, fp.z[L], fp.a[L], y)

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
            if output.jacobian:  # softmax: δ[L] = (g'(z[L]))ᵀ dL/dŷ, g' the Jacobian
                operands = (Operand("g_prime", L, output.g_prime[:, :, 0].T, transposed=True), Operand("dL_dy_hat", L, output.dL_dy_hat))
                ops = ("matmul",)
            else:
                operands = (Operand("dL_dy_hat", L, output.dL_dy_hat), Operand("g_prime", L, output.g_prime))
                ops = ("hadamard",)
        else:
            W_next, delta_next, g_prime = self.W[l + 1], done[-1].delta.result.value, g.slope_of(rules)(z[l], a[l])
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


def forward_columns(W, b, g, A0: np.ndarray) -> tuple[list, list]:
    """The forward pass on examples as the columns of A0, with the weights, biases and activation
    functions given (index 0 None): every forward pass there is goes through here, the lesson's one
    example, a training batch, the picture over the plane.

        z[l] = W[l] a[l-1] + b[l],   a[l] = g_l(z[l])
    """
    A, Z = [A0], [None]
    for l in range(1, len(W)):
        Z.append(W[l] @ A[l - 1] + b[l])
        A.append(g[l](Z[l]))
    return Z, A


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



@dataclass(frozen=True)
class Factor:
    """One factor of a chain: which quantity (as Operand.symbol), at which neurons (0-based), its value."""

    symbol: str  # "dL_dy_hat", "g_prime", "W", "a", or "delta" (an edited output_delta's δ[L]_n)
    layer: int
    index: tuple[int, ...]  # (n,) for a neuron's value, (m, n) for a weight
    value: float



def output_step(loss: Loss, rules: Rules, g: Activation, L: int, z: np.ndarray, y_hat: np.ndarray, y: np.ndarray) -> OutputStep:
    """δ[L] = dL/dŷ ⊙ g'(z[L]), through the rules: every view of the output layer's error (the
    backward step, the traces, the equations) starts here, so the loss owns its output step."""
    dL_dy_hat = loss.grad(rules, y_hat, y)
    g_prime = g.slope_of(rules)(z, y_hat)
    return OutputStep(loss, g, L, dL_dy_hat, g_prime, rules.output_delta(dL_dy_hat, g_prime), rules)


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
        return (self.loss.cancels and self.loss.output == self.g.name and not self.loss.edited(self.rules)
                and not self.rules.edited("output_delta"))

    @property
    def jacobian(self) -> bool:
        """g'(z[L]) is a Jacobian (softmax), not one slope per neuron: δ[L] = (g'(z[L]))ᵀ dL/dŷ."""
        return np.ndim(self.g_prime) == 3

    @property
    def grad_edited(self) -> bool:
        """dL/dŷ is the learner's own function: written by its name, not the loss's formula."""
        return self.rules.edited(self.loss.name + "_grad")

    def factors(self, n: int) -> tuple[Factor, ...]:
        """Output neuron n's start of every chain (n 0-based): dL/dŷ_n · g'(z[L]_n), or δ[L]_n
        alone when an edited output_delta is not that product, so the chain still sums to ∂L/∂W."""
        L, delta = self.layer, float(self.delta[n, 0])
        if self.jacobian:  # every output's dL/dŷ reaches z[L]_n: the chain starts at δ[L]_n itself
            return (Factor("delta", L, (n,), delta),)
        d, gp = float(self.dL_dy_hat[n, 0]), float(self.g_prime[n, 0])
        if d * gp == delta or np.isclose(d * gp, delta, rtol=1e-12, atol=0.0):
            return (Factor("dL_dy_hat", L, (n,), d), Factor("g_prime", L, (n,), gp))
        return (Factor("delta", L, (n,), delta),)


# the functions a rules.py defines: every activation with its g', every loss with its dL/dŷ, the backward pass
