/**
 * The slice of OData `$filter` the directory lists need: equality on properties, a
 * lambda equality on collections (`physicalIds/any(p:p eq '…')`), joined by `and`.
 * Anything else is refused with a message, never guessed at.
 */

export type FilterValue = string | boolean;

export type FilterClause =
  | { kind: 'eq'; property: string; value: FilterValue }
  | { kind: 'any-eq'; property: string; value: FilterValue };

export class FilterError extends Error {
  override name = 'FilterError';
}

type Token = { t: 'str'; v: string } | { t: 'word'; v: string } | { t: 'sym'; v: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= input.length) throw new FilterError('Unterminated string literal in $filter.');
        if (input[i] === "'") {
          if (input[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += input[i++];
      }
      tokens.push({ t: 'str', v: value });
    } else if ('():'.includes(c)) {
      tokens.push({ t: 'sym', v: c });
      i++;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_./-]*/.exec(input.slice(i));
      if (!m) throw new FilterError(`Unexpected character '${c}' in $filter.`);
      tokens.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

export function parseFilter(input: string): FilterClause[] {
  if (input.length > 2000) throw new FilterError('$filter is too long.');
  const tokens = tokenize(input);
  let pos = 0;
  const next = () => tokens[pos++];
  const expect = (t: Token['t'], v?: string): Token => {
    const tok = next();
    if (!tok || tok.t !== t || (v !== undefined && tok.v.toLowerCase() !== v)) {
      throw new FilterError(`Unsupported $filter: expected ${v ?? t}${tok ? ` near '${tok.v}'` : ' at the end'}.`);
    }
    return tok;
  };
  const literal = (): FilterValue => {
    const tok = next();
    if (tok?.t === 'str') return tok.v;
    if (tok?.t === 'word' && (tok.v === 'true' || tok.v === 'false')) return tok.v === 'true';
    throw new FilterError('Unsupported $filter: expected a string or boolean literal.');
  };
  const clauses: FilterClause[] = [];
  for (;;) {
    const path = expect('word').v;
    if (path.toLowerCase().endsWith('/any')) {
      expect('sym', '(');
      const variable = expect('word').v;
      expect('sym', ':');
      if (expect('word').v !== variable) throw new FilterError('Unsupported $filter: the lambda must compare its variable.');
      expect('word', 'eq');
      const value = literal();
      expect('sym', ')');
      clauses.push({ kind: 'any-eq', property: path.slice(0, -4), value });
    } else {
      expect('word', 'eq');
      clauses.push({ kind: 'eq', property: path, value: literal() });
    }
    if (pos >= tokens.length) return clauses;
    expect('word', 'and');
  }
}
