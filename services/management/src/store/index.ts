import { openDatabase, type Database } from '@baton/kit';
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
  return { store: new KyselyManagementStore(database.db, database.dialect), database };
}
