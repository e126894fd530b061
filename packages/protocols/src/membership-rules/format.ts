import type { RulePropertyRef, RuleNode, RuleValue, RuleScalarValue } from './ast.js';

const PRECEDENCE = { or: 1, and: 2, not: 3, quantifier: 4, comparison: 4 } as const;

/**
 * Prints the canonical spelling: dashed camelCase operators, double-quoted strings, and only the
 * parentheses the tree needs (plus around `-not` operands and `-any`/`-all` bodies, where Entra's own
 * examples always have them). `parseRule(formatRule(n))` gives back `n` under the same dialect.
 */
export function formatRule(node: RuleNode): string {
  switch (node.kind) {
    case 'or':
    case 'and': {
      const p = PRECEDENCE[node.kind];
      // Both operators associate to the left, so a right operand of equal precedence needs parentheses.
      const left = wrap(node.left, PRECEDENCE[node.left.kind] < p);
      const right = wrap(node.right, PRECEDENCE[node.right.kind] <= p);
      return `${left} -${node.kind} ${right}`;
    }
    case 'not':
      return `-not (${formatRule(node.operand)})`;
    case 'quantifier':
      return `${formatProperty(node.property)} -${node.quantifier} (${formatRule(node.predicate)})`;
    case 'comparison':
      return `${formatProperty(node.property)} -${node.operator} ${formatValue(node.value)}`;
  }
}

function wrap(node: RuleNode, parenthesize: boolean): string {
  const text = formatRule(node);
  return parenthesize ? `(${text})` : text;
}

function formatProperty(ref: RulePropertyRef): string {
  switch (ref.kind) {
    case 'property':
      return `${ref.subject}.${ref.name}`;
    case 'element':
      return '_';
    case 'elementProperty':
      return `${ref.alias}.${ref.name}`;
  }
}

export function formatValue(value: RuleValue): string {
  switch (value.type) {
    case 'string':
    case 'number':
      return formatScalar(value);
    case 'boolean':
      return String(value.value);
    case 'null':
      return 'null';
    case 'array':
      return `[${value.items.map(formatScalar).join(', ')}]`;
    case 'dateTime':
      return quote(value.value);
    case 'now':
      return value.offset ? `system.now -${value.offset.sign} ${value.offset.duration}` : 'system.now';
  }
}

function formatScalar(value: RuleScalarValue): string {
  return value.type === 'number' ? String(value.value) : quote(value.value);
}

/**
 * Backtick escapes quotes and backticks (Entra's documented escape). A backslash is escaped only when
 * it ends the string, where the lexer would otherwise read `\"` as an escaped quote.
 */
export function quote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === '`') out += '`' + c;
    else if (c === '\\' && i === text.length - 1) out += '`\\';
    else out += c;
  }
  return out + '"';
}
