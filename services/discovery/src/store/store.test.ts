import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { TOPICS } from '@baton/contracts';
import { outboxStats } from '@baton/kit';
import { parseFilter } from '@baton/protocols';
import { databaseKinds, openTestStore, TENANT_A, TENANT_B, testDatabase, type TestDatabase } from '../testing/harness.js';
import type { KyselyDiscoveryStore } from './kysely-store.js';
import type { AutopilotDevice, DeploymentProfile, ImportedDeviceIdentity } from './types.js';

function device(tenantId: string, serialNumber: string, digest: string = randomUUID()): AutopilotDevice {
  return {
    id: randomUUID(),
    tenantId,
    serialNumber,
    hardwareHashSealed: 'v1.sealed',
    hardwareIdentityDigest: digest,
    endorsementKeyDigest: null,
    productKey: null,
    groupTag: 'Sales',
    purchaseOrderIdentifier: null,
    manufacturer: 'HP',
    model: 'EliteBook',
    userPrincipalName: null,
    addressableUserName: null,
    displayName: null,
    azureActiveDirectoryDeviceId: randomUUID(),
    enrollmentState: 'notContacted',
    lastContactedDateTime: null,
    placeholderDelivered: false,
    placeholderProfileName: null,
    placeholderDigest: null,
    createdDateTime: new Date().toISOString(),
  };
}

function imported(d: AutopilotDevice): ImportedDeviceIdentity {
  return {
    id: randomUUID(),
    tenantId: d.tenantId,
    serialNumber: d.serialNumber,
    productKey: null,
    groupTag: d.groupTag,
    assignedUserPrincipalName: null,
    hardwareHashSealed: 'v1.sealed',
    state: { deviceImportStatus: 'complete', deviceRegistrationId: d.id, deviceErrorCode: 0, deviceErrorName: null },
    importId: null,
    createdDateTime: d.createdDateTime,
  };
}

function profile(tenantId: string, displayName: string): DeploymentProfile {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    tenantId,
    odataType: '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile',
    displayName,
    description: null,
    settings: { locale: 'os-default' },
    createdDateTime: now,
    lastModifiedDateTime: now,
  };
}

const message = { topic: TOPICS.placeholderDeviceRequested, payload: { hello: 'identity' } };

