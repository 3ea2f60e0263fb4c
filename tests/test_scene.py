"""The scene on CPython: the display list for known states, its SVG, and the panels' text."""

import re

import numpy as np
import pytest

from backprop_sim import panels, svg, toolwords
from backprop_sim.formatting import parameter
from backprop_sim.controller import Controller
from backprop_sim.network import Selection
from backprop_sim.presets import PRESETS, SEED_B, SEED_W, SEED_X, SEED_Y, preset
from backprop_sim.scene import FONT, PALETTES, LabelMemory, Line, Polygon, Text, View, box_of, network_scene, overlaps


def run(key="seed", steps=0, y=None):
    sim = preset(key).simulation()
    if y is not None:
        sim.set_target(y)
    if steps:
        sim.forward()
    for _ in range(steps - 1):
        sim.backward_step()
    return sim


def texts(scene):
    return [item for item in scene.items if isinstance(item, Text)]


def seed_by_hand(y=SEED_Y):
    """The seed example in plain numpy, one line per equation of the lesson: independent of the engine."""
    sig = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731
    W1, W2 = np.array(SEED_W[0]), np.array(SEED_W[1])
    b1, b2 = np.array(SEED_B[0]), np.array(SEED_B[1])
    x, y = np.array(SEED_X), np.atleast_1d(np.array(y, dtype=float))
    a1 = sig(W1 @ x + b1)  # a^[1] = σ(W^[1] x + b^[1])
    a2 = sig(W2 @ a1 + b2)  # ŷ = a^[2]
    d2 = (a2 - y) * a2 * (1 - a2)  # δ^[2] = (ŷ − y) σ'(z^[2]), σ' = a(1 − a)
    d1 = (W2.T @ d2) * a1 * (1 - a1)  # δ^[1] = (W^[2])ᵀ δ^[2] ⊙ σ'(z^[1])
    return {"a1": a1, "y_hat": a2, "d2": d2, "d1": d1, "dW2": np.outer(d2, a1), "dW1": np.outer(d1, x),
            "loss": 0.5 * float(np.sum((a2 - y) ** 2))}


def four(v, sign=False):
    """4 decimals and the minus sign U+2212, written here rather than taken from formatting.number."""
    return f"{v:+.4f}".replace("-", "−") if sign else f"{v:.4f}".replace("-", "−")


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_delta_labels_have_the_expected_values_and_colours(theme):
    sim = run(steps=3)
    scene = network_scene(sim.now, View(1000, theme))
    pal = PALETTES[theme]
    deltas = {t.text: t.colour for t in texts(scene) if t.text.startswith("δ ")}
    h = seed_by_hand()
    # δ^[2] = (ŷ − 1)·ŷ(1 − ŷ) is negative; δ^[1]ⱼ = 0.3, −0.2, 0.5 times δ^[2] times σ': the middle one positive
    expected = [*h["d2"], *h["d1"]]
    assert deltas == {f"δ {four(d, sign=True)}": pal.neg if d < 0 else pal.pos for d in expected}
    assert [d < 0 for d in expected] == [True, True, False, True]


def test_target_zero_turns_the_output_delta_red():
    sim = run(steps=2, y=0.0)
    scene = network_scene(sim.now, View(1000))
    (label,) = [t for t in texts(scene) if t.text.startswith("δ +")]
    assert label.colour == PALETTES["light"].pos


def test_values_not_computed_yet_are_dashes():
    scene = network_scene(run().now, View(1000))
    values = [t.text for t in texts(scene)]
    assert values.count("—") == 4  # 3 hidden + 1 output activation
    assert values.count("δ —") == 4
    assert "1" in values and "0.5" in values  # the inputs x as set: 1.0 and 0.5


@pytest.mark.parametrize("key", sorted(PRESETS))
@pytest.mark.parametrize("width", [320, 360, 768, 1280, 1600])
def test_no_text_overlaps_another_and_all_stays_inside(key, width):
    sim = run(key, steps=2)
    scene = network_scene(sim.now, View(width))
    boxes = [box_of(t) for t in texts(scene)]
    for i, a in enumerate(boxes):
        assert a[0] >= -1 and a[2] <= width + 1 and a[1] >= -1 and a[3] <= scene.height + 1, texts(scene)[i]
        for j in range(i):
            assert not overlaps(a, boxes[j], pad=-1), (texts(scene)[i].text, texts(scene)[j].text)
    assert all(t.size >= FONT for t in texts(scene))


