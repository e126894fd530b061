// Compliance decides access, end to end: the agent's user gets a device-bound Graph token while
// the device is compliant; once BitLocker is off, the next OMA-DM session makes management find
// the device noncompliant, identity hears it through the outbox, and conditional access refuses
// the same request with Entra's AADSTS53000.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GRAPH_RESOURCE } from '@baton/contracts';
import { createHttpsFetch, testBackends } from '@baton/kit';
import { adminToken, graphJson, runFleet, seedDemo } from '@baton/cli';
import type { IdentityRuntime } from '@baton/identity';
import { startGroups, until } from './support.js';

/** Microsoft Graph's app id, which Baton's Graph resource stands for in policies. */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

for (const backend of testBackends()) {
  test(`BitLocker turned off: the device turns noncompliant, identity flips isCompliant and conditional access refuses its user's Graph token (${backend.name})`, async (t) => {
    const baton = await startGroups(backend, [['discovery', 'identity'], ['management']]);
    t.after(() => baton.stop());
    const [front] = baton.instances;
    assert.ok(front);
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

    const policies = `${front.urls.management}/graph/v1.0/deviceManagement/deviceCompliancePolicies`;
    const policy = await graphJson(fetch, policies, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
        displayName: 'BitLocker required',
        bitLockerEnabled: true,
        scheduledActionsForRule: [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0 }] }],
      }),
    });
    await graphJson(fetch, `${policies}/${policy.id}/assign`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ assignments: [{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }] }),
    });

    // A user-driven device: the demo user signs in during OOBE, the device joins and enrolls.
    const { results } = await runFleet({ demo, caPem: front.caPem, devices: 1, concurrency: 1, seed: 53 });
    const [run] = results;
    assert.ok(run?.managed && run.managedDevice, JSON.stringify(run?.error));
    const device = run.managedDevice;
    const deviceId = run.learned.deviceId!;

    const identityDevice = () => graphJson(fetch, `${front.urls.identity}/graph/v1.0/devices(deviceId='${deviceId}')`, { headers });
    const managedDevice = async () => {
      const list = await graphJson(fetch, `${front.urls.management}/graph/v1.0/deviceManagement/managedDevices`, { headers });
      return list.value.find((d: { azureADDeviceId: string }) => d.azureADDeviceId === deviceId);
    };
    assert.equal((await managedDevice()).complianceState, 'compliant');
    await until('identity isCompliant', identityDevice, (d) => d.isCompliant === true);

    const ca = await graphJson(fetch, `${front.urls.identity}/graph/v1.0/identity/conditionalAccess/policies`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        displayName: 'Require a compliant device for Microsoft Graph',
        state: 'enabled',
        conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [GRAPH_APP_ID] }, clientAppTypes: ['all'] },
        grantControls: { operator: 'OR', builtInControls: ['compliantDevice'] },
      }),
    });
    assert.equal(ca.state, 'enabled');

    const granted = await device.userToken(GRAPH_RESOURCE);
    assert.equal(granted.ok, true, JSON.stringify(granted.error));
    const token = claims(granted.accessToken!);
    assert.equal(token.deviceid, deviceId, 'the token names the device that proved itself');
    assert.equal(token.aud, GRAPH_RESOURCE);

    device.tree.setSecurity({ bitLocker: false });
    const checkIn = await device.checkIn();
    assert.equal(checkIn.ok, true, JSON.stringify(checkIn.error));
    assert.equal((await managedDevice()).complianceState, 'noncompliant');
    await until('identity isCompliant', identityDevice, (d) => d.isCompliant === false);

    const refused = await device.userToken(GRAPH_RESOURCE);
    assert.equal(refused.ok, false);
    assert.equal(refused.error?.service, 'identity');
    assert.equal(refused.error?.code, 'interaction_required');
    assert.equal(refused.error?.status, 400);
    assert.match(refused.error?.message ?? '', /AADSTS53000/);

    // The sign-in log at identity holds both decisions under the policy, newest first.
    const log = await graphJson(fetch, `${front.urls.identity}/graph/v1.0/auditLogs/signIns?$top=20`, { headers });
    const decisions = (log.value as Array<{ status: { errorCode: number }; deviceDetail: { deviceId: string }; appliedConditionalAccessPolicies: Array<{ id: string; result: string }> }>)
      .filter((e) => e.deviceDetail.deviceId === deviceId)
      .map((e) => [e.status.errorCode, e.appliedConditionalAccessPolicies.find((p) => p.id === ca.id)?.result]);
    assert.deepEqual(decisions.slice(0, 2), [
      [53000, 'failure'],
      [0, 'success'],
    ]);

    // BitLocker back on: the refused request did not burn the refresh token, and access returns.
    device.tree.setSecurity({ bitLocker: true });
    assert.equal((await device.checkIn()).ok, true);
    await until('identity isCompliant', identityDevice, (d) => d.isCompliant === true);
    const again = await device.userToken(GRAPH_RESOURCE);
    assert.equal(again.ok, true, JSON.stringify(again.error));
  });
}
