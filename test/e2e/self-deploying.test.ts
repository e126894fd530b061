// Self-deploying mode: a device assigned a shared profile proves its TPM instead of a user
// signing in, joins with no owner, enrolls with its own token and ends managed as
// windowsAzureADJoinUsingDeviceAuth. A second enrollment waits for the record's deletion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDENTITY_PATHS } from '@baton/contracts';
import { testBackends, type Fetch } from '@baton/kit';
import { graphJson, readDiagnosis } from '@baton/cli';
import { attest, randomInventory, runDevice, SimulatedTpm } from '@baton/device';
import type { IdentityRuntime } from '@baton/identity';
import { assignProfileToAllDevices, register, startDemoHost } from './host-support.js';

async function assignProfile(fetch: Fetch, discoveryUrl: string, headers: Record<string, string>, usage: 'shared' | 'singleUser') {
  return assignProfileToAllDevices(fetch, discoveryUrl, headers, {
    displayName: `Kiosks (${usage})`,
    deviceNameTemplate: 'KIOSK-%RAND:5%',
    outOfBoxExperienceSetting: { deviceUsageType: usage, userType: 'standard', privacySettingsHidden: true, eulaHidden: true, escapeLinkHidden: true },
  });
}

for (const backend of testBackends()) {
  test(`a self-deploying device provisions with TPM proof and no user, and re-enrolls only after its record is deleted (${backend.name})`, async (t) => {
    const { host, fetch, demo, headers, dataDir } = await startDemoHost(t, backend);
    await assignProfile(fetch, host.url, headers, 'shared');

    const inventory = randomInventory(4242, 0);
    const ztdId = await register(fetch, demo, headers, inventory);

    // No user is given: the device has only discovery's URL and its TPM.
    const result = await runDevice({ discoveryUrl: demo.discoveryUrl, caPem: host.caPem, inventory, fetch });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.mode, 'selfDeploying');
    assert.deepEqual(
      result.phases.map((p) => p.name),
      ['lookup', 'attest', 'join', 'deviceToken', 'enroll', 'firstSync'],
    );

    const managed = await graphJson(fetch, `${host.url}/graph/v1.0/deviceManagement/managedDevices`, { headers });
    const record = managed.value.find((d: any) => d.azureADDeviceId === result.learned.deviceId);
    assert.ok(record, JSON.stringify(managed.value));
    assert.equal(record.deviceEnrollmentType, 'windowsAzureADJoinUsingDeviceAuth');
    assert.equal(record.joinType, 'azureADJoined');
    assert.equal(record.userId, null);
    assert.equal(record.userPrincipalName, null);
    assert.equal(record.managementState, 'managed');

    // Identity's device object is the Autopilot placeholder, joined with no registered owner.
    const device = await graphJson(fetch, `${host.url}/graph/v1.0/devices(deviceId='${result.learned.deviceId}')`, { headers });
    assert.equal(device.trustType, 'AzureAd');
    assert.ok(device.physicalIds.includes(`[ZTDID]:${ztdId}`), JSON.stringify(device.physicalIds));
    const stored = await (host.runtimes.identity as IdentityRuntime).store.findDeviceByZtdId(demo.tenantId, ztdId);
    assert.equal(stored?.registeredOwnerUserId, null);

    // baton diagnose reads the attestation where a user-driven device has its sign-in.
    const { diagnosis } = await readDiagnosis(inventory.serialNumber, { data: dataDir, managementUrl: host.url });
    assert.equal(diagnosis.outcome, 'healthy', JSON.stringify(diagnosis.failure));
    assert.deepEqual(
      diagnosis.phases.map((p) => p.phase),
      ['discovery', 'attestation', 'join', 'deviceToken', 'mdmDiscovery', 'enrollment', 'deviceSetup'],
    );

    // Reset and provisioned again: Intune's one-time limit for self-deploying devices.
    const again = await runDevice({ discoveryUrl: demo.discoveryUrl, caPem: host.caPem, inventory, fetch });
    assert.equal(again.ok, false);
    assert.equal(again.error?.phase, 'enroll');
    assert.equal(again.error?.service, 'management');
    assert.equal(again.error?.code, 'devicenotsupported');
    const deleted = await fetch(`${host.url}/graph/v1.0/deviceManagement/managedDevices/${record.id}`, { method: 'DELETE', headers: { authorization: headers.authorization } });
    assert.equal(deleted.status, 204);
    const third = await runDevice({ discoveryUrl: demo.discoveryUrl, caPem: host.caPem, inventory, fetch });
    assert.equal(third.ok, true, JSON.stringify(third.error));

    // The feeds say what happened: identity recorded the attestation, management the refusal.
    const events = await graphJson(fetch, `${host.url}/identity/v1/events`, { headers });
    assert.ok(events.value.some((e: any) => e.type === 'attestation' && e.outcome === 'success' && e.ztdId === ztdId), JSON.stringify(events.value));
  });

  test(`TPM attestation refuses an unknown EK, another tenant's device, a user-driven device and a wrong answer with 0x801C03EA (${backend.name})`, async (t) => {
    const { host, fetch, demo, headers } = await startDemoHost(t, backend);
    const drsUrl = `${host.url}${IDENTITY_PATHS.drsDiscovery(demo.tenantId)}`;
    const http = { fetch, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
    const refusal = async (tpm: SimulatedTpm, answer?: (b: Buffer) => Buffer) => {
      const error = await attest(http, { deviceRegistrationDiscoveryUrl: drsUrl, tpm, ...(answer ? { answer } : {}) }).then(
        () => assert.fail('attestation was accepted'),
        (e: unknown) => e as { code: string; service: string },
      );
      assert.equal(error.service, 'identity');
      return error.code;
    };

    // Unknown EK: no registration anywhere holds it.
    assert.equal(await refusal(new SimulatedTpm('never-registered')), '0x801C03EA');

    // A registered device whose profile is user-driven (the demo's all-devices profile).
    const userDriven = randomInventory(4343, 0);
    await register(fetch, demo, headers, userDriven);
    assert.equal(await refusal(new SimulatedTpm(userDriven.tpm.endorsementSeed)), '0x801C03EA');

    // Self-deploying from here on; a TPM that answers the challenge wrongly is still refused.
    await assignProfile(fetch, host.url, headers, 'shared');
    const shared = randomInventory(4343, 1);
    await register(fetch, demo, headers, shared);
    assert.equal(await refusal(new SimulatedTpm(shared.tpm.endorsementSeed), () => Buffer.alloc(32, 7)), '0x801C03EA');

    // Another tenant's device: its EK is registered, but not in this tenant.
    // (A second Baton has its own tenant; the EK registered there means nothing here.)
    const { fetch: otherFetch, demo: otherDemo, headers: otherHeaders } = await startDemoHost(t, backend);
    const elsewhere = randomInventory(4343, 2);
    await register(otherFetch, otherDemo, otherHeaders, elsewhere);
    assert.equal(await refusal(new SimulatedTpm(elsewhere.tpm.endorsementSeed)), '0x801C03EA');

    // Each refusal is in identity's feed with the code and the reason.
    const events = await graphJson(fetch, `${host.url}/identity/v1/events`, { headers });
    const reasons = events.value.filter((e: any) => e.type === 'attestation' && e.outcome === 'failure').map((e: any) => [e.errorCode, e.detail.reason]);
    assert.deepEqual(reasons.map((r: string[]) => r[0]), ['0x801C03EA', '0x801C03EA', '0x801C03EA', '0x801C03EA']);
    assert.deepEqual(new Set(reasons.map((r: string[]) => r[1])), new Set(['endorsementKeyNotRegistered', 'notSelfDeploying', 'wrongAnswer']));
  });
}
