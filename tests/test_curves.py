"""The loss curves on CPython: one curve scene for the one example's loss per step (loss_scene)
and the data set's training and test loss over the updates (data_loss_scene).

The plot's frame is read from the drawing (its two axes, the longest lines); every expected
position is computed here from that frame and the numbers given, by hand."""

import math

import numpy as np
import pytest

from backprop_sim.scene import Line, Polyline, Text, box_of, data_loss_scene, loss_scene, overlaps
from test_plane_scene import assert_inside_and_readable


def frame(scene):
    """(left, top, right, bottom) of the plot: its y axis is the longest vertical line, its x axis the longest horizontal one."""
    lines = [i for i in scene.items if isinstance(i, Line)]
    y_axis = max((i for i in lines if i.x1 == i.x2), key=lambda i: abs(i.y2 - i.y1))
    x_axis = max((i for i in lines if i.y1 == i.y2), key=lambda i: abs(i.x2 - i.x1))
    return min(x_axis.x1, x_axis.x2), min(y_axis.y1, y_axis.y2), max(x_axis.x1, x_axis.x2), max(y_axis.y1, y_axis.y2)


def y_labels(scene):
    """The y axis's tick values, by height: {y: text} of the texts right of nothing, left of the axis."""
    left, top, right, bottom = frame(scene)
    return {t.y: t.text for t in scene.items if isinstance(t, Text) and t.align == "right" and t.x < left and top - 1 <= t.y <= bottom + 1}


def value(text: str) -> float:
    return float(text.replace("−", "-"))


@pytest.mark.parametrize("history", [(), ((0, 0.7, 0.8),)])
def test_loss_plot_says_what_to_do_before_two_points(history):
    scene = data_loss_scene(history, 300)
    assert not [i for i in scene.items if isinstance(i, Polyline)]
    assert any(isinstance(t, Text) and t.text.startswith("Train to see") for t in scene.items)
    assert_inside_and_readable(scene)


@pytest.mark.parametrize("width", [280, 440])
def test_loss_plot_draws_both_curves_from_zero(width):
    scene = data_loss_scene([(0, 1.0, 2.0), (5, 0.75, 1.5), (10, 0.5, float("nan")), (20, 0.5, 1.0)], width, height=160)
    train, test = [i for i in scene.items if isinstance(i, Polyline)]
    assert train.dash != test.dash and train.colour != test.colour  # told apart by pattern, not by colour alone
    left, top, right, bottom = frame(scene)
    assert y_labels(scene)[top] == "2"  # the largest loss, 2, is a round number: the axis's top
    at = lambda u, loss: (left + (right - left) * u / 20, bottom - (bottom - top) * loss / 2.0)  # noqa: E731
    assert np.allclose(train.points, [at(0, 1.0), at(5, 0.75), at(10, 0.5), at(20, 0.5)], atol=0.06)
    assert np.allclose(test.points, [at(0, 2.0), at(5, 1.5), at(20, 1.0)], atol=0.06)  # the NaN left out
    texts = {t.text for t in scene.items if isinstance(t, Text)}
    assert {"training", "test", "0", "20", "2", "updates"} <= texts
    assert_inside_and_readable(scene)


def test_the_loss_plot_draws_each_loss_to_scale():
    scene = loss_scene([4.0, 2.0, 1.0], 300)
    left, top, right, bottom = frame(scene)
    (curve,) = [item for item in scene.items if isinstance(item, Polyline)]
    # by hand: step n at n/3 of the axis (from 0 to the last step, 3), y = bottom − (bottom − top)·loss / 4, the axis's top
    assert y_labels(scene)[top] == "4" and y_labels(scene)[bottom] == "0"
    expected = [(left + (right - left) * n / 3, bottom - (bottom - top) * loss / 4) for n, loss in ((1, 4.0), (2, 2.0), (3, 1.0))]
    assert np.allclose(curve.points, expected, atol=0.06)
    texts = [t.text for t in scene.items if isinstance(t, Text)]
    assert "step 3: loss 1.0000" in texts  # the loss now, to 4 decimals like every computed value
    assert "Train to see the loss fall" in [t.text for t in loss_scene([0.5], 300).items if isinstance(t, Text)]
    assert_inside_and_readable(scene)


