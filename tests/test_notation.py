"""Issue 13, item 5: one notation (the lesson's a^[l], W^[l]ⱼₖ, δ^[l], z^[l]) and one precision
(4 decimals for computed values, parameters as set) in every text the Python writes and on every
built page; the lesson's activity numbers are the engine's, as the drawing shows them."""

import html
import re

import numpy as np
import pytest

import lesson  # tools/lesson.py
import textbook  # tools/textbook.py
from backprop_sim import mathtex, panels, toolwords
from backprop_sim.controller import Controller
from backprop_sim.presets import PRESETS, SEED_B, SEED_W, SEED_X, preset
from backprop_sim.scene import Text, View, network_scene

# a[0], W[2], δ[1], z[1]_2, w[1]₁₂, a⁽⁰⁾: the forms the lesson's notation replaced
OLD_FORMS = re.compile(r"(?<![\w\\])[A-Za-zδ]\[\d|⁽|\bw\[|∂L/∂[Wb]\[")
COMPUTED = re.compile(r"^[+−]?\d+\.\d{4}$")


def old_forms(text: str) -> list[str]:
    return [text[max(0, m.start() - 30):m.end() + 10] for m in OLD_FORMS.finditer(text)]


def test_the_check_finds_the_old_forms():
    for text in ("Input a[0] = x", "δ[2] = −0.0989", "w[1]₁₂", "a⁽⁰⁾ = x", "∂L/∂W[1] = ...", "W[2]_11"):
        assert old_forms(text), text
    for text in ("Input a^[0] = x", "δ^[2]₁", "W^[1]₁₂", r"a^{[0]}", r"W^{[l+1]}_{jk}", "values[0]"):
        assert not old_forms(text), text


def every_text(ctl: Controller) -> str:
    """Everything the panels, the equations, the drawing and the export write for this state."""
    now = ctl.sim.now
    eq = panels.equation(now)
    parts = [panels.summary(now), *panels.status(now).values(), panels.narration(now), panels.table(now),
             eq["title"], eq.get("note", ""), *eq["shapes"], *(row for rows in eq["rows"] for row in rows),
             panels.shapes_html(now), panels.trace_html(ctl.trace()), panels.check_html(ctl.gradient_check(), ctl.state()),
             toolwords.csv(ctl.state()), toolwords.symbol_key_html(), ctl.message]
    parts += [t.text for t in network_scene(now, View(1000)).items if isinstance(t, Text)]
    return "\n".join(parts)


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_every_text_the_python_writes_uses_the_lesson_notation(key):
    ctl = Controller()
    ctl.act("preset", key)
    ctl.act("check", True)
    seen = [every_text(ctl)]
    for action in ("forward", "backward", "backward"):
        ctl.act(action)
        for selection in (["weight", 1, 1, 1], ["neuron", 1, 1], ["neuron", ctl.sim.net.L, 1]):
            ctl.act("select", selection)
            seen.append(every_text(ctl))
    seen += [ctl.act("weight", [1, 9, 1, 0.5]), ctl.act("predict_mode", True) or ctl.act("backward"),
             ctl.act("weight", [1, 1, 1, 1e9])]
    found = old_forms("\n".join(seen))
    assert not found, found[:5]


def test_the_drawing_writes_computed_values_to_4_decimals_and_parameters_as_set():
    sim = preset("seed").simulation()
    sim.forward(), sim.backward_step(), sim.backward_step()
    scene = network_scene(sim.now, View(1280))
    labels = [t.text for t in scene.items if isinstance(t, Text)]
    computed = [t.split(" ", 1)[1] if " " in t else t for t in labels if t.startswith(("δ ", "∂ ", "∂b ")) or t[-5:-4] == "."]
    assert all(COMPUTED.match(v) for v in computed), computed
    weights = [t for t in labels if t.startswith("W ")]
    assert set(weights) <= {f"W {w:g}".replace("-", "−") for w in np.ravel(SEED_W[0]).tolist() + SEED_W[1][0]}
    # δ and ∂b of 4 neurons, ∂ and W of 9 connections, 4 activations; a label that found no room counts as hidden
    assert len(computed) + len(weights) + scene.hidden_labels == 4 + 4 + 9 + 9 + 4 and scene.hidden_labels <= 1
    assert {"1", "0.5"} <= set(labels)  # the inputs as set: 1.0 and 0.5


