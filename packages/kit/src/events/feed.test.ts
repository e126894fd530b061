import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { openDatabase, dropPostgresSchema } from '../store/database.js';
import { testBackends, uniqueSchema } from '../testing/postgres.js';
import { GraphError } from '../http/graph-error.js';
import { decodeFeedCursor, encodeFeedCursor, readFeedQuery } from './feed-route.js';
import { EventFeedStore, eventFeedMigration, eventFeedSparseIndexesMigration, feedEventId, type FeedEvent } from './feed-store.js';

const reader = { tenantId: 'T', includeTenantless: false };

test('hostile query strings give a query or a 400, never another error', () => {
  const keys = ['deviceId', 'ztdId', 'managedDeviceId', 'serialNumber', 'traceId', 'since', '$top', '$skiptoken'] as const;
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...keys), fc.string({ maxLength: 80 })), (q) => {
      try {
        const query = readFeedQuery(q, reader);
        assert.ok(query.limit >= 1 && query.limit <= 1000);
        assert.equal(query.tenantId, 't');
      } catch (error) {
        assert.ok(error instanceof GraphError && error.statusCode === 400, String(error));
      }
    }),
    { numRuns: 2000 },
  );
});

test('a skiptoken round-trips, and anything else is a 400', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (occurredDateTime, id) => {
      assert.deepEqual(decodeFeedCursor(encodeFeedCursor({ occurredDateTime, id })), { occurredDateTime, id });
    }),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 120 }), (token) => {
      try {
        const cursor = decodeFeedCursor(token);
        assert.equal(typeof cursor.id, 'string');
      } catch (error) {
        assert.ok(error instanceof GraphError && error.statusCode === 400);
      }
    }),
  );
});

for (const backend of testBackends()) {
  test(`event feed store on ${backend.name}`, async (t) => {
    const schema = uniqueSchema('feed');
    const database = await openDatabase<any>({
      service: 'feedtest',
      dataDir: mkdtempSync(join(tmpdir(), 'baton-feed-')),
      databaseUrl: backend.databaseUrl,
      schema,
      migrations: { '0001_events': eventFeedMigration('test_events') },
    });
    t.after(async () => {
      await database.close();
      if (backend.databaseUrl) await dropPostgresSchema(backend.databaseUrl, schema);
    });
    const store = new EventFeedStore(database.db, 'test_events');
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
    const event = (ms: number, extra: Partial<FeedEvent> = {}): FeedEvent => ({
      id: feedEventId(at(ms).getTime()),
      tenantId: 't1',
      occurredDateTime: at(ms).toISOString(),
      type: 'signIn',
      outcome: 'success',
      phase: 'authentication',
      ztdId: null,
      azureADDeviceId: null,
      managedDeviceId: null,
      serialNumber: null,
      userPrincipalName: null,
      traceId: 'a'.repeat(32),
      errorCode: null,
      detail: { n: ms },
      ...extra,
    });
    await store.append([...Array.from({ length: 5 }, (_, i) => event(i * 1000)), event(500, { tenantId: null, serialNumber: 'AbC' }), event(600, { tenantId: 't2' })]);

    await t.test('pages newest first without repeats, and keeps tenants apart', async () => {
      const seen: number[] = [];
      let after;
      for (;;) {
        const page = await store.list({ tenantId: 't1', includeTenantless: false, limit: 2, ...(after ? { after } : {}) });
        seen.push(...page.items.map((e) => e.detail.n as number));
        if (!page.next) break;
        after = page.next;
      }
      assert.deepEqual(seen, [4000, 3000, 2000, 1000, 0]);
      const withTenantless = await store.list({ tenantId: 't1', includeTenantless: true, limit: 100, serialNumber: 'abc' });
      assert.deepEqual(withTenantless.items.map((e) => e.tenantId), [null]);
    });

    await t.test("a tenant's reader asking for one device or trace gets that index, not a walk of the tenant's events", async () => {
      const device = '6b0d1e9a-3c55-4a52-9d0e-0d8f3f1b6a11';
      const narrowed = await store.list({ tenantId: 't1', includeTenantless: false, limit: 10, azureADDeviceId: device });
      assert.deepEqual(narrowed.items, []);
      if (backend.databaseUrl) return;
      const plan = async (query: Parameters<EventFeedStore['list']>[0]) => {
        const compiled = store.listQuery(query).compile();
        const { rows } = await database.db.executeQuery<{ detail: string }>({ ...compiled, sql: `explain query plan ${compiled.sql}` });
        return rows.map((r) => r.detail).join(' | ');
      };
      assert.match(await plan({ tenantId: 't1', includeTenantless: false, limit: 10, azureADDeviceId: device }), /test_events_device/);
      assert.match(await plan({ tenantId: 't1', includeTenantless: false, limit: 10, traceId: 'a'.repeat(32) }), /test_events_trace/);
      assert.match(await plan({ tenantId: 't1', includeTenantless: false, limit: 10 }), /test_events_tenant_time/);
    });

    await t.test('prunes by age', async () => {
      assert.equal(await store.prune(at(2500).toISOString()), 5);
      const left = await store.list({ tenantId: 't1', includeTenantless: true, limit: 100 });
      assert.deepEqual(left.items.map((e) => e.detail.n), [4000, 3000]);
    });
  });
}

