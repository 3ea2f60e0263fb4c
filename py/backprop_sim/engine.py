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
from typing import Callable, NamedTuple

import numpy as np

from . import rules
from .formatting import SUBSCRIPTS, number

# The limits the simulation promises to draw and explain well.
MAX_HIDDEN_LAYERS = 4
MAX_NEURONS = 8
MAX_INPUTS = 4
MAX_OUTPUTS = 3

# the largest network those limits allow: 4 → 8 → 8 → 8 → 8 → 3 (the benchmarks use it)
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
# activations and losses: the functions live in rules.py, looked up by name at every
# call, so the "Edit" page can replace them in the running simulation


@dataclass(frozen=True)
class Activation:
    name: str  # key used by the API and the URL, and the function's name in rules.py
    label: str  # how the lesson writes g: "σ"
    tex: str  # g in LaTeX
    prime_tex: str  # g'(z) as a formula, for the equation panel

    @property
    def g(self) -> Callable[[np.ndarray], np.ndarray]:
        return getattr(rules, self.name)

    @property
    def g_prime(self) -> Callable[[np.ndarray], np.ndarray]:
        return getattr(rules, self.name + "_prime")


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", "σ", r"\sigma", r"\sigma(z)\,(1-\sigma(z))"),
        Activation("tanh", "tanh", r"\tanh", r"1-\tanh^2(z)"),
        Activation("relu", "ReLU", r"\mathrm{ReLU}", r"1 \text{ if } z>0 \text{ else } 0"),
        Activation("leaky_relu", "LReLU", r"\mathrm{LReLU}", r"1 \text{ if } z>0 \text{ else } 0.01"),
        Activation("linear", "id", r"\mathrm{id}", r"1"),
    )
}


_ORIGINAL_RULES = dict(vars(rules))  # to tell the rules as shipped from a learner's edit (editing.install)


def _edited(name: str) -> bool:
    return getattr(rules, name) is not _ORIGINAL_RULES.get(name)


@dataclass(frozen=True)
class Loss:
    """A loss, and the output layer's step that follows from it: the one owner of dL/dŷ.

    The formulas below describe the rules as shipped; once a learner edits the loss or its
    derivative (the Edit page), the text and TeX name the edited function instead of a
    formula it may no longer compute, and every number comes from the rule itself.
    """

    name: str  # the function's name in rules.py; its derivative is name + "_grad"
    label: str
    formula_tex: str  # L, symbolic
    summary: str  # the network summary line's words for it
    grad_text: str  # dL/dŷ as the lesson writes it: "(ŷ − y)"
    grad_tex: str
    neuron_text: str  # dL/dŷ for output neuron {n}, plain text
    term_tex: str  # one output's share of L with numbers; fields p = ŷ, t = y, q = 1 − ŷ, s = 1 − y
    sum_tex: str  # the shares together; field terms
    needs_output: str | None = None  # the output activation the loss needs
    target_range: tuple[float, float] | None = None  # the targets it is defined for
    cancels: str | None = None  # the output activation whose g' cancels dL/dŷ's denominator

    def value(self, y_hat: np.ndarray, y: np.ndarray, z: np.ndarray) -> float:
        return float(getattr(rules, self.name)(y_hat, y, z))

    def grad(self, y_hat: np.ndarray, y: np.ndarray) -> np.ndarray:
        """dL/dŷ"""
        return getattr(rules, self.name + "_grad")(y_hat, y)

    @property
    def edited(self) -> bool:
        return _edited(self.name) or _edited(self.name + "_grad")

    @property
    def tex(self) -> str:
        return rf"\mathcal{{L}} = \texttt{{{self.name}}}(\hat{{y}}, y)" if _edited(self.name) else self.formula_tex

    def output_step(self, g: Activation, L: int, z: np.ndarray, y_hat: np.ndarray, y: np.ndarray) -> OutputStep:
        """δ[L] = dL/dŷ ⊙ g'(z[L]), through the rules: every view of the output layer's error
        (the backward step, the traces, the equations) starts here."""
        dL_dy_hat = self.grad(y_hat, y)
        g_prime = g.g_prime(z)
        return OutputStep(self, g, L, dL_dy_hat, g_prime, rules.output_delta(dL_dy_hat, g_prime))


