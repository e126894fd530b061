import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { openDatabase, outboxStats, enqueueOutbox, type Database } from '@baton/kit';
import { parseFilter } from '@baton/protocols';
import { backends, physicalIdFilter, tenantRecord, testContext, type TestContext } from '../testing/harness.js';
import { KyselyIdentityStore } from './kysely-store.js';
import { identityMigrations } from './migrations.js';
import type { IdentityDatabase } from './schema.js';
import type { ClientSecret, DeviceRecord } from './store.js';

const at = '2025-01-01T00:00:00.000Z';
const secret = (digest: string): ClientSecret => ({ digest, displayName: null, hint: null, startDateTime: at, endDateTime: null });

const tenant = tenantRecord;

function device(tenantId: string, overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    id: randomUUID(),
    deviceId: randomUUID(),
    tenantId,
    displayName: 'D',
    physicalIds: [],
    ztdId: null,
    trustType: null,
    accountEnabled: true,
    operatingSystem: 'Windows',
    operatingSystemVersion: null,
    isCompliant: null,
    isManaged: null,
    certThumbprint: null,
    certPem: null,
    transportKey: null,
    registeredOwnerUserId: null,
    approximateLastSignIn: null,
    registeredAt: null,
    createdAt: at,
    modifiedAt: at,
    ...overrides,
  };
}

