// The drop-in folder's math (tools/textbook.py puts this at the end of its pages, as math.js):
// KaTeX's auto-render, inside arithmatex's elements only. It renders only TeX still between its
// delimiters, so math that a textbook's own MathJax or KaTeX renders (before or after this) is
// rendered once, and a textbook that renders none still shows every formula.
(function () {
  "use strict";
  if (!window.renderMathInElement) return;
  document.querySelectorAll(".arithmatex").forEach(function (el) {
    window.renderMathInElement(el, {
      throwOnError: false,
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
    });
  });
})();
