"""Why training works or fails: each layer's gradient over the updates, neurons that pass no
gradient (dead or saturated), the batch behind one weight's update, and a nudge that tests ∂L/∂w.

Pure numpy, on the network's own passes and the rules' own derivatives. Layers and neurons are
reported as the lesson counts them (from 1).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .datasets import penalty_grad
from .descent import Descent
from .network import Network, forward_columns
from .rulebook import Rules

SATURATED = 0.01  # a neuron whose g'(z) stays below this share of g'(0) on every training point is saturated
VANISHING = 0.01  # a layer whose gradient is below this share of the output layer's has a vanishing gradient
EXPLODING = 1e3  # a layer's gradient past this (‖∂J/∂W[l]‖) is exploding


class Flag(NamedTuple):
    layer: int  # the lesson's l, a hidden layer
    neuron: int  # from 1
    kind: str  # "dead": z ≤ 0 on every training point under an activation that dies there; "saturated": g'(z) ≈ 0 on all


def flags(net: Network, A0: np.ndarray, rules: Rules) -> list[Flag]:
    """The hidden neurons that pass (almost) no gradient back for the training points A0 (columns)."""
    Z, A = forward_columns(net.W, net.b, net.activations(rules), A0)
    found = []
    for l in range(1, net.L):
        g = net.g(l)
        if g.dies:
            dead = np.all(Z[l] <= 0, axis=1)
            found += [Flag(l, int(j) + 1, "dead") for j in np.flatnonzero(dead)]
            continue
        at_zero = float(np.ravel(g.g_prime(rules)(np.zeros((1, 1))))[0])
        if at_zero > 0:
            slopes = g.slope_of(rules)(Z[l], A[l])
            found += [Flag(l, int(j) + 1, "saturated") for j in np.flatnonzero(np.all(slopes < SATURATED * at_zero, axis=1))]
    return found


def flow_kind(sizes: tuple[float, ...]) -> tuple[str | None, int | None]:
    """("vanishing", l) when a layer's gradient is a small share of the output layer's (the
    lowest such layer), ("exploding", l) when one is past EXPLODING, else (None, None)."""
    for l, size in enumerate(sizes, start=1):
        if not np.isfinite(size) or size > EXPLODING:
            return "exploding", l
    out = sizes[-1] if sizes else 0.0
    for l, size in enumerate(sizes[:-1], start=1):
        if out > 0 and size < VANISHING * out:
            return "vanishing", l
    return None, None


def weight_batch(start: Network, X: np.ndarray, Y: np.ndarray, l: int, j: int, k: int, rules: Rules,
                 regularization: tuple[str, float], learning_rate: float) -> dict:
    """The batch behind an update of W[l]_jk (j, k 0-based) that started at `start`: each example's
    ∂L_i/∂w = δ_i[l]_j a_i[l-1]_k, from the batch's columns of the very pass the update computed,
    their mean as the update computed it, the penalty's term ∂R/∂w, and Δw = −η (mean + penalty):
    exactly what the update added to w."""
    start.check_index(l, j, k)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        descent = Descent(start, rules)
        descent.gradient(X, Y, keep=True)  # the same code, on the same numbers, as the update itself
        A, deltas = descent.kept
        per_example = [float(v) for v in deltas[l][j] * A[l - 1][k]]
    mean = float(descent.dW[l][j, k])
    penalty = float(penalty_grad(start.W[l], *regularization)[j, k])
    return {"per_example": per_example, "mean": mean, "penalty": penalty, "rate": learning_rate,
            "delta": -(learning_rate * (mean + penalty)), "w_before": float(start.W[l][j, k])}


def nudge(net: Network, X: np.ndarray, Y: np.ndarray, l: int, j: int, k: int, eps: float, rules: Rules) -> dict:
    """W[l]_jk (0-based j, k) changed by ε: the mean loss over the columns X, Y measured again by a
    second forward pass, against ∂L/∂w · ε predicted by backprop (the network itself unchanged)."""
    net.check_index(l, j, k)
    B = X.shape[1]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        before = net.forward(X, Y, rules).loss / B
        after = net.with_weight(l, j, k, float(net.W[l][j, k]) + eps).forward(X, Y, rules).loss / B
        _, steps = net.gradients(X, Y, rules)
    slope = float({s.layer: s for s in steps}[l].dW.result.value[j, k]) / B
    return {"measured": after - before, "predicted": slope * eps, "slope": slope}
