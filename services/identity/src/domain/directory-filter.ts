/**
 * `$filter` on `/devices` and `/users`, over the shared OData codec and run in SQL, limited to
 * what Entra accepts there (learn.microsoft.com/graph/aad-advanced-queries): `eq`, `in`, `startswith`
 * and `ge`/`le` on the properties listed for each, `any` over a device's `physicalIds` with
 * `eq` or `startswith` (`physicalIds/any(p:startswith(p,'[ZTDID]'))`), `and`/`or`. `ne`, `not`
 * and `endswith` are advanced queries: Entra answers them only with `ConsistencyLevel:
 * eventual`, and so does Baton. Anything else is refused naming the part, never guessed at.
 */
import type { ODataPropertyMap } from '@baton/kit';
import type { FilterNode, FilterOperand } from '@baton/protocols';
import { identityGraphErrors } from '../errors.js';
import { DEVICE_ODATA_PROPERTIES, USER_ODATA_PROPERTIES } from '../store/odata-maps.js';
import { USER_PROFILE_PROPERTIES } from '../store/store.js';

/** What one directory collection lets `$filter` ask. */
export interface DirectoryFilterRules {
  /** The collection as messages name it. */
  noun: string;
  properties: ODataPropertyMap;
  /** Properties `ge` and `le` may compare, lower case. */
  ordered: ReadonlySet<string>;
  /** The collection property `any(…)` may range over, if any. */
  collection?: string;
}

export const DEVICE_FILTER: DirectoryFilterRules = {
  noun: 'devices',
  properties: DEVICE_ODATA_PROPERTIES,
  ordered: new Set(['displayname', 'operatingsystemversion', 'registrationdatetime', 'approximatelastsignindatetime']),
  collection: 'physicalIds',
};

export const USER_FILTER: DirectoryFilterRules = {
  noun: 'users',
  properties: USER_ODATA_PROPERTIES,
  // Graph documents ge and le on every profile string (department ge 'M').
  ordered: new Set(['createddatetime', ...USER_PROFILE_PROPERTIES.map((p) => p.toLowerCase())]),
};

function refuse(message: string): never {
  throw identityGraphErrors.unsupportedQuery(message);
}

function propertyName(operand: FilterOperand): string | undefined {
  return operand.kind === 'property' ? operand.path.join('/') : undefined;
}

function checkProperty(operand: FilterOperand, rules: DirectoryFilterRules, lambdaVariable: string | undefined): void {
  if (operand.kind === 'literal') return;
  if (operand.kind === 'variable') {
    if (operand.name !== lambdaVariable || operand.path.length > 0) refuse(`'${operand.name}' is not a range variable in scope.`);
    return;
  }
  const name = operand.path.join('/');
  const known = Object.keys(rules.properties).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!known) refuse(`Filtering ${rules.noun} on '${name.slice(0, 80)}' is not supported.`);
  if (known === rules.collection) refuse(`${known} is a collection: use ${known}/any(p:p eq '…') or startswith(p,'…').`);
}

function check(node: FilterNode, eventual: boolean, rules: DirectoryFilterRules, lambdaVariable?: string): void {
  const advanced = (what: string) => {
    if (!eventual) refuse(`${what} is an advanced query: send the ConsistencyLevel: eventual header.`);
  };
  switch (node.kind) {
    case 'and':
    case 'or':
      check(node.left, eventual, rules, lambdaVariable);
      check(node.right, eventual, rules, lambdaVariable);
      return;
    case 'not':
      advanced("'not'");
      check(node.operand, eventual, rules, lambdaVariable);
      return;
    case 'compare': {
      checkProperty(node.left, rules, lambdaVariable);
      checkProperty(node.right, rules, lambdaVariable);
      if (node.op === 'gt' || node.op === 'lt') refuse(`'${node.op}' is not supported on ${rules.noun}; use ge or le.`);
      if (node.op === 'ne') advanced("'ne'");
      if (node.op === 'ge' || node.op === 'le') {
        const name = propertyName(node.left) ?? propertyName(node.right) ?? '';
        if (!rules.ordered.has(name.toLowerCase())) refuse(`'${node.op}' is not supported on '${name.slice(0, 80)}'.`);
      }
      return;
    }
    case 'in':
      // An or of eq's, which every listed property answers; a collection is refused as for eq.
      checkProperty(node.operand, rules, lambdaVariable);
      return;
    case 'function':
      if (node.name === 'contains') refuse(`'contains' is not supported on ${rules.noun}.`);
      if (node.name === 'endswith') advanced("'endswith'");
      for (const arg of node.args) checkProperty(arg, rules, lambdaVariable);
      return;
    case 'lambda': {
      const collection = node.collection.kind === 'property' ? node.collection.path.join('/') : '';
      if (!rules.collection || collection.toLowerCase() !== rules.collection.toLowerCase() || node.op !== 'any' || lambdaVariable) {
        refuse(rules.collection ? `Only ${rules.collection}/any(…) is supported as a lambda on ${rules.noun}.` : `Lambda operators are not supported on ${rules.noun}.`);
      }
      if (!node.predicate || !node.variable) refuse(`${rules.collection}/any() needs a condition, e.g. ${rules.collection}/any(p:p eq '…').`);
      check(node.predicate, eventual, rules, node.variable);
      return;
    }
  }
}

/** Vets a parsed filter against a collection's rules; Graph's 400 envelope on anything unsupported. */
export function vetDirectoryFilter(node: FilterNode, eventual: boolean, rules: DirectoryFilterRules): FilterNode {
  check(node, eventual, rules);
  return node;
}
