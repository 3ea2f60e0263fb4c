"""Issue 24: one owner for every fact. A URL key, a default and a range are written once (the
settings table), an activation once (its row in rules.py's catalogue); adding an activation is
its two functions and one row, and it appears everywhere a learner meets activations."""

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from backprop_sim import editing, mathtex, pageview, panels, rules, settings, urlstate
from backprop_sim.controller import Controller
from backprop_sim.explain import gradient_check, relative_error
from backprop_sim.network import Network
from backprop_sim.rulebook import ACTIVATIONS
from conftest import ROOT

PACKAGE = ROOT / "py" / "backprop_sim"


def string_literals(path: Path) -> list[str]:
    return [node.value for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_every_link_key_is_written_once_in_the_settings_table():
    """The table writes each key once; urlstate, which writes and reads the link, names none (the
    same word elsewhere is another fact: an element id, a state() key, an action)."""
    table = string_literals(PACKAGE / "settings.py")
    for key in settings.LINK_KEYS:
        assert table.count(key) >= 1, key
        assert key not in string_literals(PACKAGE / "urlstate.py"), key
    assert len(set(settings.LINK_KEYS)) == len(settings.LINK_KEYS)
    written = [c.value for node in ast.walk(ast.parse((PACKAGE / "settings.py").read_text())) if isinstance(node, ast.keyword)
               and node.arg == "key" for c in ast.walk(node.value) if isinstance(c, ast.Constant)]
    assert sorted(written) == sorted(settings.LINK_KEYS)  # each key in one row only


def test_an_activation_is_named_only_by_its_function_and_where_a_preset_chooses_it():
    """The catalogue's rows hold the functions themselves: a name is written in its `def` only
    (presets name the activations their networks use, as data)."""
    for name in ACTIVATIONS:
        owners = sorted(p.name for p in PACKAGE.glob("*.py") if name in string_literals(p))
        assert set(owners) <= {"presets.py", "rules.py"}, (name, owners)  # rules.py: a row's symbol, "tanh"
        assert re.search(rf"^def {name}\(z\):", (PACKAGE / "rules.py").read_text(), re.M)


def test_the_data_sets_defaults_and_ranges_have_one_owner():
    """datasets.make takes every setting (the table has the defaults); the controls' ranges are the
    rows', which name the model's own range constants."""
    make = next(n for n in ast.walk(ast.parse((PACKAGE / "datasets.py").read_text())) if isinstance(n, ast.FunctionDef) and n.name == "make")
    assert not make.args.defaults
    from backprop_sim import datasets
    rows = settings.BY_NAME
    assert (rows["noise"].read.low, rows["noise"].read.high) == datasets.NOISE_RANGE
    assert (rows["batch"].read.low, rows["batch"].read.high) == datasets.BATCH_RANGE
    assert settings.data_defaults() == {"noise": 0, "train_share": 50, "batch": 10, "seed": 0}
    # the page's own source holds no range or default of a setting: the build writes them (tools/lesson.py)
    html = (ROOT / "site" / "sim" / "main.html").read_text()
    for row in settings.SETTINGS:
        for control in row.controls:
            tag = re.search(rf'<input\b[^>]*\bid="{control}"[^>]*>', html)
            if tag:
                assert not re.search(r'\b(min|max|step)="', tag.group(0)), tag.group(0)


def test_softplus_is_its_functions_and_one_row_and_appears_everywhere():
    """g = log(1 + eᶻ), g' = σ(z): in the menu, the link, the equations, the trace, the checks."""
    assert "softplus" in ACTIVATIONS and ACTIVATIONS["softplus"].g_prime(rules) is rules.softplus_prime
    menu = dict(pageview.menus())["hidden-act"]
    assert ("softplus", "softplus") in menu
    ctl = Controller()
    assert ctl.act("activation", ["hidden", "softplus"]) == ""
    link = urlstate.encode(ctl)
    assert "hidden=softplus" in link
    again = Controller()
    assert again.act("link", link) == "" and again.notices == [] and again.sim.net.hidden_activation == "softplus"
    ctl.act("forward")
    forward = " ".join(line for row in panels.equation(ctl.sim.now)["rows"] for line in row)
    assert r"\operatorname{softplus}" in forward
    # its numbers: g(z) = log(1 + e^z) by hand, for the hidden layer
    z = ctl.state()["z"][0]
    assert ctl.state()["a"][1] == pytest.approx([np.log1p(np.exp(v)) for v in z], rel=1e-12)
    ctl.act("backward"), ctl.act("backward")
    ctl.act("select", ["weight", 1, 1, 2])
    names = [name for path in ctl.state()["trace"]["paths"] for name, _ in path["factors"]]
    assert any(name.startswith("softplus'(z^[1]") for name in names), names
    assert mathtex.g_prime("softplus", 1) == r"\operatorname{softplus}'(z^{[1]})"
    # backprop with softplus equals finite differences of the loss
    net = Network.random([2, 4, 1], seed=3, hidden_activation="softplus")
    x, y = np.array([[0.5], [-1.0]]), np.array([[0.3]])
    _, steps = net.gradients(x, y)
    fdW, _ = gradient_check(net, x, y)
    assert max(relative_error(s.dW.result.value, fdW[s.layer]) for s in steps) < 1e-6
    # the Edit page's check knows its derivative
    names = [c["name"] for c in editing.checks(editing.SHIPPED) if c["ok"]]
    assert "softplus_prime" in names
