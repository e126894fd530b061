/**
 * Dynamic-group rules as identity stores them: validated with the shared parser, their
 * subject and the properties they read derived once, and parsed rules cached by text so
 * the hot path (every device write) never parses.
 */
import { parseRule, referencedProperties, RuleError, describeRuleError, type RuleNode } from '@baton/protocols';
import { GraphError } from '@baton/kit';
import type { MemberType } from '../../store/store.js';

export interface CompiledRule {
  ast: RuleNode;
  subject: MemberType;
  /** Lower-cased `device.x`, as the rule index stores them. */
  properties: string[];
}

/** A rule that does not parse: 400 with the parser's message and a caret under the spot. */
export function ruleErrorResponse(rule: string, error: RuleError): GraphError {
  return new GraphError(
    400,
    'Request_BadRequest',
    `Invalid membershipRule at position ${error.position}: ${describeRuleError(rule, error)}`,
  );
}

/** Parses a rule for a dynamic group, or throws a RuleError. */
export function compileRule(rule: string): CompiledRule {
  const ast = parseRule(rule, { dialect: 'dynamicGroup' });
  const properties = [...referencedProperties(ast)];
  const subject = (properties[0]?.split('.')[0] ?? 'device') as MemberType;
  const memberOf = properties.find((p) => p.toLowerCase().endsWith('.memberof'));
  if (memberOf) {
    const at = Math.max(0, rule.toLowerCase().indexOf('memberof'));
    throw new RuleError('rule.unknownProperty', 'Rules over memberOf are not supported by this directory.', at, 'memberOf'.length);
  }
  return { ast, subject, properties: properties.map((p) => p.toLowerCase()) };
}

/** Parses and maps failures to the Graph envelope. */
export function compileRuleOrThrow(rule: string): CompiledRule {
  try {
    return compileRule(rule);
  } catch (error) {
    if (error instanceof RuleError) throw ruleErrorResponse(rule, error);
    throw error;
  }
}

const CACHE_LIMIT = 20_000;

/** Parsed rules by text; bounded so a tenant churning rules cannot grow it forever. */
export class RuleCache {
  private readonly entries = new Map<string, CompiledRule>();

  get(rule: string): CompiledRule {
    const hit = this.entries.get(rule);
    if (hit) return hit;
    const compiled = compileRule(rule);
    if (this.entries.size >= CACHE_LIMIT) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(rule, compiled);
    return compiled;
  }
}
