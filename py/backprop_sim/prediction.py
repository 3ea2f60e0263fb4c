"""Predict before you see: with the mode on, each backward step waits for the learner's guess
of every δ of its layer. Pure: the controller hands it the simulation and takes its verdict."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import reading
from .engine import Moment, Simulation
from .network import Selection
from .formatting import number, symbol

PREDICT_ABS, PREDICT_REL = 0.0005, 0.02  # a prediction within this of δ counts as right


class Answer(NamedTuple):
    """One graded prediction, as an LMS's gradebook lists it (assets/scorm.js: cmi.interactions)."""

    l: int  # the δ's layer, as in the lesson
    j: int  # its neuron, counted from 1
    sign: bool  # only the sign was predicted: response and correct are then +1, −1 (or 0)
    response: float  # the learner's number (or sign)
    correct: float  # δ itself (or its sign)
    right: bool


class Prediction:
    """Predict before you see: with the mode on, each backward step waits for the learner's
    guesses of its layer's δ, one neuron at a time (a number, or only its sign); each guess is
    graded as it comes, and the step is taken after the layer's last one."""

    def __init__(self):
        self.on = False
        self.right = 0
        self.asked = 0
        self.moment: Moment | None = None  # the moment whose next layer is being predicted
        self.done = 0  # how many of that layer's δ are predicted already
        self.answers: list[Answer] = []  # every graded guess of the visit, in order

    def target(self, sim: Simulation) -> tuple[int, int]:
        """The δ to predict, (l, j) with j 0-based: the next layer's first neuron not yet predicted."""
        return sim.next_layer, self.done if sim.now is self.moment else 0

    def predicted(self, sim: Simulation) -> bool:
        """Count one more δ of the next layer as predicted; True when that was the layer's last."""
        self.done = (self.done if sim.now is self.moment else 0) + 1
        self.moment = sim.now
        if self.done < sim.net.layers[sim.next_layer]:
            return False
        self.moment, self.done = None, 0
        return True

    @staticmethod
    def name(l: int, j: int) -> str:
        """The δ asked for, j 0-based: 'δ^[2]₁'."""
        return symbol("δ", l, Selection.number(j))

    def grade(self, value, truth: float, l: int, j: int) -> str:
        """Score a guess of δ^[l]_j (j 0-based) against its true value; the verdict and the running score, in words."""
        name = self.name(l, j)
        if isinstance(value, str) and value.strip() in ("+", "-", "−"):
            sign = 1 if value.strip() == "+" else -1
            right, said = bool(np.sign(truth) == sign), "positive" if sign > 0 else "negative"
            answer = Answer(l, Selection.number(j), True, float(sign), float(np.sign(truth)), right)
        else:
            guess = reading.number(value, "Your prediction")
            right, said = abs(guess - truth) <= max(PREDICT_ABS, PREDICT_REL * abs(truth)), number(guess)
            answer = Answer(l, Selection.number(j), False, guess, truth, bool(right))
        self.answers.append(answer)
        self.right, self.asked = self.right + int(right), self.asked + 1
        return f"{'Right' if right else 'Not quite'}: {name} = {number(truth)} (you said {said}). Score: {self.right} of {self.asked}."
