import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT, decodeJwt } from 'jose';
import {
  DEVICE_AGENT_CLIENT_ID,
  DEVICE_JWT_BEARER_GRANT,
  DRS_RESOURCE,
  GRAPH_RESOURCE,
  MDM_RESOURCE,
  SERVICE_APP_IDS,
  type DeviceJoinResponse,
} from '@baton/contracts';
import { TokenVerifier, generateCertificateAuthority, isIssuedBy, signPublicKey, thumbprint, x509 } from '@baton/kit';
import { readDeviceCertificate } from '../domain/device-certificates.js';
import { backends, deviceCsr, form, graphAppToken, joinBody, newGuid, physicalIdFilter, startIdentity, TEST_ADMIN_APP_SECRET, type RunningIdentity } from '../testing/harness.js';

const crypto = webcrypto as unknown as Crypto;

function pemOf(rawBody: string): string {
  return new x509.X509Certificate(Buffer.from(rawBody, 'base64')).toString('pem');
}

for (const backend of backends()) {
  describe(`device registration (${backend.name})`, () => {
    let id: RunningIdentity;
    let userToken: { access_token: string; refresh_token: string };
    before(async () => {
      id = await startIdentity(backend);
      userToken = await userTokens(`${DRS_RESOURCE}/.default openid offline_access`);
    });
    after(async () => {
      await id.close();
    });

    async function userTokens(scope: string) {
      const res = await id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({
          grant_type: 'password',
          client_id: DEVICE_AGENT_CLIENT_ID,
          username: `admin@${id.domain}`,
          password: 'correct horse battery',
          scope,
        }),
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    }

    const join = (body: unknown, token: string | null = userToken.access_token) =>
      id.app.inject({
        method: 'POST',
        url: `/enterpriseregistration/${id.tenantId}/EnrollmentServer/device/?api-version=2.0`,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        payload: body as object,
      });

    const deviceGrant = async (privateKey: CryptoKey, certDerBase64: string, refreshToken: string, scope = `${MDM_RESOURCE}/.default`) => {
      const now = Math.floor(Date.now() / 1000);
      const request = await new SignJWT({
        client_id: DEVICE_AGENT_CLIENT_ID,
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        scope,
        request_nonce: 'n-1',
      })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5c: [certDerBase64] })
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(privateKey);
      return id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ grant_type: DEVICE_JWT_BEARER_GRANT, request }),
      });
    };

    test('MS-DVRD discovery names the join endpoint and the DRS resource', async () => {
      const res = await id.app.inject({ url: `/enterpriseregistration/${id.domain}/Discover?api-version=1.9` });
      assert.equal(res.statusCode, 200);
      const doc = res.json();
      assert.equal(doc.DeviceJoinService.JoinEndpoint, `${id.base}/enterpriseregistration/${id.tenantId}/EnrollmentServer/device/?api-version=2.0`);
      assert.equal(doc.DeviceJoinService.JoinResourceId, DRS_RESOURCE);
      assert.equal(doc.AuthenticationService.OAuth2.TokenEndpoint, `${id.base}/${id.tenantId}/oauth2/v2.0/token`);
      assert.deepEqual(doc.TenantInfo, { TenantId: id.tenantId, TenantName: id.domain, DisplayName: `${id.domain} (test)` });
      const unknown = await id.app.inject({ url: '/enterpriseregistration/nowhere.example/Discover?api-version=1.9' });
      assert.equal(unknown.statusCode, 400);
      assert.equal(unknown.json().code, 'invalid_request');
    });

    test('join issues a device certificate from the tenant CA and hands over to management', async () => {
      const { csrBase64 } = await deviceCsr();
      const ztdId = newGuid();
      const res = await join(joinBody(csrBase64, { ZtdId: ztdId }));
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as DeviceJoinResponse;
      const pem = pemOf(body.Certificate.RawBody);
      const tenant = (await id.identity.store.findTenantById(id.tenantId))!;
      assert.ok(isIssuedBy(pem, tenant.deviceCaCertPem), 'issued by the tenant device CA');
      assert.equal(body.Certificate.Thumbprint, thumbprint(pem));
      assert.equal(new x509.X509Certificate(pem).subjectName.getField('CN')[0], body.DeviceId);
      const facts = readDeviceCertificate(pem);
      assert.deepEqual(facts, {
        deviceId: body.DeviceId,
        tenantId: id.tenantId,
        userObjectId: decodeJwt(userToken.access_token).oid,
        joined: true,
      });
      assert.equal(body.User?.Upn, `admin@${id.domain}`);
      assert.deepEqual(body.MdmEnrollment, {
        appId: SERVICE_APP_IDS.management,
        discoveryUrl: 'https://localhost:3/EnrollmentServer/Discovery.svc',
        termsOfUseUrl: 'https://localhost:3/tou',
        complianceUrl: 'https://localhost:3/compliance',
        resource: MDM_RESOURCE,
      });
      const device = (await id.identity.store.findDevice(id.tenantId, body.ObjectId))!;
      assert.equal(device.trustType, 'AzureAd');
      assert.equal(device.deviceId, body.DeviceId);
      assert.deepEqual(device.physicalIds, [`[ZTDID]:${ztdId}`]);
    });

    test("Graph shows a joined device under its user's registeredDevices, and the user as its registered owner; /me answers the user's own token", async () => {
      const joined = (await join(joinBody((await deviceCsr()).csrBase64, { ZtdId: newGuid() }))).json() as DeviceJoinResponse;
      const admin = await graphAppToken(id, id.tenantId, id.adminClientId, TEST_ADMIN_APP_SECRET);
      const graph = (url: string, token = admin) => id.app.inject({ url: `/graph/v1.0${url}`, headers: { authorization: `Bearer ${token}` } });
      const userId = decodeJwt(userToken.access_token).oid as string;

      const devices = await graph(`/users/${userId}/registeredDevices?$select=deviceId`);
      assert.equal(devices.statusCode, 200, devices.body);
      assert.ok(
        devices.json().value.some((d: Record<string, unknown>) => d.deviceId === joined.DeviceId && d.id === joined.ObjectId && d['@odata.type'] === '#microsoft.graph.device'),
        devices.body,
      );
      assert.deepEqual((await graph(`/users/admin@${id.domain}/ownedDevices`)).json().value.map((d: { id: string }) => d.id), devices.json().value.map((d: { id: string }) => d.id));
      const owners = await graph(`/devices/${joined.ObjectId}/registeredOwners`);
      assert.equal(owners.statusCode, 200, owners.body);
      assert.deepEqual(owners.json().value.map((u: Record<string, unknown>) => [u['@odata.type'], u.id, u.userPrincipalName]), [['#microsoft.graph.user', userId, `admin@${id.domain}`]]);
      assert.equal((await graph(`/devices/${newGuid()}/registeredUsers`)).statusCode, 404);

      const appOnly = await graph('/me');
      assert.equal(appOnly.statusCode, 400, 'an application token has no signed-in user');
      const delegated = await userTokens(`${GRAPH_RESOURCE}/User.Read`);
      const me = await graph('/me', delegated.access_token);
      assert.equal(me.statusCode, 200, me.body);
      assert.equal(me.json().id, userId);
      assert.doesNotMatch(me.body, /scrypt|password/i);
    });

    test('joining a device discovery pre-created keeps its object and device id; re-join keeps them too', async () => {
      const ztdId = newGuid();
      const placeholderDeviceId = newGuid();
      const graph = await id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({
          grant_type: 'client_credentials',
          client_id: SERVICE_APP_IDS.discovery,
          client_secret: id.ctx.serviceCredentials.discovery.clientSecret,
          scope: `${GRAPH_RESOURCE}/.default`,
        }),
      });
      const placeholder = await id.app.inject({
        method: 'PATCH',
        url: `/graph/v1.0/devices(deviceId='${placeholderDeviceId}')`,
        headers: { authorization: `Bearer ${graph.json().access_token}`, prefer: 'create-if-missing' },
        payload: { displayName: '5CG1234XYZ', physicalIds: [`[ZTDID]:${ztdId}`, '[OrderID]:Sales'], accountEnabled: true, operatingSystem: 'Windows' },
      });
      assert.equal(placeholder.statusCode, 201, placeholder.body);
      const objectId = placeholder.json().id;

      const first = await join(joinBody((await deviceCsr()).csrBase64, { ZtdId: ztdId.toUpperCase() }));
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.json().ObjectId, objectId);
      assert.equal(first.json().DeviceId, placeholderDeviceId);

      const second = await join(joinBody((await deviceCsr()).csrBase64, { ZtdId: ztdId }));
      assert.equal(second.statusCode, 200, second.body);
      assert.equal(second.json().ObjectId, objectId);
      assert.equal(second.json().DeviceId, placeholderDeviceId);
      assert.notEqual(second.json().Certificate.Thumbprint, first.json().Certificate.Thumbprint);

      const device = (await id.identity.store.findDevice(id.tenantId, objectId))!;
      assert.equal(device.trustType, 'AzureAd');
      assert.equal(device.certThumbprint, second.json().Certificate.Thumbprint);
      assert.deepEqual(device.physicalIds, [`[ZTDID]:${ztdId}`, '[OrderID]:Sales'], 'Autopilot physical ids survive the join');
      const all = await id.identity.store.listDevices(id.tenantId, { filter: physicalIdFilter(`[ZTDID]:${ztdId}`), limit: 10 });
      assert.equal(all.length, 1);
    });

    test('a device that joins before its Autopilot placeholder arrives still ends as one object', async () => {
      const ztdId = newGuid();
      const joined = await join(joinBody((await deviceCsr()).csrBase64, { ZtdId: ztdId }));
      assert.equal(joined.statusCode, 200, joined.body);
      const graph = await id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({
          grant_type: 'client_credentials',
          client_id: SERVICE_APP_IDS.discovery,
          client_secret: id.ctx.serviceCredentials.discovery.clientSecret,
          scope: `${GRAPH_RESOURCE}/.default`,
        }),
      });
      const late = await id.app.inject({
        method: 'PATCH',
        url: `/graph/v1.0/devices(deviceId='${newGuid()}')`,
        headers: { authorization: `Bearer ${graph.json().access_token}`, prefer: 'create-if-missing' },
        payload: { displayName: '5CG7654ABC', physicalIds: [`[ZTDID]:${ztdId}`, '[OrderID]:Sales'], accountEnabled: true, operatingSystem: 'Windows' },
      });
      assert.equal(late.statusCode, 200, late.body);
      assert.equal(late.json().deviceId, joined.json().DeviceId, 'discovery learns the joined device id');
      assert.equal(late.json().trustType, 'AzureAd', 'the join is not undone');
      const all = await id.identity.store.listDevices(id.tenantId, { filter: physicalIdFilter(`[ZTDID]:${ztdId}`), limit: 10 });
      assert.equal(all.length, 1);
      assert.deepEqual(all[0]!.physicalIds, [`[ZTDID]:${ztdId}`, '[OrderID]:Sales']);
    });

    test('malformed or unacceptable CSRs are 400 DRS errors', async () => {
      const weak = await deviceCsr({ modulusLength: 1024 });
      const wrongCn = await deviceCsr({ commonName: 'not-the-join-cn' });
      const valid = (await deviceCsr()).csrBase64;
      const tampered = Buffer.from(valid, 'base64');
      tampered[tampered.length - 10]! ^= 0xff;
      const cases = [
        joinBody('not base64 !!!'),
        joinBody(Buffer.from('hello').toString('base64')),
        joinBody(weak.csrBase64),
        joinBody(wrongCn.csrBase64),
        joinBody(tampered.toString('base64')),
        { ...joinBody(valid), CertificateRequest: { Type: 'x509', Data: valid } },
      ];
      for (const body of cases) {
        const res = await join(body);
        assert.equal(res.statusCode, 400, res.body);
        const err = res.json();
        assert.equal(err.code, 'invalid_request');
        assert.equal(err.subcode, 'error_invalid_csr');
        assert.equal(typeof err.message, 'string');
      }
      const shapes = [{}, { ...joinBody(valid), JoinType: 'zero' }, { ...joinBody(valid), JoinType: 9 }];
      for (const body of shapes) {
        const res = await join(body);
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().code, 'invalid_request');
      }
      const badJson = await id.app.inject({
        method: 'POST',
        url: `/enterpriseregistration/${id.tenantId}/EnrollmentServer/device/?api-version=2.0`,
        headers: { authorization: `Bearer ${userToken.access_token}`, 'content-type': 'application/json' },
        payload: '{"CertificateRequest":',
      });
      assert.equal(badJson.statusCode, 400);
      assert.equal(badJson.json().code, 'invalid_request');
    });

    test('property: hostile join bodies get a 4xx DRS error (or a valid join), never a 500', async () => {
      const valid = joinBody((await deviceCsr()).csrBase64);
      const mutated = fc.record({
        field: fc.constantFrom(...Object.keys(valid), 'CertificateRequest.Data', 'CertificateRequest.Type', 'ZtdId', 'Attributes'),
        value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 300 }), fc.base64String({ maxLength: 400 })),
      }).map(({ field, value }) => {
        const body = structuredClone(valid) as Record<string, any>;
        const [head, tail] = field.split('.');
        if (tail) body[head!] = { ...body[head!], [tail]: value };
        else body[head!] = value;
        return JSON.stringify(body);
      });
      const payloads = fc.oneof(mutated, fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 200 }));
      await fc.assert(
        fc.asyncProperty(payloads, async (payload) => {
          const res = await id.app.inject({
            method: 'POST',
            url: `/enterpriseregistration/${id.tenantId}/EnrollmentServer/device/?api-version=2.0`,
            headers: { authorization: `Bearer ${userToken.access_token}`, 'content-type': 'application/json' },
            payload,
          });
          // A mutation can leave the request valid; then it simply joins.
          if (res.statusCode === 200) return;
          assert.ok(res.statusCode >= 400 && res.statusCode < 500, `status ${res.statusCode} for ${payload}: ${res.body}`);
          const body = res.json();
          assert.equal(typeof body.code, 'string');
          assert.equal(typeof body.subcode, 'string');
        }),
        { numRuns: 150 },
      );
    });

    test('join without a valid DRS token is 401', async () => {
      const body = joinBody((await deviceCsr()).csrBase64);
      const none = await join(body, null);
      assert.equal(none.statusCode, 401);
      assert.equal(none.json().subcode, 'error_missing_token');
      const garbage = await join(body, 'abc.def.ghi');
      assert.equal(garbage.statusCode, 401);
      const graphToken = (await userTokens(`${GRAPH_RESOURCE}/.default`)).access_token;
      const wrongAudience = await join(body, graphToken);
      assert.equal(wrongAudience.statusCode, 401);
      assert.equal(wrongAudience.json().subcode, 'error_invalid_token');
    });

    test('device jwt-bearer grant yields a device-bound token; a certificate from another CA is refused', async () => {
      const device = await deviceCsr();
      const joined = (await join(joinBody(device.csrBase64, { ZtdId: newGuid() }))).json() as DeviceJoinResponse;
      const fresh = await userTokens(`${DRS_RESOURCE}/.default openid offline_access`);

      const res = await deviceGrant(device.keys.privateKey, joined.Certificate.RawBody, fresh.refresh_token);
      assert.equal(res.statusCode, 200, res.body);
      const verifier = new TokenVerifier({ identityUrl: id.base, audiences: [MDM_RESOURCE], fetch: id.fetch });
      const claims = await verifier.verify(res.json().access_token);
      assert.equal(claims.deviceid, joined.DeviceId);
      assert.equal(claims.aud, MDM_RESOURCE);
      assert.equal(claims.idtyp, 'user');
      const stored = (await id.identity.store.findDevice(id.tenantId, joined.ObjectId))!;
      assert.ok(stored.approximateLastSignIn);

      // The device-bound refresh token cannot be redeemed without the device.
      const unbound = await id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ grant_type: 'refresh_token', client_id: DEVICE_AGENT_CLIENT_ID, refresh_token: res.json().refresh_token }),
      });
      assert.equal(unbound.statusCode, 400);
      assert.equal(unbound.json().error, 'invalid_grant');
      const again = await deviceGrant(device.keys.privateKey, joined.Certificate.RawBody, res.json().refresh_token);
      assert.equal(again.statusCode, 200, again.body);

      // Same key, same subject, but signed by a CA the tenant never trusted.
      const rogueCa = await generateCertificateAuthority({ commonName: 'MS-Organization-Access', validityDays: 30, algorithm: 'RSA' });
      const publicKey = await x509.PublicKey.create(device.keys.publicKey, crypto);
      const roguePem = await signPublicKey(rogueCa, publicKey, { commonName: joined.DeviceId, validityDays: 30, usage: 'client' });
      const rogueDer = Buffer.from(new x509.X509Certificate(roguePem).rawData).toString('base64');
      const refused = await deviceGrant(device.keys.privateKey, rogueDer, again.json().refresh_token);
      assert.equal(refused.statusCode, 400);
      assert.equal(refused.json().error, 'invalid_grant');
      assert.deepEqual(refused.json().error_codes, [50155]);

      // Signed with a key that is not the certificate's.
      const other = await deviceCsr();
      const forged = await deviceGrant(other.keys.privateKey, joined.Certificate.RawBody, again.json().refresh_token);
      assert.equal(forged.statusCode, 400);
      assert.deepEqual(forged.json().error_codes, [50155]);

      // A disabled device gets nothing.
      await id.identity.store.updateDevice(id.tenantId, joined.ObjectId, { accountEnabled: false });
      const disabled = await deviceGrant(device.keys.privateKey, joined.Certificate.RawBody, again.json().refresh_token);
      assert.equal(disabled.statusCode, 400);
      assert.deepEqual(disabled.json().error_codes, [135011]);
    });

    test('a superseded certificate no longer authenticates the device', async () => {
      const ztdId = newGuid();
      const firstKeys = await deviceCsr();
      const first = (await join(joinBody(firstKeys.csrBase64, { ZtdId: ztdId }))).json() as DeviceJoinResponse;
      await join(joinBody((await deviceCsr()).csrBase64, { ZtdId: ztdId }));
      const fresh = await userTokens(`${DRS_RESOURCE}/.default offline_access`);
      const res = await deviceGrant(firstKeys.keys.privateKey, first.Certificate.RawBody, fresh.refresh_token);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error, 'invalid_grant');
    });
  });
}
