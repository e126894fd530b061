import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Database } from '@baton/kit';
import { backends, openIdentityDatabase, tenantRecord, testContext, type TestContext } from '../testing/harness.js';
import { KyselyIdentityStore } from './kysely-store.js';
import type { IdentityDatabase } from './schema.js';
import type { UserRecord } from './store.js';
import { duplicateUserProperty } from './unique-violations.js';

const at = '2025-01-01T00:00:00.000Z';

for (const backend of backends()) {
  describe(`the users table's unique rules, as the database enforces them (${backend.name})`, () => {
    let env: TestContext;
    let database: Database<IdentityDatabase>;
    let store: KyselyIdentityStore;
    const tenantId = randomUUID();
    const otherTenantId = randomUUID();
    before(async () => {
      env = testContext(backend);
      database = await openIdentityDatabase(env);
      store = new KyselyIdentityStore(database.db, database.dialect);
      for (const id of [tenantId, otherTenantId]) await store.insertTenant(tenantRecord(id));
    });
    after(async () => {
      await database.close();
      await env.cleanup();
    });

    const user = (upn: string, mail: string | null): UserRecord => ({
      id: randomUUID(),
      tenantId,
      upn,
      displayName: 'U',
      passwordHash: 'h',
      accountEnabled: true,
      isAdmin: false,
      createdAt: at,
      modifiedAt: at,
      mail,
    });
    const refusal = async (write: Promise<unknown>) => {
      try {
        await write;
      } catch (error) {
        return duplicateUserProperty(error);
      }
      assert.fail('the write was accepted');
    };

    test('a write that skipped the check is refused by the database, and named as Graph names it', async () => {
      await store.insertUser(user('a@example.test', 'Desk@example.test'));
      assert.equal(await refusal(store.insertUser(user('b@example.test', 'desk@EXAMPLE.test'))), 'mail');
      assert.equal(await refusal(store.insertUser(user('A@example.test', null))), 'userPrincipalName');
      // Users without a mail address do not collide, and another tenant's address is its own.
      await store.insertUser(user('c@example.test', null));
      await store.insertUser({ ...user('a@example.test', 'desk@example.test'), tenantId: otherTenantId });
      assert.equal((await store.findUserByMail(tenantId, 'DESK@example.test'))?.upn, 'a@example.test');
      assert.equal(duplicateUserProperty(new Error('something else')), undefined);
    });
  });
}
