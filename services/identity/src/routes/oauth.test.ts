import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { DEVICE_AGENT_CLIENT_ID, DRS_RESOURCE, GRAPH_RESOURCE, MDM_RESOURCE, ROLES, SERVICE_APP_IDS, SERVICE_APP_ROLES } from '@baton/contracts';
import { TokenVerifier } from '@baton/kit';
import { backends, form, startIdentity, type RunningIdentity } from '../testing/harness.js';

const PASSWORD = 'correct horse battery';

for (const backend of backends()) {
  describe(`OAuth endpoints (${backend.name})`, () => {
    let id: RunningIdentity;
    before(async () => {
      id = await startIdentity(backend);
    });
    after(async () => {
      await id.close();
    });

    const token = (values: Record<string, string>, headers: Record<string, string> = {}) =>
      id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: form(values),
      });
    const passwordGrant = (extra: Record<string, string> = {}) =>
      token({
        grant_type: 'password',
        client_id: DEVICE_AGENT_CLIENT_ID,
        username: `admin@${id.domain}`,
        password: PASSWORD,
        scope: `${DRS_RESOURCE}/.default openid profile offline_access`,
        ...extra,
      });

    test('discovery document names the tenant issuer, token endpoint and JWKS, by id and by domain', async () => {
      for (const ref of [id.tenantId, id.domain]) {
        const res = await id.app.inject({ url: `/${ref}/v2.0/.well-known/openid-configuration` });
        assert.equal(res.statusCode, 200);
        const doc = res.json();
        assert.equal(doc.issuer, `${id.base}/${id.tenantId}/v2.0`);
        assert.equal(doc.token_endpoint, `${id.base}/${id.tenantId}/oauth2/v2.0/token`);
        assert.equal(doc.jwks_uri, `${id.base}/${id.tenantId}/discovery/v2.0/keys`);
        assert.ok(doc.authorization_endpoint.startsWith(`${id.base}/${id.tenantId}/`));
        assert.deepEqual(doc.id_token_signing_alg_values_supported, ['ES256']);
      }
    });

    test('unknown tenant is an OAuth invalid_tenant with AADSTS90002', async () => {
      for (const url of ['/00000000-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration', '/nowhere.example/discovery/v2.0/keys']) {
        const res = await id.app.inject({ url });
        assert.equal(res.statusCode, 400);
        const body = res.json();
        assert.equal(body.error, 'invalid_tenant');
        assert.deepEqual(body.error_codes, [90002]);
        assert.match(body.error_description, /^AADSTS90002:/);
        assert.ok(body.trace_id && body.correlation_id && body.timestamp);
      }
    });

    test('JWKS publishes one ES256 signing key without private parts', async () => {
      const res = await id.app.inject({ url: `/${id.tenantId}/discovery/v2.0/keys` });
      assert.equal(res.statusCode, 200);
      const { keys } = res.json();
      assert.equal(keys.length, 1);
      const [key] = keys;
      assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      assert.equal(key.kty, 'EC');
      assert.equal(key.crv, 'P-256');
      assert.equal(key.alg, 'ES256');
      assert.equal(key.use, 'sig');
    });

    test('password grant issues an ES256 user token that verifies through the JWKS over HTTPS', async () => {
      const res = await passwordGrant({ client_info: '1' });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 3600);
      assert.equal(body.ext_expires_in, 3600);
      assert.ok(body.refresh_token);
      assert.ok(body.id_token);
      assert.match(body.scope, /offline_access/);
      assert.equal(res.headers['cache-control'], 'no-store');

      const verifier = new TokenVerifier({ identityUrl: id.base, audiences: [DRS_RESOURCE], fetch: id.fetch });
      const claims = await verifier.verify(body.access_token);
      assert.equal(decodeProtectedHeader(body.access_token).alg, 'ES256');
      assert.equal(claims.iss, `${id.base}/${id.tenantId}/v2.0`);
      assert.equal(claims.aud, DRS_RESOURCE);
      assert.equal(claims.tid, id.tenantId);
      assert.equal(claims.ver, '2.0');
      assert.equal(claims.idtyp, 'user');
      assert.equal(claims.azp, DEVICE_AGENT_CLIENT_ID);
      assert.equal(claims.azpacr, '0');
      assert.equal(claims.upn, `admin@${id.domain}`);
      assert.equal(claims.preferred_username, `admin@${id.domain}`);
      assert.equal(claims.name, 'Admin');
      assert.equal(claims.scp, 'adrs_access');
      assert.ok(typeof claims.oid === 'string' && typeof claims.sub === 'string');
      assert.equal(claims.exp! - claims.iat!, 3600);
      assert.equal(claims.nbf, claims.iat);
      assert.equal(claims.roles, undefined);
      assert.equal(claims.deviceid, undefined);

      const idToken = decodeJwt(body.id_token);
      assert.equal(idToken.aud, DEVICE_AGENT_CLIENT_ID);
      assert.equal(idToken.oid, claims.oid);
      const info = JSON.parse(Buffer.from(body.client_info, 'base64url').toString());
      assert.deepEqual(info, { uid: claims.oid, utid: id.tenantId });
    });

    test('wrong password and unknown user are the same 400 invalid_grant 50126', async () => {
      const cases: Record<string, string>[] = [{ password: 'wrong password' }, { username: `nobody@${id.domain}` }];
      for (const extra of cases) {
        const res = await passwordGrant(extra);
        assert.equal(res.statusCode, 400);
        const body = res.json();
        assert.equal(body.error, 'invalid_grant');
        assert.deepEqual(body.error_codes, [50126]);
      }
    });

    test('unknown client is 400 unauthorized_client 700016', async () => {
      const res = await passwordGrant({ client_id: '11111111-2222-3333-4444-555555555555' });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error, 'unauthorized_client');
      assert.deepEqual(res.json().error_codes, [700016]);
    });

    test('no scope → 400 invalid_request; offline_access absent → no refresh token; no openid → no id_token', async () => {
      const missing = await passwordGrant({ scope: '' });
      assert.equal(missing.statusCode, 400);
      assert.deepEqual(missing.json().error_codes, [900144]);
      const res = await passwordGrant({ scope: `${GRAPH_RESOURCE}/.default` });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().refresh_token, undefined);
      assert.equal(res.json().id_token, undefined);
      const claims = decodeJwt(res.json().access_token);
      assert.equal(claims.aud, GRAPH_RESOURCE);
      assert.match(String(claims.scp), /Device\.ReadWrite\.All/, 'the tenant admin holds the admin permissions');
    });

    test('client_credentials for a Baton service app carries its roles from contracts', async () => {
      const res = await token({
        grant_type: 'client_credentials',
        client_id: SERVICE_APP_IDS.discovery,
        client_secret: id.ctx.serviceCredentials.discovery.clientSecret,
        scope: `${GRAPH_RESOURCE}/.default`,
      });
      assert.equal(res.statusCode, 200, res.body);
      const verifier = new TokenVerifier({ identityUrl: id.base, audiences: [GRAPH_RESOURCE], fetch: id.fetch });
      const claims = await verifier.verify(res.json().access_token);
      assert.deepEqual(claims.roles, SERVICE_APP_ROLES.discovery);
      assert.equal(claims.idtyp, 'app');
      assert.equal(claims.azp, SERVICE_APP_IDS.discovery);
      assert.equal(claims.azpacr, '1');
      assert.equal(claims.scp, undefined);
      assert.equal(res.json().refresh_token, undefined);
    });

    test("client_credentials for the tenant's admin app, with client_secret_basic", async () => {
      const basic = Buffer.from(`${id.adminClientId}:${encodeURIComponent('admin-app-secret-0123456789')}`).toString('base64');
      const res = await token({ grant_type: 'client_credentials', scope: `${MDM_RESOURCE}/.default` }, { authorization: `Basic ${basic}` });
      assert.equal(res.statusCode, 200, res.body);
      const claims = decodeJwt(res.json().access_token);
      assert.ok((claims.roles as string[]).includes(ROLES.devicesReadWrite));
      assert.equal(claims.aud, MDM_RESOURCE);
    });

    test('client_credentials refuses a bad secret (401), public clients and non-.default scopes', async () => {
      const bad = await token({
        grant_type: 'client_credentials',
        client_id: SERVICE_APP_IDS.management,
        client_secret: 'nope',
        scope: `${GRAPH_RESOURCE}/.default`,
      });
      assert.equal(bad.statusCode, 401);
      assert.equal(bad.json().error, 'invalid_client');
      const pub = await token({ grant_type: 'client_credentials', client_id: DEVICE_AGENT_CLIENT_ID, scope: `${GRAPH_RESOURCE}/.default` });
      assert.equal(pub.statusCode, 401);
      assert.equal(pub.json().error, 'invalid_client');
      const scope = await token({
        grant_type: 'client_credentials',
        client_id: SERVICE_APP_IDS.management,
        client_secret: id.ctx.serviceCredentials.management.clientSecret,
        scope: `${GRAPH_RESOURCE}/Device.Read.All`,
      });
      assert.equal(scope.statusCode, 400);
      assert.deepEqual(scope.json().error_codes, [1002012]);
      const resource = await token({
        grant_type: 'client_credentials',
        client_id: SERVICE_APP_IDS.management,
        client_secret: id.ctx.serviceCredentials.management.clientSecret,
        scope: 'https://elsewhere.example/.default',
      });
      assert.equal(resource.statusCode, 400);
      assert.equal(resource.json().error, 'invalid_resource');
    });

    test('refresh rotates the token; replaying a used one fails and revokes the whole family', async () => {
      const first = (await passwordGrant()).json();
      const second = await token({ grant_type: 'refresh_token', client_id: DEVICE_AGENT_CLIENT_ID, refresh_token: first.refresh_token });
      assert.equal(second.statusCode, 200, second.body);
      const rotated = second.json();
      assert.ok(rotated.refresh_token && rotated.refresh_token !== first.refresh_token);
      assert.equal(decodeJwt(rotated.access_token).aud, DRS_RESOURCE, 'the original scope is kept');
      assert.ok(rotated.id_token);

      const switched = await token({
        grant_type: 'refresh_token',
        client_id: DEVICE_AGENT_CLIENT_ID,
        refresh_token: rotated.refresh_token,
        scope: `${MDM_RESOURCE}/.default openid`,
      });
      assert.equal(switched.statusCode, 200);
      assert.equal(decodeJwt(switched.json().access_token).aud, MDM_RESOURCE);
      const live = switched.json().refresh_token;

      const replay = await token({ grant_type: 'refresh_token', client_id: DEVICE_AGENT_CLIENT_ID, refresh_token: first.refresh_token });
      assert.equal(replay.statusCode, 400);
      assert.equal(replay.json().error, 'invalid_grant');
      const afterReplay = await token({ grant_type: 'refresh_token', client_id: DEVICE_AGENT_CLIENT_ID, refresh_token: live });
      assert.equal(afterReplay.statusCode, 400, 'the newest token of the family died with the replay');
      assert.equal(afterReplay.json().error, 'invalid_grant');
    });

    test('a refresh token only works for the client it was issued to', async () => {
      const first = (await passwordGrant()).json();
      const res = await token({
        grant_type: 'refresh_token',
        client_id: id.adminClientId,
        client_secret: 'admin-app-secret-0123456789',
        refresh_token: first.refresh_token,
      });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json().error_codes, [70000]);
      const still = await token({ grant_type: 'refresh_token', client_id: DEVICE_AGENT_CLIENT_ID, refresh_token: first.refresh_token });
      assert.equal(still.statusCode, 200, 'a wrong client does not burn the token');
    });

    test('framework-level failures come out as OAuth errors', async () => {
      const json = await id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/json' },
        payload: '{"grant_type":',
      });
      assert.equal(json.statusCode, 400);
      assert.equal(json.json().error, 'invalid_request');
      const repeated = await id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'grant_type=password&grant_type=client_credentials',
      });
      assert.equal(repeated.statusCode, 400);
      assert.equal(repeated.json().error, 'invalid_request');
      const empty = await id.app.inject({ method: 'POST', url: `/${id.tenantId}/oauth2/v2.0/token` });
      assert.equal(empty.statusCode, 400);
      assert.equal(empty.json().error, 'invalid_request');
      const big = await id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `grant_type=password&x=${'a'.repeat(100_000)}`,
      });
      assert.equal(big.statusCode, 400);
      assert.equal(big.json().error, 'invalid_request');
      const grant = await token({ grant_type: 'urn:ietf:params:oauth:grant-type:saml2-bearer' });
      assert.equal(grant.json().error, 'unsupported_grant_type');
    });

    test('property: hostile form bodies always get a 4xx OAuth JSON error, never a 500', async () => {
      const keys = fc.constantFrom(
        'grant_type',
        'client_id',
        'client_secret',
        'scope',
        'username',
        'password',
        'refresh_token',
        'request',
        'client_info',
        '__proto__',
        'constructor',
        'toString',
      );
      const values = fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.constantFrom(
          'password',
          'client_credentials',
          'refresh_token',
          'urn:ietf:params:oauth:grant-type:jwt-bearer',
          DEVICE_AGENT_CLIENT_ID,
          SERVICE_APP_IDS.discovery,
          `${GRAPH_RESOURCE}/.default`,
          `${DRS_RESOURCE}/.default openid offline_access`,
          'eyJhbGciOiJSUzI1NiIsIng1YyI6WyJBQUFBIl19.e30.AAAA',
          'eyJhbGciOiJub25lIn0.e30.',
          '%00%ff',
        ),
      );
      const pairs = fc.array(fc.tuple(keys, values), { maxLength: 8 });
      const raw = fc.oneof(
        pairs.map((p) => p.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')),
        fc.string({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
      );
      const contentType = fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'application/x-www-form-urlencoded; charset=utf-8');
      await fc.assert(
        fc.asyncProperty(raw, contentType, async (payload, type) => {
          const res = await id.app.inject({
            method: 'POST',
            url: `/${id.tenantId}/oauth2/v2.0/token`,
            headers: { 'content-type': type },
            payload,
          });
          assert.ok(res.statusCode === 400 || res.statusCode === 401, `status ${res.statusCode} for ${JSON.stringify(payload)}: ${res.body}`);
          const body = res.json();
          assert.equal(typeof body.error, 'string');
          assert.ok(Array.isArray(body.error_codes));
        }),
        { numRuns: 300 },
      );
    });
  });
}
