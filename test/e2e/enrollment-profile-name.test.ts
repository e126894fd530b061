// The Autopilot profile-name group pattern across services: devices imported from a CSV file
// carry their assigned profile's name on identity's device object (enrollmentProfileName), so
// a dynamic group `(device.enrollmentProfileName -eq "…")` holds them while the profile is
// theirs and lets them go when the assignment is deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '@baton/kit';
import { graphJson } from '@baton/cli';
import { hardwareHash, randomInventory } from '@baton/device';
import { autopilotCsvText } from '@baton/protocols';
import { startSplitDemo, until } from './support.js';

const PROFILE_NAME = 'Sales kiosks';

for (const backend of testBackends()) {
  test(`devices of one Autopilot profile join and leave the dynamic group on its name (${backend.name})`, async (t) => {
    const { fetch, headers, identityGraph, discoveryGraph } = await startSplitDemo(backend, t);

    const group = await graphJson(fetch, `${identityGraph}/groups`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        displayName: 'Autopilot: Sales kiosks',
        mailNickname: 'autopilot-sales-kiosks',
        mailEnabled: false,
        securityEnabled: true,
        groupTypes: ['DynamicMembership'],
        membershipRule: `(device.enrollmentProfileName -eq "${PROFILE_NAME}")`,
        membershipRuleProcessingState: 'On',
      }),
    });
    const members = async () => {
      const page = await graphJson(fetch, `${identityGraph}/groups/${group.id}/members?$select=id,deviceId`, { headers });
      return (page.value as Array<{ deviceId: string }>).map((m) => m.deviceId).sort();
    };

    const importCsv = async (seed: number) => {
      const inventory = randomInventory(91, seed);
      const csv = autopilotCsvText([{ serialNumber: inventory.serialNumber, hardwareHash: hardwareHash(inventory) }]);
      const imported = await graphJson(fetch, `${discoveryGraph}/importedWindowsAutopilotDeviceIdentities/importCsv`, {
        method: 'POST',
        headers: { authorization: headers.authorization, 'content-type': 'text/csv' },
        body: csv,
      });
      assert.equal(imported.summary.imported, 1, JSON.stringify(imported));
      const device = await graphJson(fetch, `${discoveryGraph}/windowsAutopilotDeviceIdentities/${imported.value[0].state.deviceRegistrationId}`, { headers });
      return device.azureActiveDirectoryDeviceId as string;
    };

    // Registered before the profile exists: it has the demo's all-devices profile, not this one.
    const early = await importCsv(0);
    await until('the placeholder of the first device at identity', async () => (await fetch(`${identityGraph}/devices(deviceId='${early}')`, { headers })).status, (s) => s === 200);
    assert.deepEqual(await members(), []);

    const profile = await graphJson(fetch, `${discoveryGraph}/windowsAutopilotDeploymentProfiles`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile', displayName: PROFILE_NAME }),
    });
    const assignment = await graphJson(fetch, `${discoveryGraph}/windowsAutopilotDeploymentProfiles/${profile.id}/assignments`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }),
    });
    await until('the assigned device in the profile-name group', members, (m) => m.includes(early));
    const object = await graphJson(fetch, `${identityGraph}/devices(deviceId='${early}')`, { headers });
    assert.equal(object.enrollmentProfileName, PROFILE_NAME);

    // Registered after: its first placeholder already carries the name.
    const late = await importCsv(1);
    await until('both devices in the profile-name group', members, (m) => m.length === 2);
    assert.deepEqual(await members(), [early, late].sort());

    const deleted = await fetch(`${discoveryGraph}/windowsAutopilotDeploymentProfiles/${profile.id}/assignments/${assignment.id}`, { method: 'DELETE', headers: { authorization: headers.authorization } });
    assert.equal(deleted.status, 204);
    await until('the group to empty once the assignment is deleted', members, (m) => m.length === 0);
    const after = await graphJson(fetch, `${identityGraph}/devices(deviceId='${early}')`, { headers });
    assert.notEqual(after.enrollmentProfileName, PROFILE_NAME, 'back to the all-devices profile of the demo');
    assert.equal(typeof after.enrollmentProfileName, 'string');
  });
}
