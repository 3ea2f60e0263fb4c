// Paints a display list made by backprop_sim.scene on a canvas, in one call from Python
// (each call across the Python–JS bridge costs microseconds; a frame makes just this one).
// The scene has computed every point (arrowheads are polygons, label boxes are rectangles,
// dashes are patterns): this only fills and strokes, as backprop_sim.svg does. Each item is
// a scene primitive's fields in order, its kind last.
(function () {
  "use strict";
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

  function stroke(ctx, colour, width, dash, cap) {
    ctx.setLineDash(dash || []);
    ctx.lineCap = cap || "butt";
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.stroke();
  }

  // Image pixels as small canvases, by their base64 string: a map repeated from the last frame
  // costs a look-up, not a decode. The least recently used go first once there are too many.
  var bitmaps = new Map();
  var BITMAPS_KEPT = 256;

  function bitmap(cols, rows, pixels) {
    var found = bitmaps.get(pixels);
    if (found) {
      bitmaps.delete(pixels); // and set again below: now the most recently used
    } else {
      var bytes = atob(pixels);
      var data = new Uint8ClampedArray(bytes.length);
      for (var i = 0; i < bytes.length; i++) data[i] = bytes.charCodeAt(i);
      found = document.createElement("canvas");
      found.width = cols;
      found.height = rows;
      found.getContext("2d").putImageData(new ImageData(data, cols, rows), 0, 0);
      if (bitmaps.size >= BITMAPS_KEPT) bitmaps.delete(bitmaps.keys().next().value);
    }
    bitmaps.set(pixels, found);
    return found;
  }

  var draw = {
    rect: function (ctx, p) {
      // Rect: x, y, w, h, fill, stroke, radius
      ctx.beginPath();
      if (ctx.roundRect) ctx.roundRect(p[0], p[1], p[2], p[3], p[6]);
      else ctx.rect(p[0], p[1], p[2], p[3]);
      if (p[4]) { ctx.fillStyle = p[4]; ctx.fill(); }
      if (p[5]) stroke(ctx, p[5], 1);
    },
    circle: function (ctx, p) {
      // Circle: x, y, r, fill, stroke, width, dash
      ctx.beginPath();
      ctx.arc(p[0], p[1], p[2], 0, 2 * Math.PI);
      if (p[3]) { ctx.fillStyle = p[3]; ctx.fill(); }
      if (p[4]) stroke(ctx, p[4], p[5], p[6]);
    },
    line: function (ctx, p) {
      // Line: x1, y1, x2, y2, colour, width, dash, cap
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
      ctx.lineTo(p[2], p[3]);
      stroke(ctx, p[4], p[5], p[6], p[7]);
    },
    polygon: function (ctx, p) {
      // Polygon: points, fill
      var points = p[0];
      ctx.beginPath();
      ctx.moveTo(points[0][0], points[0][1]);
      for (var i = 1; i < points.length; i++) ctx.lineTo(points[i][0], points[i][1]);
      ctx.closePath();
      ctx.fillStyle = p[1];
      ctx.fill();
    },
    polyline: function (ctx, p) {
      // Polyline: points, colour, width, dash (round joins)
      var points = p[0];
      ctx.beginPath();
      ctx.moveTo(points[0][0], points[0][1]);
      for (var i = 1; i < points.length; i++) ctx.lineTo(points[i][0], points[i][1]);
      ctx.lineJoin = "round";
      stroke(ctx, p[1], p[2], p[3]);
      ctx.lineJoin = "miter";
    },
    image: function (ctx, p) {
      // Image: x, y, w, h, cols, rows, pixels (base64 RGBA, top row first), smooth
      ctx.imageSmoothingEnabled = !!p[7];
      ctx.drawImage(bitmap(p[4], p[5], p[6]), p[0], p[1], p[2], p[3]);
      ctx.imageSmoothingEnabled = true;
    },
    text: function (ctx, p) {
      // Text: x, y (the middle), text, size, colour, align, bold, sup, rise: sup follows the
      // text, rise px higher, and align places the two together (as SVG's text-anchor does)
      ctx.font = (p[6] ? "600 " : "") + p[3] + "px " + FONT;
      ctx.textBaseline = "middle";
      ctx.fillStyle = p[4];
      if (!p[7]) {
        ctx.textAlign = p[5];
        ctx.fillText(p[2], p[0], p[1]);
        return;
      }
      var w = ctx.measureText(p[2]).width, both = w + ctx.measureText(p[7]).width;
      var left = p[5] === "center" ? p[0] - both / 2 : p[5] === "right" ? p[0] - both : p[0];
      ctx.textAlign = "left";
      ctx.fillText(p[2], left, p[1]);
      ctx.fillText(p[7], left + w, p[1] - p[8]);
    },
  };

  function drawList(ctx, json) {
    var list = JSON.parse(json);
    for (var i = 0; i < list.length; i++) {
      var item = list[i];
      draw[item[item.length - 1]](ctx, item);
    }
  }

  // overKey, overJson (optional): a second list drawn over the first that changes less often
  // (the data plot's 500 points over its heat map, which changes every frame while training).
  // It is drawn once into a transparent canvas kept with this canvas, and composited from
  // there while overKey stays the same; overJson is needed only when the key is new.
  window.backpropPaint = function (canvas, json, width, height, background, overKey, overJson) {
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
    drawList(ctx, json);
    if (overKey == null) return;
    var over = canvas.backpropOver;
    if (!over || over.key !== overKey || over.layer.width !== w || over.layer.height !== h) {
      if (overJson == null) return; // a key this canvas has not seen, and no list: nothing to add
      var layer = document.createElement("canvas");
      layer.width = w;
      layer.height = h;
      var lctx = layer.getContext("2d");
      lctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      drawList(lctx, overJson);
      over = canvas.backpropOver = { key: overKey, layer: layer };
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(over.layer, 0, 0);
  };
})();
