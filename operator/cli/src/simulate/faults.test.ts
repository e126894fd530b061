import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULTS, type DeviceRunResult } from '@baton/device';
import { drawFaults } from './fleet.js';
import { drawModes, parseModes } from './modes.js';
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
  const failed = { ...ok, ok: false, managed: false, phase: 'join', mode: 'userDriven', error: { phase: 'join', service: 'identity', code: 'invalid_request', message: '' } } as DeviceRunResult;
  const outcomes = deviceOutcomes([ok, failed, ok, failed], [null, 'joinRefused', 'serviceDown', 'joinRefused'], [0, 0, 1, 0]);
  assert.deepEqual(
    outcomes.map((o) => o.outcome),
    ['healthy', 'failed', 'recovered', 'failed'],
  );
  const text = formatOutcomes(outcomes);
  assert.match(text, /failed\s+userDriven\s+identity\s+join\s+invalid_request\s+joinRefused\s+2/);
  assert.match(text, /4 devices: 1 healthy, 1 recovered, 2 failed/);
});

test("--modes reads shares and draws each device's mode reproducibly", () => {
  assert.equal(parseModes('user=0.7,self=0.3'), 0.3);
  assert.equal(parseModes('self=1'), 1);
  assert.equal(parseModes('user=3,self=1'), 0.25);
  for (const bad of ['user=0.7;self=0.3', 'kiosk=1', 'self=-1', 'user=0']) assert.throws(() => parseModes(bad), bad);
  const modes = drawModes(2000, 5, 0.3);
  assert.deepEqual(drawModes(2000, 5, 0.3), modes);
  const self = modes.filter((m) => m === 'selfDeploying').length;
  assert.ok(self > 500 && self < 700, String(self));
  assert.ok(drawModes(100, 5, 0).every((m) => m === 'userDriven'));
});
