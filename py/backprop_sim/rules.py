"""The rules of backpropagation: the part of the simulation you can edit.

The activation functions g and their derivatives g', the losses and dL/dŷ, and the three
equations of the backward pass. The engine (engine.py) calls these by name every time,
so the "Edit" page can replace them in the running simulation. Vectors are columns
(n × 1 numpy arrays), as in the lesson.

At the end, the catalogue: one row per activation and per loss, saying how the page writes
it and how a layer of it starts. A new activation is its two functions and one row.
"""

import numpy as np

from backprop_sim.catalogue import Activation, Loss, LossTex, Task, he, xavier


# ---- activations g(z) and their derivatives g'(z)

def sigmoid(z):
    # σ(z) = 1 / (1 + e^-z) for z ≥ 0, and e^z / (1 + e^z) below 0, the same number written so
    # that no exponent is ever positive: stable for any z
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def sigmoid_prime(z):
    return sigmoid_slope(sigmoid(z))


def sigmoid_slope(a):
    return a * (1.0 - a)  # σ'(z) = σ(z)(1 − σ(z)), from a = σ(z)


def tanh(z):
    return np.tanh(z)


def tanh_prime(z):
    return tanh_slope(np.tanh(z))


def tanh_slope(a):
    return 1.0 - a**2  # tanh'(z) = 1 − tanh²(z), from a = tanh(z)


def relu(z):
    return np.maximum(z, 0.0)


def relu_prime(z):
    return (z > 0).astype(float)  # 1 where z > 0, else 0: a "dead" neuron passes no gradient


LEAKY_SLOPE = 0.01


def leaky_relu(z):
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_prime(z):
    return np.where(z > 0, 1.0, LEAKY_SLOPE)


def linear(z):
    return z * 1.0


def linear_prime(z):
    return np.ones_like(z)


def softplus(z):
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))  # g = log(1 + e^z), written so e^z never overflows


def softplus_prime(z):
    return sigmoid(z)  # g'(z) = e^z / (1 + e^z) = σ(z)


def softmax(z):
    # ŷ_j = e^{z_j} / Σ_k e^{z_k}, down each column (one example a column); the largest z taken
    # off first, so no exponent is positive: stable for any z
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def softmax_prime(z):
    # every ŷ_j depends on every z_k: g'(z) is the Jacobian ∂ŷ_j/∂z_k = ŷ_j (1{j=k} − ŷ_k),
    # one n × n matrix per column of z, shape (n, n, columns)
    s = softmax(z)
    return s[:, None, :] * (np.eye(len(s))[:, :, None] - s[None, :, :])


# ---- losses L(ŷ, y) and dL/dŷ  (z is z[L], the output layer's input: ŷ = g(z))

def mse(y_hat, y, z):
    return float(0.5 * np.sum((y_hat - y) ** 2))  # L = ½ Σ (ŷ − y)²


def mse_grad(y_hat, y):
    return y_hat - y  # dL/dŷ = ŷ − y


def bce(y_hat, y, z):
    # L = −Σ [y log ŷ + (1 − y) log(1 − ŷ)], written with z (ŷ = σ(z)) so log 0 never happens
    return float(np.sum(softplus(z) - y * z))  # y softplus(−z) + (1 − y) softplus(z) = softplus(z) − y z


def bce_grad(y_hat, y):
    return (y_hat - y) / (y_hat * (1.0 - y_hat))


def cross_entropy(y_hat, y, z):
    # L = −Σ_j y_j log ŷ_j (y one-hot), with log ŷ = z − log Σ_k e^{z_k} (ŷ = softmax(z)) so log 0 never happens
    top = np.max(z, axis=0, keepdims=True)
    log_y_hat = z - top - np.log(np.sum(np.exp(z - top), axis=0, keepdims=True))
    return float(-np.sum(y * log_y_hat))


def cross_entropy_grad(y_hat, y):
    return -y / y_hat  # dL/dŷ_j = −y_j / ŷ_j


# ---- the backward pass: the lesson's three equations

