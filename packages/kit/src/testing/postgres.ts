/**
 * Test support: suites that touch storage run on SQLite always and on PostgreSQL when
 * BATON_TEST_DATABASE_URL is set, each run in a schema of its own.
 */
import { randomBytes } from 'node:crypto';

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  databaseUrl?: string;
}

export function testBackends(): StoreBackend[] {
  const url = process.env.BATON_TEST_DATABASE_URL;
  return url ? [{ name: 'sqlite' }, { name: 'postgres', databaseUrl: url }] : [{ name: 'sqlite' }];
}

export function uniqueSchema(prefix: string): string {
  return `t_${prefix}_${randomBytes(5).toString('hex')}`.toLowerCase();
}
