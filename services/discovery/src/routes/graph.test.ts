import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ROLES } from '@baton/contracts';
import type { DiscoveryApp } from '../app.js';
import { startFakeIdentity, type FakeIdentity } from '../testing/fake-identity.js';
import { databaseKinds, hashOf, sampleInventory, startDiscovery, testDatabase, withoutPadding, type TestDatabase } from '../testing/harness.js';

const AZURE_AD = '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile';
const ALL_DEVICES = { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' };

for (const kind of databaseKinds()) {
  describe(`discovery Graph API on ${kind}`, () => {
    let identity: FakeIdentity;
    let database: TestDatabase;
    let discovery: DiscoveryApp;

    before(async () => {
      identity = await startFakeIdentity();
      database = testDatabase(kind);
      discovery = await startDiscovery(database, identity);
    });
    after(async () => {
      await discovery?.close();
      await database?.dispose();
      await identity?.close();
    });

    /** A fresh tenant with an admin token, so tests do not see each other's rows. */
    async function tenant() {
      const tid = randomUUID();
      const token = await identity.adminToken(tid);
      const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) => {
        const response = await discovery.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}`, ...headers },
          ...(payload === undefined ? {} : { payload: payload as object }),
        });
        return { status: response.statusCode, body: response.body ? response.json() : undefined, headers: response.headers };
      };
      return { tid, token, call };
    }

    async function importOne(t: Awaited<ReturnType<typeof tenant>>, body: Record<string, unknown>, version = 'beta') {
      const res = await t.call('POST', `/graph/${version}/deviceManagement/importedWindowsAutopilotDeviceIdentities`, body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    }

    test('no token is a 401 Graph envelope; a token without the role is a 403; another audience is a 401', async () => {
      const bare = await discovery.app.inject({ method: 'GET', url: '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities' });
      assert.equal(bare.statusCode, 401);
      assert.equal(bare.json().error.code, 'InvalidAuthenticationToken');
      assert.ok(bare.json().error.innerError['request-id']);
      const tid = randomUUID();
      for (const [token, status] of [
        [await identity.adminToken(tid, [ROLES.devicesReadWrite]), 403],
        [await identity.adminToken(tid, [ROLES.autopilotReadWrite], 'https://enrollment.manage.baton.local'), 401],
      ] as const) {
        const res = await discovery.app.inject({
          method: 'GET',
          url: '/graph/v1.0/deviceManagement/windowsAutopilotDeviceIdentities',
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(res.statusCode, status);
        assert.ok(res.json().error.code);
      }
    });

    test('import → complete: the imported identity and the device read back as Graph spells them', async () => {
      const t = await tenant();
      const inventory = sampleInventory();
      const created = await importOne(t, {
        '@odata.type': '#microsoft.graph.importedWindowsAutopilotDeviceIdentity',
        serialNumber: inventory.smbiosSerial,
        productKey: '',
        hardwareIdentifier: withoutPadding(hashOf(inventory)),
        groupTag: 'Sales',
        assignedUserPrincipalName: 'megan@contoso.test',
        state: { deviceImportStatus: 'pending', deviceRegistrationId: '', deviceErrorCode: 0, deviceErrorName: '' },
      });
      assert.match(created['@odata.context'], /\/graph\/beta\/\$metadata#deviceManagement\/importedWindowsAutopilotDeviceIdentities\/\$entity$/);
      assert.equal(created['@odata.type'], '#microsoft.graph.importedWindowsAutopilotDeviceIdentity');
      assert.equal(created.hardwareIdentifier, hashOf(inventory));
      assert.equal(created.state['@odata.type'], 'microsoft.graph.importedWindowsAutopilotDeviceIdentityState');
      assert.equal(created.state.deviceImportStatus, 'complete');
      assert.equal(created.state.deviceErrorCode, 0);
      const ztdId = created.state.deviceRegistrationId;

      const again = await t.call('GET', `/graph/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/${created.id}`);
      assert.equal(again.status, 200);
      assert.equal(again.body.state.deviceRegistrationId, ztdId);

      const beta = await t.call('GET', `/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities/${ztdId}`);
      assert.equal(beta.status, 200);
      assert.equal(beta.body['@odata.type'], '#microsoft.graph.windowsAutopilotDeviceIdentity');
      assert.equal(beta.body.id, ztdId);
      assert.equal(beta.body.serialNumber, inventory.smbiosSerial);
      assert.equal(beta.body.groupTag, 'Sales');
      assert.equal(beta.body.manufacturer, 'HP');
      assert.equal(beta.body.model, 'HP EliteBook 840 G11');
      assert.equal(beta.body.userPrincipalName, 'megan@contoso.test');
      assert.equal(beta.body.enrollmentState, 'notContacted');
      assert.equal(beta.body.lastContactedDateTime, '0001-01-01T00:00:00Z');
      assert.match(beta.body.azureActiveDirectoryDeviceId, /^[0-9a-f-]{36}$/);
      assert.equal(beta.body.deploymentProfileAssignmentStatus, 'notAssigned');
      const v1 = await t.call('GET', `/graph/v1.0/deviceManagement/windowsAutopilotDeviceIdentities/${ztdId}`);
      assert.equal(v1.body.deploymentProfileAssignmentStatus, undefined, 'v1.0 has no beta-only properties');
      assert.equal(v1.body.azureActiveDirectoryDeviceId, beta.body.azureActiveDirectoryDeviceId);
    });

    test('806 duplicate in the same tenant, 808 in another; 802 for a bad hash', async () => {
      const a = await tenant();
      const b = await tenant();
      const hash = hashOf(sampleInventory());
      const first = await importOne(a, { hardwareIdentifier: hash });
      const dup = await importOne(a, { hardwareIdentifier: hash });
      assert.deepEqual([dup.state.deviceImportStatus, dup.state.deviceErrorCode, dup.state.deviceErrorName], ['error', 806, 'ZtdDeviceAlreadyAssigned']);
      assert.equal(dup.state.deviceRegistrationId, first.state.deviceRegistrationId);
      const other = await importOne(b, { hardwareIdentifier: hash });
      assert.deepEqual([other.state.deviceErrorCode, other.state.deviceErrorName, other.state.deviceRegistrationId], [808, 'ZtdDeviceAssignedToOtherTenant', '']);
      const bad = await importOne(b, { serialNumber: 'BAD-1', hardwareIdentifier: Buffer.from('garbage').toString('base64') });
      assert.deepEqual([bad.state.deviceErrorCode, bad.state.deviceErrorName], [802, 'InvalidZtdHardwareHash']);
      const list = await b.call('GET', '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities');
      assert.deepEqual(list.body.value, [], 'refused rows create no device');
      const imports = await b.call('GET', '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities');
      assert.equal(imports.body.value.length, 2);
      const notBase64 = await b.call('POST', '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities', { hardwareIdentifier: '***' });
      assert.equal(notBase64.status, 400);
      assert.equal(notBase64.body.error.code, 'BadRequest');
    });

    test('the import action answers row by row', async () => {
      const t = await tenant();
      const good = sampleInventory();
      const res = await t.call('POST', '/graph/v1.0/deviceManagement/importedWindowsAutopilotDeviceIdentities/import', {
        importedWindowsAutopilotDeviceIdentities: [
          { serialNumber: good.smbiosSerial, hardwareIdentifier: hashOf(good) },
          { serialNumber: 'BROKEN', hardwareIdentifier: 'AAAA' },
          { serialNumber: good.smbiosSerial, hardwareIdentifier: hashOf(good) },
        ],
      });
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.body.value.map((v: any) => [v.state.deviceImportStatus, v.state.deviceErrorCode]),
        [['complete', 0], ['error', 802], ['error', 806]],
      );
    });

    test('$filter on serialNumber, $top and nextLink paging', async () => {
      const t = await tenant();
      const serials = ['PAGE-A1', 'PAGE-A2', 'PAGE-B1'];
      for (const serial of serials) await importOne(t, { serialNumber: serial, hardwareIdentifier: hashOf(sampleInventory({ smbiosSerial: serial })) });
      const base = '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities';
      const eq = await t.call('GET', `${base}?$filter=${encodeURIComponent("serialNumber eq 'page-a2'")}`);
      assert.deepEqual(eq.body.value.map((d: any) => d.serialNumber), ['PAGE-A2']);
      const contains = await t.call('GET', `${base}?$filter=${encodeURIComponent("contains(serialNumber,'-a')")}`);
      assert.deepEqual(contains.body.value.map((d: any) => d.serialNumber).sort(), ['PAGE-A1', 'PAGE-A2']);
      const inList = await t.call('GET', `${base}?$filter=${encodeURIComponent("serialNumber in ('page-a1','PAGE-B1','PAGE-C9')")}`);
      assert.equal(inList.status, 200, JSON.stringify(inList.body));
      assert.deepEqual(inList.body.value.map((d: any) => d.serialNumber).sort(), ['PAGE-A1', 'PAGE-B1'], 'in ignores case, as eq does');
      const byId = await t.call('GET', `${base}?$filter=${encodeURIComponent(`id in (${contains.body.value.map((d: any) => d.id.toUpperCase()).join(',')})`)}`);
      assert.deepEqual(byId.body.value.map((d: any) => d.serialNumber).sort(), ['PAGE-A1', 'PAGE-A2'], 'ids as unquoted GUIDs');
      const counted = await t.call('GET', `${base}/$count?$filter=${encodeURIComponent("not (serialNumber in ('PAGE-A1','PAGE-A2'))")}`);
      assert.equal(counted.status, 200);
      assert.equal(String(counted.body), '1');
      for (const [filter, message] of [
        ["skuNumber in ('x')", /skuNumber/],
        ["serialNumber in ('x', 1)", /one type/],
        [`serialNumber in (${Array.from({ length: 16 }, (_, i) => `'S${i}'`).join(',')})`, /Max allowed: 15/],
      ] as const) {
        const refused = await t.call('GET', `${base}?$filter=${encodeURIComponent(filter)}`);
        assert.equal(refused.status, 400, filter);
        assert.match(refused.body.error.message, message, filter);
      }
      const page1 = await t.call('GET', `${base}?$top=2`);
      assert.equal(page1.body.value.length, 2);
      const next = new URL(page1.body['@odata.nextLink']);
      assert.equal(next.protocol, 'https:');
      const page2 = await t.call('GET', `${next.pathname}${next.search}`);
      assert.equal(page2.body.value.length, 1);
      assert.equal(page2.body['@odata.nextLink'], undefined);
      assert.deepEqual([...page1.body.value, ...page2.body.value].map((d: any) => d.serialNumber).sort(), serials);
      const unsupported = await t.call('GET', `${base}?$filter=${encodeURIComponent("skuNumber eq 'x'")}`);
      assert.equal(unsupported.status, 400);
      assert.match(unsupported.body.error.message, /skuNumber/);
      const badTop = await t.call('GET', `${base}?$top=zero`);
      assert.equal(badTop.status, 400);
    });

    test('tenant isolation: tenant B cannot see or touch tenant A’s objects', async () => {
      const a = await tenant();
      const b = await tenant();
      const imported = await importOne(a, { hardwareIdentifier: hashOf(sampleInventory()) });
      const ztdId = imported.state.deviceRegistrationId;
      const profile = await a.call('POST', '/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles', { '@odata.type': AZURE_AD, displayName: 'A only' });
      for (const [method, url] of [
        ['GET', `/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities/${ztdId}`],
        ['GET', `/graph/v1.0/deviceManagement/windowsAutopilotDeviceIdentities/${ztdId}`],
        ['DELETE', `/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities/${ztdId}`],
        ['GET', `/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/${imported.id}`],
        ['GET', `/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.body.id}`],
        ['GET', `/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.body.id}/assignments`],
        ['POST', `/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles/${profile.body.id}/assignments`],
      ] as const) {
        const res = await b.call(method, url, method === 'POST' ? { target: ALL_DEVICES } : undefined);
        assert.equal(res.status, 404, `${method} ${url}`);
        assert.equal(res.body.error.code, 'itemNotFound');
      }
      assert.deepEqual((await b.call('GET', '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities')).body.value, []);
      assert.equal((await a.call('GET', `/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities/${ztdId}`)).status, 200);
    });

    test('a profile created with legacy names reads back under both spellings; assignments apply it', async () => {
      const t = await tenant();
      await importOne(t, { hardwareIdentifier: hashOf(sampleInventory()) });
      const created = await t.call('POST', '/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles', {
        '@odata.type': AZURE_AD,
        displayName: 'User-driven (legacy client)',
        description: 'from WindowsAutopilotIntune',
        language: 'os-default',
        extractHardwareHash: false,
        enableWhiteGlove: true,
        deviceNameTemplate: 'DEMO-%SERIAL%',
        outOfBoxExperienceSettings: { hidePrivacySettings: true, hideEULA: true, userType: 'standard', deviceUsageType: 'singleUser', skipKeyboardSelectionPage: true, hideEscapeLink: true },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const read = await t.call('GET', `/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles/${created.body.id}`);
      assert.equal(read.body['@odata.type'], AZURE_AD);
      assert.match(read.body['@odata.context'], /windowsAutopilotDeploymentProfiles\/\$entity$/);
      assert.equal(read.body.enableWhiteGlove, true);
      assert.equal(read.body.preprovisioningAllowed, true);
      assert.equal(read.body.language, 'os-default');
      assert.equal(read.body.locale, 'os-default');
      assert.equal(read.body.outOfBoxExperienceSettings.hideEULA, true);
      assert.equal(read.body.outOfBoxExperienceSetting.eulaHidden, true);
      assert.equal(read.body.outOfBoxExperienceSetting.userType, 'standard');

      const list = await t.call('GET', '/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles');
      assert.deepEqual(list.body.value.map((p: any) => p.id), [created.body.id]);
      const badName = await t.call('POST', '/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles', { '@odata.type': AZURE_AD, displayName: 'x', deviceNameTemplate: 'TOO-LONG-NAME-123' });
      assert.equal(badName.status, 400);
      assert.equal((await t.call('GET', '/graph/v1.0/deviceManagement/windowsAutopilotDeploymentProfiles')).status, 404, 'profiles are beta only');

      const assignUrl = `/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles/${created.body.id}/assignments`;
      const assigned = await t.call('POST', assignUrl, { target: ALL_DEVICES });
      assert.equal(assigned.status, 201);
      assert.equal(assigned.body['@odata.type'], '#microsoft.graph.windowsAutopilotDeploymentProfileAssignment');
      assert.deepEqual(assigned.body.target, ALL_DEVICES);
      const groupId = randomUUID();
      const group = await t.call('POST', assignUrl, { id: `${created.body.id}_${groupId}_0`, target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId } });
      assert.equal(group.status, 201);
      assert.equal(group.body.id, `${created.body.id}_${groupId}_0`);
      assert.equal((await t.call('POST', assignUrl, { id: group.body.id, target: ALL_DEVICES })).status, 409);
      assert.equal((await t.call('POST', assignUrl, { target: { '@odata.type': '#microsoft.graph.somethingElse' } })).status, 400);
      const assignments = await t.call('GET', assignUrl);
      assert.equal(assignments.body.value.length, 2);

      const devices = await t.call('GET', '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities');
      assert.equal(devices.body.value[0].deploymentProfileAssignmentStatus, 'assignedInSync');
      const expanded = await t.call('GET', `/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities/${devices.body.value[0].id}?$expand=deploymentProfile,intendedDeploymentProfile`);
      assert.equal(expanded.body.deploymentProfile.id, created.body.id);
      assert.equal(expanded.body.intendedDeploymentProfile.id, created.body.id);
      assert.equal((await t.call('GET', `/graph/v1.0/deviceManagement/windowsAutopilotDeviceIdentities?$expand=deploymentProfile`)).status, 400);
      assert.notEqual(devices.body.value[0].deploymentProfileAssignedDateTime, '0001-01-01T00:00:00Z');

      assert.equal((await t.call('DELETE', `${assignUrl}/${group.body.id}`)).status, 204);
      assert.equal((await t.call('DELETE', `/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles/${created.body.id}`)).status, 204);
      const after = await t.call('GET', '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities');
      assert.equal(after.body.value[0].deploymentProfileAssignmentStatus, 'notAssigned');
    });

    test('DELETE removes a device (204) and its hash is free to register again', async () => {
      const t = await tenant();
      const hash = hashOf(sampleInventory());
      const imported = await importOne(t, { hardwareIdentifier: hash });
      const url = `/graph/v1.0/deviceManagement/windowsAutopilotDeviceIdentities/${imported.state.deviceRegistrationId}`;
      const deleted = await t.call('DELETE', url);
      assert.equal(deleted.status, 204);
      assert.equal((await t.call('GET', url)).status, 404);
      const again = await importOne(t, { hardwareIdentifier: hash });
      assert.equal(again.state.deviceImportStatus, 'complete');
    });
  });
}
