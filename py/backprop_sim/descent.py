"""Many examples at once: the mini-batch gradient as the mean of the examples' gradients, and
`Descent`, training's run of updates on plain arrays.

Pure numpy, like the network. Both go through the network's own forward pass
(network.forward_columns) and the rules' own functions, g' included (Activation.slope_of): the
same numbers as the lesson's steps, vectorised over a batch's columns.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .datasets import penalty_grad
from .formatting import symbol
from .network import VALUE_LIMIT, Network, _frozen, forward_columns
from .rulebook import SHIPPED, Rules


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
        self.g = net.activations(rules)
        self.g_prime = [None] + [net.g(l).slope_of(rules) for l in range(1, L + 1)]  # g'(z, a), as the lesson's steps have it
        # the rules' functions looked up once, not at each of thousands of updates
        self.loss, self.loss_grad = getattr(rules, net.loss.name), getattr(rules, net.loss.name + "_grad")
        self.output_delta, self.hidden_delta = rules.output_delta, rules.hidden_delta
        self.weight_gradient, self.bias_gradient = rules.weight_gradient, rules.bias_gradient
        self._before: int | None = None

    @property
    def before(self) -> tuple | None:
        """(W, b) where the last update started (index 0 None), for the moment's ΔW (Simulation.trained)."""
        return None if self._before is None else self.views[self._before]

    def gradient(self, X: np.ndarray, Y: np.ndarray, keep: bool = False) -> float:
        """∂J/∂W[l], ∂J/∂b[l] of the batch X (B rows of inputs), Y (B rows of targets) at the weights
        now, into self.dW and self.db (the penalty's term apart); returns the batch's mean loss J.
        keep: also self.kept = (A, Δ), each layer's activations and δ as the batch's columns, from
        which one example's ∂L_i/∂W[l]_jk = Δ[l]_ji A[l-1]_ki (the batch behind an update)."""
        L, B, g_prime = self.net.L, len(X), self.g_prime
        deltas = [None] * (L + 1)
        (W, b), (dW, db) = self.views[self.now], (self.dW, self.db)
        Z, A = forward_columns(W, b, self.g, X.T)
        y = Y.T
        loss = float(self.loss(A[L], y, Z[L])) / B
        delta = self.output_delta(self.loss_grad(A[L], y), g_prime[L](Z[L], A[L]))
        for l in range(L, 0, -1):
            deltas[l] = delta
            dW[l][...] = self.weight_gradient(delta, A[l - 1])
            np.add.reduce(self.bias_gradient(delta), axis=1, keepdims=True, out=db[l])  # Σ_i over the batch's columns
            if l > 1:  # δ of the layer below, with W[l] before this update
                delta = self.hidden_delta(W[l], delta, g_prime[l - 1](Z[l - 1], A[l - 1]))
        self.grad /= B
        if keep:
            self.kept = (A, deltas)
        return loss

    def step(self, X: np.ndarray, Y: np.ndarray, learning_rate: float, kind: str = "none", rate: float = 0.0) -> float:
        """One update on the batch X (B rows of inputs), Y (B rows of targets); returns the
        batch's mean loss J before the update. Raises ValueError, changing nothing, when a new
        weight or bias would not be finite or would pass the engine's VALUE_LIMIT."""
        L, loss = self.net.L, self.gradient(X, Y)
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


