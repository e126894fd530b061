/**
 * Recursive-descent parser for the `$filter` subset Graph clients send:
 *
 *   or      := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | primary
 *   primary := '(' or ')' | function | path '/' ('any'|'all') lambda | operand cmpop operand
 *            | path 'in' '(' literal (',' literal)* ')'
 *
 * Keywords are case-insensitive. Anything outside the subset is refused with
 * `odata.unsupported` rather than guessed at, because a filter silently read differently
 * returns the wrong devices.
 */
import { FILTER_COMPARISON_OPERATORS, FILTER_STRING_FUNCTIONS, type FilterComparisonOperator, type FilterLiteral, type FilterNode, type FilterOperand, type FilterPropertyRef, type FilterStringFunction, type FilterVariableRef } from './ast.js';
import { odataFail } from './errors.js';
import { tokenize, type Token } from './tokenizer.js';

export interface ParseFilterOptions {
  /** Longest accepted `$filter`, in characters. */
  maxLength?: number;
  /** Deepest accepted nesting of parentheses, `not`, functions and lambdas. */
  maxDepth?: number;
  /** Most values one `in (…)` list may hold. */
  maxInValues?: number;
}

export const DEFAULT_FILTER_MAX_LENGTH = 2048;
export const DEFAULT_FILTER_MAX_DEPTH = 32;
/**
 * Graph serves `in` with at most 15 values by default ("the maximum number of expressions in a
 * filter clause when using the in operator is 15", learn.microsoft.com/graph/filter-query-parameter);
 * Entra's advanced queries lift that to the URL length, which a caller can mirror with `maxInValues`.
 */
export const DEFAULT_FILTER_MAX_IN_VALUES = 15;
// The parser recurses once per nesting level; past this a caller's limit would become a stack overflow.
const HARD_MAX_DEPTH = 1000;

const RESERVED = new Set(['and', 'or', 'not', 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'true', 'false', 'null']);
const LITERAL_WORDS = new Set(['true', 'false', 'null']);
const LITERAL_TOKENS = new Set<Token['type']>(['string', 'number', 'guid', 'datetime', 'enum']);
const UNSUPPORTED_OPERATORS = new Set(['has', 'add', 'sub', 'mul', 'div', 'divby', 'mod']);

export function parseFilter(input: string, options: ParseFilterOptions = {}): FilterNode {
  const maxLength = options.maxLength ?? DEFAULT_FILTER_MAX_LENGTH;
  if (input.length > maxLength) odataFail('odata.tooLong', `$filter is ${input.length} characters long; at most ${maxLength} are accepted.`, maxLength);
  return new Parser(tokenize(input), Math.min(options.maxDepth ?? DEFAULT_FILTER_MAX_DEPTH, HARD_MAX_DEPTH), options.maxInValues ?? DEFAULT_FILTER_MAX_IN_VALUES).parse();
}

function describe(token: Token): string {
  switch (token.type) {
    case 'eof':
      return 'end of input';
    case 'ident':
      return `'${token.value}'`;
    case 'string':
      return 'a string literal';
    case 'number':
    case 'guid':
    case 'datetime':
    case 'enum':
      return `a ${token.type} literal`;
    default:
      return `'${token.type}'`;
  }
}

function keyword(token: Token): string | undefined {
  return token.type === 'ident' ? token.value.toLowerCase() : undefined;
}

class Parser {
  private index = 0;
  private depth = 0;
  private readonly scope: string[] = [];

  constructor(
    private readonly tokens: Token[],
    private readonly maxDepth: number,
    private readonly maxInValues: number,
  ) {}

