import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { openDatabase, type Database } from './database.js';
import { startWalCheckpointer } from './wal-checkpointer.js';

interface Db {
  blobs: { id: number; body: string };
}

const migrations = {
  '0001': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('blobs').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('body', 'text', (c) => c.notNull()).execute();
    },
  },
};

/** 24 MB through 3,000 small transactions, yielding now and then as a server between requests would. */
async function write(db: Kysely<Db>, from: number) {
  for (let i = from; i < from + 3000; i++) {
    await db.insertInto('blobs').values({ id: i, body: 'x'.repeat(8000) }).execute();
    if (i % 50 === 0) await sleep(5);
  }
}

/** Waits, bounded, for a condition a background thread brings about. */
async function eventually(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

async function withDatabase(body: (database: Database<Db>) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-wal-'));
  try {
    const database = await openDatabase<Db>({ service: 'wal', dataDir, migrations });
    await body(database);
    await database.close();
    // Everything committed is there after a reopen, checkpointed or not.
    const reopened = await openDatabase<Db>({ service: 'wal', dataDir, migrations });
    const row = await reopened.db.selectFrom('blobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.ok(Number(row.n) >= 3000);
    await reopened.db.destroy();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const size = (file: string) => statSync(file).size;

test('without checkpoints the WAL holds everything written and the database file nothing of it', async () => {
  await withDatabase(async (database) => {
    await sql`PRAGMA wal_autocheckpoint = 0`.execute(database.db);
    await write(database.db, 0);
    assert.ok(size(`${database.location}-wal`) > 24_000_000);
    assert.ok(size(database.location) < 1_000_000);
  });
});

test('a worker thread checkpoints the WAL so the writer never has to, and stops cleanly', async () => {
  await withDatabase(async (database) => {
    // The writer's own safety net far above what the test writes: only the worker can copy pages back.
    const running = await startWalCheckpointer(database, { intervalMs: 10, safetyNetPages: 1_000_000 });
    await write(database.db, 0);
    await eventually(() => size(database.location) > 24_000_000, 'the worker has copied the WAL into the database file');
    await running.stop();
  });
});

test('PostgreSQL databases get no worker', async () => {
  const stopped = await startWalCheckpointer({ dialect: 'postgres' } as Database<Db>);
  await stopped.stop();
});
