// Pre-provisioned mode: a technician provisions the device with its TPM and no user (device
// setup), reseals it, and later its user signs in with a password and a TOTP code and
// finishes account setup. Only a profile that allows pre-provisioning lets it start. Management
// knows the device is pre-provisioned from the technician's enrollment on (identity's token
// says so), and learns the user from the token the device's sessions carry once the user has
// logged on; account setup then waits for the apps of the user's groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GRAPH_RESOURCE, IDENTITY_PATHS } from '@baton/contracts';
import { testBackends, type Fetch } from '@baton/kit';
import { graphJson, readDiagnosis } from '@baton/cli';
import { attest, PREPROVISIONING_NOT_ALLOWED, SimulatedTpm, randomInventory, realPace, REAL_PACE, runDevice, totpCode } from '@baton/device';
import { assignProfileToAllDevices, register, startDemoHost } from './host-support.js';

const AGENT_CODE = '{B1A7C0DE-0000-4000-8000-00000000A9E7}';
const TEAM_CODE = '{B1A7C0DE-0000-4000-8000-0000007EA4C1}';

/** A required app for the members of a group the users belong to: it reaches a device with its user only. */
async function assignToUsersGroup(fetch: Fetch, url: string, headers: Record<string, string>, upns: string[]): Promise<string> {
  const group = await graphJson(fetch, `${url}/graph/v1.0/groups`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ displayName: 'Field team', mailNickname: 'field-team', mailEnabled: false, securityEnabled: true, groupTypes: [] }),
  });
  for (const upn of upns) {
    const users = await graphJson(fetch, `${url}/graph/v1.0/users?$filter=${encodeURIComponent(`userPrincipalName eq '${upn}'`)}`, { headers });
    await graphJson(fetch, `${url}/graph/v1.0/groups/${group.id}/members/$ref`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${users.value[0].id}` }),
    });
  }
  const app = await graphJson(fetch, `${url}/graph/beta/deviceAppManagement/mobileApps`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ '@odata.type': '#microsoft.graph.windowsMobileMSI', displayName: 'Field Client', productCode: TEAM_CODE, productVersion: '2.0.0', commandLine: '/quiet', fileName: 'field.msi' }),
  });
  await graphJson(fetch, `${url}/graph/v1.0/deviceAppManagement/mobileApps/${app.id}/assign`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ mobileAppAssignments: [{ '@odata.type': '#microsoft.graph.mobileAppAssignment', intent: 'required', target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group.id } }] }),
  });
  return app.id as string;
}

async function assignProfile(fetch: Fetch, discoveryUrl: string, headers: Record<string, string>, preprovisioningAllowed: boolean): Promise<string> {
  return assignProfileToAllDevices(fetch, discoveryUrl, headers, {
    displayName: preprovisioningAllowed ? 'Staff laptops (pre-provisioned)' : 'Staff laptops',
    deviceNameTemplate: 'STAFF-%RAND:5%',
    preprovisioningAllowed,
    outOfBoxExperienceSetting: { deviceUsageType: 'singleUser', userType: 'standard', privacySettingsHidden: true, eulaHidden: true, escapeLinkHidden: true },
  });
}

/** The user registers an authenticator app, as they would on their security-info page. */
async function registerTotp(fetch: Fetch, identityUrl: string, headers: Record<string, string>, upn: string): Promise<string> {
  const users = await graphJson(fetch, `${identityUrl}/graph/v1.0/users?$filter=${encodeURIComponent(`userPrincipalName eq '${upn}'`)}`, { headers });
  const base = `${identityUrl}/graph/v1.0/users/${users.value[0].id}/authentication/softwareOathMethods`;
  const started = await graphJson(fetch, base, { method: 'POST', headers, body: '{}' });
  // Confirmed with the previous step's code, so the device's sign-in has a fresh one to type.
  await graphJson(fetch, `${base}/${started.id}/verify`, { method: 'POST', headers, body: JSON.stringify({ code: totpCode(started.secretKey, Date.now() - 30_000) }) });
  return started.secretKey as string;
}

for (const backend of testBackends()) {
  test(`a pre-provisioned device: the technician's TPM flow and reseal, then the user's sign-in with TOTP and account setup (${backend.name})`, async (t) => {
    const { host, fetch, demo, headers, dataDir } = await startDemoHost(t, backend);
    const totpSecret = await registerTotp(fetch, host.url, headers, demo.user.upn);

    // A profile that does not allow it: the technician's attempt stops at discovery's answer.
    await assignProfile(fetch, host.url, headers, false);
    const refusedInventory = randomInventory(5151, 0);
    await register(fetch, demo, headers, refusedInventory);
    const refused = await runDevice({ discoveryUrl: demo.discoveryUrl, caPem: host.caPem, inventory: refusedInventory, fetch, preProvision: true });
    assert.equal(refused.ok, false);
    assert.equal(refused.error?.phase, 'lookup');
    assert.equal(refused.error?.service, 'discovery');
    assert.equal(refused.error?.code, PREPROVISIONING_NOT_ALLOWED);
    assert.match(refused.error?.message ?? '', /Staff laptops.*does not allow pre-provisioning/);
    assert.deepEqual(refused.phases.map((p) => p.name), ['lookup']);

    // Nor does identity attest the TPM of a device whose profile does not allow it.
    const drsUrl = `${host.url}${IDENTITY_PATHS.drsDiscovery(demo.tenantId)}`;
    const attempt = await attest({ fetch, traceparent: refused.traceparent }, { deviceRegistrationDiscoveryUrl: drsUrl, tpm: new SimulatedTpm(refusedInventory.tpm.endorsementSeed) }).then(
      () => assert.fail('attestation was accepted'),
      (e: unknown) => e as { code: string; service: string },
    );
    assert.deepEqual([attempt.service, attempt.code], ['identity', '0x801C03EA']);

    await assignProfile(fetch, host.url, headers, true);
    // A device app the ESP blocks on: the technician's device setup installs it.
    const app = await graphJson(fetch, `${host.url}/graph/beta/deviceAppManagement/mobileApps`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ '@odata.type': '#microsoft.graph.windowsMobileMSI', displayName: 'Contoso Agent', productCode: AGENT_CODE, productVersion: '3.1.0', commandLine: '/quiet', fileName: 'agent.msi' }),
    });
    await graphJson(fetch, `${host.url}/graph/v1.0/deviceAppManagement/mobileApps/${app.id}/assign`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ mobileAppAssignments: [{ '@odata.type': '#microsoft.graph.mobileAppAssignment', intent: 'required', target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }] }),
    });
    // And one for the user's group, which the ESP also tracks: only account setup can wait for it.
    // A second member of the group, without a second factor, for the device whose install fails.
    const megan = { upn: `megan@${demo.user.upn.split('@')[1]}`, password: 'Kitchen-Table-42' };
    await graphJson(fetch, `${host.url}/graph/v1.0/users`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ accountEnabled: true, displayName: 'Megan Bowen', mailNickname: 'megan', userPrincipalName: megan.upn, passwordProfile: { forceChangePasswordNextSignIn: false, password: megan.password } }),
    });
    const teamApp = await assignToUsersGroup(fetch, host.url, headers, [demo.user.upn, megan.upn]);
    const esp = await graphJson(fetch, `${host.url}/graph/beta/deviceManagement/deviceEnrollmentConfigurations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration', displayName: 'Block on the agent', showInstallationProgress: true, installProgressTimeoutInMinutes: 30, selectedMobileAppIds: [app.id, teamApp] }),
    });
    await graphJson(fetch, `${host.url}/graph/beta/deviceManagement/deviceEnrollmentConfigurations/${esp.id}/assign`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ enrollmentConfigurationAssignments: [{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }] }),
    });
    const inventory = randomInventory(5151, 1);
    const ztdId = await register(fetch, demo, headers, inventory);
    // Real pace, a thousand times faster: the device-side waits happen, in milliseconds.
    const scale = 0.001;
    const started = performance.now();
    const managedRecord = async (deviceId: string | undefined) => {
      const list = await graphJson(fetch, `${host.url}/graph/v1.0/deviceManagement/managedDevices`, { headers });
      return list.value.find((d: any) => d.azureADDeviceId === deviceId);
    };
    const deploymentOf = async () =>
      (await graphJson(fetch, `${host.url}/graph/beta/deviceManagement/autopilotEvents?$filter=deviceSerialNumber eq '${inventory.serialNumber}'`, { headers })).value;
    // While the device sits resealed, management has it enrolled by the technician and knows no user.
    let resealed: { record: any; deployments: any[]; groupApp: any } | undefined;
    const installOf = async (appId: string, deviceId: string | undefined) => {
      const statuses = await graphJson(fetch, `${host.url}/graph/v1.0/deviceAppManagement/mobileApps/${appId}/deviceStatuses`, { headers });
      const device = await managedRecord(deviceId);
      return statuses.value.find((s: any) => s.deviceId === device?.id);
    };
    const result = await runDevice({
      discoveryUrl: demo.discoveryUrl,
      caPem: host.caPem,
      inventory,
      fetch,
      preProvision: true,
      user: { ...demo.user, totpSecret },
      pace: realPace({ scale }),
      whileResealed: async (learned) => {
        resealed = { record: await managedRecord(learned.deviceId), deployments: await deploymentOf(), groupApp: await installOf(teamApp, learned.deviceId) };
      },
    });
    const elapsed = performance.now() - started;
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.mode, 'preProvisioned');
    assert.deepEqual(
      result.phases.map((p) => p.name),
      ['lookup', 'attest', 'join', 'deviceToken', 'enroll', 'firstSync', 'esp', 'reseal', 'userSignIn', 'accountSetup'],
    );
    const status = (code: string) => result.managedDevice!.tree.get(`./Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/${encodeURIComponent(code)}/Status`)?.data;
    assert.equal(status(AGENT_CODE), '70', 'installed before the reseal');
    assert.equal(status(TEAM_CODE), '70', "the user's group app installed during account setup");
    // Two tracked installs: the agent in device setup, the group's app in account setup.
    const paced = (['oobePages', 'appInstall', 'appInstall', 'resealReboot', 'credentialEntry', 'secondFactorEntry', 'userLogon'] as const).reduce((ms, step) => ms + REAL_PACE[step].ms * scale, 0);
    assert.ok(result.phases.find((p) => p.name === 'esp')!.ms >= REAL_PACE.appInstall.ms * scale - 5, 'the ESP waited for the install');
    assert.ok(elapsed >= paced, `the run took ${elapsed} ms, less than its ${paced} ms of device-side time`);
    assert.ok(result.phases.find((p) => p.name === 'reseal')!.ms >= REAL_PACE.resealReboot.ms * scale - 5);
    assert.ok(result.phases.find((p) => p.name === 'accountSetup')!.ms >= REAL_PACE.appInstall.ms * scale - 5, "account setup waited for the group's app");

    // Management enrolled the device by its own token (the technician), once, and knew no user
    // while it was resealed.
    assert.ok(resealed?.record, 'the managed device existed while the device was resealed');
    assert.equal(resealed.record.deviceEnrollmentType, 'windowsAzureADJoinUsingDeviceAuth');
    assert.deepEqual([resealed.record.userId, resealed.record.userPrincipalName, resealed.record.userDisplayName, resealed.record.emailAddress], [null, null, null, null]);
    // The record reads pre-provisioned from the technician's enrollment on; account setup is the user's.
    assert.deepEqual(
      resealed.deployments.map((d: any) => [d.enrollmentType, d.deploymentState, d.deviceSetupStatus, d.accountSetupStatus, d.userPrincipalName]),
      [['azureADJoinedWithWhiteGlove', 'success', 'success', 'notAttempted', null]],
    );
    assert.equal(resealed.groupApp, undefined, "nothing of the user's group is on the device yet");
    // The user's logon sync carried their token: the managed device now shows its primary user.
    const users = await graphJson(fetch, `${host.url}/graph/v1.0/users?$filter=${encodeURIComponent(`userPrincipalName eq '${demo.user.upn}'`)}`, { headers });
    const signedIn = users.value[0];
    const record = await managedRecord(result.learned.deviceId);
    assert.ok(record, 'the managed device is listed');
    assert.equal(record.deviceEnrollmentType, 'windowsAzureADJoinUsingDeviceAuth', 'still enrolled by the device alone');
    assert.equal(record.managementState, 'managed');
    assert.deepEqual(
      [record.userId, record.userPrincipalName, record.userDisplayName, record.emailAddress],
      [signedIn.id, demo.user.upn, signedIn.displayName, demo.user.upn],
    );
    assert.deepEqual(
      (await deploymentOf()).map((d: any) => [d.deploymentState, d.deviceSetupStatus, d.accountSetupStatus, d.windows10EnrollmentCompletionPageConfigurationDisplayName, d.enrollmentType, d.userPrincipalName, d.userId]),
      [['success', 'success', 'success', 'Block on the agent', 'azureADJoinedWithWhiteGlove', demo.user.upn, signedIn.id]],
    );
    assert.equal((await installOf(teamApp, result.learned.deviceId))?.installState, 'installed');

    // Identity's feed has both halves: the TPM attestation, then the user's sign-in on this device.
    const events = await graphJson(fetch, `${host.url}/identity/v1/events`, { headers });
    const mine = events.value.filter((e: any) => e.traceId === result.traceparent.split('-')[1]);
    const attestation = mine.find((e: any) => e.type === 'attestation' && e.outcome === 'success');
    const signIn = mine.find((e: any) => e.type === 'signIn' && e.outcome === 'success');
    assert.ok(attestation && attestation.ztdId === ztdId, JSON.stringify(mine));
    assert.ok(signIn && signIn.userPrincipalName === demo.user.upn, JSON.stringify(mine));
    assert.ok(Date.parse(signIn.occurredDateTime) >= Date.parse(attestation.occurredDateTime));
    const userBound = mine.filter((e: any) => e.type === 'deviceToken' && e.userPrincipalName === demo.user.upn);
    assert.equal(userBound.length, 1, JSON.stringify(mine));

    // baton diagnose reads one healthy provisioning with the technician's and the user's steps.
    const { diagnosis } = await readDiagnosis(inventory.serialNumber, { data: dataDir, managementUrl: host.url });
    assert.equal(diagnosis.outcome, 'healthy', JSON.stringify(diagnosis.failure));
    const phases = diagnosis.phases.map((p) => p.phase);
    for (const phase of ['discovery', 'attestation', 'join', 'deviceToken', 'enrollment', 'deviceSetup', 'authentication']) assert.ok(phases.includes(phase as never), `${phase} in ${phases}`);
    const types = diagnosis.timeline.map((e) => e.type);
    assert.ok(types.indexOf('attestation') < types.indexOf('espDeviceSetup'), types.join(','));
    assert.ok(types.indexOf('espDeviceSetup') < types.lastIndexOf('signIn'), 'device setup comes before the user signs in');

    // The user's sign-in is kept by the device and works for apps, with MFA in its claims (a
    // later request of an app, in a trace of its own, hence after the diagnosis).
    const userToken = await result.managedDevice!.userToken(GRAPH_RESOURCE);
    assert.equal(userToken.ok, true, JSON.stringify(userToken.error));
    const claims = JSON.parse(Buffer.from(userToken.accessToken!.split('.')[1]!, 'base64url').toString());
    assert.equal(claims.upn, demo.user.upn);
    assert.deepEqual(claims.amr, ['pwd', 'mfa']);
    assert.equal(claims.deviceid, result.learned.deviceId);

    // Another pre-provisioned device whose installer of the group's app fails: account setup
    // fails on it as device setup would, and the record says so.
    const failingInventory = randomInventory(5151, 2);
    await register(fetch, demo, headers, failingInventory);
    const failing = await runDevice({
      discoveryUrl: demo.discoveryUrl,
      caPem: host.caPem,
      inventory: failingInventory,
      fetch,
      preProvision: true,
      user: megan,
      behaviour: { appInstalls: { [TEAM_CODE]: { errorCode: '0x80070643' } } },
    });
    assert.equal(failing.ok, false);
    assert.deepEqual([failing.error?.phase, failing.error?.service, failing.error?.code], ['accountSetup', 'management', '0x80070643'], JSON.stringify(failing.error));
    const failedRecord = (await graphJson(fetch, `${host.url}/graph/beta/deviceManagement/autopilotEvents?$filter=deviceSerialNumber eq '${failingInventory.serialNumber}'`, { headers })).value;
    assert.deepEqual(
      failedRecord.map((d: any) => [d.deploymentState, d.deviceSetupStatus, d.accountSetupStatus, d.userPrincipalName, d.policyStatusDetails[0]?.id]),
      [['failure', 'success', 'failure', megan.upn, teamApp]],
    );

    // Reset and pre-provisioned again: the one-time limit applies as to self-deploying devices.
    const again = await runDevice({ discoveryUrl: demo.discoveryUrl, caPem: host.caPem, inventory, fetch, preProvision: true, user: { ...demo.user, totpSecret } });
    assert.equal(again.ok, false);
    assert.equal(again.error?.phase, 'enroll');
    assert.equal(again.error?.code, 'devicenotsupported');
  });
}
