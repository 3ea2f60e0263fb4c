// Service worker: keeps the site, Python runtime included, in this browser's cache, so a
// second visit starts from local copies and works with no network. http(s) only; the
// loader registers it after the simulation is ready, so it never slows a first visit.
// BUILD and FILES are written by the build (tools/mkdocs_hooks.py).
//
// One build at a time: runtime files are asked for as name?v=<content hash> by the loader
// of the page that needs them, so a new page never gets an old runtime from this cache (the
// versions differ, the cache misses, the network answers). Only the build's own files are
// ever stored, and only as this worker fetched them.
"use strict";
const BUILD = "__BUILD__";
const FILES = __FILES__;
const CACHE = "backprop-microsim-" + BUILD;
const SCOPE = new URL("./", self.location).href;
const OWN = new Set(FILES.map((f) => new URL(f, SCOPE).href));
// files whose address changes when they do: the cached copy is the right one
const IMMUTABLE = /\?v=[0-9a-f]+$|\/(assets\/katex|assets\/javascripts|assets\/stylesheets)\//;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll([...OWN])).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) =>
      Promise.all(names.filter((n) => n.startsWith("backprop-microsim-") && n !== CACHE).map((n) => caches.delete(n)))
    )
  );
});

function keep(url, response) {
  if (OWN.has(url) && response.ok && response.type === "basic") {
    const copy = response.clone();
    caches.open(CACHE).then((cache) => cache.put(url, copy));
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(SCOPE)) return;
  let url = request.url.split("#")[0];
  if (url.endsWith("/")) url += "index.html";
  if (IMMUTABLE.test(url)) {
    event.respondWith(caches.match(url).then((hit) => hit || fetch(request).then((response) => keep(url, response))));
    return;
  }
  // pages and their small files: the network when it answers, else the cached copy
  event.respondWith(
    fetch(request)
      .then((response) => keep(url, response))
      .catch(() => caches.match(url, { ignoreSearch: true }).then((hit) => hit || Response.error()))
  );
});
