// Boots Python in the page: Pyodide (from the build's interpreter snapshot when it can),
// numpy, then the backprop_sim package, whose painter.start() takes over the page. Classic
// script on purpose: pages opened from a downloaded folder (file://) may not import ES
// modules or fetch(); there, and in sandboxed iframes with an opaque origin, a generated
// data script answers Pyodide's fetches.
(function () {
  "use strict";
  var script = document.currentScript;
  var RUNTIME = new URL("runtime/", script.src).href;
  var root = document.documentElement;
  var needsData = location.protocol === "file:" || window.origin === "null";
  // a sandboxed frame (an opaque origin over http): fonts embedded in a stylesheet, as the
  // browser refuses it KaTeX's font files (main.html, #katex-fonts)
  var embeddedFonts = document.getElementById("katex-fonts");
  if (embeddedFonts && window.origin === "null" && /^https?:$/.test(location.protocol)) embeddedFonts.disabled = false;
  var SNAPSHOT = "python-snapshot.bin";
  var SNAPSHOT_DATA = "offline-snapshot.js"; // the snapshot for file:// and opaque origins
  // Each runtime file's content hash, written by the build (tools/mkdocs_hooks.py). Asked for
  // as name?v=hash over http(s), a page and its runtime are always of one build: a service
  // worker or HTTP cache holding another build's file misses, and the network answers.
  var VERSIONS = {} /*RUNTIME_VERSIONS*/;
  var versioning = /^https?:$/.test(location.protocol);

  var api = (window.backpropSim = window.backpropSim || {});
  var settle = {};
  api.ready = new Promise(function (resolve, reject) {
    settle.resolve = resolve;
    settle.reject = reject;
  });
  api.ready.catch(function () {}); // failure is shown in the page, not as an unhandled rejection
  api.framed = window.self !== window.top;

  var progress = document.getElementById("progress");
  var progressBar = progress && progress.querySelector("progress");
  var progressText = progress && progress.querySelector(".progress-text");
  var started = performance.now();
  api.timings = {};

  function stage(text, fraction) {
    api.timings[text] = Math.round(performance.now() - started);
    root.dataset.simStage = text;
    if (progressText) progressText.textContent = text + "…";
    if (progressBar) progressBar.value = fraction;
  }

  var done = false;
  function fail(what, advice) {
    if (done) return;
    done = true;
    var message = what + (advice ? " " + advice : "");
    root.dataset.simError = message;
    delete root.dataset.simStage;
    if (progress) progress.hidden = true;
    var box = document.getElementById("load-error");
    if (box) {
      box.querySelector(".load-error-text").textContent = message;
      box.hidden = false;
    }
    settle.reject(new Error(message));
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement("script");
      el.src = versioned(src);
      el.onload = resolve;
      el.onerror = function () {
        reject(new MissingFile(src));
      };
      document.head.appendChild(el);
    });
  }

  function MissingFile(url, reason) {
    this.url = url;
    this.message = "Could not load " + url.split("/").pop() + (reason ? " (" + reason + ")." : ".");
  }

  function decode(b64) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(b64);
    var text = atob(b64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  }

  function toBase64(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  }

  // fetch() is given a string, a URL or a Request
  function urlOf(resource) {
    return typeof resource === "string" ? resource : resource instanceof URL ? resource.href : resource.url;
  }

  // a runtime file's address with its build's version (unchanged for other addresses)
  function versioned(url) {
    var absolute = new URL(url, location.href).href;
    if (!versioning || absolute.indexOf(RUNTIME) !== 0 || absolute.indexOf("?") >= 0) return url;
    var hash = VERSIONS[absolute.slice(RUNTIME.length)];
    return hash ? absolute + "?v=" + hash : url;
  }

  // The package's bytes, if they are this build's (VERSIONS holds the start of their sha256): a
  // static host ignores ?v=, so an old page (from an HTTP cache) may be sent a new package
  function ofThisBuild(name) {
    return function (bytes) {
      if (!VERSIONS[name] || !window.crypto || !crypto.subtle) return bytes; // not stamped (a dev server), or no crypto (file://)
      return crypto.subtle.digest("SHA-256", bytes).then(function (digest) {
        var hex = Array.prototype.map.call(new Uint8Array(digest), function (b) { return (b + 256).toString(16).slice(1); }).join("");
        if (hex.indexOf(VERSIONS[name]) !== 0) {
          throw new MissingFile(RUNTIME + name, "it comes from another build of the site than this page: an update is arriving, reload the page");
        }
        return bytes;
      });
    };
  }

  // Pyodide fetches its own files (wasm, stdlib, lock file, wheels): versioned here too
  function versionFetches() {
    var inner = window.fetch;
    window.fetch = function (resource, init) {
      var url = urlOf(resource);
      var target = versioned(url);
      if (target === url) return inner(resource, init);
      if (typeof resource === "string" || resource instanceof URL) return inner(target, init);
      return inner(new Request(target, resource), init);
    };
  }

  // A Response for bytes the loader holds (from the data script, or fetched early), checked
  // against the {integrity: "sha256-…"} Pyodide passes for a wheel, as fetch itself would.
  function respond(body, type, init, resource) {
    var integrity = (init && init.integrity) || (resource && resource.integrity) || "";
    var check = Promise.resolve();
    if (integrity.indexOf("sha256-") === 0 && window.crypto && crypto.subtle) {
      check = crypto.subtle.digest("SHA-256", body).then(function (digest) {
        if ("sha256-" + toBase64(new Uint8Array(digest)) !== integrity) {
          throw new TypeError("its sha256 does not match pyodide-lock.json: the file is damaged");
        }
      });
    }
    return check.then(function () {
      return new Response(body, { status: 200, headers: { "Content-Type": type } });
    });
  }

  // The runtime file name a fetched URL names, or null for any other URL.
  function runtimeName(resource) {
    var absolute = new URL(urlOf(resource), location.href).href;
    return absolute.indexOf(RUNTIME) === 0 ? absolute.slice(RUNTIME.length).split(/[?#]/)[0] : null;
  }

  // Answer fetches of runtime files from the data script. Pyodide passes strings, URL objects
  // or Requests.
  function installFetchShim(files) {
    var realFetch = window.fetch ? window.fetch.bind(window) : null;
    window.fetch = function (resource, init) {
      var name = runtimeName(resource);
      var entry = name && files[name];
      if (!entry) {
        if (name) return Promise.reject(new MissingFile(RUNTIME + name));
        return realFetch ? realFetch(resource, init) : Promise.reject(new TypeError("fetch is not available"));
      }
      if (!entry.bytes) entry.bytes = decode(entry.b64);
      return respond(entry.bytes, entry.meta.type, init, resource);
    };
  }

  // Runtime files the loader fetched before Pyodide asked for them (the interpreter's wasm and
  // standard library at once, the lock file, the numpy wheel while the interpreter starts):
  // Pyodide's own fetch is answered from here. The wasm is handed over as the response itself,
  // so that Pyodide still compiles it while it streams in.
  var early = {};
  function fetchEarly(name, asResponse) {
    var url = RUNTIME + name;
    early[name] = fetch(url).then(function (response) {
      if (!response.ok) throw new MissingFile(url, "HTTP " + response.status);
      if (asResponse) return { response: response };
      return response.arrayBuffer().then(function (bytes) {
        return { bytes: bytes, type: response.headers.get("Content-Type") || "application/octet-stream" };
      });
    });
    early[name].catch(function () {});
    return early[name];
  }
  function answerEarly() {
    var inner = window.fetch;
    window.fetch = function (resource, init) {
      var name = runtimeName(resource);
      var pending = name && early[name];
      if (!pending) return inner(resource, init);
      delete early[name]; // once: a second fetch goes to the network
      return pending.then(function (file) {
        return file.response || respond(file.bytes, file.type, init, resource);
      });
    };
  }

  // numpy's wheel is needed only once the interpreter runs: it downloads after the
  // interpreter's own files (so they arrive no later) and while the interpreter starts.
  function prefetchWheelAfter(names, lock) {
    if (!window.PerformanceObserver) return;
    var waiting = names.map(function (name) {
      return versioned(RUNTIME + name); // as the timeline names them
    });
    var started = false;
    function start() {
      if (started) return;
      started = true;
      observer.disconnect();
      lock.then(function (file) {
        var entry = JSON.parse(new TextDecoder().decode(file.bytes)).packages.numpy;
        fetchEarly(entry.file_name);
      }).catch(function () {}); // Pyodide then fetches it itself, and reports a failure
    }
    var observer = new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (entry) {
        var i = waiting.indexOf(entry.name);
        if (i >= 0) waiting.splice(i, 1);
      });
      if (!waiting.length) start();
    });
    observer.observe({ type: "resource", buffered: true });
    return start; // to start it anyway (a file that never shows in the timeline)
  }

  // Every runtime file is needed: the first one that fails to arrive ends the boot at once,
  // with its name (Pyodide itself may wait forever on a missing wasm).
  var failedFile = null;
  var abort;
  var aborted = new Promise(function (_, reject) {
    abort = reject;
  });
  function watchFetch() {
    var inner = window.fetch;
    function failed(url, reason) {
      if (failedFile) return;
      failedFile = new URL(url, location.href).href;
      abort(new MissingFile(failedFile, reason));
    }
    window.fetch = function (resource, init) {
      var url = urlOf(resource);
      return inner(resource, init).then(
        function (response) {
          if (!response.ok) failed(url, "HTTP " + response.status);
          return response;
        },
        function (error) {
          failed(url, error && error.message);
          throw error;
        }
      );
    };
    return function unwatch() {
      window.fetch = inner;
    };
  }

  // The interpreter's memory as the build left it (tools/snapshot.py): with it the page skips
  // starting Python. Optional: when it is missing, damaged, refused or not worth its bytes,
  // Python starts the usual way and api.snapshot says why.
  function snapshotRefusal() {
    var connection = navigator.connection;
    if (location.protocol !== "file:" && connection && (connection.saveData || /^(slow-2g|2g|3g)$/.test(connection.effectiveType || ""))) {
      return "skipped to save data: the connection is slow or in data-saver mode";
    }
    if (typeof DecompressionStream === "undefined") return "skipped: this browser has no DecompressionStream";
    return null;
  }

  // Its 6 MB save ~1.5 s of work on this machine's kind of CPU, so over the network it pays
  // only on a fast link (above ~30 Mbit/s; a school's is ~10). The link is measured on
  // pyodide.asm.js, the first big file (bytes over the time its body took to arrive).
  // A file from this browser's cache (transferSize 0, or only the headers of a 304) says
  // nothing of the link: then the snapshot is taken only if it is cached too (a returning
  // visitor on a slow link would otherwise download it in the middle of a start).
  var FAST_LINK = 4e6; // bytes per second
  function linkSpeed() {
    var entry = performance.getEntriesByName(versioned(RUNTIME + "pyodide.asm.js"))[0];
    if (!entry) return null; // no timing at all (an old browser): take it, as before
    if (!entry.encodedBodySize || entry.transferSize <= entry.encodedBodySize) return 0;
    return entry.encodedBodySize / Math.max(1, entry.responseEnd - entry.responseStart) * 1000;
  }

  function readSnapshot(response) {
    if (!response.ok) throw new Error("HTTP " + response.status);
    // inflated while Pyodide downloads and compiles its WebAssembly (it awaits
    // _loadSnapshot only after starting those)
    var bytes = new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
    bytes.then(function () {
      api.timings["snapshot inflated"] = Math.round(performance.now() - started);
    }, function () {});
    return { bytes: bytes };
  }

  // Asked only of a browser that has been here (pyodide.asm.js came from its cache, or a service
  // worker answers): on a first visit the question can only fail, and Chromium logs each failed
  // only-if-cached request in the console as ERR_CACHE_MISS, an error a teacher would ask about.
  function cachedCopy(url, fetch) {
    var returning = linkSpeed() === 0 || !!(navigator.serviceWorker && navigator.serviceWorker.controller);
    if (!returning) return Promise.reject(new Error("a first visit"));
    return fetch(url, { cache: "only-if-cached", mode: "same-origin" }).then(function (response) {
      if (response.ok) return response;
      throw new Error("not cached");
    });
  }

  function loadSnapshot(refusal, fetch) {
    if (refusal) return Promise.resolve({ reason: refusal });
    var url = RUNTIME + SNAPSHOT;
    var reading = needsData
      ? fetch(url)
      // a copy this browser already holds (the service worker's, or the HTTP cache's) is always worth it
      : cachedCopy(url, fetch)
          .catch(function () {
            var speed = linkSpeed();
            if (speed === 0) throw { skip: "skipped: not in this browser's cache, and the link could not be measured" };
            if (speed !== null && speed < FAST_LINK) {
              throw { skip: "skipped on a slow link (" + (speed * 8e-6).toFixed(1) + " Mbit/s measured): cheaper to start Python than to download it; kept for the next visit" };
            }
            return fetch(url);
          });
    return reading.then(readSnapshot).catch(function (error) {
      return { reason: error && error.skip ? error.skip : SNAPSHOT + " could not be read: " + ((error && error.message) || error) };
    });
  }

  async function startPython(snapshot) {
    var options = { indexURL: RUNTIME, fullStdLib: false };
    if (snapshot.bytes) {
      try {
        var pyodide = await window.loadPyodide(Object.assign({ _loadSnapshot: snapshot.bytes }, options));
        // the snapshot's random state is the same in every browser: draw a fresh one
        pyodide.runPython("import random; random.seed()");
        api.snapshot = { used: true };
        return pyodide;
      } catch (error) {
        if (failedFile) throw error;
        snapshot.reason = SNAPSHOT + " was refused: " + String((error && error.message) || error).split("\n")[0];
      }
    }
    api.snapshot = { used: false, reason: snapshot.reason };
    if (window.console) console.info("backprop_sim: starting Python without the snapshot (" + snapshot.reason + ")");
    return window.loadPyodide(options);
  }

  async function boot() {
    stage("Downloading Python", 0.05);
    versionFetches();
    var refusal = snapshotRefusal();
    if (needsData) {
      // the snapshot's data script is optional: without it Python starts the usual way
      var snapshotData = refusal ? null : loadScript(RUNTIME + SNAPSHOT_DATA).catch(function () {});
      await loadScript(RUNTIME + "offline-data.js");
      await snapshotData;
      installFetchShim(Object.assign({}, window.backpropRuntimeData, window.backpropSnapshotData));
    } else {
      answerEarly();
      // the interpreter's two big files start now, not once pyodide.asm.js has arrived and run
      // (1.2 MB of script: seconds on a slow laptop's CPU, with the link idle meanwhile)
      fetchEarly("pyodide.asm.wasm", true);
      fetchEarly("python_stdlib.zip");
      var startWheel = prefetchWheelAfter(["pyodide.asm.wasm", "python_stdlib.zip"], fetchEarly("pyodide-lock.json"));
    }
    var unwatchedFetch = window.fetch; // for the snapshot: a missing one is not a missing runtime file
    var unwatch = watchFetch();
    // our package downloads while the interpreter starts
    var packageZip = fetch(RUNTIME + "backprop_sim.zip").then(function (response) {
      if (!response.ok) throw new MissingFile(RUNTIME + "backprop_sim.zip", "HTTP " + response.status);
      return response.arrayBuffer().then(ofThisBuild("backprop_sim.zip"));
    });
    packageZip.catch(function () {});
    // pyodide.asm.js as a classic script too, so loadPyodide never imports it as a module
    await Promise.all([loadScript(RUNTIME + "pyodide.js"), loadScript(RUNTIME + "pyodide.asm.js")]);
    stage("Starting Python", 0.35);
    var snapshot = loadSnapshot(refusal, unwatchedFetch);
    var pyodide = await startPython(await snapshot);
    if (startWheel) startWheel();
    stage("Loading numpy", 0.65);
    var numpyFailed = null;
    await pyodide.loadPackage("numpy", {
      messageCallback: function () {},
      errorCallback: function (text) {
        numpyFailed = text;
      },
    });
    if (!pyodide.loadedPackages.numpy) {
      throw new MissingFile(RUNTIME + "numpy (" + (numpyFailed || "the wheel did not load") + ")");
    }
    stage("Starting the simulation", 0.85);
    pyodide.unpackArchive(await packageZip, "zip", { extractDir: "/home/pyodide/app" });
    pyodide.runPython("import sys; sys.path.insert(0, '/home/pyodide/app')");
    unwatch();
    api.pyodide = pyodide;
    if (done) return;
    var painter = pyodide.pyimport("backprop_sim.painter");
    api.timings["Python package imported"] = Math.round(performance.now() - started);
    painter.start(api);
    done = true;
    stage("Ready", 1);
    api.timings.total = Math.round(performance.now() - started);
    api.readyAt = performance.now(); // since navigation: the benchmark's "time to interactive"
    if (progress) progress.hidden = true;
    delete root.dataset.simStage;
    root.dataset.simReady = "true";
    settle.resolve(api);
    registerServiceWorker();
  }

  // After the first visit is ready (never during it), keep the site in this browser's cache.
  // Only where our own site serves sw.js (main.html's data-service-worker): the drop-in folder
  // and the SCORM package leave it out (tools/downloads.py), so a textbook or an LMS is never asked for it.
  function registerServiceWorker() {
    var worker = script.dataset.serviceWorker;
    if (!worker || !/^https?:$/.test(location.protocol) || window.origin === "null") return;
    try {
      if (!navigator.serviceWorker) return;
      var url = new URL(worker, script.src);
      navigator.serviceWorker.register(url.href, { scope: new URL("./", url).href }).catch(function () {});
    } catch (e) {
      /* storage blocked: the site works without it */
    }
  }

  Promise.race([boot(), aborted]).catch(function (error) {
    if (!(error instanceof MissingFile) && failedFile) error = new MissingFile(failedFile);
    if (error instanceof MissingFile) {
      fail(
        error.message,
        location.protocol === "file:"
          ? "The downloaded folder is incomplete: " + error.url.replace(/^file:\/\//, "") + " is missing or damaged. Download and unzip the whole site again."
          : "Check your connection and reload the page; if it persists, the site is missing this file."
      );
    } else {
      var text = String((error && error.message) || error).trim().split("\n").pop();
      fail("The simulation could not start: " + text, "Reload the page to try again.");
    }
  });
})();
