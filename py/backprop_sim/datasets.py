"""Data sets: TensorFlow Playground's six problems, their mini-batches, the input features made
from a point, and L1/L2 regularisation (the batches' gradient is descent.py's, what the network
computes over the plane plane.py's).

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

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, NamedTuple

import numpy as np

from . import reading
from .network import MAX_INPUTS, SEED_MAX, _frozen

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
    points: np.ndarray | None = None  # every point (n, 2) in the order drawn (or generated): what the point actions number
    labels: np.ndarray | None = None  # their targets (n,), in that order: a class 0 … 5 or a value in [−1, 1]
    drawn: np.ndarray | None = None  # for each row of x (training points, then test points), its index in points

    def row(self, i: int) -> int:
        """The row of x (the picked point's numbering) of drawn point i."""
        return int(np.flatnonzero(self.drawn == i)[0])

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


def make(name, noise, train_share, batch, seed) -> DataSet:
    """The data set with these settings: the same settings always give the same points.

    noise in % (0 to 50), train_share in % of N_POINTS (10 to 90, whole), batch 1 to 30,
    seed a whole number from 0 to 2³² − 1. The split: a seed-shuffled order of the points,
    the first train_share % for training (n_train = N_POINTS · train_share / 100, rounded).
    """
    if not isinstance(name, str) or name not in PROBLEMS:
        raise ValueError(f"Unknown data set {name!r}; choose one of {', '.join(PROBLEMS)}.")
    noise_pct = reading.between(noise, "The noise", *NOISE_RANGE, " %")
    share = reading.whole_between(train_share, "The training share", *TRAIN_SHARE_RANGE, " %")
    batch = reading.whole_between(batch, "The batch size", *BATCH_RANGE, " examples")
    seed = reading.whole_between(seed, "The data seed", 0, SEED_MAX)
    problem = PROBLEMS[name]
    x, y = problem.generate(N_POINTS, noise_pct / 100, _stream(seed, "points"), _stream(seed, "shake"))
    return _split(name, noise_pct, share, batch, seed, problem.kind, x, y, n_train=round(N_POINTS * share / 100))


def _split(name, noise, share, batch, seed, kind, x, y, n_train: int) -> DataSet:
    """Points x (n, 2) and targets y (n,) in their drawn order, split by the seed's shuffled order:
    the first n_train of it train, the rest test."""
    order = _stream(seed, "split").permutation(len(x))
    train, test = order[:n_train], order[n_train:]
    x, y = np.asarray(x, dtype=float).reshape(-1, 2), np.asarray(y, dtype=float).ravel()
    k = _classes(kind, y)
    col = np.eye(k)[y.astype(int)] if k >= 3 else y.reshape(-1, 1)  # three or more classes: one-hot targets, one per output
    return DataSet(name, noise, share, batch, seed, _frozen(x[train]), _frozen(col[train]), _frozen(x[test]), _frozen(col[test]),
                   kind, _frozen(x), _frozen(y), np.concatenate([train, test]))


# --------------------------------------------------------------------------
# your own points: drawn on the plane, pasted as CSV, or a problem's points edited

CUSTOM = "custom"  # the data set's name once its points are the learner's
MAX_POINTS = 2000  # points a drawn or pasted data set holds at most: every frame draws each one
MAX_CLASSES = 6  # classes 0 … 5: the colour-blind-safe palette's six colours; three or more, a softmax output
KINDS = ("classification", "regression")


def check_point(x1, x2, label, kind: str) -> tuple[float, float, float]:
    """A point of the plane and its target, or the refusal: outside −EXTENT … EXTENT, a class that is
    not a whole number from 0 to MAX_CLASSES − 1, a target outside −1 … 1, not a number, NaN, ∞."""
    x1 = reading.between(x1, "x₁", -EXTENT, EXTENT, " (the plane's range)")
    x2 = reading.between(x2, "x₂", -EXTENT, EXTENT, " (the plane's range)")
    if kind == "classification":
        found = reading.number(label, "The class")
        if found != int(found) or not 0 <= found < MAX_CLASSES:
            raise ValueError(f"The class must be a whole number from 0 to {MAX_CLASSES - 1}, got {label!r}.")
        return x1, x2, float(found)
    return x1, x2, reading.between(label, "The target", -1.0, 1.0)


def custom(kind, points, labels, train_share=50, batch=10, seed=0, noise=0.0) -> DataSet:
    """The learner's own points (n, 2) and targets (n,), checked, split as a problem's are (at least one
    training point, and one test point when there are two or more)."""
    kind = reading.choice(kind, "kind of data", KINDS)
    share = reading.whole_between(train_share, "The training share", *TRAIN_SHARE_RANGE, " %")
    batch = reading.whole_between(batch, "The batch size", *BATCH_RANGE, " examples")
    seed = reading.whole_between(seed, "The data seed", 0, SEED_MAX)
    x = np.asarray(points, dtype=float).reshape(-1, 2)
    y = np.asarray(labels, dtype=float).ravel()
    if len(x) != len(y):
        raise ValueError(f"Each point needs one target: got {len(x)} points and {len(y)} targets.")
    if len(x) > MAX_POINTS:
        raise ValueError(f"At most {MAX_POINTS:,} points, got {len(x):,}.")
    for i, ((x1, x2), label) in enumerate(zip(x, y)):
        try:
            check_point(x1, x2, label, kind)
        except ValueError as bad:
            raise ValueError(f"Point {i}: {bad}") from None
    n = len(x)
    n_train = min(n - 1, max(1, round(n * share / 100))) if n >= 2 else n
    return _split(CUSTOM, float(noise), share, batch, seed, kind, x, y, n_train)


def with_points(data: DataSet, points, labels) -> DataSet:
    """The same data set's settings with other points: the learner's own from now on."""
    return custom(data.kind, points, labels, data.train_share, data.batch, data.seed, data.noise)


def _classes(kind: str, labels: np.ndarray) -> int:
    if kind != "classification":
        return 0
    return max(2, int(labels.max()) + 1) if len(labels) else 2


def classes(data: DataSet) -> int:
    """How many classes the targets use: 2, or the largest class + 1 (up to MAX_CLASSES); 0 for regression."""
    return _classes(data.kind, data.labels)


def task(data: DataSet) -> str:
    """The rules.TASKS row the targets ask for: a regression, two classes (sigmoid), or three to six (softmax)."""
    return "classes" if classes(data) >= 3 else data.kind


def outputs(data: DataSet) -> int:
    """Output neurons the targets need: one per class from three classes, else one ŷ."""
    k = classes(data)
    return k if k >= 3 else 1


class Batch(NamedTuple):
    index: np.ndarray  # rows of x_train, y_train
    x: np.ndarray  # (B, 2)
    y: np.ndarray  # (B, 1)


def batches(data: DataSet, epoch) -> tuple[Batch, ...]:
    """The mini-batches of one epoch: every training point once, in an order shuffled by the
    data set's seed and the epoch number (the same each time it is asked for), data.batch
    points each; the last batch is smaller when data.batch does not divide n_train."""
    epoch = reading.whole_between(epoch, "The epoch", 0, 2**31 - 1)
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

REGULARIZATIONS = {"none": "none", "l1": "L1: λ Σ|w|", "l2": "L2: ½λ Σw²"}  # kind: its menu entry
RATE_MAX = 10.0  # Playground's largest rate


def check_regularization(kind, rate) -> tuple[str, float]:
    return reading.choice(kind, "regularisation", REGULARIZATIONS), reading.between(rate, "The regularisation rate", 0, RATE_MAX)


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
