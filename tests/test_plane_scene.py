"""The data view's drawing on CPython (issue 16): the plane's heat map and points, the loss
over the updates, the neurons' small maps, and their SVG (with its PNG images).

Pictures are built here from datasets.make, Network.random and reference.layer_grids, as the
controller builds them; expected positions and colours are computed again in each test."""

import base64
import re
import struct
import zlib

import numpy as np
import pytest

from backprop_sim import datasets, network, svg
from backprop_sim.rulebook import ACTIVATIONS
from backprop_sim.datasets import FEATURE_NAMES
from backprop_sim.plane import Picture
from reference import layer_grids
from conftest import make_data as make
from backprop_sim.engine import Simulation
from backprop_sim.network import Network
from backprop_sim.scene import (
    FONT, HEAT, LEGEND_BESIDE, PALETTES, PLANE_FINER, Circle, Image, Polyline, Rect, Scale, Scene, Text, View, heat_image,
    box_of, hit_point, nearby_point, network_scene, overlaps, plane_scene, scale_for,
)

ALL_FEATURES = datasets.FEATURES  # seven


def picture(name="circle", layers=(2, 4, 1), features=("x1", "x2"), hidden="tanh", picked=7, size=40, seed=3):
    data = make(name, noise=10, train_share=60, seed=seed)
    net = Network.random(layers, seed, hidden, "sigmoid" if data.kind == "classification" else "tanh")
    x = np.vstack([data.x_train, data.x_test])
    y = np.concatenate([data.y_train[:, 0], data.y_test[:, 0]])
    test = np.arange(len(x)) >= data.n_train
    grids = layer_grids(net, features, size)
    return net, Picture(data.kind, x, y, test, picked, grids, tuple(features), hidden, datasets.EXTENT)


def plane_point(scene: Scene, x: float, y: float) -> tuple[float, float] | None:
    """The plane's (x₁, x₂) under a pixel of a plane scene's plot, None outside it: what Scene.plot
    = (left, top, side, extent) says, x₁ from −extent at the left edge, x₂ from +extent at the top."""
    left, top, side, extent = scene.plot
    if not (left <= x <= left + side and top <= y <= top + side):
        return None
    return (-extent + (x - left) / side * 2 * extent, extent - (y - top) / side * 2 * extent)


def rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def pixels(image: Image) -> np.ndarray:
    return np.frombuffer(base64.b64decode(image.pixels), dtype=np.uint8).reshape(image.rows, image.cols, 4)


def box(item) -> tuple:
    """The box an item covers, for the bounds checks."""
    if isinstance(item, Text):
        return box_of(item)
    if isinstance(item, Circle):
        pad = item.r + item.width / 2
        return (item.x - pad, item.y - pad, item.x + pad, item.y + pad)
    if isinstance(item, (Rect, Image)):
        return (item.x, item.y, item.x + item.w, item.y + item.h)
    if isinstance(item, Polyline):
        xs, ys = zip(*item.points)
        return (min(xs), min(ys), max(xs), max(ys))
    return (min(item.x1, item.x2), min(item.y1, item.y2), max(item.x1, item.x2), max(item.y1, item.y2))


def assert_inside_and_readable(scene: Scene):
    for item in scene.items:
        b = box(item)
        assert b[0] >= -0.5 and b[1] >= -0.5 and b[2] <= scene.width + 0.5 and b[3] <= scene.height + 0.5, item if not isinstance(item, Image) else b
    assert all(t.size >= FONT for t in scene.items if isinstance(t, Text))


# ---------------------------------------------------------------- the SVG's images and lines


def test_svg_png_is_a_valid_png_of_the_given_pixels():
    rgba = bytes(range(2 * 3 * 4))  # 3 columns × 2 rows, every byte different
    data = svg.png(3, 2, rgba)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length : at + 12 + length])[0] == zlib.crc32(kind + body)
        chunks[kind] = body
        at += 12 + length
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
    assert struct.unpack(">IIBBBBB", chunks[b"IHDR"]) == (3, 2, 8, 6, 0, 0, 0)  # 3 × 2, 8 bits, RGBA
    # each row: filter 0 (none), then its 12 bytes
    assert zlib.decompress(chunks[b"IDAT"]) == b"\x00" + rgba[:12] + b"\x00" + rgba[12:]
    assert svg.png(3, 2, rgba) == data  # deterministic
    with pytest.raises(ValueError):
        svg.png(3, 3, rgba)