for (const backend of testBackends()) {
  test(`ZTD id and serial number lookups answer the same once their indexes leave nulls out, on ${backend.name}`, async (t) => {
    const schema = uniqueSchema('feedsparse');
    const dataDir = mkdtempSync(join(tmpdir(), 'baton-feed-'));
    const open = (migrations: Parameters<typeof openDatabase>[0]['migrations']) =>
      openDatabase<any>({ service: 'feedtest', dataDir, databaseUrl: backend.databaseUrl, schema, migrations });
    t.after(async () => {
      if (backend.databaseUrl) await dropPostgresSchema(backend.databaseUrl, schema);
    });
    const event = (n: number, extra: Partial<FeedEvent>): FeedEvent => ({
      id: feedEventId(Date.UTC(2026, 0, 1) + n),
      tenantId: 't1',
      occurredDateTime: new Date(Date.UTC(2026, 0, 1) + n).toISOString(),
      type: 'omadmSession',
      outcome: 'success',
      phase: 'deviceSetup',
      ztdId: null,
      azureADDeviceId: null,
      managedDeviceId: null,
      serialNumber: null,
      userPrincipalName: null,
      traceId: 'b'.repeat(32),
      errorCode: null,
      detail: { n },
      ...extra,
    });
    const ztd = '6f1a2b3c-0000-4000-8000-000000000001';
    const lookups = async (store: EventFeedStore) => ({
      byZtd: (await store.list({ tenantId: 't1', includeTenantless: false, limit: 10, ztdId: ztd })).items.map((e) => e.detail.n),
      bySerial: (await store.list({ tenantId: 't1', includeTenantless: false, limit: 10, serialNumber: 'sn-1' })).items.map((e) => e.detail.n),
    });

    // A database from before the migration, with events already in it.
    const before = await open({ '0001_events': eventFeedMigration('test_events') });
    await new EventFeedStore(before.db, 'test_events').append([event(1, { ztdId: ztd }), event(2, { serialNumber: 'SN-1' }), event(3, {}), event(4, { ztdId: ztd, serialNumber: 'sn-1' })]);
    const expected = await lookups(new EventFeedStore(before.db, 'test_events'));
    assert.deepEqual(expected, { byZtd: [4, 1], bySerial: [4, 2] });
    await before.close();

    const after = await open({ '0001_events': eventFeedMigration('test_events'), '0002_sparse': eventFeedSparseIndexesMigration('test_events') });
    try {
      const store = new EventFeedStore(after.db, 'test_events');
      assert.deepEqual(await lookups(store), expected);
      await store.append([event(5, { serialNumber: 'Sn-1' }), event(6, {})]);
      assert.deepEqual((await lookups(store)).bySerial, [5, 4, 2]);
    } finally {
      await after.close();
    }
  });
}
