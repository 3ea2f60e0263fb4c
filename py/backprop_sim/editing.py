"""Running a learner's edited rules.py in the live simulation, and checking it.

`EditedRules.run(source, current)` compiles the code into a new `Rules`, tries it on the
presets, hands it back only if it runs, and checks it: each derivative against the slope of
its function (central differences), and the whole backward pass against finite differences
of the loss. A mistake is named ("sigmoid_prime does not match the slope of sigmoid"). Code
that fails to compile or to run is not used: the simulation keeps the last rules that worked.
Nothing here changes the rules module; the controller hands the new Rules to the Simulation.

A learner's code shares the browser's one thread with the whole page, so it runs under a
budget: every call into it (and its top level) may take BUDGET_S seconds of Python, and all
the calls of one Run RUN_BUDGET_S together, counted by a trace of its own lines only (and of
code it exec()s); past that it is stopped where it is, with the line named. Code can still
switch the trace off (sys.settrace(None)): the Edit page's watchdog, not this budget, is what
no code can get past (site/sim/edit.js).
SystemExit and KeyboardInterrupt from it become ordinary errors: nothing it does can end the
interpreter. A rule stopped while the simulation uses it tells its EditedRules, whose owner
(the controller) goes back to the rules that worked before it.
"""

from __future__ import annotations

import contextlib
import dis
import functools
import sys
import time
import traceback

import numpy as np

from typing import Callable

from .explain import gradient_check, relative_error
from .network import Network
from .rulebook import ACTIVATIONS, LOSSES, RULE_NAMES, SHIPPED, Rules
from .formatting import symbol
from .presets import preset

FILENAME = "rules.py (your edit)"
TOLERANCE = 1e-5  # relative difference above which a derivative or a gradient is wrong


BUDGET_S = 1.0  # seconds one call into the learner's code may run before it is stopped
_clock = time.monotonic  # our own reference: code that sets time.monotonic = lambda: 0 does not stop the clock
RUN_BUDGET_S = 3.0  # seconds all the calls of one Run (the code, the trial, the check) may take together
_source_lines: list[str] = []  # the code being run, to quote its lines in a traceback


class RuleStopped(Exception):
    """The learner's code was stopped: it ran past its budget, or tried to end Python."""


def _quote(line: int | None) -> str:
    return _source_lines[line - 1].strip() if line and 0 < line <= len(_source_lines) else ""


class _Budget:
    """Counts the time spent in the learner's code from the outermost call into it.

    sys.settrace sees every new frame; only frames of the learner's file get a line tracer,
    so numpy and the simulation's own code run at full speed. A loop in the learner's code
    fires a line event on every pass, where the deadline is checked.
    """

    def __init__(self):
        self.deadline: float | None = None
        self.line: int | None = None
        self.run_deadline: float | None = None  # a Run's own deadline: many short calls add up (per_run)

    def _global(self, frame, event, arg):
        # the learner's file, and code it makes with exec or eval ("<string>")
        if frame.f_code.co_filename not in (FILENAME, "<string>"):
            return None
        frame.f_trace_opcodes = _loops_within_a_line(frame.f_code)
        return self._line

    def _line(self, frame, event, arg):
        if event in ("line", "opcode"):
            if frame.f_code.co_filename == FILENAME:  # exec'd code has lines of its own: name the exec's
                self.line = frame.f_lineno
            if _clock() > self.deadline:
                whole = self.run_deadline is not None and self.deadline >= self.run_deadline
                raise RuleStopped(
                    (f"Your code took more than {RUN_BUDGET_S:g} s over this Run's calls" if whole else
                     f"Your code ran for more than {BUDGET_S:g} s") + f" at line {self.line} ({_quote(self.line)}) "
                    "and was stopped: " + ("is a rule very slow?" if whole else "is there a loop that never ends?")
                )
        return self._line

    @contextlib.contextmanager
    def per_run(self):
        """Every call inside shares one deadline as well as its own: a Run cannot add up to a freeze."""
        self.run_deadline = _clock() + RUN_BUDGET_S
        try:
            yield
        finally:
            self.run_deadline = None

    def run(self, fn, *args, **kwargs):
        if self.deadline is not None:  # a call from inside the learner's code: the same budget
            return fn(*args, **kwargs)
        previous = sys.gettrace()
        self.deadline, self.line = min(_clock() + BUDGET_S, self.run_deadline or float("inf")), None
        sys.settrace(self._global)
        try:
            return fn(*args, **kwargs)
        except (SystemExit, KeyboardInterrupt, GeneratorExit) as exc:
            where = f" at line {self.line} ({_quote(self.line)})" if self.line else ""
            raise RuleStopped(f"Your code raised {type(exc).__name__}{where}: rules.py cannot stop Python; "
                              "return a value instead.") from exc
        finally:
            sys.settrace(previous)
            self.deadline = None


