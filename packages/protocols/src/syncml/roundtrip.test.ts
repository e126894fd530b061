import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { syncmlMessage } from '../testing/syncml-arbitraries.js';
import { buildSyncML } from './build.js';
import { parseSyncML } from './parse.js';

test('build → parse is the identity on valid messages', () => {
  fc.assert(
    fc.property(syncmlMessage, (msg) => {
      assert.deepStrictEqual(parseSyncML(buildSyncML(msg)), structuredClone(msg));
    }),
    { numRuns: 400 },
  );
});

test('parse → build → parse is stable', () => {
  fc.assert(
    fc.property(syncmlMessage, (msg) => {
      const once = parseSyncML(buildSyncML(msg));
      assert.deepStrictEqual(parseSyncML(buildSyncML(once)), once);
    }),
    { numRuns: 100 },
  );
});
