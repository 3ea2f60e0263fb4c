// The "Edit the MicroSim" page: a CodeMirror editor beside the live simulation (an iframe).
// The code goes to the simulation's Python by postMessage; the simulation answers with
// whether it ran and what the gradient check found. Edits persist in this browser.
// Messages go to and come from our own origin only (in an opaque origin, file:// or a
// sandboxed frame, origins cannot be named: there, only the frame's own window counts).
// Saved code that did not finish last time is not run again by itself: no lock-out.
(function () {
  "use strict";
  var KEY = "backprop-microsim:rules.py";
  var PENDING = "backprop-microsim:rules-running"; // set while saved code runs; left behind if it never finished
  var ORIGINAL = window.backpropRulesSource;
  var OWN = window.origin === "null" ? null : window.origin;
  var frame = document.getElementById("sim");
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
  // edit.html#original: a plain link that clears the saved code before any of it can run
  if (location.hash === "#original") {
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
    // the mark stays if the run never answers (a frozen or crashed page): next visit asks first
    storage(function (s) { if (source) s.setItem(PENDING, "1"); else s.removeItem(PENDING); });
    frame.contentWindow.postMessage({ type: "backprop-rules", source: source }, OWN || "*");
  }
  function run() {
    if (!ready) return;
    recover.hidden = true;
    text.textContent = "Running…";
    var code = editor.getValue();
    send(code === ORIGINAL ? "" : code);
  }

  function show(result, message, intact) {
    if (intact === false) {
      // the code ran, but took the simulation's page apart: never run it by itself again
      text.textContent = "Your code changed the simulation's page itself (it is no longer whole), so it will not run by itself next time.";
      recover.hidden = false;
      document.documentElement.dataset.editResult = "broke-page";
      return;
    }
    storage(function (s) { s.removeItem(PENDING); });
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
    if (event.source !== frame.contentWindow || event.origin !== (OWN || "null") || !event.data) return;
    if (event.data.type === "backprop-ready") {
      ready = true;
      ["run", "reset-code", "download-code"].forEach(function (id) { document.getElementById(id).disabled = false; });
      if (unfinished) {
        // last time this code never answered: it may have frozen or emptied the page
        unfinished = false;
        text.textContent = "Your saved code did not finish last time, so it was not run now. The simulation uses the original rules.";
        recover.hidden = false;
        document.documentElement.dataset.editResult = "not-run";
        return;
      }
      run(); // the saved edit, or the original, goes to the new simulation
    } else if (event.data.type === "backprop-rules-result") {
      show(event.data.result, event.data.message, event.data.intact);
    }
  });

  window.addEventListener("hashchange", function () {
    if (location.hash === "#original") location.reload(); // handled before anything runs, above
  });
  function useOriginal() {
    editor.setValue(ORIGINAL);
    store(ORIGINAL);
    run();
  }
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
