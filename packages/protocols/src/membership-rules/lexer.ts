import { RULE_OPERATORS, type RuleOperator } from './ast.js';
import { RuleError } from './errors.js';

export type Keyword = RuleOperator | 'any' | 'all' | 'and' | 'or' | 'not' | 'plus' | 'minus';

const WORDS: readonly Keyword[] = [...RULE_OPERATORS, 'any', 'all', 'and', 'or', 'not', 'plus', 'minus'];

export const KEYWORDS: ReadonlyMap<string, Keyword> = new Map(WORDS.map((k) => [k.toLowerCase(), k]));

export type Token =
  | { type: 'lparen' | 'rparen' | 'lbracket' | 'rbracket' | 'comma' | 'eof'; pos: number; end: number }
  | { type: 'keyword'; keyword: Keyword; dashed: boolean; pos: number; end: number }
  /** A dash followed by a word that is not an operator, such as `-equals`. */
  | { type: 'unknownOperator'; text: string; pos: number; end: number }
  /** Property paths (`user.city`), `_`, `true`, `null`, `system.now`, durations, stray words. */
  | { type: 'word'; text: string; pos: number; end: number }
  | { type: 'string'; value: string; pos: number; end: number }
  | { type: 'number'; value: number; pos: number; end: number }
  | { type: 'dateTime'; text: string; pos: number; end: number };

// Microsoft's own examples contain en dashes (`user.mail –ne null`, `–and`) from word processing;
// rules pasted from them must still parse.
const DASHES = new Set(['-', '\u2013', '\u2014']);
const WORD_START = /[A-Za-z_$]/;
const WORD_PART = /[A-Za-z0-9_$]/;
const LITERAL_PART = /[A-Za-z0-9:.+\-_]/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

export function describeToken(t: Token, input: string): string {
  if (t.type === 'eof') return 'the end of the rule';
  const text = input.slice(t.pos, t.end);
  return `'${text.length > 40 ? `${text.slice(0, 40)}…` : text}'`;
}

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = input.length;
  while (i < n) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    const punct = c === '(' ? 'lparen' : c === ')' ? 'rparen' : c === '[' ? 'lbracket' : c === ']' ? 'rbracket' : c === ',' ? 'comma' : undefined;
    if (punct) {
      tokens.push({ type: punct, pos: start, end: ++i });
      continue;
    }
    if (c === '"' || c === "'") {
      const { value, end } = readString(input, start);
      tokens.push({ type: 'string', value, pos: start, end });
      i = end;
      continue;
    }
    if (DASHES.has(c) && i + 1 < n && /[A-Za-z]/.test(input[i + 1])) {
      i++;
      while (i < n && /[A-Za-z]/.test(input[i])) i++;
      const text = input.slice(start + 1, i);
      const keyword = KEYWORDS.get(text.toLowerCase());
      tokens.push(keyword ? { type: 'keyword', keyword, dashed: true, pos: start, end: i } : { type: 'unknownOperator', text, pos: start, end: i });
      continue;
    }
    if (/\d/.test(c) || (c === '-' && i + 1 < n && /\d/.test(input[i + 1]))) {
      i++;
      while (i < n && LITERAL_PART.test(input[i])) i++;
      const text = input.slice(start, i);
      if (NUMBER.test(text)) tokens.push({ type: 'number', value: Number(text), pos: start, end: i });
      else if (DATE_TIME.test(text)) tokens.push({ type: 'dateTime', text, pos: start, end: i });
      else throw new RuleError('rule.syntax', `'${text}' is neither a number nor a date-time; put text values in double quotes`, start, i - start);
      continue;
    }
    if (WORD_START.test(c)) {
      i = readPath(input, i);
      const text = input.slice(start, i);
      const keyword = text.includes('.') ? undefined : KEYWORDS.get(text.toLowerCase());
      tokens.push(keyword ? { type: 'keyword', keyword, dashed: false, pos: start, end: i } : { type: 'word', text, pos: start, end: i });
      continue;
    }
    throw new RuleError('rule.syntax', `Unexpected character '${c}'`, start, 1);
  }
  tokens.push({ type: 'eof', pos: n, end: n });
  return tokens;
}

function readPath(input: string, i: number): number {
  const n = input.length;
  for (;;) {
    while (i < n && WORD_PART.test(input[i])) i++;
    if (i + 1 < n && input[i] === '.' && WORD_START.test(input[i + 1])) i++;
    else return i;
  }
}

/**
 * Double-quoted strings: a backtick escapes the next character (Entra's documented PowerShell-style
 * escape, `` `" `` for a quote), and `\"` is also read as a quote because rules are routinely typed
 * inside JSON or C# strings. Any other backslash is literal so regular expressions like `\d` survive.
 * Single-quoted strings (used in Microsoft's memberOf example) take `''` for a quote, as documented.
 */
function readString(input: string, start: number): { value: string; end: number } {
  const quote = input[start];
  const n = input.length;
  let value = '';
  let i = start + 1;
  while (i < n) {
    const c = input[i];
    if (c === '`') {
      if (i + 1 >= n) break;
      value += input[i + 1];
      i += 2;
    } else if (quote === '"' && c === '\\' && input[i + 1] === '"') {
      value += '"';
      i += 2;
    } else if (c === quote) {
      if (quote === "'" && input[i + 1] === "'") {
        value += "'";
        i += 2;
      } else {
        return { value, end: i + 1 };
      }
    } else {
      value += c;
      i++;
    }
  }
  throw new RuleError('rule.syntax', `This string is never closed; add a ${quote} at the end`, start, n - start);
}
