// The placeholder carries the name of the device's Autopilot profile (enrollmentProfileName),
// and goes to identity again whenever that name changes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { outboxStats } from '@baton/kit';
import type { DiscoveryApp } from './app.js';
import { placeholderResend } from './domain/placeholder-resends.js';
import { startFakeIdentity, type FakeIdentity, type FakeMember } from './testing/fake-identity.js';
import { databaseKinds, hashOf, sampleInventory, startDiscovery, testDatabase, type TestDatabase } from './testing/harness.js';

const AZURE_AD = '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile';
const PROFILES = '/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles';
const DEVICES = '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities';
const ALL_DEVICES = { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' };
const group = (groupId: string) => ({ '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId });

for (const kind of databaseKinds()) {
  describe(`the placeholder's enrollmentProfileName on ${kind}`, () => {
    let identity: FakeIdentity;
    let database: TestDatabase;
    let discovery: DiscoveryApp;

    before(async () => {
      identity = await startFakeIdentity();
      database = testDatabase(kind);
      discovery = await startDiscovery(database, identity, { relay: { backoffMs: () => 0, pollMs: 50 } });
    });
    after(async () => {
      await discovery?.close();
      await database?.dispose();
      await identity?.close();
    });

    const pending = async () => (await outboxStats(discovery.runtime.store.db)).pending;

    async function tenant() {
      const tid = randomUUID();
      const token = await identity.adminToken(tid);
      const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
        const response = await discovery.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}` },
          ...(payload === undefined ? {} : { payload: payload as object }),
        });
        return { status: response.statusCode, body: response.body ? response.json() : undefined };
      };
      const device = async () => {
        const hash = hashOf(sampleInventory());
        const imported = await call('POST', '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities', { hardwareIdentifier: hash });
        assert.equal(imported.status, 201);
        const ztdId = imported.body.state.deviceRegistrationId as string;
        const read = await call('GET', `${DEVICES}/${ztdId}`);
        const deviceId = read.body.azureActiveDirectoryDeviceId as string;
        const member: FakeMember = { id: randomUUID(), deviceId };
        return { hash, ztdId, deviceId, member };
      };
      const profile = async (displayName: string) => {
        const res = await call('POST', PROFILES, { '@odata.type': AZURE_AD, displayName });
        assert.equal(res.status, 201);
        return res.body.id as string;
      };
      const assign = async (profileId: string, target: unknown) => {
        const res = await call('POST', `${PROFILES}/${profileId}/assignments`, { target });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        return res.body.id as string;
      };
      return { tid, call, device, profile, assign };
    }

    /** What identity was last told of each device's profile name, for the devices asked about. */
    function lastNames(deviceIds: string[]): Array<string | null | undefined> {
      return deviceIds.map((id) => identity.patches.filter((p) => p.deviceId === id).at(-1)?.body.enrollmentProfileName as string | null | undefined);
    }
    const sentTo = (deviceId: string) => identity.patches.filter((p) => p.deviceId === deviceId).length;

    test('an all-devices assignment queues every device of the tenant, and each placeholder names the profile', async () => {
      const t = await tenant();
      const devices = [await t.device(), await t.device(), await t.device()];
      const other = await tenant();
      const elsewhere = await other.device();
      await discovery.runtime.drainOutbox();
      assert.equal(await pending(), 0);
      assert.deepEqual(lastNames(devices.map((d) => d.deviceId)), [null, null, null], 'no profile yet: the name is null');

      const kiosks = await t.profile('Sales kiosks');
      await t.assign(kiosks, ALL_DEVICES);
      assert.equal(await pending(), devices.length, 'one placeholder per device of this tenant, none for another tenant');
      const before = sentTo(elsewhere.deviceId);
      await discovery.runtime.drainOutbox();
      assert.deepEqual(lastNames(devices.map((d) => d.deviceId)), ['Sales kiosks', 'Sales kiosks', 'Sales kiosks']);
      assert.equal(sentTo(elsewhere.deviceId), before);

      // A change that leaves every device's profile name as it was sends nothing.
      const unchanged = await t.call('PATCH', `${PROFILES}/${kiosks}`, { description: 'front of store' });
      assert.equal(unchanged.status, 200, JSON.stringify(unchanged.body));
      const second = await t.profile('Unused');
      await t.assign(second, group(randomUUID()));
      assert.equal(await pending(), 0);

      const assignments = await t.call('GET', `${PROFILES}/${kiosks}/assignments`);
      assert.equal((await t.call('DELETE', `${PROFILES}/${kiosks}/assignments/${assignments.body.value[0].id}`)).status, 204);
      assert.equal(await pending(), devices.length);
      await discovery.runtime.drainOutbox();
      assert.deepEqual(lastNames(devices.map((d) => d.deviceId)), [null, null, null], 'unassigned: identity is told the name is gone');
    });

    test('renaming a profile re-sends the new name to the devices that have it, and only to them', async () => {
      const t = await tenant();
      const [fallbackDevice, salesDevice] = [await t.device(), await t.device()];
      const G = randomUUID();
      await identity.changeMembers(G, { added: [salesDevice.member] });
      const fallback = await t.profile('Everyone');
      const sales = await t.profile('Sales');
      await t.assign(fallback, ALL_DEVICES);
      await t.assign(sales, group(G));
      await discovery.runtime.drainOutbox();
      assert.deepEqual(lastNames([fallbackDevice.deviceId, salesDevice.deviceId]), ['Everyone', 'Sales']);

      const renamed = await t.call('PATCH', `${PROFILES}/${sales}`, { displayName: 'Sales laptops' });
      assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
      assert.equal(await pending(), 1);
      const untouched = sentTo(fallbackDevice.deviceId);
      await discovery.runtime.drainOutbox();
      assert.deepEqual(lastNames([fallbackDevice.deviceId, salesDevice.deviceId]), ['Everyone', 'Sales laptops']);
      assert.equal(sentTo(fallbackDevice.deviceId), untouched);

      // Deleting the profile hands its device back to the all-devices one.
      assert.equal((await t.call('DELETE', `${PROFILES}/${sales}`)).status, 204);
      await discovery.runtime.drainOutbox();
      assert.deepEqual(lastNames([salesDevice.deviceId]), ['Everyone']);
    });

    test('joining and leaving a group re-sends the placeholder with the profile the device now has', async () => {
      const t = await tenant();
      const d = await t.device();
      const G = randomUUID();
      const fallback = await t.profile('Everyone');
      const sales = await t.profile('Sales');
      await t.assign(fallback, ALL_DEVICES);
      await t.assign(sales, group(G));
      await discovery.runtime.drainOutbox();
      assert.deepEqual(lastNames([d.deviceId]), ['Everyone']);

      assert.deepEqual(await identity.changeMembers(G, { added: [d.member] }), [202]);
      await discovery.runtime.drainOutbox();
      assert.deepEqual(lastNames([d.deviceId]), ['Sales']);

      // A replayed notification changes nothing, so nothing is sent.
      const sent = sentTo(d.deviceId);
      assert.deepEqual(await identity.changeMembers(G, { added: [d.member] }), [202]);
      assert.equal(await pending(), 0);
      assert.equal(sentTo(d.deviceId), sent);

      assert.deepEqual(await identity.changeMembers(G, { removed: [d.member] }), [202]);
      await discovery.runtime.drainOutbox();
      assert.deepEqual(lastNames([d.deviceId]), ['Everyone']);
    });

    test('the name is read when the message is sent, not when it was queued', async () => {
      const t = await tenant();
      const d = await t.device();
      const p = await t.profile('Before');
      await t.assign(p, ALL_DEVICES);
      assert.equal((await t.call('PATCH', `${PROFILES}/${p}`, { displayName: 'After' })).status, 200);
      await discovery.runtime.drainOutbox();
      const names = identity.patches.filter((x) => x.deviceId === d.deviceId).map((x) => x.body.enrollmentProfileName);
      assert.ok(names.length >= 1);
      assert.ok(names.every((n) => n === 'After'), `identity saw ${names.join(', ')}`);
    });

    test('a lookup that sends the placeholder itself names the profile too', async () => {
      const t = await tenant();
      const d = await t.device();
      await t.assign(await t.profile('Booted early'), ALL_DEVICES);
      const res = await discovery.app.inject({ method: 'POST', url: '/ztd/v1/lookup', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ hardwareHash: d.hash }) });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(lastNames([d.deviceId]), ['Booted early']);
    });
    test('a queued copy of a placeholder identity already accepted is not sent again; a changed one is', async () => {
      const t = await tenant();
      const d = await t.device();
      await t.assign(await t.profile('Desks'), ALL_DEVICES);
      await discovery.runtime.drainOutbox();
      const sent = sentTo(d.deviceId);
      assert.ok(sent >= 1);

      // A copy queued while the first was pending (a bulk import's, then a walk's) finds nothing new.
      const stored = await discovery.runtime.store.getDevice(t.tid, d.ztdId);
      await discovery.runtime.store.enqueueMessages([placeholderResend(stored!)]);
      assert.equal(await pending(), 1);
      await discovery.runtime.drainOutbox();
      assert.equal(await pending(), 0, 'the copy is done with');
      assert.equal(sentTo(d.deviceId), sent, 'and identity was not asked again');

      // The group tag is on identity's object too ([OrderID]): a change to it is sent.
      const tagged = await t.call('POST', `${DEVICES}/${d.ztdId}/updateDeviceProperties`, { groupTag: 'Warehouse' });
      assert.equal(tagged.status, 204, JSON.stringify(tagged.body));
      await discovery.runtime.drainOutbox();
      assert.equal(sentTo(d.deviceId), sent + 1);
      const last = identity.patches.filter((p) => p.deviceId === d.deviceId).at(-1)!;
      assert.ok((last.body.physicalIds as string[]).includes('[OrderID]:Warehouse'));
    });
  });
}
