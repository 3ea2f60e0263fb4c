"""Issue 26, point 11, on the network's drawing (CPython): no text meets another in any preset or
the largest networks at any width from 360 to 1400 px, each value inside its circle, a gradient
that prints as 0.0000 drawn neutral, the lesson's a^[l] raised, not written with a caret."""


import numpy as np
import pytest

from backprop_sim import datasets
from backprop_sim.engine import Simulation
from backprop_sim.network import Network
from backprop_sim.plane import Picture
from conftest import make_data
from reference import layer_grids
from backprop_sim.presets import PRESETS, preset
from backprop_sim.scene import PALETTES, Circle, Line, Polygon, Text, View, box_of, network_scene, text_width

WIDTHS = range(360, 1401, 40)
DATA_X = [-3.2973, 1.5, 0.25, -5.9, 2.0, 0.1, -1.0]  # inputs as a data set's points have them: 4 decimals, up to 6


def data_network(layers, seed=3):
    net = Network.random(layers, seed, "tanh", "sigmoid")
    return lambda: Simulation(net, np.array(DATA_X[: layers[0]])[:, None], np.ones((layers[-1], 1)))


NETWORKS = {key: preset(key).simulation for key in sorted(PRESETS)} | {
    "4-8-8-1": data_network((4, 8, 8, 1)), "7-8-8-8-8-3": data_network((7, 8, 8, 8, 8, 3)), "2-8-8-8-8-1": data_network((2, 8, 8, 8, 8, 1)),
}


def moments(make):
    """Every moment of a pass: before it, the forward pass, each backward step."""
    sim = make()
    yield sim.now
    sim.forward()
    yield sim.now
    for _ in range(sim.net.L):
        sim.backward_step()
        yield sim.now


def picture_for(net):
    """The data view's maps for this network: its neurons over the plane (reference.layer_grids)."""
    names = datasets.FEATURES[: net.layers[0]]
    data = make_data("spiral", noise=10, train_share=60, seed=3)
    x = np.vstack([data.x_train, data.x_test])
    y = np.concatenate([data.y_train[:, 0], data.y_test[:, 0]])
    return Picture(data.kind, x, y, np.arange(len(x)) >= data.n_train, 0, layer_grids(net, names, 25),
                            tuple(names), net.hidden_activation, datasets.EXTENT)


def collisions(scene) -> list:
    """Pairs of texts whose boxes (the one box a label's background fills) overlap by more than a pixel,
    and texts outside the drawing."""
    texts = [t for t in scene.items if isinstance(t, Text)]
    b = np.array([box_of(t) for t in texts], dtype=float).reshape(-1, 4)
    meet = (b[:, None, 0] < b[None, :, 2] - 1) & (b[None, :, 0] < b[:, None, 2] - 1) & (b[:, None, 1] < b[None, :, 3] - 1) & (b[None, :, 1] < b[:, None, 3] - 1)
    i, j = np.nonzero(np.triu(meet, 1))
    out = (b[:, 0] < -1) | (b[:, 1] < -1) | (b[:, 2] > scene.width + 1) | (b[:, 3] > scene.height + 1)
    return [(texts[a].text, texts[c].text) for a, c in zip(i, j)] + [("outside", texts[a].text) for a in np.nonzero(out)[0]]


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_no_text_meets_another_at_any_width(name):
    """"b 0" and "δ —" met in 4 → 8 → 8 → 1 at 1280 px; values such as −3.2973 met their neighbours' in narrow drawings."""
    found = []
    for width in WIDTHS:
        for step, moment in enumerate(moments(NETWORKS[name])):
            for picture in ([None, picture_for(moment.net)] if name[0].isdigit() and step in (0, 3) else [None]):
                bad = collisions(network_scene(moment, View(width), None, picture))
                if bad:
                    found.append((width, step, picture is not None, bad[:3]))
    assert not found, found[:5]


def neuron_values(scene):
    """(value text, circle) for each neuron, in drawing order (layer by layer, neuron by neuron): the text at its centre."""
    r = max(c.r for c in scene.items if isinstance(c, Circle) and c.fill is not None and c.r < 40)
    circles = {(c.x, c.y): c for c in scene.items if isinstance(c, Circle) and c.fill is not None and c.r == r}
    return [(t, circles[(t.x, t.y)]) for t in scene.items if isinstance(t, Text) and (t.x, t.y) in circles]


