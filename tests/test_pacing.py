"""Issue 24, item 4: the training's pace and what a training frame paints are pure, tested here
on CPython (the painter only hands them the clock)."""

import pytest

from backprop_sim.pacing import CATCH_UP_MS, FAST_BUDGET_MS, NETWORK_EVERY_MS, PANELS_EVERY_MS, Cadence, TrainingPace
from backprop_sim.settings import FAST


def test_the_speed_set_is_the_speed_delivered_with_fractions_carried_over():
    pace = TrainingPace()
    assert pace.updates_due(pace.elapsed(0.0), 10) == 1  # the first update at once
    total, clock = 0, 0.0
    for _ in range(600):  # ten seconds of 60 frames a second at 10 updates/s
        clock += 1000 / 60
        total += pace.updates_due(pace.elapsed(clock), 10)
    assert abs(total - 100) <= 1  # 10 s × 10 updates/s (floating point may leave the last one owed), not 0: each frame owes 1/6


def test_a_long_frame_or_a_hidden_tab_does_not_make_training_catch_up():
    pace = TrainingPace()
    pace.elapsed(0.0)
    assert pace.elapsed(60_000.0) == CATCH_UP_MS
    pace.owed = 0.0
    assert pace.updates_due(CATCH_UP_MS, 60) == int(60 * CATCH_UP_MS / 1000)


def test_fast_settles_where_a_frames_updates_take_the_budget_at_most_doubling():
    pace = TrainingPace()
    assert pace.updates_due(16, FAST) == 1  # nothing measured yet
    pace.call_ms = 0.1  # a quick call: no more than twice as many next frame
    assert pace.updates_due(16, FAST) == 2
    pace.call_ms = FAST_BUDGET_MS * 2  # twice over the budget: half as many
    assert pace.updates_due(16, FAST) == 1
    pace.fast_n, pace.call_ms = 40, FAST_BUDGET_MS / 2
    assert pace.updates_due(16, FAST) == 80
    pace.call_ms = FAST_BUDGET_MS * 10
    assert pace.updates_due(16, FAST) == 8


def test_a_training_frame_paints_the_plane_then_the_words_then_the_network():
    cadence = Cadence()
    assert cadence.frame(PANELS_EVERY_MS, network_paint_ms=1.0) == "all"  # the first render: everything
    assert cadence.frame(PANELS_EVERY_MS + 16, 1.0) == "plane"  # within a quarter second: the plane only
    # a quick network drawing comes with every render of the words
    assert cadence.frame(2 * PANELS_EVERY_MS, 1.0) == "all"
    # a slow one (40 ms): at most ~3 % of the time, so every 30 × 40 ms = 1.2 s, capped at once a second
    slow = Cadence()
    clocks = range(5000, 9000, PANELS_EVERY_MS)  # a page's clock: seconds after it opened
    kinds = [slow.frame(t, 40.0) for t in clocks]
    assert kinds.count("all") == 4 and kinds.count("words") == len(kinds) - 4
    gaps = [t for t, k in zip(clocks, kinds) if k == "all"]
    assert all(b - a == pytest.approx(NETWORK_EVERY_MS) for a, b in zip(gaps, gaps[1:]))
