// Every fault of the catalogue that a device can carry, injected into a simulated device
// against a running Baton (three services on three origins) the way reality produces it;
// `baton diagnose` must name the owning service, the phase and the error code from what the
// services recorded. A healthy device is diagnosed healthy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceName } from '@baton/contracts';
import { testBackends } from '@baton/kit';
import { availableFaults } from '@baton/device';
import { readDiagnosis } from '@baton/cli';
import { startDiagnoseBaton } from './diagnose-support.js';

for (const backend of testBackends()) {
  test(`baton diagnose names the owner, phase and code of every fault in the catalogue (${backend.name})`, async (t) => {
    // MDM certificates as short-lived as the shortest a fault needs (a shelved device outlasts them); the others sync at once.
    const validities = availableFaults().flatMap((f) => f.setup().mdmCertificateValidityDays ?? []);
    const b = await startDiagnoseBaton(t, backend, 4242, validities.length > 0 ? { mdmCertificateValidityDays: Math.min(...validities) } : {});

    await t.test('a healthy device is diagnosed healthy, with every phase of the timeline', async () => {
      const { inventory, result } = await b.provision(null);
      assert.equal(result.ok, true, JSON.stringify(result.error));
      const { diagnosis } = await readDiagnosis(inventory.serialNumber, b.asDemo);
      assert.equal(diagnosis.outcome, 'healthy', JSON.stringify(diagnosis.failure));
      assert.equal(diagnosis.failure, null);
      assert.deepEqual(
        diagnosis.phases.map((p) => p.phase),
        ['discovery', 'authentication', 'join', 'deviceToken', 'mdmDiscovery', 'enrollment', 'deviceSetup'],
      );
      // One trace id for the whole provisioning, recorded by each service.
      assert.deepEqual(new Set(diagnosis.timeline.filter((e) => e.type !== 'registration').map((e) => e.traceId)), new Set([diagnosis.traceId]));
      assert.deepEqual(new Set(diagnosis.timeline.map((e) => e.service)), new Set<ServiceName>(['discovery', 'identity', 'management']));
      // The same device found by its Entra device id.
      assert.equal((await readDiagnosis(result.learned.deviceId!, b.asDemo)).diagnosis.traceId, diagnosis.traceId);
      // Over budget even though it succeeded.
      const tight = await readDiagnosis(inventory.serialNumber, { ...b.asDemo, budget: 'identity=0' });
      assert.equal(tight.diagnosis.outcome, 'healthy');
      assert.deepEqual(tight.diagnosis.overBudget.map((f) => f.group), ['identity']);
    });

    // The devices provision side by side (as a fleet would); each is then diagnosed on its own.
    const faults = availableFaults().filter((f) => f.name !== 'serviceDown');
    const provisioned = await Promise.all(faults.map((f) => b.provision(f.name)));
    for (const [i, fault] of faults.entries()) {
      await t.test(`${fault.name}: ${fault.service} / ${fault.phase} / ${fault.errorCode}`, async () => {
        const { inventory } = provisioned[i]!;
        const setup = fault.setup();
        const as = setup.registration === 'noProfile' ? b.asFabrikam : setup.mode === 'selfDeploying' ? b.asLitware : b.asDemo;
        const { diagnosis } = await readDiagnosis(inventory.serialNumber, as);
        assert.equal(diagnosis.outcome, 'failed', JSON.stringify(diagnosis.timeline));
        assert.equal(diagnosis.failure?.service, fault.service);
        assert.equal(diagnosis.failure?.phase, fault.phase);
        assert.equal(diagnosis.failure?.errorCode, fault.errorCode);
        // Read from what the services recorded, not guessed from silence.
        assert.equal(diagnosis.failure?.inferred, false);
        assert.doesNotMatch(diagnosis.failure.meaning, /does not describe/, 'the code is explained');
        assert.ok(diagnosis.failure.remediation.length > 0);
        // A noncompliant device is told which setting failed, with what it reported.
        if (fault.name === 'noncompliant') assert.match(diagnosis.failure.detail ?? '', /bitLockerEnabled: reported notEncrypted, policy expects encrypted/);
        if (fault.name === 'certificateExpired') assert.match(diagnosis.failure.detail ?? '', /MDM certificate expired at /);
        // The deleted object is named with the code Windows shows, and the way back is re-registration.
        if (fault.name === 'deviceObjectDeleted') {
          assert.equal(diagnosis.failure.windows, '0x801C03F3');
          assert.match(diagnosis.failure.remediation, /import its hardware hash again/);
          // The technician's half went through before the object was deleted.
          assert.ok(diagnosis.timeline.some((e) => e.type === 'espDeviceSetup' && e.outcome === 'success'), JSON.stringify(diagnosis.timeline));
        }
      });
    }
  });
}
