import type { RuleNode } from './ast.js';

/**
 * The subject properties a rule reads, as `user.department` / `device.devicePhysicalIds` in the
 * table's canonical spelling, so a directory can re-evaluate only the rules an attribute write can
 * affect. Fields read inside `-any`/`-all` are covered by their collection (`user.assignedPlans`).
 * Compare case-insensitively against attribute names: rule property names are matched that way.
 */
export function referencedProperties(node: RuleNode): Set<string> {
  const out = new Set<string>();
  const visit = (n: RuleNode): void => {
    switch (n.kind) {
      case 'and':
      case 'or':
        visit(n.left);
        visit(n.right);
        return;
      case 'not':
        visit(n.operand);
        return;
      case 'quantifier':
        out.add(`${n.property.subject}.${n.property.name}`);
        visit(n.predicate);
        return;
      case 'comparison':
        if (n.property.kind === 'property') out.add(`${n.property.subject}.${n.property.name}`);
    }
  };
  visit(node);
  return out;
}
