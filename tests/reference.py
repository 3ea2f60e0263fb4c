"""Reference implementations the tests measure the simulation's faster paths against: the batch's
gradient through the lesson's own backward pass on columns, one plain descent step, and a
network's pictures over the plane by its forward pass. Not shipped: only the tests use them."""

from __future__ import annotations

import numpy as np

from backprop_sim.datasets import EXTENT, check_regularization, penalty_grad
from backprop_sim.descent import BatchGradient, _examples
from backprop_sim.engine import check_learning_rate
from backprop_sim.network import Network, _frozen
from backprop_sim.plane import _as_grids, activations, grid_points
from backprop_sim.rulebook import SHIPPED, Rules


def batch_gradients_vectorised(net: Network, X, Y, rules: Rules = SHIPPED) -> BatchGradient:
    """The batch's mean gradient in one pass: the batch as the columns of A[0] = Xᵀ, through the
    lesson's backward steps. Each column goes through the backward pass on its own, and the one
    product Δ[l] (A[l-1])ᵀ = Σ_i δ_i[l] (a_i[l-1])ᵀ already sums the examples' ∂L/∂W; the biases'
    δ columns are summed here."""
    X, Y = _examples(net, X, Y)
    B = len(X)
    fp, steps = net.gradients(X.T, Y.T, rules)
    by_layer = {s.layer: s for s in steps}
    dW = (None,) + tuple(_frozen(by_layer[l].dW.result.value / B) for l in range(1, net.L + 1))
    db = (None,) + tuple(_frozen(by_layer[l].db.result.value.sum(axis=1, keepdims=True) / B) for l in range(1, net.L + 1))
    return BatchGradient(dW, db, fp.loss / B, B)


def descend(net: Network, gradient: BatchGradient, learning_rate, kind="none", rate=0.0) -> Network:
    """One step of mini-batch gradient descent with the penalty's extra term:
    W[l] ← W[l] − η (∂J/∂W[l] + ∂R/∂W[l]),  b[l] ← b[l] − η ∂J/∂b[l]."""
    lr = check_learning_rate(learning_rate)
    kind, rate = check_regularization(kind, rate)
    W = [net.W[l] - lr * (gradient.dW[l] + penalty_grad(net.W[l], kind, rate)) for l in range(1, net.L + 1)]
    b = [net.b[l] - lr * gradient.db[l] for l in range(1, net.L + 1)]
    return Network.build(net.layers, W, b, net.hidden_activation, net.output_activation, net.loss_fn)


def layer_grids(net: Network, names, size: int = 50, extent: float = EXTENT, rules: Rules = SHIPPED) -> tuple[np.ndarray, ...]:
    """What every neuron computes over the plane: entry l has shape (n_l, size, size)."""
    return _as_grids(activations(net, grid_points(size, extent), names, rules), size)


def predict_grid(net: Network, names, size: int = 50, extent: float = EXTENT, rules: Rules = SHIPPED) -> np.ndarray:
    """The network's output ŷ (its first output neuron) over the plane, (size, size), top row first."""
    return layer_grids(net, names, size, extent, rules)[net.L][0]