@dataclass(frozen=True)
class OutputStep:
    """The output layer's error: dL/dŷ, g'(z[L]) and δ[L] = output_delta(dL/dŷ, g'(z[L]))."""

    loss: Loss
    g: Activation
    layer: int  # the lesson's L
    dL_dy_hat: np.ndarray
    g_prime: np.ndarray
    delta: np.ndarray

    @property
    def cancels(self) -> bool:
        """Cross-entropy after a sigmoid: σ'(z) = ŷ(1 − ŷ) cancels dL/dŷ's denominator, δ = ŷ − y."""
        return self.loss.cancels == self.g.name and not self.loss.edited and not _edited("output_delta")

    @property
    def grad_names(self) -> tuple[str, str]:
        """dL/dŷ as plain text and TeX: the loss's formula, or its function once edited."""
        loss = self.loss
        if _edited(loss.name + "_grad"):
            return f"{loss.name}_grad(ŷ, y)", rf"\texttt{{{loss.name}\_grad}}(\hat{{y}}, y)"
        return loss.grad_text, loss.grad_tex

    def factors(self, n: int) -> tuple[Factor, ...]:
        """Output neuron n's start of every chain (n 0-based): dL/dŷ_n · g'(z[L]_n), or δ[L]_n
        alone when an edited output_delta is not that product, so the chain still sums to ∂L/∂W."""
        L, d, gp = self.layer, float(self.dL_dy_hat[n, 0]), float(self.g_prime[n, 0])
        if _edited(self.loss.name + "_grad"):
            error = Factor(f"∂L/∂ŷ_{n + 1}", rf"\frac{{\partial \mathcal{{L}}}}{{\partial \hat{{y}}_{{{n + 1}}}}}", d)
        else:
            error = Factor(self.loss.neuron_text.format(n=n + 1), rf"\frac{{\partial \mathcal{{L}}}}{{\partial \hat{{y}}_{{{n + 1}}}}}", d)
        slope = Factor(f"{self.g.label}'(z[{L}]_{n + 1})", rf"{self.g.tex}'(z^{{[{L}]}}_{{{n + 1}}})", gp)
        delta = float(self.delta[n, 0])
        if d * gp == delta or np.isclose(d * gp, delta, rtol=1e-12, atol=0.0):
            return (error, slope)
        return (Factor(f"δ[{L}]_{n + 1}", rf"\delta^{{[{L}]}}_{{{n + 1}}}", delta),)


LOSSES: dict[str, Loss] = {
    "mse": Loss(
        "mse", "mean squared error", r"\mathcal{L} = \tfrac{1}{2}\sum (\hat{y}-y)^2", "loss ½(ŷ − y)²",
        "(ŷ − y)", r"(\hat{y} - y)", "(ŷ_{n} − y_{n})",
        r"({p} - {t})^2", r"\tfrac{{1}}{{2}}\left[{terms}\right]",
    ),
    "bce": Loss(
        "bce", "binary cross-entropy", r"\mathcal{L} = -\sum \left[y \log\hat{y} + (1-y)\log(1-\hat{y})\right]",
        "loss: binary cross-entropy",
        "(ŷ − y)/(ŷ(1 − ŷ))", r"\frac{\hat{y} - y}{\hat{y}(1 - \hat{y})}", "∂L/∂ŷ_{n}",
        r"{t}\log {p} + {s}\log {q}", r"-\left[{terms}\right]",
        needs_output="sigmoid", target_range=(0.0, 1.0), cancels="sigmoid",
    ),
}


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
    """A finite float, or a ValueError a learner can read that names the value."""
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


def _activation(name: str) -> Activation:
    if name not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}.")
    return ACTIVATIONS[name]


def _loss(name: str, output_activation: str) -> Loss:
    if name not in LOSSES:
        raise ValueError(f"Unknown loss {name!r}; choose one of {', '.join(LOSSES)}.")
    loss = LOSSES[name]
    if loss.needs_output and output_activation != loss.needs_output:
        raise ValueError(f"{loss.label.capitalize()} needs a {loss.needs_output} output (ŷ must lie between 0 and 1).")
    return loss


