"""Issue 2: Python and numpy reach the page from the vendored, verified runtime, over http
and from file://, with progress shown, failures explained, and no request leaving the site."""

import hashlib
import json
import zipfile

import pytest

import runtime
from conftest import copy_site, wait_for, wait_ready_or_error

pytestmark = pytest.mark.browser


def test_ready_over_http_with_numpy_from_python(visit, server):
    v = visit()
    page = v.open(server.url("sim/main.html"))
    assert page.evaluate("document.documentElement.dataset.numpyVersion") == "2.0.2"
    assert "numpy 2.0.2" in page.locator("#runtime-info").inner_text()
    assert page.evaluate("window.backpropSim.ready.then(() => 'resolved')") == "resolved"
    # Python drew the network: the canvas is not blank
    assert page.evaluate(NON_BLANK) > 500
    assert v.foreign_requests(server.origin) == []
    assert v.errors == []
    # the runtime files came from the site itself, with no data script on http
    assert any(u.endswith("/sim/runtime/pyodide.asm.wasm") for u in v.paths)
    assert not any(u.endswith("offline-data.js") for u in v.paths)


def test_ready_from_file_url(visit, site):
    v = visit()
    page = v.open((site / "sim" / "main.html").as_uri())
    assert page.evaluate("document.documentElement.dataset.numpyVersion") == "2.0.2"
    assert page.evaluate(NON_BLANK) > 500
    assert v.foreign_requests(None) == []
    assert v.errors == []
    assert any(u.endswith("offline-data.js") for u in v.paths)


def test_progress_appears_then_goes(visit, server):
    v = visit()
    # every stage the page shows, and whether the progress bar was visible then, recorded in
    # the page as it happens (a fast boot may be past a stage before a test could look)
    v.page.add_init_script("""
      window.__stages = [];
      new MutationObserver(() => {
        const stage = document.documentElement.dataset.simStage;
        const bar = document.getElementById("progress");
        if (stage) window.__stages.push([stage, !!bar && !bar.hidden && bar.getClientRects().length > 0]);
      }).observe(document, {attributes: true, subtree: true, attributeFilter: ["data-sim-stage"]});
    """)
    v.page.goto(server.url("sim/main.html"))
    wait_ready_or_error(v.page)
    stages = v.page.evaluate("window.__stages")
    seen = [name for name, _ in stages]
    assert {"Downloading Python", "Starting Python", "Loading numpy", "Starting the simulation"} <= set(seen)
    assert all(visible for name, visible in stages if name != "Ready"), stages
    assert not v.page.locator("#progress").is_visible()
    timings = v.page.evaluate("window.backpropSim.timings")
    assert set(timings) >= {"Downloading Python", "Starting Python", "Loading numpy", "Starting the simulation", "Ready"}


@pytest.mark.parametrize(
    "pattern,body,expect",
    [
        ("**/pyodide.asm.wasm*", None, "pyodide.asm.wasm"),
        ("**/python_stdlib.zip*", None, "python_stdlib.zip"),
        ("**/backprop_sim.zip*", None, "backprop_sim.zip"),
        ("**/numpy-2.0.2-*.whl*", b"not a wheel at all", "numpy"),
    ],
)
def test_missing_or_corrupted_runtime_file_shows_an_error_not_a_hang(visit, server, pattern, body, expect):
    v = visit()
    if body is None:
        v.page.route(pattern, lambda route: route.fulfill(status=404, body="missing"))
    else:
        v.page.route(pattern, lambda route: route.fulfill(status=200, body=body, content_type="application/zip"))
    v.page.goto(server.url("sim/main.html"))
    wait_for(v.page, "!!document.documentElement.dataset.simError", timeout=60_000)
    message = v.page.locator("#load-error").inner_text()
    assert expect in message
    assert v.page.locator("#load-error").is_visible()
    assert not v.page.locator("#progress").is_visible()
    assert v.page.evaluate("window.backpropSim.ready.then(() => 'resolved', e => 'rejected: ' + e.message)").startswith("rejected")


def test_missing_data_script_from_file_names_the_file(visit, site, tmp_path):
    copy = copy_site(site, tmp_path / "site", leave_out=("offline-data.js",))
    v = visit()
    v.page.goto((copy / "sim" / "main.html").as_uri())
    wait_for(v.page, "!!document.documentElement.dataset.simError", timeout=60_000)
    message = v.page.evaluate("document.documentElement.dataset.simError")
    assert "offline-data.js" in message and "Download" in message


def test_corrupted_wheel_in_the_data_script_fails_its_integrity_check(visit, site, tmp_path):
    copy = copy_site(site, tmp_path / "site")
    data = copy / "sim" / "runtime" / "offline-data.js"
    text = data.read_text()
    start = text.index('"numpy-2.0.2')
    b64 = text.index('b64: "', start) + len('b64: "')
    data.write_text(text[:b64] + ("QUFB" if text[b64:b64 + 4] != "QUFB" else "QkJC") + text[b64 + 4:])
    v = visit()
    v.page.goto((copy / "sim" / "main.html").as_uri())
    wait_for(v.page, "!!document.documentElement.dataset.simError", timeout=90_000)
    message = v.page.evaluate("document.documentElement.dataset.simError")
    assert "numpy-2.0.2" in message and "sha256 does not match" in message


NON_BLANK = """(() => {
  const c = document.getElementById('network');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  let ink = 0;
  for (let i = 0; i < d.length; i += 16) {
    seen.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2]);
    if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) ink++;
  }
  return seen.size > 5 ? ink : 0;
})()"""


# ---------------------------------------------------------------- the build's supply chain

def test_built_runtime_matches_the_lock_file(site):
    lock = json.loads((site / "sim" / "runtime" / "pyodide-lock.json").read_text())
    entry = lock["packages"]["numpy"]
    wheel = site / "sim" / "runtime" / entry["file_name"]
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == entry["sha256"]
    assert lock["info"]["version"] == "0.27.7"
    assert not (site / "sim" / "runtime" / "pyodide.mjs").exists()


def test_a_wheel_with_the_wrong_hash_stops_the_build(tmp_path, monkeypatch):
    entry = runtime.numpy_entry()
    fake = tmp_path / entry["file_name"]
    fake.write_bytes(b"tampered")
    monkeypatch.setattr(runtime, "CACHE_DIR", tmp_path)
    with pytest.raises(runtime.BuildError) as err:
        runtime.numpy_wheel()
    text = str(err.value)
    assert entry["file_name"] in text and entry["sha256"] in text
    assert hashlib.sha256(b"tampered").hexdigest() in text


def test_the_package_zip_holds_the_python_sources():
    with zipfile.ZipFile(__import__("io").BytesIO(runtime.package_zip())) as z:
        names = set(z.namelist())
    assert {"backprop_sim/engine.py", "backprop_sim/painter.py", "backprop_sim/scene/__init__.py", "backprop_sim/scene/network.py"} <= names
