"""Training on a data set: TensorFlow Playground's six problems, input features, L1/L2
regularisation, the mini-batch gradient, and what the network computes over the input plane.

Pure numpy, like the engine: no browser, no clock, no globals.

Conventions:
  * a data set holds one example per row: points x with shape (n, 2), in the plane
    −6 ≤ x₁, x₂ ≤ 6 as in Playground (unscaled, so sin x₁ makes about two waves across it);
    targets y with shape (n, 1);
  * the network sees each example as a column, a[0] = x, as in the lesson; a batch of B
    examples side by side is the matrix A[0] = Xᵀ with shape (n₀, B);
  * classification targets are 0 or 1, for a sigmoid output and binary cross-entropy:
    Playground's +1 (blue) is 1 and its −1 (orange) is 0. Regression targets lie in [−1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Callable, NamedTuple

import numpy as np

from . import rules as shipped_rules
from .formatting import symbol
from .engine import MAX_INPUTS, SEED_MAX, SHIPPED, VALUE_LIMIT, Network, Rules, _frozen, check_learning_rate, check_number

N_POINTS = 500  # every problem, as Playground's classification; its regression's 1,200 would be more dots to draw each frame, no more to learn
EXTENT = 6.0  # the plane shown: −EXTENT ≤ x₁, x₂ ≤ EXTENT

NOISE_RANGE = (0, 50)  # %
TRAIN_SHARE_RANGE = (10, 90)  # % of the points used for training; the rest are the test points
BATCH_RANGE = (1, 30)  # examples per update


# --------------------------------------------------------------------------
# the six problems: each draws N points, then their targets, from its own random streams.
# Each generator gets `points` (where the points are) and `shake` (the noise): the same seed
# gives the same points at every noise level, so moving the noise slider moves the labels or
# the points, never the whole picture.


def _circle(n: int, noise: float, points: np.random.Generator, shake: np.random.Generator):
    """Half the points in a disc of radius 2.5 (class 1), half in a ring from 3.5 to 5 (class 0).

    With noise, a point keeps its place but takes the class of a spot up to noise · 5 away:
    points near the gap change class, as in Playground."""
    inner = n // 2
    r = np.concatenate([points.uniform(0.0, 2.5, inner), points.uniform(3.5, 5.0, n - inner)])
    angle = points.uniform(0.0, 2 * np.pi, n)
    x = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    seen = x + noise * shake.uniform(-5.0, 5.0, (n, 2))
    return x, (np.hypot(seen[:, 0], seen[:, 1]) < 2.5).astype(float)


def _xor(n: int, noise: float, points: np.random.Generator, shake: np.random.Generator):
    """Points in the square [−5, 5]², kept 0.3 away from the axes; class 1 where x₁ and x₂ have the
    same sign (quadrants I and III), 0 where they differ. Noise: the class of a spot up to noise · 5 away."""
    x = points.uniform(-5.0, 5.0, (n, 2))
    x += np.where(x >= 0, 0.3, -0.3)  # a gap along the axes, so 0% noise is cleanly separable
    seen = x + noise * shake.uniform(-5.0, 5.0, (n, 2))
    return x, (seen[:, 0] * seen[:, 1] >= 0).astype(float)


def _gauss(n: int, noise: float, points: np.random.Generator, shake: np.random.Generator):
    """Two normal clouds, class 1 around (2, 2) and class 0 around (−2, −2); their variance grows
    from 0.5 at 0% noise to 4 at 50%, so the clouds overlap. A point drawn outside the plane is
    drawn again (rarely needed: at 50% noise, about one point in twenty)."""
    half = n // 2
    centre = np.where(np.arange(n)[:, None] < half, 2.0, -2.0) * np.ones((n, 2))
    sd = np.sqrt(0.5 + 7.0 * noise)  # variance 0.5 + 7 · noise: 0.5 → 4 as noise goes 0 → 0.5
    x = centre + sd * points.standard_normal((n, 2))
    outside = np.any(np.abs(x) > EXTENT, axis=1)
    while outside.any():
        x[outside] = centre[outside] + sd * points.standard_normal((int(outside.sum()), 2))
        outside = np.any(np.abs(x) > EXTENT, axis=1)
    return x, (np.arange(n) < half).astype(float)


def _spiral(n: int, noise: float, points: np.random.Generator, shake: np.random.Generator):
    """Two arms winding 1.75 turns out from the centre to radius 5, the second the first turned by
    half a turn; class 1 on the first. Noise moves each point up to noise · 1 in x₁ and x₂."""
    half = n // 2
    arm = (np.arange(n) >= half).astype(float)  # 0 for the first arm, 1 for the second
    t = np.where(arm == 0, np.arange(n), np.arange(n) - half) / (n - half)  # 0 → 1 along an arm
    r = 5.0 * t
    angle = 1.75 * 2 * np.pi * t + np.pi * arm
    x = np.column_stack([r * np.sin(angle), r * np.cos(angle)]) + noise * shake.uniform(-1.0, 1.0, (n, 2))
    return x, 1.0 - arm


def _plane(n: int, noise: float, points: np.random.Generator, shake: np.random.Generator):
    """y = (x₁ + x₂) / 12 over the whole plane: a tilted plane from −1 to 1. Noise: the value at a
    spot up to noise · 6 away, clipped to [−1, 1] so a tanh output can still reach every target."""
    x = points.uniform(-EXTENT, EXTENT, (n, 2))
    seen = x + noise * shake.uniform(-EXTENT, EXTENT, (n, 2))
    return x, np.clip((seen[:, 0] + seen[:, 1]) / (2 * EXTENT), -1.0, 1.0)


# six bumps on a 3 × 2 grid, signs alternating like a chessboard: (x₁, x₂, sign)
_BUMPS = np.array([(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)], dtype=float)


def _multi_gauss(n: int, noise: float, points: np.random.Generator, shake: np.random.Generator):
    """y = Σ_k sign_k · exp(−|x − c_k|² / 2): six bell-shaped bumps of height ±1 (σ = 1), clipped
    to [−1, 1]. Noise: the value at a spot up to noise · 6 away."""
    x = points.uniform(-EXTENT, EXTENT, (n, 2))
    seen = x + noise * shake.uniform(-EXTENT, EXTENT, (n, 2))
    d2 = (seen[:, None, 0] - _BUMPS[:, 0]) ** 2 + (seen[:, None, 1] - _BUMPS[:, 1]) ** 2  # (n, 6): squared distance to each bump
    return x, np.clip(np.exp(-d2 / 2.0) @ _BUMPS[:, 2], -1.0, 1.0)


class Problem(NamedTuple):
    kind: str  # "classification" or "regression"
    title: str  # for menus
    generate: Callable  # (n, noise as a fraction, points, shake) -> (x (n, 2), y (n,))


PROBLEMS: dict[str, Problem] = {
    "circle": Problem("classification", "Circle", _circle),
    "xor": Problem("classification", "Exclusive or (XOR)", _xor),
    "gauss": Problem("classification", "Two Gaussian clouds", _gauss),
    "spiral": Problem("classification", "Spiral", _spiral),
    "plane": Problem("regression", "Plane", _plane),
    "multi_gauss": Problem("regression", "Six Gaussian bumps", _multi_gauss),
}

# the random streams of one seed, one per purpose, independent of each other: the points do not
# depend on the noise, nor the train/test split on either, nor an epoch's order on the others
_STREAMS = {"points": 0, "shake": 1, "split": 2, "epoch": 3}


def _stream(seed: int, purpose: str, *more: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_STREAMS[purpose], *more)))


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare to one bool
class DataSet:
    """A problem's points, split into training and test points. Rows are examples."""

    name: str
    noise: float  # %
    train_share: int  # %
    batch: int  # examples per update
    seed: int
    x_train: np.ndarray  # (n_train, 2)
    y_train: np.ndarray  # (n_train, 1)
    x_test: np.ndarray  # (n_test, 2)
    y_test: np.ndarray  # (n_test, 1)
    kind: str  # "classification" (targets 0 or 1) or "regression" (targets in [−1, 1])

    @property
    def n_train(self) -> int:
        return len(self.x_train)

    @property
    def n_test(self) -> int:
        return len(self.x_test)

    @cached_property
    def x(self) -> np.ndarray:
        """Every point, the training points first (n, 2): one array to measure and draw them all."""
        return _frozen(np.concatenate([self.x_train, self.x_test]))

    @cached_property
    def y(self) -> np.ndarray:
        """Every target, in the order of x (n, 1)."""
        return _frozen(np.concatenate([self.y_train, self.y_test]))


