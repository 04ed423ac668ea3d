// The YAML side of the editor: CodeMirror 6 with YAML highlighting, and the checker's diagnostics as
// lint marks at their line and column (with a gutter). Text set from outside (a graph edit) replaces
// the document without a loop back.

import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics, type Diagnostic as LintDiagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';
import type { Diagnostic } from '../../../src/spec/index.js';

export function YamlEditor(props: {
  value: string;
  diagnostics: readonly Diagnostic[];
  onChange: (text: string) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          basicSetup,
          yaml(),
          lintGutter(),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChange.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
    // Created once; value changes arrive through the effect below.
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== props.value)
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } });
  }, [props.value]);

  // The checker's answer for the text now in the editor, as lint marks (with the gutter's markers).
  useEffect(() => {
    const v = view.current;
    if (v) v.dispatch(setDiagnostics(v.state, toLint(v, props.diagnostics)));
  }, [props.diagnostics, props.value]);

  return <div className="yaml-editor" ref={host} data-testid="yaml-editor" />;
}

function toLint(v: EditorView, diagnostics: readonly Diagnostic[]): LintDiagnostic[] {
  const doc = v.state.doc;
  return diagnostics.map((d) => {
    const line = doc.line(Math.min(Math.max(d.line, 1), doc.lines));
    const from = Math.min(line.from + Math.max(d.col - 1, 0), line.to);
    return {
      from,
      to: Math.max(from, line.to),
      severity: d.severity,
      message: `${d.code}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`,
    };
  });
}