def fits(text: str, r: float, size=14, bold=False) -> bool:
    """Whether a text (1 px clear each side) at the digits' height (5 px above and below the middle) lies inside a circle of radius r."""
    return (text_width(text, size, bold) / 2 + 1) ** 2 + 5 ** 2 <= r ** 2


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_each_value_fits_its_circle_with_as_many_decimals_as_fit(name):
    for width in (360, 776, 1280):
        *_, moment = moments(NETWORKS[name])
        values = neuron_values(network_scene(moment, View(width)))
        truth = [float(v) for v in moment.x[:, 0]] + [float(v) for l in range(1, moment.net.L + 1) for v in moment.forward.a[l][:, 0]]
        assert len(values) == len(truth) == sum(moment.net.layers)
        for (text, circle), true in zip(values, truth):
            assert fits(text.text, circle.r, text.size, text.bold), (width, text.text, circle.r)
            # the network's number, rounded to the decimals shown (at most 4); one decimal more would not fit
            decimals = len(text.text.split(".")[1]) if "." in text.text else 0
            assert decimals <= 4 and abs(float(text.text.replace("−", "-")) - true) <= 0.5 * 10 ** -decimals + 1e-12, (text.text, true)
            finer = f"{true:.{decimals + 1}f}".replace("-", "−")
            if decimals < 4 and float(finer.replace("−", "-")) != float(text.text.replace("−", "-")):
                assert not fits(finer.rstrip("0") if "." in finer else finer, circle.r), (width, text.text, finer, circle.r)


def test_the_seed_writes_four_decimals_and_a_data_input_fits_its_circle():
    sim = preset("seed").simulation()
    sim.forward()
    texts = {t.text for t in network_scene(sim.now, View(1280)).items if isinstance(t, Text)}
    assert {f"{a:.4f}" for a in sim.now.forward.a[1][:, 0]} <= texts  # σ(z) such as 0.6106: four decimals fit a 27 px circle
    sim = data_network((4, 8, 8, 1))()
    scene = network_scene(sim.now, View(776))
    (value, circle), *_ = neuron_values(scene)
    assert value.text == "−3.3" and circle.r < 20  # −3.2973 in a 19 px circle: to one decimal, rounded by hand


def test_a_gradient_that_prints_as_zero_is_drawn_neutral():
    """A δ of −0.00001 is written 0.0000 (no sign), so it is grey, not blue; a visible one keeps its colour."""
    sim = data_network((4, 8, 8, 1))()
    sim.forward()
    for _ in range(sim.net.L):
        sim.backward_step()
    pal = PALETTES["light"]
    scene = network_scene(sim.now, View(1280))
    deltas = np.concatenate([sim.now.by_layer[l].delta.result.value[:, 0] for l in range(1, sim.net.L + 1)])
    tiny = [d for d in deltas if d != 0 and abs(d) < 0.00005]
    assert tiny, "this network has a δ that rounds to 0"
    labels = [t for t in scene.items if isinstance(t, Text) and t.text.split(" ")[0] in ("δ", "∂b", "∂")]
    for t in labels:
        value = float(t.text.split(" ")[1].replace("−", "-"))
        assert t.colour == (pal.muted if value == 0 else pal.pos if value > 0 else pal.neg), t
    assert any(t.text == "δ 0.0000" for t in labels) and any(t.colour == pal.neg for t in labels)
    # the arrows too: one whose gradient prints as zero is grey
    dW = [g for l in range(1, sim.net.L + 1) for g in sim.now.by_layer[l].dW.result.value.ravel()]
    shafts = [i for i in scene.items if isinstance(i, Line) and i.cap == "round"]
    heads = [i for i in scene.items if isinstance(i, Polygon)]
    assert len(shafts) == len(heads) == len(dW)
    zero = sum(1 for g in dW if round(g, 4) == 0)
    assert zero and sum(1 for s in shafts if s.colour == pal.muted) == zero


@pytest.mark.parametrize("width", [360, 1280])
def test_layer_names_raise_the_layer_index(width):
    """'Hidden 1 a' with '[1]' raised after it, as the page sets a<sup>[1]</sup>: no a^[1] with a caret."""
    scene = network_scene(preset("deep").simulation().now, View(width))
    texts = [t for t in scene.items if isinstance(t, Text)]
    assert not [t for t in texts if "^" in t.text + t.sup]
    names = {t.text: t for t in texts if t.sup}
    assert set(names) == {"Input x = a", "Hidden 1 a", "Hidden 2 a", "Output ŷ = a"}
    assert [names[n].sup for n in ("Input x = a", "Hidden 1 a", "Hidden 2 a", "Output ŷ = a")] == ["[0]", "[1]", "[2]", "[3]"]
    assert all(t.rise >= 3 and t.size >= 14 for t in names.values())  # raised, at the text's own size
