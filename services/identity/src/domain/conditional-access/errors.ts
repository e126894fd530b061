/**
 * Why a policy or named location was refused. `path` names the property the way a Graph
 * client wrote it (`conditions.users.includeUsers[2]`), so an administrator importing an
 * export knows what to fix; a bad device filter also carries the rule position.
 */
export type ConditionalAccessErrorCode =
  | 'ca.type'
  | 'ca.required'
  | 'ca.enum'
  | 'ca.value'
  | 'ca.unknownProperty'
  | 'ca.tooLarge'
  | 'ca.deviceFilter';

export class ConditionalAccessValidationError extends Error {
  override name = 'ConditionalAccessValidationError';

  constructor(
    readonly code: ConditionalAccessErrorCode,
    readonly path: string,
    message: string,
    /** For `ca.deviceFilter`: 0-based offset and extent in the rule text. */
    readonly rule?: { position: number; length: number },
  ) {
    super(`${path || '(body)'}: ${message}`);
  }
}
