"""Every setting a learner can change, one row each: its action, its key in the link, how it is
read (with its range and unit), its default, the control it drives, its state() key and its help.

The one owner of those facts. `Controller.act` reads a setting's value through its row;
urlstate writes and reads the link from the rows, in their order; the build writes the
controls' attributes (min, max, step, value) into main.html from them (tools/lesson.py); the
page puts each setting's value in its control from them. Adding a setting is one row here and
its handler in the controller.

Ranges the model itself enforces stay with the model (the engine's learning rate, the data
sets' noise); a row names them, it does not repeat them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from . import datasets, reading
from .engine import check_learning_rate
from .network import LEARNING_RATE_MAX, SEED_MAX
from .rulebook import ACTIVATIONS, LOSSES
from .presets import DEFAULT_PRESET, PRESETS, SEED_Y

FAST = "fast"  # Train's last notch: as many updates as the page can run in a frame


# ---- how a value is read: each reader knows its range and unit, and the attributes of its control

@dataclass(frozen=True)
class Number:
    """A number from low to high; above: low itself is not allowed (a learning rate of 0)."""

    name: str  # in refusals: "The learning rate"
    low: float
    high: float
    step: float = 0.01  # the control's step
    unit: str = ""  # as a refusal writes it after the range: " %", " steps per second"
    whole: bool = False
    check: Callable | None = None  # the model's own check, where the model owns the range (the learning rate)

    def __call__(self, value):
        if self.whole:
            return reading.whole_between(value, self.name, int(self.low), int(self.high), self.unit)
        if self.check:
            return self.check(reading.number(value, self.name))
        return reading.between(value, self.name, self.low, self.high, self.unit)

    def attrs(self, default) -> dict:
        low = self.low if self.check is None or _allowed(self.check, self.low) is not None else self.step  # η = 0 is refused
        return {"min": low, "max": self.high, "step": self.step, "value": default}


@dataclass(frozen=True)
class Speed(Number):
    """A speed in steps per second, or FAST (the slider's notch past `high`)."""

    def __call__(self, value):
        if isinstance(value, str) and value.strip() == FAST:
            return FAST
        try:
            if float(value) >= self.notch:
                return FAST
        except (TypeError, ValueError, OverflowError):
            pass
        return super().__call__(value)

    @property
    def notch(self) -> float:
        return self.high + self.step

    def attrs(self, default) -> dict:
        return {"min": self.low, "max": self.notch, "step": self.step, "value": self.notch if default == FAST else default}


@dataclass(frozen=True)
class Flag:
    def __call__(self, value) -> bool:
        return reading.flag(value)

    def attrs(self, default) -> dict:
        return {}


@dataclass(frozen=True)
class Choice:
    """One name of `options()` (a callable: presets, activations and problems are looked up when asked)."""

    name: str  # in refusals: "activation"
    options: Callable[[], Any]

    def __call__(self, value) -> str:
        return reading.choice(value, self.name, self.options())

    def attrs(self, default) -> dict:
        return {}


@dataclass(frozen=True)
class Given:
    """A value whose reading the model does itself (layer sizes, parameters, features, a point):
    passed on as it came, to the handler that checks it. `control`: its control's attributes."""

    control: tuple = ()  # (name, value) pairs: the target slider's min, max, step and value

    def __call__(self, value):
        return value

    def attrs(self, default) -> dict:
        return dict(self.control)


# ---- when a setting is in the link

def always(ctl) -> bool:
    return True


def with_data(ctl) -> bool:
    return ctl.dataset is not None


def generated(ctl) -> bool:
    """A data set one of the six problems generates (not the learner's own points)."""
    return with_data(ctl) and ctl.dataset.name != datasets.CUSTOM


def urlstate_points_fit(ctl) -> bool:
    from .urlstate import points_fit  # urlstate reads this table: imported when asked
    return points_fit(ctl)


def urlstate_encode(data) -> str:
    from .urlstate import encode_points
    return encode_points(data)


def one_example(ctl) -> bool:
    return ctl.dataset is None


def preset_weights(ctl) -> bool:
    """The weights are a preset's, untrained: the preset's name says it all."""
    return bool(ctl.preset) and not ctl.trained


def own_network(ctl) -> bool:
    return not preset_weights(ctl)


def seeded(ctl) -> bool:
    return own_network(ctl) and ctl.seed is not None and not ctl.trained


def weights_given(ctl) -> bool:
    return own_network(ctl) and not seeded(ctl)


def regularised(ctl) -> bool:
    kind, rate = ctl.regularization
    return with_data(ctl) and (kind != "none" or bool(rate))


def finer_on(ctl) -> bool:
    return ctl.option("finer")


@dataclass(frozen=True)
class Setting:
    name: str  # its state() key, and its action unless `action` says otherwise
    read: Any  # a reader above: the value from a control, the link or JavaScript, or a refusal
    default: Any = None  # None: the preset's (layers, activations, x, y)
    action: str = ""  # the act() action that sets it ("" = name)
    part: str | tuple[str, ...] | None = None  # the field of its action's value it fills: {"noise": v}, ["hidden", v]
    key: str | tuple[str, ...] | None = None  # in the link; a tuple: the parts' keys, one each ({"W": …, "b": …})
    sep: str = ","  # between a list's items in the link
    listed: bool = False  # the link's text is a list of names, each handed to the action as one item
    complete: bool = False  # a link must give all its keys, or none
    refreshed: bool = False  # on a data set, a link that leaves it out gives it its default
    shown: bool = False  # its control has an <output id="(control)-value"> that says the value in words
    button: str | None = None  # the button that sends its control's value (or Enter in it), or "fields": its
    # group of fields sends their values together (painter); None: every change of the control does
    linked: Callable = always  # whether the link carries it now (given its key)
    controls: tuple[str, ...] = ()  # the ids of the page's controls it drives
    help: str = ""  # what it does, in a few words (the control's title)
    data: bool = False  # belongs to a data set: a link without one ignores it
    option: bool = False  # a plain value the controller keeps (Controller.option), set by its own action
    get: Callable | None = field(default=None, compare=False)  # its value now, from a controller

    @property
    def act(self) -> str:
        return self.action or self.name

    def value_for(self, value):
        """The action's value that sets this setting to value: {part: value}, [part, value] or value
        (a setting of several parts is given as their dict already)."""
        if self.part is None or isinstance(self.part, tuple):
            return value
        return [self.part, value] if self.act == "activation" else {self.part: value}

    def now(self, ctl):
        return ctl.option(self.name) if self.option else self.get(ctl)


def _allowed(check: Callable, value) -> float | None:
    try:
        return check(value)
    except ValueError:
        return None


LEARNING_RATE = Number("The learning rate", 0.0, LEARNING_RATE_MAX, step=0.05, check=check_learning_rate)

SETTINGS: tuple[Setting, ...] = (
    # the order of the link, and of reading it: the network's source first, then its data set,
    # its shape and rules, its weights, the example, the learning, the step last
    Setting("preset", Choice("preset", lambda: PRESETS), DEFAULT_PRESET, key="preset", linked=preset_weights,
            controls=("preset",), help="a ready-made network, its example and its weights", get=lambda c: c.preset),
    Setting("dataset", Choice("data set", lambda: ("none", *datasets.PROBLEMS, datasets.CUSTOM)), "none", part="name", key="data",
            linked=with_data, controls=("dataset",), help="train on a data set instead of one example",
            get=lambda c: c.dataset.name if c.dataset else "none"),
    Setting("points", Given(), action="points", key="pts", linked=lambda c: urlstate_points_fit(c), data=True,
            help="your own points, to 0.01 of the plane, compressed (urlstate.encode_points)",
            get=lambda c: urlstate_encode(c.dataset)),
    Setting("noise", Number("The noise", *datasets.NOISE_RANGE, step=5, unit=" %"), 0, action="dataset", part="noise",
            key="noise", linked=generated, controls=("noise",), data=True, shown=True, help="how far the classes overlap",
            get=lambda c: c.dataset.noise),
    Setting("train_share", Number("The training share", *datasets.TRAIN_SHARE_RANGE, step=10, unit=" %", whole=True), 50,
            action="dataset", part="train_share", key="share", linked=with_data, controls=("train-share",), data=True, shown=True,
            help="the share of the points that train the network; the rest test it", get=lambda c: c.dataset.train_share),
    Setting("batch", Number("The batch size", *datasets.BATCH_RANGE, step=1, unit=" examples", whole=True), 10,
            action="dataset", part="batch", key="batch", linked=with_data, controls=("batch",), data=True, shown=True,
            help="examples per update", get=lambda c: c.dataset.batch),
    Setting("data_seed", Number("The data seed", 0, SEED_MAX, step=1, whole=True), 0, action="dataset", part="seed",
            key="dseed", linked=with_data, controls=("data-seed",), data=True, help="which random points",
            get=lambda c: c.dataset.seed),
    Setting("features", Given(), ("x1", "x2"), key="features", linked=with_data, controls=("features",), data=True,
            listed=True, refreshed=True, button="fields",
            help="the network's inputs, made from each point's x₁ and x₂", get=lambda c: list(c.features)),
    Setting("layers", Given(), key="layers", sep="-", linked=own_network, controls=("layers",), button="btn-layers",
            help="neurons per layer, inputs first", get=lambda c: c.sim.net.layers),
    Setting("hidden_activation", Choice("activation", lambda: ACTIVATIONS), action="activation", part="hidden", key="hidden",
            linked=own_network, controls=("hidden-act",), help="g of the hidden layers",
            get=lambda c: c.sim.net.hidden_activation),
    Setting("output_activation", Choice("activation", lambda: ACTIVATIONS), action="activation", part="output", key="output",
            linked=own_network, controls=("output-act",), help="g of the output layer",
            get=lambda c: c.sim.net.output_activation),
    Setting("loss_fn", Choice("loss", lambda: LOSSES), action="loss", key="loss", linked=own_network, controls=("loss-fn",),
            help="how far ŷ is from y", get=lambda c: c.sim.net.loss_fn),
    Setting("seed", Number("The seed", 0, SEED_MAX, step=1, whole=True), 1, key="seed", linked=seeded, controls=("seed",),
            button="btn-randomise",
            help="random weights drawn from this seed", get=lambda c: c.seed),
    Setting("parameters", Given(), action="parameters", part=("W", "b"), key=("W", "b"), linked=weights_given, complete=True,
            help="every weight and bias, layer by layer, row by row", get=lambda c: c.parameters()),
    Setting("regularization", Given(), action="regularization", part=("kind", "rate"), key=("reg", "rate"),
            linked=regularised, data=True, refreshed=True, help="a penalty on large weights, and its rate λ",
            get=lambda c: {"kind": c.regularization[0], "rate": c.regularization[1]}),
    Setting("picked", Given(), action="pick_point", key="pick", linked=with_data, data=True,
            help="the point the step-by-step lesson walks", get=lambda c: c.picked),
    Setting("inspected", Given(), action="inspect_weight", key="why", linked=lambda c: with_data(c) and c.inspected is not None,
            data=True, listed=True, help="the weight whose last batch the Why box shows", get=lambda c: c.inspected.lesson()[1:]),
    Setting("x", Given(), key="x", linked=one_example, controls=("inputs",), button="fields", help="the input a[0]",
            get=lambda c: c.sim.now.x.ravel().tolist()),
    Setting("y", Given(control=(("min", 0.0), ("max", 1.0), ("step", 0.05), ("value", SEED_Y[0]))), action="target", key="y", linked=one_example, controls=("target",), shown=True, help="the target",
            get=lambda c: c.sim.now.y.ravel().tolist()),
    Setting("learning_rate", LEARNING_RATE, 0.5, action="lr", key="lr", controls=("lr",), option=True,
            help="η: how far each update moves the weights"),
    Setting("finer", Flag(), False, key="finer", linked=finer_on, controls=("finer",), option=True,
            help="each layer's backward step in two: its δ, then its ∂L/∂W and ∂L/∂b"),
    Setting("goto", Given(), 0, key="step", help="actions from ready: 1 the forward pass, 1 + k after k backward steps",
            get=lambda c: c.steps_taken()),
    # not in the link: how the page runs and what it shows
    Setting("speed", Number("Auto speed", 0.25, 4.0, step=0.25, unit=" steps per second"), 1.0, controls=("speed",),
            option=True, shown=True, help="Auto's steps per second"),
    # fast by default: the lesson's activities reach their quoted results (thousands of updates) in seconds
    Setting("train_speed", Speed("Training speed", 1.0, 60.0, step=1.0, unit=" steps per second"), FAST,
            controls=("train-speed", "data-speed"), option=True, shown=True, help="updates per second while training"),
    # Train N: its field sends its value with its button, to the one training action (Controller.on_train_steps,
    # which owns the limit; the field's max is the same number: tests/test_lesson_text.py)
    Setting("train_count", Number("The number of updates", 1, 10_000, step=1, whole=True), 2000, action="train_steps",
            controls=("train-count",), button="btn-train-count", help="updates to run at once, as the lesson's activities quote them",
            get=lambda c: None),
    Setting("show_table", Flag(), False, action="table", controls=("show-table",), option=True,
            help="every value in tables, under the drawing"),
    Setting("regularization_kind", Choice("regularisation", lambda: datasets.REGULARIZATIONS), "none",
            action="regularization", part="kind", controls=("reg-kind",), data=True, help="a penalty on large weights",
            get=lambda c: c.regularization[0]),
    Setting("regularization_rate", Number("The regularisation rate", 0.0, datasets.RATE_MAX, step=0.001), 0.0,
            action="regularization", part="rate", controls=("reg-rate",), data=True, help="λ, the penalty's weight",
            get=lambda c: c.regularization[1]),
    Setting("predict_mode", Flag(), False, controls=("predict-mode",), help="guess each δ before Backward Step shows it",
            get=lambda c: c.prediction.on),
    Setting("nudge_eps", Number("ε", -10.0, 10.0, step=0.001), 0.001, controls=("nudge-eps",), button="btn-nudge", option=True,
            help="how far Nudge moves the chosen weight"),
    Setting("draw_label", Number("The class or target a click draws", -1.0, 5.0, step=0.1), 1.0, controls=("draw-label",),
            option=True, help="a click on your own data's plot adds a point of this class (0 to 5), or this target (−1 to 1)"),
    Setting("check_gradients", Flag(), False, action="check", controls=("check",), option=True,
            help="finite differences beside backprop"),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
OPTIONS: dict[str, Setting] = {s.act: s for s in SETTINGS if s.option}  # plain values, by their action
LINKED: tuple[Setting, ...] = tuple(s for s in SETTINGS if s.key)
START = BY_NAME["preset"]  # what a link starts from: its default, the default preset (which leaves a data set)


def keys(setting: Setting) -> tuple[str, ...]:
    return setting.key if isinstance(setting.key, tuple) else (setting.key,)


LINK_KEYS: tuple[str, ...] = tuple(k for s in LINKED for k in keys(s))


def default(name: str):
    return BY_NAME[name].default


def part_defaults(action: str) -> dict:
    """The defaults of the settings an action takes as a dict's parts ({"kind": "none", "rate": 0.0})."""
    return {s.part: s.default for s in SETTINGS if s.act == action and isinstance(s.part, str) and s.default is not None}


def data_defaults() -> dict:
    """A data set's settings until changed, as datasets.make takes them (its name apart)."""
    return {part: value for part, value in part_defaults("dataset").items() if part != "name"}


def default_value(setting: Setting):
    """The action's value that gives a setting its default (a setting of parts: its parts' defaults)."""
    if setting.default is None and isinstance(setting.part, tuple):
        return part_defaults(setting.act)
    return setting.value_for(setting.default)


def attributes(name: str) -> str:
    """The HTML attributes of a setting's control: 'min="0" max="50" step="5" value="0"' (the build
    writes them into main.html)."""
    s = BY_NAME[name]
    return " ".join(f'{k}="{v:g}"' if isinstance(v, float) else f'{k}="{v}"' for k, v in s.read.attrs(s.default).items())
