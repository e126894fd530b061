/**
 * One device's events out of a tenant's feed, as `baton diagnose <device>` reads them: the
 * feed store's query against the same query with the tenant compared on its own column,
 * which SQLite answers by walking the tenant's time index (the plan before the store kept that
 * index out of narrowed queries). Same table, same rows, same run.
 *
 *   node --import tsx bench/event-feed.ts [--events 1000000] [--devices 20000] [--reads 200]
 *   (SQLite in a temporary directory; BATON_DATABASE_URL=postgres://… runs it on PostgreSQL)
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { dropPostgresSchema, EventFeedStore, eventFeedMigration, eventFeedSparseIndexesMigration, feedEventId, openDatabase, type FeedEvent } from '@baton/kit';
import { arg, benchDataDir } from './support.js';

const events = arg('events', 1_000_000);
const deviceCount = arg('devices', 20_000);
const reads = arg('reads', 200);
const tenantId = randomUUID();
const schema = `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

const database = await openDatabase<any>({
  service: 'eventfeedbench',
  dataDir: benchDataDir(),
  ...(process.env.BATON_DATABASE_URL ? { databaseUrl: process.env.BATON_DATABASE_URL, schema } : {}),
  migrations: { '0001_events': eventFeedMigration('bench_events'), '0002_sparse': eventFeedSparseIndexesMigration('bench_events') },
});
const store = new EventFeedStore(database.db, 'bench_events');
const devices = Array.from({ length: deviceCount }, () => randomUUID());
const start = Date.UTC(2026, 0, 1);

const t0 = performance.now();
for (let done = 0; done < events; ) {
  const batch: FeedEvent[] = [];
  for (let i = 0; i < 1000 && done < events; i++, done++) {
    const at = start + done * 1000;
    batch.push({
      id: feedEventId(at),
      tenantId,
      occurredDateTime: new Date(at).toISOString(),
      type: 'omadmSession',
      outcome: 'success',
      phase: 'deviceSetup',
      ztdId: null,
      azureADDeviceId: devices[done % deviceCount]!,
      managedDeviceId: null,
      serialNumber: null,
      userPrincipalName: null,
      traceId: devices[done % deviceCount]!.replace(/-/g, ''),
      errorCode: null,
      detail: {},
    });
  }
  await store.append(batch);
}
console.log(`setup: ${events} events of one tenant over ${deviceCount} devices in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${process.env.BATON_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}`);

/** Mean milliseconds per read of one device's newest 100 events. */
async function time(read: (device: string) => Promise<number>): Promise<{ ms: number; rows: number }> {
  let rows = 0;
  const began = performance.now();
  for (let i = 0; i < reads; i++) rows += await read(devices[(i * 7919) % deviceCount]!);
  return { ms: (performance.now() - began) / reads, rows: rows / reads };
}

const narrowed = await time(async (device) => (await store.list({ tenantId, includeTenantless: false, limit: 100, azureADDeviceId: device })).items.length);
// The same filter with the tenant on its own column: the tenant's time index, newest first.
const tenantIndex = await time(async (device) => {
  const { rows } = await sql<{ id: string }>`select * from bench_events where tenant_id = ${tenantId} and azure_ad_device_id = ${device} order by occurred_at desc, id desc limit 101`.execute(database.db);
  return Math.min(rows.length, 100);
});

console.log(`\none device's events (${narrowed.rows.toFixed(0)} a device), ${reads} reads`);
console.log(`  feed store (device index)              ${narrowed.ms.toFixed(2).padStart(9)} ms a read`);
console.log(`  baseline: tenant's time index           ${tenantIndex.ms.toFixed(2).padStart(9)} ms a read  (${(tenantIndex.ms / narrowed.ms).toFixed(0)}× slower)`);
await database.close();
if (process.env.BATON_DATABASE_URL) await dropPostgresSchema(process.env.BATON_DATABASE_URL, schema);
