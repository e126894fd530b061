// Apps and the Enrollment Status Page through the whole chain: a device provisioned with two
// required apps (one the ESP blocks on) installs both and completes the ESP; a blocking app
// whose installer fails ends the deployment with the app named and the installer's code; an
// installer that never finishes runs the ESP out of time. Management's autopilotEvents and
// event feed say the same, and `baton diagnose` names the app.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '@baton/kit';
import { randomInventory, runDevice, type DeviceBehaviour } from '@baton/device';
import { graphJson, readDiagnosis } from '@baton/cli';
import { register } from './diagnose-support.js';
import { createRequiredApps } from './apps-support.js';
import { startDemoOrigins } from './host-support.js';

const BLOCKING_CODE = '{B1A7C0DE-0000-4000-8000-0000000000E5}';

for (const backend of testBackends()) {
  test(`two required apps, one blocking on the ESP: installed and completed; a failing or hanging blocking app ends the deployment (${backend.name})`, async (t) => {
    const { discovery, identity, management, fetch, demo, headers, dataDir } = await startDemoOrigins(t, backend);
    const graph = (path: string, init: { method?: string; body?: unknown } = {}) =>
      graphJson(fetch, `${management.url}/graph/${path}`, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });

    const { agent, tools } = await createRequiredApps(graph, BLOCKING_CODE, { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' });
    const esp = await graph('beta/deviceManagement/deviceEnrollmentConfigurations', {
      method: 'POST',
      body: { '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration', displayName: 'Block on the agent', showInstallationProgress: true, installProgressTimeoutInMinutes: 15, selectedMobileAppIds: [agent.id] },
    });
    await graph(`beta/deviceManagement/deviceEnrollmentConfigurations/${esp.id}/assign`, {
      method: 'POST',
      body: { enrollmentConfigurationAssignments: [{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }] },
    });

    let n = 0;
    const provision = async (behaviour?: DeviceBehaviour) => {
      const inventory = randomInventory(777, n++);
      assert.equal((await register(fetch, discovery.url, demo, inventory)).state.deviceImportStatus, 'complete');
      const result = await runDevice({ discoveryUrl: demo.discoveryUrl, caPem: identity.caPem, inventory, user: demo.user, ...(behaviour ? { behaviour } : {}) });
      const events = await graph(`beta/deviceManagement/autopilotEvents?$filter=deviceSerialNumber eq '${inventory.serialNumber}'`);
      assert.equal(events.value.length, 1, 'one record per deployment');
      assert.equal(events.value[0].enrollmentType, 'azureADJoinedWithAutopilotProfile', 'a user-driven deployment');
      return { inventory, result, event: events.value[0] };
    };

    await t.test('both apps install and the ESP completes', async () => {
      const { result, event } = await provision();
      assert.equal(result.ok, true, JSON.stringify(result.error));
      assert.ok(result.phases.some((p) => p.name === 'esp' && p.ok));
      assert.deepEqual([event.deploymentState, event.deviceSetupStatus, event.windows10EnrollmentCompletionPageConfigurationDisplayName], ['success', 'success', 'Block on the agent']);
      for (const app of [agent, tools]) {
        const statuses = await graph(`v1.0/deviceAppManagement/mobileApps/${app.id}/deviceStatuses`);
        const mine = statuses.value.find((s: { deviceId: string }) => s.deviceId === event.deviceId);
        assert.equal(mine?.installState, 'installed', `${app.displayName}: ${JSON.stringify(statuses.value)}`);
      }
      assert.equal(result.managedDevice!.tree.get(`./Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/${encodeURIComponent(BLOCKING_CODE)}/Status`)?.data, '70');
    });

    await t.test('the blocking app fails: the deployment ends with the app named and the installer code', async () => {
      const { inventory, result, event } = await provision({ appInstalls: { [BLOCKING_CODE]: { errorCode: '0x80070643' } } });
      assert.equal(result.ok, false);
      assert.deepEqual([result.error?.phase, result.error?.service, result.error?.code], ['esp', 'management', '0x80070643']);
      assert.deepEqual([event.deploymentState, event.deviceSetupStatus], ['failure', 'failure']);
      assert.match(event.enrollmentFailureDetails, /Contoso Agent.*0x80070643/);
      const statuses = await graph(`v1.0/deviceAppManagement/mobileApps/${agent.id}/deviceStatuses`);
      const mine = statuses.value.find((s: { deviceId: string }) => s.deviceId === event.deviceId);
      assert.deepEqual([mine.installState, mine.errorCode], ['failed', 0x80070643 | 0]);
      const { diagnosis } = await readDiagnosis(inventory.serialNumber, { data: dataDir, managementUrl: management.url });
      assert.equal(diagnosis.outcome, 'failed');
      assert.deepEqual([diagnosis.failure?.service, diagnosis.failure?.phase, diagnosis.failure?.errorCode, diagnosis.failure?.item], ['management', 'deviceSetup', '0x80070643', 'Contoso Agent']);
    });

    await t.test('the blocking app never finishes: the ESP times out naming it', async () => {
      const { inventory, result, event } = await provision({ appInstalls: { [BLOCKING_CODE]: { hang: true } } });
      assert.equal(result.ok, false);
      assert.deepEqual([result.error?.phase, result.error?.code], ['esp', '0x800705B4']);
      assert.equal(event.deploymentState, 'failure');
      assert.match(event.enrollmentFailureDetails, /15 minutes.*Contoso Agent/);
      const { diagnosis } = await readDiagnosis(inventory.serialNumber, { data: dataDir, managementUrl: management.url });
      assert.deepEqual([diagnosis.failure?.errorCode, diagnosis.failure?.item], ['0x800705B4', 'Contoso Agent']);
    });
  });
}
