// The page's generic glue, for the Python painter (py/backprop_sim/painter.py): writes what
// pageview.py says each element shows, in one call a render, and sends the controls' events to
// Python as (kind, element id, value), which pageview.event turns into an action. Nothing here
// knows what an element means. A classic script, so the page also runs from file://.
(function () {
  "use strict";
  var written = {}; // element id -> the HTML (or a select's options) written there last

  function byId(id) {
    return document.getElementById(id);
  }

  function each(map, fn) {
    Object.keys(map || {}).forEach(function (key) {
      fn(key, map[key]);
    });
  }

  function writeOnce(id, html) {
    // KaTeX's boxes are laid out again whenever they are written, so only when they change
    if (written[id] !== html) byId(id).innerHTML = written[id] = html;
  }

  function inputs(fields) {
    var box = byId("inputs");
    if (box.querySelectorAll("input").length !== fields.values.length) box.innerHTML = fields.html;
    box.querySelectorAll("input").forEach(function (field, k) {
      if (field !== document.activeElement) field.value = fields.values[k];
    });
  }

  // a PageView as JSON: a control the learner is in keeps what they typed
  window.backpropApply = function (json) {
    var view = JSON.parse(json);
    var active = document.activeElement;
    each(view.options, writeOnce);
    each(view.text, function (id, text) {
      byId(id).textContent = text;
    });
    each(view.html, writeOnce);
    each(view.value, function (id, value) {
      var el = byId(id);
      if (el !== active && String(el.value) !== String(value)) el.value = value;
    });
    ["checked", "hidden", "disabled"].forEach(function (attribute) {
      each(view[attribute], function (id, on) {
        byId(id)[attribute] = on;
      });
    });
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
  window.backpropTellParent = function () {
    var last = 0;
    new ResizeObserver(function () {
      var height = Math.ceil(byId("sim").getBoundingClientRect().height);
      if (height !== last) {
        last = height;
        window.parent.postMessage({ type: "microsim-resize", height: height }, "*");
      }
    }).observe(document.body);
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
    document.querySelectorAll(".sim button, .sim input, .sim select").forEach(function (el) {
      el.disabled = false;
    });
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
