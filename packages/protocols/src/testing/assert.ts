import assert from 'node:assert/strict';
import { ProtocolParseError } from '../errors.js';

/** Runs `fn`; passes if it returns or throws a ProtocolParseError, fails on any other throw. */
export function onlyParseErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ProtocolParseError)) {
      assert.fail(`expected ProtocolParseError, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
    assert.equal(typeof err.code, 'string');
  }
}

export function rejectsWith(code: string, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof ProtocolParseError && err.code === code);
}
