import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { dropPostgresSchema, openDatabase } from '@baton/kit';
import { parseFilter } from '@baton/protocols';
import type { Kysely } from 'kysely';
import { tempDir, testBackends } from '../testing/context.js';
import { managementMigrations } from './migrations.js';
import { openManagementStore } from './index.js';

const BEFORE_INVENTORY_COLUMNS = Object.fromEntries(Object.entries(managementMigrations).filter(([name]) => name < '0018'));

function enrollmentRow(tenantId: string, inventory: Record<string, string>) {
  return {
    id: randomUUID(),
    tenant_id: tenantId,
    azure_ad_device_id: randomUUID(),
    mdm_device_id: randomUUID(),
    device_name: 'AT-ENROLLMENT',
    enrollment_type: 'Full',
    cert_thumbprint: randomBytes(20).toString('hex'),
    cert_pem: '-----BEGIN CERTIFICATE-----',
    enrolled_at: new Date().toISOString(),
    management_state: 'managed',
    inventory: JSON.stringify(inventory),
  };
}

for (const backend of testBackends()) {
  test(`devices enrolled before the inventory columns can be filtered by what they reported, model and manufacturer included (${backend})`, async () => {
    const dir = tempDir();
    const databaseUrl = backend === 'postgres' ? process.env.BATON_TEST_DATABASE_URL : undefined;
    const schema = backend === 'postgres' ? `mgmt_migr_${randomBytes(6).toString('hex')}` : undefined;
    try {
      const old = await openDatabase({ service: 'management', dataDir: dir.path, databaseUrl, schema, migrations: BEFORE_INVENTORY_COLUMNS });
      const tenantId = randomUUID();
      // More than one page of the backfill's reads.
      const rows = Array.from({ length: 1203 }, (_, i) =>
        enrollmentRow(
          tenantId,
          i % 2 === 0
            ? {
                'DevDetail/Ext/Microsoft/SMBIOSSerialNumber': `SN-${i}`,
                'DevDetail/Ext/Microsoft/DeviceName': `PC-${i}`,
                'DevInfo/Mod': i % 4 === 0 ? 'Surface Laptop 5' : 'HP EliteBook 840 G9',
                // Older devices report only DevInfo/Man; the model columns' step reads it when OEM is absent.
                ...(i % 4 === 0 ? { 'DevDetail/OEM': 'Microsoft Corporation' } : { 'DevInfo/Man': 'HP' }),
              }
            : {},
        ),
      );
      for (let i = 0; i < rows.length; i += 200) await (old.db as Kysely<any>).insertInto('enrollments').values(rows.slice(i, i + 200)).execute();
      await old.close();

      const { store, database } = await openManagementStore({ dataDir: dir.path, databaseUrl, schema });
      try {
        const bySerial = await store.listEnrollments(tenantId, { top: 10, skip: 0 }, parseFilter("serialNumber eq 'SN-1202'"));
        assert.deepEqual(bySerial.items.map((e) => e.id), [rows[1202]!.id]);
        assert.equal(bySerial.items[0]!.deviceName, 'PC-1202', 'the reported name replaces the enrolled one');
        const unreported = await store.listEnrollments(tenantId, { top: 1, skip: 0 }, parseFilter("deviceName eq 'AT-ENROLLMENT'"));
        assert.equal(unreported.total, 601, 'devices that reported nothing keep their enrolled name');
        const surfaces = await store.listEnrollments(tenantId, { top: 1, skip: 0 }, parseFilter("model eq 'surface laptop 5' and manufacturer eq 'Microsoft Corporation'"));
        assert.equal(surfaces.total, 301, 'rows 0, 4, …, 1200');
        const hp = await store.listEnrollments(tenantId, { top: 1, skip: 0 }, parseFilter("manufacturer eq 'HP'"));
        assert.equal(hp.total, 301, 'rows 2, 6, …, 1202: DevInfo/Man read when DevDetail/OEM is absent');
      } finally {
        await database.close();
      }
    } finally {
      if (databaseUrl && schema) await dropPostgresSchema(databaseUrl, schema);
      dir.remove();
    }
  });
}