class Selection(NamedTuple):
    """A weight w[l]_jk or a neuron j of layer l that the learner picked.

    Stored as the arrays index it (j, k from 0); the lesson, the API and the URL count
    neurons from 1. `from_lesson` and `lesson` are the one place where the two meet.
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
        return [self.kind, self.l, self.j + 1] + ([] if self.k is None else [self.k + 1])


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
        _activation(hidden_activation)
        _activation(output_activation)
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
                raise ValueError(f"W[{l}] must be a matrix of numbers.") from None
            if w.shape != shape:
                raise ValueError(f"W[{l}] must have shape {shape[0]}×{shape[1]}, got {'×'.join(map(str, w.shape))}.")
            if not np.all(np.isfinite(w)):
                raise ValueError(f"W[{l}] must hold finite numbers.")
            _check_size(w, f"W[{l}]")
            Ws.append(_frozen(w))
            bs.append(_column(b[l - 1], f"b[{l}]", sizes[l]))
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
        value = check_number(value, f"The weight w[{l}]_{j + 1}{k + 1}")
        _check_size(np.array(value), f"The weight w[{l}]_{j + 1}{k + 1}")
        w = np.array(self.W[l])
        w[j, k] = value
        return replace(self, W=self.W[:l] + (_frozen(w),) + self.W[l + 1 :])

    def with_bias(self, l: int, j: int, value) -> Network:
        self.check_index(l, j, 0)
        value = check_number(value, f"The bias b[{l}]_{j + 1}")
        _check_size(np.array(value), f"The bias b[{l}]_{j + 1}")
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

    def forward(self, x: np.ndarray, y: np.ndarray) -> ForwardPass:
        a, z = [x], [None]
        for l in range(1, self.L + 1):
            z.append(_frozen(self.W[l] @ a[l - 1] + self.b[l]))  # z[l] = W[l] a[l-1] + b[l]
            a.append(_frozen(self.g(l).g(z[l])))  # a[l] = g(z[l])
        y_hat = a[self.L]
        return ForwardPass(tuple(z), tuple(a), self.loss.value(y_hat, y, z[self.L]))

    # ---- backward, one layer at a time

    def output_step(self, fp: ForwardPass, y: np.ndarray) -> OutputStep:
        """δ[L] = dL/dŷ ⊙ g'(z[L]): the loss owns it (Loss.output_step)."""
        L = self.L
        return self.loss.output_step(self.g(L), L, fp.z[L], fp.a[L], y)

    def backward_step(self, fp: ForwardPass, y: np.ndarray, done: tuple[BackwardStep, ...]) -> BackwardStep:
        """The next step of backpropagation, after the steps already done.

        Step 1 is the output layer L; step s works on layer l = L - s + 1.
        """
        L = self.L
        l = L - len(done)
        g = self.g(l)
        z, a = fp.z, fp.a
        gz = Operand(f"{g.label}'(z[{l}])", rf"{g.tex}'(z^{{[{l}]}})", g.g_prime(z[l]))
        if l == L:
            out = self.output_step(fp, y)  # delta[L] = dL/dŷ ⊙ g'(z[L]), as the loss's rules say
            delta = out.delta
            grad_text, grad_tex = out.grad_names
            symbolic = rf"\delta^{{[{L}]}} = {grad_tex} \odot {g.tex}'(z^{{[{L}]}})"
            delta_eq = Equation(
                Operand(f"δ[{L}]", rf"\delta^{{[{L}]}}", delta),
                (Operand(grad_text, grad_tex, out.dL_dy_hat), replace(gz, value=out.g_prime)), ("⊙",),
                symbolic + (r" = \hat{y} - y" if out.cancels else ""),
                note=(f"Cross-entropy after a sigmoid: σ'(z) = ŷ(1 − ŷ) cancels the denominator of ∂L/∂ŷ, so δ[{L}] = ŷ − y."
                      if out.cancels else ""),
            )
        else:
            W_next, delta_next = self.W[l + 1], done[-1].delta.result.value
            delta = rules.hidden_delta(W_next, delta_next, gz.value)  # delta[l] = (W[l+1])ᵀ delta[l+1] ⊙ g'(z[l])
            delta_eq = Equation(
                Operand(f"δ[{l}]", rf"\delta^{{[{l}]}}", delta),
                (
                    Operand(f"(W[{l + 1}])ᵀ", rf"(W^{{[{l + 1}]}})^T", W_next.T),
                    Operand(f"δ[{l + 1}]", rf"\delta^{{[{l + 1}]}}", delta_next),
                    gz,
                ),
                ("·", "⊙"),
                rf"\delta^{{[{l}]}} = (W^{{[{l + 1}]}})^T \delta^{{[{l + 1}]}} \odot {g.tex}'(z^{{[{l}]}})",
            )
        delta = _frozen(delta)
        delta_op = replace(delta_eq.result, value=delta)
        dW = _frozen(rules.weight_gradient(delta, a[l - 1]))  # dL/dW[l] = delta[l] (a[l-1])ᵀ
        db = _frozen(rules.bias_gradient(delta))  # dL/db[l] = delta[l]
        dW_eq = Equation(
            Operand(f"∂L/∂W[{l}]", rf"\frac{{\partial \mathcal{{L}}}}{{\partial W^{{[{l}]}}}}", dW),
            (delta_op, Operand(f"(a[{l - 1}])ᵀ", rf"(a^{{[{l - 1}]}})^T", a[l - 1].T)), ("·",),
            rf"\frac{{\partial \mathcal{{L}}}}{{\partial W^{{[{l}]}}}} = \delta^{{[{l}]}} (a^{{[{l - 1}]}})^T",
        )
        db_eq = Equation(  # dL/db[l] = delta[l]
            Operand(f"∂L/∂b[{l}]", rf"\frac{{\partial \mathcal{{L}}}}{{\partial b^{{[{l}]}}}}", db),
            (delta_op,), (),
            rf"\frac{{\partial \mathcal{{L}}}}{{\partial b^{{[{l}]}}}} = \delta^{{[{l}]}}",
        )
        return BackwardStep(len(done) + 1, l, replace(delta_eq, result=delta_op), dW_eq, db_eq)

    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[ForwardPass, tuple[BackwardStep, ...]]:
        """Forward pass and every backward step at once."""
        fp = self.forward(x, y)
        steps: tuple[BackwardStep, ...] = ()
        for _ in range(self.L):
            steps += (self.backward_step(fp, y, steps),)
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


