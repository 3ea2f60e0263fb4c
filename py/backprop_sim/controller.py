"""The one way in: every button, key, link and `window.backpropSim.act` call lands in `act`.

Pure Python (no `js`): the painter turns DOM events into `act(name, value)` and repaints.
Weight and neuron indices in actions follow the lesson: W^[l]_jk with l, j, k counted from 1.
Values are read through the settings table (settings.py); the lesson's steps and their undo
are the Simulation's (engine.py), one timeline whose moments also hold a data set's progress
and picked point (training.Place); training on a data set is training.DataTraining's; what the
API reports is api.py's.
"""

from __future__ import annotations

import numpy as np

from . import api, editing, reading, settings, urlstate
from .engine import Moment, Simulation
from .network import Diverged, Network, Selection
from .building import BuildControl
from .datacontrol import DataControl
from .whycontrol import WhyControl
from .prediction import Prediction
from .training import Memo
from .presets import DEFAULT_PRESET, preset

TRAIN_STEPS_MAX = 10_000  # updates in one train_steps call


class Controller(BuildControl, DataControl, WhyControl):
    """The simulation as the page sees it: the timeline (sim), where its weights came from
    (preset, seed, start), the settings, the modes (auto, training, prediction, the selection)
    and the last message. Every change goes through act()."""

    def __init__(self, sim: Simulation | None = None):
        self.sim = sim or preset(DEFAULT_PRESET).simulation()
        self.start: Network = self.sim.net  # the weights Reset returns to after training
        self.preset = DEFAULT_PRESET if sim is None else ""  # "" once the network is edited
        self.seed: int | None = None  # the seed of "Randomise weights", until a weight is edited
        self.options = {s.name: s.default for s in settings.SETTINGS if s.option}
        self.auto = False
        self.training = False
        self.prediction = Prediction()
        self.selected: Selection | None = None
        self.edits = editing.EditedRules(on_stop=self._fall_back)  # the learner's rules.py, run under its budget
        self.rules_result: dict | None = None  # the last run of edited rules.py
        self.message = ""  # the last hint or refusal, shown in the page
        self.notices: list[str] = []  # what the last link held that could not be used
        self.diverged: tuple[Moment, str] | None = None  # the moment a step would have overflowed from, and why
        self.memo = Memo()  # what the API computes once per moment (the gradient check)
        DataControl.__init__(self)
        WhyControl.__init__(self)

    def act(self, name: str, value=None) -> str:
        """Run one action. Returns the message for the learner ("" when all went as asked).

        A refused action (ValueError) changes nothing and returns its reason.
        """
        handler = self._handler(name)
        if handler is None:
            self.message = f"Unknown action {name!r}."
            return self.message
        try:
            self.message = handler(value) or ""
        except Diverged as overflow:  # a lesson, not a failure: stop running, keep the last finite moment
            self.auto = self.training = False
            self.diverged = (self.sim.now, str(overflow))
            self.message = str(overflow)
        except ValueError as refusal:
            self.message = str(refusal)
        except editing.RuleStopped as stopped:  # the learner's rules.py, stopped by its budget
            self.auto = self.training = False
            self.message = f"{stopped} The simulation went back to the rules that worked before."
        return self.message

    def _handler(self, name):
        if not isinstance(name, str):
            return None
        option = settings.OPTIONS.get(name)
        if option is not None:  # a plain value: read through its row, kept as it is
            return lambda value: self.options.__setitem__(option.name, option.read(value))
        return getattr(self, "on_" + name.replace("-", "_"), None)

    def option(self, name: str):
        """A plain setting's value now (settings.OPTIONS: learning rate, speeds, finer steps …)."""
        return self.options[name]

    def state(self) -> dict:
        return api.state(self)

    def trace(self) -> dict | None:
        return api.trace(self)

    def gradient_check(self) -> dict | None:
        return api.gradient_check(self)

    def link(self) -> str:
        """The hash that opens exactly this state (urlstate)."""
        return urlstate.encode(self)

    # ---- the original's controls

    def on_forward(self, _):
        self.sim.forward()

    def on_backward(self, _):
        # prediction mode asks for each δ first; a δ shown alone (finer steps) is followed by its gradients
        if self.prediction.on and self.sim.phase in ("forward", "backward") and not self.sim.now.delta_only:
            l, j = self.prediction.target(self.sim)
            raise ValueError(f"Prediction mode: first predict {Prediction.name(l, j)} (a number, or + or −), then press Check.")
        return self.sim.backward_step(self.option("finer"))

    def on_back(self, _):
        self.auto = self.training = False
        self.sim.back()  # a data set's progress, picked point and points go back with the moment (Moment.place)
        self._restore_points()

    def on_reset(self, _):
        """Back to ready, and after training back to the weights training started from (the
        preset's, the seed's or the learner's own): Step Back returns to the trained ones."""
        self.auto = self.training = False
        if self.trained:
            now = self.sim.now
            self.sim.set_network(self.start, now.x, now.y, place=self._restarted())
            return "Reset: the weights are back where training started (Step Back returns to the trained ones; Keep trained weights, in Train it, starts from them)."
        self.sim.reset()
        return None

    @property
    def trained(self) -> bool:
        """Whether Update or Train changed the weights since the network was set or edited."""
        return self.sim.net is not self.start

    def on_keep(self, _):
        """Keep trained weights: they become the weights Reset returns to (and the learner's own)."""
        if not self.trained:
            raise ValueError("Nothing to keep: the weights are where training started. Train or update them first.")
        self._mark_edited()
        return "The trained weights are kept: Reset now returns to them."

    def on_target(self, value):
        self._one_example("target")
        if isinstance(value, (list, tuple)) or (isinstance(value, str) and "," in value):
            self.sim.set_target(reading.numbers(value, "The target"))
        else:
            self.sim.set_target(reading.number(value, "The target"))

    def on_x(self, value):
        self._one_example("input x")
        self.sim.set_input(reading.numbers(value, "The input x"))

    def on_auto(self, value):
        on = (not self.auto) if value is None else reading.flag(value)
        if on and self.sim.phase == "complete":
            self.sim.reset()  # a new run from the start
        self.auto = on
        if on:
            self.training = False

    def on_tick(self, _):
        """One beat of Auto: forward, then one backward step per beat, then stop."""
        if not self.auto:
            return None
        if self.sim.phase == "ready":
            self.sim.forward()
        elif self.sim.phase in ("forward", "backward"):
            self.sim.backward_step(self.option("finer"))
        if self.sim.phase == "complete":
            self.auto = False
        return None

    def on_stop(self, _):
        """Auto and Train stop (the page's error panel does this when something broke)."""
        self.auto = self.training = False

    def steps_taken(self) -> int:
        """The actions from ready to the moment now: 0 ready, 1 the forward pass, 1 + k after k
        backward steps (with finer steps, k counts the halves)."""
        now = self.sim.now
        if self.sim.phase == "ready":
            return 0
        backward = 2 * len(now.steps) - int(now.delta_only) if self.option("finer") else len(now.steps)
        return 1 + backward

    def on_goto(self, value):
        """From ready to steps_taken() = n again: the forward pass, then n − 1 backward steps
        (prediction mode asks before each step: not while going there)."""
        most = 1 + self.sim.net.L * (2 if self.option("finer") else 1)
        n = reading.whole(value, "The step")
        if not 0 <= n <= most:
            raise ValueError(f"The step must be 0 to {most} for this network, got {n}.")
        self.sim.reset()
        if n >= 1:
            self.sim.forward()
        for _ in range(n - 1):
            self.sim.backward_step(self.option("finer"))

    def on_link(self, fragment):
        """The whole setup from a link's hash (urlstate), starting from the defaults; the timeline
        starts at the state it describes, and `notices` names whatever could not be used."""
        self.notices = urlstate.apply(self, "" if fragment is None else str(fragment))
        self.sim.start_timeline(self.sim.now.place)
        return None

    # ---- train it

    def on_update(self, _):
        self.sim.update(self.option("learning_rate"))

    def on_train(self, value):
        self.training = (not self.training) if value is None else reading.flag(value)
        if self.training:
            self.auto = False

    def on_train_tick(self, _):
        """One beat of Train: one iteration on the example, or one mini-batch update on the data set."""
        if self.training:
            self._train(1)

    def on_train_steps(self, value):
        """n updates now (1 to TRAIN_STEPS_MAX): n mini-batches of the data set, or n iterations on the example."""
        n = reading.whole(value, "The number of training steps")
        if not 1 <= n <= TRAIN_STEPS_MAX:
            raise ValueError(f"Train 1 to {TRAIN_STEPS_MAX:,} steps at a time, got {n:,}.")
        self._train(n)

    def _train(self, n: int) -> None:
        if self.data is not None:
            self._train_batches(n)
            return
        # the one example: all but the last iteration on plain arrays (descent.Descent with a
        # batch of one is the engine's update, W ← W − η δ aᵀ, number for number), as one moment;
        # the last through the engine, so the drawing shows its forward pass, gradients and update
        lr, now = self.option("learning_rate"), self.sim.now
        if n > 1:
            descent, losses = self._one_example_descent(), []
            X, Y = now.x.T, now.y.T
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for _ in range(n - 1):
                    try:
                        losses.append(descent.step(X, Y, lr))
                    except ValueError:  # past the range: the engine's step below says what grew
                        break
            if losses:
                self.sim.trained(descent.before, descent.network(), lr, tuple(losses), len(losses))
        self.sim.train_step(lr)

    # ---- trace any gradient, predict before you see

    def on_select(self, value):
        """("weight", l, j, k) or ("neuron", l, j), lesson numbering; None clears."""
        if value in (None, "", [], ()):
            self.selected = None
            return None
        kind = value[0] if isinstance(value, (list, tuple)) and value else None
        if not ((kind == "weight" and len(value) == 4) or (kind == "neuron" and len(value) == 3)):
            raise ValueError('Select ["weight", l, j, k] or ["neuron", l, j].')
        selection = Selection.from_lesson(kind, *(reading.whole(v, "index") for v in value[1:]))
        self.sim.net.check_index(selection.l, selection.j, selection.k or 0)
        self.selected = selection
        if kind == "weight" and self.data is not None:  # on a data set a chosen weight shows its last batch too
            self.inspected = selection

    @property
    def predict_mode(self) -> bool:
        return self.prediction.on

    def on_predict_mode(self, value):
        self.prediction.on = reading.flag(value)

    def on_predict(self, value):
        """Grade the guess of the next δ; after the layer's last one, take the step that shows them all."""
        if self.sim.phase not in ("forward", "backward"):
            raise ValueError("Predictions are for backward steps: press Forward Pass first." if self.sim.phase == "ready"
                             else "The backward pass is complete: Reset to predict again.")
        if self.sim.now.delta_only:
            raise ValueError("This layer's δ is shown: press Backward Step for its gradients, then predict the next δ.")
        l, j = self.prediction.target(self.sim)
        if not (isinstance(value, str) and value.strip() in ("+", "-", "−")):
            reading.number(value, "Your prediction")  # refused before anything moves or counts
        now = self.sim.now
        step = self.sim.net.backward_step(now.forward, now.y, now.steps, self.sim.rules)  # the step to come, not taken yet
        verdict = self.prediction.grade(value, float(step.delta.result.value[j, 0]), l, j)
        if self.prediction.predicted(self.sim):
            self.sim.backward_step(self.option("finer"))
            return verdict
        return verdict + f" Now predict {Prediction.name(l, j + 1)}."

    # ---- edit the MicroSim: the learner's own rules.py

    def on_rules(self, value):
        """Run edited rules.py source (None or "" restores the original); redo the current step with it."""
        before = self.sim.rules
        result, self.sim.rules = self.edits.original(before) if value in (None, "") else self.edits.run(str(value), before)
        try:
            self._replay()
        except BaseException as exc:  # runs on the presets, fails on this network: keep the last that worked
            result = {"ok": False, "error": editing.error_report(exc)}
            self.sim.rules = before
            self._replay()
        self.rules_result = result
        if result["error"]:
            line = f" (line {result['error']['line']})" if result["error"]["line"] else ""
            return f"Your code was not used{line}: {result['error']['message']} The simulation keeps the last code that worked."
        if not result["ok"]:
            return "Your code runs, but the gradient check found a mistake: " + " ".join(c["text"] for c in result["checks"] if not c["ok"])
        return None

    def _fall_back(self) -> None:
        """A rule of the learner's was stopped by its budget while in use: back to the rules that worked before."""
        self.sim.rules = self.edits.previous

    def _replay(self) -> None:
        """The same moment computed again: same network, input, target and step."""
        now = self.sim.now
        steps, forward = len(now.steps), now.forward is not None
        self.sim.set_network(now.net, now.x, now.y)
        if forward:
            self.sim.forward()
        for n in range(steps):
            self.sim.backward_step(finer=now.delta_only and n == steps - 1)
