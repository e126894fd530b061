import { fail } from '../errors.js';

/**
 * Normalises base64 the way Windows-originated values need: whitespace (CSV line ends,
 * wrapped XML text) is dropped and missing `=` padding is added. Returns undefined when the
 * input is not base64 at all.
 */
export function normalizeBase64(input: string): string | undefined {
  const compact = input.replace(/[\s]+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  const bare = compact.replace(/=+$/, '');
  if (bare.length % 4 === 1) return undefined;
  const padded = bare + '='.repeat((4 - (bare.length % 4)) % 4);
  if (compact.length !== bare.length && compact.length !== padded.length) return undefined;
  return padded;
}

export function decodeBase64(input: string, code: string): Buffer {
  const normal = normalizeBase64(input);
  if (normal === undefined) fail(code, 'value is not base64');
  return Buffer.from(normal, 'base64');
}