def test_svg_renders_images_and_polylines():
    rgba = bytes([255, 0, 0, 255, 0, 0, 255, 255])
    scene = Scene(100, 50, "#ffffff", [Image(1, 2, 30, 20, 2, 1, base64.b64encode(rgba).decode(), False),
                                       Polyline(((0, 0), (10.25, 5), (20, 0)), "#123456", 2, (7, 4))])
    doc = svg.render(scene)
    (image,) = re.findall(r"<image [^>]*/>", doc)
    assert 'x="1" y="2" width="30" height="20"' in image and "pixelated" in image
    png = base64.b64decode(re.search(r'href="data:image/png;base64,([^"]+)"', image).group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (2, 1)
    assert '<polyline points="0,0 10.2,5 20,0" fill="none" stroke="#123456" stroke-width="2" stroke-linejoin="round" stroke-dasharray="7 4"/>' in doc


# ---------------------------------------------------------------- colours


def test_scales_follow_what_the_values_can_reach():
    assert scale_for("classification") == Scale(0.0, 1.0, 0.5) == scale_for("sigmoid")
    assert scale_for("regression") == Scale(-1.0, 1.0, 0.0) == scale_for("tanh")
    assert scale_for("relu", np.array([[0.0, 2.5], [np.inf, 1.0]])) == Scale(0.0, 2.5, 0.0)  # ∞ ignored
    assert scale_for("relu", np.zeros((2, 2))) == Scale(0.0, 1.0, 0.0)  # all zero: still a scale
    assert scale_for("feature", np.array([-3.0, 36.0])) == Scale(-36.0, 36.0, 0.0)


def test_a_scale_comes_from_the_values_range():
    """scale_for takes the range (low, high) an activation's values can reach; the names the Picture
    carries (its hidden activation, its task) are looked up in rules.py's catalogue."""
    v = np.array([[-0.5, 2.5], [np.nan, 1.0]])
    assert scale_for((0.0, 1.0), v) == Scale(0.0, 1.0, 0.5)  # sigmoid: its range, whatever the values
    assert scale_for((-1.0, 1.0), v) == Scale(-1.0, 1.0, 0.0)  # tanh
    assert scale_for((0.0, np.inf), v) == Scale(0.0, 2.5, 0.0)  # relu, softplus: from 0 to the largest value
    assert scale_for((-np.inf, np.inf), v) == Scale(-2.5, 2.5, 0.0)  # leaky_relu, linear: symmetric, as far as the values go
    assert scale_for((-np.inf, 0.0), np.array([-4.0, -1.0])) == Scale(-4.0, 0.0, 0.0)  # bounded above only: mirrored
    assert scale_for((2.0, np.inf)) == Scale(2.0, 3.0, 2.0)  # no values yet: still a scale
    by_hand = {"sigmoid": Scale(0.0, 1.0, 0.5), "tanh": Scale(-1.0, 1.0, 0.0), "relu": Scale(0.0, 2.5, 0.0),
               "leaky_relu": Scale(-2.5, 2.5, 0.0), "linear": Scale(-2.5, 2.5, 0.0), "softplus": Scale(0.0, 2.5, 0.0),
               "classification": Scale(0.0, 1.0, 0.5), "regression": Scale(-1.0, 1.0, 0.0), "no such rule": Scale(-2.5, 2.5, 0.0),
               "softmax": Scale(0.0, 1.0, 0.5), "classes": Scale(0.0, 1.0, 0.5)}
    assert {name: scale_for(name, v) for name in by_hand} == by_hand
    assert set(ACTIVATIONS) <= set(by_hand)  # every activation the network can have is coloured by a range checked here


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_heat_image_colours_at_the_ends_and_the_middle(theme):
    pal = PALETTES[theme]
    bg, pos, neg = rgb(pal.background), rgb(pal.pos), rgb(pal.neg)
    scale = Scale(-2.0, 4.0, 1.0)
    grid = np.array([[-2.0, 1.0, 4.0, 2.5], [-9.0, np.nan, 99.0, -0.5]])
    image = np.frombuffer(base64.b64decode(heat_image(grid, scale, theme)), dtype=np.uint8).reshape(2, 4, 4)
    assert np.all(image[..., 3] == 255)
    expected = {
        (0, 0): bg + HEAT * (neg - bg),  # low: HEAT of the way to neg
        (0, 1): bg,  # middle: the background
        (0, 2): bg + HEAT * (pos - bg),  # high
        (0, 3): bg + HEAT * 0.5 * (pos - bg),  # half way up: (2.5 − 1) / (4 − 1)
        (1, 0): bg + HEAT * (neg - bg),  # below low: clipped
        (1, 1): bg,  # NaN: the middle
        (1, 2): bg + HEAT * (pos - bg),  # above high: clipped
        (1, 3): bg + HEAT * 0.5 * (neg - bg),  # half way down: (1 − (−0.5)) / (1 − (−2))
    }
    for (i, j), colour in expected.items():
        assert np.all(np.abs(image[i, j, :3] - colour) <= 1.5), ((i, j), image[i, j], colour)


# ---------------------------------------------------------------- the plane


def points_in(scene):
    return [item for item in scene.items if isinstance(item, Circle) and item.r <= 4.0]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_point_is_drawn_where_it_lies_in_its_class_colour(theme):
    net, pic = picture()
    scene = plane_scene(pic, 400, theme)
    pal = PALETTES[theme]
    left, top, side, extent = scene.plot
    assert extent == 6.0 and side > 200
    drawn = points_in(scene)
    assert len(drawn) == len(pic.x) == 500 and len(scene.targets) == 500
    # position by hand: x₁ from the left edge, x₂ up from the bottom edge
    expected = {(round(left + (a + 6) / 12 * side, 1), round(top + (6 - b) / 12 * side, 1)) for a, b in pic.x}
    assert {(c.x, c.y) for c in drawn} == expected
    by_place = {(round(left + (a + 6) / 12 * side, 1), round(top + (6 - b) / 12 * side, 1)): (y, t) for (a, b), y, t in zip(pic.x, pic.y, pic.test)}
    for c in drawn:
        target, is_test = by_place[(c.x, c.y)]
        colour = pal.pos if target == 1 else pal.neg  # class 1 in the positive colour, as ŷ near 1 is
        if is_test:  # hollow: a ring of the class colour around the background
            assert (c.fill, c.stroke, c.width) == (pal.background, colour, 2)
        else:
            assert (c.fill, c.stroke) == (colour, pal.background)
    assert sum(1 for c in drawn if c.fill == pal.background) == int(pic.test.sum()) == 200


def test_the_heat_map_is_the_output_over_the_plot():
    net, pic = picture()
    # the same network with weights 8 times larger: ŷ changes sharply between neighbouring cells, as after training
    net = Network.build(list(net.layers), [(8 * net.W[l]).tolist() for l in range(1, net.L + 1)],
                        [(8 * net.b[l]).ravel().tolist() for l in range(1, net.L + 1)], "tanh", "sigmoid", "bce")
    pic = pic._replace(layers=layer_grids(net, pic.features, 40))
    scene = plane_scene(pic, 400)
    left, top, side, _ = scene.plot
    (image,) = [item for item in scene.items if isinstance(item, Image) and item.w == item.h]
    k = PLANE_FINER  # each of the picture's 40 × 40 cells drawn as k × k pixels
    assert (image.x, image.y, image.w, image.cols, image.rows) == (left, top, side, 40 * k, 40 * k) and k >= 2

    def z_out(i, j):
        """z of the output at the centre of cell (row i, column j), x = (−6 + (j + ½)h, 6 − (i + ½)h), h = 12/40,
        by hand through the network (tanh hidden, sigmoid output)."""
        a = np.array([[-6 + (j + 0.5) * 0.3], [6 - (i + 0.5) * 0.3]])
        for l in range(1, net.L + 1):
            z = net.W[l] @ a + net.b[l]
            a = np.tanh(z)
        return float(z[0, 0])

    def colour_of(y_hat):
        pal = PALETTES["light"]
        s = (y_hat - 0.5) / 0.5
        return rgb(pal.background) + HEAT * abs(s) * ((rgb(pal.pos) if s > 0 else rgb(pal.neg)) - rgb(pal.background))

    sigma = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    assert np.all(np.abs(pixels(image)[0, 0, :3] - colour_of(sigma(z_out(0, 0)))) <= 1.5)  # the top-left cell's centre
    # between two cells where ŷ jumps: pixel k·j + k − 1 lies f = 1/2 − 1/(2k) of the way from cell j's centre to
    # the next; z is interpolated there, not ŷ, so that a sharp boundary is a line, not a step
    row = np.asarray(pic.output)[20]
    j = int(np.argmax(np.abs(np.diff(row))))
    f = 0.5 - 0.5 / k
    expected = colour_of(sigma((1 - f) * z_out(20, j) + f * z_out(20, j + 1)))
    assert np.all(np.abs(pixels(image)[20 * k + k // 2, k * j + k - 1, :3] - expected) <= 1.5)
    assert np.abs(colour_of((1 - f) * row[j] + f * row[j + 1]) - expected).max() > 10  # what ŷ's own interpolation would give


def test_the_picked_point_is_ringed_and_marked_x():
    net, pic = picture(picked=42)
    scene = plane_scene(pic, 360)
    pal = PALETTES["light"]
    left, top, side, _ = scene.plot
    px, py = left + (pic.x[42, 0] + 6) / 12 * side, top + (6 - pic.x[42, 1]) / 12 * side
    (ring,) = [c for c in scene.items if isinstance(c, Circle) and c.stroke == pal.accent]
    assert abs(ring.x - px) < 0.1 and abs(ring.y - py) < 0.1 and ring.fill is None and ring.r > 4
    (mark,) = [t for t in scene.items if isinstance(t, Text) and t.text == "x"]
    assert abs(mark.y - py) <= 12 and 8 <= abs(mark.x - px) <= 20
    assert not [c for c in plane_scene(pic._replace(picked=None), 360).items if isinstance(c, Circle) and c.stroke == pal.accent]


def test_clicks_and_keys_find_points_and_places():
    net, pic = picture()
    scene = plane_scene(pic, 420)
    left, top, side, extent = scene.plot
    centres = np.array([(t.x, t.y) for t in scene.targets])
    for i in (0, 17, 250, 499):
        x, y = scene.targets[i].x, scene.targets[i].y
        assert scene.targets[i].index == i
        found = hit_point(scene, x + 2, y - 1)
        assert found is not None and np.hypot(*(centres[found] - (x + 2, y - 1))) <= np.hypot(2, 1)
        x1, x2 = plane_point(scene, x, y)
        assert abs(x1 - pic.x[i, 0]) <= 12 / side and abs(x2 - pic.x[i, 1]) <= 12 / side  # a tenth of a pixel's rounding, well within one
    assert hit_point(scene, -50, -50) is None and hit_point(scene, 5, 5, within=0) is None
    assert plane_point(scene, left - 1, top + 5) is None and plane_point(scene, left + side / 2, top + side + 1) is None
    assert plane_point(scene, left, top) == (-extent, extent) and plane_point(scene, left + side, top + side) == (extent, -extent)
    # the keyboard: the next point in a direction is the best one in its 45° cone, found here by brute force
    for start in (3, 120, 400):
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            got = nearby_point(scene, start, dx, dy)
            best, best_cost = start, float("inf")
            for j, (x, y) in enumerate(centres):
                along = (x - centres[start][0]) * dx + (y - centres[start][1]) * dy
                across = abs((x - centres[start][0]) * dy - (y - centres[start][1]) * dx)
                if along > 0.5 and across <= along and along + 2 * across < best_cost:
                    best, best_cost = j, along + 2 * across
            assert got == best, (start, dx, dy)
    assert nearby_point(scene, None, 1, 0) == int(np.argmin(np.hypot(*(centres - (left + side / 2, top + side / 2)).T)))
    rightmost = int(np.argmax(centres[:, 0]))
    assert nearby_point(scene, rightmost, 1, 0) == rightmost  # nothing further: stays


def test_a_click_beside_a_point_snaps_to_it():
    """Issue 26: a click that missed a point did nothing; within 12 px (a 24 px target, WCAG 2.5.8) it picks the nearest."""
    net, pic = picture("gauss")
    scene = plane_scene(pic, 420)
    centres = np.array([(t.x, t.y) for t in scene.targets])
    gaps = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1)) + np.eye(len(centres)) * 1e9
    lonely = int(np.argmax(gaps.min(axis=1)))  # the point farthest from any other
    assert gaps[lonely].min() >= 30
    x, y = centres[lonely]
    assert hit_point(scene, x + 10, y) == lonely and hit_point(scene, x, y - 11) == lonely  # beside it, past its 4 px circle
    assert hit_point(scene, x + 14, y) is None  # too far from every point: nothing is picked


@pytest.mark.parametrize("width", [280, 300, 360, 440, 464, 500, 640])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_legend_beside_or_below_and_everything_fits(width, theme):
    net, pic = picture("multi_gauss", hidden="relu") if width % 20 else picture()
    scene = plane_scene(pic, width, theme)
    left, top, side, _ = scene.plot
    keys = {t.text: t for t in scene.items if isinstance(t, Text) and t.text in ("training", "test")}
    assert set(keys) == {"training", "test"}
    if width >= LEGEND_BESIDE:
        assert all(t.x > left + side for t in keys.values())
    else:
        assert all(t.y > top + side for t in keys.values())
    bar = [i for i in scene.items if isinstance(i, Image) and i.w != i.h]
    assert len(bar) == 1 and (bar[0].rows > 1) == (width >= LEGEND_BESIDE)  # upright beside, flat below
    assert_inside_and_readable(scene)
    texts = [t for t in scene.items if isinstance(t, Text)]
    boxes = [box_of(t) for t in texts]
    for i in range(len(boxes)):
        for j in range(i):
            assert not overlaps(boxes[i], boxes[j], pad=-1), (texts[i].text, texts[j].text)


def test_a_given_height_bounds_the_plot():
    net, pic = picture()
    for width, height in ((440, 300), (600, 260)):
        scene = plane_scene(pic, width, height=height)
        assert scene.height == height and scene.plot[2] < width - 200
        assert_inside_and_readable(scene)


def test_regression_points_take_their_targets_colour():
    net, pic = picture("plane")
    scene = plane_scene(pic, 400)
    pal = PALETTES["light"]
    drawn = {(c.x, c.y): c for c in points_in(scene)}
    left, top, side, _ = scene.plot
    for (a, b), y, t in list(zip(pic.x, pic.y, pic.test))[:80]:
        c = drawn[(round(left + (a + 6) / 12 * side, 1), round(top + (6 - b) / 12 * side, 1))]
        colour = rgb(c.stroke if t else c.fill)
        far = rgb(pal.pos if y > 0 else pal.neg)
        expected = rgb(pal.muted) + abs(y) * (far - rgb(pal.muted))  # grey at 0, full colour at ±1
        assert np.all(np.abs(colour - expected) <= 2.5), (y, colour, expected)
    assert scale_for(pic.kind) == Scale(-1.0, 1.0, 0.0)


# ---------------------------------------------------------------- the neurons' maps


def moment_of(net, steps=None):
    sim = Simulation(net, np.full((net.layers[0], 1), 0.5), np.ones((net.layers[-1], 1)))
    sim.forward()
    for _ in range(net.L if steps is None else steps):
        sim.backward_step()
    return sim.now


def maps_in(scene):
    return [i for i in scene.items if isinstance(i, Image)]


def label_boxes(scene):
    return [(i.x, i.y, i.x + i.w, i.y + i.h) for i in scene.items if isinstance(i, Rect) and i.radius == 3]


def check_network(scene, net, pic, hidden_maps=True):
    maps = maps_in(scene)
    circles = {(round(c.x, 1), round(c.y, 1)): c for c in scene.items if isinstance(c, Circle)}
    n_in = net.layers[0]
    expected = n_in + (sum(net.layers[1:-1]) if hidden_maps else 0)
    assert len(maps) == expected
    inputs = maps[:n_in]
    names = [t for t in scene.items if isinstance(t, Text) and t.text in {FEATURE_NAMES[f] for f in pic.features}]
    assert sorted(t.text for t in names) == sorted(FEATURE_NAMES[f] for f in pic.features)
    # each input's map is beside its neuron, and shows its feature
    input_centres = sorted({(c.x, c.y) for c in circles.values() if c.fill == PALETTES["light"].input})
    for image, (x, y), grid in zip(inputs, sorted(input_centres, key=lambda c: (c[0], c[1])), pic.layers[0]):
        cx, cy = image.x + image.w / 2, image.y + image.h / 2
        assert (abs(cy - y) < 1 and cx < x) or (abs(cx - x) < 1 and cy < y)  # left of it, or above it in a narrow drawing
    # none at the output: every map is beside an input or a hidden neuron
    output_x = max(c.x for c in circles.values())
    assert all(image.x + image.w < output_x - 20 for image in maps) or scene.vertical
    for m in maps:
        assert m.w == m.h >= 24 and m.cols == m.rows
        for b in label_boxes(scene):
            assert not overlaps(b, (m.x, m.y, m.x + m.w, m.y + m.h), pad=-1), (b, m.x, m.y)
    texts = [t for t in scene.items if isinstance(t, Text)]
    boxes = [box_of(t) for t in texts]
    for i in range(len(boxes)):
        assert boxes[i][0] >= -1 and boxes[i][2] <= scene.width + 1 and boxes[i][1] >= -1 and boxes[i][3] <= scene.height + 1
        for j in range(i):
            assert not overlaps(boxes[i], boxes[j], pad=-1), (texts[i].text, texts[j].text)
        for m in maps:
            assert not overlaps(boxes[i], (m.x, m.y, m.x + m.w, m.y + m.h), pad=-1), (texts[i].text, m.x, m.y)
    assert all(m.x >= 0 and m.y >= 0 and m.x + m.w <= scene.width and m.y + m.h <= scene.height for m in maps)


@pytest.mark.parametrize("width", [744, 776, 976])
@pytest.mark.parametrize("layers", [(2, 3, 1), (2, 4, 4, 1)])
def test_a_map_beside_each_input_and_hidden_neuron_none_at_the_output(width, layers):
    net, pic = picture(layers=layers)
    scene = network_scene(moment_of(net), View(width), None, pic)
    check_network(scene, net, pic)
    # each map shows what its neuron computes: the colours of its whole grid, sampled to the map's cells;
    # an input on its feature's own scale, a hidden neuron on its layer's (tanh: −1 to 1)
    maps = maps_in(scene)
    grids = [(grid, scale_for("feature", grid)) for grid in pic.layers[0]] + [(grid, scale_for("tanh")) for grid in pic.layers[1]]
    for image, (grid, scale) in zip(maps, grids):
        whole = np.frombuffer(base64.b64decode(heat_image(grid, scale)), dtype=np.uint8).reshape(40, 40, 4)
        rows = ((np.arange(image.rows) + 0.5) * 40 / image.cols).astype(int)
        assert np.array_equal(pixels(image), whole[np.ix_(rows, rows)])


def test_without_a_picture_the_network_is_drawn_as_before():
    net, pic = picture(layers=(2, 3, 1))
    moment = moment_of(net)
    plain = network_scene(moment, View(776))
    assert not maps_in(plain) and network_scene(moment, View(776), None, None).items == plain.items
    # a picture of another network (stale, or not yet computed) draws no maps
    other = network_scene(moment, View(776), None, picture(layers=(2, 4, 1))[1])
    assert other.items == plain.items


def test_narrow_drawings_put_the_input_maps_above_and_stagger_long_names(monkeypatch):
    monkeypatch.setattr(network, "MAX_INPUTS", 7)
    monkeypatch.setattr(datasets, "MAX_INPUTS", 7)
    net, pic = picture(layers=(7, 1, 1), features=ALL_FEATURES)
    scene = network_scene(moment_of(net), View(336), None, pic)
    assert scene.vertical
    check_network(scene, net, pic)
    names = [t for t in scene.items if isinstance(t, Text) and t.text in FEATURE_NAMES.values()]
    assert len({t.y for t in names}) == 2  # two rows
    net, pic = picture(layers=(2, 2, 1))
    check_network(network_scene(moment_of(net), View(336), None, pic), net, pic)  # 2 neurons: room for their maps
    net, pic = picture(layers=(4, 4, 1), features=ALL_FEATURES[:4])
    check_network(network_scene(moment_of(net), View(336), None, pic), net, pic, hidden_maps=False)  # 4 across 336 px: no room (the stated rule)


@pytest.mark.parametrize("width", [744, 776, 1280])
@pytest.mark.parametrize("inputs", [2, 7])
def test_the_largest_network_with_seven_inputs_keeps_its_labels(monkeypatch, width, inputs):
    """7 → 8 → 8 → 8 → 8 → 1 (MAX_INPUTS soon 7): a map for each of its 39 input and hidden neurons,
    at most 8 more labels left out than without the maps (measured after the whole backward pass: 6 more
    at 744 and 776 px, 2 fewer at 1280; none lost in either after the forward pass)."""
    monkeypatch.setattr(network, "MAX_INPUTS", 7)
    monkeypatch.setattr(datasets, "MAX_INPUTS", 7)
    monkeypatch.setattr(network, "LARGEST_LAYERS", (7, 8, 8, 8, 8, 1))
    layers = (inputs, 8, 8, 8, 8, 1)
    net, pic = picture(layers=layers, features=ALL_FEATURES[:inputs])
    moment = moment_of(net)
    plain = network_scene(moment, View(width))
    scene = network_scene(moment, View(width), None, pic)
    check_network(scene, net, pic)
    assert scene.hidden_labels <= plain.hidden_labels + 8 and scene.unlabelled == plain.unlabelled
    assert scene.height == plain.height