def test_gradient_arrows_grow_with_the_gradient():
    sim = run(steps=2)
    scene = network_scene(sim.now, View(1000))
    arrows = [a for a in scene.items if isinstance(a, Line) and a.cap == "round"]  # the shafts
    heads = [p for p in scene.items if isinstance(p, Polygon)]
    dW = np.abs(sim.now.steps[0].dW.result.value.ravel())
    assert len(arrows) == len(heads) == 3
    widths = [a.width for a in arrows]
    assert np.argsort(widths).tolist() == np.argsort(dW).tolist()
    # backward: each arrow points from the output side toward the input side, its head's tip leftmost
    assert all(a.x2 < a.x1 for a in arrows)
    bases = []
    for shaft, head in zip(arrows, heads):
        tip, b1, b2 = (np.array(p) for p in head.points)
        assert tuple(tip) == min(head.points) and tip[0] < shaft.x2 and head.fill == shaft.colour
        # an arrowhead, by its shape: isosceles about the shaft's line, barbs wider than the shaft, and the
        # shaft ending inside it (no gap before the head, nothing past its tip)
        start, end = np.array([shaft.x1, shaft.y1]), np.array([shaft.x2, shaft.y2])
        along = (tip - start) / np.linalg.norm(tip - start)
        off_line = lambda p: abs(cross(along, p - start))  # noqa: E731  px from the shaft's line, extended to the tip
        assert abs(np.linalg.norm(b1 - tip) - np.linalg.norm(b2 - tip)) <= 0.3 and off_line((b1 + b2) / 2) <= 1.0
        base = np.linalg.norm(b1 - b2)
        assert base >= shaft.width + 3
        assert inside_triangle(end, tip, b1, b2), (shaft, head)
        bases.append(base)
    assert np.argsort(bases, kind="stable").tolist() == np.argsort(widths, kind="stable").tolist()  # a wider shaft, a larger head


def cross(u, v) -> float:
    return float(u[0] * v[1] - u[1] * v[0])


def inside_triangle(p, a, b, c) -> bool:
    """Whether p lies in the triangle abc (its edges included, to half a pixel: the shaft ends on a whole pixel)."""
    def side(u, v, w):
        return cross(v - u, w - u) / np.linalg.norm(v - u)
    d = [side(a, b, p), side(b, c, p), side(c, a, p)]
    return all(x >= -0.75 for x in d) or all(x <= 0.75 for x in d)


def test_svg_renders_every_label_escaped():
    scene = network_scene(run(steps=3).now, View(800))
    doc = svg.render(scene, title="<net & co>")
    assert doc.startswith("<svg") and doc.endswith("</svg>")
    assert "&lt;net &amp; co&gt;" in doc and "<net" not in doc
    assert len(re.findall(r"<text ", doc)) == len(texts(scene))


def test_narration_and_status_carry_the_numbers():
    sim = run(steps=2)
    h = seed_by_hand()
    text = panels.narration(sim.now)
    dW2 = "[" + ", ".join(four(v) for v in h["dW2"][0]) + "]"
    assert f"δ^[2] = {four(h['d2'][0])}" in text and f"∂L/∂W^[2] = {dW2}" in text
    status = panels.status(sim.now)
    assert status["y_hat"] == four(h["y_hat"][0]) and status["error"] == four(h["y_hat"][0] - 1.0)
    assert status["y"] == "1" and status["loss"] == four(h["loss"])  # the target as set, the loss to 4 decimals


def test_table_lists_every_value():
    sim = run(steps=3)
    h = seed_by_hand()
    html = panels.table(sim.now)
    for values in (h["a1"], h["y_hat"], h["d2"], h["d1"], h["dW1"].ravel(), h["dW2"].ravel()):
        for v in values:
            assert f">{four(v)}<" in html
    for w in np.ravel(SEED_W[0]):  # weights as set, each in its own cell beside its gradient
        assert "<td data-key='W'>" + f"{w:g}".replace("-", "−") + "</td>" in html
    assert " / " not in html  # no cell reads as a fraction


def test_controller_refusals_leave_the_state_and_say_why():
    ctl = Controller()
    before = ctl.state()
    assert "Nothing to undo" in ctl.act("back")
    assert "finite" in ctl.act("target", float("nan"))
    assert "Unknown action" in ctl.act("explode")
    assert ctl.state() == before
    assert ctl.act("backward").startswith("Backpropagation needs the forward pass")
    assert ctl.state()["phase"] == "forward"


