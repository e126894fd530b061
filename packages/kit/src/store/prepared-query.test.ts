import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely, Migration } from 'kysely';
import { dropPostgresSchema, openDatabase } from './database.js';
import { preparedQuery } from './prepared-query.js';
import { testBackends, uniqueSchema } from '../testing/postgres.js';

const things: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('things')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('label', 'text')
      .addColumn('rank', 'integer', (c) => c.notNull())
      .execute();
  },
};

const insertThing = preparedQuery<{ id: string; owner: string; label?: string | null; rank: number }, never>((db, v) =>
  db.insertInto('things').values({ id: v('id'), owner: v('owner'), label: v('label'), rank: v('rank') }),
);
// The owner appears twice and the limit is a constant the query was built with.
const topOfOwner = preparedQuery<{ owner: string; minRank: number }, { id: string; label: string | null }>((db, v) =>
  db
    .selectFrom('things')
    .select(['id', 'label'])
    .where('owner', '=', v('owner'))
    .where((eb) => eb.or([eb('rank', '>=', v('minRank')), eb('owner', '=', v('owner'))]))
    .orderBy('rank', 'desc')
    .limit(2),
);

for (const backend of testBackends()) {
  test(`prepared queries bind each run's own values on ${backend.name}`, async (t) => {
    const schema = uniqueSchema('prepared');
    const database = await openDatabase<any>({
      service: 'preparedtest',
      dataDir: mkdtempSync(join(tmpdir(), 'baton-prepared-')),
      databaseUrl: backend.databaseUrl,
      schema,
      migrations: { '0001_things': things },
    });
    t.after(async () => {
      await database.close();
      if (backend.databaseUrl) await dropPostgresSchema(backend.databaseUrl, schema);
    });
    const { db } = database;
    await insertThing.execute(db, { id: 'a', owner: 'o1', label: 'first', rank: 1 });
    await insertThing.execute(db, { id: 'b', owner: 'o1', rank: 3 });
    await insertThing.execute(db, { id: 'c', owner: 'o1', label: 'third', rank: 2 });
    await insertThing.execute(db, { id: 'd', owner: 'o2', label: 'other', rank: 9 });

    const o1 = await topOfOwner.execute(db, { owner: 'o1', minRank: 0 });
    // A label left undefined is stored as NULL, and the built-in limit of 2 holds.
    assert.deepEqual(o1.rows, [
      { id: 'b', label: null },
      { id: 'c', label: 'third' },
    ]);
    const o2 = await topOfOwner.execute(db, { owner: 'o2', minRank: 0 });
    assert.deepEqual(o2.rows, [{ id: 'd', label: 'other' }]);

    // Inside a transaction, and rolled back with it.
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await insertThing.execute(trx, { id: 'e', owner: 'o3', label: null, rank: 1 });
        assert.equal((await topOfOwner.execute(trx, { owner: 'o3', minRank: 0 })).rows.length, 1);
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal((await topOfOwner.execute(db, { owner: 'o3', minRank: 0 })).rows.length, 0);
  });
}

test('a value that does not reach the query as a parameter is refused', async () => {
  const database = await openDatabase<any>({
    service: 'preparedtest',
    dataDir: mkdtempSync(join(tmpdir(), 'baton-prepared-')),
    migrations: { '0001_things': things },
  });
  try {
    // Turned into text while building, the placeholder is no longer a parameter of the query.
    const lost = preparedQuery<{ owner: string }, unknown>((db, v) => db.selectFrom('things').selectAll().where('owner', '=', String(v('owner'))));
    await assert.rejects(lost.execute(database.db, { owner: 'x' }), /"owner" is not a bound parameter/);
  } finally {
    await database.close();
  }
});
