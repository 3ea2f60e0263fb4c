"""A real screenshot of the simulation for the lesson's social card, made at build time.

Boots the built page from file:// in Debian's Chromium (as a learner would open the offline
folder), completes one backward pass, and photographs the first 1200 × 630 px: the drawing,
its buttons and the step's equation.
Skipped, with a warning, where Chromium or Playwright is not installed (`make test` has both).
"""

from __future__ import annotations

import sys
from pathlib import Path

import chromium  # tools/chromium.py
from chromium import CHROMIUM, CHROMIUM_ARGS, wait_for


def take(main_html: Path, target: Path) -> bool:
    if not chromium.usable(without="no social-card screenshot"):
        return False
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800}, color_scheme="light")
            page.goto(main_html.resolve().as_uri())
            wait_for(page, "document.documentElement.dataset.simReady || document.documentElement.dataset.simError", timeout=120_000)
            if page.evaluate("document.documentElement.dataset.simError"):
                raise RuntimeError("the simulation failed to start: " + page.evaluate("document.documentElement.dataset.simError"))
            for action in ("forward", "backward", "backward"):
                page.evaluate(f"window.backpropSim.act('{action}')")
            wait_for(page, "window.backpropSim.pyodide.runPython("
                           "'import backprop_sim.painter as p; p._page.renderer.progress() >= 1')")  # the transition ended
            # a social card's 1200 × 630: the drawing, the buttons and the step's equation, as a learner sees them
            page.screenshot(path=str(target), clip={"x": 0, "y": 0, "width": 1200, "height": 630})
        finally:
            browser.close()
    return True


if __name__ == "__main__":
    take(Path(sys.argv[1]), Path(sys.argv[2]))
