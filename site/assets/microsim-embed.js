// For pages that embed a MicroSim in an iframe: when the simulation tells its height
// ({type: "microsim-resize", height}), resize the iframe that sent it, and only that one.
(function () {
  "use strict";
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "microsim-resize" || typeof data.height !== "number") return;
    if (!(data.height > 0 && data.height < 20000)) return;
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.height = Math.ceil(data.height) + "px";
        frames[i].setAttribute("height", Math.ceil(data.height) + "px");
      }
    }
  });
})();
