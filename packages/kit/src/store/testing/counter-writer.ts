/**
 * A second process for the two-instances test: increments a shared counter in read-then-write
 * transactions, as a service instance's request handlers do, and exits non-zero on any error.
 *
 *   node --import tsx counter-writer.ts <dataDir> <transactions>
 */
import { openDatabase } from '../database.js';
import { counterMigrations, type CounterDb } from './counter-schema.js';

const [dataDir, count] = process.argv.slice(2);
const database = await openDatabase<CounterDb>({ service: 'shared', dataDir: dataDir!, migrations: counterMigrations });
let failures = 0;
for (let i = 0; i < Number(count); i++) {
  try {
    await database.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('counter').select('value').where('id', '=', 1).executeTakeFirstOrThrow();
      // Yield between the read and the write, as a handler awaiting other work would.
      await new Promise((resolve) => setImmediate(resolve));
      await trx.updateTable('counter').set({ value: row.value + 1 }).where('id', '=', 1).execute();
    });
  } catch (error) {
    failures++;
    if (failures === 1) console.error(String(error));
  }
}
await database.close();
process.exit(failures === 0 ? 0 : 1);
