import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { GRAPH_RESOURCE, ROLES } from '@baton/contracts';
import { parseMsiInstallJob, type SyncMLItem, type SyncMLMessage } from '@baton/protocols';
import type { BatonApp } from '@baton/kit';
import { buildManagementApp } from '../app.js';
import type { GroupMembership } from '../targeting/membership.js';
import type { ManagementDeps } from '../deps.js';
import type { Enrollment } from '../store/store.js';
import { createTestContext, tempDir, testBackends, type TestContext } from '../testing/context.js';
import { startFakeIdentity, type FakeIdentity } from '../testing/fake-identity.js';
import { sampleEnrollment } from '../testing/store.js';
import { Apps, ESP_TIMEOUT_CODE } from './apps.js';
import { LIST_DELIMITER, msiNode } from './csp.js';
import { MAX_ATTEMPTS } from './installs.js';

const APPS = '/graph/v1.0/deviceAppManagement/mobileApps';
const BETA_APPS = '/graph/beta/deviceAppManagement/mobileApps';
const ESPS = '/graph/beta/deviceManagement/deviceEnrollmentConfigurations';
const EVENTS = '/graph/beta/deviceManagement/autopilotEvents';
const ALL_DEVICES = { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' };

const msi = (name: string, productCode = `{${randomUUID().toUpperCase()}}`) => ({
  '@odata.type': '#microsoft.graph.windowsMobileMSI',
  displayName: name,
  productCode,
  productVersion: '1.0.0',
  commandLine: '/quiet',
  fileName: `${name}.msi`,
});

const win32 = (name: string) => ({
  '@odata.type': '#microsoft.graph.win32LobApp',
  displayName: name,
  setupFilePath: 'setup.exe',
  installCommandLine: 'setup.exe /S',
  uninstallCommandLine: 'setup.exe /uninstall /S',
  applicableArchitectures: 'x64',
  detectionRules: [{ '@odata.type': '#microsoft.graph.win32LobAppRegistryDetection', keyPath: 'HKEY_LOCAL_MACHINE\\Software\\Contoso', valueName: 'Version', check32BitOn64System: false, detectionType: 'exists', operator: 'notConfigured', detectionValue: null }],
  requirementRules: [{ '@odata.type': '#microsoft.graph.win32LobAppFileSystemRequirement', path: 'C:\\Windows', fileOrFolderName: 'explorer.exe', check32BitOn64System: false, detectionType: 'exists', operator: 'notConfigured', detectionValue: null }],
  returnCodes: [{ returnCode: 0, type: 'success' }, { returnCode: 1603, type: 'failed' }, { returnCode: 3010, type: 'softReboot' }],
});

/** A device message carrying Results for these LocURIs. */
function results(values: Record<string, string>): SyncMLMessage {
  const items: SyncMLItem[] = Object.entries(values).map(([source, data]) => ({ source, data }));
  return {
    header: { verDTD: '1.2', verProto: 'DM/1.2', sessionId: '2', msgId: '2', target: 'https://management.test', source: 'DEVICE' },
    commands: [{ kind: 'Results', cmdId: '2', msgRef: '1', cmdRef: '3', items }],
    final: true,
  };
}

for (const backend of testBackends()) {
  describe(`mobile apps, the Enrollment Status Page and autopilotEvents (${backend})`, () => {
    let identity: FakeIdentity;
    let tc: TestContext;
    let app: BatonApp;
    let deps: ManagementDeps;
    let close: () => Promise<void>;
    let admin: string;
    const groups: GroupMembership = { groupsOf: async () => new Set() };
    const identityDir = tempDir();
    let clock = new Date('2026-03-01T08:00:00Z');

    before(async () => {
      identity = await startFakeIdentity(identityDir.path);
      tc = createTestContext(backend, identity);
      ({ app, deps, close } = await buildManagementApp(tc.ctx, { service: { groups } }));
      admin = await identity.mint({ aud: GRAPH_RESOURCE, roles: [ROLES.appsReadWrite, ROLES.autopilotReadWrite, ROLES.managedDevicesReadWrite] });
    });
    after(async () => {
      await close();
      await identity.close();
      await tc.cleanup();
      identityDir.remove();
    });

    const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, token = admin) =>
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
    const create = async (body: unknown, tenantToken = admin) => {
      const res = await call('POST', BETA_APPS, body, tenantToken);
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as Record<string, unknown> & { id: string; productCode?: string };
    };
    const assign = async (id: string, intent: string, token = admin, target: Record<string, unknown> = ALL_DEVICES) => {
      const res = await call('POST', `${APPS}/${id}/assign`, { mobileAppAssignments: [{ '@odata.type': '#microsoft.graph.mobileAppAssignment', intent, target }] }, token);
      assert.equal(res.statusCode, 204, res.body);
    };
    /** A tenant of its own per test, so that assignments do not mix. */
    const tenant = async () => {
      const tenantId = randomUUID();
      const token = await identity.mint({ aud: GRAPH_RESOURCE, tid: tenantId, roles: [ROLES.appsReadWrite, ROLES.autopilotReadWrite, ROLES.managedDevicesReadWrite] });
      return { tenantId, token };
    };
    const apps = () => new Apps({ store: deps.appsStore, groups, events: deps.events, managementUrl: () => 'https://management.test', now: () => clock });
    const enroll = async (tenantId: string, overrides: Partial<Enrollment> = {}) => {
      const e = sampleEnrollment({ tenantId, enrolledAt: clock.toISOString(), inventory: { 'DevDetail/Ext/Microsoft/SMBIOSSerialNumber': `SN-${randomUUID().slice(0, 8)}` }, ...overrides });
      await deps.store.replaceEnrollment(e, []);
      return e;
    };
    const queued = async (enrollmentId: string) => (await deps.store.listQueue(enrollmentId)).filter((q) => q.status === 'queued');
    const espFor = async (token: string, settings: Record<string, unknown>) => {
      const res = await call('POST', ESPS, { '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration', displayName: 'Block on line-of-business apps', showInstallationProgress: true, ...settings }, token);
      assert.equal(res.statusCode, 201, res.body);
      const esp = res.json() as { id: string };
      const assigned = await call('POST', `${ESPS}/${esp.id}/assign`, { enrollmentConfigurationAssignments: [{ target: ALL_DEVICES }] }, token);
      assert.equal(assigned.statusCode, 204, assigned.body);
      return esp;
    };

    test('windowsMobileMSI and win32LobApp: create, read, update, delete; v1.0 hides what only beta has', async () => {
      const m = await create(msi('Contoso Agent', '{6d6f6e69-746f-7200-0000-000000000001}'));
      assert.equal(m['@odata.type'], '#microsoft.graph.windowsMobileMSI');
      assert.equal(m.productCode, '{6D6F6E69-746F-7200-0000-000000000001}', 'product codes are kept as the CSP names them');
      assert.equal(m.publishingState, 'published');
      const w = await create(win32('Contoso Tools'));
      assert.equal((w.detectionRules as unknown[]).length, 1);
      const v1 = (await call('GET', `${APPS}/${w.id}`)).json();
      assert.equal('detectionRules' in v1, false);
      assert.equal(v1.installCommandLine, 'setup.exe /S');
      assert.equal((await call('PATCH', `${APPS}/${w.id}`, { '@odata.type': '#microsoft.graph.win32LobApp', description: 'Tools for Contoso' })).statusCode, 204);
      assert.equal((await call('GET', `${BETA_APPS}/${w.id}`)).json().description, 'Tools for Contoso');
      const list = (await call('GET', APPS)).json();
      assert.deepEqual(new Set(list.value.map((a: { id: string }) => a.id)), new Set([m.id, w.id]));
      assert.equal((await call('DELETE', `${APPS}/${m.id}`)).statusCode, 204);
      assert.equal((await call('GET', `${APPS}/${m.id}`)).statusCode, 404);
    });

    test('bad app bodies are refused in the Graph envelope, naming the property', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ displayName: 'x' }, /@odata.type/],
        [{ '@odata.type': '#microsoft.graph.iosLobApp', displayName: 'x' }, /Unsupported/],
        [{ ...msi('x'), productCode: 'not-a-guid' }, /productCode/],
        [{ ...win32('x'), detectionRules: [] }, /detection rule/],
        [{ ...win32('x'), detectionRules: [{ '@odata.type': '#microsoft.graph.win32LobAppRegistryDetection', detectionType: 'sometimes' }] }, /detectionType/],
        [{ ...win32('x'), returnCodes: [{ returnCode: 1, type: 'maybe' }] }, /returnCodes\[0\]\.type/],
        [{ ...win32('x'), installCommandLine: undefined }, /installCommandLine/],
        [{ ...msi('x'), bogus: true }, /bogus/],
        [{ ...msi('x'), displayName: 7 }, /displayName/],
      ];
      for (const [body, message] of cases) {
        const res = await call('POST', BETA_APPS, body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.equal(res.json().error.code, 'BadRequest');
        assert.match(res.json().error.message, message);
      }
      const created = await create(msi('Fixed code'));
      const moved = await call('PATCH', `${APPS}/${created.id}`, { '@odata.type': '#microsoft.graph.windowsMobileMSI', productCode: `{${randomUUID()}}` });
      assert.equal(moved.statusCode, 400);
      const badIntent = await call('POST', `${APPS}/${created.id}/assign`, { mobileAppAssignments: [{ intent: 'sometimes', target: ALL_DEVICES }] });
      assert.equal(badIntent.statusCode, 400);
      const noRole = await call('GET', APPS, undefined, await identity.mint({ aud: GRAPH_RESOURCE, roles: [ROLES.configurationReadWrite] }));
      assert.equal(noRole.statusCode, 403);
    });

    test('another tenant cannot see or change an app', async () => {
      const other = await tenant();
      const mine = await create(msi('Mine'));
      assert.equal((await call('GET', `${APPS}/${mine.id}`, undefined, other.token)).statusCode, 404);
      assert.equal((await call('DELETE', `${APPS}/${mine.id}`, undefined, other.token)).statusCode, 404);
      assert.equal((await call('GET', `${APPS}/${mine.id}`)).statusCode, 200);
    });

    test('a required app and an ESP: the first session installs it and writes FirstSyncStatus; installed, the deployment succeeds', async () => {
      const { tenantId, token } = await tenant();
      const blocking = await create(msi('Contoso Agent'), token);
      const other = await create(win32('Contoso Tools'), token);
      await assign(blocking.id, 'required', token);
      await assign(other.id, 'required', token);
      // The ESP blocks on the MSI only.
      await espFor(token, { selectedMobileAppIds: [blocking.id], installProgressTimeoutInMinutes: 45, allowDeviceResetOnInstallFailure: true });
      const assignments = (await call('GET', `${APPS}/${blocking.id}/assignments`, undefined, token)).json();
      assert.equal(assignments.value[0].intent, 'required');

      const device = await enroll(tenantId);
      const a = apps();
      await a.sessionStarting(device, 'trace-1');
      const commands = await queued(device.id);
      const node = msiNode('device', blocking.productCode!);
      const exec = commands.find((c) => c.verb === 'Exec' && c.locUri === `${node}/DownloadInstall`);
      assert.ok(exec, JSON.stringify(commands.map((c) => [c.verb, c.locUri])));
      assert.ok(commands.some((c) => c.verb === 'Add' && c.locUri === node));
      const job = parseMsiInstallJob(exec.payload.data!);
      assert.equal(job.productId, blocking.productCode);
      assert.match(job.contentUrls[0]!, /Contoso%20Agent\.msi$/);
      const esp = (leaf: string) => commands.find((c) => c.locUri.endsWith(`/FirstSyncStatus/${leaf}`))?.payload.data;
      assert.equal(esp('ExpectedMSIAppPackages'), `${node}/Status;1`, 'only the selected app blocks');
      assert.equal(esp('TimeOutUntilSyncFailure'), '45');
      assert.equal(esp('BlockInStatusPage'), '3', 'reset allowed, try again allowed');

      // Next session: the installs are polled.
      await a.messageProcessed(device, results({}), 'trace-1', true);
      await deps.store.updateEnrollment(device.id, { lastSyncAt: clock.toISOString() });
      const polled = { ...device, lastSyncAt: clock.toISOString() };
      await a.sessionStarting(polled, 'trace-1');
      assert.ok((await queued(device.id)).some((c) => c.verb === 'Get' && c.locUri === `${node}/Status`));
      await a.messageProcessed(polled, results({ [`${node}/Status`]: '50' }), 'trace-1', false);
      assert.equal((await call('GET', `${EVENTS}`, undefined, token)).json().value[0].deploymentState, 'inProgress');

      clock = new Date(clock.getTime() + 7 * 60_000);
      await a.messageProcessed(polled, results({ [`${node}/Status`]: '70', [`${node}/LastError`]: '0' }), 'trace-1', false);
      assert.ok((await queued(device.id)).some((c) => c.locUri.endsWith('/FirstSyncStatus/ServerHasFinishedProvisioning') && c.payload.data === 'true'));
      const events = (await call('GET', EVENTS, undefined, token)).json().value;
      assert.equal(events.length, 1);
      const [event] = events;
      assert.deepEqual([event.deploymentState, event.deviceSetupStatus, event.accountSetupStatus], ['success', 'success', 'success']);
      assert.equal(event.windows10EnrollmentCompletionPageConfigurationDisplayName, 'Block on line-of-business apps');
      assert.equal(event.deviceSetupDuration, 'PT7M');
      assert.equal(event.deviceSerialNumber, device.inventory['DevDetail/Ext/Microsoft/SMBIOSSerialNumber']);
      const statuses = (await call('GET', `${APPS}/${blocking.id}/deviceStatuses`, undefined, token)).json().value;
      assert.deepEqual(statuses.map((s: { installState: string; deviceId: string }) => [s.deviceId, s.installState]), [[device.id, 'installed']]);
      const summary = (await call('GET', `${APPS}/${blocking.id}/installSummary`, undefined, token)).json();
      assert.deepEqual([summary.installedDeviceCount, summary.pendingInstallDeviceCount, summary.failedDeviceCount], [1, 0, 0]);
      const filtered = await call('GET', `${EVENTS}?$filter=deviceSerialNumber eq '${event.deviceSerialNumber}'`, undefined, token);
      assert.equal(filtered.json().value.length, 1);
      assert.equal((await call('GET', `${EVENTS}?$filter=deviceSerialNumber eq 'nope'`, undefined, token)).json().value.length, 0);
      assert.equal((await call('GET', `${EVENTS}?$filter=osBuild eq 'x'`, undefined, token)).statusCode, 400);
      assert.equal((await call('GET', `${EVENTS}/${event.id}`, undefined, token)).json().id, event.id);
    });

    test('a blocking app that fails ends the deployment with the app named and the installer code, then is retried with backoff', async () => {
      const { tenantId, token } = await tenant();
      const blocking = await create(msi('Contoso VPN'), token);
      await call('POST', `${APPS}/${blocking.id}/assign`, { mobileAppAssignments: [{ intent: 'required', target: ALL_DEVICES }] }, token);
      await espFor(token, {});
      const device = await enroll(tenantId);
      const a = apps();
      await a.sessionStarting(device, 'trace-2');
      const node = msiNode('device', blocking.productCode!);
      const later = { ...device, lastSyncAt: clock.toISOString() };
      await a.messageProcessed(later, results({ [`${node}/Status`]: '60', [`${node}/LastError`]: '0x80070643' }), 'trace-2', false);

      const [event] = (await call('GET', EVENTS, undefined, token)).json().value;
      assert.deepEqual([event.deploymentState, event.deviceSetupStatus], ['failure', 'failure']);
      assert.match(event.enrollmentFailureDetails, /Contoso VPN/);
      assert.match(event.enrollmentFailureDetails, /0x80070643/);
      assert.equal(event.policyStatusDetails[0].id, blocking.id);
      const feed = await deps.events.store.list({ tenantId, includeTenantless: false, limit: 100, managedDeviceId: device.id });
      const failure = feed.items.find((e) => e.type === 'espDeviceSetup');
      assert.equal(failure?.errorCode, '0x80070643');
      assert.equal(failure?.detail.blockingItem, 'Contoso VPN');
      const [status] = (await call('GET', `${APPS}/${blocking.id}/deviceStatuses`, undefined, token)).json().value;
      assert.deepEqual([status.installState, status.errorCode], ['failed', 0x80070643 | 0]);

      // Before the backoff has passed, the next session does not try again; after it, it does.
      const execs = async () => (await deps.store.listQueue(device.id)).filter((q) => q.verb === 'Exec').length;
      assert.equal(await execs(), 1);
      clock = new Date(clock.getTime() + 60_000);
      await a.sessionStarting(later, 'trace-2');
      assert.equal(await execs(), 1);
      for (let attempt = 2; attempt <= MAX_ATTEMPTS + 1; attempt++) {
        clock = new Date(clock.getTime() + 24 * 60 * 60_000);
        await a.sessionStarting(later, 'trace-2');
        await a.messageProcessed(later, results({ [`${node}/Status`]: '60', [`${node}/LastError`]: '0x80070643' }), 'trace-2', false);
      }
      assert.equal(await execs(), MAX_ATTEMPTS, 'attempts are bounded');
    });

    test('an ESP timeout reported by the device names the app still being waited for', async () => {
      const { tenantId, token } = await tenant();
      const slow = await create(msi('Contoso Suite'), token);
      await call('POST', `${APPS}/${slow.id}/assign`, { mobileAppAssignments: [{ intent: 'required', target: ALL_DEVICES }] }, token);
      await espFor(token, { installProgressTimeoutInMinutes: 30 });
      const device = await enroll(tenantId);
      const a = apps();
      await a.sessionStarting(device, 'trace-3');
      const later = { ...device, lastSyncAt: clock.toISOString() };
      await a.sessionStarting(later, 'trace-3');
      assert.ok((await queued(device.id)).some((c) => c.locUri.endsWith('/FirstSyncStatus/WasDeviceSuccessfullyProvisioned')));
      const node = msiNode('device', slow.productCode!);
      await a.messageProcessed(later, results({ [`${node}/Status`]: '50', './Device/Vendor/MSFT/DMClient/Provider/Baton/FirstSyncStatus/WasDeviceSuccessfullyProvisioned': '0' }), 'trace-3', true);
      const [event] = (await call('GET', EVENTS, undefined, token)).json().value;
      assert.equal(event.deploymentState, 'failure');
      assert.match(event.enrollmentFailureDetails, /30 minutes.*Contoso Suite/);
      const feed = await deps.events.store.list({ tenantId, includeTenantless: false, limit: 100, managedDeviceId: device.id });
      assert.equal(feed.items.find((e) => e.type === 'espDeviceSetup')?.errorCode, ESP_TIMEOUT_CODE);
    });

    test('uninstall intent deletes the app node; user-targeted apps go to the user part of the tree', async () => {
      const { tenantId, token } = await tenant();
      const old = await create(msi('Legacy Client'), token);
      const personal = await create(msi('Personal Notes'), token);
      await call('POST', `${APPS}/${old.id}/assign`, { mobileAppAssignments: [{ intent: 'uninstall', target: ALL_DEVICES }] }, token);
      await call('POST', `${APPS}/${personal.id}/assign`, { mobileAppAssignments: [{ intent: 'required', target: { '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget' } }] }, token);
      const device = await enroll(tenantId, { lastSyncAt: clock.toISOString() });
      await apps().sessionStarting(device, 'trace-4');
      const commands = await queued(device.id);
      assert.ok(commands.some((c) => c.verb === 'Delete' && c.locUri === msiNode('device', old.productCode!)));
      assert.ok(commands.some((c) => c.verb === 'Exec' && c.locUri === `${msiNode('user', personal.productCode!)}/DownloadInstall`));
      const [status] = (await call('GET', `${APPS}/${personal.id}/deviceStatuses`, undefined, token)).json().value;
      assert.equal(status.userPrincipalName, device.upn);
      assert.equal((await call('GET', `${APPS}/${personal.id}/installSummary`, undefined, token)).json().pendingInstallUserCount, 1);
    });

    test('an app for all users waits for the user of a device that enrolled alone, then goes to the user part of its tree', async () => {
      const { tenantId, token } = await tenant();
      const notes = await create(msi('Team Notes'), token);
      await assign(notes.id, 'required', token, { '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget' });
      // The technician's half of a pre-provisioned device: enrolled by the device alone, no user.
      const device = await enroll(tenantId, { userId: null, upn: null, deviceAuth: true });
      const a = apps();
      await a.sessionStarting(device, 'trace-pp');
      assert.deepEqual((await queued(device.id)).filter((c) => c.verb === 'Exec'), []);
      // Its user's first session carried their token, and management took them as its primary user.
      await a.sessionStarting({ ...device, userId: randomUUID(), upn: 'adele@demo.baton.local', lastSyncAt: clock.toISOString() }, 'trace-pp');
      const execs = (await queued(device.id)).filter((c) => c.verb === 'Exec').map((c) => c.locUri);
      assert.deepEqual(execs, [`${msiNode('user', notes.productCode!)}/DownloadInstall`]);
    });

    test('account setup follows device setup: a user-targeted app the ESP blocks on is waited for after the device apps', async () => {
      const { tenantId, token } = await tenant();
      const deviceApp = await create(msi('Device Agent'), token);
      const userApp = await create(msi('User Notes'), token);
      await assign(deviceApp.id, 'required', token);
      await assign(userApp.id, 'required', token, { '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget' });
      await espFor(token, {});
      const device = await enroll(tenantId);
      const a = apps();
      await a.sessionStarting(device, 'trace-5');
      const userList = (await queued(device.id)).find((c) => c.locUri.startsWith('./User/') && c.locUri.endsWith('/ExpectedMSIAppPackages'));
      assert.equal(userList?.payload.data, `${msiNode('user', userApp.productCode!)}/Status;1`);
      const later = { ...device, lastSyncAt: clock.toISOString() };
      clock = new Date(clock.getTime() + 4 * 60_000);
      await a.messageProcessed(later, results({ [`${msiNode('device', deviceApp.productCode!)}/Status`]: '70' }), 'trace-5', false);
      let [event] = (await call('GET', EVENTS, undefined, token)).json().value;
      assert.deepEqual([event.deploymentState, event.deviceSetupStatus, event.accountSetupStatus, event.deviceSetupDuration], ['inProgress', 'success', 'inProgress', 'PT4M']);
      clock = new Date(clock.getTime() + 2 * 60_000);
      await a.messageProcessed(later, results({ [`${msiNode('user', userApp.productCode!)}/Status`]: '70' }), 'trace-5', false);
      [event] = (await call('GET', EVENTS, undefined, token)).json().value;
      assert.deepEqual([event.deploymentState, event.accountSetupStatus, event.accountSetupDuration, event.deploymentDuration], ['success', 'success', 'PT2M', 'PT6M']);
      const finished = (await queued(device.id)).filter((c) => c.locUri.endsWith('/ServerHasFinishedProvisioning')).map((c) => c.locUri.split('/')[1]);
      assert.deepEqual(finished, ['Device', 'User']);
    });

    test("a pre-provisioned device: device setup ends its technician's deployment; its user's arrival starts account setup on the apps of their groups", async () => {
      const { tenantId, token } = await tenant();
      const teamGroup = randomUUID();
      const agent = await create(msi('Device Agent'), token);
      const teamApp = await create(msi('Team Client'), token);
      await assign(agent.id, 'required', token);
      await assign(teamApp.id, 'required', token, { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: teamGroup });
      await espFor(token, { installProgressTimeoutInMinutes: 60 });
      // The user is in the team's group; the device alone is in none.
      const a = new Apps({ store: deps.appsStore, groups: { groupsOf: async (d) => new Set(d.userId ? [teamGroup] : []) }, events: deps.events, managementUrl: () => 'https://management.test', now: () => clock });
      const device = await enroll(tenantId, { userId: null, upn: null, deviceAuth: true, autopilotMode: 'preProvisioned' });
      await a.sessionStarting(device, 'trace-wg');
      const later = { ...device, lastSyncAt: clock.toISOString() };
      clock = new Date(clock.getTime() + 5 * 60_000);
      await a.messageProcessed(later, results({ [`${msiNode('device', agent.productCode!)}/Status`]: '70' }), 'trace-wg', true);
      const event = async () => (await call('GET', EVENTS, undefined, token)).json().value[0];
      const finishedFor = async () => (await queued(device.id)).filter((c) => c.locUri.endsWith('/ServerHasFinishedProvisioning')).map((c) => c.locUri.split('/')[1]);
      let e = await event();
      assert.deepEqual([e.enrollmentType, e.deploymentState, e.deviceSetupStatus, e.accountSetupStatus, e.userPrincipalName], ['azureADJoinedWithWhiteGlove', 'success', 'success', 'notAttempted', null]);
      assert.deepEqual(await finishedFor(), ['Device'], 'account setup is not declared done without a user');

      // Weeks on the shelf, then the user's first session names them.
      clock = new Date(clock.getTime() + 21 * 24 * 60 * 60_000);
      const withUser = { ...later, userId: randomUUID(), upn: 'adele@demo.baton.local' };
      await a.userLearned(withUser);
      e = await event();
      assert.deepEqual([e.deploymentState, e.accountSetupStatus, e.userPrincipalName], ['inProgress', 'inProgress', 'adele@demo.baton.local']);
      const userList = (await queued(device.id)).find((c) => c.locUri.startsWith('./User/') && c.locUri.endsWith('/ExpectedMSIAppPackages'));
      assert.equal(userList?.payload.data, `${msiNode('device', teamApp.productCode!)}/Status;1`, "the group's app, installed per device, is what account setup waits for");
      await a.sessionStarting(withUser, 'trace-wg');
      assert.ok((await queued(device.id)).some((c) => c.verb === 'Exec' && c.locUri === `${msiNode('device', teamApp.productCode!)}/DownloadInstall`));
      assert.equal((await event()).deploymentState, 'inProgress', "the ESP's timeout counts from the user's arrival, not from device setup");
      clock = new Date(clock.getTime() + 3 * 60_000);
      await a.messageProcessed(withUser, results({ [`${msiNode('device', teamApp.productCode!)}/Status`]: '50' }), 'trace-wg', false);
      assert.equal((await event()).accountSetupStatus, 'inProgress', 'held while the app installs');
      await a.messageProcessed(withUser, results({ [`${msiNode('device', teamApp.productCode!)}/Status`]: '70' }), 'trace-wg', true);
      e = await event();
      assert.deepEqual([e.deploymentState, e.accountSetupStatus, e.accountSetupDuration], ['success', 'success', 'PT3M']);
      assert.deepEqual(await finishedFor(), ['Device', 'User']);
      const feed = await deps.events.store.list({ tenantId, includeTenantless: false, limit: 100, managedDeviceId: device.id });
      assert.deepEqual(feed.items.filter((i) => i.type.startsWith('esp')).map((i) => [i.type, i.outcome]).sort(), [['espAccountSetup', 'success'], ['espDeviceSetup', 'success']]);
    });

    test("a pre-provisioned device's account setup fails on its user's blocking app, or times out counted from the user's arrival", async () => {
      const { tenantId, token } = await tenant();
      const notes = await create(msi('Team Notes'), token);
      await assign(notes.id, 'required', token, { '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget' });
      await espFor(token, { installProgressTimeoutInMinutes: 30 });
      const a = apps();
      const user = async () => {
        const device = await enroll(tenantId, { userId: null, upn: null, deviceAuth: true, autopilotMode: 'preProvisioned' });
        await a.sessionStarting(device, 'trace-wg2');
        await a.messageProcessed({ ...device, lastSyncAt: clock.toISOString() }, results({}), 'trace-wg2', true);
        clock = new Date(clock.getTime() + 24 * 60 * 60_000);
        const withUser = { ...device, lastSyncAt: clock.toISOString(), userId: randomUUID(), upn: 'adele@demo.baton.local' };
        await a.userLearned(withUser);
        await a.sessionStarting(withUser, 'trace-wg2');
        return withUser;
      };
      const deployment = async (id: string) => (await deps.appsStore.deploymentOf(id))!;
      const failing = await user();
      await a.messageProcessed(failing, results({ [`${msiNode('user', notes.productCode!)}/Status`]: '60', [`${msiNode('user', notes.productCode!)}/LastError`]: '0x80070643' }), 'trace-wg2', false);
      const failed = await deployment(failing.id);
      assert.deepEqual([failed.state, failed.deviceSetupStatus, failed.accountSetupStatus, failed.failureAppId, failed.failureCode], ['failure', 'success', 'failure', notes.id, '0x80070643']);

      const slow = await user();
      clock = new Date(clock.getTime() + 31 * 60_000);
      await a.sessionStarting(slow, 'trace-wg2');
      const timedOut = await deployment(slow.id);
      assert.deepEqual([timedOut.state, timedOut.accountSetupStatus, timedOut.failureCode], ['failure', 'failure', ESP_TIMEOUT_CODE]);
      assert.match(timedOut.failureText ?? '', /30 minutes.*Team Notes/);
    });

    test('ESP configurations: v1.0 shows the base properties only; bad settings are refused', async () => {
      const { token } = await tenant();
      const esp = await espFor(token, { customErrorMessage: 'Call the help desk', installProgressTimeoutInMinutes: 90 });
      const beta = (await call('GET', `${ESPS}/${esp.id}`, undefined, token)).json();
      assert.deepEqual([beta.installProgressTimeoutInMinutes, beta.customErrorMessage, beta.showInstallationProgress], [90, 'Call the help desk', true]);
      const v1 = (await call('GET', `/graph/v1.0/deviceManagement/deviceEnrollmentConfigurations/${esp.id}`, undefined, token)).json();
      assert.equal('installProgressTimeoutInMinutes' in v1, false);
      for (const body of [{ installProgressTimeoutInMinutes: 0 }, { selectedMobileAppIds: ['x'] }, { showInstallationProgress: 'yes' }, { unknownSetting: true }]) {
        const res = await call('PATCH', `${ESPS}/${esp.id}`, body, token);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
      }
      assert.equal(LIST_DELIMITER, '\uF000');
    });
  });
}
