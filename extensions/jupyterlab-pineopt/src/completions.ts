// Completions of Pine built-in names (`ta.sm` → `ta.sma`, `strategy.` → `strategy.entry` ...) in
// Pine editors, with each function's signature and documentation from the server's built-in table.
// The names themselves come from the catalogue compiled into the extension, so completing works
// even when the server extension is not there; only the signatures need it.
import type {
  CompletionHandler,
  ICompletionContext,
  ICompletionProvider
} from '@jupyterlab/completer';

import * as catalogue from './generated/builtins';
import { PINE_MIME } from './language';
import { fetchBuiltins, IBuiltins } from './server';

interface IName {
  name: string;
  type: string;
}

/** Every built-in name once; a name of several kinds (`na`, `color`) shows the first listed. */
const NAMES: IName[] = (() => {
  const kinds: [readonly string[], string][] = [
    [catalogue.functions, 'function'],
    [catalogue.variables, 'variable'],
    [catalogue.constants, 'constant'],
    [catalogue.types, 'type'],
    [catalogue.qualifiers, 'keyword'],
    [catalogue.keywords, 'keyword'],
    [catalogue.namespaces, 'namespace']
  ];
  const types = new Map<string, string>();
  for (const [names, type] of kinds) {
    for (const name of names) {
      if (!types.has(name)) {
        types.set(name, type);
      }
    }
  }
  return [...types].map(([name, type]) => ({ name, type }));
})();

/** The dotted name being typed just before the cursor (`ta.sm`), or ''. */
const PREFIX = /[A-Za-z_][\w.]*$/;

/** What to show beside a name: its signature(s) and documentation, when the server has them. */
function describe(builtins: IBuiltins | null): Map<string, string> {
  const docs = new Map<string, string>();
  for (const fn of builtins?.functions ?? []) {
    // a function with overloads appears once per signature: show them all
    const text = fn.doc ? `${fn.signature}\n\n${fn.doc}` : fn.signature;
    const before = docs.get(fn.name);
    docs.set(fn.name, before ? `${before}\n\n${text}` : text);
  }
  for (const item of [...(builtins?.variables ?? []), ...(builtins?.constants ?? [])]) {
    if (item.type) {
      docs.set(item.name, `${item.name}: ${item.type}`);
    }
  }
  return docs;
}

export class PineCompletionProvider implements ICompletionProvider {
  readonly identifier = 'jupyterlab-pineopt:builtins';
  // above the kernel's (550) and the document words' (500) providers: built-ins come first
  readonly rank = 600;
  readonly renderer = null;

  async isApplicable(context: ICompletionContext): Promise<boolean> {
    return context.editor?.model.mimeType === PINE_MIME;
  }

  async fetch(
    request: CompletionHandler.IRequest,
    _context: ICompletionContext
  ): Promise<CompletionHandler.ICompletionItemsReply> {
    const prefix = PREFIX.exec(request.text.slice(0, request.offset))?.[0] ?? '';
    const docs = describe(await fetchBuiltins().catch(() => null));
    const items = prefix
      ? NAMES.filter(({ name }) => name.startsWith(prefix)).map(({ name, type }) => ({
          label: name,
          insertText: name,
          type,
          documentation: docs.get(name)
        }))
      : [];
    return { start: request.offset - prefix.length, end: request.offset, items };
  }
}
