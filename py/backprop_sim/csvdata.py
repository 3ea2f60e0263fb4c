"""Reading a data set's points from CSV text: `x1,x2,label` (a header optional), or the data
export's own `set,x1,x2,target,y_hat` (toolwords.data_csv), so an export opens again as the same
points and targets.

Pure Python and numpy. Every refusal names the row (counted from 1, as a spreadsheet numbers
them, the header included) and its problem; nothing is returned half-read.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from . import datasets

MAX_TEXT = 200_000  # characters read at most: 2,000 rows of the export's full-precision numbers fit
TARGET_NAMES = ("label", "target", "y", "class")  # a header's name for the target column
SIDE = datasets.EXTENT


def _header(row: list[str]) -> tuple[int, int, int] | None:
    """The columns of x₁, x₂ and the target when the row is a header (names only, no number), else None."""
    names = [c.strip().lower().replace("₁", "1").replace("₂", "2") for c in row]
    if any(_is_number(n) for n in names):
        return None
    if "x1" not in names or "x2" not in names:
        raise ValueError(f"Row 1: the header names {', '.join(repr(n) for n in names)}; it needs x1, x2 and a label "
                         "(or target) column.")
    target = next((names.index(t) for t in TARGET_NAMES if t in names), None)
    if target is None:
        raise ValueError(f"Row 1: the header has no label column: name it one of {', '.join(TARGET_NAMES)}.")
    return names.index("x1"), names.index("x2"), target


def _is_number(text: str) -> bool:
    try:
        float(text.replace("−", "-"))
    except ValueError:
        return False
    return True


def _value(text: str, what: str, row: int, low: float, high: float) -> float:
    text = text.strip().replace("−", "-")
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"Row {row}: {what} is not a number ({text!r}).") from None
    if math.isnan(v):
        raise ValueError(f"Row {row}: {what} is NaN (not a number).")
    if math.isinf(v):
        raise ValueError(f"Row {row}: {what} is {'−' if v < 0 else ''}∞ (infinite).")
    if not low <= v <= high:
        raise ValueError(f"Row {row}: {what} = {v:g} is outside the plane's range, {low:g} to {high:g}.")
    return v


def _label(text: str, kind: str, row: int) -> float:
    if kind == "regression":
        text = text.strip().replace("−", "-")
        if not _is_number(text) or not math.isfinite(float(text)):
            raise ValueError(f"Row {row}: the target {text!r} is not a finite number.")
        v = float(text)
        if not -1.0 <= v <= 1.0:
            raise ValueError(f"Row {row}: the target {v:g} is outside −1 to 1 (a regression's targets).")
        return v
    stripped = text.strip()
    classes = datasets.MAX_CLASSES
    if _is_number(stripped) and math.isfinite(float(stripped)) and float(stripped) == int(float(stripped)) \
            and 0 <= float(stripped) < classes:
        return float(int(float(stripped)))
    raise ValueError(f"Row {row}: unknown class label {stripped!r}: the classes are the whole numbers 0 to {classes - 1}.")


def read(text, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """The points (n, 2) and targets (n,) of CSV text, or a ValueError naming the row and its problem."""
    if not isinstance(text, str):
        raise ValueError(f"Paste the CSV as text, got {type(text).__name__}.")
    if len(text) > MAX_TEXT:
        raise ValueError(f"The CSV is too long ({len(text):,} characters; at most {MAX_TEXT:,}).")
    rows = [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text.strip("\ufeff"))), start=1) if any(c.strip() for c in row)]
    if not rows:
        raise ValueError("The CSV has no rows: give one point a row, x1,x2,label.")
    columns = _header(rows[0][1])
    if columns is not None:
        rows = rows[1:]
    columns = columns or (0, 1, 2)
    if len(rows) > datasets.MAX_POINTS:
        raise ValueError(f"Too many rows: {len(rows):,} points, at most {datasets.MAX_POINTS:,} (row {rows[datasets.MAX_POINTS][0]} "
                         "is the first past the limit).")
    if not rows:
        raise ValueError("The CSV has a header but no points.")
    points, labels = [], []
    for n, row in rows:
        if len(row) <= max(columns):
            raise ValueError(f"Row {n}: a missing column: it has {len(row)} value(s), the points need x1, x2 and a label.")
        i1, i2, it = columns
        points.append((_value(row[i1], "x₁", n, -SIDE, SIDE), _value(row[i2], "x₂", n, -SIDE, SIDE)))
        labels.append(_label(row[it], kind, n))
    return np.array(points, dtype=float), np.array(labels, dtype=float)
