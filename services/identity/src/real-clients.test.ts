/**
 * Clients no one here wrote, against identity over real HTTPS: Microsoft's MSAL Node
 * (client credentials with a secret and with a certificate uploaded through Graph; device code
 * with the user signing in and passing TOTP through the pages) and panva's openid-client (discovery, authorization code + PKCE, refresh,
 * userinfo, private_key_jwt client credentials). Then forged tokens against kit's verifier.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ConfidentialClientApplication, PublicClientApplication, type INetworkModule, type NetworkRequestOptions } from '@azure/msal-node';
import * as oidc from 'openid-client';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { GRAPH_RESOURCE, ROLES } from '@baton/contracts';
import { TokenVerifier, type Fetch } from '@baton/kit';
import { hashPassword } from './domain/passwords.js';
import { enrolTotp, totpCode } from './domain/totp.js';
import { fetchTransport, submit } from './testing/browser.js';
import { backends, form, startIdentity, type RunningIdentity } from './testing/harness.js';

const REDIRECT = 'https://rp.example.test/signin-oidc';
const PASSWORD = 'Real clients password 1';

/** MSAL's network module on the test's fetch, which trusts the test CA. */
function msalNetwork(fetch: Fetch): INetworkModule {
  const send = async (method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions) => {
    const res = await fetch(url, { method, headers: options?.headers, body: options?.body });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    return { headers, body: (await res.json()) as any, status: res.status };
  };
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

for (const backend of backends()) {
  describe(`real clients over HTTPS: MSAL Node and openid-client (${backend.name})`, () => {
    let id: RunningIdentity;
    let host: string;
    let appId: string;
    const users: Record<string, { id: string; upn: string }> = {};

    before(async () => {
      id = await startIdentity(backend, { signin: { deviceCodeIntervalS: 1 } });
      host = new URL(id.base).host;
      appId = (await id.identity.registerApplication(id.tenantId, { displayName: 'RP', redirectUris: [REDIRECT] })).appId;
      for (const name of ['msal', 'oidc']) {
        const user = {
          id: randomUUID(),
          tenantId: id.tenantId,
          upn: `${name}@${id.domain}`,
          displayName: `${name} user`,
          passwordHash: await hashPassword(PASSWORD),
          accountEnabled: true,
          isAdmin: false,
          createdAt: new Date().toISOString(),
          modifiedAt: new Date().toISOString(),
          ...(name === 'oidc' ? { givenName: 'Olive', surname: 'Dyer', mail: `olive.dyer@${id.domain}` } : {}),
        };
        await id.identity.store.insertUser(user);
        users[name] = user;
      }
    });
    after(async () => {
      await id.close();
    });

    test('MSAL ConfidentialClientApplication: client credentials with a secret gives an app token with roles', async () => {
      const cca = new ConfidentialClientApplication({
        auth: { clientId: id.adminClientId, clientSecret: 'admin-app-secret-0123456789', authority: `${id.base}/${id.tenantId}`, knownAuthorities: [host] },
        system: { networkClient: msalNetwork(id.fetch) },
      });
      const result = await cca.acquireTokenByClientCredential({ scopes: [`${GRAPH_RESOURCE}/.default`] });
      assert.ok(result?.accessToken);
      const claims = decodeJwt(result.accessToken);
      assert.equal(claims.tid, id.tenantId);
      assert.equal(claims.ver, '2.0');
      assert.equal(claims.idtyp, 'app');
      assert.equal(claims.azp, id.adminClientId);
      assert.equal(claims.azpacr, '1');
      assert.ok((claims.roles as string[]).includes(ROLES.usersReadWrite));
      assert.equal(claims.scp, undefined);
    });

    test('MSAL ConfidentialClientApplication: a certificate uploaded through Graph keyCredentials signs its assertions (x5t#S256 and x5t)', async () => {
      const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
      const keys = (await crypto.subtle.generateKey(rsa, true, ['sign', 'verify'])) as CryptoKeyPair;
      const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: 'CN=Automation', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86400_000), keys, signingAlgorithm: rsa });
      const der = Buffer.from(cert.rawData);
      const privateKey = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64')}\n-----END PRIVATE KEY-----\n`;

      const admin = new ConfidentialClientApplication({
        auth: { clientId: id.adminClientId, clientSecret: 'admin-app-secret-0123456789', authority: `${id.base}/${id.tenantId}`, knownAuthorities: [host] },
        system: { networkClient: msalNetwork(id.fetch) },
      });
      const adminToken = (await admin.acquireTokenByClientCredential({ scopes: [`${GRAPH_RESOURCE}/.default`] }))!.accessToken;
      const graph = async (method: string, path: string, body?: unknown) => {
        const res = await id.fetch(`${id.base}/graph/v1.0${path}`, { method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
        return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as any) };
      };
      const uploaded = { type: 'AsymmetricX509Cert', usage: 'Verify', key: der.toString('base64'), displayName: 'CN=Automation' };
      const application = (await graph('POST', '/applications', { displayName: 'Automation' })).body;
      const upload = await graph('PATCH', `/applications/${application.id}`, { keyCredentials: [uploaded] });
      assert.equal(upload.status, 204, JSON.stringify(upload.body));
      // Created with its certificate at once, as New-MgApplication -KeyCredentials does.
      const createdWith = await graph('POST', '/applications', { displayName: 'Automation 2', keyCredentials: [uploaded] });
      assert.equal(createdWith.status, 201, JSON.stringify(createdWith.body));
      assert.equal(createdWith.body.keyCredentials[0].customKeyIdentifier, createHash('sha1').update(der).digest('base64'));
      assert.equal(createdWith.body.isFallbackPublicClient, false);
      const before = (await graph('GET', '/applications')).body.value.length;
      assert.equal((await graph('POST', '/applications', { displayName: 'Broken', keyCredentials: [{ ...uploaded, usage: 'Sign' }] })).status, 400);
      assert.equal((await graph('GET', '/applications')).body.value.length, before, 'nothing created by the refusal');
      const [shown] = (await graph('GET', `/applications/${application.id}`)).body.keyCredentials;
      assert.equal(shown.customKeyIdentifier, createHash('sha1').update(der).digest('base64'), "Graph's customKeyIdentifier: the SHA-1 thumbprint");
      assert.equal(shown.endDateTime, cert.notAfter.toISOString());
      assert.equal(shown.key, null, 'the certificate is not shown again');

      const tokenWith = (clientCertificate: { thumbprint?: string; thumbprintSha256?: string }) =>
        new ConfidentialClientApplication({
          auth: { clientId: application.appId, clientCertificate: { ...clientCertificate, privateKey }, authority: `${id.base}/${id.tenantId}`, knownAuthorities: [host] },
          system: { networkClient: msalNetwork(id.fetch) },
        }).acquireTokenByClientCredential({ scopes: [`${GRAPH_RESOURCE}/.default`] });
      for (const clientCertificate of [{ thumbprintSha256: createHash('sha256').update(der).digest('hex') }, { thumbprint: createHash('sha1').update(der).digest('hex') }]) {
        const result = await tokenWith(clientCertificate);
        const claims = decodeJwt(result!.accessToken);
        assert.equal(claims.azp, application.appId);
        assert.equal(claims.azpacr, '2', 'authenticated with a certificate');
      }

      // A certificate not uploaded is refused; so is the right one once it is removed.
      await assert.rejects(tokenWith({ thumbprintSha256: 'ab'.repeat(32) }), /invalid_client|700027/);
      assert.equal((await graph('PATCH', `/applications/${application.id}`, { keyCredentials: [] })).status, 204);
      await assert.rejects(tokenWith({ thumbprintSha256: createHash('sha256').update(der).digest('hex') }), /invalid_client|700027/);
      const notACertificate = await graph('PATCH', `/applications/${application.id}`, { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: 'bm90IGEgY2VydA==' }] });
      assert.equal(notACertificate.status, 400);
      assert.equal(notACertificate.body.error.code, 'Request_BadRequest');
      assert.deepEqual((await graph('GET', `/applications/${application.id}`)).body.keyCredentials, []);
    });

    test('MSAL PublicClientApplication: device code, the user signs in with password + TOTP on the pages', async () => {
      const user = users.msal!;
      const tenant = (await id.identity.store.findTenantById(id.tenantId))!;
      const record = (await id.identity.store.findUserById(id.tenantId, user.id))!;
      const enrolment = await enrolTotp(id.identity.deps, tenant, record);
      await id.identity.deps.signin.confirmTotp(id.tenantId, user.id);

      const pca = new PublicClientApplication({
        auth: { clientId: appId, authority: `${id.base}/${id.tenantId}`, knownAuthorities: [host] },
        system: { networkClient: msalNetwork(id.fetch) },
      });
      let browsing: Promise<void> | undefined;
      const result = await pca.acquireTokenByDeviceCode({
        scopes: ['User.Read'],
        deviceCodeCallback: (response) => {
          // What the person does with the code MSAL shows them.
          browsing = (async () => {
            const t = fetchTransport(id.base, id.fetch);
            const entry = await t('GET', new URL(response.verificationUri).pathname);
            const signin = await submit(t, entry, { user_code: response.userCode });
            const mfa = await submit(t, signin, { username: user.upn, password: PASSWORD });
            const done = await submit(t, mfa, { otp: totpCode(enrolment.secretKey) });
            assert.equal(done.status, 200, done.html);
          })();
        },
      });
      await browsing;
      assert.ok(result);
      assert.equal(result.account?.homeAccountId, `${user.id}.${id.tenantId}`, 'client_info made the account key');
      assert.equal(result.account?.tenantId, id.tenantId);
      assert.equal(result.account?.username, user.upn);
      const at = decodeJwt(result.accessToken);
      assert.equal(at.oid, user.id);
      assert.equal(at.scp, 'User.Read');
      assert.equal(at.azp, appId);
      assert.equal(at.azpacr, '0');
      assert.equal(at.idtyp, 'user');
      assert.deepEqual(at.amr, ['pwd', 'mfa']);
      assert.deepEqual(result.idTokenClaims && (result.idTokenClaims as { amr?: string[] }).amr, ['pwd', 'mfa']);
    });

    const discover = async (clientId: string, auth: oidc.ClientAuth = oidc.None(), metadata: Partial<oidc.ClientMetadata> = {}) => {
      const config = await oidc.discovery(new URL(`${id.base}/${id.tenantId}/v2.0`), clientId, { id_token_signed_response_alg: 'ES256', ...metadata }, auth, {
        [oidc.customFetch]: id.fetch as oidc.CustomFetch,
      });
      config[oidc.customFetch] = id.fetch as oidc.CustomFetch;
      return config;
    };

    test('openid-client: discovery, authorization code + PKCE, refresh, userinfo', async () => {
      const user = users.oidc!;
      const config = await discover(appId);
      assert.equal(config.serverMetadata().issuer, `${id.base}/${id.tenantId}/v2.0`);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT,
        scope: 'openid profile email offline_access',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      const t = fetchTransport(id.base, id.fetch);
      const page = await t('GET', url.pathname + url.search);
      const back = await submit(t, page, { username: user.upn, password: PASSWORD });
      assert.equal(back.status, 302, back.html);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(back.location!), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
      const claims = tokens.claims()!;
      assert.equal(claims.tid, id.tenantId);
      assert.equal(claims.oid, user.id);
      assert.equal(claims.ver, '2.0');
      assert.equal(claims.name, 'oidc user');
      assert.equal(claims.preferred_username, user.upn);
      assert.deepEqual(claims.amr, ['pwd']);
      assert.notEqual(claims.sub, user.id);
      const at = decodeJwt(tokens.access_token);
      assert.equal(at.sub, claims.sub, 'the same pairwise sub for the same app');
      assert.equal(at.azp, appId);
      assert.equal(at.scp, 'User.Read');

      const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      assert.equal(info.preferred_username, user.upn);
      // The profile's names and mail address, as Entra's userinfo gives them.
      assert.deepEqual([info.given_name, info.family_name, info.email], ['Olive', 'Dyer', `olive.dyer@${id.domain}`]);

      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      assert.ok(refreshed.access_token);
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
      // The first refresh token was rotated away: using it again is a replay.
      await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!), (e: { error?: string }) => e.error === 'invalid_grant');
    });

    test('openid-client: client credentials with private_key_jwt; a replayed assertion is refused', async () => {
      const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
      const daemon = (
        await id.identity.registerApplication(id.tenantId, { displayName: 'Daemon', redirectUris: [], publicKeys: [jwk], roles: [ROLES.devicesReadWrite] })
      ).appId;
      const config = await discover(daemon, oidc.PrivateKeyJwt({ key: privateKey, kid: 'k1' }), { token_endpoint_auth_method: 'private_key_jwt' });
      const tokens = await oidc.clientCredentialsGrant(config, { scope: `${GRAPH_RESOURCE}/.default` });
      const claims = decodeJwt(tokens.access_token);
      assert.equal(claims.azp, daemon);
      assert.equal(claims.azpacr, '2');
      assert.deepEqual(claims.roles, [ROLES.devicesReadWrite]);

      // Cast, so a test can send a jti that is not a string.
      const sign = (jti: unknown) =>
        new SignJWT({ jti } as unknown as JWTPayload)
          .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
          .setIssuer(daemon)
          .setSubject(daemon)
          .setAudience(`${id.base}/${id.tenantId}/oauth2/v2.0/token`)
          .setIssuedAt()
          .setExpirationTime('2m')
          .sign(privateKey);
      const assertion = await sign(randomUUID());
      const post = (clientAssertion = assertion) =>
        id.fetch(`${id.base}/${id.tenantId}/oauth2/v2.0/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form({
            grant_type: 'client_credentials',
            scope: `${GRAPH_RESOURCE}/.default`,
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: clientAssertion,
          }),
        });
      // A jti that is a JSON object (one whose toString is not a function) is the client's error.
      const tooLong = await post(
        await new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(daemon).setSubject(daemon).setAudience(`${id.base}/${id.tenantId}/oauth2/v2.0/token`).setIssuedAt().setExpirationTime('30m').sign(privateKey),
      );
      assert.equal(tooLong.status, 401, 'an assertion may live 10 minutes');
      const objectJti = await post(await sign({ toString: [] }));
      assert.equal(objectJti.status, 401);
      assert.equal(((await objectJti.json()) as { error: string }).error, 'invalid_client');
      assert.equal((await post()).status, 200);
      const replay = await post();
      assert.equal(replay.status, 401);
      const body = (await replay.json()) as { error: string; access_token?: string };
      assert.equal(body.error, 'invalid_client');
      assert.equal(body.access_token, undefined);
    });

    test('alg:none and HS256 signed with the public key are refused by kit TokenVerifier and by Graph', async () => {
      const good = (
        await (
          await id.fetch(`${id.base}/${id.tenantId}/oauth2/v2.0/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: form({ grant_type: 'client_credentials', client_id: id.adminClientId, client_secret: 'admin-app-secret-0123456789', scope: `${GRAPH_RESOURCE}/.default` }),
          })
        ).json()
      ).access_token as string;
      const payload = decodeJwt(good);
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
      const jwks = (await (await id.fetch(`${id.base}/${id.tenantId}/discovery/v2.0/keys`)).json()) as { keys: { kid: string }[] };
      const publicKeyText = JSON.stringify(jwks.keys[0]);
      const hsInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: jwks.keys[0]!.kid })}.${b64(payload)}`;
      const hs256 = `${hsInput}.${createHmac('sha256', publicKeyText).update(hsInput).digest('base64url')}`;
      const verifier = new TokenVerifier({ identityUrl: id.base, audiences: [GRAPH_RESOURCE], fetch: id.fetch });
      assert.ok(await verifier.verify(good));
      for (const forged of [none, hs256]) {
        await assert.rejects(verifier.verify(forged));
        const res = await id.fetch(`${id.base}/graph/v1.0/organization`, { headers: { authorization: `Bearer ${forged}` } });
        assert.equal(res.status, 401);
      }
    });
  });
}
