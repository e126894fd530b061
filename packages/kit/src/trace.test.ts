import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { childTraceparent, parseTraceparent } from './trace.js';

test('a child span keeps the trace id and gets a new span id', () => {
  const root = childTraceparent();
  const child = childTraceparent(root);
  assert.equal(parseTraceparent(child)!.traceId, parseTraceparent(root)!.traceId);
  assert.notEqual(parseTraceparent(child)!.spanId, parseTraceparent(root)!.spanId);
});

test('hostile traceparent headers are ignored, never thrown on', () => {
  assert.equal(parseTraceparent('00-00000000000000000000000000000000-0000000000000000-01'), null);
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      const parsed = parseTraceparent(s);
      const child = childTraceparent(s);
      assert.ok(parseTraceparent(child));
      if (!parsed) assert.notEqual(child.slice(3, 35), s.slice(3, 35));
    }),
  );
});
