"""How every tool here starts Debian's Chromium and serves it a folder: the tests, the
benchmark, the build's screenshot and its interpreter snapshot. Never
--allow-file-access-from-files: it would hide the real file:// behaviour."""

from __future__ import annotations

import functools
import gzip
import http.server
import sys
import threading
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]


def usable(without: str) -> bool:
    """Whether Playwright and Debian's Chromium are installed; if not, warns what the build
    goes without (`make test` installs both)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        print(f"warning: playwright missing, {without}", file=sys.stderr)
        return False
    if not Path(CHROMIUM).exists():
        print(f"warning: {CHROMIUM} missing (make test installs it), {without}", file=sys.stderr)
        return False
    return True


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # a page closed in the middle of a download (tests close pages mid-boot): not a failure
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


# What a static host like GitHub Pages compresses on the fly (text, scripts, JSON, wasm),
# and not: zip, wheels, the already gzipped snapshot.
GZIP_TYPES = ("text/", "application/javascript", "text/javascript", "application/json", "application/wasm", "image/svg+xml")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """The site's files, with what serve() was given: pages held in memory by path, folders
    under URL prefixes, PUT bodies handed on, headers added, gzip as a host sends it."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm", ".js": "text/javascript"}
    pages: dict[str, str] = {}
    mounts: dict[str, Path] = {}
    on_put = None
    gzip_like_a_host = False
    headers_added: dict[str, str] = {}
    compressed: dict[str, bytes] = {}  # each server's own (serve() gives it a new one)

    def log_message(self, *args):
        pass

    def translate_path(self, path):
        for prefix, folder in self.mounts.items():
            if path.startswith(prefix):
                return str(Path(folder) / path[len(prefix):].split("?")[0].split("#")[0])
        return super().translate_path(path)

    def do_GET(self):
        if self.path in self.pages:
            return self._send(self.pages[self.path].encode(), "text/html")
        if self.gzip_like_a_host and "gzip" in self.headers.get("Accept-Encoding", "") and self._send_gzipped():
            return None
        return super().do_GET()

    def _send_gzipped(self) -> bool:
        """GitHub Pages' answer for a compressible file: Content-Encoding gzip (False: not one)."""
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        kind = self.guess_type(str(path))
        if not (path.is_file() and kind.startswith(GZIP_TYPES)):
            return False
        key = str(path)
        if key not in self.compressed:
            self.compressed[key] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self._send(self.compressed[key], kind, {"Content-Encoding": "gzip", "Vary": "Accept-Encoding",
                                                "Last-Modified": self.date_time_string(int(path.stat().st_mtime))})
        return True

    def end_headers(self):
        if self.gzip_like_a_host:
            self.send_header("Cache-Control", "max-age=600")  # as GitHub Pages sends
        for name, value in self.headers_added.items():
            self.send_header(name, value)
        super().end_headers()

    def _send(self, body: bytes, kind: str, headers: dict | None = None):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        if self.on_put is None:
            return self.send_error(405)
        self.on_put(self.path, self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(204)
        self.end_headers()


def serve(directory: Path, pages: dict[str, str] | None = None, on_put=None, mounts: dict[str, Path] | None = None, gzip_like_a_host: bool = False,
          headers: dict[str, str] | None = None):
    """A threaded http server on 127.0.0.1 (a free port) for directory, plus pages held in
    memory by path (the benchmark's baseline, the snapshot's boot pages), other folders
    under URL prefixes (mounts: {"/_bare/": folder}), and, if on_put is given, PUT bodies
    handed to it; headers are added to every response (a host's policy). With gzip_like_a_host, answers as GitHub Pages does: Content-Encoding gzip
    for GZIP_TYPES when the browser accepts it. Returns (server, origin); server.shutdown()
    stops it."""
    handler = type("Handler", (_Handler,), {
        # pages stays the caller's own dict: a caller may add pages after the server starts
        "pages": pages if pages is not None else {}, "mounts": mounts or {}, "on_put": staticmethod(on_put) if on_put else None,
        "gzip_like_a_host": gzip_like_a_host, "headers_added": headers or {}, "compressed": {},
    })
    httpd = _Server(("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def wait_for(page, expression: str, timeout: float = 30_000, polling: float = 100):
    """Wait until a JavaScript expression (a Promise is awaited) is truthy in the page, and
    return its value. Asked through page.evaluate, which the pages' Content-Security-Policy
    allows; Playwright's wait_for_function evaluates a string in the page, which the policy
    (no 'unsafe-eval') rightly refuses."""
    import time

    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout / 1000:g} s for: {expression}")
        page.wait_for_timeout(polling)