def test_auto_ticks_through_the_whole_pass_and_stops():
    ctl = Controller()
    ctl.act("auto", True)
    phases = []
    while ctl.auto:
        ctl.act("tick")
        phases.append(ctl.state()["phase"])
    assert phases == ["forward", "backward", "complete"]


def test_table_shows_each_weights_change_after_an_update():
    sim = run(steps=3)
    dW = sim.now.steps[1].dW.result.value
    sim.update(0.5)
    html = panels.table(sim.now)
    assert "in the last update" in html
    expected = four(-0.5 * seed_by_hand()["dW1"][0, 1])  # ΔW^[1]₁₂ = −η ∂L/∂W^[1]₁₂, η = 0.5
    assert f"<td data-key='dW_change'>{expected}</td>" in html
    assert np.allclose(dW, seed_by_hand()["dW1"])


@pytest.mark.parametrize("key", ["deep", "seed"])
def test_frames_of_a_transition_reuse_the_label_placement_and_draw_the_same(key):
    """The placement is remembered between frames (a speed-up); the picture must not change."""
    sim = run(key, steps=3)
    memory = LabelMemory()
    fresh = network_scene(sim.now, View(700, "light", 0.3))  # no memory: placed from scratch
    network_scene(sim.now, View(700, "light", 1.0), memory)  # the same labels: fills the memory
    assert memory.key is not None
    again = network_scene(sim.now, View(700, "light", 0.3), memory)
    assert again.items == fresh.items and again.hidden_labels == fresh.hidden_labels
    # another width or another moment is placed afresh, as if nothing were remembered
    for width, moment in [(420, sim.now), (700, run(key, steps=2).now)]:
        remembered = network_scene(moment, View(width, "light", 0.5), memory)
        assert network_scene(moment, View(width, "light", 0.5)).items == remembered.items


# ---- issue 13: the backward flow is never covered, and no label goes missing silently

DRAWING_WIDTHS = {360: 336, 768: 744, 1280: 776, 1600: 976}  # the page's drawing at these window widths (sim.css)


def polygon_box(polygon):
    xs, ys = zip(*polygon.points)
    return (min(xs), min(ys), max(xs), max(ys))


@pytest.mark.parametrize("key", sorted(PRESETS))
@pytest.mark.parametrize("window", sorted(DRAWING_WIDTHS))
def test_no_label_box_covers_an_arrowhead_and_arrows_are_drawn_last(key, window):
    sim = run(key, steps=len(preset(key).make()[0].layers) - 1 + 1)  # the whole backward pass
    scene = network_scene(sim.now, View(DRAWING_WIDTHS[window]))
    heads = [i for i, item in enumerate(scene.items) if isinstance(item, Polygon)]
    assert len(heads) == sum(a * b for a, b in zip(sim.net.layers, sim.net.layers[1:]))  # one per connection
    label_boxes = [item for item in scene.items if item.kind == "rect" and item.radius == 3]
    last_label = max(i for i, item in enumerate(scene.items) if isinstance(item, Text))
    assert min(heads) > last_label, "the arrows come after every label in the display list, so nothing covers them"
    for i in heads:
        head = polygon_box(scene.items[i])
        for box in label_boxes:
            assert not overlaps(head, (box.x, box.y, box.x + box.w, box.y + box.h), pad=-1), (key, window, scene.items[i], box)


def arrows_through_connection_labels(scene) -> list:
    """Each W or ∂ label that an arrow's shaft (as drawn, with its width) passes through."""
    shafts = [scene.items[i - 1] for i, item in enumerate(scene.items) if isinstance(item, Polygon)]
    crossed = []
    for t in texts(scene):
        if t.text.startswith(("W ", "∂ ")):
            left, top, right, bottom = box_of(t)
            for s in shafts:
                pad = s.width / 2
                along = [(s.x1 + (s.x2 - s.x1) * i / 40, s.y1 + (s.y2 - s.y1) * i / 40) for i in range(41)]
                if any(left - pad < x < right + pad and top - pad < y < bottom + pad for x, y in along):
                    crossed.append((t.text, (s.x1, s.y1, s.x2, s.y2)))
    return crossed