def _whole(value, name: str, low: int, high: int, unit: str = "") -> int:
    number = check_number(value, name)
    if number != int(number) or not low <= number <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}{unit}, got {value!r}.")
    return int(number)


def make(name, noise=0, train_share=50, batch=10, seed=0) -> DataSet:
    """The data set with these settings: the same settings always give the same points.

    noise in % (0 to 50), train_share in % of N_POINTS (10 to 90, whole), batch 1 to 30,
    seed a whole number from 0 to 2³² − 1. The split: a seed-shuffled order of the points,
    the first train_share % for training (n_train = N_POINTS · train_share / 100, rounded).
    """
    if not isinstance(name, str) or name not in PROBLEMS:
        raise ValueError(f"Unknown data set {name!r}; choose one of {', '.join(PROBLEMS)}.")
    noise_pct = check_number(noise, "The noise")
    if not NOISE_RANGE[0] <= noise_pct <= NOISE_RANGE[1]:
        raise ValueError(f"The noise must be from {NOISE_RANGE[0]} to {NOISE_RANGE[1]} %, got {noise!r}.")
    share = _whole(train_share, "The training share", *TRAIN_SHARE_RANGE, " %")
    batch = _whole(batch, "The batch size", *BATCH_RANGE, " examples")
    seed = _whole(seed, "The data seed", 0, SEED_MAX)
    problem = PROBLEMS[name]
    x, y = problem.generate(N_POINTS, noise_pct / 100, _stream(seed, "points"), _stream(seed, "shake"))
    order = _stream(seed, "split").permutation(N_POINTS)
    n_train = round(N_POINTS * share / 100)
    train, test = order[:n_train], order[n_train:]
    y = y.reshape(-1, 1)
    return DataSet(name, noise_pct, share, batch, seed, _frozen(x[train]), _frozen(y[train]), _frozen(x[test]), _frozen(y[test]),
                   problem.kind)


