/**
 * Applies a service's migrations in name order, each with its bookkeeping row in one
 * transaction, so a failed migration leaves nothing half applied and aborts start-up.
 *
 * Why not Kysely's Migrator: it decides whether its bookkeeping table exists by
 * introspecting every table of the database. On a PostgreSQL shared by other services (or
 * other tenants' schemas) that introspection calls catalog functions on tables another
 * session may be dropping at that moment, and fails with "schema ... does not exist" or
 * "column ... of relation ... does not exist" for tables that are not even ours. Here every
 * statement names only this service's own tables. The bookkeeping table keeps Kysely's
 * name and shape, so databases it migrated carry on.
 */
import { sql, type Kysely, type Migration, type Transaction } from 'kysely';

const BOOKKEEPING_TABLE = 'kysely_migration';

export async function migrateToLatest(db: Kysely<any>, migrations: Record<string, Migration>, schema?: string): Promise<void> {
  const names = Object.keys(migrations).sort();
  const postgres = schema !== undefined;
  for (const name of names) {
    // One transaction per migration: a later failure keeps the earlier ones.
    await db.transaction().execute(async (trx) => {
      if (postgres) await serialiseWithOtherInstances(trx, schema);
      await ensureBookkeeping(trx);
      const applied = await appliedMigrations(trx);
      if (name === names[0]) refuseUnknown(applied, names);
      if (applied.has(name)) return;
      try {
        await migrations[name]!.up(trx);
      } catch (error) {
        throw new Error(`migration ${name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      await trx.insertInto(BOOKKEEPING_TABLE).values({ name, timestamp: new Date().toISOString() }).execute();
    });
  }
}

/**
 * Two instances of a service starting together against the same schema take turns; the lock
 * is released with the transaction. Keyed by the schema, so other services never wait.
 */
async function serialiseWithOtherInstances(trx: Transaction<any>, schema: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`baton-migrate:${schema}`}))`.execute(trx);
}

async function ensureBookkeeping(trx: Transaction<any>): Promise<void> {
  await trx.schema
    .createTable(BOOKKEEPING_TABLE)
    .ifNotExists()
    .addColumn('name', 'varchar(255)', (c) => c.notNull().primaryKey())
    .addColumn('timestamp', 'varchar(255)', (c) => c.notNull())
    .execute();
}

async function appliedMigrations(trx: Transaction<any>): Promise<Set<string>> {
  const rows = await trx.selectFrom(BOOKKEEPING_TABLE).select('name').execute();
  return new Set(rows.map((row) => row.name as string));
}

/** A database migrated by a newer Baton must not be run by an older one. */
function refuseUnknown(applied: Set<string>, known: string[]): void {
  const knownSet = new Set(known);
  const unknown = [...applied].filter((name) => !knownSet.has(name)).sort();
  if (unknown.length > 0) {
    throw new Error(`the database holds migrations this version does not know (${unknown.join(', ')}); it was written by a newer version`);
  }
}
