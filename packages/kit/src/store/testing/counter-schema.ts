/** The one-row counter the two-instances test and its writer process share. */
import type { Kysely } from 'kysely';

export interface CounterDb {
  counter: { id: number; value: number };
}

export const counterMigrations = {
  '0001_counter': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('counter').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('value', 'integer', (c) => c.notNull()).execute();
      await db.insertInto('counter').values({ id: 1, value: 0 }).execute();
    },
  },
};
