import { ProtocolParseError } from '../errors.js';

export type RuleErrorCode = 'rule.syntax' | 'rule.unknownProperty' | 'rule.operator' | 'rule.type' | 'rule.tooLong' | 'rule.regex';

/**
 * A rule an administrator wrote is wrong. `position` is the 0-based offset into the rule text and
 * `length` the extent of the offending part (0 at the end of input), so an editor can underline it.
 * Extends ProtocolParseError so callers that already map parser failures to 400s keep working.
 */
export class RuleError extends ProtocolParseError {
  declare readonly code: RuleErrorCode;
  readonly position: number;
  readonly length: number;

  constructor(code: RuleErrorCode, message: string, position: number, length: number) {
    super(code, message);
    this.position = position;
    this.length = length;
  }
}

/** Renders the error under the rule with a caret line, for CLIs and logs. */
export function describeRuleError(rule: string, err: RuleError): string {
  const width = Math.max(1, Math.min(err.length, Math.max(1, rule.length - err.position)));
  return `${err.message}\n  ${rule.replace(/[\r\n\t]/g, ' ')}\n  ${' '.repeat(err.position)}${'^'.repeat(width)}`;
}
