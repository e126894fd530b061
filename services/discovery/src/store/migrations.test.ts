import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { TOPICS } from '@baton/contracts';
import { openDatabase } from '@baton/kit';
import type { Kysely } from 'kysely';
import { databaseKinds, openTestStore, TENANT_A, testDatabase } from '../testing/harness.js';
import { discoveryMigrations } from './migrations.js';

const BEFORE_BACKFILL = Object.fromEntries(Object.entries(discoveryMigrations).filter(([name]) => name < '0009'));

function deviceRow(serial: string, delivered: boolean) {
  return {
    id: randomUUID(),
    tenant_id: TENANT_A,
    serial_number: serial,
    hardware_hash: 'v1.sealed',
    hardware_identity_digest: randomUUID(),
    azure_active_directory_device_id: randomUUID(),
    enrollment_state: 'notContacted',
    placeholder_delivered: delivered ? 1 : 0,
    created: new Date().toISOString(),
  };
}

for (const kind of databaseKinds()) {
  test(`placeholders delivered without a profile name are queued once more on upgrade (${kind})`, async () => {
    const database = testDatabase(kind);
    try {
      const old = await openDatabase({ service: 'discovery', dataDir: database.dataDir, databaseUrl: database.databaseUrl, schema: database.schema, migrations: BEFORE_BACKFILL });
      // More than one page of the backfill's reads, and one device whose placeholder is still queued.
      const delivered = Array.from({ length: 1203 }, (_, i) => deviceRow(`OLD-${i}`, true));
      const pending = deviceRow('PENDING', false);
      for (let i = 0; i < delivered.length; i += 300) await (old.db as Kysely<any>).insertInto('autopilot_devices').values(delivered.slice(i, i + 300)).execute();
      await (old.db as Kysely<any>).insertInto('autopilot_devices').values(pending).execute();
      await old.close();

      const store = await openTestStore(database);
      try {
        const queued = await (store.db as Kysely<any>).selectFrom('outbox').select(['topic', 'payload']).execute();
        assert.equal(queued.length, delivered.length);
        assert.ok(queued.every((m) => m.topic === TOPICS.placeholderDeviceRequested));
        const pointers = queued.map((m) => JSON.parse(m.payload as string) as { tenantId: string; ztdId: string });
        assert.deepEqual(new Set(pointers.map((p) => p.ztdId)), new Set(delivered.map((d) => d.id)));
        assert.ok(pointers.every((p) => p.tenantId === TENANT_A));
      } finally {
        await store.close();
      }
    } finally {
      await database.dispose();
    }
  });
}
