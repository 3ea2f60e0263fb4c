"""The controller's network-building part: presets, layer sizes, activations, the loss, seeds, and
every weight and bias by hand. Where the weights came from (the preset, the seed, or the learner's
own) is kept for the link and for Reset, which returns to them after training."""

from __future__ import annotations

import numpy as np

from . import reading, settings
from .network import Network, Selection, check_layers
from .rulebook import check_activation
from .presets import preset


class BuildControl:
    """A part of Controller (its network actions); reads and sets the controller's sim, preset, seed and start."""

    def on_preset(self, value):
        net, x, y = preset(value).make()  # refuses an unknown preset before anything changes
        if self.dataset is not None:  # a preset is one example: the data set is left, not restored
            self._leave_data(restore=False)
        self._set_network(net, x, y, preset=value)

    def on_layers(self, value):
        layers = reading.wholes(value, "Layer sizes")
        net, seed = self.sim.net, self._weight_seed()
        self._set_network(Network.random(layers, seed, net.hidden_activation, net.output_activation, net.loss_fn), seed=seed)

    def on_depth(self, value):
        """One hidden layer more (+1, as wide as the last hidden layer, or 3) or fewer (−1, the last)."""
        change = reading.whole(value, "The change of depth")
        layers = list(self.sim.net.layers)
        if change == 1:
            layers.insert(-1, layers[-2] if len(layers) > 2 else 3)
        elif change == -1:
            if len(layers) == 2:
                raise ValueError("This network has no hidden layer to remove.")
            del layers[-2]
        else:
            raise ValueError("Change the depth by 1 or −1: one hidden layer at a time.")
        return self.on_layers(layers)  # the engine refuses more hidden layers than it allows

    def on_neurons(self, value):
        """[l, +1 | −1]: hidden layer l (counted from 1, as W[l] feeds it) gains a neuron or loses its
        last. The weights that stay are kept: a new neuron's incoming weights are drawn from the seed,
        its outgoing ones start at 0, so ŷ is unchanged until training moves them."""
        if isinstance(value, str) and "," in value:  # a button's data-value, "l,+1"
            value = value.split(",")
        l, change = reading.indexed(value, 2, "layer change", "[l, +1 or −1]")
        net = self.sim.net
        if not (l == int(l) and 1 <= l < net.L):
            raise ValueError(f"The hidden layers are numbered 1 to {net.L - 1}, got {l:g}." if net.L > 1
                             else "This network has no hidden layer: add one first (depth +1).")
        l = int(l)
        if change not in (1, -1):
            raise ValueError(f"Add or remove one neuron at a time: +1 or −1, got {change:g}.")
        if change == -1 and net.layers[l] == 1:
            raise ValueError(f"Hidden layer {l} has one neuron left: remove the layer itself (depth −1) instead.")
        layers = list(net.layers)
        layers[l] += int(change)
        check_layers(layers)  # the limits of the network, before anything changes
        W = [np.array(net.W[m]) for m in range(1, net.L + 1)]
        b = [np.array(net.b[m]).ravel() for m in range(1, net.L + 1)]
        if change == 1:
            std = check_activation(net.hidden_activation).init(layers[l - 1], layers[l])
            rng = np.random.default_rng([self._weight_seed(), l, layers[l]])
            W[l - 1] = np.vstack([W[l - 1], np.round(rng.normal(0.0, std, (1, layers[l - 1])), 2) + 0.0])
            b[l - 1] = np.append(b[l - 1], 0.0)
            W[l] = np.hstack([W[l], np.zeros((layers[l + 1], 1))])
        else:
            W[l - 1], b[l - 1], W[l] = W[l - 1][:-1], b[l - 1][:-1], W[l][:, :-1]
        self._set_network(Network.build(layers, W, b, net.hidden_activation, net.output_activation, net.loss_fn))

    def on_activation(self, value):
        which, name = _which(value)
        net = self.sim.net
        hidden = name if which == "hidden" else net.hidden_activation
        output = name if which == "output" else net.output_activation
        self._rebuild(hidden_activation=hidden, output_activation=output)

    def on_loss(self, value):
        self._rebuild(loss_fn=str(value))

    def on_seed(self, value):
        seed = reading.whole(value, "The seed")
        net = self.sim.net
        self._set_network(Network.random(net.layers, seed, net.hidden_activation, net.output_activation, net.loss_fn), seed=seed)

    def on_weight(self, value):
        l, j, k, w = reading.indexed(value, 4, "weight", "[l, j, k, value]")
        at = Selection.from_lesson("weight", l, j, k)
        self.sim.set_weight(at.l, at.j, at.k, w, place=self._restarted())  # on a data set the curve starts again
        self._mark_edited()

    def on_bias(self, value):
        l, j, b = reading.indexed(value, 3, "bias", "[l, j, value]")
        at = Selection.from_lesson("neuron", l, j)
        self.sim.set_bias(at.l, at.j, b, place=self._restarted())
        self._mark_edited()

    def on_parameters(self, value):
        """Every weight and bias at once: {"W": [...], "b": [...]}, each flat, layer by layer, row by row."""
        if not isinstance(value, dict) or set(value) != {"W", "b"}:
            raise ValueError('Set the parameters with {"W": [...], "b": [...]}.')
        net = self.sim.net
        W_flat, b_flat = reading.numbers(value["W"], "W"), reading.numbers(value["b"], "b")
        shapes = [(net.layers[l], net.layers[l - 1]) for l in range(1, net.L + 1)]
        need_W, need_b = sum(r * c for r, c in shapes), sum(r for r, _ in shapes)
        if len(W_flat) != need_W or len(b_flat) != need_b:
            raise ValueError(f"This network needs {need_W} weights and {need_b} biases, got {len(W_flat)} and {len(b_flat)}.")
        W, b, i, m = [], [], 0, 0
        for rows, cols in shapes:
            W.append(np.reshape(W_flat[i : i + rows * cols], (rows, cols)))
            b.append(b_flat[m : m + rows])
            i, m = i + rows * cols, m + rows
        self._set_network(Network.build(net.layers, W, b, net.hidden_activation, net.output_activation, net.loss_fn))

    def parameters(self) -> dict:
        """Every weight and bias, flat, layer by layer, row by row (on_parameters' value)."""
        net = self.sim.net
        return {"W": [float(w) for l in range(1, net.L + 1) for w in net.W[l].ravel()],
                "b": [float(v) for l in range(1, net.L + 1) for v in net.b[l].ravel()]}

    def _rebuild(self, **change):
        """New activations or loss. Seeded weights are drawn again for them (the initialisation
        depends on the activation); other weights are kept as they are."""
        net = self.sim.net
        fields = dict(hidden_activation=net.hidden_activation, output_activation=net.output_activation, loss_fn=net.loss_fn)
        fields.update(change)
        if self.seed is not None:
            self._set_network(Network.random(net.layers, self.seed, **fields), seed=self.seed)
        else:
            W, b = [net.W[l] for l in range(1, net.L + 1)], [net.b[l] for l in range(1, net.L + 1)]
            self._set_network(Network.build(net.layers, W, b, **fields))

    def _set_network(self, net: Network, x=None, y=None, seed: int | None = None, preset: str = "", place=None):
        """A new network from ready; `seed` and `preset` say where its weights came from (for the link);
        `place` what the moment holds of a data set (by default: the curve from the start, the pick kept)."""
        self._check_data_network(net)
        self.auto = self.training = False
        self.selected = self.inspected = None
        self.sim.set_network(net, x, y, place=place or self._restarted())
        self.preset, self.seed = preset, seed
        self.start = self.sim.net  # where Reset returns after training

    def _mark_edited(self):
        """The weights are the learner's own now, no preset's or seed's: a link must carry them,
        and Reset returns to them."""
        self.preset, self.seed = "", None
        self.start = self.sim.net

    def _weight_seed(self) -> int:
        return self.seed if self.seed is not None else settings.default("seed")


def _which(value) -> tuple[str, str]:
    """The activation action's value: ["hidden" or "output", name] (or {"hidden": name}, "hidden:name")."""
    if isinstance(value, dict) and len(value) == 1:
        value = next(iter(value.items()))
    if isinstance(value, str) and ":" in value:
        value = value.split(":", 1)
    if not isinstance(value, (list, tuple)) or len(value) != 2 or value[0] not in ("hidden", "output"):
        raise ValueError(f"Set the activation with ['hidden' or 'output', name], got {value!r}.")
    return value[0], check_activation(value[1]).name
