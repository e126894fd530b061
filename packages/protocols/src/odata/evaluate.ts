/**
 * Evaluates a parsed `$filter` against one entity in memory, with Graph's semantics:
 * string comparisons ignore case unless told otherwise (directory objects compare that way),
 * a missing property is null, `null eq null` holds while ordering against null never does,
 * and a missing or null collection is empty (`any` is false, `all` is true). The SQL
 * translation in kit follows the same rules, and its tests compare the two.
 */
import type { FilterComparisonOperator, FilterNode, FilterLiteral, FilterOperand } from './ast.js';
import { filterChainOperands } from './walk.js';

export interface EvaluateFilterOptions {
  /** Compare strings ignoring case; defaults to true. GUIDs always compare ignoring case. */
  caseInsensitive?: boolean;
}

type Scope = ReadonlyMap<string, unknown>;

interface Value {
  value: unknown;
  /** The literal this value came from, when it came from one; it decides how strings compare. */
  literal?: FilterLiteral;
}

export function evaluateFilter(node: FilterNode, entity: Record<string, unknown>, options: EvaluateFilterOptions = {}): boolean {
  return evaluate(node, entity, new Map(), options.caseInsensitive ?? true);
}

function evaluate(node: FilterNode, entity: Record<string, unknown>, scope: Scope, ci: boolean): boolean {
  switch (node.kind) {
    case 'and':
      return filterChainOperands(node).every((part) => evaluate(part, entity, scope, ci));
    case 'or':
      return filterChainOperands(node).some((part) => evaluate(part, entity, scope, ci));
    case 'not':
      return !evaluate(node.operand, entity, scope, ci);
    case 'compare':
      return compare(node.op, resolve(node.left, entity, scope), resolve(node.right, entity, scope), ci);
    case 'in': {
      // An `or` of `eq`s, so null, GUID and case rules are those of eq.
      const operand = resolve(node.operand, entity, scope);
      return node.values.some((literal) => compare('eq', operand, { value: literal.value, literal }, ci));
    }
    case 'function': {
      const [a, b] = node.args.map((arg) => resolve(arg, entity, scope)) as [Value, Value];
      if (typeof a.value !== 'string' || typeof b.value !== 'string') return false;
      const fold = ci || a.literal?.type === 'guid' || b.literal?.type === 'guid';
      const haystack = fold ? a.value.toLowerCase() : a.value;
      const needle = fold ? b.value.toLowerCase() : b.value;
      if (node.name === 'startswith') return haystack.startsWith(needle);
      if (node.name === 'endswith') return haystack.endsWith(needle);
      return haystack.includes(needle);
    }
    case 'lambda': {
      const collection = resolve(node.collection, entity, scope).value;
      const items = Array.isArray(collection) ? collection : [];
      if (node.variable === undefined || node.predicate === undefined) return items.length > 0;
      const { variable, predicate } = node;
      const test = (item: unknown) => evaluate(predicate, entity, new Map(scope).set(variable, item), ci);
      return node.op === 'any' ? items.some(test) : items.every(test);
    }
  }
}

function resolve(operand: FilterOperand, entity: Record<string, unknown>, scope: Scope): Value {
  switch (operand.kind) {
    case 'literal':
      return { value: operand.value, literal: operand };
    case 'property':
      return { value: readODataPath(entity, operand.path) };
    case 'variable':
      return { value: readODataPath(scope.get(operand.name), operand.path) };
  }
}

/** Reads a property path; an exact key wins, otherwise names match ignoring case as Graph's do. */
export function readODataPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return null;
    const record = current as Record<string, unknown>;
    if (Object.prototype.hasOwnProperty.call(record, segment)) {
      current = record[segment];
      continue;
    }
    const lower = segment.toLowerCase();
    const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
    current = key === undefined ? null : record[key];
  }
  return current === undefined ? null : current;
}

function compare(op: FilterComparisonOperator, left: Value, right: Value, ci: boolean): boolean {
  const order = ordering(left, right, ci);
  if (op === 'eq') return order === 0;
  if (op === 'ne') return order !== 0;
  if (order === undefined || left.value === null || right.value === null) return false;
  switch (op) {
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
  }
}

/** -1/0/1 when the two values are comparable, undefined when they are not (different types). */
function ordering(left: Value, right: Value, ci: boolean): number | undefined {
  const a = left.value;
  const b = right.value;
  if (a === null || b === null) return a === b ? 0 : undefined;
  if (left.literal?.type === 'datetime' || right.literal?.type === 'datetime') {
    const x = instant(a);
    const y = instant(b);
    return x === undefined || y === undefined ? undefined : Math.sign(x - y);
  }
  if (typeof a === 'string' && typeof b === 'string') {
    const fold = ci || left.literal?.type === 'guid' || right.literal?.type === 'guid';
    return compareStrings(fold ? a.toLowerCase() : a, fold ? b.toLowerCase() : b);
  }
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return undefined;
}

function instant(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Code-unit order, which is what SQLite's BINARY collation and PostgreSQL's "C" give for BMP text. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
