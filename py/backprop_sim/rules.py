"""The rules of backpropagation: the part of the simulation you can edit.

The activation functions g and their derivatives g', the losses and dL/dŷ, and the three
equations of the backward pass. The engine (engine.py) calls these by name every time,
so the "Edit" page can replace them in the running simulation. Vectors are columns
(n × 1 numpy arrays), as in the lesson.
"""

import numpy as np


# ---- activations g(z) and their derivatives g'(z)

def sigmoid(z):
    # σ(z) = 1 / (1 + e^-z) for z ≥ 0, and e^z / (1 + e^z) below 0, the same number written so
    # that no exponent is ever positive: stable for any z
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)  # σ'(z) = σ(z)(1 − σ(z))


def tanh(z):
    return np.tanh(z)


def tanh_prime(z):
    return 1.0 - np.tanh(z) ** 2  # tanh'(z) = 1 − tanh²(z)


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


# ---- losses L(ŷ, y) and dL/dŷ  (z is z[L], the output layer's input: ŷ = g(z))

def mse(y_hat, y, z):
    return float(0.5 * np.sum((y_hat - y) ** 2))  # L = ½ Σ (ŷ − y)²


def mse_grad(y_hat, y):
    return y_hat - y  # dL/dŷ = ŷ − y


def _softplus(t):
    return np.maximum(t, 0.0) + np.log1p(np.exp(-np.abs(t)))  # log(1 + e^t) without overflow


def bce(y_hat, y, z):
    # L = −Σ [y log ŷ + (1 − y) log(1 − ŷ)], written with z (ŷ = σ(z)) so log 0 never happens
    return float(np.sum(_softplus(z) - y * z))


def bce_grad(y_hat, y):
    return (y_hat - y) / (y_hat * (1.0 - y_hat))


# ---- the backward pass: the lesson's three equations

def output_delta(dL_dy_hat, g_prime_z):
    return dL_dy_hat * g_prime_z  # δ[L] = dL/dŷ ⊙ g'(z[L])


def hidden_delta(W_next, delta_next, g_prime_z):
    return (W_next.T @ delta_next) * g_prime_z  # δ[l] = (W[l+1])ᵀ δ[l+1] ⊙ g'(z[l])


def weight_gradient(delta, a_prev):
    return delta @ a_prev.T  # ∂L/∂W[l] = δ[l] (a[l-1])ᵀ


def bias_gradient(delta):
    return delta  # ∂L/∂b[l] = δ[l]
