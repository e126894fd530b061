import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

class StaticMigrations implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.migrations;
  }
}

/** Applies a service's migrations in name order; a failed migration aborts start-up. */
export async function migrateToLatest(db: Kysely<any>, migrations: Record<string, Migration>, schema?: string): Promise<void> {
  // On PostgreSQL the migration bookkeeping lives in the service's own schema; without
  // naming it, Kysely finds another service's tables and skips creating its own.
  const migrator = new Migrator({ db, provider: new StaticMigrations(migrations), ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