def seed_by_hand():
    """δ^[2] and ∂L/∂W^[1]₁₂ of the seed, in plain numpy from the lesson's equations."""
    sig = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731
    W1, W2, x = np.array(SEED_W[0]), np.array(SEED_W[1]), np.array(SEED_X)
    a1 = sig(W1 @ x + np.array(SEED_B[0]))
    a2 = sig(W2 @ a1 + np.array(SEED_B[1]))
    d2 = (a2 - 1.0) * a2 * (1 - a2)
    d1 = (W2.T @ d2) * a1 * (1 - a1)
    return d2[0], d1[0] * x[1]


def test_the_lessons_numbers_are_the_engines_and_the_drawings():
    numbers = lesson.lesson_numbers()
    d2, dW112 = seed_by_hand()
    assert numbers["seed_delta_2"] == f"{d2:.4f}".replace("-", "−")
    assert numbers["seed_dW_1_12"] == f"{dW112:.4f}".replace("-", "−")
    assert numbers["dead_relu_z"] == "−0.6000"  # by hand: −0.4·1 − 0.2·0.5 − 0.1
    assert numbers["seed_W2"] == "0.3, −0.2 and 0.5"
    # the drawing writes the same strings: δ above the output neuron, ∂ on the connection x₂ → hidden 1
    sim = preset("seed").simulation()
    sim.forward(), sim.backward_step(), sim.backward_step()
    scene = network_scene(sim.now, View(1000))
    labels = {t.text for t in scene.items if isinstance(t, Text)}
    assert f"δ {numbers['seed_delta_2']}" in labels and f"∂ {numbers['seed_dW_1_12']}" in labels
    # and the markers are replaced on the lesson, the teaching notes and the textbook's copy
    for page in ("index.md", "teaching-notes.md"):
        source = (lesson.PACKAGE.parent.parent / "site" / "sim" / page).read_text()
        for text in (lesson.expand(source), textbook.textbook_lesson(source)):
            assert "{{" not in text
    source = (lesson.PACKAGE.parent.parent / "site" / "sim" / "index.md").read_text()
    assert "{{ seed_dW_1_12 }}" in source and "{{ seed_delta_2 }}" in source  # generated, never typed


def test_the_symbol_key_explains_every_symbol_once():
    symbols = " ".join(s for s, _ in toolwords.SYMBOL_KEY)
    for s in ("a^[l]", "z^[l]", "W^[l]", "b^[l]", "δ^[l]", "⊙", "ŷ", "L", "σ"):
        assert s in symbols, s
    key = toolwords.symbol_key_html()
    assert key.count("<dt>") == len(toolwords.SYMBOL_KEY) and "a<sup style='font-size:inherit'>[l]</sup>" in key and "δ<sup style='font-size:inherit'>[l]</sup>" in key


def test_equations_write_parameters_as_set_and_computed_values_to_4_decimals():
    ctl = Controller()
    ctl.act("forward")
    z_line, a_line = mathtex.forward_numeric(ctl.sim.net, ctl.sim.now.forward, 1)
    assert r"\begin{bmatrix}0.5 & -0.3 \\ 0.2 & 0.4 \\ -0.1 & 0.6\end{bmatrix}" in z_line  # W^[1] as set
    assert z_line.endswith(r"= \begin{bmatrix}0.4500 \\ 0.3000 \\ 0.4000\end{bmatrix}")  # z^[1] = W x + b, by hand


def test_the_built_pages_use_one_notation_and_the_engines_numbers(site):
    numbers = lesson.lesson_numbers()
    pages = [p for p in sorted(site.rglob("*.html")) if p.relative_to(site).as_posix() not in ("sim/source.html",)]
    assert len(pages) >= 5
    for page in pages:
        text = page.read_text()
        text = re.sub(r"<(script|style|code|pre)\b.*?</\1>", " ", text, flags=re.S)  # code may index arrays
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
        assert not old_forms(text), (page, old_forms(text)[:3])
        assert "{{" not in text, page
    lesson_page = (site / "sim" / "index.html").read_text()
    notes = (site / "sim" / "teaching-notes.html").read_text()
    assert f"({numbers['seed_dW_1_12']})" in lesson_page and f"({numbers['seed_delta_2']})" in lesson_page
    assert numbers["seed_delta_2"] in notes and numbers["dead_relu_z"] in notes
