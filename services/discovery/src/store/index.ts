import { openDatabase } from '@baton/kit';
import { KyselyDiscoveryStore } from './kysely-store.js';
import { discoveryMigrations } from './migrations.js';
import type { DiscoveryTables } from './schema.js';

export type * from './types.js';
export { KyselyDiscoveryStore, isUniqueViolation } from './kysely-store.js';
export { discoveryMigrations } from './migrations.js';

export interface OpenStoreOptions {
  dataDir: string;
  databaseUrl?: string;
  schema?: string;
}

/** Opens discovery's own database (SQLite file or PostgreSQL schema) and migrates it. */
export async function openDiscoveryStore(options: OpenStoreOptions): Promise<KyselyDiscoveryStore> {
  const database = await openDatabase<DiscoveryTables>({
    service: 'discovery',
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    schema: options.schema,
    migrations: discoveryMigrations,
  });
  return new KyselyDiscoveryStore(database);
}
