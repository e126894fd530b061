import type { FilterNode } from './ast.js';

/**
 * The operands of a chain of one logical operator, left to right. `a or b or c …` parses
 * left-deep, so walking the chain iteratively keeps recursion proportional to nesting
 * (which the parser bounds), not to the number of terms.
 */
export function filterChainOperands(node: FilterNode & { kind: 'and' | 'or' }): FilterNode[] {
  const rights: FilterNode[] = [];
  let current: FilterNode = node;
  while (current.kind === node.kind) {
    const link = current as FilterNode & { kind: 'and' | 'or' };
    rights.push(link.right);
    current = link.left;
  }
  rights.push(current);
  return rights.reverse();
}
