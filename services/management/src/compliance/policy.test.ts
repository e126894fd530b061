import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { GraphError } from '@baton/kit';
import { compareVersions, parsePolicyInput } from './policy.js';
import { parseTarget } from '../targeting/targets.js';

const badRequest = (error: unknown) => error instanceof GraphError && error.statusCode === 400;

test('hostile policy bodies are either a policy or a Graph 400, never another failure', () => {
  const keys = fc.constantFrom('bitLockerEnabled', 'osMinimumVersion', 'passwordMinimumLength', 'validOperatingSystemBuildRanges', 'scheduledActionsForRule', 'displayName', '@odata.type', 'tpmRequired', '__proto__', 'constructor');
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.dictionary(keys, fc.anything())), fc.constantFrom('v1.0' as const, 'beta' as const), fc.constantFrom('create' as const, 'update' as const), (body, version, mode) => {
      try {
        const input = parsePolicyInput(body, version, mode, randomUUID);
        assert.equal(typeof input.settings, 'object');
        if (mode === 'create') assert.equal(typeof input.displayName, 'string');
      } catch (error) {
        assert.ok(badRequest(error), String(error));
      }
    }),
    // JSON can send an object whose toString is not a function; String() of it throws.
    { examples: [[{ '@odata.type': { toString: [] } }, 'v1.0', 'create']] },
  );
});

test('hostile assignment targets are a target or a Graph 400', () => {
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.record({ '@odata.type': fc.string(), groupId: fc.oneof(fc.string(), fc.uuid()) })), (raw) => {
      try {
        const target = parseTarget(raw);
        assert.ok(target['@odata.type'].startsWith('#microsoft.graph.'));
      } catch (error) {
        assert.ok(badRequest(error), String(error));
      }
    }),
  );
});

test('versions compare part by part, missing parts as zero', () => {
  assert.equal(compareVersions('10.0.9', '10.0.19045'), -1);
  assert.equal(compareVersions('10.0', '10.0.0.0'), 0);
  assert.equal(compareVersions('10.0.22631.2861', '10.0.22631.1'), 1);
});