def shape_text(value: np.ndarray) -> str:
    return f"{value.shape[0]}×{value.shape[1]}"


@dataclass(frozen=True)
class Operand:
    name: str  # as plain text: "(W[2])ᵀ"
    tex: str  # as LaTeX: "(W^{[2]})^T"
    value: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.value.shape


@dataclass(frozen=True)
class Equation:
    """result = operands[0] ops[0] operands[1] ...; ops are "·" (matrix product), "⊙", "−"."""

    result: Operand
    operands: tuple[Operand, ...]
    ops: tuple[str, ...]
    symbolic_tex: str
    note: str = ""

    def describe(self) -> str:
        """Operands with their shapes, e.g. "(W[2])ᵀ (3×1) · δ[2] (1×1) ⊙ σ'(z[1]) (3×1) → δ[1] (3×1)"."""
        parts = [f"{self.operands[0].name} ({shape_text(self.operands[0].value)})"]
        for op, operand in zip(self.ops, self.operands[1:]):
            parts.append(f"{op} {operand.name} ({shape_text(operand.value)})")
        return " ".join(parts) + f" → {self.result.name} ({shape_text(self.result.value)})"


@dataclass(frozen=True)
class BackwardStep:
    number: int  # 1 for the output layer
    layer: int  # the lesson's l
    delta: Equation  # delta[l]: error signal, dL/dz[l]
    dW: Equation  # dL/dW[l]
    db: Equation  # dL/db[l]

    @property
    def equations(self) -> tuple[Equation, Equation, Equation]:
        return (self.delta, self.dW, self.db)


# --------------------------------------------------------------------------
# explanations: the chain rule written out, with numbers


@dataclass(frozen=True)
class Factor:
    name: str
    tex: str
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