@pytest.mark.parametrize("width", [240, 300, 440, 700])
@pytest.mark.parametrize("first,last,peak", [(64, 12736, 0.7), (256, 900, 3.2), (1, 7, 0.0123), (10, 260000, 41.0)])
def test_both_axes_start_at_0_and_tick_round_numbers(width, first, last, peak):
    """Issue 26: the x axis started at the first update kept (64, 256); its ticks now count from 0,
    the y axis's from 0 to a round number at or above the largest loss, evenly, none meeting another."""
    updates = np.linspace(first, last, 50)
    history = [(u, peak * math.exp(-i / 10), peak * 0.9) for i, u in enumerate(updates)]
    scene = data_loss_scene(history, width)
    left, top, right, bottom = frame(scene)
    train = [i for i in scene.items if isinstance(i, Polyline)][0]
    assert train.points[0][0] == pytest.approx(left + (right - left) * first / last, abs=0.06)  # not at the axis: the axis starts at 0
    ys = sorted(y_labels(scene).items(), key=lambda item: -item[0])  # bottom first
    values = [value(text) for _, text in ys]
    assert values[0] == 0 and values[-1] >= peak and values[-2] < peak and 3 <= len(values) <= 8
    steps = np.diff(values)
    assert np.allclose(steps, steps[0]) and np.allclose(np.diff([y for y, _ in ys]), np.diff([y for y, _ in ys])[0], atol=0.11)
    mantissa = steps[0] / 10 ** math.floor(math.log10(steps[0]))
    assert min(abs(mantissa - m) for m in (1, 2, 2.5, 5)) < 1e-9, steps[0]  # a round step: 1, 2, 2.5 or 5 times a power of ten
    x_texts = [t for t in scene.items if isinstance(t, Text) and t.y > bottom]
    assert x_texts[0].text == "0" or any(t.text == "0" for t in x_texts)
    assert any(t.text == f"{last:g}" for t in x_texts) and any(t.text == "updates" for t in x_texts)  # where the curve ends now
    boxes = [box_of(t) for t in scene.items if isinstance(t, Text)]
    assert not any(overlaps(a, b, pad=-1) for i, a in enumerate(boxes) for b in boxes[:i])
    assert_inside_and_readable(scene)


def test_a_log_scale_spaces_each_decade_alike():
    history = [(u, 0.8 * 10 ** (-u / 100), 1.0) for u in range(0, 301, 10)]  # from 0.8 down to 0.0008: three decades
    scene = data_loss_scene(history, 440, log=True)
    left, top, right, bottom = frame(scene)
    ticks = {value(text): y for y, text in y_labels(scene).items()}
    assert sorted(ticks) == [0.0001, 0.001, 0.01, 0.1, 1.0]  # the powers of ten around the losses
    decade = ticks[0.1] - ticks[1.0]
    assert decade > 0 and all(ticks[10.0 ** -k] - ticks[10.0 ** -(k - 1)] == pytest.approx(decade, abs=0.11) for k in (2, 3, 4))
    train = [i for i in scene.items if isinstance(i, Polyline)][0]
    # by hand: loss 0.8·10^(−u/100) sits log10(1/loss) decades below the tick of 1
    for (x, y), u in zip(train.points, range(0, 301, 10)):
        assert y == pytest.approx(ticks[1.0] + decade * (u / 100 - math.log10(0.8)), abs=0.11)
    flat = data_loss_scene(history, 440)
    assert {value(t) for t in y_labels(flat).values()} == {0.0, 0.5, 1.0}  # the same losses (the test loss is 1), linear
    assert_inside_and_readable(scene)
    zero = data_loss_scene([(0, 0.0, 1.0), (5, 0.5, 0.25), (10, 0.1, 0.1)], 300, log=True)  # a loss of 0 has no place on it
    assert len([i for i in zero.items if isinstance(i, Polyline)][0].points) == 2
