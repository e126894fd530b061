// The Autopilot group-tag pattern across services: a device registered with group tag
// Sales lands in identity's dynamic group through its placeholder, identity notifies
// discovery, and discovery hands the device the profile assigned to that group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '@baton/kit';
import { graphJson, runFleet } from '@baton/cli';
import { hardwareHash, randomInventory } from '@baton/device';
import { startSplitDemo } from './support.js';

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const backend of testBackends()) {
  test(`a Sales-tagged device gets the profile assigned to the dynamic Sales group (${backend.name})`, async (t) => {
    const { identityHost, discoveryHost, fetch, demo, headers, identityGraph, discoveryGraph } = await startSplitDemo(backend, t);

    const group = await graphJson(fetch, `${identityGraph}/groups`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        displayName: 'Autopilot: Sales',
        mailNickname: 'autopilot-sales',
        mailEnabled: false,
        securityEnabled: true,
        groupTypes: ['DynamicMembership'],
        membershipRule: '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Sales"))',
        membershipRuleProcessingState: 'On',
      }),
    });
    const profile = await graphJson(fetch, `${discoveryGraph}/windowsAutopilotDeploymentProfiles`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
        displayName: 'Sales laptops',
        deviceNameTemplate: 'SALES-%RAND:5%',
        outOfBoxExperienceSetting: { deviceUsageType: 'singleUser', userType: 'standard', privacySettingsHidden: true, eulaHidden: true, escapeLinkHidden: true },
      }),
    });
    await graphJson(fetch, `${discoveryGraph}/windowsAutopilotDeploymentProfiles/${profile.id}/assignments`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group.id } }),
    });

    const sales = randomInventory(77, 0);
    const other = randomInventory(77, 1);
    const imported: Record<string, string> = {};
    const started = Date.now();
    for (const [inventory, groupTag] of [[sales, 'Sales'], [other, '']] as const) {
      const row = await graphJson(fetch, `${discoveryGraph}/importedWindowsAutopilotDeviceIdentities`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ serialNumber: inventory.serialNumber, hardwareIdentifier: hardwareHash(inventory), groupTag }),
      });
      imported[inventory.serialNumber] = row.state.deviceRegistrationId;
    }

    // No polling of identity by discovery: the notification moves the assignment.
    const assigned = await waitFor('the Sales device to be assigned the Sales profile', async () => {
      const device = await graphJson(fetch, `${discoveryGraph}/windowsAutopilotDeviceIdentities/${imported[sales.serialNumber]}?$expand=intendedDeploymentProfile`, { headers });
      return device.intendedDeploymentProfile?.id === profile.id && String(device.deploymentProfileAssignmentStatus).startsWith('assigned') ? device : undefined;
    });
    assert.ok(Date.now() - started < 10_000);
    assert.equal(assigned.groupTag, 'Sales');
    const members = await graphJson(fetch, `${identityGraph}/groups/${group.id}/members`, { headers });
    assert.deepEqual(
      members.value.map((m: { deviceId: string }) => m.deviceId),
      [assigned.azureActiveDirectoryDeviceId],
    );

    const lookup = async (inventory: typeof sales) =>
      graphJson(fetch, `${discoveryHost.url}/ztd/v1/lookup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ hardwareHash: hardwareHash(inventory), serialNumber: inventory.serialNumber }),
      });
    assert.equal((await lookup(sales)).deploymentProfile.id, profile.id);
    assert.equal((await lookup(other)).deploymentProfile.id, demo.deploymentProfileId, 'untagged devices keep the all-devices profile');

    // Re-tagging the device moves it out of the group and back to the all-devices profile.
    await fetch(`${discoveryGraph}/windowsAutopilotDeviceIdentities/${imported[sales.serialNumber]}/updateDeviceProperties`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ groupTag: 'Marketing' }),
    });
    await waitFor('the re-tagged device to leave the Sales profile', async () => {
      const answer = await lookup(sales);
      return answer.deploymentProfile.id === demo.deploymentProfileId ? answer : undefined;
    });

    // And the chain still completes for a device provisioned through the group profile.
    const { results } = await runFleet({ demo, caPem: identityHost.caPem, devices: 1, concurrency: 1, seed: 78, groupTag: 'Sales' });
    assert.equal(results[0]!.managed, true, JSON.stringify(results[0]!.error));
  });
}
