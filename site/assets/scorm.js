// The lesson inside an LMS (the SCORM package): reports to the SCORM 1.2 run-time the LMS puts
// on a parent window, as `API`. Outside an LMS there is none, and this does nothing.
//   - on launch: cmi.core.lesson_status "incomplete" (unless already completed);
//   - after a full forward and backward pass: "completed";
//   - in prediction mode: the share of right predictions as cmi.core.score.raw (0–100);
//   - the simulation's setup (its address hash, urlstate) as cmi.suspend_data, given back to
//     the simulation on the next launch.
// No postMessage: the LMS serves the whole package from its own origin, so the lesson reads
// the simulation's window.backpropSim directly, and finds the API the way SCORM 1.2 says.
(function () {
  "use strict";
  var SUSPEND_MAX = 4096; // characters: SCORM 1.2's limit for cmi.suspend_data

  function findAPI() {
    var wins = [];
    for (var w = window.parent; w && wins.length < 12; w = w.parent) {
      wins.push(w);
      if (w === w.parent) break;
    }
    if (window.opener) wins.push(window.opener);
    for (var i = 0; i < wins.length; i++) {
      try {
        if (wins[i].API && typeof wins[i].API.LMSInitialize === "function") return wins[i].API;
      } catch (e) {
        /* a window of another origin: keep looking further up */
      }
    }
    return null;
  }

  var frame = document.getElementById("microsim");
  if (!frame || window.parent === window) return;
  var lms = findAPI();
  if (!lms || String(lms.LMSInitialize("")) !== "true") return;

  var started = Date.now();
  var completed = /^(completed|passed)$/.test(String(lms.LMSGetValue("cmi.core.lesson_status")));
  if (!completed) lms.LMSSetValue("cmi.core.lesson_status", "incomplete");
  var suspended = String(lms.LMSGetValue("cmi.suspend_data") || "");
  var last = { suspend: suspended, score: "" };
  lms.LMSCommit("");

  function sim() {
    try {
      return frame.contentWindow.backpropSim;
    } catch (e) {
      return null; // another origin: not how an LMS serves a package
    }
  }

  // progress at once, after every change (a learner may finish the pass and move on within a
  // moment); the setup, which changes at every step of Train, at most once a second
  function report(withSetup) {
    var api = sim();
    if (!api || !api.state) return;
    var state = api.state();
    var changed = false;
    if (!completed && state.phase === "complete") {
      completed = true;
      lms.LMSSetValue("cmi.core.lesson_status", "completed");
      changed = true;
    }
    if (state.score && state.score.asked > 0) {
      var raw = String(Math.round((100 * state.score.right) / state.score.asked));
      if (raw !== last.score) {
        last.score = raw;
        lms.LMSSetValue("cmi.core.score.min", "0");
        lms.LMSSetValue("cmi.core.score.max", "100");
        lms.LMSSetValue("cmi.core.score.raw", raw);
        changed = true;
      }
    }
    if (withSetup) {
      var hash = String(api.link()).split("#")[1] || "";
      if (hash !== last.suspend && hash.length <= SUSPEND_MAX) {
        last.suspend = hash;
        lms.LMSSetValue("cmi.suspend_data", hash);
        changed = true;
      }
    }
    if (changed) lms.LMSCommit("");
  }

  var pending = 0;
  function changed() {
    report(false);
    if (!pending) pending = setTimeout(function () { pending = 0; report(true); }, 1000);
  }

  // every action changes the status, the equation or the score in the simulation's page
  function watch() {
    var api = sim();
    if (!api || !api.ready) return;
    api.ready.then(function () {
      var win = frame.contentWindow;
      if (suspended && !last.resumed) {
        last.resumed = true;
        win.location.hash = suspended; // the simulation applies its hash like a shared link
      }
      new win.MutationObserver(changed).observe(win.document.getElementById("sim"), {
        subtree: true, childList: true, characterData: true,
      });
      report(true);
    }).catch(function () {
      /* the simulation shows its own error; there is nothing to report */
    });
  }
  frame.addEventListener("load", watch);
  if (sim() && frame.contentDocument && frame.contentDocument.readyState === "complete") watch();

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }
  var finished = false;
  window.addEventListener("pagehide", function () {
    if (finished) return;
    finished = true;
    report(true);
    var s = Math.round((Date.now() - started) / 1000);
    lms.LMSSetValue("cmi.core.session_time", two(Math.floor(s / 3600)) + ":" + two(Math.floor(s / 60) % 60) + ":" + two(s % 60));
    lms.LMSSetValue("cmi.core.exit", "suspend"); // keep the setup for the next launch
    lms.LMSCommit("");
    lms.LMSFinish("");
  });
})();
