// CodeMirror 6 for the "Edit the MicroSim" page, bundled by esbuild at build time into one
// classic script (public/assets/editor.js) so that it also works from file://.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { python } from "@codemirror/lang-python";
import { setDiagnostics, lintGutter } from "@codemirror/lint";
import { indentWithTab } from "@codemirror/commands";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { Compartment } from "@codemirror/state";
import { tags as t } from "@lezer/highlight";

// Syntax colours as CSS variables, set in site/sim/edit.css for the light and the dark scheme
// (each at least 4.5:1 on the editor's background and its active line): CodeMirror's default
// colours are for a white page only, 1.8-2.4:1 on the dark one.
const highlight = HighlightStyle.define([
  { tag: t.meta, color: "var(--cm-meta)" },
  { tag: t.link, textDecoration: "underline" },
  { tag: t.heading, textDecoration: "underline", fontWeight: "bold" },
  { tag: t.emphasis, fontStyle: "italic" },
  { tag: t.strong, fontWeight: "bold" },
  { tag: t.strikethrough, textDecoration: "line-through" },
  { tag: t.keyword, color: "var(--cm-keyword)" },
  { tag: [t.atom, t.bool, t.url, t.contentSeparator, t.labelName], color: "var(--cm-atom)" },
  { tag: [t.literal, t.inserted], color: "var(--cm-literal)" },
  { tag: [t.string, t.deleted], color: "var(--cm-string)" },
  { tag: [t.regexp, t.escape, t.special(t.string)], color: "var(--cm-escape)" },
  { tag: t.definition(t.variableName), color: "var(--cm-definition)" },
  { tag: t.local(t.variableName), color: "var(--cm-local)" },
  { tag: [t.typeName, t.namespace], color: "var(--cm-type)" },
  { tag: t.className, color: "var(--cm-class)" },
  { tag: [t.special(t.variableName), t.macroName], color: "var(--cm-special)" },
  { tag: t.definition(t.propertyName), color: "var(--cm-property)" },
  { tag: t.comment, color: "var(--cm-comment)" },
  { tag: t.invalid, color: "var(--cm-invalid)" },
]);

// CodeMirror's own light or dark look (active line, gutters, cursor, selection), following
// the reader's colour scheme as the page does.
const darkScheme = window.matchMedia("(prefers-color-scheme: dark)");
const scheme = new Compartment();

function create(parent, doc, handlers) {
  const run = () => {
    handlers.run();
    return true;
  };
  const view = new EditorView({
    doc,
    parent,
    extensions: [
      // before basicSetup, whose default keymap also binds Mod-Enter
      keymap.of([{ key: "Mod-Enter", run, preventDefault: true }, indentWithTab]),
      basicSetup,
      syntaxHighlighting(highlight),
      scheme.of(EditorView.darkTheme.of(darkScheme.matches)),
      python(),
      lintGutter(),
      EditorView.lineWrapping,
      EditorView.updateListener.of((update) => {
        if (update.docChanged) handlers.change(view.state.doc.toString());
      }),
      // tabindex: the text is what the keyboard focuses, so the scrolling area is reachable
      // (a contenteditable alone does not count as focusable to assistive checks)
      EditorView.contentAttributes.of({ "aria-label": "Python code of rules.py", tabindex: "0" }),
    ],
  });
  darkScheme.addEventListener("change", () =>
    view.dispatch({ effects: scheme.reconfigure(EditorView.darkTheme.of(darkScheme.matches)) }));
  return {
    view,
    getValue: () => view.state.doc.toString(),
    setValue: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    // Mark one line as the error (line numbers from 1); null clears every mark.
    markError: (line, message) => {
      if (!line || line < 1 || line > view.state.doc.lines) {
        view.dispatch(setDiagnostics(view.state, []));
        return;
      }
      const l = view.state.doc.line(line);
      view.dispatch(setDiagnostics(view.state, [{ from: l.from, to: l.to, severity: "error", message }]));
      view.dispatch({ selection: { anchor: l.from }, scrollIntoView: true });
    },
    focus: () => view.focus(),
  };
}

window.BackpropEditor = { create };
