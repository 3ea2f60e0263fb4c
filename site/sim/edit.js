// The "Edit the MicroSim" page: a CodeMirror editor beside the live simulation (an iframe).
// The code goes to the simulation's Python by postMessage; the simulation answers with
// whether it ran and what the gradient check found. Edits persist in this browser.
(function () {
  "use strict";
  var KEY = "backprop-microsim:rules.py";
  var ORIGINAL = window.backpropRulesSource;
  var frame = document.getElementById("sim");
  var text = document.getElementById("result-text");
  var tb = document.getElementById("result-traceback");
  var list = document.getElementById("result-checks");
  var saved = document.getElementById("saved");
  var ready = false;

  function stored() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }
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
    frame.contentWindow.postMessage({ type: "backprop-rules", source: source }, "*");
  }
  function run() {
    if (!ready) return;
    text.textContent = "Running…";
    var code = editor.getValue();
    send(code === ORIGINAL ? "" : code);
  }

  function show(result, message) {
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
    if (event.source !== frame.contentWindow || !event.data) return;
    if (event.data.type === "backprop-ready") {
      ready = true;
      ["run", "reset-code", "download-code"].forEach(function (id) { document.getElementById(id).disabled = false; });
      run(); // the saved edit, or the original, goes to the new simulation
    } else if (event.data.type === "backprop-rules-result") {
      show(event.data.result, event.data.message);
    }
  });

  document.getElementById("run").addEventListener("click", run);
  document.getElementById("reset-code").addEventListener("click", function () {
    editor.setValue(ORIGINAL);
    store(ORIGINAL);
    run();
  });
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
