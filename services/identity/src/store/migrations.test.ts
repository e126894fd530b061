import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { openDatabase } from '@baton/kit';
import { parseSearch } from '@baton/protocols';
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

const BEFORE_NAME_WORDS = Object.fromEntries(Object.entries(identityMigrations).filter(([name]) => name < '0014'));

for (const backend of backends()) {
  test(`users and devices from before are found by $search on the words of their name (${backend.name})`, async () => {
    const env = testContext(backend);
    const options = { service: 'identity', dataDir: env.ctx.config.dataDir, databaseUrl: env.ctx.config.databaseUrl, schema: env.ctx.schema };
    try {
      const old = await openDatabase({ ...options, migrations: BEFORE_NAME_WORDS });
      const tenantId = randomUUID();
      const at = '2026-01-01T00:00:00.000Z';
      await new KyselyIdentityStore(old.db as Kysely<IdentityDatabase>, old.dialect).insertTenant({
        id: tenantId, domain: `${tenantId.slice(0, 8)}.example.test`, displayName: 'T', branding: { companyName: 'T' }, signingKey: 'k', deviceCaCertPem: 'pem', deviceCaKey: 'ca', createdAt: at, modifiedAt: at,
      });
      const user = (id: string, displayName: string) => ({
        id, tenant_id: tenantId, upn: `${id}@x.test`, upn_key: `${id}@x.test`, display_name: displayName, password_hash: 'h', account_enabled: 1, is_admin: 0, created_at: at, modified_at: at,
      });
      // More rows than the migration rewrites at a time, the one searched for on the last page.
      const many = Array.from({ length: 520 }, (_, i) => user(randomUUID().replace(/^./, '0'), `Someone ${i}`));
      const mary = 'ffffffff-ffff-4fff-8fff-ffffffffffff';
      await (old.db as Kysely<any>).insertInto('users').values([...many, user(mary, 'Mary Jones')]).execute();
      const device = randomUUID();
      await (old.db as Kysely<any>)
        .insertInto('devices')
        .values({ id: device, device_id: randomUUID(), tenant_id: tenantId, display_name: 'LobbyKiosk-01', physical_ids: '[]', account_enabled: 1, created_at: at, modified_at: at })
        .execute();
      await old.close();

      const database = await openDatabase<IdentityDatabase>({ ...options, migrations: identityMigrations });
      try {
        const store = new KyselyIdentityStore(database.db, database.dialect);
        assert.deepEqual((await store.listUsers(tenantId, { search: parseSearch('"displayName:jo"'), limit: 10 })).map((u) => u.id), [mary]);
        assert.equal(await store.countUsers(tenantId, { search: parseSearch('"displayName:someone"') }), 520);
        assert.deepEqual((await store.listDevices(tenantId, { search: parseSearch('"displayName:kiosk01"'), limit: 10 })).map((d) => d.id), [device]);
        await store.updateUser(tenantId, mary, { displayName: 'Mary Smith' });
        assert.equal(await store.countUsers(tenantId, { search: parseSearch('"displayName:jones"') }), 0, 'a new name brings its own words');
      } finally {
        await database.close();
      }
    } finally {
      await env.cleanup();
    }
  });
}

const BEFORE_USER_PROFILE = Object.fromEntries(Object.entries(identityMigrations).filter(([name]) => name < '0015'));

for (const backend of backends()) {
  test(`users from before keep their row with an empty profile, which can then be set (${backend.name})`, async () => {
    const env = testContext(backend);
    const options = { service: 'identity', dataDir: env.ctx.config.dataDir, databaseUrl: env.ctx.config.databaseUrl, schema: env.ctx.schema };
    try {
      const old = await openDatabase({ ...options, migrations: BEFORE_USER_PROFILE });
      const tenantId = randomUUID();
      const at = '2026-01-01T00:00:00.000Z';
      await new KyselyIdentityStore(old.db as Kysely<IdentityDatabase>, old.dialect).insertTenant({
        id: tenantId, domain: `${tenantId.slice(0, 8)}.example.test`, displayName: 'T', branding: { companyName: 'T' }, signingKey: 'k', deviceCaCertPem: 'pem', deviceCaKey: 'ca', createdAt: at, modifiedAt: at,
      });
      const userId = randomUUID();
      await (old.db as Kysely<any>)
        .insertInto('users')
        .values({ id: userId, tenant_id: tenantId, upn: 'ada@x.test', upn_key: 'ada@x.test', display_name: 'Ada', display_name_words: 'ada', password_hash: 'h', account_enabled: 1, is_admin: 0, created_at: at, modified_at: at })
        .execute();
      await old.close();

      const database = await openDatabase<IdentityDatabase>({ ...options, migrations: identityMigrations });
      try {
        const store = new KyselyIdentityStore(database.db, database.dialect);
        const before = await store.findUserById(tenantId, userId);
        assert.equal(before?.displayName, 'Ada');
        assert.equal(before?.passwordHash, 'h');
        assert.equal(before?.department, null);
        assert.equal(before?.usageLocation, null);
        await store.updateUser(tenantId, userId, { department: 'Sales' });
        assert.equal((await store.findUserById(tenantId, userId))?.department, 'Sales');
      } finally {
        await database.close();
      }
    } finally {
      await env.cleanup();
    }
  });
}
