// The "Edit the MicroSim" page: a CodeMirror editor beside the live simulation (an iframe).
// The code goes to the simulation's Python by postMessage; the simulation answers with
// whether it ran and what the gradient check found. Edits persist in this browser.
// The simulation runs in a sandboxed frame (sandbox="allow-scripts": an opaque origin), so the
// learner's code cannot reach this site's storage, caches, cookies or service worker, nor
// navigate this page; its messages are taken only from that frame's window with the opaque
// origin "null" (which cannot be named as a target: "*", to that one window, whose address the
// page's frame-src 'self' keeps on this site). "Use the original" starts a fresh frame, so
// nothing the code patched survives. A watchdog pings the frame: one that stops answering is
// replaced, and the learner told. Saved code that did not finish is never run again by itself.
(function () {
  "use strict";
  var KEY = "backprop-microsim:rules.py";
  var PENDING = "backprop-microsim:rules-running"; // set while saved code runs; left behind if it never finished
  var ASIDE = "backprop-microsim:rules.py:set-aside"; // the saved code "#original" or a reset replaced
  var ORIGINAL = window.backpropRulesSource;
  var STALL_MS = 5000; // a frame silent this long has frozen (a Run may take 3 s, editing.RUN_BUDGET_S, and its check)
  var ANSWER_MS = 10000; // a Run's result comes by then, or the frame is broken
  var frame = document.getElementById("sim");
  // From file:// Chromium lets a sandboxed frame load no file at all ("Not allowed to load local
  // resource"), and there the page has no caches, service worker or cookies a learner's code could
  // reach: the simulation runs unsandboxed there, and the watchdog and the fresh frame still hold.
  if (location.protocol === "file:") frame.removeAttribute("sandbox");
  frame.src = frame.dataset.src;
  var learnerCode = false; // the frame has run the learner's code: the original needs a fresh one
  var text = document.getElementById("result-text");
  var tb = document.getElementById("result-traceback");
  var list = document.getElementById("result-checks");
  var saved = document.getElementById("saved");
  var recover = document.getElementById("recover");
  var ready = false;

  function storage(fn) {
    try { return fn(localStorage); } catch (e) { return null; } // storage blocked: nothing is kept
  }
  function stored() {
    return storage(function (s) { return s.getItem(KEY); });
  }
  // what "#original" or "Reset to original" replaced, one step back: a link can never lose it
  function setAside() {
    var code = stored();
    if (code) storage(function (s) { s.setItem(ASIDE, code); });
  }
  // edit.html#original: a plain link that sets the saved code aside before any of it can run
  if (location.hash === "#original") {
    setAside();
    storage(function (s) { s.removeItem(KEY); s.removeItem(PENDING); });
    try { history.replaceState(null, "", location.pathname + location.search); } catch (e) { /* sandboxed */ }
  }
  var unfinished = !!stored() && storage(function (s) { return s.getItem(PENDING); }) !== null;
  function store(code) {
    try {
      if (code === ORIGINAL) localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, code);
      saved.textContent = code === ORIGINAL ? "" : "Your edit is saved in this browser.";
    } catch (e) {
      saved.textContent = "This browser does not keep edits here (storage is blocked).";
    }
  }

  var editor = window.BackpropEditor.create(document.getElementById("editor"), stored() || ORIGINAL, {
    run: run,
    change: store,
  });

  function send(source) {
    // the mark stays while the learner's code lives in the frame, and is cleared only when this
    // visit ends with the frame still answering: code that freezes the page later (a timer, a
    // callback) leaves it behind, and the next visit asks first
    if (source) storage(function (s) { s.setItem(PENDING, "1"); });
    learnerCode = learnerCode || !!source;
    asked = Date.now();
    frame.contentWindow.postMessage({ type: "backprop-rules", source: source }, "*");
  }
  function run() {
    if (!ready) return;
    recover.hidden = true;
    text.textContent = "Running…";
    var code = editor.getValue();
    if (code === ORIGINAL && learnerCode) return freshFrame(); // the original, in a fresh interpreter
    send(code === ORIGINAL ? "" : code);
  }

  // a new frame (a new interpreter) in place of the old one; it runs the editor's code when ready
  function freshFrame() {
    var next = frame.cloneNode(false);
    ready = learnerCode = false;
    asked = 0;
    lastAnswer = Date.now() + 60000; // a boot is not a freeze
    ["run", "reset-code", "download-code"].forEach(function (id) { document.getElementById(id).disabled = true; });
    frame.replaceWith(next);
    frame = next;
  }

  // the watchdog: the frame answers a ping between any two pieces of work; silence means frozen,
  // and a Run with no result in ANSWER_MS means the code broke the frame's Python (a patched builtin)
  var lastAnswer = Date.now() + 60000, pings = 0, asked = 0;
  setInterval(function () {
    if (!ready) return;
    frame.contentWindow.postMessage({ type: "backprop-ping", n: ++pings }, "*");
    var silent = Date.now() - lastAnswer >= STALL_MS;
    if (!silent && !(asked && Date.now() - asked >= ANSWER_MS)) return;
    var ran = learnerCode;
    freshFrame();
    text.textContent = (silent ? (ran ? "Your code froze the simulation" : "The simulation stopped answering") +
      " for " + Math.round(STALL_MS / 1000) + " s" : "Your code gave no result in " + Math.round(ANSWER_MS / 1000) +
      " s (it may have changed Python itself)") + ", so the simulation was stopped and started again with the original rules." +
      (ran ? " Your code is still in the editor; it will not run until you press Run." : "");
    unfinished = ran && !!stored() ? text.textContent : false; // the new frame asks before running it again
    recover.hidden = true;
    document.documentElement.dataset.editResult = "froze";
  }, 1000);
  // the mark goes only when the saved code is what the frame runs, the frame still answers, and the
  // code left the simulation's page whole
  var broken = false;
  function leaving() {
    if (ready && learnerCode && !broken && Date.now() - lastAnswer < 2500) storage(function (s) { s.removeItem(PENDING); });
  }
  window.addEventListener("pagehide", leaving);

  function show(result, message, intact) {
    broken = intact === false;
    if (broken) {
      // the code ran, but took the simulation's page apart: never run it by itself again
      text.textContent = "Your code changed the simulation's page itself (it is no longer whole), so it will not run by itself next time.";
      recover.hidden = false;
      document.documentElement.dataset.editResult = "broke-page";
      return;
    }
    list.innerHTML = "";
    tb.hidden = true;
    if (result.error) {
      text.textContent = message;
      tb.textContent = (result.error.traceback || []).concat([result.error.message]).join("\n");
      tb.hidden = false;
      editor.markError(result.error.line, result.error.message);
      document.documentElement.dataset.editResult = "error";
      return;
    }
    editor.markError(null);
    text.textContent = result.ok
      ? (result.original ? "The original rules are running. " : "Your code is running. ") + "Backward still matches forward: every check passes."
      : "Your code is running, but the check found a mistake:";
    (result.checks || []).forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = (c.ok ? "✓ " : "✗ ") + c.text;
      if (!c.ok) li.className = "bad";
      list.appendChild(li);
    });
    document.documentElement.dataset.editResult = result.ok ? "ok" : "mismatch";
  }

  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || event.origin !== "null" || !event.data) return;
    lastAnswer = Date.now();
    if (event.data.type === "backprop-ready") {
      ready = true;
      ["run", "reset-code", "download-code"].forEach(function (id) { document.getElementById(id).disabled = false; });
      if (unfinished) {
        // last time this code never answered: it may have frozen or emptied the page
        text.textContent = unfinished === true
          ? "Your saved code did not finish last time, so it was not run now. The simulation uses the original rules."
          : unfinished; // it froze the frame just now: the watchdog's words stay
        unfinished = false;
        recover.hidden = false;
        document.documentElement.dataset.editResult = "not-run";
        return;
      }
      run(); // the saved edit, or the original, goes to the new simulation
    } else if (event.data.type === "backprop-rules-result") {
      asked = 0;
      show(event.data.result, event.data.message, event.data.intact);
    }
  });

  window.addEventListener("hashchange", function () {
    if (location.hash === "#original") location.reload(); // handled before anything runs, above
  });
  function useOriginal() {
    setAside();
    editor.setValue(ORIGINAL);
    store(ORIGINAL);
    offerRestore();
    run();
  }
  // the code set aside comes back into the editor, not into the simulation: Run is the learner's
  // (it may be the code that froze the page)
  var restore = document.getElementById("restore-code");
  function offerRestore() {
    restore.hidden = !storage(function (s) { return s.getItem(ASIDE); });
  }
  restore.addEventListener("click", function () {
    var code = storage(function (s) { return s.getItem(ASIDE); });
    if (!code) return offerRestore();
    editor.setValue(code);
    store(code);
    storage(function (s) { s.removeItem(ASIDE); });
    offerRestore();
    text.textContent = "Your code is back in the editor; it has not run. Press Run when you want it to.";
    document.documentElement.dataset.editResult = "restored";
  });
  offerRestore();
  document.getElementById("run").addEventListener("click", run);
  document.getElementById("run-saved").addEventListener("click", run);
  document.getElementById("use-original").addEventListener("click", useOriginal);
  document.getElementById("reset-code").addEventListener("click", useOriginal);
  document.getElementById("download-code").addEventListener("click", function () {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([editor.getValue()], { type: "text/x-python" }));
    a.download = "rules.py";
    document.body.appendChild(a);
    a.click();
    a.remove();
  });
  window.backpropEditor = editor; // for tests and for course pages
})();
