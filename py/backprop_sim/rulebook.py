"""The rules in use, by name: the catalogue of activations, losses and tasks from rules.py, and
the `Rules` object the engine computes with (rules.py as shipped, or a learner's edit).

Pure: no browser, no clock.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Callable, Mapping

from . import reading
from . import rules as shipped_rules
from .catalogue import Activation, Loss, Task

# activations and losses: the functions and their catalogue live in rules.py; the engine
# computes with a Rules object (below) that the Simulation owns, so the Edit page can hand it a
# learner's own


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in shipped_rules.ACTIVATIONS}
LOSSES: dict[str, Loss] = {loss.name: loss for loss in shipped_rules.LOSSES}
TASKS: dict[str, Task] = {task.kind: task for task in shipped_rules.TASKS}
DEFAULT_ACTIVATION = shipped_rules.ACTIVATIONS[0].name  # the catalogue's first: σ, as in the lesson
DEFAULT_LOSS = shipped_rules.LOSSES[0].name  # squared error, as in the lesson


RULE_NAMES: tuple[str, ...] = (
    *(f for name in ACTIVATIONS for f in (name, name + "_prime")),
    *(f for name in LOSSES for f in (name, name + "_grad")),
    "output_delta", "hidden_delta", "weight_gradient", "bias_gradient",
)


class Rules:
    """The functions of rules.py the engine computes with, by name: `rules.sigmoid_prime(z)`.

    SHIPPED holds the module as it ships; a learner's edit (the Edit page) is another Rules,
    which the controller hands to the Simulation. Immutable: a change is a new Rules.
    """

    __slots__ = ("_functions",)

    def __init__(self, functions: Mapping[str, Callable]):
        missing = [name for name in RULE_NAMES if not callable(functions.get(name))]
        if missing:
            raise ValueError("The rules must define: " + ", ".join(missing) + ".")
        object.__setattr__(self, "_functions", MappingProxyType({name: functions[name] for name in RULE_NAMES}))

    def __getattr__(self, name: str) -> Callable:
        if name.startswith("_"):  # _functions itself, before __init__ has set it
            raise AttributeError(name)
        try:
            return self._functions[name]
        except KeyError:
            raise AttributeError(f"rules.py has no rule {name!r}") from None

    def __setattr__(self, name, value):
        raise AttributeError("Rules cannot change: make a new Rules")

    @property
    def functions(self) -> dict[str, Callable]:
        return dict(self._functions)

    def edited(self, name: str) -> bool:
        """Is this rule the learner's own, not rules.py's as shipped?"""
        return self._functions[name] is not getattr(shipped_rules, name)


SHIPPED = Rules(vars(shipped_rules))



def check_activation(name) -> Activation:
    """The activation of that name, or the refusal the API, the URL and the menus all give."""
    return ACTIVATIONS[reading.choice(name, "activation", ACTIVATIONS)]


def check_loss(name: str, output_activation: str) -> Loss:
    loss = LOSSES[reading.choice(name, "loss", LOSSES)]
    if loss.output and output_activation != loss.output:
        low, high = loss.target_range or (0.0, 1.0)
        raise ValueError(f"{loss.label.capitalize()} needs a {loss.output} output (ŷ must lie between {low:g} and {high:g}).")
    return loss




def value_range(kind: str) -> tuple[float, float]:
    """The values a map shows span: an activation's range of g, or a task's output's (its output
    activation's); an input feature's (any other kind): the whole line."""
    if kind in TASKS:
        kind = TASKS[kind].output_name
    return ACTIVATIONS[kind].values if kind in ACTIVATIONS else (-float("inf"), float("inf"))
