export { parseRule, MAX_RULE_NESTING, type ParseRuleOptions } from './parser.js';
export { evaluateRule, type EvaluateRuleOptions } from './evaluate.js';
export { formatRule } from './format.js';
export { referencedProperties } from './referenced.js';
export { RuleIndex } from './rule-index.js';
export { RuleError, describeRuleError, type RuleErrorCode } from './errors.js';
export { MAX_RULE_PATTERN_LENGTH } from './regex.js';
export { MAX_RULE_LENGTH, RULE_OPERATORS } from './ast.js';
export type * from './ast.js';
