import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULTS, type DeviceRunResult } from '@baton/device';
import { drawFaults } from './fleet.js';
import { deviceOutcomes, formatOutcomes } from './report.js';

test('the same seed draws the same faults; another seed draws others', () => {
  const a = drawFaults({ devices: 500, seed: 7, faultRate: 0.2 });
  assert.deepEqual(drawFaults({ devices: 500, seed: 7, faultRate: 0.2 }), a);
  assert.notDeepEqual(drawFaults({ devices: 500, seed: 8, faultRate: 0.2 }), a);
});

test('the rate is the share of faulty devices, drawn only from faults a one-tenant fleet can carry', () => {
  assert.ok(drawFaults({ devices: 100, seed: 1, faultRate: 0 }).every((f) => f === null));
  assert.ok(drawFaults({ devices: 100, seed: 1, faultRate: 1 }).every((f) => f !== null));
  const drawn = drawFaults({ devices: 10_000, seed: 3, faultRate: 0.1 });
  const faulty = drawn.filter((f) => f !== null);
  assert.ok(faulty.length > 900 && faulty.length < 1100, String(faulty.length));
  for (const name of new Set(faulty)) assert.ok(FAULTS[name!].available && FAULTS[name!].fleet, name!);
  assert.equal(new Set(faulty).size, Object.values(FAULTS).filter((f) => f.available && f.fleet).length);
});

test('the outcome table counts every device once', () => {
  const ok = { ok: true, phase: 'firstSync', phases: [], learned: {}, managed: true, serialNumber: 'A', traceparent: '' } as unknown as DeviceRunResult;
  const failed = { ...ok, ok: false, managed: false, phase: 'join', error: { phase: 'join', service: 'identity', code: 'invalid_request', message: '' } } as DeviceRunResult;
  const outcomes = deviceOutcomes([ok, failed, ok, failed], [null, 'joinRefused', 'serviceDown', 'joinRefused'], [0, 0, 1, 0]);
  assert.deepEqual(
    outcomes.map((o) => o.outcome),
    ['healthy', 'failed', 'recovered', 'failed'],
  );
  const text = formatOutcomes(outcomes);
  assert.match(text, /failed\s+identity\s+join\s+invalid_request\s+joinRefused\s+2/);
  assert.match(text, /4 devices: 1 healthy, 1 recovered, 2 failed/);
});
