import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAST_PACE, paceByName, REAL_PACE, realPace, type PaceStep } from './pace.js';

test('real pace waits the table figure of each step, times the count, through the scale', async () => {
  const asked: number[] = [];
  const pace = realPace({ scale: 0.5, sleep: async (ms) => void asked.push(ms) });
  await pace.wait('oobePages');
  await pace.wait('appInstall', 3);
  assert.deepEqual(asked, [REAL_PACE.oobePages.ms * 0.5, REAL_PACE.appInstall.ms * 3 * 0.5]);
});

test('a scaled-down real pace really waits, and fast pace does not', async () => {
  const scale = 0.002; // a minute becomes 120 ms
  const real = paceByName('real', { scale });
  let started = performance.now();
  await real.wait('resealReboot');
  const waited = performance.now() - started;
  assert.ok(waited >= REAL_PACE.resealReboot.ms * scale - 5, `waited ${waited} ms`);

  started = performance.now();
  for (const step of Object.keys(REAL_PACE) as PaceStep[]) await FAST_PACE.wait(step, 10);
  assert.ok(performance.now() - started < 50);
  assert.equal(paceByName('fast'), FAST_PACE);
});

test('an abort ends a real-pace wait at once', async () => {
  const controller = new AbortController();
  const pace = realPace();
  const started = performance.now();
  setTimeout(() => controller.abort(), 20);
  await pace.wait('appInstall', 10, controller.signal);
  assert.ok(performance.now() - started < 1_000);
});

test('every figure is positive and says where it comes from', () => {
  for (const [step, { ms, source }] of Object.entries(REAL_PACE)) {
    assert.ok(ms > 0, step);
    assert.ok(source.length > 10, step);
  }
  assert.throws(() => realPace({ scale: -1 }), /scale/);
  assert.throws(() => realPace({ scale: Number.NaN }), /scale/);
});
