// The Pine Script language for CodeMirror 6: a line-by-line tokenizer (a StreamLanguage, the
// "legacy mode" style of parser) whose word lists come from PineOpt's built-in catalogue, and the
// colours of the token kinds that JupyterLab's own highlight style leaves plain.
import {
  HighlightStyle,
  LanguageSupport,
  StreamLanguage,
  StreamParser,
  StringStream,
  syntaxHighlighting
} from '@codemirror/language';
import { Tag, tags as t } from '@lezer/highlight';

import * as catalogue from './generated/builtins';

/** The MIME type of Pine Script, for `%%pine` cells and `.pine` files alike. */
export const PINE_MIME = 'text/x-pine';

/** The language name; CodeMirror writes it into `.cm-content[data-language]`. */
export const PINE_NAME = 'pine';

const KEYWORDS = new Set(catalogue.keywords);
const QUALIFIERS = new Set(catalogue.qualifiers);
const TYPES = new Set(catalogue.types);
const NAMESPACES = new Set(catalogue.namespaces);
const FUNCTIONS = new Set(catalogue.functions);
const VARIABLES = new Set(catalogue.variables);
const CONSTANTS = new Set(catalogue.constants);

// Token names returned by the tokenizer, and the highlight tags they stand for. JupyterLab's
// highlight style colours most of these tags; `pineHighlight` below colours the rest.
const TOKENS: { [name: string]: Tag | readonly Tag[] } = {
  magic: t.processingInstruction, // the `%%pine --flags` line of a cell
  annotation: t.annotation, // `//@version=6`, `// @function ...`
  comment: t.lineComment,
  string: t.string,
  number: t.number,
  color: t.color, // #RRGGBB and #RRGGBBAA literals
  bool: t.bool,
  keyword: t.keyword,
  qualifier: t.modifier, // const simple series (a keyword to JupyterLab's style)
  type: t.typeName, // int float bool color string array ...
  namespace: t.namespace, // the `ta` of `ta.whatever` when `whatever` is not a built-in
  builtinFunction: t.function(t.standard(t.variableName)),
  builtinVariable: t.standard(t.variableName),
  builtinConstant: t.atom, // color.red, strategy.long, na ...
  definition: t.function(t.definition(t.variableName)),
  call: t.function(t.variableName),
  variable: t.variableName,
  property: t.propertyName,
  operator: t.operator,
  paren: t.paren,
  bracket: t.squareBracket,
  separator: t.separator
};

/** Colours, from JupyterLab's theme variables, for the tags its highlight style leaves plain. */
const pineHighlight = HighlightStyle.define([
  { tag: t.typeName, color: 'var(--jp-mirror-editor-variable-3-color)' },
  { tag: t.namespace, color: 'var(--jp-mirror-editor-variable-2-color)' },
  { tag: t.color, color: 'var(--jp-mirror-editor-string-2-color)' }
]);

interface IState {
  /** The rest of the line is a comment (after an annotation such as `// @param`). */
  inComment: boolean;
  /** The previous token was a `.`: the next word is a field or method, not a built-in. */
  afterDot: boolean;
}

const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const COLOR = /^#(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{6})(?![0-9a-zA-Z_])/;
const DOTTED_NAME = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/;
const OPERATOR = /^(?::=|=>|==|!=|<=|>=|\+=|-=|\*=|\/=|%=|[-+*/%<>=?:])/;
// `name(params) =>` on one line: a function declaration.
const DECLARATION = /^\s*\([^()]*\)\s*=>/;

/** The token of the built-in `name` (a whole dotted name), or null when it is not one. */
function builtinToken(name: string, isCall: boolean): string | null {
  if (isCall && FUNCTIONS.has(name)) {
    return 'builtinFunction';
  }
  if (VARIABLES.has(name)) {
    return 'builtinVariable';
  }
  if (CONSTANTS.has(name)) {
    return name === 'true' || name === 'false' ? 'bool' : 'builtinConstant';
  }
  if (TYPES.has(name)) {
    return 'type';
  }
  return FUNCTIONS.has(name) ? 'builtinFunction' : null;
}