class Batch(NamedTuple):
    index: np.ndarray  # rows of x_train, y_train
    x: np.ndarray  # (B, 2)
    y: np.ndarray  # (B, 1)


def batches(data: DataSet, epoch) -> tuple[Batch, ...]:
    """The mini-batches of one epoch: every training point once, in an order shuffled by the
    data set's seed and the epoch number (the same each time it is asked for), data.batch
    points each; the last batch is smaller when data.batch does not divide n_train."""
    epoch = _whole(epoch, "The epoch", 0, 2**31 - 1)
    order = _stream(data.seed, "epoch", epoch).permutation(data.n_train)
    x, y = data.x_train[order], data.y_train[order]  # the points in the epoch's order: each batch is a slice of these
    return tuple(Batch(order[s : s + data.batch], x[s : s + data.batch], y[s : s + data.batch]) for s in range(0, data.n_train, data.batch))


# --------------------------------------------------------------------------
# input features: what the network's inputs are made of, as Playground offers them

FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2")
FEATURE_NAMES = {"x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1*x2": "x₁x₂", "sin x1": "sin x₁", "sin x2": "sin x₂"}

_FEATURE_VALUES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1**2,
    "x2^2": lambda x1, x2: x2**2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin x1": lambda x1, x2: np.sin(x1),  # radians, on the unscaled plane: about two waves across it
    "sin x2": lambda x1, x2: np.sin(x2),
}


def check_features(names) -> tuple[str, ...]:
    """The chosen features in FEATURES order (so the same set always feeds the same inputs), or
    the refusal: none, an unknown name, a repeat, or more than the network's MAX_INPUTS inputs."""
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise ValueError(f"Choose the input features as a list, such as [\"x1\", \"x2\"], got {names!r}.")
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(f"Unknown input feature {unknown[0]!r}; choose from {', '.join(FEATURES)}.")
    if not names:
        raise ValueError("Choose at least one input feature: the network needs an input.")
    if len(set(names)) != len(names):
        raise ValueError(f"Each input feature can be chosen once, got {list(names)!r}.")
    if len(names) > MAX_INPUTS:
        raise ValueError(f"At most {MAX_INPUTS} input features (the network has at most {MAX_INPUTS} inputs), got {len(names)}.")
    return tuple(n for n in FEATURES if n in names)


