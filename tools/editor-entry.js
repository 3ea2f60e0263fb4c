// CodeMirror 6 for the "Edit the MicroSim" page, bundled by esbuild at build time into one
// classic script (public/assets/editor.js) so that it also works from file://.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { python } from "@codemirror/lang-python";
import { setDiagnostics, lintGutter } from "@codemirror/lint";
import { indentWithTab } from "@codemirror/commands";

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
      python(),
      lintGutter(),
      EditorView.lineWrapping,
      EditorView.updateListener.of((update) => {
        if (update.docChanged) handlers.change(view.state.doc.toString());
      }),
      EditorView.contentAttributes.of({ "aria-label": "Python code of rules.py" }),
    ],
  });
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
