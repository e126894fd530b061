import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { base32Decode, totpCode } from './totp.js';

// RFC 6238 Appendix B, SHA-1 (8 digits there; the last 6 are what a 6-digit code shows).
const RFC_SECRET = Buffer.from('12345678901234567890').toString('base64');

test('RFC 6238 test vectors, read as 6-digit codes', () => {
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // base32 of "12345678901234567890"
  assert.equal(base32Decode(secret).toString('base64'), RFC_SECRET);
  for (const [seconds, code] of [
    [59, '287082'],
    [1111111109, '081804'],
    [1234567890, '005924'],
    [2000000000, '279037'],
  ] as const) {
    assert.equal(totpCode(secret, seconds * 1000), code, String(seconds));
  }
});

test('base32 decoding refuses what is not base32 and never throws anything else', () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      try {
        base32Decode(text);
      } catch (error) {
        assert.match((error as Error).message, /^not base32/);
      }
    }),
  );
});
