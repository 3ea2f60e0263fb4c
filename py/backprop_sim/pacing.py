"""How fast Train runs and what each of its frames paints: pure timing decisions, tested on
CPython; the painter hands them the clock and does what they say.

Training is decoupled from drawing: each animation frame runs the updates the set speed owes
since the last frame (or, at "fast", as many as a frame's budget holds), paints the plane, and
only a few times a second the words and the network's drawing, which cost more than a frame
can spare while training.
"""

from __future__ import annotations

from .settings import FAST

FAST_BUDGET_MS = 20.0  # fast training: Python time for updates per animation frame; with the plane's ~7 ms, about 30 frames/s
CATCH_UP_MS = 250.0  # after a long frame or a hidden tab, training does not try to catch up more than this
PANELS_EVERY_MS = 250  # while training, the words and equations 4 times a second; the plane every frame
NETWORK_EVERY_MS = 1000  # while training, the network's drawing (its labels and maps) at least once a second
NETWORK_SHARE = 30  # ... and otherwise at most 1/30 of the time (~3 %): every 30 × what it took to paint


class TrainingPace:
    """The updates each frame owes: speed × time since the last frame, the fractions carried over,
    so that the speed set is the speed delivered; at FAST, adapted so a frame's updates take the budget."""

    def __init__(self):
        self.owed = 1.0  # the first update at once, not one period later
        self.last_frame: float | None = None
        self.fast_n = 1  # fast: updates per frame
        self.call_ms: float | None = None  # what the last frame's updates took

    def restart(self) -> None:
        self.owed, self.last_frame = 1.0, None

    def elapsed(self, clock_ms: float) -> float:
        """Time since the last frame (0 for the first), at most CATCH_UP_MS."""
        elapsed = 0.0 if self.last_frame is None else min(clock_ms - self.last_frame, CATCH_UP_MS)
        self.last_frame = clock_ms
        return elapsed

    def updates_due(self, elapsed_ms: float, speed) -> int:
        if speed == FAST:
            # n ← n · budget / cost: a call costs a fixed part (evaluation, the new moment) plus a
            # part per update, so this settles where a frame's updates take the budget; at most
            # doubling per frame, so one quick frame cannot make the next one long
            if self.call_ms:
                self.fast_n = max(1, min(2 * self.fast_n, int(self.fast_n * FAST_BUDGET_MS / self.call_ms)))
            return self.fast_n
        self.owed += speed * elapsed_ms / 1000
        n = int(self.owed)
        self.owed -= n
        return n


class Cadence:
    """What a training frame paints: "plane" (the plane only), "words" (also the words, the
    status and the loss curves) or "all" (the network's drawing too)."""

    def __init__(self):
        self.last_words = 0.0
        self.last_network = 0.0

    def frame(self, clock_ms: float, network_paint_ms: float) -> str:
        if clock_ms - self.last_words < PANELS_EVERY_MS:
            return "plane"
        self.last_words = clock_ms
        # the network's drawing: with each of these renders when it is quick (a small network),
        # else less often, so that it takes at most ~3 % of the time, and at least once a second
        every = min(NETWORK_EVERY_MS, max(PANELS_EVERY_MS, NETWORK_SHARE * network_paint_ms))
        if clock_ms - self.last_network >= every - 1:
            self.last_network = clock_ms
            return "all"
        return "words"

    def rendered(self, clock_ms: float) -> None:
        """A full render outside training: the words are new as of now."""
        self.last_words = clock_ms
