/**
 * Splits a `$filter` into tokens. Every pattern is anchored at the current offset (sticky
 * regular expressions with no nested quantifiers), so tokenizing is linear in the input
 * whatever a client sends.
 */
import { odataFail } from './errors.js';

export type Token =
  | { type: 'ident'; value: string; pos: number }
  | { type: 'string'; value: string; pos: number }
  | { type: 'number'; value: number; pos: number }
  | { type: 'guid'; value: string; pos: number }
  | { type: 'datetime'; value: string; pos: number }
  | { type: 'enum'; value: string; enumType: string; pos: number }
  | { type: '(' | ')' | ',' | ':' | '/'; pos: number }
  | { type: 'eof'; pos: number };

const WHITESPACE = /[ \t\r\n]+/y;
const GUID = /[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Za-z_-])/y;
const DATETIME = /\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,12})?)?(?:Z|[+-]\d{2}:\d{2}))?(?![0-9A-Za-z_:.-])/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![0-9A-Za-z_.-])/y;
// Dots are part of a name only in qualified type names, which appear here as enum literal prefixes.
const NAME = /[A-Za-z_$@][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;

function match(re: RegExp, input: string, at: number): string | undefined {
  re.lastIndex = at;
  const m = re.exec(input);
  return m ? m[0] : undefined;
}

/** Reads a quoted string starting at `start` (the opening quote); `''` is one quote. */
function readString(input: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  for (;;) {
    const close = input.indexOf("'", i);
    if (close < 0) odataFail('odata.syntax', `Unterminated string literal: expected a closing ' for the string starting at position ${start}.`, start);
    value += input.slice(i, close);
    if (input[close + 1] === "'") {
      value += "'";
      i = close + 2;
      continue;
    }
    return { value, end: close + 1 };
  }
}

function validDateTime(text: string): boolean {
  const [y, mo, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return false;
  if (text.length === 10) return true;
  const h = Number(text.slice(11, 13));
  const mi = Number(text.slice(14, 16));
  const s = text[16] === ':' ? Number(text.slice(17, 19)) : 0;
  if (h > 23 || mi > 59 || s > 59) return false;
  const zone = /([+-])(\d{2}):(\d{2})$/.exec(text);
  if (zone && (Number(zone[2]) > 23 || Number(zone[3]) > 59)) return false;
  return true;
}

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ws = match(WHITESPACE, input, i);
    if (ws) {
      i += ws.length;
      continue;
    }
    const c = input[i]!;
    if (c === '(' || c === ')' || c === ',' || c === ':' || c === '/') {
      tokens.push({ type: c, pos: i });
      i++;
      continue;
    }
    if (c === "'") {
      const s = readString(input, i);
      tokens.push({ type: 'string', value: s.value, pos: i });
      i = s.end;
      continue;
    }
    const guid = match(GUID, input, i);
    if (guid) {
      tokens.push({ type: 'guid', value: guid, pos: i });
      i += guid.length;
      continue;
    }
    if ((c >= '0' && c <= '9') || c === '-') {
      const dt = match(DATETIME, input, i);
      if (dt) {
        if (!validDateTime(dt)) odataFail('odata.syntax', `Invalid DateTimeOffset literal '${dt}'.`, i);
        tokens.push({ type: 'datetime', value: dt, pos: i });
        i += dt.length;
        continue;
      }
      const num = match(NUMBER, input, i);
      if (num) {
        const value = Number(num);
        if (!Number.isFinite(value)) odataFail('odata.syntax', `Number literal '${num}' is out of range.`, i);
        tokens.push({ type: 'number', value, pos: i });
        i += num.length;
        continue;
      }
      odataFail('odata.syntax', `Invalid literal at position ${i}: expected a number, a GUID or a DateTimeOffset.`, i);
    }
    const name = match(NAME, input, i);
    if (name) {
      if (name.includes('.')) {
        if (input[i + name.length] !== "'") {
          odataFail('odata.unsupported', `Qualified name '${name}' is not supported here; only enum literals such as ${name}'value' are.`, i);
        }
        const s = readString(input, i + name.length);
        tokens.push({ type: 'enum', value: s.value, enumType: name, pos: i });
        i = s.end;
        continue;
      }
      tokens.push({ type: 'ident', value: name, pos: i });
      i += name.length;
      continue;
    }
    odataFail('odata.syntax', `Unexpected character '${c}' at position ${i}.`, i);
  }
  tokens.push({ type: 'eof', pos: input.length });
  return tokens;
}