def features(x, names) -> np.ndarray:
    """The network's inputs for points x (n, 2): one column per chosen feature, in FEATURES order."""
    chosen = check_features(names)
    x = np.asarray(x, dtype=float).reshape(-1, 2)
    return np.column_stack([_FEATURE_VALUES[name](x[:, 0], x[:, 1]) for name in chosen])


# --------------------------------------------------------------------------
# regularisation: a penalty R(W) on the size of the weights, added to the mean loss.
#   J = (1/B) Σ_i L_i + R(W),  so  ∂J/∂W[l] = (1/B) Σ_i ∂L_i/∂W[l] + ∂R/∂W[l].
# Weights only, as in Playground: the biases only shift a neuron's threshold and go unpenalised.

REGULARIZATIONS = ("none", "l1", "l2")
RATE_MAX = 10.0  # Playground's largest rate


def check_regularization(kind, rate) -> tuple[str, float]:
    if kind not in REGULARIZATIONS:
        raise ValueError(f"Unknown regularisation {kind!r}; choose one of {', '.join(REGULARIZATIONS)}.")
    rate = check_number(rate, "The regularisation rate")
    if not 0 <= rate <= RATE_MAX:
        raise ValueError(f"The regularisation rate must be from 0 to {RATE_MAX:g}, got {rate:g}.")
    return kind, rate


def penalty(W_list, kind, rate) -> float:
    """R(W) over every weight matrix (None entries, like the engine's W[0], skipped).

    none: 0.   l1: λ Σ |w|.   l2: λ · ½ Σ w²  (the ½ makes the gradient λ w, no factor 2)."""
    kind, rate = check_regularization(kind, rate)
    Ws = [np.asarray(W, dtype=float) for W in W_list if W is not None]
    if kind == "l1":
        return rate * float(sum(np.sum(np.abs(W)) for W in Ws))
    if kind == "l2":
        return rate * 0.5 * float(sum(np.sum(W**2) for W in Ws))
    return 0.0


def penalty_grad(W, kind, rate) -> np.ndarray:
    """∂R/∂W, the extra term in ∂J/∂W.

    none: 0.   l1: λ sign(w), taking sign(0) = 0 (|w| has no slope at 0; 0 keeps a zero weight at zero).
    l2: λ w ("weight decay": each update shrinks every weight by the factor 1 − ηλ before the data's step)."""
    kind, rate = check_regularization(kind, rate)
    W = np.asarray(W, dtype=float)
    if kind == "l1":
        return rate * np.sign(W)
    if kind == "l2":
        return rate * W
    return np.zeros_like(W)


# --------------------------------------------------------------------------
# the mini-batch gradient: the mean of the per-example gradients


@dataclass(frozen=True)
class BatchGradient:
    """∂J/∂W[l] and ∂J/∂b[l] for the mean loss J = (1/B) Σ_i L_i (index 0 None, as the engine's)."""

    dW: tuple
    db: tuple
    loss: float  # J, the mean loss over the batch (without the penalty)
    size: int  # B
    per_example: tuple = ()  # (dW_i, db_i, L_i) for each example, when computed one by one


def _examples(net: Network, X, Y) -> tuple[np.ndarray, np.ndarray]:
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    n_in, n_out = net.layers[0], net.layers[-1]
    if X.ndim != 2 or X.shape[1] != n_in or len(X) == 0:
        raise ValueError(f"The batch's inputs must be rows of {n_in} number(s), got shape {X.shape}.")
    Y = Y.reshape(len(Y), -1)
    if Y.shape != (len(X), n_out):
        raise ValueError(f"The batch needs one target row of {n_out} number(s) per input row, got shape {Y.shape}.")
    return X, Y


