// A simulated fleet carrying every fault a one-tenant fleet can carry, against a running Baton
// on three origins: the simulator's outcome table and `baton diagnose --summary` (read from the
// services' own feeds) each count every device exactly once, and the summary names each
// injected fault's owner, phase and code for the very device that carried it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '@baton/kit';
import { availableFaults, type FaultName } from '@baton/device';
import { deviceOutcomes, readFleetSummary, runFleet } from '@baton/cli';
import { startDiagnoseBaton } from './diagnose-support.js';

const HEALTHY = 3;

for (const backend of testBackends()) {
  test(`a fleet with every fleet fault: each device counted once, each fault found on its device (${backend.name})`, async (t) => {
    const b = await startDiagnoseBaton(t, backend, 5151);
    const faults = availableFaults({ fleet: true });
    const plan: Array<FaultName | null> = [...faults.map((f) => f.name), ...Array<null>(HEALTHY).fill(null)];
    const fleet = await runFleet({
      demo: b.demo,
      caPem: b.identity.caPem,
      devices: plan.length,
      concurrency: 4,
      seed: 5151,
      faultPlan: plan,
      urls: { identity: b.identity.url, management: b.management.url },
    });

    const outcomes = deviceOutcomes(fleet.results, fleet.faults, fleet.retries);
    assert.equal(outcomes.length, plan.length);
    assert.deepEqual(fleet.faults, plan);

    const { diagnosis: summary } = await readFleetSummary(b.asDemo);
    assert.equal(summary.devices, plan.length, JSON.stringify(summary.rows));
    assert.equal(summary.rows.reduce((sum, r) => sum + r.devices, 0), plan.length);
    const recovering = faults.filter((f) => f.name === 'serviceDown').length;
    assert.deepEqual(summary.byOutcome, { healthy: HEALTHY, failed: faults.length - recovering, recovered: recovering, notStarted: 0, unknown: 0 });

    const bySerial = new Map(summary.diagnoses.map((d) => [d.device.serialNumber, d]));
    for (const [i, name] of plan.entries()) {
      const diagnosis = bySerial.get(fleet.results[i]!.serialNumber);
      assert.ok(diagnosis, `device ${i} (${name ?? 'healthy'}) is in the summary`);
      if (name === null) {
        assert.equal(diagnosis.outcome, 'healthy', JSON.stringify(diagnosis.failure));
        continue;
      }
      const fault = faults.find((f) => f.name === name)!;
      const finding = diagnosis.failure ?? diagnosis.earlierFailures.at(-1);
      assert.deepEqual([finding?.service, finding?.phase, finding?.errorCode], [fault.service, fault.phase, fault.errorCode], name);
    }
  });
}
