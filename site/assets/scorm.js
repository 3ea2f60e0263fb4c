// The lesson inside an LMS (the SCORM package): reports to the SCORM 1.2 run-time the LMS puts
// on a parent window, as `API`. Outside an LMS there is none, and this does nothing.
//   - on launch: cmi.core.lesson_status "incomplete" (unless an earlier launch has a result);
//   - after a full forward and backward pass: "completed"; when the learner has also answered in
//     prediction mode and the LMS gives a mastery score (the manifest's adlcp:masteryscore, as
//     cmi.student_data.mastery_score): "passed" or "failed", by the score;
//   - in prediction mode: the share of right predictions as cmi.core.score.raw (0–100), and each
//     answer as a cmi.interactions.n record (which δ, the learner's number, the right one, the
//     verdict, how long the learner took), from the simulation's state().answers;
//   - the simulation's setup (its address hash, urlstate) as cmi.suspend_data, given back to
//     the simulation on the next launch; the session's length as cmi.core.session_time.
// No postMessage: the LMS serves the whole package from its own origin, so the lesson reads
// the simulation's window.backpropSim directly, and finds the API the way SCORM 1.2 says.
// What a teacher's LMS lists: teachers-lms.md.
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
  var status = String(lms.LMSGetValue("cmi.core.lesson_status"));
  if (!/^(completed|passed|failed)$/.test(status)) {
    status = "incomplete";
    lms.LMSSetValue("cmi.core.lesson_status", status);
  }
  var mastery = parseFloat(lms.LMSGetValue("cmi.student_data.mastery_score")); // NaN: the LMS gives none
  var passDone = false; // this launch has seen a full backward pass
  var suspended = String(lms.LMSGetValue("cmi.suspend_data") || "");
  var last = { suspend: suspended, score: "" };
  // this visit's answers go after the ones earlier launches recorded
  var firstInteraction = parseInt(lms.LMSGetValue("cmi.interactions._count"), 10) || 0;
  var recorded = 0;
  var asking = { question: "", since: started }; // the prediction on screen, and since when
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
    var changed = recordAnswers(state);
    var raw = "";
    if (state.score && state.score.asked > 0) {
      raw = String(Math.round((100 * state.score.right) / state.score.asked));
      if (raw !== last.score) {
        last.score = raw;
        lms.LMSSetValue("cmi.core.score.min", "0");
        lms.LMSSetValue("cmi.core.score.max", "100");
        lms.LMSSetValue("cmi.core.score.raw", raw);
        changed = true;
      }
    }
    if (state.phase === "complete") passDone = true;
    var result = !passDone ? "" : raw && !isNaN(mastery) ? (Number(raw) >= mastery ? "passed" : "failed") : "completed";
    // a pass without answers never takes back an earlier passed or failed
    if (result && result !== status && !(result === "completed" && /^(passed|failed)$/.test(status))) {
      status = result;
      lms.LMSSetValue("cmi.core.lesson_status", status);
      changed = true;
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

  // each graded prediction since the last report, as the gradebook's interaction records
  function recordAnswers(state) {
    var answers = state.answers || [];
    var now = Date.now();
    var wrote = recorded < answers.length;
    for (; recorded < answers.length; recorded++) {
      var a = answers[recorded];
      var n = "cmi.interactions." + (firstInteraction + recorded) + ".";
      lms.LMSSetValue(n + "id", "delta_" + a.l + "_" + a.j + (a.sign ? "_sign" : ""));
      lms.LMSSetValue(n + "type", "numeric");
      lms.LMSSetValue(n + "time", clock(new Date(now)));
      lms.LMSSetValue(n + "student_response", decimal(a.response, 6));
      lms.LMSSetValue(n + "correct_responses.0.pattern", decimal(a.correct, 4)); // as the page shows δ
      lms.LMSSetValue(n + "result", a.right ? "correct" : "wrong");
      lms.LMSSetValue(n + "latency", timespan(now - asking.since));
      asking.since = now; // the next δ is asked the moment this one is graded
    }
    var p = state.prediction;
    var question = p ? answers.length + ":" + p.l + "," + p.j : "";
    if (question !== asking.question) asking = { question: question, since: now };
    return wrote;
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
  function timespan(ms) { // CMITimespan: HH:MM:SS
    var s = Math.round(ms / 1000);
    return two(Math.floor(s / 3600)) + ":" + two(Math.floor(s / 60) % 60) + ":" + two(s % 60);
  }
  function clock(date) { // CMITime: the time of day
    return two(date.getHours()) + ":" + two(date.getMinutes()) + ":" + two(date.getSeconds());
  }
  function decimal(x, places) { // CMIDecimal: never an exponent, no trailing zeros
    var s = Number(x).toFixed(places).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
    return s === "-0" ? "0" : s;
  }
  var finished = false;
  window.addEventListener("pagehide", function () {
    if (finished) return;
    finished = true;
    report(true);
    lms.LMSSetValue("cmi.core.session_time", timespan(Date.now() - started));
    lms.LMSSetValue("cmi.core.exit", "suspend"); // keep the setup for the next launch
    lms.LMSCommit("");
    lms.LMSFinish("");
  });
})();
