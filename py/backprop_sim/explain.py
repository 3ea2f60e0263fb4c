"""Explanations of a backward pass: the chain rule for one weight written out as its paths'
products, a neuron's δ as a sum (why the transpose), dead neurons, and finite differences.

Pure numpy, like the network: no browser, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .formatting import symbol
from .network import BackwardStep, Factor, ForwardPass, Network
from .rulebook import ACTIVATIONS, SHIPPED, Rules

# explanations: the chain rule written out, with numbers


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
    """Hidden neurons (l, j) with z ≤ 0 under an activation that dies there (ReLU): g'(z) = 0, so
    no gradient flows back through them."""
    if not ACTIVATIONS[net.hidden_activation].dies:
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


