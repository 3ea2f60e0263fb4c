"""The controller's part that answers "why": the batch behind a weight's last update
(inspect_weight), a nudge of one weight that tests ∂L/∂w (nudge), and what the API reports of
gradient flow and of neurons that pass no gradient. The numbers are diagnosis.py's."""

from __future__ import annotations

import numpy as np

from . import diagnosis, reading, toolwords
from .network import Network, Selection


class WhyControl:
    """A part of Controller; reads its sim, its data set and its memo."""

    def __init__(self):
        self.inspected: Selection | None = None  # the weight whose last update the batch view shows
        self.nudged: dict | None = None  # the last nudge and what it measured
        self._nudged_on: Network | None = None

    def _weight(self, value, extra: int = 0) -> tuple:
        """[l, j, k] (lesson numbering), and `extra` numbers after them: a weight of the network now."""
        n = 3 + extra
        if not isinstance(value, (list, tuple)) or len(value) != n:
            raise ValueError(f"Name the weight as [l, j, k{', ε' if extra else ''}], counted from 1 as in the lesson; got {value!r}.")
        l, j, k = (reading.whole(v, "An index") for v in value[:3])
        at = Selection.from_lesson("weight", l, j, k)
        self.sim.net.check_index(at.l, at.j, at.k)
        return (at, *(reading.number(v, "ε") for v in value[3:]))

    def on_inspect_weight(self, value):
        """The last update's batch, example by example, for weight W[l]_jk (None: no weight)."""
        if value in (None, "", []):
            self.inspected = None
            return None
        if self.data is None:
            raise ValueError("A weight's batch is for training on a data set: choose a data set first.")
        self.inspected = self._weight(value)[0]
        return None

    def on_nudge(self, value):
        """[l, j, k, ε]: W[l]_jk changed by ε, the loss measured again, against ∂L/∂w · ε; the network stays."""
        at, eps = self._weight(value, extra=1)
        if eps == 0:
            raise ValueError("Nudge by an ε other than 0, such as 0.001 (try a large one too, like 1).")
        self.options["nudge_eps"] = eps  # the field keeps the ε last used
        now = self.sim.now
        example = diagnosis.nudge(self.sim.net, now.x, now.y, at.l, at.j, at.k, eps, self.sim.rules)
        self.nudged = {"weight": at.lesson()[1:], "eps": eps, **example}
        self._nudged_on = self.sim.net  # what it measured: a later network makes it old
        if self.data is not None:  # and the mean loss of the next update's batch
            batch = self.data.batches(self.progress.epoch)[self.progress.position]
            X, Y = self.data.inputs()[batch.index].T, batch.y.T
            self.nudged["batch"] = diagnosis.nudge(self.sim.net, X, Y, at.l, at.j, at.k, eps, self.sim.rules)
        return None

    def diagnosis_state(self) -> dict:
        """What api.state reports of training's why: gradient_flow, flow, flags, weight_batch, nudge."""
        net = self.sim.net
        flow = self.progress.flow if self.data is not None else ()
        sizes = [[p[1][l] for p in flow] for l in range(net.L)] if flow and len(flow[-1][1]) == net.L else [[] for _ in range(net.L)]
        kind, layer = diagnosis.flow_kind(flow[-1][1]) if flow and len(flow[-1][1]) == net.L else (None, None)
        return {
            "gradient_flow": sizes,  # one list per layer l = 1..L: ‖∂J/∂W[l]‖ at each recorded update
            "flow_updates": [p[0] for p in flow],
            "flow": {"kind": kind, "layer": layer, "text": toolwords.flow_words(kind, layer, net.L)},
            "flags": [{"layer": f.layer, "neuron": f.neuron, "kind": f.kind, "text": toolwords.flag_words(f, net)} for f in self.flags()],
            "weight_batch": self.weight_batch(),
            "nudge": self.nudged if self._nudged_on is net else None,
        }

    def flags(self) -> list:
        """Dead and saturated hidden neurons on the training points (the one example without a data set), once per network."""
        A0 = self.data.inputs().T if self.data is not None else self.sim.now.x
        return self.memo.get("flags", (self.sim.net, self.sim.rules, self.data), lambda: diagnosis.flags(self.sim.net, A0, self.sim.rules))

    def weight_batch(self) -> dict | None:
        """The inspected weight's last update: its batch's ∂L_i/∂w, their mean, the penalty, −η × total = Δw."""
        update, at = self.sim.now.last_update, self.inspected
        if at is None or self.data is None or update is None or update.start[0] is None or not self.progress.last_batch:
            return None
        net = self.sim.net
        try:
            net.check_index(at.l, at.j, at.k)
        except ValueError:  # the network changed shape since the weight was chosen: nothing to show for it
            return None
        start = Network.build(net.layers, update.start[0][1:], update.start[1][1:], net.hidden_activation,
                              net.output_activation, net.loss_fn)
        index = np.array(self.progress.last_batch)
        X, Y = self.data.inputs()[index], self.data.dataset.y_train[index]
        found = self.memo.get("weight-batch", (self.sim.now, at), lambda: diagnosis.weight_batch(
            start, X, Y, at.l, at.j, at.k, self.sim.rules, self.regularization, update.learning_rate))
        return {"weight": at.lesson()[1:], **found}
