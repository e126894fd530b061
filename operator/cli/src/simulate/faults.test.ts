import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FAULTS, type DeviceRunResult } from '@baton/device';
import { drawFaults } from './fleet.js';
import { drawModes, parseModes, USER_DRIVEN_ONLY } from './modes.js';
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
  assert.deepEqual(parseModes('user=0.7,self=0.3'), { userDriven: 0.7, selfDeploying: 0.3, preProvisioned: 0 });
  assert.deepEqual(parseModes('self=1'), { userDriven: 0, selfDeploying: 1, preProvisioned: 0 });
  assert.deepEqual(parseModes('user=3,self=1'), { userDriven: 0.75, selfDeploying: 0.25, preProvisioned: 0 });
  assert.deepEqual(parseModes('userDriven=60,selfDeploying=30,preProvisioned=10'), { userDriven: 0.6, selfDeploying: 0.3, preProvisioned: 0.1 });
  assert.deepEqual(parseModes(' pre = 1 '), { userDriven: 0, selfDeploying: 0, preProvisioned: 1 });
  const self30 = parseModes('user=0.7,self=0.3');
  const modes = drawModes(2000, 5, self30);
  assert.deepEqual(drawModes(2000, 5, self30), modes);
  const self = modes.filter((m) => m === 'selfDeploying').length;
  assert.ok(self > 500 && self < 700, String(self));
  assert.ok(drawModes(100, 5, USER_DRIVEN_ONLY).every((m) => m === 'userDriven'));
  const mixed = drawModes(3000, 9, parseModes('userDriven=60,selfDeploying=30,preProvisioned=10'));
  const pre = mixed.filter((m) => m === 'preProvisioned').length;
  assert.ok(pre > 220 && pre < 380, String(pre));
  // Adding pre-provisioning takes its devices from user-driven ones: self-deploying devices stay put.
  const withPre = drawModes(2000, 5, { userDriven: 0.6, selfDeploying: 0.3, preProvisioned: 0.1 });
  modes.forEach((m, i) => m === 'selfDeploying' && assert.equal(withPre[i], 'selfDeploying'));
});

test('--modes refuses what it cannot read, naming the flag', () => {
  for (const bad of ['user=0.7;self=0.3', 'kiosk=1', 'self=-1', 'user=0', 'user=1,user=2', 'pre=1=2', 'self=', '=1', 'self=1e3', 'preProvisioned=ten', '']) {
    assert.throws(() => parseModes(bad), /--modes/, bad);
  }
});

test('parseModes never throws anything but its own error, and its shares add up to one', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (text) => {
      try {
        const shares = parseModes(text);
        const total = shares.userDriven + shares.selfDeploying + shares.preProvisioned;
        assert.ok(Math.abs(total - 1) < 1e-9, text);
      } catch (err) {
        assert.match((err as Error).message, /--modes/);
      }
    }),
  );
});
