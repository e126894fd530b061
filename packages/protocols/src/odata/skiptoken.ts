/**
 * `$skiptoken` values: a cursor as base64url JSON. Clients treat the token as opaque and
 * hand it back inside `@odata.nextLink`, but anyone can edit a URL, so decoding refuses
 * anything that is not a JSON object it could have issued.
 */
import { odataFail } from './errors.js';

const MAX_TOKEN_LENGTH = 4096;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeSkiptoken(cursor: object): string {
  if (cursor === null || Array.isArray(cursor)) throw new TypeError('a skiptoken cursor must be a plain object');
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeSkiptoken(token: string): Record<string, unknown> {
  if (typeof token !== 'string' || token.length === 0) odataFail('odata.syntax', '$skiptoken is empty.', 0, '$skiptoken');
  if (token.length > MAX_TOKEN_LENGTH) odataFail('odata.tooLong', `$skiptoken is longer than ${MAX_TOKEN_LENGTH} characters.`, MAX_TOKEN_LENGTH, '$skiptoken');
  if (!BASE64URL.test(token) || token.length % 4 === 1) odataFail('odata.syntax', '$skiptoken is not a token this service issued.', 0, '$skiptoken');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    odataFail('odata.syntax', '$skiptoken is not a token this service issued.', 0, '$skiptoken');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) odataFail('odata.syntax', '$skiptoken is not a token this service issued.', 0, '$skiptoken');
  return value as Record<string, unknown>;
}
