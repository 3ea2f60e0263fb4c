"""Issue 17, item 5: the limits, ranges, defaults, help and shortcuts the page shows are written
from the Python constants the simulation enforces, never typed twice."""

import re
import shutil

import pytest

import lesson  # tools/lesson.py
from dataclasses import replace

from backprop_sim import datasets, settings, toolwords
from backprop_sim.controller import Controller
from backprop_sim.network import LEARNING_RATE_MAX, MAX_HIDDEN_LAYERS, MAX_INPUTS, MAX_NEURONS, MAX_OUTPUTS, SEED_MAX
from conftest import ROOT

SPEED, TRAIN_SPEED = settings.BY_NAME["speed"].read, settings.BY_NAME["train_speed"].read
SPEEDS, TRAIN_SPEEDS = (SPEED.low, SPEED.high), (TRAIN_SPEED.low, TRAIN_SPEED.high)


def attribute(html: str, element_id: str, name: str) -> str:
    tag = re.search(rf'<[^>]*\bid="{element_id}"[^>]*>', html).group(0)
    return re.search(rf'\b{name}="([^"]*)"', tag).group(1)


def test_the_built_page_shows_the_limits_python_enforces(site):
    html = (site / "sim" / "main.html").read_text()
    assert "{{" not in html and "}}" not in html
    assert float(attribute(html, "speed", "min")) == SPEEDS[0] and float(attribute(html, "speed", "max")) == SPEEDS[1]
    assert float(attribute(html, "train-speed", "min")) == TRAIN_SPEEDS[0]
    # both Train speed sliders: TRAIN_SPEEDS, then one notch more for "fast" (painter.FAST_NOTCH)
    for slider in ("train-speed", "data-speed"):
        assert float(attribute(html, slider, "min")) == TRAIN_SPEEDS[0]
        assert float(attribute(html, slider, "max")) == TRAIN_SPEEDS[1] + 1
    assert float(attribute(html, "lr", "max")) == LEARNING_RATE_MAX
    assert int(attribute(html, "seed", "max")) == SEED_MAX
    ctl = Controller()
    assert float(attribute(html, "lr", "value")) == ctl.option("learning_rate")
    assert float(attribute(html, "speed", "value")) == ctl.option("speed")
    # Train starts fast: its slider on the notch past the highest speed
    assert ctl.option("train_speed") == settings.FAST
    assert float(attribute(html, "train-speed", "value")) == TRAIN_SPEEDS[1] + 1
    # the data set's controls: the ranges datasets.make enforces, the table's defaults
    for control, (low, high), name in (("noise", datasets.NOISE_RANGE, "noise"), ("train-share", datasets.TRAIN_SHARE_RANGE, "train_share"),
                                       ("batch", datasets.BATCH_RANGE, "batch")):
        assert (float(attribute(html, control, "min")), float(attribute(html, control, "max"))) == (low, high)
        assert float(attribute(html, control, "value")) == settings.default(name)
    assert float(attribute(html, "reg-rate", "max")) == datasets.RATE_MAX and int(attribute(html, "data-seed", "max")) == SEED_MAX
    help_text = re.search(r'id="layers-help"[^>]*>([^<]*)<', html).group(1)
    for limit in (MAX_INPUTS, MAX_HIDDEN_LAYERS, MAX_NEURONS, MAX_OUTPUTS):
        assert str(limit) in help_text
    # every key the painter answers is in the help line and on its button
    keyboard = re.search(r'id="keyboard-help">(.*?)</p>', html).group(1)
    for key, action in toolwords.KEYS.items():
        sign = {"arrowright": "→", "arrowleft": "←"}.get(key, key.upper())
        assert f"<kbd>{sign}</kbd>" in keyboard
        button = "show-table" if action == "table" else f"btn-{action}"
        assert key in attribute(html, button, "aria-keyshortcuts").lower().split()


def test_changing_a_constant_changes_the_page(tmp_path, monkeypatch):
    """The page follows the constants: a different limit in Python is a different page."""
    page = tmp_path / "main.html"
    shutil.copy(ROOT / "site" / "sim" / "main.html", page)
    rows = settings.BY_NAME
    monkeypatch.setitem(rows, "train_speed", replace(rows["train_speed"], read=replace(TRAIN_SPEED, low=2.0, high=90.0)))
    monkeypatch.setitem(rows, "learning_rate", replace(rows["learning_rate"], read=replace(settings.LEARNING_RATE, high=3.0)))
    monkeypatch.setattr(settings, "SETTINGS", tuple(rows[s.name] for s in settings.SETTINGS))
    monkeypatch.setattr(toolwords, "MAX_NEURONS", 12)
    lesson.write_preview(page)
    html = page.read_text()
    assert attribute(html, "train-speed", "max") == "91" and attribute(html, "lr", "max") == "3"
    assert "1–12 neurons" in html


def test_an_unknown_marker_stops_the_build(tmp_path):
    page = tmp_path / "main.html"
    page.write_text(shutil.copy(ROOT / "site" / "sim" / "main.html", page) and page.read_text().replace("</main>", "{{ nonsense }}</main>"))
    with pytest.raises(RuntimeError, match="nonsense"):
        lesson.write_preview(page)
