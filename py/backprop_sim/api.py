"""What the JSON API reports (`window.backpropSim.state()`, the JSON export, the tests): plain
values of a controller, never sentences (the panels word them).

Vectors are lists, matrices lists of rows; layers and neurons are numbered as in the lesson
(from 1) wherever an index is reported.
"""

from __future__ import annotations

import numpy as np

from . import panels, settings
from .explain import chain_for_weight, dead_neurons, delta_as_sum, gradient_check as finite_differences, relative_error
from .network import Selection


def plain(v):
    """A column as a list, a matrix as a list of rows, None as None."""
    if v is None:
        return None
    v = np.asarray(v)
    return v.ravel().tolist() if v.ndim == 2 and v.shape[1] == 1 else v.tolist()


def state(ctl) -> dict:
    sim, now = ctl.sim, ctl.sim.now
    net, fp, values = now.net, now.forward, sim.values()
    prediction = None
    if ctl.prediction.on and sim.phase in ("forward", "backward") and not now.delta_only:
        l, j = ctl.prediction.target(sim)
        prediction = dict(zip(("l", "j"), Selection("neuron", l, j).lesson()[1:]), of=net.layers[l])
    return {
        "layers": list(net.layers),
        "hidden_activation": net.hidden_activation,
        "output_activation": net.output_activation,
        "loss_fn": net.loss_fn,
        "phase": sim.phase,
        "step": len(now.steps),
        "delta_only": now.delta_only,  # finer steps: the last step's δ is shown, its gradients not yet
        "x": plain(now.x),
        "y": plain(now.y),
        "W": [net.W[l].tolist() for l in range(1, net.L + 1)],
        "b": [plain(net.b[l]) for l in range(1, net.L + 1)],
        "z": [plain(v) for v in values["z"]],
        "a": [plain(v) for v in values["a"]],
        "y_hat": plain(fp.y_hat) if fp else None,
        "loss": fp.loss if fp else None,
        "delta": [plain(v) for v in values["delta"]],
        "dW": [None if v is None else v.tolist() for v in values["dW"]],  # matrices, like W, even with one column
        "db": [plain(v) for v in values["db"]],
        "preset": ctl.preset,  # where the weights came from; after training, where they started
        "seed": ctl.seed,
        "trained": ctl.trained,
        "auto": ctl.auto,
        "training": ctl.training,
        **{s.name: ctl.option(s.name) for s in settings.SETTINGS if s.option},  # learning_rate, speed, train_speed, finer …
        "losses": list(now.losses[-500:]),
        "last_update": None if now.last_update is None else {
            "learning_rate": now.last_update.learning_rate,
            "dW": [v.tolist() for v in now.last_update.dW[1:]],
            "db": [plain(v) for v in now.last_update.db[1:]],
        },
        "dead": [Selection("neuron", l, j).lesson()[1:] for l, j in dead_neurons(net, fp)] if fp else [],
        "selected": ctl.selected.lesson() if ctl.selected else None,
        "trace": trace(ctl),
        "check": gradient_check(ctl),
        "predict_mode": ctl.prediction.on,
        "prediction": prediction,
        "score": {"right": ctl.prediction.right, "asked": ctl.prediction.asked},
        "answers": [a._asdict() for a in ctl.prediction.answers],  # each graded prediction, for an LMS (assets/scorm.js)
        "rules": ctl.rules_result,
        "can_undo": bool(sim.history),
        # why the next step was refused, while the simulation is still at the moment it came from
        "diverged": ctl.diverged[1] if ctl.diverged and ctl.diverged[0] is now else None,
        "dataset": None if ctl.data is None else ctl.data.state(net, ctl.progress, sim.rules),
        "features": list(ctl.features),
        "regularization": {"kind": ctl.regularization[0], "rate": ctl.regularization[1]},
        "picked": ctl.picked,
        **ctl.diagnosis_state(),  # gradient_flow, flow, flags, weight_batch, nudge
    }


def trace(ctl) -> dict | None:
    """The selected weight's chain of factors, or the selected neuron's δ as a sum (lesson numbering)."""
    if not ctl.selected:
        return None
    now, net, rules = ctl.sim.now, ctl.sim.net, ctl.sim.rules
    at = ctl.selected
    l, j, k = at.l, at.j, at.k
    out = dict(zip(("kind", "l", "j", "k"), at.lesson()))
    if at.kind == "weight":
        out["w"] = float(net.W[l][j, k])
        if now.last_update:
            out["last_change"] = float(now.last_update.dW[l][j, k]) if l < len(now.last_update.dW) else None
        if now.forward is None or not now.has_gradients(l):
            return out
        chain = chain_for_weight(net, now.forward, now.y, l, j, k, rules)
        out["paths"] = [{"neurons": [Selection.number(n) for n in p.neurons],
                         "factors": [[panels.factor_name(f, net, rules), f.value] for f in p.factors],
                         "product": p.product} for p in chain.paths]
        out["total"] = chain.total
        out["dW"] = float(now.by_layer[l].dW.result.value[j, k])
        return out
    out["b"] = float(net.b[l][j, 0])
    if now.forward is not None:
        out["z"] = float(now.forward.z[l][j, 0])
        out["dead"] = (l, j) in dead_neurons(net, now.forward)
    if now.forward is not None and l in now.by_layer:
        d = delta_as_sum(net, now.steps, now.y, now.forward, l, j, rules)
        out.update(g_prime=d.g_prime, upstream=d.upstream, delta=d.value,
                   terms=[[Selection.number(t.m), t.weight, t.delta_next, t.product] for t in d.terms])
    return out


def gradient_check(ctl) -> dict | None:
    """Finite differences beside backprop, for the computed layers: two forward passes per weight,
    so once per moment (remembered by the controller's check memo), not on every render."""
    now = ctl.sim.now
    if not ctl.option("check_gradients") or not now.steps:
        return None
    return ctl.memo.get("check", (now,), lambda: _check(ctl))


def _check(ctl) -> dict:
    now = ctl.sim.now
    fdW, fdb = finite_differences(ctl.sim.net, now.x, now.y, rules=ctl.sim.rules)
    layers = {}
    for s in now.steps:
        l = s.layer
        if not now.has_gradients(l):  # a δ shown alone: its gradients are not out yet
            continue
        layers[l] = {
            "dW_numeric": fdW[l].tolist(),
            "db_numeric": fdb[l].ravel().tolist(),
            "relative_difference": max(relative_error(s.dW.result.value, fdW[l]), relative_error(s.db.result.value, fdb[l])),
        }
    return layers
