// Paints a display list made by backprop_sim.scene on a canvas, in one call from Python
// (each call across the Python–JS bridge costs microseconds; a frame makes just this one).
// The primitives are the ones backprop_sim.svg also renders: keep the two in step.
(function () {
  "use strict";
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

  function arrowHead(ctx, x1, y1, x2, y2, size) {
    var angle = Math.atan2(y2 - y1, x2 - x1);
    ctx.beginPath();
    ctx.moveTo(x2, y2);
    ctx.lineTo(x2 - size * Math.cos(angle - 0.45), y2 - size * Math.sin(angle - 0.45));
    ctx.lineTo(x2 - size * Math.cos(angle + 0.45), y2 - size * Math.sin(angle + 0.45));
    ctx.closePath();
    ctx.fill();
  }

  function roundRect(ctx, x, y, w, h, r) {
    ctx.beginPath();
    if (ctx.roundRect) ctx.roundRect(x, y, w, h, r);
    else ctx.rect(x, y, w, h);
  }

  var draw = {
    rect: function (ctx, p) {
      // [x, y, w, h, fill, stroke, radius]
      roundRect(ctx, p[0], p[1], p[2], p[3], p[6]);
      if (p[4]) { ctx.fillStyle = p[4]; ctx.fill(); }
      if (p[5]) { ctx.strokeStyle = p[5]; ctx.lineWidth = 1; ctx.stroke(); }
    },
    circle: function (ctx, p) {
      // [x, y, r, fill, stroke, width]
      ctx.beginPath();
      ctx.arc(p[0], p[1], p[2], 0, 2 * Math.PI);
      if (p[3]) { ctx.fillStyle = p[3]; ctx.fill(); }
      if (p[4]) { ctx.strokeStyle = p[4]; ctx.lineWidth = p[5]; ctx.stroke(); }
    },
    line: function (ctx, p) {
      // [x1, y1, x2, y2, color, width, dash]
      ctx.beginPath();
      ctx.setLineDash(p[6] ? [p[6], p[6]] : []);
      ctx.moveTo(p[0], p[1]);
      ctx.lineTo(p[2], p[3]);
      ctx.strokeStyle = p[4];
      ctx.lineWidth = p[5];
      ctx.stroke();
      ctx.setLineDash([]);
    },
    arrow: function (ctx, p) {
      // [x1, y1, x2, y2, color, width]: the head at (x2, y2)
      var head = 5 + 1.5 * p[5];
      var angle = Math.atan2(p[3] - p[1], p[2] - p[0]);
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
      ctx.lineTo(p[2] - head * 0.8 * Math.cos(angle), p[3] - head * 0.8 * Math.sin(angle));
      ctx.strokeStyle = p[4];
      ctx.lineWidth = p[5];
      ctx.lineCap = "round";
      ctx.stroke();
      ctx.fillStyle = p[4];
      arrowHead(ctx, p[0], p[1], p[2], p[3], head);
    },
    text: function (ctx, p) {
      // [x, y, text, size, color, align, bold, background]
      ctx.font = (p[6] ? "600 " : "") + p[3] + "px " + FONT;
      ctx.textAlign = p[5];
      ctx.textBaseline = "middle";
      if (p[7]) {
        var w = ctx.measureText(p[2]).width + 6;
        var x = p[5] === "center" ? p[0] - w / 2 : p[5] === "right" ? p[0] - w + 3 : p[0] - 3;
        ctx.fillStyle = p[7];
        roundRect(ctx, x, p[1] - p[3] * 0.7, w, p[3] * 1.4, 3);
        ctx.fill();
      }
      ctx.fillStyle = p[4];
      ctx.fillText(p[2], p[0], p[1]);
    },
  };

  window.backpropPaint = function (canvas, json, width, height, background) {
    var dpr = window.devicePixelRatio || 1;
    var w = Math.round(width * dpr), h = Math.round(height * dpr);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    canvas.style.height = height + "px";
    var ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, width, height);
    var list = JSON.parse(json);
    for (var i = 0; i < list.length; i++) draw[list[i][0]](ctx, list[i].slice(1));
  };
})();