def batch_gradients(net: Network, X, Y, rules: Rules = SHIPPED) -> BatchGradient:
    """The definition, one example at a time through the engine's backward pass:
    ∂J/∂W[l] = (1/B) Σ_i δ_i[l] (a_i[l-1])ᵀ,  ∂J/∂b[l] = (1/B) Σ_i δ_i[l]."""
    X, Y = _examples(net, X, Y)
    B, L = len(X), net.L
    per_example = []
    for x, y in zip(X, Y):
        fp, steps = net.gradients(x.reshape(-1, 1), y.reshape(-1, 1), rules)
        by_layer = {s.layer: s for s in steps}
        per_example.append(((None,) + tuple(by_layer[l].dW.result.value for l in range(1, L + 1)),
                            (None,) + tuple(by_layer[l].db.result.value for l in range(1, L + 1)),
                            fp.loss))
    dW = (None,) + tuple(_frozen(sum(e[0][l] for e in per_example) / B) for l in range(1, L + 1))
    db = (None,) + tuple(_frozen(sum(e[1][l] for e in per_example) / B) for l in range(1, L + 1))
    return BatchGradient(dW, db, sum(e[2] for e in per_example) / B, B, tuple(per_example))


def batch_gradients_vectorised(net: Network, X, Y, rules: Rules = SHIPPED) -> BatchGradient:
    """The same mean in one pass: the batch as the columns of A[0] = Xᵀ, through the same rules.

    Each column goes through the backward pass on its own (Δ[l] = (W[l+1])ᵀ Δ[l+1] ⊙ g'(Z[l]) acts
    column by column), and the one product Δ[l] (A[l-1])ᵀ = Σ_i δ_i[l] (a_i[l-1])ᵀ already sums the
    examples' ∂L/∂W; the biases' δ columns are summed here. Needs rules that treat the columns
    independently and a loss that sums over its entries, as the shipped rules do."""
    X, Y = _examples(net, X, Y)
    B = len(X)
    fp, steps = net.gradients(X.T, Y.T, rules)
    by_layer = {s.layer: s for s in steps}
    dW = (None,) + tuple(_frozen(by_layer[l].dW.result.value / B) for l in range(1, net.L + 1))
    db = (None,) + tuple(_frozen(by_layer[l].db.result.value.sum(axis=1, keepdims=True) / B) for l in range(1, net.L + 1))
    return BatchGradient(dW, db, fp.loss / B, B)


def descend(net: Network, gradient: BatchGradient, learning_rate, kind="none", rate=0.0) -> Network:
    """One step of mini-batch gradient descent with the penalty's extra term:
    W[l] ← W[l] − η (∂J/∂W[l] + ∂R/∂W[l]),  b[l] ← b[l] − η ∂J/∂b[l].
    A weight that leaves the engine's range is refused with the engine's message."""
    lr = check_learning_rate(learning_rate)
    kind, rate = check_regularization(kind, rate)
    W = [net.W[l] - lr * (gradient.dW[l] + penalty_grad(net.W[l], kind, rate)) for l in range(1, net.L + 1)]
    b = [net.b[l] - lr * gradient.db[l] for l in range(1, net.L + 1)]
    return Network.build(net.layers, W, b, net.hidden_activation, net.output_activation, net.loss_fn)


def forward_columns(net: Network, A0: np.ndarray, rules: Rules = SHIPPED) -> tuple[list, list]:
    """The engine's forward pass on many examples as columns, z[l] = W[l] a[l-1] + b[l],
    a[l] = g(z[l]), through the same rules, as plain arrays (Z[0] None): the same numbers as
    net.forward(A0, ...) without its frozen copies, for the thousands of points training draws."""
    return _forward(net.W, net.b, [None] + [net.g(l).g(rules) for l in range(1, net.L + 1)], A0)


def _forward(W, b, g, A0: np.ndarray) -> tuple[list, list]:
    """forward_columns with the weights, biases and activation functions given (index 0 None)."""
    A, Z = [A0], [None]
    for l in range(1, len(W)):
        Z.append(W[l] @ A[l - 1] + b[l])
        A.append(g[l](Z[l]))
    return Z, A


# g'(z) from a = g(z), for the shipped rules whose g' starts by computing g(z) again: the last
# line of rules.sigmoid_prime and rules.tanh_prime on the a the forward pass already has, so the
# very same numbers for half the work. Only when g and g' are both the shipped ones: an edited
# rule is always called as it is written.
_SLOPE_FROM_A = {
    (shipped_rules.sigmoid, shipped_rules.sigmoid_prime): lambda a: a * (1.0 - a),  # σ' = σ(1 − σ)
    (shipped_rules.tanh, shipped_rules.tanh_prime): lambda a: 1.0 - a**2,  # tanh' = 1 − tanh²
}


