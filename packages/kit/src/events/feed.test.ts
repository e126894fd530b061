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
import { EventFeedStore, eventFeedMigration, feedEventId, type FeedEvent } from './feed-store.js';

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

    await t.test('prunes by age', async () => {
      assert.equal(await store.prune(at(2500).toISOString()), 5);
      const left = await store.list({ tenantId: 't1', includeTenantless: true, limit: 100 });
      assert.deepEqual(left.items.map((e) => e.detail.n), [4000, 3000]);
    });
  });
}
