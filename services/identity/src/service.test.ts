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

    test('a second run keeps what administrators changed and only creates what is missing', async () => {
      const first = await identity.bootstrapTenant(tenantInput('again.example.test'));
      const tenantBefore = (await identity.store.findTenantById(first.tenantId))!;
      const adminApp = (await identity.store.findApplication(first.tenantId, first.adminClientId))!;
      // An administrator rotates the admin app's secret and renames the tenant in between.
      await identity.store.changeApplication(first.tenantId, first.adminClientId, () => ({ secrets: [] }), new Date().toISOString());
      await identity.store.updateTenant(first.tenantId, { displayName: 'Renamed by an admin', branding: tenantBefore.branding });
      const mdmBefore = (await identity.store.findApplication(first.tenantId, SERVICE_APP_IDS.management))!;
      await identity.store.deleteApplication(first.tenantId, DEVICE_AGENT_CLIENT_ID);

      const second = await identity.bootstrapTenant(
        tenantInput('again.example.test', {
          displayName: 'Configured name',
          admin: { upn: 'admin@again.example.test', password: 'a new password!', displayName: 'Admin 2' },
          adminApp: { secret: 'another-admin-secret-xyz', roles: ['Device.ReadWrite.All'] },
          mdmApp: { discoveryUrl: 'https://mdm.moved.example.test/EnrollmentServer/Discovery.svc' },
        }),
      );
      assert.deepEqual(second, { ...first });
      const tenantAfter = (await identity.store.findTenantById(first.tenantId))!;
      assert.equal(tenantAfter.signingKey, tenantBefore.signingKey, 'keys are not rotated');
      assert.equal(tenantAfter.deviceCaCertPem, tenantBefore.deviceCaCertPem);
      assert.equal(tenantAfter.displayName, 'Renamed by an admin');
      const users = await identity.store.listUsers(first.tenantId, { limit: 10 });
      assert.equal(users.length, 1);
      assert.ok(await verifyPassword('correct horse battery', users[0]!.passwordHash), 'the password is not reset');
      assert.ok(!(await verifyPassword('a new password!', users[0]!.passwordHash)));
      const appAfter = (await identity.store.findApplication(first.tenantId, first.adminClientId))!;
      assert.deepEqual(appAfter.secrets, [], 'a removed secret does not come back');
      assert.deepEqual(appAfter.roles, adminApp.roles);
      assert.equal((await identity.store.findApplication(first.tenantId, DEVICE_AGENT_CLIENT_ID))?.isPublic, true, 'a missing built-in app is created again');
      const mdmAfter = (await identity.store.findApplication(first.tenantId, SERVICE_APP_IDS.management))!;
      assert.notEqual(mdmAfter.mdm?.discoveryUrl, mdmBefore.mdm?.discoveryUrl);
      assert.equal(mdmAfter.mdm?.discoveryUrl, 'https://mdm.moved.example.test/EnrollmentServer/Discovery.svc', "Baton's own apps follow the deployment");
    });

    test('a second run creates the admin again when it was deleted', async () => {
      const first = await identity.bootstrapTenant(tenantInput('readmin.example.test'));
      await identity.store.deleteUser(first.tenantId, first.adminUserId);
      const second = await identity.bootstrapTenant(tenantInput('readmin.example.test'));
      assert.notEqual(second.adminUserId, first.adminUserId);
      const admin = (await identity.store.findUserByUpn(first.tenantId, 'admin@readmin.example.test'))!;
      assert.equal(admin.id, second.adminUserId);
      assert.ok(await verifyPassword('correct horse battery', admin.passwordHash));
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