for (const kind of databaseKinds()) {
  describe(`discovery store on ${kind}`, () => {
    let database: TestDatabase;
    let store: KyselyDiscoveryStore;
    before(async () => {
      database = testDatabase(kind);
      store = await openTestStore(database);
    });
    after(async () => {
      await store.close();
      await database.dispose();
    });

    test('a registration writes device, import and outbox message together', async () => {
      const d = device(TENANT_A, 'REG-1');
      assert.deepEqual(await store.registerDevice(d, imported(d), message), { registered: true });
      assert.deepEqual(await store.getDevice(TENANT_A, d.id), d);
      assert.equal((await store.findDeviceByDigest(d.hardwareIdentityDigest))?.id, d.id);
      assert.equal((await outboxStats(store.db)).pending, 1);
    });

    test('a device is found by its endorsement key digest, in bulk registrations too', async () => {
      const single = { ...device(TENANT_A, 'EK-1'), endorsementKeyDigest: randomUUID() };
      await store.registerDevice(single, imported(single), message);
      const bulk = { ...device(TENANT_B, 'EK-2'), endorsementKeyDigest: randomUUID() };
      await store.registerDevices([{ device: bulk, imported: imported(bulk), message }]);
      assert.deepEqual((await store.findDevicesByEndorsementKey(single.endorsementKeyDigest, 2)).map((d) => d.id), [single.id]);
      assert.deepEqual((await store.findDevicesByEndorsementKey(bulk.endorsementKeyDigest, 2)).map((d) => d.id), [bulk.id]);
      assert.deepEqual(await store.findDevicesByEndorsementKey(randomUUID(), 2), []);
    });

    test("devices are found by their Entra device ids in any case, through the column's index", async () => {
      const d = device(TENANT_A, 'AAD-1');
      await store.registerDevice(d, imported(d), message);
      const found = await store.devicesByDeviceIds(TENANT_A, [d.azureActiveDirectoryDeviceId.toUpperCase(), randomUUID()]);
      assert.deepEqual(found.map((x) => x.id), [d.id]);
      assert.deepEqual(await store.devicesByDeviceIds(TENANT_B, [d.azureActiveDirectoryDeviceId]), []);
      if (kind !== 'sqlite') return;
      const compiled = store.devicesByDeviceIdsQuery(TENANT_A, [d.azureActiveDirectoryDeviceId]).compile();
      const { rows } = await store.db.executeQuery<{ detail: string }>({ ...compiled, sql: `explain query plan ${compiled.sql}` });
      assert.match(rows.map((r) => r.detail).join(' | '), /autopilot_devices_aad_device/);
    });

    test('a second registration of the same hardware writes nothing and names the holder', async () => {
      const first = device(TENANT_A, 'DUP-1');
      await store.registerDevice(first, imported(first), message);
      const before = await outboxStats(store.db);
      const again = device(TENANT_B, 'DUP-1', first.hardwareIdentityDigest);
      const outcome = await store.registerDevice(again, imported(again), message);
      assert.deepEqual(outcome, { registered: false, existing: { id: first.id, tenantId: TENANT_A } });
      assert.equal(await store.getDevice(TENANT_B, again.id), undefined);
      assert.deepEqual(await outboxStats(store.db), before);
    });

    test('concurrent registrations of one device: exactly one wins', async () => {
      const digest = randomUUID();
      const attempts = Array.from({ length: 6 }, (_, i) => device(i % 2 ? TENANT_A : TENANT_B, 'RACE', digest));
      const outcomes = await Promise.all(attempts.map((d) => store.registerDevice(d, imported(d), message)));
      assert.equal(outcomes.filter((o) => o.registered).length, 1);
    });

    test('devices are scoped to their tenant', async () => {
      const d = device(TENANT_A, 'SCOPE-1');
      await store.registerDevice(d, imported(d), message);
      assert.equal(await store.getDevice(TENANT_B, d.id), undefined);
      assert.equal(await store.deleteDevice(TENANT_B, d.id), false);
      assert.equal(await store.deleteDevice(TENANT_A, d.id), true);
      assert.equal(await store.getDevice(TENANT_A, d.id), undefined);
    });

    test('serial filters are case-insensitive and take wildcards literally', async () => {
      const tenant = randomUUID();
      for (const serial of ['ABC-100', 'abc-200', 'XYZ%_1', 'XYZ-ABC']) {
        const d = device(tenant, serial);
        await store.registerDevice(d, imported(d), message);
      }
      const serials = async (filter: string) =>
        (await store.listDevices(tenant, { filter: parseFilter(filter), limit: 10 })).items.map((d) => d.serialNumber).sort();
      assert.deepEqual(await serials("serialNumber eq 'abc-100'"), ['ABC-100']);
      assert.deepEqual(await serials("contains(serialNumber,'abc')"), ['ABC-100', 'XYZ-ABC', 'abc-200']);
      assert.deepEqual(await serials("startswith(serialNumber,'ABC')"), ['ABC-100', 'abc-200']);
      assert.deepEqual(await serials("contains(serialNumber,'%_')"), ['XYZ%_1']);
      const first = await store.listDevices(tenant, { skip: 1, limit: 2 });
      assert.equal(first.items.length, 2);
      assert.ok(first.next);
      const rest = await store.listDevices(tenant, { after: first.next, limit: 2 });
      assert.equal(rest.items.length, 1);
      assert.equal(rest.next, undefined);
      assert.equal(await store.countDevices(tenant, parseFilter("contains(serialNumber,'abc')")), 3);
    });

    test('the newest honoured assignment wins, per tenant', async () => {
      const older = profile(TENANT_A, 'Older');
      const newer = profile(TENANT_A, 'Newer');
      const foreign = profile(TENANT_B, 'Foreign');
      for (const p of [older, newer, foreign]) await store.createProfile(p);
      const all = { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' };
      const tenantA = randomUUID();
      assert.equal(await store.newestAssignment(tenantA, [all['@odata.type']]), undefined);
      await store.addAssignment({ id: 'a1', profileId: older.id, tenantId: TENANT_A, target: all, createdDateTime: '2024-01-01T00:00:00.000Z' });
      await store.addAssignment({ id: 'a2', profileId: newer.id, tenantId: TENANT_A, target: all, createdDateTime: '2024-02-01T00:00:00.000Z' });
      await store.addAssignment({
        id: 'g1',
        profileId: older.id,
        tenantId: TENANT_A,
        target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: randomUUID() },
        createdDateTime: '2024-03-01T00:00:00.000Z',
      });
      await store.addAssignment({ id: 'f1', profileId: foreign.id, tenantId: TENANT_B, target: all, createdDateTime: '2024-04-01T00:00:00.000Z' });
      const resolved = await store.newestAssignment(TENANT_A, [all['@odata.type']]);
      assert.equal(resolved?.profile.displayName, 'Newer');
      assert.equal(await store.addAssignment({ id: 'a2', profileId: newer.id, tenantId: TENANT_A, target: all, createdDateTime: '' }), false);

      assert.equal(await store.deleteProfile(TENANT_B, newer.id), false);
      assert.equal(await store.deleteProfile(TENANT_A, newer.id), true);
      assert.deepEqual(await store.listAssignments(TENANT_A, newer.id), []);
      assert.equal((await store.newestAssignment(TENANT_A, [all['@odata.type']]))?.profile.displayName, 'Older');
    });
  });
}
