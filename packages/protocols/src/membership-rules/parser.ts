import {
  MAX_RULE_LENGTH,
  RULE_OPERATORS,
  type RuleComparisonNode,
  type RuleOperator,
  type RulePropertyRef,
  type RuleDialect,
  type RuleNode,
  type RuleSubject,
  type RuleValue,
  type RuleScalarValue,
} from './ast.js';
import { RuleError } from './errors.js';
import { DATE_TIME, describeToken, tokenize, type Keyword, type Token } from './lexer.js';
import { lookupProperty, propertyHint, suggestName, type PropertySpec, type PropertyType } from './properties.js';
import { compileRulePattern } from './regex.js';

export interface ParseRuleOptions {
  dialect: RuleDialect;
  /** Fixes what the rule is about; otherwise the first property decides. Device filters are always `device`. */
  subject?: RuleSubject;
}

/**
 * Parentheses and `-not` each add a level; a bound keeps recursion far from the stack limit even for a
 * 3,072-character rule made only of `(`.
 */
export const MAX_RULE_NESTING = 64;

const OPERATOR_LIST = '-eq, -ne, -startsWith, -notStartsWith, -endsWith, -notEndsWith, -contains, -notContains, -match, -notMatch, -in, -notIn, -le, -ge, -any, -all';
const STRING_OPERATORS: readonly RuleOperator[] = RULE_OPERATORS.filter((op) => op !== 'le' && op !== 'ge');
const DURATION = /^P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$/i;

interface Lambda {
  collection: PropertySpec;
}

interface Span {
  pos: number;
  end: number;
}

export function parseRule(input: string, options: ParseRuleOptions): RuleNode {
  if (input.length > MAX_RULE_LENGTH) {
    throw new RuleError(
      'rule.tooLong',
      `The rule is ${input.length} characters long; Entra accepts at most ${MAX_RULE_LENGTH}. Shorten it, for example by replacing chains of -or with -in [...]`,
      MAX_RULE_LENGTH,
      input.length - MAX_RULE_LENGTH,
    );
  }
  if (options.dialect === 'deviceFilter' && options.subject === 'user') {
    throw new RangeError('device filters are always about devices');
  }
  return new Parser(input, tokenize(input), options).rule();
}

class Parser {
  private i = 0;
  private depth = 0;
  private subject: RuleSubject | undefined;
  private lambda: Lambda | undefined;
  private readonly dialect: RuleDialect;

  constructor(
    private readonly input: string,
    private readonly tokens: Token[],
    options: ParseRuleOptions,
  ) {
    this.dialect = options.dialect;
    this.subject = options.dialect === 'deviceFilter' ? 'device' : options.subject;
  }

  rule(): RuleNode {
    if (this.peek().type === 'eof') throw this.error('rule.syntax', 'The rule is empty; expected a condition such as user.department -eq "Sales"', this.peek());
    const node = this.or();
    const t = this.peek();
    if (t.type !== 'eof') {
      const hint = t.type === 'rparen' ? "There is a ')' without a matching '('" : `Expected -and, -or or the end of the rule but found ${this.describe(t)}`;
      throw this.error('rule.syntax', hint, t);
    }
    return node;
  }

