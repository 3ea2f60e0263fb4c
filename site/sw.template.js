// Service worker: keeps the site, Python runtime included, in this browser's cache, so a
// second visit starts from local copies and works with no network. http(s) only; the
// loader registers it after the simulation is ready, so it never slows a first visit.
// BUILD and FILES are written by the build (tools/mkdocs_hooks.py).
//
// One build at a time, whole (issue 25): on install every file is fetched past the HTTP
// cache (cache: "reload"; a host's max-age=600 would otherwise hand this build's cache the
// last build's pages) and checked against the sha256 the build wrote beside its address; a
// file that is not this build's fails the install, and the old worker and its cache stay.
// Online, pages and their small files are revalidated (cache: "no-cache"), so a page never
// comes from the HTTP cache beside another build's files. Runtime files are asked for as
// name?v=<content hash>, and the loader checks the package's hash as well.
"use strict";
const BUILD = "__BUILD__";
const FILES = __FILES__; // {address relative to this worker: sha256 of its bytes}
const CACHE = "backprop-microsim-" + BUILD;
const SCOPE = new URL("./", self.location).href;
const SHA256 = new Map(Object.entries(FILES).map(([f, sha]) => [new URL(f, SCOPE).href, sha]));
const OWN = new Set(SHA256.keys());
// files whose address changes when they do: the cached copy is the right one
const IMMUTABLE = /\?v=[0-9a-f]+$|\/(assets\/katex|assets\/javascripts|assets\/stylesheets)\//;

async function hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

// this build's file, from the server itself (a second try past any cache at all), or an error
async function fetchWhole(url) {
  for (const cache of ["reload", "no-store"]) {
    const response = await fetch(url, { cache });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    if ((await hex(await response.clone().arrayBuffer())) === SHA256.get(url)) return response;
  }
  throw new Error(`${url} is not this build's file (the server sends another build)`);
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const queue = [...OWN];
    const worker = async () => {
      for (let url = queue.shift(); url; url = queue.shift()) await cache.put(url, await fetchWhole(url));
    };
    try {
      await Promise.all([worker(), worker(), worker(), worker()]); // four at a time: the runtime's files are large
    } catch (error) {
      await caches.delete(CACHE); // never half a build: the worker before this one stays
      throw error;
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) =>
      Promise.all(names.filter((n) => n.startsWith("backprop-microsim-") && n !== CACHE).map((n) => caches.delete(n)))
    )
  );
});

// a copy of this build's file from the network, stored; another build's (a newer deploy) is not
function keep(url, response) {
  if (OWN.has(url) && response.ok && response.type === "basic") {
    const copy = response.clone();
    copy.clone().arrayBuffer().then(hex).then((sha) => sha === SHA256.get(url) && caches.open(CACHE).then((cache) => cache.put(url, copy)))
      .catch(() => {});
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
  // (revalidated: an HTTP cache's copy may be another build's; a navigation's Request cannot be
  // given another cache mode, so its address is fetched)
  event.respondWith(
    fetch(request.mode === "navigate" ? url : request, { cache: "no-cache" })
      // a page the server no longer sends (an error): this build's copy, if there is one
      .then((response) => response.ok ? keep(url, response) : caches.match(url, { ignoreSearch: true }).then((hit) => hit || response))
      .catch(() => caches.match(url, { ignoreSearch: true }).then((hit) => hit || Response.error()))
  );
});
