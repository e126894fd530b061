import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { eachLimited, rampStart } from './fleet.js';
import { MAX_RAMP_UP_S, parseFaultRate, parsePace, parseRampUp } from './options.js';

test('--pace is fast by default and takes fast or real only', () => {
  assert.equal(parsePace(undefined), 'fast');
  assert.equal(parsePace('real'), 'real');
  assert.equal(parsePace(' REAL '), 'real');
  for (const bad of ['', 'slow', 'realtime', '1']) assert.throws(() => parsePace(bad), /--pace takes fast or real/, bad);
});

test('--ramp-up takes seconds and gives milliseconds; anything else is refused by name', () => {
  assert.equal(parseRampUp(undefined), 0);
  assert.equal(parseRampUp('0'), 0);
  assert.equal(parseRampUp('90'), 90_000);
  assert.equal(parseRampUp('2.5'), 2_500);
  for (const bad of ['-1', 'ten', '1e3', '', '5s', String(MAX_RAMP_UP_S + 1), 'Infinity', 'NaN']) {
    assert.throws(() => parseRampUp(bad), /--ramp-up takes seconds/, bad);
  }
});

test('--faults takes a share from 0 to 1', () => {
  assert.equal(parseFaultRate(undefined), 0);
  assert.equal(parseFaultRate('0.25'), 0.25);
  for (const bad of ['1.5', '-0.1', 'x', '', '0x1']) assert.throws(() => parseFaultRate(bad), /--faults/, bad);
});

test('the flag parsers answer a value or their own error for any text', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), (text) => {
      for (const [parse, flag] of [[parsePace, '--pace'], [parseRampUp, '--ramp-up'], [parseFaultRate, '--faults']] as const) {
        try {
          parse(text);
        } catch (err) {
          assert.match((err as Error).message, new RegExp(flag));
        }
      }
    }),
  );
});

test('ramp-up spreads device starts evenly, the first at once', () => {
  assert.deepEqual([0, 1, 2, 3].map((i) => rampStart(i, 4, 60_000)), [0, 15_000, 30_000, 45_000]);
  assert.equal(rampStart(3, 4, 0), 0);
});

test('with a scaled clock, each device waits for its start even when a worker is free', async () => {
  // A fake clock: a sleep wakes when the clock reaches its time, and moves the clock there, so
  // minutes of ramp-up take no time at all.
  let clock = 0;
  const sleep = (ms: number) => {
    const wake = clock + ms;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        clock = Math.max(clock, wake);
        resolve();
      }),
    );
  };
  const starts: number[] = [];
  await eachLimited([0, 1, 2, 3, 4], 5, async (_item, i) => void (starts[i] = clock), {
    startAt: (i) => rampStart(i, 5, 600_000),
    now: () => clock,
    sleep,
  });
  assert.deepEqual(starts, [0, 120_000, 240_000, 360_000, 480_000]);
});

test('a real ramp-up, scaled down, holds the later devices back', async () => {
  const t0 = performance.now();
  const starts: number[] = [];
  await eachLimited([0, 1, 2, 3], 4, async (_item, i) => void (starts[i] = performance.now() - t0), { startAt: (i) => rampStart(i, 4, 200) });
  for (let i = 1; i < 4; i++) assert.ok(starts[i]! >= i * 50 - 2, `device ${i} started at ${starts[i]} ms`);
  assert.ok(starts[0]! < 40);
});
