import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { GraphError } from '@baton/kit';
import { MAX_BULK_DEVICES, readBulkRequest, runBulk } from './bulk-device-actions.js';

test('any JSON body is read as a bulk request or refused with a Graph 400, never anything else', () => {
  const actionName = fc.oneof(fc.constantFrom('wipe', 'RETIRE', 'quickScan', 'delete', 'selfDestruct'), fc.string());
  const body = fc.oneof(
    fc.jsonValue(),
    fc.record({ actionName, deviceIds: fc.array(fc.oneof(fc.uuid(), fc.string(), fc.integer()), { maxLength: 5 }) }, { requiredKeys: [] }),
  );
  fc.assert(
    fc.property(body, (value) => {
      try {
        const read = readBulkRequest(value);
        assert.ok(read.deviceIds.length > 0 && read.deviceIds.length <= MAX_BULK_DEVICES);
      } catch (error) {
        assert.ok(error instanceof GraphError && error.statusCode === 400, String(error));
      }
    }),
    { numRuns: 500 },
  );
});

test('action names are read ignoring case; repeated ids are acted on once; too many ids are refused', async () => {
  const id = '0b8c2f4e-6a1d-4e0b-9f3c-2d7e5a1b9c40';
  assert.deepEqual(readBulkRequest({ actionName: 'RebootNow', deviceIds: [id, id] }), { action: 'rebootNow', member: 'rebootNow', deviceIds: [id] });
  // Graph's bulk spellings of the Defender actions and the rename are carried out; an eSIM activation is not.
  assert.deepEqual(readBulkRequest({ actionName: 'fullScan', deviceIds: [id] }), { action: 'windowsDefenderScan', member: 'fullScan', deviceIds: [id] });
  assert.equal(readBulkRequest({ actionName: 'signatureUpdate', deviceIds: [id] }).action, 'windowsDefenderUpdateSignatures');
  assert.equal(readBulkRequest({ actionName: 'setDeviceName', deviceIds: [id] }).action, 'setDeviceName');
  assert.deepEqual(readBulkRequest({ actionName: 'activateDeviceEsim', deviceIds: [id] }), { member: 'activateDeviceEsim', deviceIds: [id] });
  assert.throws(() => readBulkRequest({ actionName: 'rotateBitLockerKeys', deviceIds: [id] }), GraphError);
  assert.throws(() => readBulkRequest({ actionName: 'retire', deviceIds: Array.from({ length: MAX_BULK_DEVICES + 1 }, (_, i) => String(i)) }), GraphError);
  const acted: string[] = [];
  const result = await runBulk({ action: 'retire', member: 'retire', deviceIds: ['a', 'b', 'c'] }, async (_action, deviceId) => {
    acted.push(deviceId);
    return deviceId === 'a' ? 'successful' : deviceId === 'b' ? 'failed' : 'notFound';
  });
  assert.deepEqual(acted, ['a', 'b', 'c']);
  assert.deepEqual(result, { successfulDeviceIds: ['a'], failedDeviceIds: ['b'], notFoundDeviceIds: ['c'], notSupportedDeviceIds: [] });
});
