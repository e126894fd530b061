// Compliance through the whole chain: management evaluates a policy on what the device agent
// reports over OMA-DM, and identity's device object follows through management's outbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHttpsFetch, testBackends } from '@baton/kit';
import { adminToken, graphJson, runFleet, seedDemo } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { startGroups, until } from './support.js';

for (const backend of testBackends()) {
  test(`a BitLocker + secure boot + firewall policy: compliant at identity, then not once BitLocker is off; a group-targeted TPM policy applies once the device joins the group (${backend.name})`, async (t) => {
    const baton = await startGroups(backend, [['discovery', 'identity'], ['management']]);
    t.after(() => baton.stop());
    const [front, management] = baton.instances;
    assert.ok(front && management);
    const fetch = createHttpsFetch({ caPem: front.caPem });
    t.after(() => fetch.close());
    const demo = await seedDemo({
      dataDir: baton.dataDir,
      url: front.urls.discovery,
      urls: front.urls,
      caPath: front.caPath,
      identity: front.runtimes.identity as IdentityRuntime,
      fetch,
    });
    const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}`, 'content-type': 'application/json' };
    const policies = `${front.urls.management}/graph/beta/deviceManagement/deviceCompliancePolicies`;
    const created = await fetch(policies, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
        displayName: 'Baseline: BitLocker, secure boot, firewall',
        bitLockerEnabled: true,
        secureBootEnabled: true,
        activeFirewallRequired: true,
        scheduledActionsForRule: [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0 }] }],
      }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const policy = (await created.json()) as { id: string };
    const assigned = await fetch(`${policies}/${policy.id}/assign`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ assignments: [{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }] }),
    });
    assert.equal(assigned.status, 200, await assigned.text());

    const { results } = await runFleet({ demo, caPem: front.caPem, devices: 1, concurrency: 1, seed: 41 });
    const [run] = results;
    assert.ok(run?.managed, JSON.stringify(run?.error));
    const deviceId = run.learned.deviceId!;

    const identityDevice = () => graphJson(fetch, `${front.urls.identity}/graph/v1.0/devices(deviceId='${deviceId}')`, { headers });
    const managedDevice = async () => {
      const list = await graphJson(fetch, `${front.urls.management}/graph/v1.0/deviceManagement/managedDevices`, { headers });
      return list.value.find((d: { azureADDeviceId: string }) => d.azureADDeviceId === deviceId);
    };

    // The first session read the facts; the evaluation reached identity through the outbox.
    assert.equal((await managedDevice()).complianceState, 'compliant');
    const compliant = await until('identity isCompliant', identityDevice, (d) => d.isCompliant === true);
    assert.equal(compliant.isManaged, true);

    run.managedDevice!.tree.setSecurity({ bitLocker: false });
    const checkIn = await run.managedDevice!.checkIn();
    assert.equal(checkIn.ok, true, JSON.stringify(checkIn.error));
    const md = await managedDevice();
    assert.equal(md.complianceState, 'noncompliant');
    const states = await graphJson(fetch, `${front.urls.management}/graph/v1.0/deviceManagement/managedDevices/${md.id}/deviceCompliancePolicyStates`, { headers });
    const bitLocker = states.value[0].settingStates.find((s: { settingName: string }) => s.settingName === 'bitLockerEnabled');
    assert.deepEqual([bitLocker.state, bitLocker.currentValue], ['nonCompliant', 'notEncrypted']);
    await until('identity isCompliant', identityDevice, (d) => d.isCompliant === false);

    // Turned back on: compliant again at both ends.
    run.managedDevice!.tree.setSecurity({ bitLocker: true });
    assert.equal((await run.managedDevice!.checkIn()).ok, true);
    assert.equal((await managedDevice()).complianceState, 'compliant');
    await until('identity isCompliant', identityDevice, (d) => d.isCompliant === true);

    // A TPM policy for the members of an Entra group: management asks identity for the device's groups.
    const group = await graphJson(fetch, `${front.urls.identity}/graph/v1.0/groups`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ displayName: 'Compliance: TPM', mailNickname: 'compliance-tpm', mailEnabled: false, securityEnabled: true }),
    });
    const tpm = await graphJson(fetch, policies, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
        displayName: 'TPM for the TPM group',
        tpmRequired: true,
        scheduledActionsForRule: [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0 }] }],
      }),
    });
    await graphJson(fetch, `${policies}/${tpm.id}/assign`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ assignments: [{ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group.id } }] }),
    });
    run.managedDevice!.tree.setSecurity({ tpmVersion: null });
    assert.equal((await run.managedDevice!.checkIn()).ok, true);
    assert.equal((await managedDevice()).complianceState, 'compliant', 'not a member: the TPM policy does not apply');

    const member = await fetch(`${front.urls.identity}/graph/v1.0/groups/${group.id}/members/$ref`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ '@odata.id': `${front.urls.identity}/graph/v1.0/directoryObjects/${compliant.id}` }),
    });
    assert.equal(member.status, 204, await member.text());
    // Cached memberships last five minutes; changing the policy's assignments looks them up again.
    await graphJson(fetch, `${policies}/${tpm.id}/assign`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ assignments: [{ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group.id } }] }),
    });
    assert.equal((await managedDevice()).complianceState, 'noncompliant');
    await until('identity isCompliant', identityDevice, (d) => d.isCompliant === false);
  });
}