/**
 * A word, or a dotted name such as `ta.sma` or `strategy.position_size`; `afterDot` when the
 * previous token was a `.` (then the word is a field or method of a value, never a built-in).
 */
function nameToken(stream: StringStream, afterDot: boolean): string {
  const dotted = (stream.match(DOTTED_NAME) as RegExpMatchArray)[0];
  const parts = dotted.split('.');
  if (afterDot) {
    // `obj.field`: the word after a user value's dot is never a built-in
    stream.backUp(dotted.length - parts[0].length);
    return 'property';
  }
  // The longest leading part that is a built-in wins: `color.new` in `color.new(...)`.
  for (let count = parts.length; count >= 1; count--) {
    const name = parts.slice(0, count).join('.');
    const rest = dotted.length - name.length;
    const isCall = stream.string.slice(stream.pos - rest).match(/^\s*[(<]/) !== null;
    const token = builtinToken(name, isCall);
    if (token) {
      stream.backUp(rest);
      return token;
    }
  }
  const word = parts[0];
  stream.backUp(dotted.length - word.length);
  if (KEYWORDS.has(word)) {
    return 'keyword';
  }
  if (QUALIFIERS.has(word)) {
    return 'qualifier';
  }
  if (parts.length > 1 && NAMESPACES.has(word)) {
    return 'namespace';
  }
  if (stream.match(DECLARATION, false)) {
    return 'definition';
  }
  return stream.match(/^\s*\(/, false) ? 'call' : 'variable';
}

const pineParser: StreamParser<IState> = {
  name: PINE_NAME,
  startState: () => ({ inComment: false, afterDot: false }),
  token(stream, state) {
    if (stream.sol()) {
      state.inComment = false;
      state.afterDot = false;
    }
    if (state.inComment) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.eatSpace()) {
      return null;
    }
    const afterDot = state.afterDot;
    state.afterDot = false;
    // A cell magic line such as `%%pine --data BTCUSDT_1h`.
    if (stream.sol() && stream.match(/^%%?\w+/)) {
      stream.skipToEnd();
      return 'magic';
    }
    if (stream.match(/^\/\/\s*@[\w.]+(?:=\S*)?/)) {
      state.inComment = true;
      return 'annotation';
    }
    if (stream.match('//')) {
      stream.skipToEnd();
      return 'comment';
    }
    const ch = stream.peek() as string;
    if (ch === '"' || ch === "'") {
      stream.next();
      // Pine strings end at their quote or at the end of the line; `\` escapes a character.
      let next: string | void;
      while ((next = stream.next()) !== undefined) {
        if (next === '\\') {
          stream.next();
        } else if (next === ch) {
          break;
        }
      }
      return 'string';
    }
    if (stream.match(COLOR)) {
      return 'color';
    }
    if (stream.match(NUMBER)) {
      return 'number';
    }
    if (stream.match(DOTTED_NAME, false)) {
      return nameToken(stream, afterDot);
    }
    if (stream.match(OPERATOR)) {
      return 'operator';
    }
    stream.next();
    if (ch === '.') {
      state.afterDot = true;
      return 'operator';
    }
    if (ch === '(' || ch === ')') {
      return 'paren';
    }
    if (ch === '[' || ch === ']') {
      return 'bracket';
    }
    return ch === ',' ? 'separator' : null;
  },
  tokenTable: TOKENS,
  languageData: {
    commentTokens: { line: '//' },
    closeBrackets: { brackets: ['(', '[', '"', "'"] }
  }
};

/** The Pine language with its highlighting, as the editor language registry loads it. */
export function pineLanguage(): LanguageSupport {
  return new LanguageSupport(StreamLanguage.define(pineParser), [
    syntaxHighlighting(pineHighlight)
  ]);
}
