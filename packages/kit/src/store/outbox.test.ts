import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, dropPostgresSchema } from './database.js';
import { enqueueOutbox, outboxMigration, outboxStats, OutboxRelay, type OutboxMessage } from './outbox.js';
import { testBackends, uniqueSchema } from '../testing/postgres.js';

for (const backend of testBackends()) {
  test(`outbox on ${backend.name}`, async (t) => {
    const schema = uniqueSchema('outbox');
    const database = await openDatabase<any>({
      service: 'outboxtest',
      dataDir: mkdtempSync(join(tmpdir(), 'baton-outbox-')),
      databaseUrl: backend.databaseUrl,
      schema,
      migrations: { '0000_outbox': outboxMigration },
    });
    t.after(async () => {
      await database.close();
      if (backend.databaseUrl) await dropPostgresSchema(backend.databaseUrl, schema);
    });
    const { db, dialect } = database;

    await t.test('a rolled-back transaction leaves no message', async () => {
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await enqueueOutbox(trx, 'topic.a', { n: 0 });
          throw new Error('business write failed');
        }),
      );
      assert.deepEqual(await outboxStats(db), { pending: 0, delivered: 0 });
    });

    await t.test('a message survives a receiver that is down and arrives once it is back', async () => {
      let down = true;
      const received: OutboxMessage[] = [];
      const relay = new OutboxRelay({
        db,
        dialect,
        backoffMs: () => 0,
        handlers: {
          'topic.a': async (m) => {
            if (down) throw new Error('receiver unavailable');
            received.push(m);
          },
        },
      });
      await db.transaction().execute((trx) => enqueueOutbox(trx, 'topic.a', { n: 1 }, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'));
      assert.equal(await relay.runOnce(), 0);
      const row = await db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow();
      assert.equal(row.attempts, 1);
      assert.match(row.last_error, /receiver unavailable/);
      down = false;
      assert.equal(await relay.drain(), 1);
      assert.equal(received.length, 1);
      assert.deepEqual(received[0]!.payload, { n: 1 });
      assert.equal(received[0]!.attempts, 2);
      assert.match(received[0]!.traceParent!, /^00-0af7/);
      assert.equal(await relay.drain(), 0, 'delivered messages are not sent again');
    });

    await t.test('a backlog drains without waiting a poll interval between full batches', async () => {
      for (let i = 0; i < 120; i++) await enqueueOutbox(db, 'topic.backlog', { i });
      let seen = 0;
      const relay = new OutboxRelay({ db, dialect, batchSize: 50, pollMs: 60_000, handlers: { 'topic.backlog': async () => void seen++ } });
      relay.start();
      const deadline = Date.now() + 20_000;
      while (seen < 120 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await relay.stop();
      assert.equal(seen, 120, 'with a 60 s poll interval, only back-to-back passes deliver all three batches in time');
    });

    await t.test('a message woken for while a pass is delivering goes out when that pass ends, not at the next poll', async () => {
      let release!: () => void;
      const slow = new Promise<void>((r) => (release = r));
      const seen: number[] = [];
      const relay = new OutboxRelay({
        db,
        dialect,
        pollMs: 60_000,
        handlers: {
          'topic.wake': async (m) => {
            const n = (m.payload as { n: number }).n;
            if (n === 1) await slow;
            seen.push(n);
          },
        },
      });
      await enqueueOutbox(db, 'topic.wake', { n: 1 });
      relay.start();
      const deadline = Date.now() + 10_000;
      const until = async (done: () => boolean) => {
        while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      };
      // The first pass holds message 1; message 2 is written and the relay woken meanwhile.
      await new Promise((r) => setTimeout(r, 100));
      await enqueueOutbox(db, 'topic.wake', { n: 2 });
      relay.wake();
      await new Promise((r) => setTimeout(r, 50));
      release();
      await until(() => seen.length === 2);
      await relay.stop();
      assert.deepEqual(seen, [1, 2], 'with a 60 s poll interval, message 2 arrives only if the wake was kept');
    });

    await t.test('plain handlers deliver in order one at a time; declared concurrency runs in parallel', async () => {
      for (let i = 0; i < 12; i++) await enqueueOutbox(db, 'topic.ordered', { i });
      for (let i = 0; i < 12; i++) await enqueueOutbox(db, 'topic.parallel', { i });
      const order: number[] = [];
      let inFlight = 0;
      let maxOrdered = 0;
      let maxParallel = 0;
      const relay = new OutboxRelay({
        db,
        dialect,
        handlers: {
          'topic.ordered': async (m) => {
            maxOrdered = Math.max(maxOrdered, ++inFlight);
            await new Promise((r) => setTimeout(r, 2));
            order.push((m.payload as { i: number }).i);
            inFlight--;
          },
          'topic.parallel': {
            concurrency: 4,
            handle: async () => {
              const now = ++inFlight;
              maxParallel = Math.max(maxParallel, now);
              await new Promise((r) => setTimeout(r, 5));
              inFlight--;
            },
          },
        },
      });
      assert.equal(await relay.drain(), 24);
      assert.deepEqual(order, [...Array(12).keys()]);
      assert.ok(maxParallel >= 4, `parallel topic reached ${maxParallel} in flight`);
      assert.ok(maxParallel <= 5, 'at most its 4 plus one ordered delivery');
      assert.ok(maxOrdered <= 5);
    });

    await t.test('two relays never deliver the same message twice', async () => {
      for (let i = 0; i < 40; i++) await enqueueOutbox(db, 'topic.b', { i });
      const seen: number[] = [];
      const handler = async (m: OutboxMessage) => {
        await new Promise((r) => setTimeout(r, 1));
        seen.push((m.payload as { i: number }).i);
      };
      const a = new OutboxRelay({ db, dialect, handlers: { 'topic.b': handler }, batchSize: 7 });
      const b = new OutboxRelay({ db, dialect, handlers: { 'topic.b': handler }, batchSize: 7 });
      await Promise.all([a.drain(), b.drain()]);
      assert.equal(seen.length, 40);
      assert.equal(new Set(seen).size, 40);
    });
  });
}

test('two services migrate into their own PostgreSQL schemas in one database', { skip: !process.env.BATON_TEST_DATABASE_URL }, async () => {
  const url = process.env.BATON_TEST_DATABASE_URL!;
  const schemas = [uniqueSchema('svc_a'), uniqueSchema('svc_b')];
  try {
    for (const schema of schemas) {
      const database = await openDatabase<any>({ service: 'x', dataDir: tmpdir(), databaseUrl: url, schema, migrations: { '0000_outbox': outboxMigration } });
      await enqueueOutbox(database.db, 't', {});
      assert.deepEqual(await outboxStats(database.db), { pending: 1, delivered: 0 });
      await database.close();
    }
  } finally {
    for (const schema of schemas) await dropPostgresSchema(url, schema);
  }
});
