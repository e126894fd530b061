import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { outboxStats } from '@baton/kit';
import type { DiscoveryApp } from './app.js';
import { startFakeIdentity, type FakeIdentity } from './testing/fake-identity.js';
import { databaseKinds, hashOf, sampleInventory, startDiscovery, testDatabase, type TestDatabase } from './testing/harness.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

for (const kind of databaseKinds()) {
  describe(`placeholder outbox on ${kind}`, () => {
    let identity: FakeIdentity;
    let database: TestDatabase;
    let discovery: DiscoveryApp;

    before(async () => {
      identity = await startFakeIdentity();
      database = testDatabase(kind);
      // No backoff: the retry is due as soon as the failed attempt is recorded.
      discovery = await startDiscovery(database, identity, { relay: { backoffMs: () => 0, pollMs: 50 } });
    });
    afterEach(() => {
      identity.graphDown = false;
    });
    after(async () => {
      await discovery?.close();
      await database?.dispose();
      await identity?.close();
    });

    async function importDevice(tid: string, body: Record<string, unknown>) {
      const token = await identity.adminToken(tid);
      const res = await discovery.app.inject({
        method: 'POST',
        url: '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities',
        headers: { authorization: `Bearer ${token}`, traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` },
        payload: body,
      });
      assert.equal(res.statusCode, 201);
      const ztdId = res.json().state.deviceRegistrationId as string;
      const device = await discovery.app.inject({
        method: 'GET',
        url: `/graph/v1.0/deviceManagement/windowsAutopilotDeviceIdentities/${ztdId}`,
        headers: { authorization: `Bearer ${token}` },
      });
      return { ztdId, deviceId: device.json().azureActiveDirectoryDeviceId as string };
    }

    test('the placeholder reaches identity as the PATCH upsert chain.md describes', async () => {
      const tid = randomUUID();
      const { ztdId, deviceId } = await importDevice(tid, { serialNumber: 'PH-1', hardwareIdentifier: hashOf(sampleInventory()), groupTag: 'Kiosk' });
      assert.equal(await discovery.runtime.drainOutbox(), 1);
      const patch = identity.patches.find((p) => p.deviceId === deviceId);
      assert.ok(patch, 'identity received the placeholder');
      assert.equal(patch.tenantId, tid);
      assert.equal(patch.prefer, 'create-if-missing');
      assert.match(patch.traceparent ?? '', new RegExp(`^00-${TRACE_ID}-`), 'the import’s trace continues into identity');
      assert.deepEqual(patch.body, {
        displayName: 'PH-1',
        physicalIds: [`[ZTDID]:${ztdId}`, '[OrderID]:Kiosk'],
        operatingSystem: 'Windows',
        accountEnabled: true,
        deviceOwnership: 'Company',
        enrollmentProfileName: null,
      });
      assert.equal(await discovery.runtime.drainOutbox(), 0, 'a delivered message is not sent again');
      assert.equal((await discovery.runtime.store.getDevice(tid, ztdId))?.placeholderDelivered, true);
    });

    test('identity down first: the message waits and is delivered once identity is back', async () => {
      const tid = randomUUID();
      identity.graphDown = true;
      const { deviceId } = await importDevice(tid, { hardwareIdentifier: hashOf(sampleInventory()) });
      await discovery.runtime.relay.runOnce();
      await discovery.runtime.relay.runOnce();
      assert.equal(identity.patches.filter((p) => p.deviceId === deviceId).length, 0);
      const pending = await discovery.runtime.store.db.selectFrom('outbox').selectAll().where('delivered_at', 'is', null).execute();
      assert.equal(pending.length, 1);
      assert.ok(pending[0]!.attempts >= 2);
      assert.match(pending[0]!.last_error ?? '', /503/);

      identity.graphDown = false;
      assert.equal(await discovery.runtime.drainOutbox(), 1);
      assert.equal(identity.patches.filter((p) => p.deviceId === deviceId).length, 1);
      assert.deepEqual(await outboxStats(discovery.runtime.store.db), { pending: 0, delivered: 2 });
    });

    test('the running relay delivers without being asked', async () => {
      await discovery.runtime.start();
      try {
        const { deviceId } = await importDevice(randomUUID(), { hardwareIdentifier: hashOf(sampleInventory()) });
        const deadline = Date.now() + 5_000;
        while (!identity.patches.some((p) => p.deviceId === deviceId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.ok(identity.patches.some((p) => p.deviceId === deviceId));
      } finally {
        await discovery.runtime.relay.stop();
      }
    });

    test('when the device joined first, discovery adopts the device id identity answers with', async () => {
      const tid = randomUUID();
      const token = await identity.adminToken(tid);
      const res = await discovery.app.inject({
        method: 'POST',
        url: '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities',
        headers: { authorization: `Bearer ${token}` },
        payload: { serialNumber: 'PH-JOINED', hardwareIdentifier: hashOf(sampleInventory({ smbiosSerial: 'PH-JOINED' })) },
      });
      assert.equal(res.statusCode, 201, res.body);
      const ztdId = res.json().state.deviceRegistrationId as string;
      const joinedDeviceId = randomUUID();
      identity.joinedByZtdId.set(ztdId, joinedDeviceId);
      await discovery.runtime.drainOutbox();
      const device = await discovery.app.inject({
        method: 'GET',
        url: `/graph/v1.0/deviceManagement/windowsAutopilotDeviceIdentities/${ztdId}`,
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(device.json().azureActiveDirectoryDeviceId, joinedDeviceId);
    });

    test('a retried placeholder sends the device as it is now, never an older group tag', async () => {
      const tid = randomUUID();
      const token = await identity.adminToken(tid);
      const res = await discovery.app.inject({
        method: 'POST',
        url: '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities',
        headers: { authorization: `Bearer ${token}` },
        payload: { serialNumber: 'PH-RETAG', groupTag: 'Old', hardwareIdentifier: hashOf(sampleInventory({ smbiosSerial: 'PH-RETAG' })) },
      });
      const ztdId = res.json().state.deviceRegistrationId as string;
      identity.graphDown = true;
      await discovery.runtime.drainOutbox();
      const retag = await discovery.app.inject({
        method: 'POST',
        url: `/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities/${ztdId}/updateDeviceProperties`,
        headers: { authorization: `Bearer ${token}` },
        payload: { groupTag: 'New' },
      });
      assert.equal(retag.statusCode, 204, retag.body);
      identity.graphDown = false;
      await discovery.runtime.drainOutbox();
      const tags = identity.patches
        .filter((p) => (p.body.physicalIds as string[]).includes(`[ZTDID]:${ztdId}`))
        .map((p) => (p.body.physicalIds as string[]).find((id) => id.startsWith('[OrderID]:')));
      assert.ok(tags.length >= 1);
      assert.ok(tags.every((tag) => tag === '[OrderID]:New'), `identity saw ${tags.join(', ')}`);
    });
  });
}
