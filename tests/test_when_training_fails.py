"""The lesson's "When training fails" (issue 29): each case's link, opened as a learner would
(the address applied to a fresh simulation) and trained as the text says, gives the numbers the
built page quotes, and each failure and its fix differ the way the text says."""
import html
import re

import pytest

from backprop_sim import urlstate
from backprop_sim.controller import Controller

LESSON = "sim/index.html"


def section(site) -> str:
    page = (site / LESSON).read_text()
    start = page.index('id="when-training-fails"')
    return page[start:page.index("<h2", start + 10)]


def links(site) -> list[str]:
    return [html.unescape(h).split("#", 1)[1] for h in re.findall(r'href="(main\.html#[^"]+)"', section(site))]


def opened(fragment: str) -> Controller:
    ctl = Controller()
    notices = urlstate.apply(ctl, fragment)
    assert notices == [], (fragment, notices)
    return ctl


def text(site) -> str:
    return re.sub(r"<[^>]+>", "", html.unescape(section(site)))


def test_each_case_has_its_link_and_its_fix(site):
    found = links(site)
    assert len(found) == 6  # three failures, three fixes
    setups = [opened(f).state() for f in found]
    assert [s["dataset"]["name"] for s in setups] == ["spiral", "spiral", "circle", "circle", "plane", "plane"]
    assert [s["hidden_activation"] for s in setups] == ["sigmoid", "relu", "relu", "leaky_relu", "linear", "linear"]
    assert [s["learning_rate"] for s in setups] == [1, 0.1, 3, 3, 10, 0.001]


def test_vanishing_gradient_as_the_lesson_says(site):
    words = text(site)
    updates = int(re.search(r"Train\*?\*? for (\d+) updates", words.replace("**", "")).group(1))
    deep, fixed = (opened(f) for f in links(site)[:2])
    for ctl in (deep, fixed):
        assert not ctl.act("train_steps", updates)
    flow = [layer[-1] for layer in deep.state()["gradient_flow"]]
    share = 100 * flow[0] / flow[-1]
    assert share < 1  # vanishing: layer 1 gets under 1 % of the output layer's gradient
    quoted = re.search(r"layer 1's gradient at only ([\d.]+) %", words)
    assert float(quoted.group(1)) == pytest.approx(share, rel=0.05)
    fixed_flow = [layer[-1] for layer in fixed.state()["gradient_flow"]]
    assert fixed_flow[0] / fixed_flow[-1] > 0.1
    assert deep.state()["flow"]["kind"] == "vanishing" and "layer 1" in deep.state()["flow"]["text"]
    assert fixed.state()["flow"]["kind"] is None


def test_dead_relu_and_leaky_relus_fix(site):
    words = text(site)
    dead, fixed = (opened(f) for f in links(site)[2:4])
    updates = int(re.search(r"train for (\d+) updates", words).group(1))
    for ctl in (dead, fixed):
        assert not ctl.act("train_steps", updates)
    flags = [f for f in dead.state()["flags"] if f["kind"] == "dead"]
    count = re.search(r"(\d+) of (\d+) hidden neurons end dead", words)
    assert len(flags) == int(count.group(1)) > 0 and int(count.group(2)) == 16
    assert all("dead" in f["text"] and "leaky ReLU" in f["text"] for f in flags)  # the cause and what to try
    assert [f for f in fixed.state()["flags"] if f["kind"] == "dead"] == []
    assert fixed.state()["dataset"]["test_accuracy"] > dead.state()["dataset"]["test_accuracy"]


def test_divergence_is_refused_with_the_reason_and_the_fix_trains(site):
    words = text(site)
    diverging, fixed = (opened(f) for f in links(site)[4:6])
    message = diverging.act("train_steps", 500)
    assert "learning rate 10 is too large" in message
    after = int(re.search(r"after (\d+) updates the\s+weights are past", words).group(1))
    assert diverging.state()["dataset"]["update"] == after
    assert not fixed.act("train_steps", 500)
    loss = fixed.state()["dataset"]["test_loss"]
    quoted = re.search(r"test loss falls to ([\d.]+)e−(\d+)", words)
    assert loss == pytest.approx(float(quoted.group(1)) * 10 ** -int(quoted.group(2)), rel=0.05)
