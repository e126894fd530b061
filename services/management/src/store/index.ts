import { openDatabase, sql, type Database } from '@baton/kit';
import { KyselyManagementStore } from './kysely-store.js';
import { managementMigrations } from './migrations.js';
import type { ManagementDatabase } from './schema.js';

export * from './store.js';
export { KyselyManagementStore } from './kysely-store.js';
export { managementMigrations } from './migrations.js';
export type { ManagementDatabase } from './schema.js';

export interface OpenManagementStoreOptions {
  dataDir: string;
  databaseUrl?: string;
  schema?: string;
}

/** Opens (and migrates) management's own database. */
export async function openManagementStore(
  options: OpenManagementStoreOptions,
): Promise<{ store: KyselyManagementStore; database: Database<ManagementDatabase> }> {
  const database = await openDatabase<ManagementDatabase>({
    service: 'management',
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    schema: options.schema,
    migrations: managementMigrations,
  });
  if (database.dialect === 'sqlite') await tuneSqlite(database);
  return { store: new KyselyManagementStore(database.db, database.dialect), database };
}

/**
 * Compliance reads a whole tenant's devices, facts and states by key lookups spread over the
 * file. Through SQLite's default 2 MiB page cache each page missed is a read() system call,
 * a third of a tenant read's CPU time at 100,000 devices; mapped, it is a memory access.
 * The mapping is address space, not memory: the kernel's page cache backs it.
 */
async function tuneSqlite(database: Database<ManagementDatabase>): Promise<void> {
  await sql`PRAGMA mmap_size = 1073741824`.execute(database.db);
  await sql`PRAGMA cache_size = -32768`.execute(database.db);
}