def chain_for_weight(net: Network, fp: ForwardPass, y: np.ndarray, l: int, j: int, k: int) -> Chain:
    """The "Trace the Chain" activity for weight w[l]_jk (j, k 0-based).

    dL/dw = dL/dŷ · g'(z[L]) · W[L] · g'(z[L-1]) ··· W[l+1] · g'(z[l]) · a[l-1]_k,
    one product per path of neurons from the output down to neuron j; their sum is dW[l][j, k].
    """
    net.check_index(l, j, k)
    L, z, a = net.L, fp.z, fp.a

    def g_prime(layer: int, n: int) -> Factor:
        g = net.g(layer)
        return Factor(f"{g.label}'(z[{layer}]_{n + 1})", rf"{g.tex}'(z^{{[{layer}]}}_{{{n + 1}}})", float(g.g_prime(z[layer])[n, 0]))

    out = net.output_step(fp, y)  # the loss's own dL/dŷ and δ[L]: an edited rule changes the chain too

    def to_z(layer: int, n: int):
        """Every path from the loss down to z[layer]_n: (neurons top-down, factors top-down)."""
        if layer == L:
            yield (n,), out.factors(n)
            return
        for m in range(net.layers[layer + 1]):
            w = Factor(f"W[{layer + 1}]_{m + 1}{n + 1}", rf"W^{{[{layer + 1}]}}_{{{m + 1}{n + 1}}}", float(net.W[layer + 1][m, n]))
            for route, factors in to_z(layer + 1, m):
                yield route + (n,), factors + (w, g_prime(layer, n))

    input_factor = Factor(f"a[{l - 1}]_{k + 1}", rf"a^{{[{l - 1}]}}_{{{k + 1}}}", float(a[l - 1][k, 0]))
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


def delta_as_sum(net: Network, steps: tuple[BackwardStep, ...], y: np.ndarray, fp: ForwardPass, l: int, j: int) -> DeltaSum:
    """Why the transpose: neuron j's error collects column j of W[l+1], i.e. row j of (W[l+1])ᵀ."""
    net.check_index(l, j, 0)
    by_layer = {s.layer: s for s in steps}
    if l not in by_layer:
        raise ValueError(f"δ[{l}] is not computed yet: keep pressing Backward Step.")
    value = float(by_layer[l].delta.result.value[j, 0])
    g_prime = float(net.g(l).g_prime(fp.z[l])[j, 0])
    if l == net.L:
        out = net.output_step(fp, y)
        return DeltaSum(l, j, float(out.g_prime[j, 0]), (), float(out.dL_dy_hat[j, 0]), value)
    delta_next = by_layer[l + 1].delta.result.value
    terms = tuple(DeltaTerm(m, float(net.W[l + 1][m, j]), float(delta_next[m, 0])) for m in range(net.layers[l + 1]))
    return DeltaSum(l, j, g_prime, terms, float(sum(t.product for t in terms)), value)


def dead_neurons(net: Network, fp: ForwardPass) -> list[tuple[int, int]]:
    """Hidden neurons (l, j) with z ≤ 0 under ReLU: g'(z) = 0, so no gradient flows back through them."""
    if net.hidden_activation != "relu":
        return []
    return [(l, j) for l in range(1, net.L) for j in range(net.layers[l]) if fp.z[l][j, 0] <= 0]


def gradient_check(net: Network, x: np.ndarray, y: np.ndarray, eps: float = 1e-6):
    """Central differences (L(w + ε) − L(w − ε)) / 2ε for every weight and bias.

    Returns (dW, db) lists indexed like the network's (index 0 None), independent of backprop.
    """
    dW, db = [None], [None]
    for l in range(1, net.L + 1):
        gW = np.zeros_like(net.W[l])
        for (j, k), w in np.ndenumerate(net.W[l]):
            plus = net.with_weight(l, j, k, w + eps).forward(x, y).loss
            minus = net.with_weight(l, j, k, w - eps).forward(x, y).loss
            gW[j, k] = (plus - minus) / (2 * eps)
        gb = np.zeros_like(net.b[l])
        for j in range(net.layers[l]):
            bj = net.b[l][j, 0]
            plus = net.with_bias(l, j, bj + eps).forward(x, y).loss
            minus = net.with_bias(l, j, bj - eps).forward(x, y).loss
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

    @property
    def by_layer(self) -> dict[int, BackwardStep]:
        """The backward steps done so far, by layer l."""
        return {s.layer: s for s in self.steps}

    @property
    def phase(self) -> str:
        if self.forward is None:
            return "ready"
        if not self.steps:
            return "forward"
        return "complete" if len(self.steps) == self.net.L else "backward"