def _slope(g: Callable, g_prime: Callable) -> Callable:
    """g' as a function of (z, a = g(z))."""
    from_a = _SLOPE_FROM_A.get((g, g_prime))
    return (lambda z, a: from_a(a)) if from_a else (lambda z, a: g_prime(z))


class Descent:
    """Many updates in a row, on plain arrays: update for update the same numbers as
    descend(net, batch_gradients_vectorised(net, X, Y, rules), η, kind, rate), through the same
    rules, without the engine's step-by-step objects and checks at every update (they are for
    the lesson's one step; training runs thousands). `network()` gives the Network at the end.

        Z[l] = W[l] A[l-1] + b[l],  A[l] = g(Z[l])                     the batch as columns
        Δ[L] = output_delta(dL/dŷ, g'(Z[L])),  Δ[l] = hidden_delta(W[l+1], Δ[l+1], g'(Z[l]))
        W[l] ← W[l] − η (weight_gradient(Δ[l], A[l-1]) / B + ∂R/∂W[l]),  b[l] ← b[l] − η Σ_i Δ[l]_i / B

    Every weight and bias lives in one flat vector θ = (W[1], …, W[L], b[1], …, b[L]), and W[l],
    b[l] are views of it, so that the update θ ← θ − η (g + ∂R/∂θ) and its range check are a few
    numpy calls, not a few per layer (numpy's cost per call, not per number, is what a batch of
    10 pays for most in the browser). Elementwise, these are the same operations as descend's,
    so the same numbers. Three vectors take turns: the weights now, those where the last update
    started (for the moment's ΔW), and the next update's, written before it is checked.
    """

    def __init__(self, net: Network, rules: Rules = SHIPPED):
        self.net, self.rules, L = net, rules, net.L
        shapes = [net.W[l].shape for l in range(1, L + 1)] + [net.b[l].shape for l in range(1, L + 1)]
        ends = np.cumsum([0] + [r * c for r, c in shapes])
        self.n_weights = int(ends[L])  # θ[:n_weights] are the weights, the rest the biases

        def views(theta):  # [None, W[1] … W[L]], [None, b[1] … b[L]]: views of θ
            parts = [theta[ends[i]:ends[i + 1]].reshape(shape) for i, shape in enumerate(shapes)]
            return [None] + parts[:L], [None] + parts[L:]

        self.theta = [np.concatenate([np.ravel(a) for a in net.W[1:] + net.b[1:]]), np.empty(ends[-1]), np.empty(ends[-1])]
        self.views = [views(theta) for theta in self.theta]
        self.now = 0  # θ now is theta[now]; where the last update started, theta[before]
        self.grad = np.empty(ends[-1])  # g = (∂J/∂W[1] … ∂J/∂W[L], ∂J/∂b[1] … ∂J/∂b[L]), the penalty's term apart
        self.dW, self.db = views(self.grad)  # the last update's ∂J/∂W[l], to say what grew when one fails
        self.g = [None] + [net.g(l).g(rules) for l in range(1, L + 1)]
        self.g_prime = [None] + [_slope(net.g(l).g(rules), net.g(l).g_prime(rules)) for l in range(1, L + 1)]
        # the rules' functions looked up once, not at each of thousands of updates
        self.loss, self.loss_grad = getattr(rules, net.loss.name), getattr(rules, net.loss.name + "_grad")
        self.output_delta, self.hidden_delta = rules.output_delta, rules.hidden_delta
        self.weight_gradient, self.bias_gradient = rules.weight_gradient, rules.bias_gradient
        self._before: int | None = None

    @property
    def before(self) -> tuple | None:
        """(W, b) where the last update started (index 0 None), for the moment's ΔW (Simulation.trained)."""
        return None if self._before is None else self.views[self._before]

    def step(self, X: np.ndarray, Y: np.ndarray, learning_rate: float, kind: str = "none", rate: float = 0.0) -> float:
        """One update on the batch X (B rows of inputs), Y (B rows of targets); returns the
        batch's mean loss J before the update. Raises ValueError, changing nothing, when a new
        weight or bias would not be finite or would pass the engine's VALUE_LIMIT."""
        L, B, g_prime = self.net.L, len(X), self.g_prime
        (W, b), (dW, db) = self.views[self.now], (self.dW, self.db)
        Z, A = _forward(W, b, self.g, X.T)
        y = Y.T
        loss = float(self.loss(A[L], y, Z[L])) / B
        delta = self.output_delta(self.loss_grad(A[L], y), g_prime[L](Z[L], A[L]))
        for l in range(L, 0, -1):
            dW[l][...] = self.weight_gradient(delta, A[l - 1])
            np.add.reduce(self.bias_gradient(delta), axis=1, keepdims=True, out=db[l])  # Σ_i over the batch's columns
            if l > 1:  # δ of the layer below, with W[l] before this update
                delta = self.hidden_delta(W[l], delta, g_prime[l - 1](Z[l - 1], A[l - 1]))
        self.grad /= B
        theta, step = self.theta[self.now], self.grad
        if kind != "none":
            step = step.copy()
            step[:self.n_weights] += penalty_grad(theta[:self.n_weights], kind, rate)
        new = (self.now + 1 + (self._before == (self.now + 1) % 3)) % 3  # the vector that is neither now nor before
        np.subtract(theta, learning_rate * step, out=self.theta[new])
        largest = np.abs(self.theta[new]).max()
        if not largest <= VALUE_LIMIT:  # also when NaN: every comparison with it is false
            new_W, new_b = self.views[new]
            for l in range(1, L + 1):
                for name, array in (("W", new_W[l]), ("b", new_b[l])):
                    if not np.abs(array).max() <= VALUE_LIMIT:
                        raise ValueError(f"{symbol(name, l)} would leave the range ±{VALUE_LIMIT:g}.")
        self._before, self.now = self.now, new
        return float(loss)

    def network(self) -> Network:
        """The Network now: every array was checked by step() (finite, within VALUE_LIMIT), so it
        is built directly, not through Network.build's checks again (_frozen copies them out of θ)."""
        W, b = self.views[self.now]
        return replace(self.net, W=(None,) + tuple(_frozen(w) for w in W[1:]), b=(None,) + tuple(_frozen(v) for v in b[1:]))


