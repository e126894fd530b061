/**
 * The one error type every parser in this package throws for bad input, so callers can map
 * "the peer sent garbage" to a protocol-level reply without catching programming errors too.
 * `code` is a short dotted identifier (for example `xml.dtd`, `syncml.cmdid`, `hash.truncated`).
 */
export class ProtocolParseError extends Error {
  override readonly name = 'ProtocolParseError';
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export function fail(code: string, message: string): never {
  throw new ProtocolParseError(code, message);
}
