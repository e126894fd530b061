// The Microsoft Graph JS SDK, pointed at Baton with demo.json and the local CA, reads what
// the chain produced and gets Graph-shaped errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createHttpsFetch } from '@baton/kit';
import { runFleet, seedDemo, type RunningBaton } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { startGroups } from './support.js';

const run = promisify(execFile);
const clientScript = new URL('./clients/graph-sdk.ts', import.meta.url).pathname;

test('the Graph JS SDK reads Autopilot devices, managed devices and directory devices from Baton, one at a time and in a $batch', async (t) => {
  const baton = await startGroups({ name: 'sqlite' }, [['discovery', 'identity', 'management']]);
  t.after(() => baton.stop());
  const [host] = baton.instances as [RunningBaton];
  const fetch = createHttpsFetch({ caPem: host.caPem });
  t.after(() => fetch.close());
  const demo = await seedDemo({ dataDir: baton.dataDir, url: host.url, urls: host.urls, caPath: host.caPath, identity: host.runtimes.identity as IdentityRuntime, fetch });
  const { results } = await runFleet({ demo, caPem: host.caPem, devices: 3, concurrency: 3, seed: 21 });
  assert.equal(results.filter((r) => r.managed).length, 3);

  const { stdout } = await run(process.execPath, ['--import', 'tsx', clientScript, join(baton.dataDir, 'demo.json')], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: host.caPath },
    timeout: 60_000,
  });
  const seen = JSON.parse(stdout);
  assert.deepEqual(seen.profiles, ['Baton demo: user-driven']);
  assert.equal(seen.autopilotDevices, 2, '$top is honoured');
  assert.match(seen.nextLink, /^https:\/\/localhost:\d+\/graph\/beta\/deviceManagement\/windowsAutopilotDeviceIdentities\?/);
  assert.deepEqual(seen.managedStates, ['managed', 'managed', 'managed']);
  assert.equal(seen.joined, 3);
  assert.equal(seen.error.statusCode, 404);
  assert.equal(seen.error.code, 'itemNotFound');
  assert.match(seen.error.requestId, /^[0-9a-f-]{36}$/);

  // JSON batching through the SDK's BatchRequestContent: each step answered by its owner.
  assert.deepEqual(seen.batch.statuses, { profiles: 200, managed: 200, directory: 200, missing: 404, 'after-missing': 424 });
  assert.deepEqual(seen.batch.profiles, ['Baton demo: user-driven']);
  assert.deepEqual(seen.batch.managedStates, ['managed', 'managed', 'managed']);
  assert.equal(seen.batch.directoryCount, 3);
  assert.equal(seen.batch.missingCode, 'itemNotFound');
});
