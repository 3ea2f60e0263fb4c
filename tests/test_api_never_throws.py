"""window.backpropSim never throws (issue 25, item 5): a fuzz of argument counts and types,
getters that throw, Proxies, cycles, huge arrays and strings, in the page. Each call comes back
as a value (a refusal has `error` and `message`), quickly, and the error panel stays closed."""

from __future__ import annotations

import pytest

from conftest import act, state

FUZZ = r"""() => {
  const hostile = () => [
    undefined, null, 0, -1, 1e308, NaN, Infinity, "", "x", "forward", "lr", true,
    [], [1, 2], {}, { name: "x" }, () => 1, Symbol("s"),
    { toString() { throw 1; } },
    { get x() { throw new Error("getter"); } },
    new Proxy({}, { ownKeys() { throw new Error("trap"); }, get() { throw new Error("trap"); } }),
    (() => { const o = {}; o.self = o; return o; })(),
    (() => { let a = []; for (let i = 0; i < 100000; i++) a = [a]; return a; })(),
    new Array(1e7), "x".repeat(200001), document.body, window,
  ];
  const results = [];
  for (const name of ["act", "state", "link", "svg", "frameStats"]) {
    const values = hostile();
    const lists = [[]];
    for (const a of values) lists.push([a]);
    for (const a of values) lists.push(["lr", a]);
    for (const a of values) lists.push([a, 0.1]);
    lists.push(["x", 1, 2], ["forward", null, null, null]);
    for (const args of lists) {
      const started = performance.now();
      let threw = null, out;
      try { out = window.backpropSim[name](...args); } catch (e) { threw = String(e).slice(0, 200); }
      results.push({
        name, argc: args.length, kinds: args.map((a) => Array.isArray(a) ? "array" + a.length : typeof a),
        threw, ms: performance.now() - started,
        error: out && typeof out === "object" && out.error ? String(out.error) : null,
        message: out && typeof out === "object" && out.message ? String(out.message) : null,
      });
    }
  }
  return results;
}"""


@pytest.fixture
def page(sim):
    act(sim, "reset")
    return sim


def test_no_call_throws_or_opens_the_error_panel_and_each_refusal_says_why(page):
    results = page.evaluate(FUZZ)
    assert len(results) > 400
    assert [r for r in results if r["threw"]] == []
    assert page.evaluate("document.getElementById('error-panel').hidden")
    # too many arguments: refused, saying how many the call takes
    assert "takes no arguments" in next(r["error"] for r in results if r["name"] == "state" and r["argc"] == 1)
    assert "at most 2" in next(r["error"] for r in results if r["name"] == "act" and r["argc"] == 3)
    # the huge array and string are refused by their size, before Python, in well under a second
    huge = [r for r in results if r["name"] == "act" and r["argc"] == 2 and r["kinds"][1] in ("array10000000", "string")
            and r["error"] and "100000" in r["error"]]
    assert len(huge) >= 2, [r for r in results if r["name"] == "act" and r["argc"] == 2 and r["kinds"][1].startswith("array1")]
    assert max(r["ms"] for r in huge) < 1000
    # a name that is not a string is named as the problem
    assert any("name (a string)" in (r["message"] or "") for r in results if r["name"] == "act" and r["kinds"][:1] == ["object"])


def test_after_the_fuzz_the_api_still_works_and_a_refused_value_changed_nothing(page):
    page.evaluate(FUZZ)
    act(page, "reset")
    before = state(page)["learning_rate"]
    out = page.evaluate("window.backpropSim.act('lr', new Array(1e7))")
    assert "100000" in out["message"] and state(page)["learning_rate"] == before
    assert act(page, "lr", 0.25)["learning_rate"] == 0.25
    assert act(page, "forward")["phase"] == "forward"
    assert page.evaluate("window.backpropSim.link()").startswith("http")
    assert page.errors == []
