// Service worker: keeps the site, Python runtime included, in this browser's cache, so a
// second visit starts from local copies and works with no network. http(s) only; the
// loader registers it after the simulation is ready, so it never slows a first visit.
// BUILD and FILES are written by the build (tools/mkdocs_hooks.py).
"use strict";
const BUILD = "__BUILD__";
const FILES = __FILES__;
const CACHE = "backprop-microsim-" + BUILD;
const SCOPE = new URL("./", self.location).href;
// the runtime and other build-stamped files never change within a build: cache first
const IMMUTABLE = /\/(sim\/runtime|assets\/katex|assets\/javascripts|assets\/stylesheets)\//;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(FILES.map((f) => new URL(f, SCOPE).href))).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) =>
      Promise.all(names.filter((n) => n.startsWith("backprop-microsim-") && n !== CACHE).map((n) => caches.delete(n)))
    )
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(SCOPE)) return;
  const url = request.url.split("#")[0];
  if (IMMUTABLE.test(url)) {
    event.respondWith(caches.match(url, { ignoreSearch: true }).then((hit) => hit || fetch(request)));
    return;
  }
  // pages and their small files: the network when it answers, else the cached copy
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && response.type === "basic") {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url, copy));
        }
        return response;
      })
      .catch(() => caches.match(url, { ignoreSearch: true }).then((hit) => hit || Response.error()))
  );
});