@functools.lru_cache(maxsize=256)
def _loops_within_a_line(code) -> bool:
    """A loop that jumps back within one line (`while True: pass`) fires no line events, only opcode events."""
    lines = {i.offset: i.positions.lineno for i in dis.get_instructions(code)}
    return any(i.opname.startswith("JUMP_BACKWARD") and lines.get(i.argval) == i.positions.lineno
               for i in dis.get_instructions(code))


_budget = _Budget()


def error_report(exc: BaseException) -> dict:
    """The traceback's lines that are in the learner's code, and the line to mark."""
    line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    frames = []
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == FILENAME:
            frames.append(f"line {frame.lineno}, in {frame.name}: {_quote(frame.lineno)}")
            line = frame.lineno
    if isinstance(exc, RuleStopped):
        last = str(exc)
        line = _budget.line or line
    elif isinstance(exc, MemoryError):
        last = ("MemoryError: your code asked for more memory than Python has in this browser tab "
                "(a list or array far too large?).")
    else:
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return {"line": line, "message": last, "traceback": frames}


def compile_rules(source: str, on_stop: Callable[[], None] = lambda: None) -> dict:
    """{"rules": the Rules the code defines, each function under the budget} or {"error": why not}.
    on_stop runs when one of them is stopped while the simulation uses it."""
    namespace: dict = {"__name__": "backprop_sim.rules_edit", "np": np}
    try:
        code = compile(source, FILENAME, "exec")
        _budget.run(exec, code, namespace)  # noqa: S102 - the learner's own code, in their own page
    except BaseException as exc:  # a syntax or runtime error at the top level of the code
        return {"error": error_report(exc)}
    missing = [name for name in RULE_NAMES if not callable(namespace.get(name))]
    if missing:
        return {"error": {"line": None, "message": "Your code must still define: " + ", ".join(missing) + ".", "traceback": []}}
    return {"rules": Rules({name: _guarded(namespace[name], on_stop) for name in RULE_NAMES})}


def _guarded(fn, on_stop: Callable[[], None]):
    """The learner's function, run under the budget wherever the simulation calls it."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return _budget.run(fn, *args, **kwargs)
        except RuleStopped:
            on_stop()
            raise

    call.guarded = True
    return call


def trial(rules: Rules) -> dict | None:
    """Run the rules on the seed example and on deeper networks; the error report, if any."""
    try:
        for key in ("seed", "deep", "classifier", "dead-relu"):
            net, x, y = _example(key)
            fp, steps = net.gradients(x, y, rules)
            for s in steps:
                if s.dW.result.value.shape != net.W[s.layer].shape:
                    raise ValueError(f"weight_gradient gave shape {s.dW.result.value.shape} for {symbol('W', s.layer)} "
                                     f"of shape {net.W[s.layer].shape}")
        return None
    except BaseException as exc:
        return error_report(exc)


def checks(rules: Rules) -> list[dict]:
    """Each rule against finite differences."""
    found = []
    z = np.array([[-2.0], [-0.7], [-0.1], [0.3], [1.1], [2.5]])  # away from ReLU's kink at 0
    h = 1e-6
    for name in ACTIVATIONS:
        g, g_prime = ACTIVATIONS[name].g(rules), ACTIVATIONS[name].g_prime(rules)
        if ACTIVATIONS[name].output_only:  # softmax: g' is the Jacobian, column k the slope of g along z_k
            steps = np.eye(len(z))[:, :, None] * h
            slope = np.stack([(g(z + e) - g(z - e))[:, 0] for e in steps], axis=1)[:, :, None] / (2 * h)
        else:
            slope = (g(z + h) - g(z - h)) / (2 * h)
        diff = relative_error(g_prime(z), slope)
        found.append(_finding(f"{name}_prime", f"the slope of {name}", diff, z, g_prime(z), slope))
    y_hat, y, zL = np.array([[0.3], [0.8]]), np.array([[1.0], [0.0]]), np.log(np.array([[0.3], [0.8]]) / (1 - np.array([[0.3], [0.8]])))
    for name in LOSSES:
        loss, grad = getattr(rules, name), getattr(rules, name + "_grad")
        if LOSSES[name].output and ACTIVATIONS[LOSSES[name].output].output_only:
            found.append(_coupled_check(name, rules, h))
            continue
        numeric = np.zeros_like(y_hat)
        for i in range(y_hat.shape[0]):
            e = np.zeros_like(y_hat)
            e[i] = h
            # for cross-entropy, move z with ŷ so that ŷ = σ(z) still holds
            dz = e / (y_hat * (1 - y_hat))
            numeric[i] = (loss(y_hat + e, y, zL + dz) - loss(y_hat - e, y, zL - dz)) / (2 * h)
        diff = relative_error(grad(y_hat, y), numeric)
        found.append(_finding(f"{name}_grad", f"the slope of {name}", diff, y_hat, grad(y_hat, y), numeric))
    for key in ("seed", "deep", "classifier"):  # the classifier's δ[L] goes through bce_grad and output_delta
        found.append(_network_check(*_example(key), f"the {key} network", rules))
    return found


def _example(key: str) -> tuple[Network, np.ndarray, np.ndarray]:
    """A preset's network, with its x and y as the column vectors the engine works on."""
    net, x, y = preset(key).make()
    return net, np.reshape(x, (-1, 1)), np.reshape(y, (-1, 1))