  parse(): FilterNode {
    if (this.peek().type === 'eof') odataFail('odata.syntax', '$filter is empty: expected an expression.', 0);
    const node = this.parseOr();
    const rest = this.peek();
    if (rest.type !== 'eof') this.expected("'and', 'or' or end of input", rest);
    return node;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== 'eof') this.index++;
    return token;
  }

  private expected(what: string, token: Token): never {
    odataFail('odata.syntax', `Syntax error at position ${token.pos}: expected ${what} but found ${describe(token)}.`, token.pos);
  }

  private expect<T extends Token['type']>(type: T, what: string): Extract<Token, { type: T }> {
    const token = this.peek();
    if (token.type !== type) this.expected(what, token);
    this.next();
    return token as Extract<Token, { type: T }>;
  }

  private enter(token: Token): void {
    if (++this.depth > this.maxDepth) odataFail('odata.depth', `$filter nests deeper than ${this.maxDepth} levels at position ${token.pos}.`, token.pos);
  }

  private leave(): void {
    this.depth--;
  }

  private parseOr(): FilterNode {
    let left = this.parseAnd();
    while (keyword(this.peek()) === 'or') {
      this.next();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterNode {
    let left = this.parseUnary();
    while (keyword(this.peek()) === 'and') {
      this.next();
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): FilterNode {
    const token = this.peek();
    if (keyword(token) !== 'not') return this.parsePrimary();
    this.next();
    this.enter(token);
    const operand = this.parseUnary();
    this.leave();
    return { kind: 'not', operand };
  }

  private parsePrimary(): FilterNode {
    const token = this.peek();
    if (token.type === '(') {
      this.next();
      this.enter(token);
      const inner = this.parseOr();
      this.expect(')', "')'");
      this.leave();
      return inner;
    }
    if (token.type === 'ident' && this.peek(1).type === '(') return this.parseFunction();
    if (token.type === 'ident' && !RESERVED.has(token.value.toLowerCase())) {
      const path = this.parsePath();
      if (path.lambda) return this.parseLambda(path.ref, path.lambda);
      return this.parseComparison(path.ref);
    }
    return this.parseComparison(this.parseOperand());
  }

  private parseFunction(): FilterNode {
    const nameToken = this.expect('ident', 'a function name');
    const name = nameToken.value.toLowerCase();
    if (!(FILTER_STRING_FUNCTIONS as readonly string[]).includes(name)) {
      odataFail('odata.unsupported', `Function '${nameToken.value}' at position ${nameToken.pos} is not supported; supported functions are startswith, endswith and contains.`, nameToken.pos);
    }
    const open = this.expect('(', "'('");
    this.enter(open);
    const first = this.parseOperand();
    this.expect(',', "','");
    const second = this.parseOperand();
    this.expect(')', "')'");
    this.leave();
    return { kind: 'function', name: name as FilterStringFunction, args: [first, second] };
  }

  /** A property path or a range-variable path; stops before `/any(` or `/all(` and reports which. */
  private parsePath(): { ref: FilterPropertyRef | FilterVariableRef; lambda?: { op: 'any' | 'all'; token: Token } } {
    const first = this.expect('ident', 'a property name');
    this.checkName(first);
    const segments = [first.value];
    while (this.peek().type === '/') {
      this.next();
      const segment = this.peek();
      if (segment.type !== 'ident') this.expected('a property name after \'/\'', segment);
      this.next();
      const lower = segment.value.toLowerCase();
      if ((lower === 'any' || lower === 'all') && this.peek().type === '(') {
        return { ref: this.makeRef(segments), lambda: { op: lower, token: segment } };
      }
      if (this.peek().type === '(') odataFail('odata.unsupported', `'${segment.value}' at position ${segment.pos} is not supported; only any() and all() may follow a collection.`, segment.pos);
      this.checkName(segment);
      segments.push(segment.value);
    }
    return { ref: this.makeRef(segments) };
  }

  private checkName(token: Extract<Token, { type: 'ident' }>): void {
    const c = token.value[0];
    if (c === '$' || c === '@') odataFail('odata.unsupported', `'${token.value}' at position ${token.pos} is not supported in $filter.`, token.pos);
    if (RESERVED.has(token.value.toLowerCase())) this.expected('a property name', token);
  }

  private makeRef(segments: string[]): FilterPropertyRef | FilterVariableRef {
    const [head, ...rest] = segments as [string, ...string[]];
    if (this.scope.includes(head)) return { kind: 'variable', name: head, path: rest };
    return { kind: 'property', path: segments };
  }

  private parseLambda(collection: FilterPropertyRef | FilterVariableRef, lambda: { op: 'any' | 'all'; token: Token }): FilterNode {
    const open = this.expect('(', "'('");
    this.enter(open);
    if (this.peek().type === ')') {
      if (lambda.op === 'all') this.expected('a range variable and a predicate in all()', this.peek());
      this.next();
      this.leave();
      return { kind: 'lambda', op: 'any', collection };
    }
    const variable = this.expect('ident', 'a range variable name');
    this.checkName(variable);
    this.expect(':', "':' after the range variable");
    this.scope.push(variable.value);
    const predicate = this.parseOr();
    this.scope.pop();
    this.expect(')', "')' closing the lambda");
    this.leave();
    return { kind: 'lambda', op: lambda.op, collection, variable: variable.value, predicate };
  }

  private parseComparison(left: FilterOperand): FilterNode {
    const token = this.peek();
    const op = keyword(token);
    if (op === 'in') return this.parseIn(left);
    if (op && UNSUPPORTED_OPERATORS.has(op)) odataFail('odata.unsupported', `Operator '${op}' at position ${token.pos} is not supported.`, token.pos);
    if (!op || !(FILTER_COMPARISON_OPERATORS as readonly string[]).includes(op)) this.expected('a comparison operator (eq, ne, gt, ge, lt, le)', token);
    this.next();
    return { kind: 'compare', op: op as FilterComparisonOperator, left, right: this.parseOperand() };
  }

  /** `operand in (literal, …)`, the list read to its end only while it stays within the limit. */
  private parseIn(operand: FilterOperand): FilterNode {
    const inToken = this.next();
    if (operand.kind === 'literal') odataFail('odata.unsupported', `The left operand of 'in' at position ${inToken.pos} must be a property, not a literal.`, inToken.pos);
    const open = this.peek();
    if (open.type === 'ident') odataFail('odata.unsupported', `'in' at position ${inToken.pos} takes a parenthesised list of literals, e.g. serialNumber in ('A','B'); a collection is not supported.`, open.pos);
    this.expect('(', "'(' opening the list of values");
    this.enter(open);
    const values: FilterLiteral[] = [];
    for (;;) {
      const token = this.peek();
      if (values.length >= this.maxInValues) {
        odataFail('odata.tooLong', `Too many values in the 'in' list at position ${open.pos}: more than ${this.maxInValues}. Max allowed: ${this.maxInValues}.`, token.pos);
      }
      const value = this.parseInValue();
      const first = values[0];
      if (first && !sameLiteralType(first, value)) {
        odataFail('odata.unsupported', `The values of an 'in' list must be of one type: the value at position ${token.pos} is ${literalType(value)}, the first ${literalType(first)}.`, token.pos);
      }
      values.push(value);
      if (this.peek().type !== ',') break;
      this.next();
    }
    this.expect(')', "',' or ')' closing the 'in' list");
    this.leave();
    return { kind: 'in', operand, values };
  }

  private parseInValue(): FilterLiteral {
    const token = this.peek();
    if (token.type === 'ident' && !LITERAL_WORDS.has(token.value.toLowerCase())) {
      odataFail('odata.unsupported', `'${token.value}' at position ${token.pos} is not a literal; an 'in' list holds literals only.`, token.pos);
    }
    if (token.type !== 'ident' && !LITERAL_TOKENS.has(token.type)) this.expected("a literal in the 'in' list", token);
    return this.parseOperand() as FilterLiteral;
  }

  private parseOperand(): FilterOperand {
    const token = this.peek();
    switch (token.type) {
      case 'string':
        this.next();
        return { kind: 'literal', type: 'string', value: token.value };
      case 'number':
        this.next();
        return { kind: 'literal', type: 'number', value: token.value };
      case 'guid':
        this.next();
        return { kind: 'literal', type: 'guid', value: token.value };
      case 'datetime':
        this.next();
        return { kind: 'literal', type: 'datetime', value: token.value };
      case 'enum':
        this.next();
        return { kind: 'literal', type: 'enum', value: token.value, enumType: token.enumType };
      case 'ident': {
        const word = token.value.toLowerCase();
        if (word === 'true' || word === 'false') {
          this.next();
          return { kind: 'literal', type: 'boolean', value: word === 'true' };
        }
        if (word === 'null') {
          this.next();
          return { kind: 'literal', type: 'null', value: null };
        }
        if (this.peek(1).type === '(') odataFail('odata.unsupported', `Function '${token.value}' at position ${token.pos} is not supported as an operand.`, token.pos);
        const path = this.parsePath();
        if (path.lambda) odataFail('odata.unsupported', `A lambda at position ${path.lambda.token.pos} cannot be used as an operand.`, path.lambda.token.pos);
        return path.ref;
      }
      default:
        return this.expected('a property or a literal', token);
    }
  }
}

function sameLiteralType(a: FilterLiteral, b: FilterLiteral): boolean {
  if (a.type !== b.type) return false;
  return a.type !== 'enum' || a.enumType === (b as Extract<FilterLiteral, { type: 'enum' }>).enumType;
}

function literalType(literal: FilterLiteral): string {
  return literal.type === 'enum' ? `a ${literal.enumType} literal` : `a ${literal.type} literal`;
}
