import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { openDatabase } from '@baton/kit';
import type { Kysely } from 'kysely';
import { backends, testContext } from '../testing/harness.js';
import { KyselyIdentityStore } from './kysely-store.js';
import { identityMigrations } from './migrations.js';
import type { IdentityDatabase } from './schema.js';

const BEFORE_SECRET_LISTS = Object.fromEntries(Object.entries(identityMigrations).filter(([name]) => name < '0012'));

for (const backend of backends()) {
  test(`an application's one secret from before becomes the first of its list, without an end date (${backend.name})`, async () => {
    const env = testContext(backend);
    const options = { service: 'identity', dataDir: env.ctx.config.dataDir, databaseUrl: env.ctx.config.databaseUrl, schema: env.ctx.schema };
    try {
      const old = await openDatabase({ ...options, migrations: BEFORE_SECRET_LISTS });
      const tenantId = randomUUID();
      // The tenants table is as it was then; the store writes it the same way.
      const at = '2026-01-01T00:00:00.000Z';
      await new KyselyIdentityStore(old.db as Kysely<IdentityDatabase>, old.dialect).insertTenant({
        id: tenantId, domain: `${tenantId.slice(0, 8)}.example.test`, displayName: 'T', branding: { companyName: 'T' }, signingKey: 'k', deviceCaCertPem: 'pem', deviceCaKey: 'ca', createdAt: at, modifiedAt: at,
      });
      const row = (appId: string, secretDigest: string | null) => ({
        tenant_id: tenantId,
        app_id: appId,
        display_name: appId.slice(0, 8),
        secret_digest: secretDigest,
        roles: '[]',
        is_public: secretDigest ? 0 : 1,
        mdm: null,
        created_at: '2026-01-01T00:00:00.000Z',
        modified_at: '2026-02-01T00:00:00.000Z',
      });
      const [withSecret, without] = [randomUUID(), randomUUID()];
      await (old.db as Kysely<any>).insertInto('applications').values([row(withSecret, 'digest-1'), row(without, null)]).execute();
      await old.close();

      const database = await openDatabase<IdentityDatabase>({ ...options, migrations: identityMigrations });
      try {
        const store = new KyselyIdentityStore(database.db, database.dialect);
        assert.deepEqual((await store.findApplication(tenantId, withSecret))?.secrets, [
          { digest: 'digest-1', displayName: null, hint: null, startDateTime: '2026-02-01T00:00:00.000Z', endDateTime: null },
        ]);
        assert.deepEqual((await store.findApplication(tenantId, without))?.secrets, []);
        assert.equal((await store.findApplication(tenantId, without))?.isPublic, true);
      } finally {
        await database.close();
      }
    } finally {
      await env.cleanup();
    }
  });
}
