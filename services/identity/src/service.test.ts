import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEVICE_AGENT_CLIENT_ID, SERVICE_APP_IDS, SERVICE_APP_ROLES } from '@baton/contracts';
import { createIdentityService, type IdentityRuntime } from './service.js';
import { verifyPassword } from './domain/passwords.js';
import { backends, newGuid, tenantInput, testContext, type TestContext } from './testing/harness.js';

for (const backend of backends()) {
  describe(`bootstrapTenant (${backend.name})`, () => {
    let env: TestContext;
    let identity: IdentityRuntime;
    before(async () => {
      env = testContext(backend);
      identity = await createIdentityService(env.ctx);
      await identity.start();
    });
    after(async () => {
      await identity.stop();
      await env.cleanup();
    });

    test('creates the tenant with its key, device CA, admin, apps and MDM registration', async () => {
      const tenantId = newGuid();
      const result = await identity.bootstrapTenant(tenantInput('Boot.Example.test', { tenantId }));
      assert.equal(result.tenantId, tenantId);
      assert.equal(result.domain, 'boot.example.test');
      const tenant = (await identity.store.findTenantById(tenantId))!;
      assert.match(tenant.signingKey, /^v1\./, 'the signing key is sealed');
      assert.doesNotMatch(tenant.signingKey, /"d"/);
      assert.match(tenant.deviceCaCertPem, /BEGIN CERTIFICATE/);
      assert.match(tenant.deviceCaKey, /^v1\./);
      const admin = (await identity.store.findUserByUpn(tenantId, 'admin@boot.example.test'))!;
      assert.match(admin.passwordHash, /^scrypt\$16384\$8\$1\$/);
      assert.ok(await verifyPassword('correct horse battery', admin.passwordHash));
      const adminApp = (await identity.store.findApplication(tenantId, result.adminClientId))!;
      assert.equal(adminApp.secrets.length, 1);
      assert.ok(!adminApp.secrets[0]!.digest.includes('admin-app-secret'));
      assert.equal(adminApp.secrets[0]!.endDateTime, null, "the admin application's own secret does not expire");
      assert.equal((await identity.store.findApplication(tenantId, DEVICE_AGENT_CLIENT_ID))?.isPublic, true);
      const mdm = (await identity.store.findApplication(tenantId, SERVICE_APP_IDS.management))!;
      assert.equal(mdm.mdm?.discoveryUrl, 'https://localhost:3/EnrollmentServer/Discovery.svc');
      assert.deepEqual(mdm.roles, SERVICE_APP_ROLES.management);
    });

    test('is idempotent: same tenant, same rows, new secrets applied', async () => {
      const first = await identity.bootstrapTenant(tenantInput('again.example.test'));
      const tenantBefore = (await identity.store.findTenantById(first.tenantId))!;
      const second = await identity.bootstrapTenant(
        tenantInput('again.example.test', {
          displayName: 'Renamed',
          admin: { upn: 'admin@again.example.test', password: 'a new password!', displayName: 'Admin 2' },
          adminApp: { secret: 'another-admin-secret-xyz', roles: ['Device.ReadWrite.All'] },
        }),
      );
      assert.deepEqual(second, { ...first });
      const tenantAfter = (await identity.store.findTenantById(first.tenantId))!;
      assert.equal(tenantAfter.signingKey, tenantBefore.signingKey, 'keys are not rotated');
      assert.equal(tenantAfter.deviceCaCertPem, tenantBefore.deviceCaCertPem);
      assert.equal(tenantAfter.displayName, 'Renamed');
      const users = await identity.store.listUsers(first.tenantId, { limit: 10 });
      assert.equal(users.length, 1);
      assert.ok(await verifyPassword('a new password!', users[0]!.passwordHash));
      assert.equal(users[0]!.displayName, 'Admin 2');
      const app = (await identity.store.findApplication(first.tenantId, first.adminClientId))!;
      assert.deepEqual(app.roles, ['Device.ReadWrite.All']);
    });

    test('refuses bad input and a domain owned by another tenant id', async () => {
      await identity.bootstrapTenant(tenantInput('owned.example.test'));
      await assert.rejects(identity.bootstrapTenant(tenantInput('owned.example.test', { tenantId: newGuid() })), /already belongs/);
      await assert.rejects(identity.bootstrapTenant(tenantInput('not a domain')), /DNS domain/);
      await assert.rejects(
        identity.bootstrapTenant(tenantInput('short.example.test', { adminApp: { secret: 'short', roles: [] } })),
        /secret/,
      );
    });
  });
}
