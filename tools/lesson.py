"""Pages and pictures the build makes from the engine itself.

- `expand(markdown)`: replaces the markers on lesson pages:
  `{{ worked_example }}` (the seed example, every number from the engine) and
  `{{ python_source }}` (the package's source, for the "Edit the MicroSim" link);
- `write_preview(main_html)`: the static SVG shown before Python has started, drawn by the
  same scene code as the live canvas.
"""

from __future__ import annotations

import re
from pathlib import Path

from backprop_sim import mathtex, svg
from backprop_sim.presets import preset
from backprop_sim.scene import View, network_scene

PACKAGE = Path(__file__).resolve().parent.parent / "py" / "backprop_sim"
SOURCE_ORDER = ("engine.py", "presets.py", "mathtex.py", "scene.py", "svg.py", "panels.py", "controller.py", "painter.py")


def worked_example() -> str:
    sim = preset("seed").simulation()
    net, x, y = sim.net, sim.now.x, sim.now.y
    fp, steps = net.gradients(x, y)
    out = [
        "The simulation's default network, computed by the same Python code when this page was built. "
        "Values are rounded to four decimals; the simulation's values table shows the same numbers.",
        "",
        '<div class="worked-example" markdown>',
        "",
        "**Inputs and target**",
        "",
        f"$$x = a^{{[0]}} = {mathtex.matrix(x)}, \\qquad y = {mathtex.matrix(y)}$$",
        "",
        "**Forward pass** (sigmoid in both layers)",
        "",
    ]
    for l in range(1, net.L + 1):
        z_line, a_line = mathtex.forward_numeric(net, fp, l)
        out += [f"$${z_line}$$", "", f"$${a_line}$$", ""]
    out += [f"$${mathtex.loss_numeric(net, fp, y)}$$", "", "**Backward pass**, one step per layer, from the output down", ""]
    for step in steps:
        where = "output layer" if step.layer == net.L else f"hidden layer {step.layer}"
        out += [f"*Step {step.number}: {where}, l = {step.layer}*", ""]
        for eq in step.equations:
            out += [f"$${mathtex.numeric(eq)}$$", "", f"<p class=\"shapes\">Shapes: {eq.describe()}</p>", ""]
    out += ["</div>", ""]
    return "\n".join(out)


def python_source() -> str:
    parts = []
    for name in SOURCE_ORDER:
        code = (PACKAGE / name).read_text()
        parts += [f"## `{name}`", "", f'``` python title="py/backprop_sim/{name}" linenums="1"', code.rstrip(), "```", ""]
    return "\n".join(parts)


MARKERS = {"worked_example": worked_example, "python_source": python_source}


def expand(markdown: str) -> str:
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: MARKERS[m.group(1)]() if m.group(1) in MARKERS else m.group(0), markdown)


def preview_svgs() -> str:
    moment = preset("seed").simulation().now
    wide = svg.render(network_scene(moment, View(1000)), "The network before the forward pass (preview while Python starts)")
    narrow = svg.render(network_scene(moment, View(360)), "The network before the forward pass (preview while Python starts)")
    return f'<div class="preview-wide">{wide}</div><div class="preview-narrow">{narrow}</div>'


def write_preview(main_html: Path) -> None:
    html = main_html.read_text()
    marker = "<!-- static preview: build-time SVG of the first state -->"
    if marker not in html:
        raise RuntimeError(f"{main_html} has no preview marker")
    main_html.write_text(html.replace(marker, preview_svgs()))
