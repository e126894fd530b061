/**
 * Bad OData query input. Graph answers all of these with a 400 (`BadRequest` on Intune sets,
 * `Request_UnsupportedQuery` on the directory), so callers map the code, not the message.
 * `position` is the 0-based offset into the option's value, so a client can be pointed at
 * the character that broke the query.
 */
import { ProtocolParseError } from '../errors.js';

export type ODataErrorCode = 'odata.syntax' | 'odata.unsupported' | 'odata.tooLong' | 'odata.depth';

export class ODataError extends ProtocolParseError {
  override readonly code: ODataErrorCode;
  readonly position: number;
  /** The query option the error is about (`$filter`, `$top`, …) when known. */
  readonly option?: string;

  constructor(code: ODataErrorCode, message: string, position: number, option?: string) {
    super(code, message);
    this.code = code;
    this.position = position;
    if (option !== undefined) this.option = option;
  }
}

export function odataFail(code: ODataErrorCode, message: string, position: number, option?: string): never {
  throw new ODataError(code, message, position, option);
}