def output_delta(dL_dy_hat, g_prime_z):
    if g_prime_z.ndim == 3:  # a Jacobian per example (softmax): δ[L]_k = Σ_j dL/dŷ_j ∂ŷ_j/∂z_k, δ[L] = (g'(z[L]))ᵀ dL/dŷ
        return np.einsum("jkb,jb->kb", g_prime_z, dL_dy_hat)
    return dL_dy_hat * g_prime_z  # δ[L] = dL/dŷ ⊙ g'(z[L])


def hidden_delta(W_next, delta_next, g_prime_z):
    return (W_next.T @ delta_next) * g_prime_z  # δ[l] = (W[l+1])ᵀ δ[l+1] ⊙ g'(z[l])


def weight_gradient(delta, a_prev):
    return delta @ a_prev.T  # ∂L/∂W[l] = δ[l] (a[l-1])ᵀ


def bias_gradient(delta):
    return delta  # ∂L/∂b[l] = δ[l]


# ---- the catalogue: each rule once. An activation: its g and g', its symbol in words and in
# TeX, the initialisation of a layer of it, the range of g (a neuron's map is coloured across
# it), whether it dies (g' = 0 for every z ≤ 0), and g' from a = g(z) where that is cheaper
# (training uses it for the rules as shipped; an edited g' is always called as written). A loss: L and dL/dŷ, its words and TeX,
# the output it needs and the targets it is defined for. A task: what a data set's kind of
# target asks of the output layer.

INF = float("inf")

ACTIVATIONS = (
    Activation(sigmoid, sigmoid_prime, "σ", r"\sigma", xavier, (0.0, 1.0), slope=sigmoid_slope),
    Activation(tanh, tanh_prime, "tanh", r"\tanh", xavier, (-1.0, 1.0), slope=tanh_slope),
    Activation(relu, relu_prime, "ReLU", r"\mathrm{ReLU}", he, (0.0, INF), dies=True),
    Activation(leaky_relu, leaky_relu_prime, "LReLU", r"\mathrm{LReLU}", he, (-INF, INF)),
    Activation(linear, linear_prime, "id", r"\mathrm{id}", xavier, (-INF, INF)),
    Activation(softplus, softplus_prime, "softplus", r"\operatorname{softplus}", xavier, (0.0, INF)),
    Activation(softmax, softmax_prime, "softmax", r"\operatorname{softmax}", xavier, (0.0, 1.0), output_only=True),
)

LOSSES = (
    Loss(mse, mse_grad, "mean squared error", "loss ½Σ(ŷ − y)²", "(ŷ{n} − y{n})",
         LossTex(r"\mathcal{L} = \tfrac{1}{2}\sum_j (\hat{y}_j-y_j)^2", r"(\hat{y} - y)",
                 r"({p} - {t})^2", r"\tfrac{{1}}{{2}}\left[{terms}\right]")),
    Loss(bce, bce_grad, "binary cross-entropy", "loss: binary cross-entropy", "∂L/∂ŷ{n}",
         LossTex(r"\mathcal{L} = -\sum_j \left[y_j \log\hat{y}_j + (1-y_j)\log(1-\hat{y}_j)\right]",
                 r"\frac{\hat{y} - y}{\hat{y}(1 - \hat{y})}", r"{t}\log {p} + {s}\log {q}", r"-\left[{terms}\right]"),
         needs_output=sigmoid, target_range=(0.0, 1.0), cancels=True),
    Loss(cross_entropy, cross_entropy_grad, "cross-entropy", "loss: cross-entropy", "(−y{n}/ŷ{n})",
         LossTex(r"\mathcal{L} = -\sum_j y_j \log\hat{y}_j", r"\left(-\frac{y}{\hat{y}}\right)", r"{t}\log {p}", r"-\left[{terms}\right]"),
         needs_output=softmax, target_range=(0.0, 1.0), cancels=True),
)

TASKS = (
    Task("classification", sigmoid, bce, "each point is class 1 or 0"),
    Task("regression", tanh, mse, "each point has a target from −1 to 1"),
    Task("classes", softmax, cross_entropy, "each point is one of three to six classes, its target one-hot"),
)
