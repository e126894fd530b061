/** The escrow request's claims reader and the recovery password check, fed hostile input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DrsError } from '../errors.js';
import { deviceIdFilter, isRecoveryPassword, readEscrowClaims } from './bitlocker-keys.js';

const group = fc.integer({ min: 0, max: 65535 }).map((n) => String(n * 11).padStart(6, '0'));
const password = fc.array(group, { minLength: 8, maxLength: 8 }).map((groups) => groups.join('-'));

test('every password BitLocker could make is accepted, and a group off by one digit is not', () => {
  fc.assert(
    fc.property(password, fc.integer({ min: 0, max: 7 }), (pw, at) => {
      assert.equal(isRecoveryPassword(pw), true);
      const groups = pw.split('-');
      const n = Number(groups[at]);
      groups[at] = String(n === 0 ? 1 : n - 1).padStart(6, '0');
      assert.equal(isRecoveryPassword(groups.join('-')), false);
    }),
  );
  // 65536 × 11 = 720896 is divisible by 11 but out of a 16-bit group's range.
  assert.equal(isRecoveryPassword('720896-000000-000000-000000-000000-000000-000000-000000'), false);
});

test('hostile claims are a DRS 400, never another exception, and valid ones come back normalised', () => {
  const hostile = fc.oneof(
    fc.anything(),
    fc.record({ kid: fc.anything(), key: fc.anything(), vol: fc.anything() }, { requiredKeys: [] }),
    fc.record({ kid: fc.uuid(), key: fc.oneof(password, fc.string()), vol: fc.oneof(fc.constant('fixedDataVolume'), fc.string(), fc.anything()) }),
  );
  fc.assert(
    fc.property(hostile, (payload) => {
      try {
        const claims = readEscrowClaims(payload);
        assert.equal(isRecoveryPassword(claims.key), true);
        assert.match(claims.kid, /^[0-9a-f-]{36}$/);
        assert.ok(['operatingSystemVolume', 'fixedDataVolume', 'removableDataVolume'].includes(claims.vol));
      } catch (error) {
        assert.ok(error instanceof DrsError, String(error));
        assert.equal(error.statusCode, 400);
      }
    }),
    { numRuns: 500 },
  );
  const kid = 'AB05E4E8-E4E8-B465-E8E4-65B4E8E465B4';
  const key = '000000-000011-000022-000033-000044-000055-000066-000077';
  assert.deepEqual(readEscrowClaims({ kid, key }), { kid: kid.toLowerCase(), key, vol: 'operatingSystemVolume' });
  assert.throws(() => readEscrowClaims({ kid, key, vol: 'unknownFutureValue' }), DrsError);
});

test("the list filter takes deviceId eq '…' only", () => {
  assert.equal(deviceIdFilter(undefined), undefined);
  assert.equal(deviceIdFilter("deviceId eq '1AB40AB2-32A8-4B00-B6B5-BA724E407DE9'"), '1ab40ab2-32a8-4b00-b6b5-ba724e407de9');
  assert.equal(deviceIdFilter("volumeType eq 'fixedDataVolume'"), null);
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => void deviceIdFilter(s)));
});
