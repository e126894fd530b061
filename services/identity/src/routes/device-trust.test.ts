/**
 * What identity trusts about a device and who may change it: join refusals, certificate
 * and token revocation on re-join, disable and delete, and the compliance state only the
 * MDM application writes, in version order.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  DEVICE_AGENT_CLIENT_ID,
  DEVICE_JWT_BEARER_GRANT,
  DRS_RESOURCE,
  GRAPH_RESOURCE,
  IDENTITY_PATHS,
  JOIN_CSR_COMMON_NAME,
  MDM_RESOURCE,
  SERVICE_APP_IDS,
  type DeviceJoinResponse,
} from '@baton/contracts';
import { x509 } from '@baton/kit';
import { backends, deviceCsr, form, joinBody, newGuid, RSA_SIGN, startIdentity, tenantInput, type RunningIdentity } from '../testing/harness.js';

const crypto = webcrypto as unknown as Crypto;

for (const backend of backends()) {
  describe(`device trust and compliance state (${backend.name})`, () => {
    let id: RunningIdentity;
    before(async () => {
      id = await startIdentity(backend);
    });
    after(async () => {
      await id?.close();
    });

    const post = (url: string, payload: Record<string, string>) =>
      id.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(payload) });

    async function userTokens(tenantId = id.tenantId, upn = `admin@${id.domain}`) {
      const res = await post(`/${tenantId}/oauth2/v2.0/token`, {
        grant_type: 'password',
        client_id: DEVICE_AGENT_CLIENT_ID,
        username: upn,
        password: 'correct horse battery',
        scope: `${DRS_RESOURCE}/.default openid offline_access`,
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { access_token: string; refresh_token: string };
    }

    async function appToken(clientId: string, clientSecret: string) {
      const res = await post(`/${id.tenantId}/oauth2/v2.0/token`, {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        scope: `${GRAPH_RESOURCE}/.default`,
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().access_token as string;
    }
    const adminToken = () => appToken(id.adminClientId, 'admin-app-secret-0123456789');
    const managementToken = () => appToken(SERVICE_APP_IDS.management, id.ctx.serviceCredentials.management.clientSecret);

    const join = (body: unknown, token: string, tenantId = id.tenantId) =>
      id.app.inject({
        method: 'POST',
        url: `/enterpriseregistration/${tenantId}/EnrollmentServer/device/?api-version=2.0`,
        headers: { authorization: `Bearer ${token}` },
        payload: body as object,
      });

    async function joined(ztdId = newGuid()) {
      const keys = await deviceCsr();
      const res = await join(joinBody(keys.csrBase64, { ZtdId: ztdId }), (await userTokens()).access_token);
      assert.equal(res.statusCode, 200, res.body);
      return { keys, ztdId, answer: res.json() as DeviceJoinResponse };
    }

    /** The device proves its key to get a device-bound token, as the agent does. */
    async function deviceGrant(privateKey: CryptoKey, certDerBase64: string, refreshToken: string) {
      const now = Math.floor(Date.now() / 1000);
      const request = await new SignJWT({ client_id: DEVICE_AGENT_CLIENT_ID, grant_type: 'refresh_token', refresh_token: refreshToken, scope: `${MDM_RESOURCE}/.default` })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5c: [certDerBase64] })
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(privateKey);
      return post(`/${id.tenantId}/oauth2/v2.0/token`, { grant_type: DEVICE_JWT_BEARER_GRANT, request });
    }

    const graph = async (method: 'GET' | 'PATCH' | 'DELETE', path: string, body?: object, token?: string) =>
      id.app.inject({ method, url: `/graph/v1.0/${path}`, headers: { authorization: `Bearer ${token ?? (await adminToken())}` }, ...(body ? { payload: body } : {}) });

    const report = async (deviceId: string, body: object, token?: string) =>
      id.app.inject({
        method: 'PUT',
        url: IDENTITY_PATHS.complianceState(deviceId),
        headers: { authorization: `Bearer ${token ?? (await managementToken())}` },
        payload: body,
      });

    async function deviceCount(tenantId: string) {
      return (await id.identity.store.listDevices(tenantId, { limit: 1000 })).length;
    }

    test('a CSR whose signature was made with another key than the one it carries is refused, and nothing is created', async () => {
      const carried = (await crypto.subtle.generateKey({ ...RSA_SIGN, modulusLength: 2048 }, true, ['sign', 'verify'])) as CryptoKeyPair;
      const signer = (await crypto.subtle.generateKey({ ...RSA_SIGN, modulusLength: 2048 }, true, ['sign', 'verify'])) as CryptoKeyPair;
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({
        name: `CN=${JOIN_CSR_COMMON_NAME}`,
        keys: { publicKey: carried.publicKey, privateKey: signer.privateKey },
        signingAlgorithm: RSA_SIGN,
      });
      const before = await deviceCount(id.tenantId);
      const res = await join(joinBody(Buffer.from(csr.rawData).toString('base64'), { ZtdId: newGuid() }), (await userTokens()).access_token);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().subcode, 'error_invalid_csr');
      assert.equal(await deviceCount(id.tenantId), before);
    });

    test("a join for another tenant (the user's token from tenant B at tenant A's join endpoint) is refused", async () => {
      const other = await id.identity.bootstrapTenant(tenantInput(`b${newGuid().slice(0, 8)}.baton.test`));
      const otherUser = await userTokens(other.tenantId, `admin@${other.domain}`);
      const beforeA = await deviceCount(id.tenantId);
      const res = await join(joinBody((await deviceCsr()).csrBase64, { ZtdId: newGuid() }), otherUser.access_token, id.tenantId);
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.json().subcode, 'error_tenant_mismatch');
      assert.equal(await deviceCount(id.tenantId), beforeA);
      assert.equal(await deviceCount(other.tenantId), 0);
    });

    test('joining the same device twice keeps one object; the first certificate is revoked as superseded', async () => {
      const first = await joined();
      const secondKeys = await deviceCsr();
      const res = await join(joinBody(secondKeys.csrBase64, { ZtdId: first.ztdId }), (await userTokens()).access_token);
      assert.equal(res.statusCode, 200, res.body);
      const second = res.json() as DeviceJoinResponse;
      assert.equal(second.ObjectId, first.answer.ObjectId);
      assert.equal(second.DeviceId, first.answer.DeviceId);
      assert.notEqual(second.Certificate.Thumbprint, first.answer.Certificate.Thumbprint);
      const listed = await graph('GET', `devices?$filter=deviceId eq '${first.answer.DeviceId}'`);
      assert.equal(listed.json().value.length, 1);

      const old = await deviceGrant(first.keys.keys.privateKey, first.answer.Certificate.RawBody, (await userTokens()).refresh_token);
      assert.equal(old.statusCode, 400);
      assert.match(old.json().error_description, /revoked \(superseded\)/);
      const current = await deviceGrant(secondKeys.keys.privateKey, second.Certificate.RawBody, (await userTokens()).refresh_token);
      assert.equal(current.statusCode, 200, current.body);
    });

    test("disabling a device holds its certificate and kills its refresh tokens; enabling lifts the hold but not the tokens", async () => {
      const device = await joined();
      const bound = await deviceGrant(device.keys.keys.privateKey, device.answer.Certificate.RawBody, (await userTokens()).refresh_token);
      assert.equal(bound.statusCode, 200, bound.body);
      const deviceRefreshToken = bound.json().refresh_token as string;

      assert.equal((await graph('PATCH', `devices/${device.answer.ObjectId}`, { accountEnabled: false })).statusCode, 204);
      const refused = await deviceGrant(device.keys.keys.privateKey, device.answer.Certificate.RawBody, (await userTokens()).refresh_token);
      assert.equal(refused.statusCode, 400);
      assert.deepEqual(refused.json().error_codes, [135011]);

      assert.equal((await graph('PATCH', `devices/${device.answer.ObjectId}`, { accountEnabled: true })).statusCode, 204);
      const dead = await deviceGrant(device.keys.keys.privateKey, device.answer.Certificate.RawBody, deviceRefreshToken);
      assert.equal(dead.statusCode, 400, 'the refresh token bound to the device died with the disabling');
      assert.deepEqual(dead.json().error_codes, [70008]);
      const fresh = await deviceGrant(device.keys.keys.privateKey, device.answer.Certificate.RawBody, (await userTokens()).refresh_token);
      assert.equal(fresh.statusCode, 200, fresh.body);
    });

    test('deleting a device revokes its certificate for good: the device is told its object is gone', async () => {
      const device = await joined();
      assert.equal((await graph('DELETE', `devices/${device.answer.ObjectId}`)).statusCode, 204);
      const res = await deviceGrant(device.keys.keys.privateKey, device.answer.Certificate.RawBody, (await userTokens()).refresh_token);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error, 'invalid_grant');
      assert.deepEqual(res.json().error_codes, [700003]);
      assert.match(res.json().error_description, /Device object was not found/);
    });

    test('compliance state is written by the MDM application only, newest version wins, redeliveries change nothing', async () => {
      const { answer } = await joined();
      const read = async () => (await graph('GET', `devices/${answer.ObjectId}`)).json();
      assert.equal((await read()).isCompliant, null);

      const byAdmin = await report(answer.DeviceId, { isCompliant: true, isManaged: true, version: 1 }, await adminToken());
      assert.equal(byAdmin.statusCode, 403, byAdmin.body);
      assert.equal(byAdmin.json().error.code, 'Authorization_RequestDenied');
      const patched = await graph('PATCH', `devices/${answer.ObjectId}`, { isCompliant: true });
      assert.equal(patched.statusCode, 403, 'Graph PATCH cannot set compliance either');
      assert.equal((await read()).isCompliant, null);

      const expiry = '2030-01-01T00:00:00.000Z';
      const first = await report(answer.DeviceId, { isCompliant: false, isManaged: true, version: 200 });
      assert.equal(first.statusCode, 200, first.body);
      assert.deepEqual(first.json(), { applied: true, version: 200, isCompliant: false });
      const newer = await report(answer.DeviceId, { isCompliant: true, isManaged: true, complianceExpirationDateTime: expiry, version: 300 });
      assert.deepEqual(newer.json(), { applied: true, version: 300, isCompliant: true });
      const late = await report(answer.DeviceId, { isCompliant: false, isManaged: true, version: 250 });
      assert.deepEqual(late.json(), { applied: false, version: 300, isCompliant: true }, 'an older report arriving late is ignored');
      const again = await report(answer.DeviceId, { isCompliant: true, isManaged: true, version: 300 });
      assert.equal(again.json().applied, false);

      const device = await read();
      assert.equal(device.isCompliant, true);
      assert.equal(device.isManaged, true);
      assert.equal(device.mdmAppId, SERVICE_APP_IDS.management);
      assert.equal(device.complianceExpirationDateTime, expiry);
    });

    test('compliance reports with bad input get Graph errors and change nothing', async () => {
      const { answer } = await joined();
      const cases: Array<[string, object, number]> = [
        [answer.DeviceId, { isCompliant: 'yes', isManaged: true, version: 1 }, 400],
        [answer.DeviceId, { isCompliant: true, isManaged: true, version: -1 }, 400],
        [answer.DeviceId, { isCompliant: true, isManaged: true, version: 1.5 }, 400],
        [answer.DeviceId, { isCompliant: true, isManaged: true, version: 1, complianceExpirationDateTime: 'soon' }, 400],
        [answer.DeviceId, { isCompliant: true, isManaged: true, version: 1, extra: 1 }, 400],
        [newGuid(), { isCompliant: true, isManaged: true, version: 1 }, 404],
        ['not-a-guid', { isCompliant: true, isManaged: true, version: 1 }, 404],
      ];
      for (const [deviceId, body, status] of cases) {
        const res = await report(deviceId, body);
        assert.equal(res.statusCode, status, `${JSON.stringify(body)}: ${res.body}`);
        assert.equal(typeof res.json().error.code, 'string');
      }
      assert.equal((await graph('GET', `devices/${answer.ObjectId}`)).json().isCompliant, null);
    });

    test('Graph shows and writes the Autopilot attributes of a device object', async () => {
      const { answer } = await joined();
      const res = await graph('PATCH', `devices/${answer.ObjectId}`, {
        deviceOwnership: 'Company',
        enrollmentProfileName: 'Autopilot - Sales',
        extensionAttributes: { extensionAttribute1: 'kiosk', extensionAttribute15: 'eu' },
      });
      assert.equal(res.statusCode, 204, res.body);
      await graph('PATCH', `devices/${answer.ObjectId}`, { extensionAttributes: { extensionAttribute15: null } });
      const device = (await graph('GET', `devices/${answer.ObjectId}`)).json();
      assert.equal(device.deviceOwnership, 'Company');
      assert.equal(device.enrollmentProfileName, 'Autopilot - Sales');
      assert.equal(device.profileType, 'RegisteredDevice');
      assert.equal(Object.keys(device.extensionAttributes).length, 15);
      assert.equal(device.extensionAttributes.extensionAttribute1, 'kiosk');
      assert.equal(device.extensionAttributes.extensionAttribute15, null);
      const bad = await graph('PATCH', `devices/${answer.ObjectId}`, { extensionAttributes: { extensionAttribute16: 'x' } });
      assert.equal(bad.statusCode, 400);
      const badOwnership = await graph('PATCH', `devices/${answer.ObjectId}`, { deviceOwnership: 'Corporate' });
      assert.equal(badOwnership.statusCode, 400);
    });
  });
}
