"""The whole setup in the URL's hash, and back: a teacher's link opens exactly this state.

    #preset=seed&x=1,0.5&y=1&lr=0.5&step=3
    #layers=2-4-1&hidden=tanh&output=sigmoid&loss=mse&seed=7&x=...&y=...
    #layers=2-3-1&hidden=...&W=0.5,-0.3,...&b=0.1,...&x=...   (weights edited by hand)
    #data=spiral&noise=10&share=50&batch=10&dseed=0&features=x1,x2,sin%20x1&reg=l2&rate=0.01&pick=7&layers=3-8-1&...
       (a data set: its settings, the input features, the regularisation and the picked point, whose
       features and target are x and y, so the link has no x or y)

`step` counts the actions from ready: 0 ready, 1 forward pass, 1 + k after k backward steps;
with `finer=1` (each backward step in two: δ, then ∂L/∂W and ∂L/∂b) k counts the halves.
Reading goes through Controller.act, the one way in; whatever is malformed, out of range
or unknown is left at its default and named in the notices.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote

from .controller import Controller
from .presets import DEFAULT_PRESET

MAX_LENGTH = 20_000  # characters of hash read at most
KEYS = ("preset", "data", "noise", "share", "batch", "dseed", "features", "layers", "hidden", "output", "loss", "seed", "W", "b",
        "reg", "rate", "pick", "x", "y", "lr", "finer", "step")
DATA_KEYS = {"noise": "noise", "share": "train_share", "batch": "batch", "dseed": "seed"}  # link key: setting of the dataset action


def _numbers(values) -> str:
    """Shortest exact text per value, "1" for 1.0; ∞ and NaN come out as "inf" and "nan",
    which reading the link refuses with a notice (never int(): it raises on those)."""
    return ",".join(_number(float(v)) for v in values)


def _number(v: float) -> str:
    text = repr(v)
    return text[:-2] if text.endswith(".0") else text


def encode(ctl: Controller) -> str:
    now, net = ctl.sim.now, ctl.sim.net
    parts: list[tuple[str, str]] = []
    data = ctl.dataset
    if data is not None:
        parts += [("data", data.name), ("noise", _number(float(data.noise))), ("share", str(data.train_share)),
                  ("batch", str(data.batch)), ("dseed", str(data.seed)), ("features", ",".join(ctl.features))]
    if ctl.preset and not ctl.trained:  # trained weights are carried as they are, like edited ones
        parts.append(("preset", ctl.preset))
    else:
        parts += [
            ("layers", "-".join(str(n) for n in net.layers)),
            ("hidden", net.hidden_activation),
            ("output", net.output_activation),
            ("loss", net.loss_fn),
        ]
        if ctl.seed is not None and not ctl.trained:
            parts.append(("seed", str(ctl.seed)))
        else:
            parts.append(("W", _numbers(w for l in range(1, net.L + 1) for w in net.W[l].ravel())))
            parts.append(("b", _numbers(v for l in range(1, net.L + 1) for v in net.b[l].ravel())))
    if data is not None:
        kind, rate = ctl.regularization
        if kind != "none" or rate:
            parts += [("reg", kind), ("rate", _number(rate))]
        parts.append(("pick", str(ctl.picked)))
    else:
        parts += [("x", _numbers(now.x.ravel())), ("y", _numbers(now.y.ravel()))]
    parts.append(("lr", _number(ctl.learning_rate)))
    if ctl.finer:  # each backward step in two: the step count counts the halves
        parts.append(("finer", "1"))
        backward = 2 * len(now.steps) - int(now.delta_only)
    else:
        backward = len(now.steps)
    phase_steps = {"ready": 0}.get(ctl.sim.phase, 1 + backward)
    parts.append(("step", str(phase_steps)))
    return "&".join(f"{k}={quote(v, safe=',-.')}" for k, v in parts)


def _short(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "…")


def apply(ctl: Controller, fragment: str) -> list[str]:
    """Set the controller from a hash; returns notices naming what was ignored."""
    notices: list[str] = []
    fragment = (fragment or "").lstrip("#")
    if len(fragment) > MAX_LENGTH:
        notices.append(f"The link was too long ({len(fragment)} characters); only the first {MAX_LENGTH} were read.")
        fragment = fragment[:MAX_LENGTH]
    try:
        pairs = parse_qsl(fragment, keep_blank_values=True, max_num_fields=64)
    except ValueError:
        return ["The link's settings could not be read; the defaults are shown."]
    values: dict[str, str] = {}
    for key, value in pairs:
        if key not in KEYS:
            notices.append(f"Ignored the unknown setting {_short(key)}.")
            continue
        values[key] = value

    def do(action: str, value, key: str) -> bool:
        message = ctl.act(action, value)  # "" when all went as asked, else the refusal
        failed = bool(message)
        if failed:
            reason = message if len(message) <= 200 else message[:200] + "…"
            notices.append(f"Ignored {key}={_short(str(values.get(key, value)))}: {reason}")
        return not failed

    ctl.act("preset", DEFAULT_PRESET)
    if "preset" in values:
        do("preset", values["preset"], "preset")
    if "data" in values and do("dataset", {"name": values["data"]}, "data"):
        for key, setting in DATA_KEYS.items():  # one by one: a bad one is left at its default alone
            if key in values:
                do("dataset", {setting: values[key]}, key)
        if "features" in values:
            do("features", [f for f in values["features"].split(",") if f], "features")
    else:
        for key in (*DATA_KEYS, "features", "reg", "rate", "pick"):
            if key in values:
                notices.append(f"Ignored {key}={_short(values[key])}: it belongs to a data set, and the link chose none.")
    if "layers" in values:
        do("layers", values["layers"], "layers")
    for key in ("hidden", "output"):
        if key in values:
            do("activation", [key, values[key]], key)
    if "loss" in values:
        do("loss", values["loss"], "loss")
    if "seed" in values:
        do("seed", values["seed"], "seed")
    if "W" in values or "b" in values:
        if "W" in values and "b" in values:
            do("parameters", {"W": values["W"], "b": values["b"]}, "W")
        else:
            notices.append("Ignored W and b: a link must give both, or neither.")
    if ctl.dataset is not None:
        if "reg" in values or "rate" in values:
            setting = {k: values[key] for k, key in (("kind", "reg"), ("rate", "rate")) if key in values}
            do("regularization", setting, "reg" if "reg" in values else "rate")
        if "pick" in values:
            do("pick_point", values["pick"], "pick")
    for key, action in (("x", "x"), ("y", "target"), ("lr", "lr")):
        if key in values:
            do(action, values[key], key)
    if values.get("finer", "0") not in ("0", "1"):
        notices.append(f"Ignored finer={_short(values['finer'])}: it must be 0 or 1.")
    ctl.act("finer", values.get("finer") == "1")  # the link's own choice; none given: whole steps
    if "step" in values:
        most = 1 + ctl.sim.net.L * (2 if ctl.finer else 1)
        try:
            steps = int(values["step"])
            if not 0 <= steps <= most:
                raise ValueError
        except ValueError:
            notices.append(f"Ignored step={_short(values['step'])}: it must be 0 to {most} for this network.")
            steps = 0
        predicting = ctl.predict_mode  # prediction mode asks before each step: not while replaying a link
        ctl.act("predict_mode", False)
        if steps >= 1:
            ctl.act("forward")
        for _ in range(steps - 1):
            ctl.act("backward")
        ctl.act("predict_mode", predicting)
    ctl.sim.history.clear()  # the link's state is where this visit starts
    ctl.message = ""
    return notices

