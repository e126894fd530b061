// Ready for work: everything an administrator sets up for a new device, provisioned together.
// A BitLocker + Defender + Firewall baseline, two required apps (one the Enrollment Status Page
// blocks on), a compliance policy that asks for what the baseline turns on, all assigned to the
// dynamic group of the device's group tag, and a conditional access policy that lets only
// compliant devices reach Microsoft Graph. One user-driven provisioning of a device that arrives
// unprotected must leave it configured, with its apps, past the ESP, compliant at management and
// at identity, and holding a Graph token; once BitLocker goes off, the next check-in takes that
// access away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GRAPH_RESOURCE } from '@baton/contracts';
import { testBackends } from '@baton/kit';
import { randomInventory, runDevice } from '@baton/device';
import { graphJson } from '@baton/cli';
import { register } from './diagnose-support.js';
import { until } from './support.js';
import { BASELINE_PROFILES, createRequiredApps } from './apps-support.js';
import { startDemoOrigins } from './host-support.js';

/** Microsoft Graph's app id, which Baton's Graph resource stands for in policies. */
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const GROUP_TAG = 'ReadyForWork';
const AGENT_CODE = '{B1A7C0DE-0000-4000-8000-0000000000F1}';
const BITLOCKER = './Device/Vendor/MSFT/BitLocker/RequireDeviceEncryption';
const FIREWALL = './Vendor/MSFT/Firewall/MdmStore';
const DEFENDER = './Device/Vendor/MSFT/Policy/Config/Defender';

interface SettingState {
  setting: string;
  settingName: string;
  state: string;
}

