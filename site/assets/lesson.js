// Lesson pages: math rendered by the vendored KaTeX (no CDN), the embed snippets given this
// page's own address, and embedded MicroSims resized to fit (assets/microsim-embed.js does
// that part; it is also what teachers embed).
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
  // Built without a real site_url, the embed box holds addresses relative to this page (the
  // build writes the snippets; this only makes their src absolute): a teacher copies the
  // address the lesson is actually served from, never a placeholder.
  function absoluteEmbeds() {
    document.querySelectorAll('.embed-box[data-embed-base="page"]').forEach(function (box) {
      if (box.dataset.done) return;
      box.dataset.done = "true";
      if (location.protocol !== "http:" && location.protocol !== "https:") {
        var note = document.createElement("p");
        note.className = "embed-note";
        note.textContent = "This copy is opened from a file, an address no one else can reach: put the site on a " +
          "web server (GitHub Pages, your LMS's file area) and copy the snippets from there.";
        box.insertBefore(note, box.firstChild);
        return;
      }
      box.querySelectorAll("pre code").forEach(function (code) {
        code.textContent = code.textContent.replace(/src="([^"]+)"/g, function (all, src) {
          return 'src="' + new URL(src, location.href).href + '"';
        });
      });
    });
  }
  function onPage() {
    renderMath();
    absoluteEmbeds();
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(onPage);
  else document.addEventListener("DOMContentLoaded", onPage);
})();