# --------------------------------------------------------------------------
# measuring and drawing what the network learned


def activations(net: Network, x, names, rules: Rules = SHIPPED) -> tuple[np.ndarray, ...]:
    """a[l] for every layer, for the points x (n, 2) as columns: a[0] the features (n₀, n) ...
    a[L] = ŷ (n_L, n). One forward pass, the engine's own (z[l] = W[l] a[l-1] + b[l] works on
    columns alike: forward_columns)."""
    return tuple(forward_columns(net, _inputs_for(net, feature_columns(x, names)), rules)[1])


def _inputs_for(net: Network, A0: np.ndarray) -> np.ndarray:
    """A0, once it is known to hold one row per input neuron of net."""
    if A0.shape[0] != net.layers[0]:
        raise ValueError(f"The network has {net.layers[0]} input(s) but {A0.shape[0]} feature(s) are chosen.")
    return A0


@dataclass(frozen=True)
class Evaluation:
    train_loss: float  # mean loss per example
    test_loss: float
    train_accuracy: float | None  # share of points on the right side of ŷ = 0.5; None for regression
    test_accuracy: float | None


def evaluate(net: Network, data: DataSet, names, rules: Rules = SHIPPED) -> Evaluation:
    """Mean loss on the training and the test points, and for classification the accuracy
    (class 1 where ŷ ≥ 0.5, the middle of the sigmoid's range). One forward pass over every
    point (data.x: the training points, then the test points), its columns then split in two."""
    Z, A = forward_columns(net, feature_columns(data.x, names), rules)
    return _measured(net, data, A[net.L], Z[net.L], rules)


