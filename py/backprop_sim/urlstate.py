"""The whole setup in the URL's hash, and back: a teacher's link opens exactly this state.

    #preset=seed&x=1,0.5&y=1&lr=0.5&step=3
    #layers=2-4-1&hidden=tanh&output=sigmoid&loss=mse&seed=7&x=...&y=...
    #layers=2-3-1&hidden=...&W=0.5,-0.3,...&b=0.1,...&x=...   (weights edited by hand)
    #data=spiral&noise=10&share=50&batch=10&dseed=0&features=x1,x2,sin%20x1&layers=3-8-1&...&reg=l2&rate=0.01&pick=7
       (a data set: its settings, the input features, the regularisation and the picked point, whose
       features and target are x and y, so the link has no x or y)

Both ways are driven by the settings table (settings.LINKED), in its order: each row says its
key, when the link carries it and which action reads it back. Reading goes through
Controller.act, the one way in (the "link" action runs `apply`); whatever is malformed, out of
range or unknown is left at its default and named in the notices.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from urllib.parse import parse_qsl, quote

import numpy as np

from . import datasets, settings

MAX_LENGTH = 20_000  # characters of hash read at most
MAX_FIELDS = 64  # settings read at most: a link has about 20


def _number(v: float) -> str:
    """Shortest exact text of a value, "1" for 1.0; ∞ and NaN come out as "inf" and "nan", which
    reading the link refuses with a notice (never int(): it raises on those)."""
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


def _text(value, sep: str = ",") -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, (list, tuple)):
        return sep.join(_text(v, sep) for v in value)
    return str(value)


def encode(ctl) -> str:
    parts: list[tuple[str, str]] = []
    for row in settings.LINKED:
        if not row.linked(ctl):
            continue
        value = row.now(ctl)
        if isinstance(row.key, tuple):  # one value of several parts, each under its own key
            parts += [(key, _text(value[part], row.sep)) for key, part in zip(row.key, row.part)]
        else:
            parts.append((row.key, _text(value, row.sep)))
    return "&".join(f"{k}={quote(v, safe=',-.')}" for k, v in parts)


# ---- a drawn set in the link: every point to 0.01 of the plane, zlib-compressed, base64url

POINTS_MAX = 6000  # characters of points a link carries at most (about 1,000 scattered points); past it, the CSV export
GRID = 100  # steps per unit of the plane: x₁, x₂ (and a regression's target) to 0.01
_ROW = np.dtype([("x1", "<i2"), ("x2", "<i2"), ("label", "i1")])  # 5 bytes a point before compression


def encode_points(data: datasets.DataSet) -> str:
    """"c" (classes) or "r" (regression targets), then the points' rows packed and compressed."""
    rows = np.zeros(len(data.points), _ROW)
    rows["x1"], rows["x2"] = np.rint(data.points[:, 0] * GRID), np.rint(data.points[:, 1] * GRID)
    rows["label"] = data.labels if data.kind == "classification" else np.rint(data.labels * GRID)
    packed = base64.urlsafe_b64encode(zlib.compress(rows.tobytes(), 9)).decode().rstrip("=")
    return data.kind[0] + packed


def decode_points(text) -> tuple[str, np.ndarray, np.ndarray]:
    """(kind, points, labels) from encode_points' text, or a refusal saying what is wrong with it."""
    text = str(text)
    kind = {"c": "classification", "r": "regression"}.get(text[:1])
    if kind is None or len(text) > POINTS_MAX + 1:
        raise ValueError("These points are not a drawn set this page wrote (or too long for a link).")
    try:
        raw = zlib.decompressobj().decompress(base64.b64decode(text[1:] + "=" * (-len(text[1:]) % 4), b"-_", validate=True),
                                              datasets.MAX_POINTS * _ROW.itemsize + 1)
    except (binascii.Error, ValueError, zlib.error):
        raise ValueError("The link's points could not be read (the link may have been cut short).") from None
    if len(raw) % _ROW.itemsize or len(raw) > datasets.MAX_POINTS * _ROW.itemsize:
        raise ValueError("The link's points could not be read (the link may have been cut short).")
    rows = np.frombuffer(raw, _ROW)
    points = np.column_stack([rows["x1"], rows["x2"]]) / GRID
    labels = rows["label"].astype(float) if kind == "classification" else rows["label"] / GRID
    return kind, points, labels


def points_fit(ctl) -> bool:
    """Whether the link carries the drawn points: a drawn set whose text fits in POINTS_MAX."""
    return ctl.dataset is not None and ctl.dataset.name == datasets.CUSTOM and len(encode_points(ctl.dataset)) <= POINTS_MAX + 1


def points_note(ctl) -> str:
    """What the link says of a drawn set: "" when it carries it, else why not and how to share it."""
    if ctl.dataset is None or ctl.dataset.name != datasets.CUSTOM or points_fit(ctl):
        return ""
    return (f"The link does not hold your {len(ctl.dataset.points):,} points (they need {len(encode_points(ctl.dataset)):,} "
            f"characters, a link holds {POINTS_MAX:,}): share them with Export CSV, and open it with Load.")


def _short(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "…")


def apply(ctl, fragment: str) -> list[str]:
    """Set the controller from a hash, starting from the defaults; returns notices naming what was
    ignored. Called by the controller's "link" action, which starts the timeline there."""
    notices: list[str] = []
    fragment = (fragment or "").lstrip("#")
    if len(fragment) > MAX_LENGTH:
        notices.append(f"The link was too long ({len(fragment)} characters); only the first {MAX_LENGTH} were read.")
        fragment = fragment[:MAX_LENGTH]
    _defaults(ctl)
    try:
        pairs = parse_qsl(fragment, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        return ["The link's settings could not be read; the defaults are shown."]
    values: dict[str, str] = {}
    for key, value in pairs:
        if key not in settings.LINK_KEYS:
            notices.append(f"Ignored the unknown setting {_short(key)}.")
            continue
        values[key] = value

    def do(row: settings.Setting, value, key: str) -> None:
        message = ctl.act(row.act, row.value_for(value))  # "" when all went as asked, else the refusal
        if message:
            reason = message if len(message) <= 200 else message[:200] + "…"
            notices.append(f"Ignored {key}={_short(str(values.get(key, value)))}: {reason}")

    for row in settings.LINKED:
        keys = settings.keys(row)
        given = [key for key in keys if key in values]
        if not given:
            if row.refreshed and ctl.dataset is not None:
                ctl.act(row.act, settings.default_value(row))  # a data set's inputs and penalty as a fresh one has them
            continue
        if row.data and ctl.dataset is None:
            notices += [f"Ignored {key}={_short(values[key])}: it belongs to a data set, and the link chose none." for key in given]
        elif isinstance(row.key, tuple):
            if row.complete and len(given) < len(keys):
                notices.append(f"Ignored {' and '.join(keys)}: a link must give both, or neither.")
            else:
                do(row, {part: values[key] for key, part in zip(row.key, row.part) if key in values}, given[0])
        else:
            do(row, [v for v in values[row.key].split(row.sep) if v] if row.listed else values[row.key], row.key)
    return notices


def _defaults(ctl) -> None:
    """The defaults of everything a link sets: the default preset (which leaves a data set), the
    linked plain settings (the learning rate, finer steps)."""
    ctl.act(settings.START.act, settings.START.default)
    for row in settings.LINKED:
        if row.option:
            ctl.act(row.act, settings.default_value(row))
