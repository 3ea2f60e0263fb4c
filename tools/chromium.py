"""How every tool here starts Debian's Chromium: the tests, the benchmark and the build's
screenshot. Never --allow-file-access-from-files: it would hide the real file:// behaviour."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]
