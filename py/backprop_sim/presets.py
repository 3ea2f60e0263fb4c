"""Ready-made networks a teacher can open with one click.

Each preset gives a Network, the input x and the target y. "seed" is the default: the
original MicroSim's network, inputs, target and weights, with sigmoid in every layer so
that the numbers follow the lesson's σ' equations.
"""

from __future__ import annotations

from dataclasses import dataclass

from .engine import Simulation
from .network import Network

# The original MicroSim's fixed parameters (row j = neuron j, column k = input k).
SEED_W = ([[0.5, -0.3], [0.2, 0.4], [-0.1, 0.6]], [[0.3, -0.2, 0.5]])
SEED_B = ([0.1, -0.1, 0.2], [0.0])
SEED_X = [1.0, 0.5]
SEED_Y = [1.0]


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    make: callable  # () -> (Network, x, y)

    def simulation(self) -> Simulation:
        net, x, y = self.make()
        return Simulation(net, x, y)


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        # The original MicroSim's 2 → 3 → 1 network, inputs and weights, sigmoid in every layer.
        Preset(
            "seed", "Seed example (sigmoid)",
            lambda: (Network.build([2, 3, 1], SEED_W, SEED_B, "sigmoid", "sigmoid", "mse"), SEED_X, SEED_Y),
        ),
        # The same network with a ReLU hidden layer, as the original's code computed it.
        Preset(
            "seed-relu", "Seed example (ReLU hidden)",
            lambda: (Network.build([2, 3, 1], SEED_W, SEED_B, "relu", "sigmoid", "mse"), SEED_X, SEED_Y),
        ),
        # Round numbers and a linear hidden layer: every value can be checked with pencil and paper.
        Preset(
            "hand", "2 → 2 → 1 for hand calculation",
            lambda: (
                Network.build([2, 2, 1], ([[0.5, 0.5], [1.0, -1.0]], [[1.0, 0.5]]), ([0.0, 0.0], [0.0]), "linear", "linear", "mse"),
                [1.0, 2.0], [0.0],
            ),
        ),
        # Two tanh hidden layers: the error signal passes through two transposes.
        Preset(
            "deep", "Deeper: 2 → 4 → 3 → 1 (tanh)",
            lambda: (Network.random([2, 4, 3, 1], seed=7, hidden_activation="tanh"), SEED_X, SEED_Y),
        ),
        # Hidden neuron 2 has z ≤ 0 for this input, so its ReLU' is 0 and no gradient flows through it.
        Preset(
            "dead-relu", "A dead ReLU neuron",
            lambda: (
                Network.build([2, 3, 1], ([[0.5, -0.3], [-0.4, -0.2], [-0.1, 0.6]], [[0.3, -0.2, 0.5]]), SEED_B, "relu", "sigmoid", "mse"),
                SEED_X, SEED_Y,
            ),
        ),
        # A sigmoid output with binary cross-entropy: the output error is simply δ = ŷ − y.
        Preset(
            "classifier", "Cross-entropy output",
            lambda: (Network.build([2, 3, 1], SEED_W, SEED_B, "sigmoid", "sigmoid", "bce"), SEED_X, SEED_Y),
        ),
    )
}

DEFAULT_PRESET = "seed"


def preset(key: str) -> Preset:
    if not isinstance(key, str) or key not in PRESETS:
        raise ValueError(f"Unknown preset {key!r}; choose one of {', '.join(PRESETS)}.")
    return PRESETS[key]
