"""Engine benchmark on CPython: forward + full backward + update for the largest network.

    make bench-engine      (or: .venv/bin/python tools/bench_engine.py)

Reports the median and spread over repeated runs, and the ratio to a bare numpy baseline
taken in the same run (the same matrix products with no step objects), since these
machines are shared and noisy.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "py"))

from backprop_sim.engine import Simulation  # noqa: E402
from backprop_sim.network import LARGEST_LAYERS, MAX_INPUTS, MAX_OUTPUTS, Network  # noqa: E402


def one_iteration(sim: Simulation) -> None:
    sim.forward()
    for _ in range(sim.net.L):
        sim.backward_step()
    sim.update(0.1)


def bare_numpy(Ws, bs, x, y) -> None:
    # the same arithmetic with nothing around it: the floor for any implementation
    a, zs, acts = x, [], [x]
    for W, b in zip(Ws, bs):
        z = W @ a + b
        a = 1 / (1 + np.exp(-z))
        zs.append(z), acts.append(a)
    delta = (a - y) * a * (1 - a)
    for l in range(len(Ws) - 1, -1, -1):
        dW = delta @ acts[l].T
        if l:
            delta = (Ws[l].T @ delta) * acts[l] * (1 - acts[l])
        Ws[l] = Ws[l] - 0.1 * dW


def timed(fn, repeats: int, inner: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t) / inner * 1000)
    return samples


def main() -> None:
    net = Network.random(LARGEST_LAYERS, seed=1)
    sim = Simulation(net, np.linspace(-1, 1, MAX_INPUTS), np.full(MAX_OUTPUTS, 0.5))
    Ws = [net.W[l].copy() for l in range(1, net.L + 1)]
    bs = [net.b[l].copy() for l in range(1, net.L + 1)]
    x, y = np.linspace(-1, 1, MAX_INPUTS).reshape(-1, 1), np.full((MAX_OUTPUTS, 1), 0.5)
    engine = timed(lambda: one_iteration(sim), repeats=15, inner=200)
    bare = timed(lambda: bare_numpy(Ws, bs, x, y), repeats=15, inner=200)
    result = {
        "network": LARGEST_LAYERS,
        "engine_ms_median": statistics.median(engine),
        "engine_ms_min": min(engine),
        "engine_ms_max": max(engine),
        "bare_numpy_ms_median": statistics.median(bare),
        "ratio_engine_to_bare": statistics.median(engine) / statistics.median(bare),
    }
    print(json.dumps(result, indent=2))
    print(
        f"\nforward + backward + update, {' → '.join(map(str, LARGEST_LAYERS))}: "
        f"median {result['engine_ms_median']:.3f} ms (spread {result['engine_ms_min']:.3f}–{result['engine_ms_max']:.3f}); "
        f"bare numpy {result['bare_numpy_ms_median']:.3f} ms; ratio {result['ratio_engine_to_bare']:.1f}×"
    )


if __name__ == "__main__":
    main()
