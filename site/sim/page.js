// The page's generic glue, for the Python painter (py/backprop_sim/painter.py): writes what
// pageview.py says each element shows, in one call a render, and sends the controls' events to
// Python as (kind, element id, value), which pageview.event turns into an action. Nothing here
// knows what an element means. A classic script, so the page also runs from file://.
(function () {
  "use strict";
  var written = {}; // element id -> the HTML (or a select's options) written there last
  var applied = false; // the first view (the page as a link opens it) scrolls nothing into view

  function byId(id) {
    return document.getElementById(id);
  }

  function each(map, fn) {
    Object.keys(map || {}).forEach(function (key) {
      fn(key, map[key]);
    });
  }

  function writeOnce(id, html) {
    // KaTeX's boxes are laid out again whenever they are written, so only when they change;
    // a part the learner opened (a <details> with an id: the chain rule) stays open
    if (written[id] === html) return;
    var el = byId(id);
    var open = Array.prototype.map.call(el.querySelectorAll("details[id][open]"), function (d) {
      return d.id;
    });
    el.innerHTML = written[id] = html;
    open.forEach(function (name) {
      var again = byId(name);
      if (again && el.contains(again)) again.open = true;
    });
  }

  function inputs(fields) {
    var box = byId("inputs");
    if (box.querySelectorAll("input").length !== fields.values.length) box.innerHTML = fields.html;
    box.querySelectorAll("input").forEach(function (field, k) {
      if (field !== document.activeElement) field.value = fields.values[k];
    });
  }

  // In a frame the simulation's keys reach it only while it has the focus (a click in it, or Tab):
  // the lesson's own page keeps its keys (Material's search on F and S). The note says which holds.
  // Both sentences sit in one grid cell, the other one invisible, so the note keeps the taller
  // one's height: a first click in the frame that focuses it moves nothing under the pointer.
  function keysNote() {
    var note = byId("keys-note");
    if (window.self === window.top || !note) return;
    var words = ["data-off", "data-on"].map(function (name) {
      var span = document.createElement("span");
      span.textContent = note.getAttribute(name);
      note.appendChild(span);
      return span;
    });
    function show() {
      var on = document.hasFocus();
      words[0].classList.toggle("shown", !on);
      words[1].classList.toggle("shown", on);
      note.classList.toggle("on", on);
      note.hidden = false;
    }
    window.addEventListener("focus", show);
    window.addEventListener("blur", show);
    show();
  }
  keysNote();
  if (window.self !== window.top) document.documentElement.classList.add("framed"); // sim.css: the page scrolls inside the frame

  // The site's colours: in a frame of the lesson or a textbook (same origin), the palette its
  // toggle chose (Material's data-md-color-scheme on its body, or the choice it stored, __palette),
  // followed live; anywhere else the OS's preference (sim.css). html[data-scheme] carries it to
  // the CSS and to the painter (painter.Renderer.theme), which is told to paint again.
  var schemeChanged = function () {};
  function hostScheme() {
    var host;
    try {
      host = window.self !== window.top && window.parent.document;
    } catch (e) {
      return null; // another origin: its choice is not ours to read
    }
    if (!host) return null;
    var chosen = host.body && host.body.getAttribute("data-md-color-scheme");
    if (!chosen) {
      try {
        var scope = window.parent.__md_scope; // Material's: where it keeps what it stores
        var stored = JSON.parse(localStorage.getItem((scope ? scope.pathname : "/") + ".__palette") || "null");
        chosen = stored && stored.color && stored.color.scheme;
      } catch (e) {
        chosen = null;
      }
    }
    return chosen ? (chosen === "slate" ? "dark" : "light") : null;
  }
  function followScheme() {
    var root = document.documentElement;
    var scheme = hostScheme();
    if ((root.dataset.scheme || null) === scheme) return;
    if (scheme) root.dataset.scheme = scheme;
    else delete root.dataset.scheme;
    schemeChanged();
  }
  followScheme();
  try {
    if (window.self !== window.top && window.parent.document.body) {
      new window.parent.MutationObserver(followScheme).observe(window.parent.document.body, {
        attributes: true, attributeFilter: ["data-md-color-scheme"] });
    }
  } catch (e) {
    /* another origin: the OS's preference */
  }

  // Input before Python is ready is kept: a shortcut key (one a button lists in aria-keyshortcuts)
  // or a press of a step button (enabled, aria-disabled until then) is queued, the boot chip says
  // what will run, and backpropWire carries the queue out once Python has started.
  var queued = [];
  function queueNote() {
    var note = document.querySelector(".progress-queued");
    if (!note) return;
    note.textContent = queued.length ? "· will then run: " + queued.map(function (q) { return q.words; }).join(", ") : "";
    note.hidden = !queued.length;
  }
  function earlyKey(event) {
    var tag = String(event.target.tagName).toLowerCase();
    if (event.ctrlKey || event.metaKey || event.altKey || tag === "input" || tag === "select" || tag === "textarea") return;
    var button = Array.prototype.find.call(document.querySelectorAll("button[aria-keyshortcuts]"), function (b) {
      return b.getAttribute("aria-keyshortcuts").toLowerCase().split(" ").indexOf(event.key.toLowerCase()) >= 0;
    });
    if (!button) return;
    event.preventDefault();
    queued.push({ kind: "key", id: event.key, value: [tag, "", false], words: button.textContent.trim() });
    queueNote();
  }
  function earlyClick(event) {
    var button = event.target.closest && event.target.closest("button[data-action][aria-disabled='true']");
    if (!button) return;
    queued.push({ kind: "action", id: button.dataset.action, value: button.dataset.value === undefined ? null : button.dataset.value,
      words: button.textContent.trim() });
    queueNote();
  }
  document.addEventListener("keydown", earlyKey);
  document.addEventListener("click", earlyClick);
  function carryOut(send) {
    document.removeEventListener("keydown", earlyKey);
    document.removeEventListener("click", earlyClick);
    document.querySelectorAll("button[aria-disabled]").forEach(function (b) {
      b.removeAttribute("aria-disabled");
    });
    // after Page.start has returned (the link's state loaded first), in the order pressed
    setTimeout(function () {
      queued.splice(0).forEach(function (q) {
        send(q.kind, q.id, q.value);
      });
      queueNote();
    }, 0);
  }

  // a piece of an equation (panels.equation_html) wider than its line even alone, a matrix of many
  // columns: its type made smaller until it fits, so that every number is whole in the panel
  function fitPieces(root) {
    root.querySelectorAll(".equation .piece").forEach(function (piece) {
      piece.style.fontSize = "";
      var room = piece.parentElement.clientWidth;
      var wide = piece.scrollWidth;
      if (room > 0 && wide > room) piece.style.fontSize = Math.floor((100 * room) / wide) - 1 + "%";
    });
  }
  window.backpropFit = fitPieces;

  // a PageView as JSON: a control the learner is in keeps what they typed
  window.backpropApply = function (json) {
    var view = JSON.parse(json);
    var active = document.activeElement;
    each(view.options, writeOnce);
    each(view.text, function (id, text) {
      byId(id).textContent = text;
    });
    var before = Object.assign({}, written);
    each(view.html, writeOnce);
    each(view.html, function (id) {
      if (before[id] !== written[id]) fitPieces(byId(id));
    });
    each(view.value, function (id, value) {
      var el = byId(id);
      if (el !== active && String(el.value) !== String(value)) el.value = value;
    });
    var revealed = [];
    ["checked", "hidden", "disabled"].forEach(function (attribute) {
      each(view[attribute], function (id, on) {
        var el = byId(id);
        if (applied && attribute === "hidden" && el.hidden && !on && el.hasAttribute("data-reveal")) revealed.push(el);
        el[attribute] = on;
      });
    });
    // a part the learner just asked for (data-reveal: the values table) is brought into view
    revealed.forEach(function (el) {
      el.scrollIntoView({ block: "nearest", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
    });
    applied = true;
    each(view.status, function (key, text) {
      document.querySelector('#status [data-key="' + key + '"]').textContent = text;
    });
    document.querySelectorAll("#features input").forEach(function (box) {
      var state = view.features[box.value] || [false, true];
      box.checked = state[0];
      box.disabled = state[1];
    });
    view.buttons.forEach(function (button) {
      document.querySelectorAll(button[0]).forEach(function (el) {
        el.setAttribute("aria-pressed", button[1] ? "true" : "false");
        el.textContent = button[2];
      });
    });
    if (view.inputs) inputs(view.inputs);
  };

  // copy text to the clipboard; where the browser refuses (file://, sandboxed frames) the text
  // is selected in the share box for Ctrl+C, and the message says so
  window.backpropCopy = function (text, done, blocked) {
    var box = byId("share-text");
    box.value = text;
    box.select();
    function say(words) {
      byId("message").textContent = words;
    }
    try {
      navigator.clipboard.writeText(text).then(function () { say(done); }, function () { say(blocked); });
    } catch (e) {
      say(blocked);
    }
  };

  // download `text` (with its mime type) or a data: URL (mime null) as a file called name
  window.backpropSave = function (name, body, mime) {
    var a = document.createElement("a");
    a.href = mime == null ? body : URL.createObjectURL(new Blob([body], { type: mime }));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  };

  // The MicroSim convention: a framed page tells its parent the height of its content (#sim's,
  // not the document's scrollHeight, which is never less than the frame: a frame sized by it
  // would only grow). The compact view fills the frame exactly, and so reports the frame's height.
  // Where #sim scrolls inside the frame (sim.css: --tell: content) its content's height, which its
  // box no longer follows: each of its parts is watched.
  window.backpropTellParent = function () {
    var last = 0;
    var sim = byId("sim");
    var observer = new ResizeObserver(function () {
      var content = getComputedStyle(sim).getPropertyValue("--tell").trim() === "content";
      var height = Math.ceil(content ? sim.scrollHeight : sim.getBoundingClientRect().height);
      if (height !== last) {
        last = height;
        window.parent.postMessage({ type: "microsim-resize", height: height }, "*");
      }
    });
    observer.observe(document.body);
    document.querySelectorAll("#sim > *, .sim-stage > *, .sim-side > *, .controls > *, .explore > *").forEach(function (part) {
      observer.observe(part);
    });
  };

  // The API never throws (issue 25): whatever a caller passes (too many arguments, a getter that
  // throws, a Proxy, an array of ten million), it is read here, as JSON of at most API_LIMIT
  // characters, before Python sees it; a refusal or a bug comes back as {error, message}.
  var API_LIMIT = 100000; // characters of JSON an argument may take: a network's weights are ~2 kB

  // what is left of `left` after v's JSON, stopping as soon as it is spent (never walks all of a huge array)
  function budget(v, left) {
    if (left < 0 || v === null || typeof v !== "object") return left - (typeof v === "string" ? v.length + 2 : 6);
    var keys = Array.isArray(v) ? null : Object.keys(v);
    var n = keys ? keys.length : v.length;
    if (!(n <= left)) return -1;
    for (var i = 0; i < n && left >= 0; i++) {
      left = budget(keys ? v[keys[i]] : v[i], left - 1 - (keys ? String(keys[i]).length + 3 : 0));
    }
    return left - 2;
  }

  function plainJson(v, which) {
    if (v === undefined) return "null";
    var json;
    try {
      if (budget(v, API_LIMIT) < 0) throw new RangeError("too large");
      json = JSON.stringify(v);
    } catch (e) {
      // a getter or toString that throws, a cycle, a BigInt, nesting too deep, or simply too large
      throw refusal("The " + which + " could not be read as JSON of at most " + API_LIMIT +
        " characters (" + (e && e.message ? String(e.message).slice(0, 80) : "it threw") + "): use numbers, strings, lists or objects.");
    }
    if (json === undefined) throw refusal("The " + which + " is a " + typeof v + ": use numbers, strings, lists or objects.");
    if (json.length > API_LIMIT) throw refusal("The " + which + " is " + json.length + " characters of JSON; at most " + API_LIMIT + " are read.");
    return json;
  }

  function refusal(words) {
    return { refused: words };
  }

  // api[name] calls Python's `call` with each argument as JSON; `takes` names its arguments
  window.backpropExpose = function (api, name, call, takes) {
    takes = takes ? takes.split(",") : [];
    api[name] = function () {
      try {
        if (arguments.length > takes.length) {
          throw refusal(name + "() takes " + (takes.length ? "at most " + takes.length + " argument" + (takes.length > 1 ? "s" : "") +
            " (" + takes.join(", ") + ")" : "no arguments") + "; it was given " + arguments.length + ".");
        }
        var args = [];
        for (var i = 0; i < takes.length; i++) args.push(plainJson(arguments[i], name + "()'s " + takes[i]));
        return call.apply(null, args);
      } catch (e) {
        var words = e && e.refused ? e.refused : "The simulation could not answer " + name + "(): " + String(e && e.message || e).slice(0, 200);
        // act() answers with the state it left, here unchanged, as every act() does
        var answer = name === "act" && api.state ? api.state() : {};
        answer.error = words;
        answer.message = words;
        return answer;
      }
    };
  };

  // forget what was written (the learner's code may have reached the page): write it all again
  window.backpropForget = function () {
    written = {};
  };

  // wiring: {menus: {id: options' HTML}, controls: [[id, event, flag]], fields: [[field, button]],
  // selects: [id]}; send(kind, id, value) takes each event to Python. The controls start
  // disabled (nothing works before Python does) and are enabled here.
  window.backpropWire = function (json, send) {
    var wiring = JSON.parse(json);
    each(wiring.menus, function (id, html) {
      byId(id).innerHTML = html;
    });
    wiring.controls.forEach(function (control) {
      byId(control[0]).addEventListener(control[1], function (event) {
        send("control", control[0], control[2] ? event.target.checked : String(event.target.value));
      });
    });
    wiring.fields.forEach(function (pair) {
      // a field's value goes with its button, or with Enter in the field
      function submit() {
        send("field", pair[0], String(byId(pair[0]).value));
      }
      byId(pair[1]).addEventListener("click", submit);
      byId(pair[0]).addEventListener("keydown", function (event) {
        if (event.key === "Enter") submit();
      });
    });
    wiring.selects.forEach(function (id) {
      byId(id).addEventListener("input", function (event) {
        send("select", id, String(event.target.value));
      });
    });
    document.querySelectorAll("button[data-action]").forEach(function (button) {
      button.addEventListener("click", function () {
        send("action", button.dataset.action, button.dataset.value === undefined ? null : button.dataset.value);
      });
    });
    // the page's shortcuts: the key, and where it was pressed (pageview.event decides)
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var tag = String(target.tagName).toLowerCase();
      var modified = event.ctrlKey || event.metaKey || event.altKey;
      if (send("key", event.key, [tag, tag === "input" ? String(target.type) : "", modified])) event.preventDefault();
    });
    // the compact view (a short frame, sim.css) keeps every tool behind this one button
    byId("btn-tools").addEventListener("click", function () {
      var shown = document.documentElement.classList.toggle("tools-open");
      byId("btn-tools").setAttribute("aria-expanded", shown ? "true" : "false");
    });
    // a click on a drawing, where it fell on the canvas as drawn (its scene is in CSS px of its own)
    ["network", "plane"].forEach(function (id) {
      byId(id).addEventListener("click", function (event) {
        var rect = byId(id).getBoundingClientRect();
        send("click", id, [event.clientX - rect.left, event.clientY - rect.top, rect.width]);
      });
    });
    byId("plane").addEventListener("keydown", function (event) {
      if (send("plane-key", event.key, null)) {
        event.preventDefault();
        event.stopPropagation(); // not the page's shortcuts: ← and → are Step Back and Backward Step there
      }
    });
    ["inputs", "features"].forEach(function (id) {
      // their fields are made and remade by the page: one listener on the group
      byId(id).addEventListener("change", function () {
        var boxes = byId(id).querySelectorAll(id === "features" ? "input:checked" : "input");
        send("group", id, Array.prototype.map.call(boxes, function (box) {
          return String(box.value);
        }));
      });
    });
    // a new width of the drawing or of the data panel: drawn again (not a new height: the data
    // panel's words change it four times a second while training, which needs no new drawing)
    [["drawing", byId("network").parentElement], ["data-panel", byId("data-panel")]].forEach(function (pair) {
      var width = -1;
      new ResizeObserver(function (entries) {
        var now = entries[0].contentRect.width;
        if (Math.abs(now - width) >= 0.5) {
          width = now;
          send("resize", pair[0], now);
        }
      }).observe(pair[1]);
    });
    // a new scheme from the lesson's toggle: every canvas painted again in its colours
    schemeChanged = function () {
      send("resize", "scheme", null);
    };
    // a new width of the equation panel: its pieces fitted again
    ["equation", "batch-average"].forEach(function (id) {
      var width = -1;
      new ResizeObserver(function (entries) {
        var now = entries[0].contentRect.width;
        if (Math.abs(now - width) >= 0.5) {
          width = now;
          fitPieces(byId(id));
        }
      }).observe(byId(id));
    });
    document.querySelectorAll(".sim button, .sim input, .sim select").forEach(function (el) {
      el.disabled = false;
    });
    carryOut(send);
    ownData(send);
  };

  // ---- own data (issue 30): the CSV box goes with its Load button only (Enter is a new row in
  // it), and the hidden layers' − and + buttons, written anew with the network, are listened to
  // on their row
  function ownData(send) {
    byId("csv-text").disabled = false;
    byId("btn-csv-load").addEventListener("click", function () {
      send("field", "csv-text", String(byId("csv-text").value));
    });
    byId("neuron-buttons").addEventListener("click", function (event) {
      var button = event.target.closest("button[data-neurons]");
      if (button) send("action", "neurons", button.dataset.neurons);
    });
  }
})();
