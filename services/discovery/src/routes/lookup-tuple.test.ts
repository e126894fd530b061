import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { DiscoveryApp } from '../app.js';
import { ALL_DEVICES_GROUP_ID } from '../domain/assignments.js';
import { startFakeIdentity, type FakeIdentity } from '../testing/fake-identity.js';
import { databaseKinds, hashOf, sampleInventory, startDiscovery, testDatabase, type TestDatabase } from '../testing/harness.js';

const PROFILES = '/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles';
const IMPORTED = '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities';
const ALL_DEVICES = { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' };
const HYBRID = '#microsoft.graph.activeDirectoryWindowsAutopilotDeploymentProfile';

for (const kind of databaseKinds()) {
  describe(`lookup by tuple, assignment ids and hybrid profiles on ${kind}`, () => {
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

    async function call(tid: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
      const token = await identity.adminToken(tid);
      const res = await discovery.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
      return { status: res.statusCode, body: res.body ? res.json() : undefined };
    }

    const lookup = (payload: unknown) =>
      discovery.app.inject({ method: 'POST', url: '/ztd/v1/lookup', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

    async function tenantWithProfile(body: Record<string, unknown> = { '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile', displayName: 'P' }) {
      const tid = randomUUID();
      identity.organizations.set(tid, { displayName: 'Contoso', domain: `t-${tid.slice(0, 6)}.baton.local` });
      const profile = await call(tid, 'POST', PROFILES, body);
      assert.equal(profile.status, 201, JSON.stringify(profile.body));
      assert.equal((await call(tid, 'POST', `${PROFILES}/${profile.body.id}/assignments`, { target: ALL_DEVICES })).status, 201);
      return { tid, profileId: profile.body.id as string };
    }

    test('a device is found by serial, manufacturer and model, trimmed and case-folded', async () => {
      const { tid, profileId } = await tenantWithProfile();
      const inventory = sampleInventory({ smbiosManufacturer: 'Dell Inc.', smbiosProduct: `Latitude ${randomUUID().slice(0, 8)}` });
      const imported = await call(tid, 'POST', IMPORTED, { hardwareIdentifier: hashOf(inventory) });
      const res = await lookup({ serialNumber: ` ${inventory.smbiosSerial.toLowerCase()} `, manufacturer: 'DELL INC.', model: ` ${inventory.smbiosProduct.toUpperCase()}` });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().ztdId, imported.body.state.deviceRegistrationId);
      assert.equal(res.json().deploymentProfile.id, profileId);

      assert.equal((await lookup({ serialNumber: inventory.smbiosSerial, manufacturer: 'Dell Inc.', model: 'Other' })).statusCode, 404);
      const partial = await lookup({ serialNumber: inventory.smbiosSerial, manufacturer: 'Dell Inc.' });
      assert.equal(partial.statusCode, 400);
      assert.equal(partial.json().error.code, 'invalidRequest');
    });

    test('a tuple two registrations share is refused with ZtdAmbiguousDevice', async () => {
      const a = await tenantWithProfile();
      const b = await tenantWithProfile();
      const shared = { smbiosSerial: `AMB${randomUUID().slice(0, 8)}`, smbiosManufacturer: 'HP', smbiosProduct: 'HP ProBook 450' };
      await call(a.tid, 'POST', IMPORTED, { hardwareIdentifier: hashOf(sampleInventory(shared)) });
      assert.equal((await lookup({ serialNumber: shared.smbiosSerial, manufacturer: 'HP', model: 'HP ProBook 450' })).statusCode, 200);
      await call(b.tid, 'POST', IMPORTED, { hardwareIdentifier: hashOf(sampleInventory(shared)) });
      const res = await lookup({ serialNumber: shared.smbiosSerial, manufacturer: 'hp', model: 'hp probook 450' });
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().error.code, 'ZtdAmbiguousDevice');

      const twiceInOne = { smbiosSerial: `TWO${randomUUID().slice(0, 8)}`, smbiosManufacturer: 'HP', smbiosProduct: 'HP ProBook 450' };
      await call(a.tid, 'POST', IMPORTED, { hardwareIdentifier: hashOf(sampleInventory(twiceInOne)) });
      await call(a.tid, 'POST', IMPORTED, { hardwareIdentifier: hashOf(sampleInventory(twiceInOne)) });
      assert.equal((await lookup({ serialNumber: twiceInOne.smbiosSerial, manufacturer: 'HP', model: 'HP ProBook 450' })).statusCode, 409);
    });

    test('when a hash and a tuple are both sent, the hash wins', async () => {
      const { tid } = await tenantWithProfile();
      const one = sampleInventory();
      const other = sampleInventory({ smbiosManufacturer: 'Lenovo', smbiosProduct: `ThinkPad ${randomUUID().slice(0, 6)}` });
      const first = await call(tid, 'POST', IMPORTED, { hardwareIdentifier: hashOf(one) });
      await call(tid, 'POST', IMPORTED, { hardwareIdentifier: hashOf(other) });
      const res = await lookup({ hardwareHash: hashOf(one), serialNumber: other.smbiosSerial, manufacturer: 'Lenovo', model: other.smbiosProduct });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().ztdId, first.body.state.deviceRegistrationId);
      assert.equal((await lookup({ hardwareHash: hashOf(sampleInventory()), serialNumber: other.smbiosSerial, manufacturer: 'Lenovo', model: other.smbiosProduct })).statusCode, 404);
    });

    test('assignments get Graph ids, and are read and deleted by them', async () => {
      const { tid, profileId } = await tenantWithProfile();
      const url = `${PROFILES}/${profileId}/assignments`;
      const groupId = randomUUID();
      const excluded = randomUUID();
      const group = await call(tid, 'POST', url, { target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: groupId.toUpperCase() } });
      assert.equal(group.status, 201);
      assert.equal(group.body.id, `${profileId}_${groupId}_0`);
      const exclusion = await call(tid, 'POST', url, { id: 'ignored', target: { '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget', groupId: excluded } });
      assert.equal(exclusion.body.id, `${profileId}_${excluded}_0`);
      const all = `${profileId}_${ALL_DEVICES_GROUP_ID}_0`;
      assert.deepEqual((await call(tid, 'GET', url)).body.value.map((a: { id: string }) => a.id).sort(), [all, group.body.id, exclusion.body.id].sort());
      assert.equal((await call(tid, 'POST', url, { target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId } })).status, 409);

      const read = await call(tid, 'GET', `${url}/${group.body.id}`);
      assert.equal(read.status, 200);
      assert.deepEqual(read.body.target, { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId });
      assert.equal((await call(randomUUID(), 'GET', `${url}/${group.body.id}`)).status, 404, 'another tenant cannot read it');
      assert.equal((await call(tid, 'DELETE', `${url}/${group.body.id}`)).status, 204);
      assert.equal((await call(tid, 'GET', `${url}/${group.body.id}`)).status, 404);
      assert.equal((await call(tid, 'DELETE', `${url}/${all}`)).status, 204);
    });

    test('a hybrid join profile sets the domain join method and skips the name template', async () => {
      const { tid, profileId } = await tenantWithProfile({ '@odata.type': HYBRID, displayName: 'Hybrid', hybridAzureADJoinSkipConnectivityCheck: true, deviceNameTemplate: 'not valid here %serial%' });
      const read = await call(tid, 'GET', `${PROFILES}/${profileId}`);
      assert.equal(read.body['@odata.type'], HYBRID);
      assert.equal(read.body.hybridAzureADJoinSkipConnectivityCheck, true);
      const inventory = sampleInventory();
      await call(tid, 'POST', IMPORTED, { hardwareIdentifier: hashOf(inventory) });
      const res = await lookup({ hardwareHash: hashOf(inventory) });
      assert.equal(res.statusCode, 200, res.body);
      const file = res.json().deploymentProfile.configuration;
      assert.equal(file.CloudAssignedDomainJoinMethod, 1);
      assert.equal(file.HybridJoinSkipDCConnectivityCheck, 1);
      assert.equal(file.CloudAssignedDeviceName, undefined);

      const plain = await tenantWithProfile({ '@odata.type': HYBRID, displayName: 'Hybrid, checking' });
      const device = sampleInventory();
      await call(plain.tid, 'POST', IMPORTED, { hardwareIdentifier: hashOf(device) });
      const checked = (await lookup({ hardwareHash: hashOf(device) })).json().deploymentProfile.configuration;
      assert.equal(checked.HybridJoinSkipDCConnectivityCheck, 0);
      assert.equal(checked.CloudAssignedDomainJoinMethod, 1);
    });
  });
}