def _network_check(net: Network, x: np.ndarray, y: np.ndarray, where: str, rules: Rules) -> dict:
    _, steps = net.gradients(x, y, rules)
    fdW, _ = gradient_check(net, x, y, rules=rules)
    diff = max(relative_error(s.dW.result.value, fdW[s.layer]) for s in steps)
    ok = diff < TOLERANCE
    return {
        "name": "backward pass",
        "ok": bool(ok),
        "difference": diff,
        "text": (f"Backprop's ∂L/∂W on {where} equals finite differences of the loss (relative difference {diff:.1e})."
                 if ok else f"Backprop's ∂L/∂W on {where} does not match finite differences of the loss "
                 f"(relative difference {diff:.1e}): check output_delta, hidden_delta and weight_gradient."),
    }


def _coupled_check(name: str, rules: Rules, h: float) -> dict:
    """A loss after an output that couples its neurons (softmax): dL/dŷ through the output's
    Jacobian, output_delta(dL/dŷ, g'(z)), against dL/dz by moving each z_k (ŷ = g(z) throughout)."""
    loss, grad, act = getattr(rules, name), getattr(rules, name + "_grad"), ACTIVATIONS[LOSSES[name].output]
    g, g_prime = act.g(rules), act.g_prime(rules)
    z, y = np.array([[0.4], [-1.2], [0.9]]), np.array([[0.0], [1.0], [0.0]])
    numeric = np.zeros_like(z)
    for k in range(len(z)):
        e = np.zeros_like(z)
        e[k] = h
        numeric[k] = (loss(g(z + e), y, z + e) - loss(g(z - e), y, z - e)) / (2 * h)
    got = rules.output_delta(grad(g(z), y), g_prime(z))
    return _finding(f"{name}_grad", f"the slope of {name} through {act.name}'s Jacobian", relative_error(got, numeric), z, got, numeric)


def _finding(name: str, against: str, diff: float, at, got, want) -> dict:
    ok = diff < TOLERANCE
    if ok:
        text = f"{name} matches {against}."
    else:
        i = int(np.argmax(np.abs(np.ravel(got) - np.ravel(want))))
        text = (f"{name} does not match {against}: at {np.ravel(at)[i]:.2f} it gives {np.ravel(got)[i]:.4f}, "
                f"the slope is {np.ravel(want)[i]:.4f}.")
    return {"name": name, "ok": bool(ok), "difference": float(diff), "text": text}


class EditedRules:
    """The learner's rules.py as the controller runs it: compiled into a new Rules, tried on the
    presets, checked, and handed back only if it runs. It keeps the rules that worked before the
    last edit, to go back to when one of the new rules is stopped by its budget (on_stop)."""

    def __init__(self, on_stop: Callable[[], None] = lambda: None):
        self.previous: Rules = SHIPPED  # the rules in use before the last edit that ran
        self.on_stop = on_stop
        self._trying = False  # a rule stopped during the trial or the check is not in use: nothing to undo

    def _stopped(self) -> None:
        if not self._trying:
            self.on_stop()

    def run(self, source: str, current: Rules) -> tuple[dict, Rules]:
        """The check's report, and the rules to use: the edit's if it runs, else `current`."""
        with _budget.per_run():
            return self._run(source, current)

    def _run(self, source: str, current: Rules) -> tuple[dict, Rules]:
        if not isinstance(source, str) or len(source) > 200_000:
            return {"ok": False, "error": {"line": None, "message": "The code must be text of at most 200,000 characters.",
                                           "traceback": []}}, current
        _source_lines[:] = source.splitlines()
        compiled = compile_rules(source, self._stopped)
        if "error" in compiled:
            return {"ok": False, "error": compiled["error"]}, current
        rules = compiled["rules"]
        self._trying = True
        try:
            failure = trial(rules)
            if failure:
                return {"ok": False, "error": failure}, current
            found = checks(rules)
        except BaseException as exc:  # rules that run on the presets but fail on the check's values
            return {"ok": False, "error": error_report(exc)}, current
        finally:
            self._trying = False
        self.previous = current
        return {"ok": all(f["ok"] for f in found), "error": None, "checks": found}, rules

    def original(self, current: Rules) -> tuple[dict, Rules]:
        """rules.py as shipped again, with its check."""
        self.previous = current
        return {"ok": True, "error": None, "checks": checks(SHIPPED), "original": True}, SHIPPED
