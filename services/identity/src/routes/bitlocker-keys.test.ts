/**
 * BitLocker recovery keys end to end inside identity: a joined device escrows its recovery
 * password with its certificate, an administrator lists it without the key and reads the key
 * with `$select=key` (audited), roles and tenants are enforced, and a disabled or deleted
 * device can no longer escrow.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { DEVICE_AGENT_CLIENT_ID, DRS_RESOURCE, IDENTITY_PATHS, ROLES, type DeviceJoinResponse, type DeviceRegistrationDiscovery } from '@baton/contracts';
import type { IdentityPluginOptions } from '../app.js';
import { backends, deviceCsr, form, graphAppToken, joinBody, startIdentity, TEST_ADMIN_APP_SECRET, tenantInput, type DeviceKeys, type RunningIdentity } from '../testing/harness.js';

const PASSWORD_A = '111111-222222-333333-444444-555555-666666-000000-012342';
const PASSWORD_B = '000011-000022-000033-000044-000055-000066-000077-000088';

for (const backend of backends()) {
  describe(`BitLocker recovery keys (${backend.name})`, () => {
    let id: RunningIdentity;
    before(async () => {
      id = await startIdentity(backend);
    });
    after(async () => {
      await id?.close();
    });

    async function joined(tenantId = id.tenantId, domain = id.domain) {
      const tokenRes = await id.app.inject({
        method: 'POST',
        url: `/${tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ grant_type: 'password', client_id: DEVICE_AGENT_CLIENT_ID, username: `admin@${domain}`, password: 'correct horse battery', scope: `${DRS_RESOURCE}/.default` }),
      });
      assert.equal(tokenRes.statusCode, 200, tokenRes.body);
      const keys = await deviceCsr();
      const res = await id.app.inject({
        method: 'POST',
        url: IDENTITY_PATHS.join(tenantId),
        headers: { authorization: `Bearer ${tokenRes.json().access_token}` },
        payload: joinBody(keys.csrBase64),
      });
      assert.equal(res.statusCode, 200, res.body);
      return { keys, answer: res.json() as DeviceJoinResponse, tenantId };
    }

    async function escrowRequest(device: { keys: DeviceKeys; answer: DeviceJoinResponse }, claims: Record<string, unknown>) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5c: [device.answer.Certificate.RawBody] })
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(device.keys.keys.privateKey);
    }

    async function escrow(device: { keys: DeviceKeys; answer: DeviceJoinResponse; tenantId: string }, claims: Record<string, unknown>) {
      return id.app.inject({ method: 'POST', url: IDENTITY_PATHS.bitLockerKeyEscrow(device.tenantId), payload: { request: await escrowRequest(device, claims) } });
    }

    const adminToken = (tenantId = id.tenantId, clientId = id.adminClientId) => graphAppToken(id, tenantId, clientId, TEST_ADMIN_APP_SECRET);
    const graph = async (path: string, token?: string, headers: Record<string, string> = {}) =>
      id.app.inject({ method: 'GET', url: `/graph/v1.0/informationProtection/bitlocker/${path}`, headers: { authorization: `Bearer ${token ?? (await adminToken())}`, ...headers } });

    test('the DRS discovery document names the escrow endpoint', async () => {
      const res = await id.app.inject({ method: 'GET', url: IDENTITY_PATHS.drsDiscovery(id.tenantId) });
      const doc = res.json() as DeviceRegistrationDiscovery;
      assert.equal(doc.DeviceManagementService?.BitLockerKeyEscrowEndpoint, `${id.base}${IDENTITY_PATHS.bitLockerKeyEscrow(id.tenantId)}`);
    });

    test('a device escrows its key once, a retry is idempotent, a rotated key adds one; the list never carries a key', async () => {
      const device = await joined();
      const kidA = randomUUID();
      const first = await escrow(device, { kid: kidA, key: PASSWORD_A, vol: 'operatingSystemVolume' });
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(first.json().DeviceId, device.answer.DeviceId);
      const again = await escrow(device, { kid: kidA.toUpperCase(), key: PASSWORD_A, vol: 'operatingSystemVolume' });
      assert.equal(again.statusCode, 200, again.body);
      const kidB = randomUUID();
      assert.equal((await escrow(device, { kid: kidB, key: PASSWORD_B })).statusCode, 201);

      const list = await graph(`recoveryKeys?$filter=${encodeURIComponent(`deviceId eq '${device.answer.DeviceId}'`)}&$select=key`);
      assert.equal(list.statusCode, 200, list.body);
      const value = list.json().value as Array<Record<string, unknown>>;
      assert.deepEqual(value.map((k) => k.id).sort(), [kidA, kidB].sort());
      for (const k of value) {
        assert.equal(k.key, undefined);
        assert.equal(k.deviceId, device.answer.DeviceId);
        assert.equal(k.volumeType, 'operatingSystemVolume');
        assert.match(String(k.createdDateTime), /^\d{4}-\d\d-\d\dT/);
      }

      // Graph documents ocp-client-name / ocp-client-version as optional: a call without them is answered.
      const plain = await graph(`recoveryKeys/${kidB}`);
      assert.equal(plain.statusCode, 200, plain.body);
      assert.equal(plain.json().key, undefined);
      const withKey = await graph(`recoveryKeys/${kidB}?$select=key`, undefined, { 'ocp-client-name': 'Helpdesk', 'ocp-client-version': '1.0' });
      assert.equal(withKey.statusCode, 200, withKey.body);
      assert.equal(withKey.json().key, PASSWORD_B);
      assert.equal(withKey.json().id, kidB);
    });

    test('the key is sealed at rest: the stored row does not hold the password', async () => {
      const device = await joined();
      const kid = randomUUID();
      assert.equal((await escrow(device, { kid, key: PASSWORD_A })).statusCode, 201);
      const stored = await id.identity.deps.bitLockerKeys.find(id.tenantId, kid);
      assert.ok(stored);
      assert.ok(!stored.sealedKey.includes('111111'));
      assert.ok(stored.sealedKey.startsWith('v1.'));
    });

    test('reading a key is recorded in identity\'s event feed with the reader and the key id', async () => {
      const device = await joined();
      const kid = randomUUID();
      assert.equal((await escrow(device, { kid, key: PASSWORD_A })).statusCode, 201);
      assert.equal((await graph(`recoveryKeys/${kid}?$select=key`)).statusCode, 200);
      const { events } = id.identity.pluginOptions as unknown as IdentityPluginOptions;
      const page = await events.store.list({ tenantId: id.tenantId, includeTenantless: false, limit: 100, azureADDeviceId: device.answer.DeviceId });
      const reads = page.items.filter((e) => e.type === 'bitLockerKeyRead');
      assert.equal(reads.length, 1);
      assert.equal(reads[0]!.detail.keyId, kid);
      assert.equal(reads[0]!.detail.callerAppId, id.adminClientId);
      assert.ok(page.items.some((e) => e.type === 'bitLockerKeyEscrow' && e.detail.keyId === kid));
    });

    test('roles: ReadBasic lists and gets metadata but not the key; no BitLocker role gets nothing', async () => {
      const device = await joined();
      const kid = randomUUID();
      assert.equal((await escrow(device, { kid, key: PASSWORD_A })).statusCode, 201);
      const basic = await id.identity.registerApplication(id.tenantId, { displayName: 'Helpdesk tool', redirectUris: [], secret: 'basic-secret-0123456789', roles: [ROLES.bitLockerKeyReadBasic] });
      const none = await id.identity.registerApplication(id.tenantId, { displayName: 'Device reader', redirectUris: [], secret: 'none-secret-0123456789', roles: [ROLES.devicesReadWrite] });
      const basicToken = await graphAppToken(id, id.tenantId, basic.appId, 'basic-secret-0123456789');
      const noneToken = await graphAppToken(id, id.tenantId, none.appId, 'none-secret-0123456789');
      assert.equal((await graph('recoveryKeys', basicToken)).statusCode, 200);
      assert.equal((await graph(`recoveryKeys/${kid}`, basicToken)).statusCode, 200);
      const denied = await graph(`recoveryKeys/${kid}?$select=key`, basicToken);
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().error.code, 'Authorization_RequestDenied');
      assert.equal((await graph('recoveryKeys', noneToken)).statusCode, 403);
      assert.equal((await graph(`recoveryKeys/${kid}`, noneToken)).statusCode, 403);
    });

    test("another tenant's key id is a 404 and its keys are not listed", async () => {
      const otherDomain = `b${randomUUID().slice(0, 8)}.baton.test`;
      const other = await id.identity.bootstrapTenant(tenantInput(otherDomain));
      const device = await joined(other.tenantId, otherDomain);
      const kid = randomUUID();
      assert.equal((await escrow(device, { kid, key: PASSWORD_A })).statusCode, 201);
      const res = await graph(`recoveryKeys/${kid}?$select=key`);
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.key, undefined);
      const list = await graph('recoveryKeys?$top=999');
      assert.ok(!(list.json().value as Array<{ id: string }>).some((k) => k.id === kid));
      const theirs = await graph(`recoveryKeys/${kid}`, await adminToken(other.tenantId, other.adminClientId));
      assert.equal(theirs.statusCode, 200);
    });

    test('a disabled or deleted device cannot escrow, and a deleted device\'s keys are gone', async () => {
      const disabled = await joined();
      const patch = await id.app.inject({
        method: 'PATCH',
        url: `/graph/v1.0/devices/${disabled.answer.ObjectId}`,
        headers: { authorization: `Bearer ${await adminToken()}` },
        payload: { accountEnabled: false },
      });
      assert.equal(patch.statusCode, 204);
      const refused = await escrow(disabled, { kid: randomUUID(), key: PASSWORD_A });
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(refused.json().subcode, 'error_device_disabled');

      const deleted = await joined();
      const kid = randomUUID();
      assert.equal((await escrow(deleted, { kid, key: PASSWORD_A })).statusCode, 201);
      const del = await id.app.inject({ method: 'DELETE', url: `/graph/v1.0/devices/${deleted.answer.ObjectId}`, headers: { authorization: `Bearer ${await adminToken()}` } });
      assert.equal(del.statusCode, 204);
      const gone = await escrow(deleted, { kid: randomUUID(), key: PASSWORD_B });
      assert.equal(gone.statusCode, 403, gone.body);
      assert.equal(gone.json().subcode, 'error_device_not_found');
      assert.equal((await graph(`recoveryKeys/${kid}`)).statusCode, 404);
    });

    test('bad input is a DRS 4xx: no request, a forged signature, a bad password, another device\'s key id', async () => {
      const device = await joined();
      const url = IDENTITY_PATHS.bitLockerKeyEscrow(id.tenantId);
      const empty = await id.app.inject({ method: 'POST', url, payload: {} });
      assert.equal(empty.statusCode, 400);
      assert.equal(empty.json().subcode, 'error_invalid_body');
      const junk = await id.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"request": ' });
      assert.equal(junk.statusCode, 400);
      const notJwt = await id.app.inject({ method: 'POST', url, payload: { request: 'not a jwt' } });
      assert.equal(notJwt.statusCode, 400, notJwt.body);
      const stranger = await deviceCsr();
      const forged = await id.app.inject({ method: 'POST', url, payload: { request: await escrowRequest({ keys: stranger, answer: device.answer }, { kid: randomUUID(), key: PASSWORD_A }) } });
      assert.equal(forged.statusCode, 401, forged.body);
      assert.equal(forged.json().subcode, 'error_device_auth_failed');
      const badKey = await escrow(device, { kid: randomUUID(), key: '123456-123456-123456-123456-123456-123456-123456-123456' });
      assert.equal(badKey.statusCode, 400);
      const unknownTenant = await id.app.inject({ method: 'POST', url: IDENTITY_PATHS.bitLockerKeyEscrow(randomUUID()), payload: { request: 'x' } });
      assert.equal(unknownTenant.statusCode, 400);
      assert.equal(unknownTenant.json().subcode, 'error_tenant_not_found');

      const kid = randomUUID();
      assert.equal((await escrow(device, { kid, key: PASSWORD_A })).statusCode, 201);
      const second = await joined();
      const taken = await escrow(second, { kid, key: PASSWORD_B });
      assert.equal(taken.statusCode, 409, taken.body);
      const badFilter = await graph(`recoveryKeys?$filter=${encodeURIComponent("volumeType eq 'fixedDataVolume'")}`);
      assert.equal(badFilter.statusCode, 400);
    });
  });
}
