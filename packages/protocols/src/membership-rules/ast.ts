/**
 * The rule AST is plain data (no positions, no compiled regexes) so it can be stored, compared with
 * deepEqual and sent over the wire; parentheses leave no trace because precedence is encoded in the
 * tree shape.
 */

export type RuleDialect = 'dynamicGroup' | 'deviceFilter';
export type RuleSubject = 'user' | 'device';

export type RuleOperator =
  | 'eq'
  | 'ne'
  | 'startsWith'
  | 'notStartsWith'
  | 'endsWith'
  | 'notEndsWith'
  | 'contains'
  | 'notContains'
  | 'match'
  | 'notMatch'
  | 'in'
  | 'notIn'
  | 'le'
  | 'ge';

export type RulePropertyRef =
  /** `user.department`, `device.devicePhysicalIds`; `name` is the table's canonical spelling. */
  | { kind: 'property'; subject: RuleSubject; name: string }
  /** `_`: the current element of a string collection inside `-any`/`-all`. */
  | { kind: 'element' }
  /** `assignedPlan.servicePlanId`: a field of the current element of an object collection. */
  | { kind: 'elementProperty'; alias: string; name: string };

export type RuleScalarValue = { type: 'string'; value: string } | { type: 'number'; value: number };

export type RuleValue =
  | RuleScalarValue
  | { type: 'boolean'; value: boolean }
  | { type: 'null' }
  | { type: 'array'; items: RuleScalarValue[] }
  /** An absolute instant, kept as written (ISO 8601). */
  | { type: 'dateTime'; value: string }
  /** `system.now`, optionally `-plus`/`-minus` an ISO 8601 duration such as `P1D`. */
  | { type: 'now'; offset?: { sign: 'plus' | 'minus'; duration: string } };

/**
 * How a comparison written directly against a string collection is applied.
 * - `eachElement` (dynamic groups): the operator is tried on every element; a positive operator
 *   needs one element to match, a negative one needs no element to match its positive form.
 * - `wholeElement` (device filters): `-contains`/`-notContains` test whether the value equals one of
 *   the elements, not whether it occurs inside one.
 */
export type RuleCollectionMode = 'eachElement' | 'wholeElement';

export interface RuleComparisonNode {
  kind: 'comparison';
  property: RulePropertyRef;
  operator: RuleOperator;
  value: RuleValue;
  collection?: RuleCollectionMode;
}

export interface RuleQuantifierNode {
  kind: 'quantifier';
  quantifier: 'any' | 'all';
  property: { kind: 'property'; subject: RuleSubject; name: string };
  predicate: RuleNode;
}

export interface RuleAndNode {
  kind: 'and';
  left: RuleNode;
  right: RuleNode;
}

export interface RuleOrNode {
  kind: 'or';
  left: RuleNode;
  right: RuleNode;
}

export interface RuleNotNode {
  kind: 'not';
  operand: RuleNode;
}

export type RuleNode = RuleComparisonNode | RuleQuantifierNode | RuleAndNode | RuleOrNode | RuleNotNode;

export const RULE_OPERATORS: readonly RuleOperator[] = [
  'eq',
  'ne',
  'startsWith',
  'notStartsWith',
  'endsWith',
  'notEndsWith',
  'contains',
  'notContains',
  'match',
  'notMatch',
  'in',
  'notIn',
  'le',
  'ge',
];

/** Negative operators are evaluated as the negation of their positive twin. */
export const POSITIVE_OF: Partial<Record<RuleOperator, RuleOperator>> = {
  ne: 'eq',
  notStartsWith: 'startsWith',
  notEndsWith: 'endsWith',
  notContains: 'contains',
  notMatch: 'match',
  notIn: 'in',
};

/** Rule bodies longer than this are rejected by Entra for both dynamic groups and device filters. */
export const MAX_RULE_LENGTH = 3072;
