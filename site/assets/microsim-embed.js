// For pages that embed a MicroSim in an iframe: when the simulation tells its height
// ({type: "microsim-resize", height}), resize the iframe that sent it, and only that one.
// The message carries one number and may come from any origin (an LMS embeds the simulation
// from another host; a sandboxed frame's origin is "null"): it is accepted only from a frame
// on this page, only from that frame's own origin (or "null"), and only as a finite height.
(function () {
  "use strict";
  var MAX_HEIGHT = 20000; // px: anything taller is a bug in the sender, not a page

  function frameFor(source) {
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (source && frames[i].contentWindow === source) return frames[i];
    }
    return null;
  }

  function originOf(frame) {
    try {
      return new URL(frame.src, location.href).origin;
    } catch (e) {
      return "null";
    }
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "microsim-resize") return;
    var frame = frameFor(event.source);
    if (!frame) return;
    // file: pages and sandboxed frames send "null"; http(s) frames must send their src's origin
    if (event.origin !== "null" && event.origin !== "file://" && event.origin !== originOf(frame)) return;
    var height = data.height;
    if (typeof height !== "number" || !isFinite(height) || height <= 0 || height > MAX_HEIGHT) return;
    var px = Math.ceil(height) + "px";
    frame.style.height = px;
    frame.setAttribute("height", px);
  });
})();