  private or(): RuleNode {
    let left = this.and();
    while (this.isKeyword(this.peek(), 'or')) {
      this.i++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): RuleNode {
    let left = this.not();
    while (this.isKeyword(this.peek(), 'and')) {
      this.i++;
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): RuleNode {
    const t = this.peek();
    if (this.isKeyword(t, 'not')) {
      this.i++;
      this.enter(t);
      const operand = this.not();
      this.depth--;
      return { kind: 'not', operand };
    }
    return this.primary();
  }

  private primary(): RuleNode {
    const t = this.peek();
    if (t.type === 'lparen') {
      this.i++;
      this.enter(t);
      const node = this.or();
      this.closeParen(t);
      this.depth--;
      return node;
    }
    if (t.type === 'word') return this.condition();
    throw this.error('rule.syntax', `Expected a condition such as ${this.example()} but found ${this.describe(t)}`, t);
  }

  private condition(): RuleNode {
    const propToken = this.next();
    if (propToken.type !== 'word') throw this.error('rule.syntax', `Expected a property but found ${this.describe(propToken)}`, propToken);
    const { ref, spec } = this.property(propToken);
    const opToken = this.next();
    if (opToken.type === 'unknownOperator') {
      throw this.error('rule.operator', `'-${opToken.text}' is not an operator; use one of ${OPERATOR_LIST}`, opToken);
    }
    if (opToken.type === 'word') {
      const hint = suggestName(opToken.text, OPERATOR_LIST.split(', ').map((o) => o.slice(1)));
      throw this.error(
        'rule.operator',
        `'${opToken.text}' is not an operator${hint ? ` (did you mean -${hint}?)` : ''}; after ${this.text(propToken)} use one of ${OPERATOR_LIST}`,
        opToken,
      );
    }
    if (opToken.type !== 'keyword' || ['and', 'or', 'not', 'plus', 'minus'].includes(opToken.keyword)) {
      throw this.error('rule.syntax', `Expected an operator such as -eq after ${this.text(propToken)} but found ${this.describe(opToken)}`, opToken);
    }
    if (opToken.keyword === 'any' || opToken.keyword === 'all') return this.quantifier(propToken, ref, spec, opToken.keyword, opToken);
    const operator = opToken.keyword as RuleOperator;
    const valueStart = this.peek();
    const value = this.value();
    const valueSpan = { pos: valueStart.pos, end: this.tokens[this.i - 1].end };
    return this.check(ref, spec, operator, value, propToken, opToken, valueSpan);
  }

  private property(t: Token & { type: 'word' }): { ref: RulePropertyRef; spec: PropertySpec } {
    const text = t.text;
    if (text === '_') {
      if (this.lambda?.collection.type === 'stringCollection') return { ref: { kind: 'element' }, spec: { name: '_', type: 'string' } };
      if (this.lambda) {
        const el = this.lambda.collection.element!;
        throw this.error('rule.syntax', `Inside ${this.lambda.collection.name} -any/-all, refer to ${el.fields.map((f) => `${el.alias}.${f}`).join(', ')} rather than _`, t);
      }
      throw this.error('rule.syntax', "'_' stands for one element of a collection and can only be used inside -any (...) or -all (...)", t);
    }
    const parts = text.split('.');
    const head = parts[0].toLowerCase();
    if (this.lambda) {
      const el = this.lambda.collection.element;
      if (el && parts.length === 2 && head === el.alias.toLowerCase()) {
        const field = el.fields.find((f) => f.toLowerCase() === parts[1].toLowerCase());
        if (field) return { ref: { kind: 'elementProperty', alias: el.alias, name: field }, spec: { name: field, type: 'string' } };
        const hint = suggestName(parts[1], el.fields);
        throw this.error('rule.unknownProperty', `${el.alias} has no field '${parts[1]}'${hint ? ` (did you mean ${el.alias}.${hint}?)` : ''}; it has ${el.fields.join(', ')}`, t);
      }
      const expected = el ? el.fields.map((f) => `${el.alias}.${f}`).join(', ') : '_';
      throw this.error('rule.syntax', `Inside ${this.lambda.collection.name} -any/-all only ${expected} can be compared, not ${text}`, t);
    }
    if (parts.length === 1) {
      if (['true', 'false', 'null'].includes(head)) throw this.error('rule.syntax', `A condition starts with a property such as ${this.example()}, not with the value ${text}`, t);
      throw this.error('rule.unknownProperty', `'${text}' is not a property; properties are written ${this.subject ?? 'user'}.<name>, for example ${this.example()}`, t);
    }
    if (head !== 'user' && head !== 'device') {
      if (head === 'system') throw this.error('rule.syntax', `${text} is a value, not a property; put it after an operator such as -le`, t);
      throw this.error('rule.unknownProperty', `'${text}' is not a property; properties start with user. or device.`, t);
    }
    const subject = head as RuleSubject;
    if (this.dialect === 'deviceFilter' && subject === 'user') {
      throw this.error('rule.unknownProperty', `Device filters can only use device properties, not ${text}`, t);
    }
    if (this.subject && this.subject !== subject) {
      throw this.error('rule.unknownProperty', `This rule is about ${this.subject}s, so it cannot also use ${text}; a rule cannot mix user and device properties`, t);
    }
    this.subject = subject;
    if (parts.length > 2) throw this.error('rule.unknownProperty', `'${text}' is not a property; nested properties are only reachable through -any/-all`, t);
    const spec = lookupProperty(this.dialect, subject, parts[1]);
    if (!spec) {
      const hint = propertyHint(this.dialect, subject, parts[1]);
      const where = this.dialect === 'deviceFilter' ? 'device filters' : `${subject} rules`;
      throw this.error('rule.unknownProperty', `'${parts[1]}' is not a property supported in ${where}${hint ? ` (did you mean ${subject}.${hint}?)` : ''}`, t);
    }
    return { ref: { kind: 'property', subject, name: spec.name }, spec };
  }

  private quantifier(propToken: Token, ref: RulePropertyRef, spec: PropertySpec, quantifier: 'any' | 'all', opToken: Token): RuleNode {
    if (this.dialect === 'deviceFilter') {
      throw this.error('rule.operator', `-${quantifier} is not supported in device filters; use -contains or -notContains on ${this.text(propToken)}`, opToken);
    }
    if (this.lambda) throw this.error('rule.syntax', `-${quantifier} cannot be nested inside another -any/-all`, opToken);
    if (ref.kind !== 'property' || (spec.type !== 'stringCollection' && spec.type !== 'objectCollection')) {
      throw this.error('rule.operator', `-${quantifier} needs a multi-valued property such as user.proxyAddresses; ${this.text(propToken)} holds a single value`, opToken);
    }
    this.lambda = { collection: spec };
    const open = this.peek();
    let predicate: RuleNode;
    if (open.type === 'lparen') {
      this.i++;
      this.enter(open);
      predicate = this.or();
      this.closeParen(open);
      this.depth--;
    } else if (open.type === 'word') {
      // Microsoft's device table writes `device.devicePhysicalIDs -any _ -startsWith "[ZTDId]"` without
      // parentheses; then the predicate is the single comparison that follows.
      predicate = this.condition();
    } else {
      const example = spec.element ? `(${spec.element.alias}.${spec.element.fields[0]} -eq "...")` : '(_ -eq "...")';
      throw this.error('rule.syntax', `Expected a condition on each element after -${quantifier}, such as ${example}, but found ${this.describe(open)}`, open);
    }
    this.lambda = undefined;
    return { kind: 'quantifier', quantifier, property: ref, predicate };
  }

  private value(): RuleValue {
    const t = this.next();
    switch (t.type) {
      case 'string':
        return { type: 'string', value: t.value };
      case 'number':
        return { type: 'number', value: t.value };
      case 'dateTime':
        return { type: 'dateTime', value: t.text };
      case 'lbracket':
        return this.array(t);
      case 'word': {
        const lower = t.text.toLowerCase();
        if (lower === 'true' || lower === 'false') return { type: 'boolean', value: lower === 'true' };
        if (lower === 'null') return { type: 'null' };
        if (lower === 'system.now') return this.now();
        throw this.error('rule.syntax', `Expected a value but found ${t.text}; put text in double quotes, for example "${t.text}"`, t);
      }
      default:
        throw this.error('rule.syntax', `Expected a value (a quoted string, a number, true, false, null or a list ["a","b"]) but found ${this.describe(t)}`, t);
    }
  }

  private now(): RuleValue {
    const t = this.peek();
    if (t.type !== 'keyword' || (t.keyword !== 'plus' && t.keyword !== 'minus')) return { type: 'now' };
    this.i++;
    const d = this.next();
    if (d.type !== 'word' || !DURATION.test(d.text)) {
      throw this.error('rule.syntax', `Expected an ISO 8601 duration such as P1D or PT12H after -${t.keyword} but found ${this.describe(d)}`, d);
    }
    return { type: 'now', offset: { sign: t.keyword, duration: d.text.toUpperCase() } };
  }

  private array(open: Token): RuleValue {
    const items: RuleScalarValue[] = [];
    if (this.peek().type === 'rbracket') throw this.error('rule.syntax', 'The list is empty; -in and -notIn need at least one value', { pos: open.pos, end: this.next().end });
    for (;;) {
      const t = this.next();
      if (t.type === 'string') items.push({ type: 'string', value: t.value });
      else if (t.type === 'number') items.push({ type: 'number', value: t.value });
      else if (t.type === 'eof') throw this.error('rule.syntax', `The list opened here is never closed; expected ']'`, open);
      else throw this.error('rule.syntax', `Expected a quoted string or a number in the list but found ${this.describe(t)}`, t);
      const sep = this.next();
      if (sep.type === 'rbracket') return { type: 'array', items };
      if (sep.type !== 'comma') throw this.error('rule.syntax', `Expected ',' or ']' in the list but found ${this.describe(sep)}`, sep);
    }
  }

  private check(
    property: RulePropertyRef,
    spec: PropertySpec,
    operator: RuleOperator,
    value: RuleValue,
    propToken: Token,
    opToken: Token,
    valueSpan: Span,
  ): RuleComparisonNode {
    const name = this.text(propToken);
    const op = this.text(opToken);
    if (spec.operators && !spec.operators.includes(operator)) {
      throw this.error('rule.operator', `${op} is not supported on ${name} in device filters; use ${spec.operators.map((o) => `-${o}`).join(', ')}`, opToken);
    }
    const allowed = operatorsFor(spec.type);
    if (!allowed.includes(operator)) {
      const why =
        spec.type === 'objectCollection'
          ? `${name} is a collection of objects; use -any or -all, for example ${name} -any (${spec.element!.alias}.${spec.element!.fields[0]} -eq "...")`
          : operator === 'le' || operator === 'ge'
            ? `${op} compares dates and only works on date properties such as user.employeeHireDate`
            : `${name} is ${article(spec.type)}; use ${allowed.map((o) => `-${o}`).join(', ')}`;
      throw this.error('rule.operator', `${op} is not supported on ${name}: ${why}`, opToken);
    }
    const typeError = (message: string) => this.error('rule.type', message, valueSpan);
    if (value.type === 'null') {
      if (operator !== 'eq' && operator !== 'ne') throw typeError(`null can only be compared with -eq or -ne; write "null" in quotes to mean the text null`);
      return withCollection({ kind: 'comparison', property, operator, value }, spec, this.dialect);
    }
    if (operator === 'in' || operator === 'notIn') {
      if (value.type !== 'array') throw typeError(`${op} needs a list such as ["a", "b"]`);
      return withCollection({ kind: 'comparison', property, operator, value }, spec, this.dialect);
    }
    if (value.type === 'array') throw typeError(`A list can only be used with -in or -notIn, not ${op}`);
    let normalized: RuleValue = value;
    switch (spec.type) {
      case 'boolean':
        if (value.type === 'string' && /^(true|false)$/i.test(value.value)) normalized = { type: 'boolean', value: value.value.toLowerCase() === 'true' };
        else if (value.type !== 'boolean') throw typeError(`${name} is true or false, so compare it with true or false`);
        break;
      case 'dateTime':
        if (value.type === 'string') {
          if (!DATE_TIME.test(value.value.trim()) || Number.isNaN(Date.parse(value.value))) {
            throw typeError(`${name} is a date; expected an ISO 8601 date-time such as 2024-06-10T18:13:20Z or system.now`);
          }
          normalized = { type: 'dateTime', value: value.value.trim() };
        } else if (value.type === 'dateTime') {
          if (Number.isNaN(Date.parse(value.value))) throw typeError(`${value.value} is not a valid date-time`);
        } else if (value.type !== 'now') {
          throw typeError(`${name} is a date; expected an ISO 8601 date-time such as 2024-06-10T18:13:20Z or system.now`);
        }
        break;
      default:
        if (value.type === 'boolean' || value.type === 'dateTime' || value.type === 'now') {
          throw typeError(`${name} holds text; put the value in double quotes`);
        }
        if ((operator === 'match' || operator === 'notMatch') && value.type === 'string') {
          const compiled = compileRulePattern(value.value);
          if (!compiled.ok) throw this.error('rule.regex', `The pattern for ${op} ${compiled.reason}`, valueSpan);
        }
        if ((operator === 'match' || operator === 'notMatch') && value.type !== 'string') {
          throw typeError(`${op} needs a regular expression in double quotes`);
        }
    }
    return withCollection({ kind: 'comparison', property, operator, value: normalized }, spec, this.dialect);
  }

  private closeParen(open: Token): void {
    const t = this.peek();
    if (t.type === 'rparen') {
      this.i++;
      return;
    }
    const found = t.type === 'eof' ? 'the end of the rule' : this.describe(t);
    const missingJoin = t.type === 'word' || t.type === 'lparen' ? '; conditions must be joined with -and or -or' : '';
    throw this.error('rule.syntax', `Expected ')' to close the '(' at position ${open.pos} but found ${found}${missingJoin}`, t);
  }

  private enter(t: Token): void {
    if (++this.depth > MAX_RULE_NESTING) throw this.error('rule.syntax', `The rule nests parentheses or -not more than ${MAX_RULE_NESTING} levels deep`, t);
  }

  private example(): string {
    if (this.lambda) return this.lambda.collection.element ? `${this.lambda.collection.element.alias}.${this.lambda.collection.element.fields[0]} -eq "..."` : '_ -eq "..."';
    if (this.dialect === 'deviceFilter') return 'device.trustType -eq "AzureAD"';
    return this.subject === 'device' ? 'device.deviceOSType -eq "Windows"' : 'user.department -eq "Sales"';
  }

  private isKeyword(t: Token, keyword: Keyword): boolean {
    return t.type === 'keyword' && t.keyword === keyword;
  }

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    const t = this.tokens[this.i];
    if (t.type !== 'eof') this.i++;
    return t;
  }

  private text(t: Token): string {
    return this.input.slice(t.pos, t.end);
  }

  private describe(t: Token): string {
    return describeToken(t, this.input);
  }

  private error(code: ConstructorParameters<typeof RuleError>[0], message: string, span: Span): RuleError {
    return new RuleError(code, message, span.pos, span.end - span.pos);
  }
}

function operatorsFor(type: PropertyType): readonly RuleOperator[] {
  switch (type) {
    case 'boolean':
      return ['eq', 'ne'];
    case 'dateTime':
      return ['eq', 'ne', 'le', 'ge'];
    case 'objectCollection':
      return [];
    default:
      return STRING_OPERATORS;
  }
}

function article(type: PropertyType): string {
  return type === 'boolean' ? 'true or false' : type === 'dateTime' ? 'a date' : type === 'stringCollection' ? 'a list of strings' : 'text';
}

function withCollection(node: RuleComparisonNode, spec: PropertySpec, dialect: RuleDialect): RuleComparisonNode {
  if (spec.type !== 'stringCollection') return node;
  // Device filters: "For string collection attributes such as physicalIds and systemLabels, the
  // Contains operator indicates whether a specified string matches one of the whole strings in the
  // collection" (concept-condition-filters-for-devices.md). Dynamic groups: "The Contains operator
  // does partial string matches but not item in a collection matches" (groups-dynamic-membership.md).
  return { ...node, collection: dialect === 'deviceFilter' ? 'wholeElement' : 'eachElement' };
}
