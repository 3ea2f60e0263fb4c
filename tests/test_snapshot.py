"""Issue 7: the page starts from the interpreter snapshot the build made (tools/snapshot.py),
over http and from file://, and starts the usual way, with no error, when the snapshot is
missing, damaged, refused or skipped to save data."""

import gzip

import pytest

import snapshot
from conftest import copy_site, wait_ready_or_error

pytestmark = pytest.mark.browser

SNAPSHOT_STATE = "window.backpropSim.snapshot"
RANDOM_DRAW = "window.backpropSim.pyodide.runPython('import random; random.random()')"


def test_the_build_wrote_a_gzipped_snapshot_of_this_pyodide(site):
    packed = (site / "sim" / "runtime" / snapshot.NAME).read_bytes()
    heap = gzip.decompress(packed)
    # Pyodide's snapshot header: its magic number, then the build id the loader checks
    assert len(heap) > 10_000_000
    assert int.from_bytes(heap[:4], "little") != 0
    build_id = (site / "sim" / "runtime" / "pyodide.js").read_text().split('BUILD_ID:"')[1].split('"')[0]
    # (eight little-endian 32-bit words, each holding 8 hex digits of the id)
    words = [int.from_bytes(heap[i:i + 4], "little") for i in range(16, 48, 4)]
    assert "".join(f"{w:08x}" for w in words) == build_id
    # it travels in a data script of its own too, for file:// and sandboxed iframes, and
    # only there: a page that skips the snapshot skips its bytes
    def names(script):
        text = (site / "sim" / "runtime" / script).read_text()
        return [line.split('"')[1] for line in text.splitlines() if line.startswith('"')]

    assert names(snapshot.DATA_SCRIPT) == [snapshot.NAME]
    assert snapshot.NAME not in names("offline-data.js")


def test_preload_list_leaves_out_numpy_our_package_and_the_javascript_side():
    core = ["sys", "os", "js", "pyodide"]
    after = core + ["numpy", "numpy.linalg", "backprop_sim.engine", "json", "json.decoder", "pyodide_js._api", "_pyodide._importhook", "tarfile"]
    assert snapshot.preload_list(core, after) == ["json", "json.decoder", "tarfile"]


def test_the_snapshot_is_made_again_when_the_runtime_or_our_package_changes(tmp_path):
    for name, data in [("pyodide.asm.wasm", b"wasm"), ("backprop_sim.zip", b"zip"), ("offline-data.js", b"data")]:
        (tmp_path / name).write_bytes(data)
    key = snapshot.cache_key(tmp_path)
    (tmp_path / "offline-data.js").write_bytes(b"made from the snapshot, not an input")
    assert snapshot.cache_key(tmp_path) == key
    (tmp_path / "backprop_sim.zip").write_bytes(b"edited package")
    assert snapshot.cache_key(tmp_path) != key


def test_a_build_can_leave_the_snapshot_out(tmp_path, monkeypatch):
    import runtime

    stale = [tmp_path / snapshot.NAME, tmp_path / snapshot.DATA_SCRIPT]
    for path in stale:
        path.write_bytes(b"from an earlier build")
    monkeypatch.setenv("BACKPROP_SNAPSHOT", "0")
    # in-process, beside the tests' own browser: no trimming boot (tests/test_runtime_size.py covers it)
    monkeypatch.setenv("BACKPROP_TRIM_STDLIB", "0")
    sizes = runtime.write_runtime(tmp_path)
    assert snapshot.NAME not in sizes
    assert not any(path.exists() for path in stale)
    assert (tmp_path / "offline-data.js").exists() and (tmp_path / "pyodide.asm.wasm").exists()


def test_page_starts_from_the_snapshot_over_http(visit, server):
    v = visit().assume_a_fast_link()
    page = v.open(server.url("sim/main.html"))
    assert page.evaluate(SNAPSHOT_STATE) == {"used": True}
    assert any(u.endswith("/sim/runtime/" + snapshot.NAME) for u in v.paths)
    # what the snapshot holds works: numpy on top of it, and the stdlib modules it preloaded
    assert page.evaluate("window.backpropSim.pyodide.runPython('import numpy, json; json.dumps(numpy.arange(3).tolist())')") == "[0, 1, 2]"
    assert page.evaluate("document.documentElement.dataset.numpyVersion") == "2.0.2"
    assert v.errors == []
    assert v.foreign_requests(server.origin) == []
    # a first visit asks no cache for it (a failed only-if-cached request is a console error)
    assert [line for line in v.console if "ERR_CACHE_MISS" in line or line.startswith("error")] == []


