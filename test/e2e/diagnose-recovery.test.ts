// A service down during the handoff and back again, the CLI as an administrator runs it, and
// the fleet summary's accounting, against a running Baton on three origins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { testBackends } from '@baton/kit';
import { FAULTS, runDevice } from '@baton/device';
import { readDiagnosis, readFleetSummary } from '@baton/cli';
import { register, startDiagnoseBaton } from './diagnose-support.js';

const bin = new URL('../../operator/cli/bin/baton.js', import.meta.url).pathname;
const run = promisify(execFile);

for (const backend of testBackends()) {
  test(`baton diagnose: recovery, the CLI and the fleet summary (${backend.name})`, async (t) => {
    const b = await startDiagnoseBaton(t, backend, 4343);
    const [healthy, csp] = await Promise.all([b.provision(null), b.provision('cspError')]);

    await t.test('serviceDown: management is down at the handoff, then comes back and the next attempt succeeds', async () => {
      const inventory = b.nextInventory();
      await register(b.fetch, b.discovery.url, b.demo, inventory);
      await b.baton.down(2);
      const failed = await runDevice({ discoveryUrl: b.demo.discoveryUrl, caPem: b.identity.caPem, inventory, user: b.demo.user });
      assert.equal(failed.ok, false);
      const during = await readDiagnosis(inventory.serialNumber, b.asDemo);
      assert.equal(during.diagnosis.failure?.service, FAULTS.serviceDown.service);
      assert.equal(during.diagnosis.failure?.phase, FAULTS.serviceDown.phase);
      assert.equal(during.diagnosis.failure?.errorCode, FAULTS.serviceDown.errorCode);
      assert.ok(during.unavailable.has('management'), 'the feed of a service that is down cannot be read');

      await b.baton.up(2);
      const retried = await runDevice({ discoveryUrl: b.demo.discoveryUrl, caPem: b.identity.caPem, inventory, user: b.demo.user });
      assert.equal(retried.ok, true, JSON.stringify(retried.error));
      const after = await readDiagnosis(inventory.serialNumber, b.asDemo);
      assert.equal(after.diagnosis.outcome, 'recovered');
      assert.equal(after.diagnosis.attempts, 2);
      assert.equal(after.diagnosis.earlierFailures[0]?.service, 'management');
      assert.equal(after.diagnosis.earlierFailures[0]?.errorCode, 'unreachable');
    });

    await t.test('the CLI as an administrator runs it: exit code 2, JSON, Mermaid', async () => {
      const args = ['diagnose', csp.inventory.serialNumber, '--data', b.baton.dataDir, '--management-url', b.management.url];
      const json = await run(process.execPath, [bin, ...args, '--format', 'json']).then(
        () => assert.fail('a failed provisioning exits non-zero'),
        (error: { code: number; stdout: string }) => error,
      );
      assert.equal(json.code, 2);
      const parsed = JSON.parse(json.stdout);
      assert.deepEqual([parsed.failure.service, parsed.failure.phase, parsed.failure.errorCode], ['management', 'deviceSetup', '500']);
      const mermaid = await run(process.execPath, [bin, ...args, '--format', 'mermaid']).catch((error: { stdout: string }) => error);
      assert.equal(mermaid.stdout.match(/```mermaid\n(gantt|sequenceDiagram)/g)?.length, 2);
      const ok = await run(process.execPath, [bin, 'diagnose', healthy.inventory.serialNumber, '--data', b.baton.dataDir]);
      assert.match(ok.stdout, /outcome: HEALTHY/);
    });

    await t.test('the fleet summary counts each device exactly once', async () => {
      const { diagnosis: summary } = await readFleetSummary(b.asDemo);
      assert.equal(summary.devices, 3);
      assert.deepEqual(summary.byOutcome, { healthy: 1, failed: 1, recovered: 1, notStarted: 0, unknown: 0 });
      assert.equal(summary.rows.reduce((sum, r) => sum + r.devices, 0), 3);
      assert.ok(summary.rows.some((r) => r.outcome === 'failed' && r.service === 'management' && r.errorCode === '500'));
      assert.ok(summary.rows.some((r) => r.outcome === 'recovered' && r.errorCode === 'unreachable'));
    });
  });
}