for (const backend of backends()) {
  describe(`identity store (${backend.name})`, () => {
    let env: TestContext;
    let database: Database<IdentityDatabase>;
    let store: KyselyIdentityStore;
    before(async () => {
      env = testContext(backend);
      const options = {
        service: 'identity',
        dataDir: env.ctx.config.dataDir,
        databaseUrl: env.ctx.config.databaseUrl,
        schema: env.ctx.schema,
        migrations: identityMigrations,
      };
      database = await openDatabase<IdentityDatabase>(options);
      // Migrating an up-to-date database is a no-op.
      await (await openDatabase<IdentityDatabase>(options)).close();
      store = new KyselyIdentityStore(database.db, database.dialect);
    });
    after(async () => {
      await database.close();
      await env.cleanup();
    });

    test('tenants by id and case-insensitive domain; JSON branding round-trips', async () => {
      const t = tenant();
      await store.insertTenant(t);
      assert.deepEqual((await store.findTenantById(t.id.toUpperCase()))?.branding, t.branding);
      assert.equal((await store.findTenantByDomain(t.domain.toUpperCase()))?.id, t.id);
      await store.updateTenant(t.id, { displayName: 'T2', branding: { companyName: 'C2' } });
      assert.equal((await store.findTenantById(t.id))?.displayName, 'T2');
      await assert.rejects(store.insertTenant({ ...tenant(), domain: t.domain }), 'domains are unique');
    });

    test('users: UPN unique per tenant, case-insensitive lookup, booleans round-trip', async () => {
      const a = tenant();
      const b = tenant();
      await store.insertTenant(a);
      await store.insertTenant(b);
      const user = {
        id: randomUUID(),
        tenantId: a.id,
        upn: 'Ada@Example.test',
        displayName: 'Ada',
        passwordHash: 'h',
        accountEnabled: true,
        isAdmin: false,
        createdAt: at,
        modifiedAt: at,
      };
      await store.insertUser(user);
      await store.insertUser({ ...user, id: randomUUID(), tenantId: b.id });
      await assert.rejects(store.insertUser({ ...user, id: randomUUID(), upn: 'ada@example.test' }));
      const found = await store.findUserByUpn(a.id, 'ADA@example.TEST');
      assert.equal(found?.id, user.id);
      assert.equal(found?.upn, 'Ada@Example.test');
      assert.equal(found?.accountEnabled, true);
      await store.updateUser(a.id, user.id, { accountEnabled: false, isAdmin: true });
      const updated = await store.findUserById(a.id, user.id);
      assert.equal(updated?.accountEnabled, false);
      assert.equal(updated?.isAdmin, true);
      assert.equal(await store.findUserById(b.id, user.id), undefined, 'ids do not cross tenants');
      assert.equal((await store.listUsers(a.id, { limit: 10 })).length, 1);
    });

    test('a user profile round-trips, and a patch writes only the properties it names', async () => {
      const t = tenant();
      await store.insertTenant(t);
      const id = randomUUID();
      await store.insertUser({
        id, tenantId: t.id, upn: `grace@${t.domain}`, displayName: 'Grace', passwordHash: 'h', accountEnabled: true, isAdmin: false, createdAt: at, modifiedAt: at,
        givenName: 'Grace', surname: 'Hopper', department: 'Sales', usageLocation: 'US', mobilePhone: '+1 555 0100',
      });
      const created = await store.findUserById(t.id, id);
      assert.equal(created?.department, 'Sales');
      assert.equal(created?.jobTitle, null, 'a property not given reads back as null');
      await store.updateUser(t.id, id, { department: 'Finance', mobilePhone: null });
      const updated = await store.findUserById(t.id, id);
      assert.deepEqual(
        [updated?.givenName, updated?.surname, updated?.department, updated?.usageLocation, updated?.mobilePhone],
        ['Grace', 'Hopper', 'Finance', 'US', null],
      );
    });

    test('applications upsert in place', async () => {
      const t = tenant();
      await store.insertTenant(t);
      const app = {
        tenantId: t.id,
        appId: randomUUID(),
        displayName: 'A',
        secrets: [secret('d1')],
        roles: ['R1'],
        isPublic: false,
        mdm: { discoveryUrl: 'https://x/d' },
        createdAt: at,
        modifiedAt: at,
      };
      await store.upsertApplication(app);
      await store.upsertApplication({ ...app, secrets: [secret('d2')], roles: ['R2'] });
      const found = await store.findApplication(t.id, app.appId.toUpperCase());
      assert.deepEqual(found?.secrets, [secret('d2')]);
      assert.deepEqual(found?.roles, ['R2']);
      assert.deepEqual(found?.mdm, { discoveryUrl: 'https://x/d' });
      assert.equal(found?.isPublic, false);
    });

    test("concurrent changes to an application's secrets and roles all land", async () => {
      const t = tenant();
      await store.insertTenant(t);
      const appId = randomUUID();
      await store.upsertApplication({ tenantId: t.id, appId, displayName: 'A', secrets: [], roles: [], isPublic: false, mdm: null, createdAt: at, modifiedAt: at });
      const added = Array.from({ length: 8 }, (_, i) => secret(`d${i}`));
      const roles = ['R1', 'R2', 'R3'];
      await Promise.all([
        ...added.map((s) => store.changeApplication(t.id, appId, (current) => ({ secrets: [...current.secrets, s] }), at)),
        ...roles.map((r) => store.changeApplication(t.id, appId, (current) => ({ roles: [...current.roles, r] }), at)),
      ]);
      const found = await store.findApplication(t.id, appId);
      assert.deepEqual(new Set(found?.secrets.map((s) => s.digest)), new Set(added.map((s) => s.digest)));
      assert.deepEqual(new Set(found?.roles), new Set(roles), 'a role granted meanwhile is not lost, nor a secret');
      assert.equal(found?.isPublic, false);
      assert.equal(await store.changeApplication(t.id, randomUUID(), () => ({ secrets: [] }), at), undefined);
    });

    test('refresh tokens rotate exactly once and families revoke together', async () => {
      const t = tenant();
      await store.insertTenant(t);
      const family = randomUUID();
      const base = { familyId: family, tenantId: t.id, userId: 'u', clientId: 'c', scope: 's', deviceId: null, expiresAt: '2999-01-01T00:00:00.000Z', rotated: false, createdAt: at };
      await store.insertRefreshToken({ ...base, tokenHash: 'h1' });
      await store.insertRefreshToken({ ...base, tokenHash: 'h2' });
      assert.equal(await store.markRefreshTokenRotated('h1'), true);
      assert.equal(await store.markRefreshTokenRotated('h1'), false);
      assert.equal((await store.findRefreshToken('h1'))?.rotated, true);
      await store.revokeRefreshTokenFamily(family);
      const h2 = await store.findRefreshToken('h2');
      assert.equal(h2?.rotated, true);
      assert.ok(new Date(h2!.expiresAt) < new Date());
    });

    test('devices: ZTDID index, thumbprint lookup, physical-id filter, keyset paging', async () => {
      const t = tenant();
      await store.insertTenant(t);
      const ztd = randomUUID();
      const d = device(t.id, { physicalIds: [`[ZTDID]:${ztd.toUpperCase()}`, '[OrderID]:50%_off'] });
      await store.insertDevice(d);
      assert.equal((await store.findDeviceByZtdId(t.id, ztd))?.id, d.id);
      await assert.rejects(store.insertDevice(device(t.id, { physicalIds: [`[ZTDID]:${ztd}`] })), 'one object per ZTDID');
      await store.updateDevice(t.id, d.id, { certThumbprint: 'ABCDEF', trustType: 'AzureAd', isCompliant: true });
      const updated = await store.findDeviceByThumbprint(t.id, 'abcdef');
      assert.equal(updated?.trustType, 'AzureAd');
      assert.equal(updated?.isCompliant, true);
      assert.equal(updated?.isManaged, null);
      assert.deepEqual(
        (await store.listDevices(t.id, { filter: physicalIdFilter('[OrderID]:50%_off'), limit: 5 })).map((x) => x.id),
        [d.id],
      );
      assert.deepEqual(await store.listDevices(t.id, { filter: physicalIdFilter('[OrderID]:50'), limit: 5 }), [], 'whole-element match only');
      for (let i = 0; i < 4; i++) await store.insertDevice(device(t.id));
      const page1 = await store.listDevices(t.id, { limit: 3 });
      const page2 = await store.listDevices(t.id, { limit: 3, afterId: page1[2]!.id });
      assert.equal(page1.length, 3);
      assert.equal(page2.length, 2);
      assert.equal(new Set([...page1, ...page2].map((x) => x.id)).size, 5);
    });

    test('transactions roll back as a whole', async () => {
      const t = tenant();
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertTenant(t);
          throw new Error('boom');
        }),
      );
      assert.equal(await store.findTenantById(t.id), undefined);
    });

    test('processed messages are recorded once; the outbox table exists', async () => {
      const id = randomUUID();
      assert.equal(await store.markMessageProcessed(id, 'topic'), true);
      assert.equal(await store.markMessageProcessed(id, 'topic'), false);
      await enqueueOutbox(database.db, 'x', { a: 1 });
      assert.equal((await outboxStats(database.db)).pending, 1);
    });

    test('conditional access objects: per tenant, JSON body round-trips, $filter on state, keyset paging', async () => {
      const a = tenant();
      const b = tenant();
      await store.insertTenant(a);
      await store.insertTenant(b);
      const ids = [randomUUID(), randomUUID(), randomUUID()].sort();
      const body = { displayName: 'Block legacy', conditions: { users: { includeUsers: ['All'] } }, nested: [1, 'two', null] };
      for (const [i, id] of ids.entries()) {
        await store.insertConditionalAccess('policies', {
          id: id.toUpperCase(),
          tenantId: a.id,
          displayName: `Policy ${i}`,
          kind: i === 1 ? 'disabled' : 'enabled',
          body,
          createdAt: at,
          modifiedAt: null,
        });
      }
      const versions = new Set([await store.conditionalAccessVersion(a.id)]);
      const found = await store.findConditionalAccess('policies', a.id, ids[0]!.toUpperCase());
      assert.deepEqual(found, { id: ids[0], tenantId: a.id, displayName: 'Policy 0', kind: 'enabled', body, createdAt: at, modifiedAt: null });
      assert.equal(await store.findConditionalAccess('policies', b.id, ids[0]!), undefined, 'another tenant does not see it');
      assert.equal(await store.findConditionalAccess('namedLocations', a.id, ids[0]!), undefined, 'locations are a separate table');
      const enabled = await store.listConditionalAccess('policies', a.id, { filter: parseFilter("state eq 'ENABLED'") });
      assert.deepEqual(enabled.map((r) => r.id), [ids[0], ids[2]]);
      const page = await store.listConditionalAccess('policies', a.id, { afterId: ids[0], limit: 1 });
      assert.deepEqual(page.map((r) => r.id), [ids[1]]);
      assert.equal(await store.updateConditionalAccess('policies', { ...found!, tenantId: b.id, kind: 'disabled' }), false, 'no cross-tenant update');
      assert.equal(await store.updateConditionalAccess('policies', { ...found!, displayName: 'Renamed', kind: 'disabled', body: { x: 1 }, modifiedAt: at }), true);
      assert.deepEqual(await store.findConditionalAccess('policies', a.id, ids[0]!), { ...found!, displayName: 'Renamed', kind: 'disabled', body: { x: 1 }, modifiedAt: at });
      versions.add(await store.conditionalAccessVersion(a.id));
      assert.equal(await store.deleteConditionalAccess('policies', b.id, ids[0]!), false);
      assert.equal(versions.has(await store.conditionalAccessVersion(a.id)), true, 'a refused write changes nothing');
      assert.equal(await store.deleteConditionalAccess('policies', a.id, ids[0]!), true);
      versions.add(await store.conditionalAccessVersion(a.id));
      assert.equal(versions.size, 3, 'update and delete each changed the version');
      assert.notEqual(await store.conditionalAccessVersion(b.id), await store.conditionalAccessVersion(a.id));
      assert.equal(await store.deleteConditionalAccess('policies', a.id, ids[0]!), false);
      assert.equal((await store.listConditionalAccess('policies', a.id, {})).length, 2);
    });
  });
}
