import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TOPICS } from '@baton/contracts';
import { GraphError, outboxStats, sql } from '@baton/kit';
import { encodeHardwareHash } from '@baton/protocols';
import type { KyselyDiscoveryStore } from '../store/kysely-store.js';
import {
  databaseKinds,
  hashOf,
  openTestStore,
  sampleInventory,
  TENANT_A,
  TENANT_B,
  testDatabase,
  testDeps,
  withoutPadding,
  type TestDatabase,
} from '../testing/harness.js';
import type { DiscoveryDeps } from './deps.js';
import { importDevice } from './registration.js';

async function counts(store: KyselyDiscoveryStore) {
  const devices = await store.db.selectFrom('autopilot_devices').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const imports = await store.db.selectFrom('imported_device_identities').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const outbox = await outboxStats(store.db);
  return { devices: Number(devices.n), imports: Number(imports.n), outbox: outbox.pending + outbox.delivered };
}

for (const kind of databaseKinds()) {
  describe(`registration on ${kind}`, () => {
    let database: TestDatabase;
    let store: KyselyDiscoveryStore;
    let deps: DiscoveryDeps;
    before(async () => {
      database = testDatabase(kind);
      store = await openTestStore(database);
      deps = testDeps(store);
    });
    after(async () => {
      await store.close();
      await database.dispose();
    });

    test('a valid import completes and queues the placeholder for identity', async () => {
      const inventory = sampleInventory();
      const imported = await importDevice(deps, TENANT_A, { serialNumber: inventory.smbiosSerial, hardwareIdentifier: withoutPadding(hashOf(inventory)), groupTag: 'Sales' });
      assert.equal(imported.state.deviceImportStatus, 'complete');
      assert.equal(imported.state.deviceErrorCode, 0);
      const device = await store.getDevice(TENANT_A, imported.state.deviceRegistrationId!);
      assert.ok(device);
      assert.equal(device.serialNumber, inventory.smbiosSerial);
      assert.equal(device.manufacturer, 'HP');
      assert.equal(device.model, 'HP EliteBook 840 G11');
      assert.equal(device.groupTag, 'Sales');
      assert.equal(device.enrollmentState, 'notContacted');
      assert.notEqual(device.hardwareHashSealed, hashOf(inventory), 'the hash is sealed at rest');
      assert.deepEqual(deps.box.open(device.hardwareHashSealed), encodeHardwareHash(inventory));

      const [message] = await store.db.selectFrom('outbox').selectAll().where('payload', 'like', `%${device.id}%`).execute();
      assert.equal(message?.topic, TOPICS.placeholderDeviceRequested);
      assert.deepEqual(JSON.parse(message!.payload), {
        tenantId: TENANT_A,
        ztdId: device.id,
        serialNumber: device.serialNumber,
        displayName: device.serialNumber,
        groupTag: 'Sales',
        azureActiveDirectoryDeviceId: device.azureActiveDirectoryDeviceId,
      });
    });

    test('the serial comes from the hash when the client leaves it out', async () => {
      const inventory = sampleInventory();
      const imported = await importDevice(deps, TENANT_A, { hardwareIdentifier: hashOf(inventory) });
      assert.equal(imported.state.deviceImportStatus, 'complete');
      assert.equal(imported.serialNumber, inventory.smbiosSerial);
    });

    test('806 for the same tenant, 808 for another, and neither writes a device', async () => {
      const hash = hashOf(sampleInventory());
      const first = await importDevice(deps, TENANT_A, { hardwareIdentifier: hash });
      const before = await counts(store);
      const again = await importDevice(deps, TENANT_A, { hardwareIdentifier: hash });
      assert.equal(again.state.deviceImportStatus, 'error');
      assert.equal(again.state.deviceErrorCode, 806);
      assert.equal(again.state.deviceErrorName, 'ZtdDeviceAlreadyAssigned');
      assert.equal(again.state.deviceRegistrationId, first.state.deviceRegistrationId);
      const other = await importDevice(deps, TENANT_B, { hardwareIdentifier: hash });
      assert.equal(other.state.deviceErrorCode, 808);
      assert.equal(other.state.deviceErrorName, 'ZtdDeviceAssignedToOtherTenant');
      assert.equal(other.state.deviceRegistrationId, null, "the other tenant's id stays hidden");
      assert.deepEqual(await counts(store), { ...before, imports: before.imports + 2 });
    });

    test('802 for a hash that does not decode or lacks required fields; 803 without a serial', async () => {
      const before = await counts(store);
      const garbage = await importDevice(deps, TENANT_A, { serialNumber: 'X1', hardwareIdentifier: Buffer.from('not a hash at all').toString('base64') });
      assert.deepEqual([garbage.state.deviceImportStatus, garbage.state.deviceErrorCode, garbage.state.deviceErrorName], ['error', 802, 'InvalidZtdHardwareHash']);
      const missing = await importDevice(deps, TENANT_A, { serialNumber: 'X2', hardwareIdentifier: hashOf(sampleInventory({ disks: [] })) });
      assert.equal(missing.state.deviceErrorCode, 802);
      const absent = await importDevice(deps, TENANT_A, { serialNumber: 'X3' });
      assert.equal(absent.state.deviceErrorCode, 802);
      const noSerial = await importDevice(deps, TENANT_A, { hardwareIdentifier: hashOf(sampleInventory({ smbiosSerial: '  ' })) });
      assert.deepEqual([noSerial.state.deviceErrorCode, noSerial.state.deviceErrorName], [803, 'MissingZtdSerialNumberAndProductKey']);
      const serialBeside = await importDevice(deps, TENANT_A, { serialNumber: 'BESIDE-1', hardwareIdentifier: hashOf(sampleInventory({ smbiosSerial: '' })) });
      assert.equal(serialBeside.state.deviceImportStatus, 'complete');
      assert.deepEqual(await counts(store), { devices: before.devices + 1, imports: before.imports + 5, outbox: before.outbox + 1 });
    });

    test('a value that is not base64 is a 400, like Graph’s Edm.Binary error', async () => {
      await assert.rejects(
        importDevice(deps, TENANT_A, { hardwareIdentifier: 'not*base64!' }),
        (e: unknown) => e instanceof GraphError && e.statusCode === 400,
      );
    });

    test('nothing is half-written when the transaction fails part-way', async () => {
      const before = await counts(store);
      // Break the last write of the transaction: the outbox insert.
      await sql`alter table outbox rename to outbox_unavailable`.execute(store.db);
      try {
        await assert.rejects(importDevice(deps, TENANT_A, { hardwareIdentifier: hashOf(sampleInventory()) }));
      } finally {
        await sql`alter table outbox_unavailable rename to outbox`.execute(store.db);
      }
      assert.deepEqual(await counts(store), before);
    });
  });
}