def test_page_starts_from_the_snapshot_from_file_url(visit, site):
    v = visit()
    page = v.open((site / "sim" / "main.html").as_uri())
    assert page.evaluate(SNAPSHOT_STATE) == {"used": True}
    assert v.errors == []


def test_each_page_draws_its_own_random_numbers(visit, server):
    """The snapshot froze one random state; the loader reseeds, so two learners differ."""
    draws = []
    for _ in range(2):
        page = visit().assume_a_fast_link().open(server.url("sim/main.html"))
        assert page.evaluate(SNAPSHOT_STATE)["used"] is True
        draws.append(page.evaluate(RANDOM_DRAW))
    assert draws[0] != draws[1]


def _from_another_build(site):
    heap = bytearray(gzip.decompress((site / "sim" / "runtime" / snapshot.NAME).read_bytes()))
    heap[16:48] = bytes(32)
    return gzip.compress(bytes(heap), compresslevel=1)


@pytest.mark.parametrize(
    "status,body,reason",
    [
        (404, b"missing", "HTTP 404"),
        (200, b"\x1f\x8b this is not a gzip stream", "was refused"),
        (200, b"ANOTHER BUILD", "build id mismatch"),
    ],
    ids=["missing", "damaged", "another-build"],
)
def test_without_a_usable_snapshot_python_starts_the_usual_way(visit, server, site, status, body, reason):
    if body == b"ANOTHER BUILD":
        body = _from_another_build(site)
    v = visit()
    v.page.route("**/" + snapshot.NAME + "*", lambda route: route.fulfill(status=status, body=body, content_type="application/octet-stream"))
    page = v.open(server.url("sim/main.html"))
    state = page.evaluate(SNAPSHOT_STATE)
    assert state["used"] is False
    assert reason in state["reason"]
    assert page.evaluate("document.documentElement.dataset.numpyVersion") == "2.0.2"
    assert not page.locator("#load-error").is_visible()
    assert v.errors == []
    # the simulation itself is whole
    page.evaluate("window.backpropSim.act('forward')")
    assert page.evaluate("window.backpropSim.state().phase") == "forward"


def test_data_saver_skips_the_snapshot(visit, server):
    v = visit()
    v.page.add_init_script("Object.defineProperty(navigator, 'connection', {value: {saveData: true, effectiveType: '4g'}})")
    page = v.open(server.url("sim/main.html"))
    state = page.evaluate(SNAPSHOT_STATE)
    assert state["used"] is False and "skipped" in state["reason"]
    assert not any(u.endswith(snapshot.NAME) for u in v.paths)


def test_from_file_url_without_the_snapshot_script_python_starts_the_usual_way(visit, site, tmp_path):
    copy = copy_site(site, tmp_path / "site", leave_out=(snapshot.DATA_SCRIPT,))
    v = visit()
    page = v.open((copy / "sim" / "main.html").as_uri())
    state = page.evaluate(SNAPSHOT_STATE)
    assert state["used"] is False and snapshot.NAME in state["reason"]
    assert not page.locator("#load-error").is_visible()
    assert v.errors == []


@pytest.mark.parametrize("save_data", [False, True])
def test_in_a_sandboxed_frame_the_snapshot_comes_from_its_data_script_unless_saving_data(visit, server, save_data):
    """Opaque origins read the runtime from data scripts; with data saver on, the snapshot's is
    never loaded."""
    v = visit()
    if save_data:
        v.page.add_init_script("Object.defineProperty(navigator, 'connection', {value: {saveData: true}})")
    v.page.set_content(f'<iframe sandbox="allow-scripts" src="{server.url("sim/main.html")}" width="1000" height="900"></iframe>')
    frame = v.page.frames[1]
    wait_ready_or_error(frame)
    assert frame.evaluate("document.documentElement.dataset.simError") is None
    assert frame.evaluate("window.backpropSim.snapshot.used") is (not save_data)
    assert any(u.endswith("offline-data.js") for u in v.paths)
    assert any(u.endswith(snapshot.DATA_SCRIPT) for u in v.paths) is (not save_data)
    assert not any(u.endswith(snapshot.NAME) for u in v.paths)