def _measured(net: Network, data: DataSet, y_hat: np.ndarray, z: np.ndarray, rules: Rules) -> Evaluation:
    """evaluate's numbers from ŷ and z[L] of every point of data.x (columns, in its order)."""
    y, n = data.y.T, data.n_train
    right = (y_hat[0] >= 0.5) == (y[0] == 1) if data.kind == "classification" else None

    def measure(part: slice, count: int):
        loss = net.loss.value(rules, y_hat[:, part], y[:, part], z[:, part])  # the loss sums over the columns
        return loss / count, None if right is None else float(np.mean(right[part]))

    (train_loss, train_accuracy), (test_loss, test_accuracy) = measure(slice(None, n), n), measure(slice(n, None), data.n_test)
    return Evaluation(train_loss, test_loss, train_accuracy, test_accuracy)


def grid_points(size: int = 50, extent: float = EXTENT) -> np.ndarray:
    """The centres of a size × size grid of cells over the plane, one row per point, row by row
    from the top: cell (i, j) is at x₁ = −extent + (j + ½) h, x₂ = extent − (i + ½) h, h = 2 extent / size,
    so row i of a picture is drawn at height i, x₂ growing upwards as on the plot."""
    size = _whole(size, "The grid size", 2, 400)
    extent = check_number(extent, "The extent")
    if extent <= 0:
        raise ValueError(f"The extent must be above 0, got {extent:g}.")
    h = 2 * extent / size
    centres = -extent + (np.arange(size) + 0.5) * h
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


def feature_columns(x: np.ndarray, names) -> np.ndarray:
    """features(x, names) as columns (n₀, n), remembered for the last few point sets (the training
    and test points, the grid): while training, the same points are asked for every frame."""
    key = (id(x), check_features(names))
    found = _INPUTS.get(key)
    if found is None or found[0] is not x:
        if len(_INPUTS) > 8:
            _INPUTS.clear()
        found = _INPUTS[key] = (x, features(x, names).T)
    return found[1]


_INPUTS: dict = {}  # (id of the points, features) -> (the points, kept alive so the id stays theirs; their features)
_GRIDS: dict = {}  # (size, extent) -> grid_points


def layer_grids(net: Network, names, size: int = 50, extent: float = EXTENT, rules: Rules = SHIPPED) -> tuple[np.ndarray, ...]:
    """What every neuron computes over the plane: entry l has shape (n_l, size, size), its
    [j] the picture of neuron j's a[l]_j (entry 0: the input features; entry L: the output)."""
    return _as_grids(activations(net, _grid(size, extent), names, rules), size)


def picture_pass(net: Network, data: DataSet, names, size: int = 50, extent: float = EXTENT,
                 rules: Rules = SHIPPED) -> tuple[tuple[np.ndarray, ...], Evaluation]:
    """layer_grids(net, names, size, extent) and evaluate(net, data, names) from ONE forward pass:
    the grid's cells and the data set's points side by side as columns. Each column goes through
    the layers on its own, so these are the same numbers as the two passes apart (tested), for
    one pass's fixed cost instead of two: training draws a picture and measures every frame."""
    grid = _grid(size, extent)
    A0 = np.concatenate([feature_columns(grid, names), feature_columns(data.x, names)], axis=1)  # each part remembered
    Z, A = forward_columns(net, _inputs_for(net, A0), rules)
    cells = len(grid)
    return _as_grids([a[:, :cells] for a in A], size), _measured(net, data, A[net.L][:, cells:], Z[net.L][:, cells:], rules)


def _as_grids(columns, size) -> tuple[np.ndarray, ...]:
    """Each layer's values over the grid's cells (n_l, size²) as pictures (n_l, size, size)."""
    return tuple(layer.reshape(layer.shape[0], int(size), int(size)) for layer in columns)


def _grid(size, extent) -> np.ndarray:
    grid = _GRIDS.get((size, extent))
    if grid is None:
        grid = _GRIDS[(size, extent)] = grid_points(size, extent)  # grid_points refuses a bad size
    return grid


def predict_grid(net: Network, names, size: int = 50, extent: float = EXTENT, rules: Rules = SHIPPED) -> np.ndarray:
    """The network's output ŷ (its first output neuron) over the plane, (size, size), top row first."""
    return layer_grids(net, names, size, extent, rules)[net.L][0]


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

    @property
    def output(self) -> np.ndarray:
        """ŷ over the plane (size, size): the output layer's first neuron."""
        return self.layers[-1][0]