for (const backend of testBackends()) {
  test(`a device provisioned into a baseline, two required apps, the ESP and a compliance policy is ready for work, and loses Graph access once BitLocker is off (${backend.name})`, async (t) => {
    const { discovery, identity, management, fetch, demo, headers } = await startDemoOrigins(t, backend);
    const graph = (origin: string) => (path: string, init: { method?: string; body?: unknown } = {}) =>
      graphJson(fetch, `${origin}/graph/${path}`, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
    const entra = graph(identity.url);
    const intune = graph(management.url);

    // The group every assignment below targets: the devices registered with the group tag.
    const group = await entra('v1.0/groups', {
      method: 'POST',
      body: {
        displayName: 'Autopilot: ready for work',
        mailNickname: 'autopilot-ready',
        mailEnabled: false,
        securityEnabled: true,
        groupTypes: ['DynamicMembership'],
        membershipRule: `(device.devicePhysicalIds -any (_ -eq "[OrderID]:${GROUP_TAG}"))`,
        membershipRuleProcessingState: 'On',
      },
    });
    const toGroup = { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group.id };

    // 1. The security baseline, from Baton's deviceConfiguration templates.
    const profile = async (body: Record<string, unknown>) => {
      const created = await intune('v1.0/deviceManagement/deviceConfigurations', { method: 'POST', body });
      await intune(`v1.0/deviceManagement/deviceConfigurations/${created.id}/assign`, { method: 'POST', body: { assignments: [{ target: toGroup }] } });
      return created.id as string;
    };
    const protection = await profile(BASELINE_PROFILES.protection);
    const defender = await profile(BASELINE_PROFILES.defender);

    // 2. Two required apps; the ESP blocks on the MSI.
    const { agent, tools } = await createRequiredApps(intune, AGENT_CODE, toGroup);
    const esp = await intune('beta/deviceManagement/deviceEnrollmentConfigurations', {
      method: 'POST',
      body: { '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration', displayName: 'Ready for work', showInstallationProgress: true, installProgressTimeoutInMinutes: 30, selectedMobileAppIds: [agent.id] },
    });
    await intune(`beta/deviceManagement/deviceEnrollmentConfigurations/${esp.id}/assign`, { method: 'POST', body: { enrollmentConfigurationAssignments: [{ target: toGroup }] } });

    // 3. Compliance asks for what the baseline turns on; conditional access asks for compliance.
    const compliance = await intune('beta/deviceManagement/deviceCompliancePolicies', {
      method: 'POST',
      body: {
        '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
        displayName: 'Ready for work: encrypted, firewalled, protected',
        bitLockerEnabled: true,
        activeFirewallRequired: true,
        defenderEnabled: true,
        rtpEnabled: true,
        scheduledActionsForRule: [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0 }] }],
      },
    });
    await intune(`beta/deviceManagement/deviceCompliancePolicies/${compliance.id}/assign`, { method: 'POST', body: { assignments: [{ target: toGroup }] } });
    const ca = await entra('v1.0/identity/conditionalAccess/policies', {
      method: 'POST',
      body: {
        displayName: 'Require a compliant device for Microsoft Graph',
        state: 'enabled',
        conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [GRAPH_APP_ID] }, clientAppTypes: ['all'] },
        grantControls: { operator: 'OR', builtInControls: ['compliantDevice'] },
      },
    });

    // The device is registered with its group tag, and is in the group before it boots.
    const inventory = randomInventory(4242, 0);
    const imported = await register(fetch, discovery.url, demo, inventory, GROUP_TAG);
    assert.equal(imported.state.deviceImportStatus, 'complete');
    const member = await until(
      'the registered device in the tagged group',
      () => entra(`v1.0/groups/${group.id}/members`),
      (m) => m.value.length === 1,
    );
    const placeholderId = member.value[0].id as string;

    // 4. One user-driven provisioning of a device that arrives unencrypted, with real-time
    // protection and the firewall off: only the baseline can make it compliant, and the ESP
    // holds it until a session after the baseline's has told management so.
    const arrives = { bitLocker: false, realTimeProtection: false, firewall: false };
    const run = await runDevice({ discoveryUrl: demo.discoveryUrl, caPem: identity.caPem, inventory, user: demo.user, behaviour: { security: arrives } });
    assert.equal(run.ok, true, JSON.stringify(run.error));
    assert.ok(run.phases.some((p) => p.name === 'esp' && p.ok), 'the device held on the status page until its blocking app was in');
    const device = run.managedDevice!;
    const deviceId = run.learned.deviceId!;
    const identityDevice = () => entra(`v1.0/devices(deviceId='${deviceId}')`);
    assert.equal((await identityDevice()).id, placeholderId, 'the joined device is the registered one, so the group holds it');

    const managed = (await intune('v1.0/deviceManagement/managedDevices')).value.find((d: { azureADDeviceId: string }) => d.azureADDeviceId === deviceId);
    assert.ok(managed, 'the device is a managed device');

    // The baseline: every setting of both profiles succeeded, and the device holds the values.
    const configurationStates = new Map(
      ((await intune(`v1.0/deviceManagement/managedDevices/${managed.id}/deviceConfigurationStates`)).value as Array<{ id: string; state: string; settingStates: SettingState[] }>).map((s) => [s.id, s]),
    );
    assert.deepEqual([configurationStates.get(protection)?.state, configurationStates.get(defender)?.state], ['compliant', 'compliant']);
    assert.deepEqual(
      configurationStates.get(protection)!.settingStates.map((s) => [s.setting, s.state]),
      [
        [BITLOCKER, 'compliant'],
        [`${FIREWALL}/DomainProfile/EnableFirewall`, 'compliant'],
        [`${FIREWALL}/PrivateProfile/EnableFirewall`, 'compliant'],
        [`${FIREWALL}/PublicProfile/EnableFirewall`, 'compliant'],
        [`${FIREWALL}/PublicProfile/DefaultInboundAction`, 'compliant'],
      ],
    );
    assert.deepEqual(
      configurationStates.get(defender)!.settingStates.map((s) => [s.setting, s.state]),
      [
        [`${DEFENDER}/AllowRealtimeMonitoring`, 'compliant'],
        [`${DEFENDER}/AllowCloudProtection`, 'compliant'],
      ],
    );
    for (const id of [protection, defender]) {
      const statuses = await intune(`v1.0/deviceManagement/deviceConfigurations/${id}/deviceStatuses`);
      assert.deepEqual(statuses.value.map((s: { status: string }) => s.status), ['compliant']);
    }
    assert.equal(device.tree.get(BITLOCKER)?.data, '1');
    assert.equal(device.tree.get(`${DEFENDER}/AllowRealtimeMonitoring`)?.data, '1');
    const { bitLocker, realTimeProtection, firewall } = device.state.security;
    assert.deepEqual({ bitLocker, realTimeProtection, firewall }, { bitLocker: true, realTimeProtection: true, firewall: true }, 'the baseline turned on what the device lacked');

    // The apps: both installed on this device.
    for (const app of [agent, tools]) {
      const statuses = await intune(`v1.0/deviceAppManagement/mobileApps/${app.id}/deviceStatuses`);
      const mine = statuses.value.find((s: { deviceId: string }) => s.deviceId === managed.id);
      assert.equal(mine?.installState, 'installed', `${app.displayName}: ${JSON.stringify(statuses.value)}`);
    }

    // The ESP: one deployment record, completed under this page.
    const events = await intune(`beta/deviceManagement/autopilotEvents?$filter=deviceSerialNumber eq '${inventory.serialNumber}'`);
    assert.equal(events.value.length, 1, 'one record per deployment');
    const [event] = events.value;
    assert.deepEqual(
      [event.deviceId, event.deploymentState, event.deviceSetupStatus, event.windows10EnrollmentCompletionPageConfigurationDisplayName],
      [managed.id, 'success', 'success', 'Ready for work'],
    );

    // Compliance: compliant at management, setting by setting, and at identity.
    const managedNow = async () => intune(`v1.0/deviceManagement/managedDevices/${managed.id}`);
    assert.equal((await managedNow()).complianceState, 'compliant');
    const policyState = async () => {
      const states = await intune(`v1.0/deviceManagement/managedDevices/${managed.id}/deviceCompliancePolicyStates`);
      const mine = states.value.find((s: { id: string }) => s.id === compliance.id);
      assert.ok(mine, JSON.stringify(states.value));
      return mine as { state: string; settingStates: Array<{ settingName: string; state: string }> };
    };
    const evaluated = await policyState();
    assert.equal(evaluated.state, 'compliant');
    const settingOf = (name: string) => evaluated.settingStates.find((s) => s.settingName === name)?.state;
    assert.deepEqual(['bitLockerEnabled', 'activeFirewallRequired', 'defenderEnabled', 'rtpEnabled'].map(settingOf), ['compliant', 'compliant', 'compliant', 'compliant']);
    const compliant = await until('identity isCompliant', identityDevice, (d) => d.isCompliant === true);
    assert.equal(compliant.isManaged, true);

    // Conditional access lets the compliant device's user reach Graph.
    const granted = await device.userToken(GRAPH_RESOURCE);
    assert.equal(granted.ok, true, JSON.stringify(granted.error));

    // 5. BitLocker goes off; the next check-in takes access away.
    device.tree.setSecurity({ bitLocker: false });
    const checkIn = await device.checkIn();
    assert.equal(checkIn.ok, true, JSON.stringify(checkIn.error));
    assert.equal((await managedNow()).complianceState, 'noncompliant');
    const broken = await policyState();
    assert.equal(broken.state, 'nonCompliant');
    assert.equal(broken.settingStates.find((s) => s.settingName === 'bitLockerEnabled')?.state, 'nonCompliant');
    await until('identity isCompliant', identityDevice, (d) => d.isCompliant === false);

    const refused = await device.userToken(GRAPH_RESOURCE);
    assert.equal(refused.ok, false, 'no token for a noncompliant device');
    assert.equal(refused.accessToken, undefined);
    assert.deepEqual([refused.error?.service, refused.error?.status, refused.error?.code], ['identity', 400, 'interaction_required']);
    assert.match(refused.error?.message ?? '', /AADSTS53000/);
    const log = await entra('v1.0/auditLogs/signIns?$top=20');
    const latest = (log.value as Array<{ status: { errorCode: number }; deviceDetail: { deviceId: string }; appliedConditionalAccessPolicies: Array<{ id: string; result: string }> }>).find((e) => e.deviceDetail.deviceId === deviceId);
    assert.deepEqual([latest?.status.errorCode, latest?.appliedConditionalAccessPolicies.find((p) => p.id === ca.id)?.result], [53000, 'failure']);
  });
}
