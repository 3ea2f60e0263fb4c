"""The one way in: every button, key, URL value and `window.backpropSim.act` call lands here.

Pure Python (no `js`): the painter turns DOM events into `act(name, value)` and repaints.
"""

from __future__ import annotations

import numpy as np

from .engine import Simulation
from .presets import DEFAULT_PRESET, PRESETS, preset

SPEEDS = (0.25, 4.0)  # steps per second for Auto


class Controller:
    def __init__(self, sim: Simulation | None = None):
        self.sim = sim or preset(DEFAULT_PRESET).simulation()
        self.preset = DEFAULT_PRESET if sim is None else ""  # "" once the network is edited
        self.auto = False
        self.speed = 1.0
        self.show_table = False
        self.message = ""  # the last hint or refusal, shown in the page

    # each action: (simulation method or handler, does it take a value)
    def act(self, name: str, value=None) -> str:
        """Run one action. Returns the message for the learner ("" when all went as asked).

        A refused action (ValueError) changes nothing and returns its reason.
        """
        handler = getattr(self, "_" + str(name).replace("-", "_"), None) if isinstance(name, str) else None
        if handler is None:
            self.message = f"Unknown action {name!r}."
            return self.message
        try:
            self.message = handler(value) or ""
        except ValueError as refusal:
            self.message = str(refusal)
        return self.message

    def _forward(self, _):
        return self.sim.forward()

    def _backward(self, _):
        return self.sim.backward_step()

    def _back(self, _):
        self.auto = False
        return self.sim.back()

    def _reset(self, _):
        self.auto = False
        return self.sim.reset()

    def _target(self, value):
        return self.sim.set_target(_number(value, "The target"))

    def _preset(self, value):
        if value not in PRESETS:
            raise ValueError(f"Unknown preset {value!r}; choose one of {', '.join(PRESETS)}.")
        net, x, y = PRESETS[value].make()
        self.auto = False
        self.sim.set_network(net, x, y)
        self.preset = value

    def _speed(self, value):
        speed = _number(value, "The speed")
        if not SPEEDS[0] <= speed <= SPEEDS[1]:
            raise ValueError(f"Auto speed: {SPEEDS[0]:g} to {SPEEDS[1]:g} steps per second, got {speed:g}.")
        self.speed = speed

    def _table(self, value):
        self.show_table = _flag(value)

    def _auto(self, value):
        on = (not self.auto) if value is None else _flag(value)
        if on and self.sim.phase == "complete":
            self.sim.reset()  # a new run from the start
        self.auto = on

    def _tick(self, _):
        """One beat of Auto: forward, then one backward step per beat, then stop."""
        if not self.auto:
            return None
        if self.sim.phase == "ready":
            self.sim.forward()
        elif self.sim.phase in ("forward", "backward"):
            self.sim.backward_step()
        if self.sim.phase == "complete":
            self.auto = False
        return None

    # ---- what the API reports

    def state(self) -> dict:
        sim, now = self.sim, self.sim.now
        net = now.net
        values = sim.values()
        fp = now.forward

        def plain(v):
            if v is None:
                return None
            v = np.asarray(v)
            return v.ravel().tolist() if v.ndim == 2 and v.shape[1] == 1 else v.tolist()

        return {
            "layers": list(net.layers),
            "hidden_activation": net.hidden_activation,
            "output_activation": net.output_activation,
            "loss_fn": net.loss_fn,
            "phase": sim.phase,
            "step": len(now.steps),
            "x": plain(now.x),
            "y": plain(now.y),
            "W": [net.W[l].tolist() for l in range(1, net.L + 1)],
            "b": [plain(net.b[l]) for l in range(1, net.L + 1)],
            "z": [plain(v) for v in values["z"]],
            "a": [plain(v) for v in values["a"]],
            "y_hat": plain(fp.y_hat) if fp else None,
            "loss": fp.loss if fp else None,
            "delta": [plain(v) for v in values["delta"]],
            "dW": [plain(v) for v in values["dW"]],
            "db": [plain(v) for v in values["db"]],
            "preset": self.preset,
            "auto": self.auto,
            "speed": self.speed,
            "can_undo": bool(sim.history),
        }


def _number(value, name: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}.") from None
    if not np.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    return number


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "true", "false", "on", "off"):
        return value in (1, "true", "on")
    raise ValueError(f"Expected true or false, got {value!r}.")
