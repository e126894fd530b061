/**
 * `$search` as Graph reads it on directory collections: double-quoted clauses
 * (`"displayName:jo"`) joined by upper-case `AND` / `OR`, with parentheses for precedence
 * and `AND` binding tighter than `OR`:
 *
 *   or      := and ('OR' and)*
 *   and     := primary ('AND' primary)*
 *   primary := '"' clause '"' | '(' or ')'
 *   clause  := [property ':'] text        (\" and \\ escape a quote and a backslash)
 *
 * Anything else (lower-case `and`, `NOT`, bare words, stray quotes) is refused with an
 * ODataError naming the position, never guessed at. Splitting the input is one linear pass,
 * and nesting is bounded, so no input makes the parser hang or overflow the stack.
 */
import { odataFail } from './errors.js';
import { chainOperands } from './walk.js';

/** One clause. `property` is absent when the clause names none (`"pizza"`), which collections may refuse. */
export interface SearchTerm {
  kind: 'term';
  property?: string;
  /** The text after the colon, unescaped. Never blank. */
  text: string;
}

export type SearchNode = SearchTerm | { kind: 'and' | 'or'; left: SearchNode; right: SearchNode };

export interface ParseSearchOptions {
  /** Longest accepted `$search`, in characters. */
  maxLength?: number;
  /** Deepest accepted nesting of parentheses. */
  maxDepth?: number;
}

export const DEFAULT_SEARCH_MAX_LENGTH = 2048;
export const DEFAULT_SEARCH_MAX_DEPTH = 32;
// The parser recurses once per parenthesis; past this a caller's limit would become a stack overflow.
const HARD_MAX_DEPTH = 1000;
const PROPERTY = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Token = { type: 'clause'; term: SearchTerm; pos: number } | { type: 'AND' | 'OR' | '(' | ')'; pos: number } | { type: 'eof'; pos: number };

function fail(message: string, pos: number, code: 'odata.syntax' | 'odata.unsupported' = 'odata.syntax'): never {
  odataFail(code, message, pos, '$search');
}

export function parseSearch(input: string, options: ParseSearchOptions = {}): SearchNode {
  const maxLength = options.maxLength ?? DEFAULT_SEARCH_MAX_LENGTH;
  if (input.length > maxLength) odataFail('odata.tooLong', `$search is ${input.length} characters long; at most ${maxLength} are accepted.`, maxLength, '$search');
  const tokens = tokenize(input);
  const parser = new Parser(tokens, Math.min(options.maxDepth ?? DEFAULT_SEARCH_MAX_DEPTH, HARD_MAX_DEPTH));
  return parser.parse();
}

/** Reads a quoted clause whose opening quote is at `start`. */
function readClause(input: string, start: number): { term: SearchTerm; end: number } {
  let content = '';
  let i = start + 1;
  for (;;) {
    // Jump to the next quote or backslash rather than stepping one character at a time.
    let next = i;
    while (next < input.length && input[next] !== '"' && input[next] !== '\\') next++;
    content += input.slice(i, next);
    if (next >= input.length) fail(`Unterminated clause: expected a closing '"' for the clause starting at position ${start}.`, start);
    if (input[next] === '"') return { term: term(content, start), end: next + 1 };
    const escaped = input[next + 1];
    if (escaped !== '"' && escaped !== '\\') fail(`Invalid escape at position ${next}: inside a $search clause only \\" and \\\\ are escapes.`, next);
    content += escaped;
    i = next + 2;
  }
}