@pytest.mark.parametrize("width", [336, 366])  # the drawing on a 360 and a 390 px phone
def test_on_a_phone_no_arrow_runs_through_a_tapped_connections_labels(width):
    """Issue 26.8: a phone labels only the tapped connection; its W and ∂ sit clear of the
    arrows (the lesson's W[1]₁₂ always; of the seed's nine connections at most one at 336 px)."""
    sim = run("seed", steps=3)
    crossed = {}
    for l, j, k in [(l, j, k) for l in (1, 2) for j in range(sim.net.layers[l]) for k in range(sim.net.layers[l - 1])]:
        scene = network_scene(sim.now, View(width, selected=Selection("weight", l, j, k)))
        assert scene.vertical and scene.hidden_labels == 0
        assert {t.text for t in texts(scene)} >= {f"W {parameter(float(sim.net.W[l][j, k]))}"}
        if arrows_through_connection_labels(scene):
            crossed[(l, j, k)] = arrows_through_connection_labels(scene)
    assert (1, 0, 1) not in crossed and len(crossed) <= (1 if width == 336 else 0), crossed


# windows of 1100 px (two columns), 768 with a scroll bar, 768, 1280, 1600 (and 900–1099: one column, wider)
@pytest.mark.parametrize("width", [664, 729, 744, 776, 976])
def test_every_value_of_the_seed_example_is_drawn_from_768_px(width):
    sim = run("seed", steps=3)
    scene = network_scene(sim.now, View(width))
    drawn = {t.text for t in texts(scene)}
    digits = View(width).digits
    net = sim.net
    # the numbers, from the engine's own arrays (not from the scene)
    for l in range(1, net.L + 1):
        step = sim.now.by_layer[l]
        for j in range(net.layers[l]):
            delta = float(step.delta.result.value[j, 0])
            assert f"δ {panels.number(delta, 4, sign=True)}" in drawn
            assert f"∂b {panels.number(delta, 4, sign=True)}" in drawn  # ∂L/∂b = δ
            for k in range(net.layers[l - 1]):
                assert f"∂ {panels.number(float(step.dW.result.value[j, k]), digits, sign=True)}" in drawn, (l, j, k)
                assert f"W {parameter(float(net.W[l][j, k]))}" in drawn, (l, j, k)
    assert scene.hidden_labels == 0 and scene.unlabelled == 0 and not scene.vertical


def test_a_narrow_drawing_labels_connections_by_its_stated_rule():
    sim = run("seed", steps=3)
    scene = network_scene(sim.now, View(336))
    assert scene.vertical and scene.unlabelled == 2 * 9  # w and ∂ of every connection: a rule, not a loss
    assert scene.hidden_labels == 0  # every δ and ∂b is drawn
    assert not [t for t in texts(scene) if t.text.startswith(("W ", "∂ "))]
    note = toolwords.hidden_labels_note(scene.hidden_labels, scene.unlabelled)
    assert "click or tap one" in note and "values table" in note
    # the selected connection is labelled: tapping one shows its numbers
    from backprop_sim.network import Selection

    chosen = network_scene(sim.now, View(336, selected=Selection("weight", 1, 0, 1)))
    weight, grad = float(sim.net.W[1][0, 1]), float(sim.now.by_layer[1].dW.result.value[0, 1])
    shown = {t.text for t in texts(chosen)}
    assert f"W {parameter(weight)}" in shown and f"∂ {panels.number(grad, 4, sign=True)}" in shown
    assert chosen.unlabelled == 2 * 8
    assert toolwords.flow_legend(scene.vertical).startswith("↑")


def test_the_band_marks_only_the_layer_being_computed_and_stays_whole():
    pal = PALETTES["light"]

    def bands(scene):
        return [item for item in scene.items if item.kind == "rect" and item.fill == pal.band and item.radius == 10]

    sim = run(steps=1)  # the forward pass, finished: nothing is being computed
    assert bands(network_scene(sim.now, View(744))) == []
    # while the forward pass appears, layer by layer, the band follows it
    first = bands(network_scene(sim.now, View(744, progress=0.2)))
    last = bands(network_scene(sim.now, View(744, progress=0.9)))
    assert len(first) == len(last) == 1 and first[0].x < last[0].x
    sim.backward_step()
    scene = network_scene(sim.now, View(744))
    (band,) = bands(scene)
    # the labels inside the band sit on its colour: no white boxes cut it
    inside = [item for item in scene.items if item.kind == "rect" and item.radius == 3
              and band.x <= item.x + item.w / 2 <= band.x + band.w and band.y <= item.y + item.h / 2 <= band.y + band.h]
    assert inside and all(item.fill == pal.band for item in inside)
