import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Kysely, Migration } from 'kysely';
import { openDatabase, dropPostgresSchema } from './database.js';
import { testBackends, uniqueSchema } from '../testing/postgres.js';

const widgets: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('widget').addColumn('id', 'text', (c) => c.primaryKey()).execute();
  },
};
const widgetColour: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('widget').addColumn('colour', 'text').execute();
  },
};
/** Creates a table, then fails: the table must not survive. */
const halfWay: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('gadget').addColumn('id', 'text').execute();
    await db.schema.alterTable('no_such_table').addColumn('x', 'text').execute();
  },
};

for (const backend of testBackends()) {
  test(`migrations on ${backend.name}`, async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baton-migrate-'));
    const schema = uniqueSchema('migrate');
    const open = (migrations: Record<string, Migration>) =>
      openDatabase<any>({ service: 'migratetest', dataDir, databaseUrl: backend.databaseUrl, schema, migrations });
    t.after(async () => {
      if (backend.databaseUrl) await dropPostgresSchema(backend.databaseUrl, schema);
    });

    await t.test('pending migrations apply in name order, once', async () => {
      const first = await open({ '0002_colour': widgetColour, '0001_widgets': widgets });
      await first.db.insertInto('widget').values({ id: 'w1', colour: 'blue' }).execute();
      await first.close();
      const again = await open({ '0001_widgets': widgets, '0002_colour': widgetColour });
      assert.deepEqual(await again.db.selectFrom('widget').selectAll().execute(), [{ id: 'w1', colour: 'blue' }]);
      const applied = await again.db.selectFrom('kysely_migration').select('name').orderBy('name').execute();
      assert.deepEqual(applied.map((r) => r.name), ['0001_widgets', '0002_colour']);
      await again.close();
    });

    await t.test('a failing migration names itself and leaves nothing of itself behind', async () => {
      await assert.rejects(
        open({ '0001_widgets': widgets, '0002_colour': widgetColour, '0003_half_way': halfWay }),
        /migration 0003_half_way failed/,
      );
      const after = await open({ '0001_widgets': widgets, '0002_colour': widgetColour });
      await assert.rejects(after.db.selectFrom('gadget').selectAll().execute(), /gadget/);
      const applied = await after.db.selectFrom('kysely_migration').select('name').orderBy('name').execute();
      assert.deepEqual(applied.map((r) => r.name), ['0001_widgets', '0002_colour']);
      await after.close();
    });

    await t.test('an older version refuses a database a newer one migrated', async () => {
      await assert.rejects(open({ '0001_widgets': widgets }), /does not know \(0002_colour\)/);
    });
  });
}

const postgres = testBackends().find((b) => b.databaseUrl);
if (postgres) {
  const url = postgres.databaseUrl!;

  test('two instances of a service migrating the same schema at once both start', async (t) => {
    const schema = uniqueSchema('migrate_race');
    t.after(() => dropPostgresSchema(url, schema));
    const open = () =>
      openDatabase<any>({ service: 'racetest', dataDir: '', databaseUrl: url, schema, migrations: { '0001_widgets': widgets, '0002_colour': widgetColour } });
    const opened = await Promise.all([open(), open(), open()]);
    const applied = await opened[0]!.db.selectFrom('kysely_migration').select('name').execute();
    assert.equal(applied.length, 2);
    await Promise.all(opened.map((d) => d.close()));
  });

  test('migrating is not disturbed by other schemas being dropped meanwhile', async (t) => {
    // Other services and test runs share the database; their tables come and go. Several
    // sessions create and drop wide tables so that catalog lookups by name race the drops.
    const others = Array.from({ length: 12 }, () => uniqueSchema('churn'));
    const mine = Array.from({ length: 24 }, () => uniqueSchema('steady'));
    t.after(async () => {
      for (const schema of [...others, ...mine]) await dropPostgresSchema(url, schema);
    });
    const columns = Array.from({ length: 40 }, (_, i) => `c${i} serial`).join(', ');
    const clients = await Promise.all(
      [0, 1, 2].map(async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        return client;
      }),
    );
    let churning = true;
    const churn = Promise.all(
      clients.map(async (client, lane) => {
        for (let round = 0; churning; round++) {
          const schema = others[(round * 3 + lane) % others.length]!;
          await client.query(`create schema if not exists "${schema}"`);
          await client.query(`create table if not exists "${schema}".outbox (${columns})`);
          await client.query(`drop schema "${schema}" cascade`);
        }
      }),
    );
    try {
      for (const schema of mine) {
        const database = await openDatabase<any>({
          service: 'steadytest',
          dataDir: '',
          databaseUrl: url,
          schema,
          migrations: { '0001_widgets': widgets, '0002_colour': widgetColour },
        });
        await database.db.insertInto('widget').values({ id: 'w', colour: 'red' }).execute();
        await database.close();
      }
    } finally {
      churning = false;
      await churn;
      await Promise.all(clients.map((client) => client.end()));
    }
  });
}
