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

async function walBytesAfterWrites(checkpointer: boolean): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-wal-'));
  try {
    const database = await openDatabase<Db>({ service: 'wal', dataDir, migrations });
    // The writer's own safety net far above what the test writes: only the worker can keep the WAL small.
    const running = checkpointer ? await startWalCheckpointer(database, { intervalMs: 10, safetyNetPages: 1_000_000 }) : undefined;
    if (!running) await sql`PRAGMA wal_autocheckpoint = 0`.execute(database.db);
    await write(database.db, 0);
    const wal = statSync(`${database.location}-wal`).size;
    await running?.stop();
    await database.close();
    // Everything committed is there after a reopen, checkpointed or not.
    const reopened = await openDatabase<Db>({ service: 'wal', dataDir, migrations });
    const row = await reopened.db.selectFrom('blobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(row.n), 3000);
    await reopened.db.destroy();
    return wal;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('a worker thread checkpoints the WAL so the writer never has to, and stops cleanly', async () => {
  const without = await walBytesAfterWrites(false);
  const withWorker = await walBytesAfterWrites(true);
  assert.ok(without > 24_000_000, `the WAL grew to ${without} bytes without checkpoints`);
  // The writer restarts the WAL from the top once the worker has copied it back.
  assert.ok(withWorker < without / 2, `WAL ${withWorker} bytes with the worker, ${without} without`);
});

test('PostgreSQL databases get no worker', async () => {
  const stopped = await startWalCheckpointer({ dialect: 'postgres' } as Database<Db>);
  await stopped.stop();
});
