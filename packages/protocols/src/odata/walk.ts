import type { FilterNode } from './ast.js';

/** A node of a left-deep chain of `and` or `or`, in the $filter or the $search tree. */
type ChainLink<N> = { kind: 'and' | 'or'; left: N; right: N };

/**
 * The operands of a chain of one logical operator, left to right. `a or b or c …` parses
 * left-deep, so walking the chain iteratively keeps recursion proportional to nesting
 * (which the parser bounds), not to the number of terms.
 */
export function chainOperands<N extends { kind: string }>(node: N & ChainLink<N>): N[] {
  const rights: N[] = [];
  let current: N = node;
  while (current.kind === node.kind) {
    const link = current as N & ChainLink<N>;
    rights.push(link.right);
    current = link.left;
  }
  rights.push(current);
  return rights.reverse();
}

export function filterChainOperands(node: FilterNode & { kind: 'and' | 'or' }): FilterNode[] {
  return chainOperands<FilterNode>(node);
}
