/** A ServiceContext for tests: temp data dir, silent logger, SQLite or a throwaway PostgreSQL schema. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropPostgresSchema, loadConfig, type ServiceContext } from '@baton/kit';
import pino from 'pino';
import type { FakeIdentity } from './fake-identity.js';

export type TestBackend = 'sqlite' | 'postgres';

/** The backends to run a suite on: SQLite always, PostgreSQL when a test database is configured. */
export function testBackends(): TestBackend[] {
  return process.env.BATON_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

export function tempDir(prefix = 'baton-mgmt-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestContext {
  ctx: ServiceContext;
  dataDir: string;
  cleanup(): Promise<void>;
}

export function createTestContext(backend: TestBackend, identity: Pick<FakeIdentity, 'url' | 'fetch'>): TestContext {
  const dir = tempDir();
  const databaseUrl = backend === 'postgres' ? process.env.BATON_TEST_DATABASE_URL : undefined;
  const schema = backend === 'postgres' ? `mgmt_test_${randomBytes(6).toString('hex')}` : undefined;
  const ctx: ServiceContext = {
    config: loadConfig({}, { dataDir: dir.path, databaseUrl, logLevel: 'silent' }),
    urls: { discovery: 'https://discovery.test', identity: identity.url, management: 'https://management.test' },
    fetch: identity.fetch,
    logger: pino({ level: 'silent' }),
    secretKey: randomBytes(32),
    serviceCredentials: {
      discovery: { clientId: 'discovery', clientSecret: 'x' },
      identity: { clientId: 'identity', clientSecret: 'x' },
      management: { clientId: 'management', clientSecret: 'x' },
    },
    ...(schema ? { schema } : {}),
  };
  return {
    ctx,
    dataDir: dir.path,
    async cleanup() {
      if (databaseUrl && schema) await dropPostgresSchema(databaseUrl, schema);
      dir.remove();
    },
  };
}
