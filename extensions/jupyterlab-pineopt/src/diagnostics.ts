// Live diagnostics: while the user types in a Pine editor (a `%%pine` cell or a `.pine` file), the
// text is sent to the server ~400 ms after the last keystroke and the problems it reports are
// underlined, with their message on hover (CodeMirror's lint extension draws both).
import { language } from '@codemirror/language';
import { Diagnostic, linter } from '@codemirror/lint';
import type { Text } from '@codemirror/state';
import type { EditorView, ViewUpdate } from '@codemirror/view';
import { EditorExtensionRegistry, IEditorExtensionRegistry } from '@jupyterlab/codemirror';

import { isPineCell } from './cells';
import { PINE_NAME } from './language';
import { fetchDiagnostics, IServerDiagnostic } from './server';

const DELAY_MS = 400;

/** The document offset of a 1-based line and column (columns count characters, as Python does). */
function offsetOf(doc: Text, line: number, column: number): number {
  const target = doc.line(Math.min(Math.max(line, 1), doc.lines));
  let offset = target.from;
  let current = 1;
  // CodeMirror counts UTF-16 units: a character outside the BMP is two of them.
  for (const char of target.text) {
    if (current >= column) {
      break;
    }
    offset += char.length;
    current++;
  }
  return offset;
}

function toDiagnostic(doc: Text, found: IServerDiagnostic): Diagnostic {
  const from = offsetOf(doc, found.line, found.column);
  let to = offsetOf(doc, found.end_line ?? found.line, found.end_column ?? found.column);
  if (to <= from) {
    // an empty range would be drawn as a point: underline one character where there is one
    to = Math.min(from + 1, doc.lineAt(from).to);
  }
  return {
    from,
    to: Math.max(from, to),
    severity: found.severity === 'warning' ? 'warning' : 'error',
    source: 'PineOpt',
    message: found.message
  };
}

const isPine = (view: EditorView) => view.state.facet(language)?.name === PINE_NAME;

let reported = false;

async function pineDiagnostics(view: EditorView): Promise<Diagnostic[]> {
  if (!isPine(view)) {
    return []; // another language: nothing to ask, and any old underline goes away
  }
  const doc = view.state.doc;
  const source = doc.toString();
  try {
    const found = await fetchDiagnostics(source, isPineCell(source) ? 'cell' : 'file');
    reported = false;
    return found.map(item => toDiagnostic(doc, item));
  } catch (error) {
    if (!reported) {
      reported = true; // once, not at every keystroke
      console.warn('PineOpt diagnostics are unavailable:', error);
    }
    return [];
  }
}

/** The lint extension for every editor; it only acts in editors whose language is Pine. */
export function registerDiagnostics(extensions: IEditorExtensionRegistry): void {
  const lint = linter(pineDiagnostics, {
    delay: DELAY_MS,
    // A cell that becomes Pine (or stops being Pine) is checked again even if its text did not
    // change since the last check, e.g. when its language is switched after a reload.
    needsRefresh: (update: ViewUpdate) =>
      update.startState.facet(language) !== update.state.facet(language)
  });
  extensions.addExtension({
    name: 'jupyterlab-pineopt:diagnostics',
    factory: () => EditorExtensionRegistry.createImmutableExtension(lint)
  });
}