def _quiet(action):
    """numpy's overflow warnings are not for the learner: Simulation._go checks every new value
    and explains what left the range, so the warnings are silenced while an action computes."""

    @functools.wraps(action)
    def run(self, *args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return action(self, *args, **kwargs)

    return run


def _out_of_range(name: str, value: np.ndarray, limit: float) -> str | None:
    """The first entry of value that is ∞, NaN or larger than limit, in words; None if none is."""
    bad = ~np.isfinite(value) | (np.abs(np.nan_to_num(value, nan=0.0)) > limit)
    if not np.any(bad):
        return None
    j, k = np.argwhere(bad)[0]
    v = float(value[j, k])
    where = f"{name}{SUBSCRIPTS[j + 1]}" + (f"{SUBSCRIPTS[k + 1]}" if value.shape[1] > 1 else "")
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
            found = _out_of_range(f"w[{l}]", net.W[l], VALUE_LIMIT) or _out_of_range(f"b[{l}]", net.b[l], VALUE_LIMIT)
            if found:
                return "the weight " + found if found.startswith("w") else "the bias " + found
    if fp is not None and fp is not before.forward:
        for l in range(1, net.L + 1):
            found = _out_of_range(f"z[{l}]", fp.z[l], np.inf) or _out_of_range(f"a[{l}]", fp.a[l], np.inf)
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
            found = (_out_of_range(f"δ[{l}]", step.delta.result.value, np.inf)
                     or _out_of_range(f"∂L/∂W[{l}]", step.dW.result.value, np.inf)
                     or _out_of_range(f"∂L/∂b[{l}]", step.db.result.value, np.inf))
            if found:
                return found
    return None


def _divergence_message(found: str, moment: Moment) -> str:
    """The learner's explanation: what happened, why, and what to do."""
    found = "T" + found[1:] if found.startswith("the ") else found  # symbols keep their case: δ, z
    if moment.updates and moment.last_update is not None:
        lr = moment.last_update.learning_rate
        updates = f"{moment.updates} update" + ("s" if moment.updates > 1 else "")
        return (f"{found} after {updates}: the learning rate {lr:g} is too large for this network, "
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

    def __init__(self, net: Network, x, y):
        self.initial = Moment(net, _column(x, "The input x", net.layers[0]), _column(y, "The target y", net.layers[-1]))
        self.now = self.initial
        self.history: list[Moment] = []

    # ---- read

    @property
    def net(self) -> Network:
        return self.now.net

    @property
    def phase(self) -> str:
        return self.now.phase

    @property
    def next_layer(self) -> int | None:
        """The layer the next backward step works on."""
        if self.phase in ("forward", "backward"):
            return self.net.L - len(self.now.steps)
        return None

    # ---- act

    def _go(self, moment: Moment) -> None:
        found = _divergence(moment, self.now)
        if found:
            raise Diverged(_divergence_message(found, moment))
        self.history.append(self.now)
        del self.history[:-MAX_HISTORY]  # long training runs keep only the recent past
        self.now = moment

    @_quiet
    def forward(self) -> None:
        if self.phase != "ready":
            raise ValueError("The forward pass is already done. Press Backward Step, or Reset to start over.")
        fp = self.net.forward(self.now.x, self.now.y)
        self._go(replace(self.now, forward=fp, losses=self.now.losses + (fp.loss,)))

    @_quiet
    def backward_step(self) -> str | None:
        if self.phase == "ready":
            self.forward()
            return "Backpropagation needs the forward pass first, so the forward pass ran now."
        if self.phase == "complete":
            raise ValueError("The backward pass is complete. Update the weights, or Reset to start over.")
        now = self.now
        step = self.net.backward_step(now.forward, now.y, now.steps)
        self._go(replace(now, steps=now.steps + (step,)))
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
        fp, steps = self.net.gradients(self.now.x, self.now.y)
        complete = replace(self.now, forward=fp, steps=steps, losses=self.now.losses + (fp.loss,))
        updated = _updated(complete, lr)
        if _divergence(updated, complete):  # the gradients are fine, the step is too long: show them
            self._go(complete)
        self._go(updated)

    # changes of the problem: earlier backward results are stale; keep the forward pass if
    # there was one (recomputed), drop the backward steps.

    @_quiet
    def _changed(self, **fields) -> None:
        moment = replace(self.now, steps=(), **fields)
        if self.now.forward is not None:
            fp = moment.net.forward(moment.x, moment.y)
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
        step = lambda l, attr: getattr(by_layer[l], attr).result.value if l in by_layer else None  # noqa: E731
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
