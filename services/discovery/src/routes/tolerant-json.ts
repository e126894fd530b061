/**
 * JSON as WindowsAutopilotIntune(Community)'s Set-AutopilotDevice writes it: object keys
 * without quotes (`{ groupTag: "Sales" }`), which Graph accepts. Strict JSON is tried first;
 * otherwise a single pass quotes bare keys and turns single-quoted strings into JSON strings,
 * and the result goes through JSON.parse. Nothing is ever evaluated, and the text is bounded
 * by the route's body limit before it gets here.
 */
import type { FastifyInstance } from 'fastify';
import { discoveryErrors } from '../errors.js';

/** Action bodies are a handful of short strings. */
export const ACTION_BODY_LIMIT = 64 * 1024;

const BARE_KEY_START = /[A-Za-z_$]/;
const BARE_KEY_PART = /[A-Za-z0-9_$]/;

/** Rewrites lenient JSON into strict JSON, or returns undefined if it cannot. */
export function strictJson(text: string): string | undefined {
  let out = '';
  let i = 0;
  /** Open brackets, innermost last; `key` is whether an object's next token is a key. */
  const open: Array<{ object: boolean; key: boolean }> = [];
  while (i < text.length) {
    const c = text[i]!;
    const top = open.at(-1);
    if (c === '"' || c === "'") {
      let j = i + 1;
      let body = '';
      for (; j < text.length && text[j] !== c; j++) {
        if (text[j] === '\\') {
          if (j + 1 >= text.length) return undefined;
          // \' is legal only in the single-quoted form and means a bare quote.
          body += text[j + 1] === "'" ? "'" : text[j]! + text[j + 1]!;
          j++;
        } else if (c === "'" && text[j] === '"') body += '\\"';
        else body += text[j]!;
      }
      if (j >= text.length) return undefined;
      out += `"${body}"`;
      i = j + 1;
      continue;
    }
    if (top?.object && top.key && BARE_KEY_START.test(c)) {
      let j = i;
      while (j < text.length && BARE_KEY_PART.test(text[j]!)) j++;
      out += JSON.stringify(text.slice(i, j));
      i = j;
      continue;
    }
    if (c === '{') open.push({ object: true, key: true });
    else if (c === '[') open.push({ object: false, key: false });
    else if (c === '}' || c === ']') open.pop();
    else if (c === ':' && top) top.key = false;
    else if (c === ',' && top?.object) top.key = true;
    out += c;
    i++;
  }
  return out;
}

export function parseTolerantJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    const rewritten = strictJson(text);
    if (rewritten !== undefined) {
      try {
        return JSON.parse(rewritten);
      } catch {
        // falls through to the refusal below
      }
    }
    throw discoveryErrors.badRequest('The request body is not valid JSON.');
  }
}

/** Installs the tolerant parser in the calling plugin's scope only. */
export function useTolerantJson(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: ACTION_BODY_LIMIT }, (_request, body, done) => {
    try {
      done(null, parseTolerantJson(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
