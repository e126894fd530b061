/**
 * `$filter` on `/devices`, over the shared OData codec and run in SQL, limited to what
 * Entra accepts there (learn.microsoft.com/graph/aad-advanced-queries): `eq`, `ge`/`le` and
 * `startswith` on the listed properties, `any` over `physicalIds` with `eq` or `startswith`
 * (`physicalIds/any(p:startswith(p,'[ZTDID]'))`), `and`/`or`. `ne`, `not` and `endswith`
 * are advanced queries: Entra answers them only with `ConsistencyLevel: eventual`, and so
 * does Baton. Anything else is refused naming the part, never guessed at.
 */
import { ODataError, parseFilter, type FilterNode, type FilterOperand } from '@baton/protocols';
import { identityGraphErrors } from '../errors.js';
import { DEVICE_ODATA_PROPERTIES } from '../store/odata-maps.js';

const ORDERED = new Set(['displayname', 'operatingsystemversion', 'registrationdatetime', 'approximatelastsignindatetime']);

function refuse(message: string): never {
  throw identityGraphErrors.unsupportedQuery(message);
}

function propertyName(operand: FilterOperand): string | undefined {
  return operand.kind === 'property' ? operand.path.join('/') : undefined;
}

function checkProperty(operand: FilterOperand, lambdaVariable: string | undefined): void {
  if (operand.kind === 'literal') return;
  if (operand.kind === 'variable') {
    if (operand.name !== lambdaVariable || operand.path.length > 0) refuse(`'${operand.name}' is not a range variable in scope.`);
    return;
  }
  const name = operand.path.join('/');
  const known = Object.keys(DEVICE_ODATA_PROPERTIES).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!known) refuse(`Filtering on '${name.slice(0, 80)}' is not supported.`);
  if (known === 'physicalIds') refuse("physicalIds is a collection: use physicalIds/any(p:p eq '…') or startswith(p,'…').");
}

function check(node: FilterNode, eventual: boolean, lambdaVariable?: string): void {
  const advanced = (what: string) => {
    if (!eventual) refuse(`${what} is an advanced query: send the ConsistencyLevel: eventual header.`);
  };
  switch (node.kind) {
    case 'and':
    case 'or':
      check(node.left, eventual, lambdaVariable);
      check(node.right, eventual, lambdaVariable);
      return;
    case 'not':
      advanced("'not'");
      check(node.operand, eventual, lambdaVariable);
      return;
    case 'compare': {
      checkProperty(node.left, lambdaVariable);
      checkProperty(node.right, lambdaVariable);
      if (node.op === 'gt' || node.op === 'lt') refuse(`'${node.op}' is not supported on devices; use ge or le.`);
      if (node.op === 'ne') advanced("'ne'");
      if (node.op === 'ge' || node.op === 'le') {
        const name = propertyName(node.left) ?? propertyName(node.right) ?? '';
        if (!ORDERED.has(name.toLowerCase())) refuse(`'${node.op}' is not supported on '${name.slice(0, 80)}'.`);
      }
      return;
    }
    case 'function':
      if (node.name === 'contains') refuse("'contains' is not supported on devices.");
      if (node.name === 'endswith') advanced("'endswith'");
      for (const arg of node.args) checkProperty(arg, lambdaVariable);
      return;
    case 'lambda': {
      const collection = node.collection.kind === 'property' ? node.collection.path.join('/') : '';
      if (collection.toLowerCase() !== 'physicalids' || node.op !== 'any' || lambdaVariable) {
        refuse('Only physicalIds/any(…) is supported as a lambda on devices.');
      }
      if (!node.predicate || !node.variable) refuse("physicalIds/any() needs a condition, e.g. physicalIds/any(p:p eq '[ZTDID]:…').");
      check(node.predicate, eventual, node.variable);
      return;
    }
  }
}

/** Parses and vets a `/devices` filter; Graph's 400 envelope on anything unsupported. */
export function parseDeviceFilter(text: string, eventual: boolean): FilterNode {
  let node: FilterNode;
  try {
    node = parseFilter(text, { maxLength: 2000 });
  } catch (error) {
    if (error instanceof ODataError) refuse(`Invalid filter clause: ${error.message}`);
    throw error;
  }
  check(node, eventual);
  return node;
}
