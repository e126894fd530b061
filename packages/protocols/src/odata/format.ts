/**
 * Prints a filter AST as `$filter` text that parses back to the same AST: parentheses are
 * added exactly where precedence or left-associativity would otherwise regroup the terms.
 */
import type { FilterNode, FilterLiteral, FilterOperand } from './ast.js';
import { filterChainOperands } from './walk.js';

export function formatFilter(node: FilterNode): string {
  switch (node.kind) {
    case 'or':
    case 'and': {
      const parts = filterChainOperands(node);
      return parts
        .map((part, i) => {
          // Later terms are parenthesised when they are chains that would otherwise extend or
          // regroup this one; the first term cannot be a chain of the same operator.
          const needs = i === 0 ? node.kind === 'and' && part.kind === 'or' : part.kind === 'or' || (node.kind === 'and' && part.kind === 'and');
          return needs ? `(${formatFilter(part)})` : formatFilter(part);
        })
        .join(` ${node.kind} `);
    }
    case 'not':
      return `not (${formatFilter(node.operand)})`;
    case 'compare':
      return `${formatFilterOperand(node.left)} ${node.op} ${formatFilterOperand(node.right)}`;
    case 'in':
      return `${formatFilterOperand(node.operand)} in (${node.values.map(formatLiteral).join(',')})`;
    case 'function':
      return `${node.name}(${formatFilterOperand(node.args[0])},${formatFilterOperand(node.args[1])})`;
    case 'lambda': {
      const head = `${formatFilterOperand(node.collection)}/${node.op}`;
      if (node.variable === undefined || node.predicate === undefined) return `${head}()`;
      return `${head}(${node.variable}:${formatFilter(node.predicate)})`;
    }
  }
}

export function formatFilterOperand(operand: FilterOperand): string {
  switch (operand.kind) {
    case 'property':
      return operand.path.join('/');
    case 'variable':
      return [operand.name, ...operand.path].join('/');
    case 'literal':
      return formatLiteral(operand);
  }
}

export function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function formatLiteral(literal: FilterLiteral): string {
  switch (literal.type) {
    case 'string':
      return quoteString(literal.value);
    case 'enum':
      return `${literal.enumType}${quoteString(literal.value)}`;
    case 'number':
    case 'boolean':
      return String(literal.value);
    case 'null':
      return 'null';
    case 'guid':
    case 'datetime':
      return literal.value;
  }
}
