import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Database } from '@baton/kit';
import { backends, openIdentityDatabase, tenantRecord, testContext, type TestContext } from '../testing/harness.js';
import { KyselyIdentityStore } from './kysely-store.js';
import { KyselySigninStore, type SigninDatabase } from './kysely-signin-store.js';
import type { IdentityDatabase } from './schema.js';
import { identityTransactions, type Atomically } from './unit-of-work.js';
import type { Kysely } from 'kysely';

const at = '2025-01-01T00:00:00.000Z';

for (const backend of backends()) {
  describe(`identity's writes across both stores (${backend.name})`, () => {
    let env: TestContext;
    let database: Database<IdentityDatabase>;
    let store: KyselyIdentityStore;
    let signin: KyselySigninStore;
    let atomically: Atomically;
    const tenantId = randomUUID();

    before(async () => {
      env = testContext(backend);
      database = await openIdentityDatabase(env);
      store = new KyselyIdentityStore(database.db, database.dialect);
      signin = new KyselySigninStore(database.db as unknown as Kysely<SigninDatabase>);
      atomically = identityTransactions(database.db, database.dialect);
      await store.insertTenant(tenantRecord(tenantId));
    });
    after(async () => {
      await database.close();
      await env.cleanup();
    });

    const application = (appId: string) => ({ tenantId, appId, displayName: 'App', secrets: [], roles: [], isPublic: true, mdm: null, createdAt: at, modifiedAt: at });

    test('an application and its redirect URIs and keys land together', async () => {
      const appId = randomUUID();
      await atomically(async (w) => {
        await w.store.upsertApplication(application(appId));
        await w.signin.addRedirectUri(tenantId, appId, 'https://app.example.test/cb');
        await w.signin.replaceClientKeys(tenantId, appId, [{ kid: 'k1', jwk: '{"kty":"EC"}' }]);
      });
      assert.equal((await store.findApplication(tenantId, appId))?.displayName, 'App');
      assert.deepEqual(await signin.redirectUris(tenantId, appId), ['https://app.example.test/cb']);
      assert.deepEqual(await signin.clientKeys(tenantId, appId), ['{"kty":"EC"}']);
    });

    test('a failure after both stores wrote leaves neither write behind', async () => {
      const appId = randomUUID();
      await assert.rejects(
        atomically(async (w) => {
          await w.store.upsertApplication(application(appId));
          await w.signin.replaceRedirectUris(tenantId, appId, ['https://app.example.test/cb']);
          await w.signin.replaceClientKeys(tenantId, appId, [{ kid: 'k1', jwk: '{"kty":"EC"}' }]);
          throw new Error('the next write failed');
        }),
        /the next write failed/,
      );
      assert.equal(await store.findApplication(tenantId, appId), undefined);
      assert.deepEqual(await signin.redirectUris(tenantId, appId), []);
      assert.deepEqual(await signin.clientKeys(tenantId, appId), []);
    });

    test('a user deleted with their TOTP method: a failure keeps both', async () => {
      const userId = randomUUID();
      await store.insertUser({ id: userId, tenantId, upn: `u-${userId.slice(0, 8)}@example.test`, displayName: 'U', passwordHash: 'h', accountEnabled: true, isAdmin: false, createdAt: at, modifiedAt: at });
      await signin.upsertTotp({ tenantId, userId, id: randomUUID(), secret: 's', displayName: 'Authenticator', confirmed: true, recoveryCodes: [], lastStep: 0, createdAt: at });
      await assert.rejects(
        atomically(async (w) => {
          await w.signin.deleteTotp(tenantId, userId);
          await w.store.deleteUser(tenantId, userId);
          throw new Error('the feed write failed');
        }),
      );
      assert.ok(await store.findUserById(tenantId, userId));
      assert.ok(await signin.findTotp(tenantId, userId));
    });
  });
}
