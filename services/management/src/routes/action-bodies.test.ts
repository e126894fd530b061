import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { GraphError } from '@baton/kit';
import { isComputerName, MAX_DEVICE_NAME, readDeviceName, readScanBody } from './action-bodies.js';

/** Hostile JSON: any value, objects that pretend to be strings, huge strings. */
const hostile = fc.oneof(
  fc.jsonValue(),
  fc.constant({ toString: () => 'PC1', valueOf: () => true }),
  fc.string({ minLength: 1000, maxLength: 100_000 }).map((s) => ({ deviceName: s, quickScan: s })),
  fc.record({ deviceName: fc.oneof(fc.string(), fc.integer(), fc.constant({ toString: () => 'PC1' }), fc.array(fc.string())), quickScan: fc.jsonValue() }, { requiredKeys: [] }),
);

const graph400 = (error: unknown) => error instanceof GraphError && error.statusCode === 400 && error.code === 'BadRequest';

test('any body is read as a scan or refused with a Graph 400, never anything else', () => {
  fc.assert(
    fc.property(hostile, (body) => {
      try {
        assert.equal(typeof readScanBody(body).quickScan, 'boolean');
      } catch (error) {
        assert.ok(graph400(error), String(error));
      }
    }),
    { numRuns: 300 },
  );
});

test('any body is read as a valid computer name or refused with a Graph 400', () => {
  fc.assert(
    fc.property(hostile, (body) => {
      try {
        const name = readDeviceName(body);
        assert.ok(isComputerName(name) && name.length <= MAX_DEVICE_NAME);
      } catch (error) {
        assert.ok(graph400(error), String(error));
      }
    }),
    { numRuns: 300 },
  );
});

test('computer names follow Windows: 15 characters at most, letters, digits, hyphens, not digits alone', () => {
  for (const good of ['PC1', 'KIOSK-07', 'A', 'abcdefghijklmno', '1-2']) assert.equal(isComputerName(good), true, good);
  for (const bad of ['', '1234', 'abcdefghijklmnop', 'has space', 'dot.name', 'PC_1', 'PC-%SERIAL%', 'ÉCOLE']) assert.equal(isComputerName(bad), false, bad);
  assert.deepEqual(readScanBody({ quickScan: 'true' }), { quickScan: true });
  assert.deepEqual(readScanBody(undefined), { quickScan: false });
});
