// Lesson pages: math rendered by the vendored KaTeX (no CDN), and embedded MicroSims resized
// to fit (assets/microsim-embed.js does that part; it is also what teachers embed).
(function () {
  "use strict";
  function renderMath() {
    if (!window.katex) return;
    document.querySelectorAll(".arithmatex").forEach(function (el) {
      if (el.dataset.rendered) return;
      var tex = el.textContent.trim();
      var display = el.tagName === "DIV";
      tex = tex.replace(/^\\\[|\\\]$/g, "").replace(/^\\\(|\\\)$/g, "");
      try {
        katex.render(tex, el, { displayMode: display, throwOnError: false });
        el.dataset.rendered = "true";
      } catch (e) {
        /* leave the TeX source readable */
      }
    });
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(renderMath);
  else document.addEventListener("DOMContentLoaded", renderMath);
})();
