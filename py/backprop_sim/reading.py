"""Reading a value a learner gave: from a button, a field, the link or JavaScript.

One reader per kind of value, each returning the value or raising a ValueError whose message
names the value and says what is allowed. The engine, the data sets and the settings table
(settings.py) all read through these, so every refusal of a number reads the same.
"""

from __future__ import annotations

import math


def number(value, name: str) -> float:
    """A finite float ("−0.5" with the minus sign the panels print, too); true and false are not numbers."""
    if isinstance(value, str):
        value = value.strip().replace("−", "-")
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}.")
    try:
        found = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond float, 10**400
        raise ValueError(f"{name} must be a number, got {value!r}.") from None
    if not math.isfinite(found):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    return found


def whole(value, name: str) -> int:
    found = number(value, name)
    if found != int(found):
        raise ValueError(f"{name} must be a whole number, got {value!r}.")
    return int(found)


def between(value, name: str, low: float, high: float, unit: str = "") -> float:
    """A number from low to high (unit: " %", " examples" as the message writes it after high)."""
    found = number(value, name)
    if not low <= found <= high:
        raise ValueError(f"{name} must be from {low:g} to {high:g}{unit}, got {value!r}.")
    return found


def whole_between(value, name: str, low: int, high: int, unit: str = "") -> int:
    found = number(value, name)
    if found != int(found) or not low <= found <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}{unit}, got {value!r}.")
    return int(found)


def flag(value) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "true", "false", "on", "off", "1", "0"):
        return value in (1, "true", "on", "1")
    raise ValueError(f"Expected true or false, got {value!r}.")


def numbers(value, name: str) -> list[float]:
    """A list of numbers, or text of them separated by commas or semicolons."""
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").split(",") if v.strip()]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list of numbers, got {value!r}.")
    return [number(v, name) for v in value]


def wholes(value, name: str) -> list[int]:
    """Whole numbers as a list, or as text like "2, 3, 1", "2-3-1" or "2 → 3 → 1"."""
    if isinstance(value, str):
        value = [v for v in value.replace("→", ",").replace("-", ",").replace(" ", ",").split(",") if v.strip()]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list of whole numbers like 2, 3, 1; got {value!r}.")
    return [whole(v, name) for v in value]


def indexed(value, n: int, what: str, form: str):
    """[l, j, (k,) value]: whole indices, then a number."""
    if not isinstance(value, (list, tuple)) or len(value) != n:
        raise ValueError(f"Set a {what} with {form}, got {value!r}.")
    *idx, v = value
    return (*(whole(i, "An index") for i in idx), number(v, f"The {what}"))


def choice(value, name: str, options) -> str:
    """One of the options' names."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"Unknown {name} {value!r}; choose one of {', '.join(options)}.")
    return value
