"""A learner's code in a box it cannot leave (issue 25, items 2-4): on CPython, the budget per
Run and the bypasses the budget itself now sees; in the page, the attacks of the issue run in
the Edit page's sandboxed frame and are contained, a frozen frame is replaced, and saved code
is never lost to a link."""

from __future__ import annotations

import time

from backprop_sim import editing
from test_security import SIGMOID_PRIME_BODY, SOURCE, run

SLOW = "    started = time.perf_counter()\n    while time.perf_counter() - started < 0.25:\n        pass\n"
SLOW_RULE = "import time\n" + SOURCE.replace(SIGMOID_PRIME_BODY, SLOW + SIGMOID_PRIME_BODY)


def test_a_run_of_many_slow_calls_is_stopped_by_the_budget_per_run():
    started = time.monotonic()
    result = run(SLOW_RULE)  # 0.25 s a call: under the budget per call, over it per Run
    took = time.monotonic() - started
    assert took < editing.RUN_BUDGET_S + 1.5, took
    assert not result["ok"] and "over this Run's calls" in result["error"]["message"]


def test_a_loop_in_exec_is_stopped_too():
    started = time.monotonic()
    result = run(SOURCE + "\nexec('while True: pass')\n")
    assert time.monotonic() - started < editing.BUDGET_S + 1.5
    assert not result["ok"] and "was stopped" in result["error"]["message"]


def test_a_patched_clock_does_not_stop_the_budget():
    patched = SOURCE.replace(SIGMOID_PRIME_BODY, "    while True:\n        pass")
    started = time.monotonic()
    try:
        result = run("import time\ntime.monotonic = lambda: 0\n" + patched)
    finally:
        time.monotonic = editing._clock  # the patch reached this interpreter's time module
    assert time.monotonic() - started < 2 * editing.BUDGET_S + 1.5
    assert not result["ok"] and "was stopped" in result["error"]["message"]
