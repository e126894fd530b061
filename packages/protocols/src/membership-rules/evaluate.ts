import { POSITIVE_OF, type RuleComparisonNode, type RuleOperator, type RulePropertyRef, type RuleNode, type RuleValue } from './ast.js';
import { RuleError } from './errors.js';
import { compileRulePattern } from './regex.js';

export interface EvaluateRuleOptions {
  /** The instant `system.now` stands for; defaults to the current time. */
  now?: Date;
}

/**
 * Decides whether `subject` (a user or device as a bag of properties keyed by name, matched
 * case-insensitively, without the `user.`/`device.` prefix) satisfies the rule.
 *
 * Entra semantics: text comparisons ignore case; a missing or null value fails every positive operator
 * and satisfies every negative one (the documented device-filter behaviour for unregistered devices,
 * applied to groups alike); `-any` over an empty collection is false and `-all` true, which is what
 * makes Microsoft's "users with no assigned plan" example `-all (assignedPlan.servicePlanId -eq null)`
 * work. Values of the wrong shape count as null instead of throwing, because directory data is not
 * validated against rules.
 */
export function evaluateRule(node: RuleNode, subject: Record<string, unknown>, options: EvaluateRuleOptions = {}): boolean {
  return new Evaluator(subject, options.now?.getTime() ?? Date.now()).node(node, undefined);
}

const regexCache = new WeakMap<RuleComparisonNode, RegExp>();

class Evaluator {
  constructor(
    private readonly subject: Record<string, unknown>,
    private readonly now: number,
  ) {}

  node(node: RuleNode, element: unknown): boolean {
    switch (node.kind) {
      case 'and':
        return this.node(node.left, element) && this.node(node.right, element);
      case 'or':
        return this.node(node.left, element) || this.node(node.right, element);
      case 'not':
        return !this.node(node.operand, element);
      case 'quantifier': {
        const items = asArray(this.resolve(node.property, element));
        return node.quantifier === 'any' ? items.some((e) => this.node(node.predicate, e)) : items.every((e) => this.node(node.predicate, e));
      }
      case 'comparison':
        return this.comparison(node, this.resolve(node.property, element));
    }
  }

  private resolve(ref: RulePropertyRef, element: unknown): unknown {
    switch (ref.kind) {
      case 'property':
        return field(this.subject, ref.name);
      case 'element':
        return element;
      case 'elementProperty':
        return isRecord(element) ? field(element, ref.name) : undefined;
    }
  }

  private comparison(node: RuleComparisonNode, raw: unknown): boolean {
    if (node.collection) {
      const items = asArray(raw);
      if (node.value.type === 'null') return node.operator === 'eq' ? items.length === 0 : items.length > 0;
      const positive = POSITIVE_OF[node.operator];
      const test = positive ?? node.operator;
      const hit =
        node.collection === 'wholeElement' && test === 'contains'
          ? items.some((e) => this.scalar(node, 'eq', e))
          : items.some((e) => this.scalar(node, test, e));
      return positive ? !hit : hit;
    }
    return this.scalar(node, node.operator, raw);
  }

  /** One single-valued comparison; negative operators are the negation of their positive twin. */
  private scalar(node: RuleComparisonNode, operator: RuleOperator, raw: unknown): boolean {
    const positive = POSITIVE_OF[operator];
    if (positive) return !this.scalar(node, positive, raw);
    const value = node.value;
    switch (value.type) {
      case 'null':
        return isNullish(raw);
      case 'boolean': {
        const b = asBoolean(raw);
        return b !== undefined && b === value.value;
      }
      case 'dateTime':
      case 'now': {
        const actual = asTime(raw);
        const expected = this.time(value);
        if (actual === undefined || expected === undefined) return false;
        return operator === 'le' ? actual <= expected : operator === 'ge' ? actual >= expected : actual === expected;
      }
      default: {
        const text = asText(raw);
        if (text === undefined) return false;
        if (operator === 'match') return this.regex(node).test(text);
        const actual = text.toLowerCase();
        if (value.type === 'array') return value.items.some((item) => actual === String(item.value).toLowerCase());
        const expected = String(value.value).toLowerCase();
        switch (operator) {
          case 'eq':
            return actual === expected;
          case 'startsWith':
            return actual.startsWith(expected);
          case 'endsWith':
            return actual.endsWith(expected);
          case 'contains':
            return actual.includes(expected);
          default:
            return false;
        }
      }
    }
  }

  private regex(node: RuleComparisonNode): RegExp {
    let re = regexCache.get(node);
    if (!re) {
      const pattern = node.value.type === 'string' ? node.value.value : '';
      const compiled = compileRulePattern(pattern);
      if (!compiled.ok) throw new RuleError('rule.regex', `The pattern ${JSON.stringify(pattern)} ${compiled.reason}`, 0, 0);
      re = compiled.regex;
      regexCache.set(node, re);
    }
    return re;
  }

  private time(value: RuleValue): number | undefined {
    if (value.type === 'dateTime') {
      const t = Date.parse(value.value);
      return Number.isNaN(t) ? undefined : t;
    }
    if (value.type !== 'now') return undefined;
    if (!value.offset) return this.now;
    return shift(this.now, value.offset.duration, value.offset.sign === 'plus' ? 1 : -1);
  }
}

/** A subject's property as rules read it: exact key first, then the first key equal ignoring case. */
export function field(record: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(record, name)) return record[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(record)) if (key.toLowerCase() === lower) return record[key];
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNullish(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  return Array.isArray(v) && v.length === 0;
}

export function asArray(v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** The text a string comparison sees of a value, before lower-casing; undefined compares false. */
export function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString();
  return undefined;
}

function asBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  return undefined;
}

function asTime(v: unknown): number | undefined {
  let t: number;
  if (v instanceof Date) t = v.getTime();
  else if (typeof v === 'string') t = Date.parse(v);
  else if (typeof v === 'number') t = v;
  else return undefined;
  return Number.isFinite(t) ? t : undefined;
}

const DURATION_PART = /(\d+)([YMWDHS])/gi;

/** Calendar arithmetic in UTC, so `P1M` from 31 January lands where Date's month rollover puts it. */
function shift(from: number, duration: string, direction: 1 | -1): number | undefined {
  const [datePart, timePart = ''] = duration.toUpperCase().slice(1).split('T');
  const d = new Date(from);
  for (const [, n, unit] of datePart.matchAll(DURATION_PART)) {
    const k = Number(n) * direction;
    if (unit === 'Y') d.setUTCFullYear(d.getUTCFullYear() + k);
    else if (unit === 'M') d.setUTCMonth(d.getUTCMonth() + k);
    else if (unit === 'W') d.setUTCDate(d.getUTCDate() + 7 * k);
    else if (unit === 'D') d.setUTCDate(d.getUTCDate() + k);
  }
  for (const [, n, unit] of timePart.matchAll(DURATION_PART)) {
    const k = Number(n) * direction;
    if (unit === 'H') d.setUTCHours(d.getUTCHours() + k);
    else if (unit === 'M') d.setUTCMinutes(d.getUTCMinutes() + k);
    else if (unit === 'S') d.setUTCSeconds(d.getUTCSeconds() + k);
  }
  const t = d.getTime();
  return Number.isNaN(t) ? undefined : t;
}