function term(content: string, pos: number): SearchTerm {
  const colon = content.indexOf(':');
  const property = colon >= 0 ? content.slice(0, colon).trim() : '';
  const named = colon >= 0 && PROPERTY.test(property);
  const text = named ? content.slice(colon + 1) : content;
  if (text.trim().length === 0) {
    fail(named ? `The $search clause at position ${pos} has no text to search for after '${property}:'.` : `The $search clause at position ${pos} is empty.`, pos);
  }
  return named ? { kind: 'term', property, text } : { kind: 'term', text };
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ type: c, pos: i });
      i++;
      continue;
    }
    if (c === '"') {
      const clause = readClause(input, i);
      tokens.push({ type: 'clause', term: clause.term, pos: i });
      i = clause.end;
      continue;
    }
    let end = i;
    while (end < input.length && !' \t\r\n()"'.includes(input[end]!)) end++;
    const word = input.slice(i, end);
    if (word === 'AND' || word === 'OR') {
      tokens.push({ type: word, pos: i });
      i = end;
      continue;
    }
    const shown = word.length > 40 ? `${word.slice(0, 40)}…` : word;
    if (word.toUpperCase() === 'AND' || word.toUpperCase() === 'OR') fail(`'${word}' at position ${i} must be written in upper case: ${word.toUpperCase()}.`, i);
    if (word.toUpperCase() === 'NOT') fail(`'${word}' at position ${i} is not supported in $search.`, i, 'odata.unsupported');
    fail(`Unexpected '${shown}' at position ${i}: every $search clause is enclosed in double quotes, as in "displayName:jo".`, i);
  }
  tokens.push({ type: 'eof', pos: input.length });
  return tokens;
}

function describe(token: Token): string {
  if (token.type === 'eof') return 'end of input';
  if (token.type === 'clause') return 'a clause';
  return `'${token.type}'`;
}

class Parser {
  private at = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly maxDepth: number,
  ) {}

  parse(): SearchNode {
    const node = this.or(0);
    const rest = this.peek();
    if (rest.type !== 'eof') fail(`Expected AND, OR or the end of $search at position ${rest.pos} but found ${describe(rest)}.`, rest.pos);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.at]!;
  }

  private next(): Token {
    const token = this.tokens[this.at]!;
    if (token.type !== 'eof') this.at++;
    return token;
  }

  private or(depth: number): SearchNode {
    let left = this.and(depth);
    while (this.peek().type === 'OR') {
      this.next();
      left = { kind: 'or', left, right: this.and(depth) };
    }
    return left;
  }

  private and(depth: number): SearchNode {
    let left = this.primary(depth);
    while (this.peek().type === 'AND') {
      this.next();
      left = { kind: 'and', left, right: this.primary(depth) };
    }
    return left;
  }

  private primary(depth: number): SearchNode {
    const token = this.next();
    if (token.type === 'clause') return token.term;
    if (token.type === '(') {
      if (depth + 1 > this.maxDepth) odataFail('odata.depth', `$search nests parentheses deeper than ${this.maxDepth} levels.`, token.pos, '$search');
      const inner = this.or(depth + 1);
      const close = this.next();
      if (close.type !== ')') fail(`Expected ')' at position ${close.pos} to close the '(' at position ${token.pos} but found ${describe(close)}.`, close.pos);
      return inner;
    }
    return fail(`Expected a quoted clause or '(' at position ${token.pos} but found ${describe(token)}.`, token.pos);
  }
}

/** Prints a search so that `parseSearch` reads it back as the same tree. */
export function formatSearch(node: SearchNode): string {
  return print(node, 'or');
}

function print(node: SearchNode, context: 'or' | 'and'): string {
  if (node.kind === 'term') {
    const content = node.property === undefined ? node.text : `${node.property}:${node.text}`;
    return `"${content.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  }
  // Chains lean left, so only a right operand of the same kind, or an OR inside an AND, needs parentheses.
  const left = print(node.left, node.kind);
  const rightText = print(node.right, node.kind);
  const right = node.right.kind === node.kind ? `(${rightText})` : rightText;
  const text = `${left} ${node.kind.toUpperCase()} ${right}`;
  return node.kind === 'or' && context === 'and' ? `(${text})` : text;
}

/** The operands of a chain of one operator, left to right (see walk.ts). */
export function searchChainOperands(node: SearchNode & { kind: 'and' | 'or' }): SearchNode[] {
  return chainOperands<SearchNode>(node);
}
