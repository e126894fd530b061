import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { decodeJwt } from 'jose';
import { DEVICE_AGENT_CLIENT_ID, GRAPH_RESOURCE } from '@baton/contracts';
import { TokenVerifier } from '@baton/kit';
import { hashPassword } from '../domain/passwords.js';
import { totpCode } from '../domain/totp.js';
import { alertOf, formOf, injectTransport, pkcePair, submit, type Transport } from '../testing/browser.js';
import { backends, form, startIdentity, type RunningIdentity } from '../testing/harness.js';

const REDIRECT = 'https://app.example.test/callback';
const PASSWORD = 'Pa55word for tests';

for (const backend of backends()) {
  describe(`sign-in: authorization code, MFA, lockout, device code (${backend.name})`, () => {
    let id: RunningIdentity;
    let clock = 0;
    let appId: string;
    let confidentialId: string;
    let otherTenantApp: string;
    let otherAdminClient: string;
    let otherTenantId: string;
    const browser = (ip = `10.0.0.${Math.floor(Math.random() * 250) + 1}`): Transport => injectTransport(id.app, ip);

    before(async () => {
      id = await startIdentity(backend, {
        now: () => new Date(Date.now() + clock),
        signin: { lockAfter: 3, ipFailuresPerMinute: 8, userCodeFailuresPerMinute: 4, deviceCodeIntervalS: 2, deviceCodeLifetimeS: 60 },
      });
      appId = (await id.identity.registerApplication(id.tenantId, { displayName: 'Native app', redirectUris: [REDIRECT] })).appId;
      confidentialId = (
        await id.identity.registerApplication(id.tenantId, { displayName: 'Web app', redirectUris: [REDIRECT], secret: 'web-app-secret-0123456789' })
      ).appId;
      const other = await id.identity.bootstrapTenant({
        domain: `other${randomUUID().slice(0, 6)}.baton.test`,
        displayName: 'Other',
        branding: { companyName: 'Other' },
        admin: { upn: `admin@other.test`, password: PASSWORD, displayName: 'Other admin' },
        adminApp: { secret: 'other-admin-secret-0123456789', roles: [] },
        mdmApp: { discoveryUrl: 'https://localhost:3/EnrollmentServer/Discovery.svc' },
      });
      otherAdminClient = other.adminClientId;
      otherTenantId = other.tenantId;
      otherTenantApp = (await id.identity.registerApplication(other.tenantId, { displayName: 'Other app', redirectUris: [REDIRECT] })).appId;
    });
    after(async () => {
      await id.close();
    });

    const newUser = async (name: string) => {
      const user = {
        id: randomUUID(),
        tenantId: id.tenantId,
        upn: `${name}-${randomUUID().slice(0, 8)}@${id.domain}`,
        displayName: `User ${name}`,
        passwordHash: await hashPassword(PASSWORD),
        accountEnabled: true,
        isAdmin: false,
        createdAt: new Date().toISOString(),
        modifiedAt: new Date().toISOString(),
      };
      await id.identity.store.insertUser(user);
      return user;
    };
    const authorizePath = (params: Record<string, string>) => `/${id.tenantId}/oauth2/v2.0/authorize?${form(params)}`;
    const codeRequest = (challenge: string, extra: Record<string, string> = {}) => ({
      client_id: appId,
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: 'openid profile offline_access',
      state: 'st-1',
      nonce: 'n-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    });
    const token = (values: Record<string, string>) =>
      id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form(values),
      });
    /** Signs in on the pages and returns the authorization code. */
    const signIn = async (upn: string, challenge: string, t = browser(), otp?: () => string) => {
      const page = await t('GET', authorizePath(codeRequest(challenge)));
      assert.equal(page.status, 200, page.html);
      let next = await submit(t, page, { username: upn, password: PASSWORD });
      if (otp) {
        assert.equal(next.status, 200, next.html);
        assert.match(next.html, /authenticator app/);
        next = await submit(t, next, { otp: otp() });
      }
      assert.equal(next.status, 302, next.html);
      const location = new URL(next.location!);
      assert.equal(location.origin + location.pathname, REDIRECT);
      assert.equal(location.searchParams.get('state'), 'st-1');
      assert.equal(location.searchParams.get('iss'), `${id.base}/${id.tenantId}/v2.0`);
      return location.searchParams.get('code')!;
    };
    const redeem = (code: string, verifier: string, extra: Record<string, string> = {}) =>
      token({ grant_type: 'authorization_code', client_id: appId, code, redirect_uri: REDIRECT, code_verifier: verifier, client_info: '1', ...extra });

    test('discovery: concrete issuer per tenant, {tenantid} templates on common and organizations', async () => {
      const doc = (await id.app.inject({ url: `/${id.domain}/v2.0/.well-known/openid-configuration` })).json();
      assert.equal(doc.issuer, `${id.base}/${id.tenantId}/v2.0`);
      assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
      assert.equal(doc.device_authorization_endpoint, `${id.base}/${id.tenantId}/oauth2/v2.0/devicecode`);
      assert.ok(doc.grant_types_supported.includes('urn:ietf:params:oauth:grant-type:device_code'));
      for (const pseudo of ['common', 'organizations']) {
        const templated = (await id.app.inject({ url: `/${pseudo}/v2.0/.well-known/openid-configuration` })).json();
        assert.equal(templated.issuer, `${id.base}/{tenantid}/v2.0`);
        assert.equal(templated.token_endpoint, `${id.base}/{tenantid}/oauth2/v2.0/token`);
      }
    });

    test('the sign-in page is accessible and branded, and sends nothing to an unregistered redirect_uri', async () => {
      const t = browser();
      const { challenge } = pkcePair();
      const page = await t('GET', authorizePath(codeRequest(challenge)));
      assert.equal(page.status, 200);
      assert.match(page.html, /<html lang="en">/);
      assert.match(page.html, /<label for="f-username">/);
      assert.match(page.html, /<label for="f-password">/);
      assert.match(page.html, /autofocus/);
      assert.match(page.html, /Contoso \(test\)/);
      assert.match(page.html, /Welcome/);
      assert.match(page.html, /background:#0F6CBD/);
      assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
      const wrong = await submit(t, page, { username: 'nobody@x.test', password: 'nope' });
      assert.equal(wrong.status, 400);
      assert.equal(alertOf(wrong.html), 'Your account or password is incorrect.');
      assert.match(wrong.html, /aria-describedby="error"/);

      for (const redirect of [`${REDIRECT}/`, `${REDIRECT}?x=1`, REDIRECT.toUpperCase(), 'https://evil.example/callback']) {
        const res = await t('GET', authorizePath(codeRequest(challenge, { redirect_uri: redirect })));
        assert.equal(res.status, 400, redirect);
        assert.equal(res.location, undefined);
        assert.match(res.html, /does not match the redirect URIs registered/);
      }
    });

    test('PKCE is required and only S256: plain and a missing challenge are refused at the redirect', async () => {
      const t = browser();
      const { challenge } = pkcePair();
      const downgrades: Record<string, string>[] = [{ code_challenge_method: 'plain' }, { code_challenge: '' }, { code_challenge_method: '' }];
      for (const extra of downgrades) {
        const res = await t('GET', authorizePath(codeRequest(challenge, extra)));
        assert.equal(res.status, 302);
        const location = new URL(res.location!);
        assert.equal(location.searchParams.get('error'), 'invalid_request');
        assert.equal(location.searchParams.get('state'), 'st-1');
        assert.equal(location.searchParams.get('code'), null);
      }
    });

    test('authorization code + PKCE issues Entra v2 tokens with amr pwd; the verifier must match', async () => {
      const user = await newUser('alice');
      const { verifier, challenge } = pkcePair();
      const code = await signIn(user.upn, challenge);
      const res = await redeem(code, verifier);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      const verifierClient = new TokenVerifier({ identityUrl: id.base, audiences: [GRAPH_RESOURCE], fetch: id.fetch });
      const claims = await verifierClient.verify(body.access_token);
      assert.equal(claims.tid, id.tenantId);
      assert.equal(claims.oid, user.id);
      assert.equal(claims.ver, '2.0');
      assert.equal(claims.scp, 'User.Read');
      assert.equal(claims.azp, appId);
      assert.equal(claims.azpacr, '0');
      assert.equal(claims.idtyp, 'user');
      assert.deepEqual(claims.amr, ['pwd']);
      const idToken = decodeJwt(body.id_token);
      assert.equal(idToken.nonce, 'n-1');
      assert.equal(idToken.aud, appId);
      assert.deepEqual(idToken.amr, ['pwd']);
      assert.equal(idToken.name, user.displayName);
      assert.equal(idToken.preferred_username, user.upn);
      assert.notEqual(idToken.sub, user.id, 'sub is pairwise, not the object id');
      assert.deepEqual(JSON.parse(Buffer.from(body.client_info, 'base64url').toString()), { uid: user.id, utid: id.tenantId });

      const info = await id.app.inject({ url: `/${id.tenantId}/openid/userinfo`, headers: { authorization: `Bearer ${body.access_token}` } });
      assert.equal(info.statusCode, 200);
      assert.equal(info.json().sub, idToken.sub);
      assert.equal(info.json().preferred_username, user.upn);
      const anonymous = await id.app.inject({ url: `/${id.tenantId}/openid/userinfo` });
      assert.equal(anonymous.statusCode, 401);
      assert.match(String(anonymous.headers['www-authenticate']), /invalid_token/);

      // A wrong verifier burns the code: the right one does not work after it.
      const second = pkcePair();
      const code2 = await signIn(user.upn, second.challenge);
      const wrong = await redeem(code2, pkcePair().verifier);
      assert.equal(wrong.statusCode, 400);
      assert.equal(wrong.json().error, 'invalid_grant');
      assert.deepEqual(wrong.json().error_codes, [501481]);
      const missing = await redeem(await signIn(user.upn, second.challenge), '');
      assert.equal(missing.json().error, 'invalid_request');
      const other = await redeem(await signIn(user.upn, second.challenge), second.verifier, { redirect_uri: `${REDIRECT}/other` });
      assert.deepEqual(other.json().error_codes, [50011]);
    });

    test('a replayed authorization code is refused and revokes the refresh tokens issued from it', async () => {
      const user = await newUser('replay');
      const { verifier, challenge } = pkcePair();
      const code = await signIn(user.upn, challenge);
      const first = await redeem(code, verifier);
      assert.equal(first.statusCode, 200);
      const replay = await redeem(code, verifier);
      assert.equal(replay.statusCode, 400);
      assert.equal(replay.json().error, 'invalid_grant');
      assert.deepEqual(replay.json().error_codes, [54005]);
      assert.equal(replay.json().access_token, undefined);
      const refresh = await token({ grant_type: 'refresh_token', client_id: appId, refresh_token: first.json().refresh_token });
      assert.equal(refresh.statusCode, 400);
      assert.equal(refresh.json().error, 'invalid_grant');
    });

    test('refresh rotation keeps amr; a replayed refresh token revokes its family', async () => {
      const user = await newUser('rotate');
      const { verifier, challenge } = pkcePair();
      const first = (await redeem(await signIn(user.upn, challenge), verifier)).json();
      const second = await token({ grant_type: 'refresh_token', client_id: appId, refresh_token: first.refresh_token });
      assert.equal(second.statusCode, 200);
      assert.deepEqual(decodeJwt(second.json().access_token).amr, ['pwd']);
      const replay = await token({ grant_type: 'refresh_token', client_id: appId, refresh_token: first.refresh_token });
      assert.equal(replay.statusCode, 400);
      assert.deepEqual(replay.json().error_codes, [70008]);
      const afterReplay = await token({ grant_type: 'refresh_token', client_id: appId, refresh_token: second.json().refresh_token });
      assert.equal(afterReplay.statusCode, 400, 'the rotated successor died with its family');
    });

    test('a client of tenant B cannot use tenant A, and a code of tenant A is worthless at tenant B', async () => {
      const { challenge } = pkcePair();
      const res = await browser()('GET', authorizePath(codeRequest(challenge, { client_id: otherTenantApp })));
      assert.equal(res.status, 400);
      assert.equal(res.location, undefined);
      // Tenant B's confidential client, with its right secret, at tenant A's token endpoint.
      const tokenRes = await token({
        grant_type: 'client_credentials',
        client_id: otherAdminClient,
        client_secret: 'other-admin-secret-0123456789',
        scope: `${GRAPH_RESOURCE}/.default`,
      });
      assert.equal(tokenRes.statusCode, 400);
      assert.equal(tokenRes.json().error, 'unauthorized_client');
      assert.equal(tokenRes.json().access_token, undefined);
      // A code issued in tenant A, redeemed at tenant B's endpoint, is unknown there.
      const user = await newUser('crosstenant');
      const { verifier, challenge: c2 } = pkcePair();
      const code = await signIn(user.upn, c2);
      const atB = await id.app.inject({
        method: 'POST',
        url: `/${otherTenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ grant_type: 'authorization_code', client_id: otherTenantApp, code, redirect_uri: REDIRECT, code_verifier: verifier }),
      });
      assert.equal(atB.statusCode, 400);
      assert.equal(atB.json().error, 'invalid_grant');
    });

    test('TOTP: enrol through Graph, sign-in then asks for a code; amr is pwd+mfa; wrong and reused codes fail', async () => {
      const user = await newUser('mfa');
      // The user enrols with their own Graph token (password grant works until MFA is on).
      const self = await token({ grant_type: 'password', client_id: appId, username: user.upn, password: PASSWORD, scope: 'User.Read' });
      assert.equal(self.statusCode, 200, self.body);
      const auth = { authorization: `Bearer ${self.json().access_token}` };
      const methods = `/graph/v1.0/users/${user.id}/authentication/softwareOathMethods`;
      const enrol = await id.app.inject({ method: 'POST', url: methods, headers: auth });
      assert.equal(enrol.statusCode, 201, enrol.body);
      const { id: methodId, secretKey } = enrol.json();
      assert.match(enrol.json()['otpauthUri@baton'], /^otpauth:\/\/totp\/.+secret=/);
      assert.match(enrol.json()['qrCodeSvg@baton'], /^<svg[^>]*viewBox="0 0 \d+ \d+"[\s\S]*<\/svg>$/);
      const recovery: string[] = enrol.json()['recoveryCodes@baton'];
      assert.equal(recovery.length, 10);
      assert.deepEqual((await id.app.inject({ url: methods, headers: auth })).json().value, [], 'unconfirmed methods are not listed');
      const bad = await id.app.inject({ method: 'POST', url: `${methods}/${methodId}/verify`, headers: auth, payload: { code: '000000' } });
      assert.equal(bad.statusCode, 400);
      const now = () => new Date(Date.now() + clock);
      const ok = await id.app.inject({ method: 'POST', url: `${methods}/${methodId}/verify`, headers: auth, payload: { code: totpCode(secretKey, now()) } });
      assert.equal(ok.statusCode, 204, ok.body);
      const listed = await id.app.inject({ url: `/graph/v1.0/users/${user.id}/authentication/methods`, headers: auth });
      assert.deepEqual(
        listed.json().value.map((m: { '@odata.type': string }) => m['@odata.type']),
        ['#microsoft.graph.passwordAuthenticationMethod', '#microsoft.graph.softwareOathAuthenticationMethod'],
      );
      // Someone else's token may not touch this user's methods.
      const stranger = await newUser('stranger');
      const strangerToken = (await token({ grant_type: 'password', client_id: appId, username: stranger.upn, password: PASSWORD, scope: 'User.Read' })).json();
      const denied = await id.app.inject({ url: methods, headers: { authorization: `Bearer ${strangerToken.access_token}` } });
      assert.equal(denied.statusCode, 403);

      // Password alone no longer gets tokens.
      const ropc = await token({ grant_type: 'password', client_id: appId, username: user.upn, password: PASSWORD, scope: 'User.Read' });
      assert.deepEqual(ropc.json().error_codes, [50076]);

      // The TOTP step of the previous verification is spent: move to the next 30 s step.
      clock += 30_000;
      const t = browser();
      const { verifier, challenge } = pkcePair();
      const page = await t('GET', authorizePath(codeRequest(challenge)));
      const mfaPage = await submit(t, page, { username: user.upn, password: PASSWORD });
      const wrong = await submit(t, mfaPage, { otp: '123456' === totpCode(secretKey, now()) ? '654321' : '123456' });
      assert.equal(wrong.status, 400);
      assert.match(alertOf(wrong.html)!, /not valid/);
      const code = totpCode(secretKey, now());
      const done = await submit(t, mfaPage, { otp: code });
      assert.equal(done.status, 302, done.html);
      const tokens = (await redeem(new URL(done.location!).searchParams.get('code')!, verifier)).json();
      assert.deepEqual(decodeJwt(tokens.access_token).amr, ['pwd', 'mfa']);
      assert.deepEqual(decodeJwt(tokens.id_token).amr, ['pwd', 'mfa']);
      // The same code again (same step) is refused: codes are single-use.
      const again = await submit(t, mfaPage, { otp: code });
      assert.equal(again.status, 400);
      // A recovery code works once.
      const byRecovery = await submit(t, mfaPage, { otp: recovery[0]! });
      assert.equal(byRecovery.status, 302, byRecovery.html);
      assert.equal((await submit(t, mfaPage, { otp: recovery[0]! })).status, 400);

      const removed = await id.app.inject({ method: 'DELETE', url: `${methods}/${methodId}`, headers: auth });
      assert.equal(removed.statusCode, 204);
      clock += 30_000;
    });

    test('lockout after repeated wrong passwords; the right password is refused while locked', async () => {
      const user = await newUser('locked');
      const t = browser();
      const { challenge } = pkcePair();
      const page = await t('GET', authorizePath(codeRequest(challenge)));
      for (let i = 0; i < 3; i++) await submit(t, page, { username: user.upn, password: 'wrong' });
      const locked = await submit(t, page, { username: user.upn, password: PASSWORD });
      assert.equal(locked.status, 400);
      assert.match(alertOf(locked.html)!, /locked/);
      const ropc = await token({ grant_type: 'password', client_id: appId, username: user.upn, password: PASSWORD, scope: 'User.Read' });
      assert.deepEqual(ropc.json().error_codes, [50053]);
      clock += 16 * 60_000;
      const fresh = await t('GET', authorizePath(codeRequest(challenge)));
      const later = await submit(t, fresh, { username: user.upn, password: PASSWORD });
      assert.equal(later.status, 302, 'the lock ends');
    });

    test('per-IP failures are rate limited with 429 and Retry-After, on the page and at the token endpoint', async () => {
      const ip = '10.9.9.9';
      const t = browser(ip);
      const { challenge } = pkcePair();
      const page = await t('GET', authorizePath(codeRequest(challenge)));
      for (let i = 0; i < 8; i++) await submit(t, page, { username: `ghost${i}@${id.domain}`, password: 'x' });
      const limited = await submit(t, page, { username: `ghost@${id.domain}`, password: 'x' });
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers['retry-after']) > 0);
      const res = await id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        remoteAddress: ip,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ grant_type: 'password', client_id: appId, username: `ghost@${id.domain}`, password: 'x', scope: 'User.Read' }),
      });
      assert.equal(res.statusCode, 429);
      assert.equal(res.json().error, 'temporarily_unavailable');
      assert.ok(res.headers['retry-after']);
    });

    test('device code: MSAL short grant_type, pending, slow_down, sign-in on the page, client_info, then spent', async () => {
      const user = await newUser('device');
      const start = await id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/devicecode`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ client_id: appId, scope: 'openid profile offline_access' }),
      });
      assert.equal(start.statusCode, 200, start.body);
      const dc = start.json();
      assert.match(dc.user_code, /^[A-Z]{4}-[A-Z]{4}$/);
      assert.equal(dc.verification_uri, `${id.base}/${id.tenantId}/oauth2/v2.0/devicelogin`);
      assert.equal(dc.interval, 2);
      const poll = () => token({ grant_type: 'device_code', client_id: appId, device_code: dc.device_code, client_info: '1' });
      assert.equal((await poll()).json().error, 'authorization_pending');
      assert.equal((await poll()).json().error, 'slow_down');

      const t = browser();
      const entry = await t('GET', new URL(dc.verification_uri).pathname);
      assert.match(entry.html, /<label for="f-user_code">/);
      const signin = await submit(t, entry, { user_code: dc.user_code.toLowerCase() });
      assert.equal(signin.status, 200);
      const done = await submit(t, signin, { username: user.upn, password: PASSWORD });
      assert.equal(done.status, 200, done.html);
      assert.match(done.html, /signed in/);

      clock += 7_500; // past the slowed-down interval
      const res = await token({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: appId, device_code: dc.device_code, client_info: '1' });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(JSON.parse(Buffer.from(res.json().client_info, 'base64url').toString()), { uid: user.id, utid: id.tenantId });
      assert.deepEqual(decodeJwt(res.json().access_token).amr, ['pwd']);
      clock += 7_500;
      assert.equal((await poll()).json().error, 'invalid_grant', 'a device code is redeemed once');
      // The used code cannot be entered again.
      assert.equal((await submit(t, entry, { user_code: dc.user_code })).status, 400);
    });

    test('device code: expired_token after expiry; user_code guessing is throttled per IP', async () => {
      const start = await id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/devicecode`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ client_id: appId, scope: 'openid' }),
      });
      const dc = start.json();
      const t = browser('10.7.7.7');
      const entry = await t('GET', `/${id.tenantId}/oauth2/v2.0/devicelogin`);
      for (let i = 0; i < 4; i++) {
        const guess = await submit(t, entry, { user_code: `BCDF-GH${'JKLM'[i]}${'NPQR'[i]}` });
        assert.equal(guess.status, 400);
      }
      const throttled = await submit(t, entry, { user_code: dc.user_code });
      assert.equal(throttled.status, 429, 'even the right code waits once the IP is throttled');
      assert.ok(throttled.headers['retry-after']);

      clock += 61_000;
      const expired = await token({ grant_type: 'device_code', client_id: appId, device_code: dc.device_code });
      assert.equal(expired.statusCode, 400);
      assert.equal(expired.json().error, 'expired_token');
      assert.equal(expired.json().access_token, undefined);
    });

    test('logout with id_token_hint revokes the sign-in and returns only to a registered URI', async () => {
      const user = await newUser('logout');
      const { verifier, challenge } = pkcePair();
      const tokens = (await redeem(await signIn(user.upn, challenge), verifier)).json();
      const t = browser();
      const out = await t('GET', `/${id.tenantId}/oauth2/v2.0/logout?${form({ id_token_hint: tokens.id_token, post_logout_redirect_uri: REDIRECT, state: 's' })}`);
      assert.equal(out.status, 302);
      assert.equal(out.location, `${REDIRECT}?state=s`);
      const refresh = await token({ grant_type: 'refresh_token', client_id: appId, refresh_token: tokens.refresh_token });
      assert.equal(refresh.statusCode, 400);
      const evil = await t('GET', `/${id.tenantId}/oauth2/v2.0/logout?${form({ id_token_hint: tokens.id_token, post_logout_redirect_uri: 'https://evil.example/' })}`);
      assert.equal(evil.status, 200);
      assert.equal(evil.location, undefined);
    });

    test('property: hostile authorize queries and page forms get a 4xx page or a redirect to the registered URI, never a 500', async () => {
      const value = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('', 'S256', 'plain', 'code', REDIRECT, 'openid', '%00', '\u0000', '<script>'));
      const keys = fc.constantFrom('client_id', 'response_type', 'redirect_uri', 'scope', 'code_challenge', 'code_challenge_method', 'response_mode', 'state', 'ctx', 'username', 'password', 'otp', 'user_code');
      const t = browser('10.66.0.1');
      await fc.assert(
        fc.asyncProperty(fc.dictionary(keys, value, { maxKeys: 8 }), fc.constantFrom('authorize', 'authorize/mfa', 'devicelogin', 'devicelogin/signin'), fc.boolean(), async (params, path, post) => {
          const base = `/${id.tenantId}/oauth2/v2.0/${path}`;
          const res = post ? await t('POST', base, params) : await t('GET', `${base}?${form(params)}`);
          assert.ok(res.status < 500, `${res.status} ${res.html.slice(0, 200)}`);
          if (res.status === 302) assert.ok(res.location!.startsWith(`${REDIRECT}?`), res.location);
          else if (res.status !== 404) assert.match(String(res.headers['content-type']), /text\/html/);
        }),
        { numRuns: 150 },
      );
    });

    test('a confidential client must authenticate to redeem its code', async () => {
      const user = await newUser('webapp');
      const { verifier, challenge } = pkcePair();
      const t = browser();
      const page = await t('GET', authorizePath(codeRequest(challenge, { client_id: confidentialId })));
      const done = await submit(t, page, { username: user.upn, password: PASSWORD });
      const code = new URL(done.location!).searchParams.get('code')!;
      const noSecret = await token({ grant_type: 'authorization_code', client_id: confidentialId, code, redirect_uri: REDIRECT, code_verifier: verifier });
      assert.equal(noSecret.statusCode, 401);
      assert.equal(noSecret.json().error, 'invalid_client');
      assert.ok(formOf(page.html).action.endsWith('/authorize'));
    });
  });
}

for (const backend of backends()) {
  describe(`sign-in: per-user failure limit across IP addresses (${backend.name})`, () => {
    let id: RunningIdentity;
    before(async () => {
      id = await startIdentity(backend, { signin: { lockAfter: 100, userFailuresPerMinute: 3 } });
    });
    after(async () => {
      await id.close();
    });

    test('wrong passwords for one user from many addresses hit the per-user limit: 429 even for the right password', async () => {
      const upn = `admin@${id.domain}`;
      const attempt = (ip: string, password: string) =>
        id.app.inject({
          method: 'POST',
          url: `/${id.tenantId}/oauth2/v2.0/token`,
          remoteAddress: ip,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: form({ grant_type: 'password', client_id: DEVICE_AGENT_CLIENT_ID, username: upn, password, scope: 'User.Read' }),
        });
      for (let i = 0; i < 3; i++) assert.equal((await attempt(`10.1.${i}.1`, 'wrong')).statusCode, 400);
      const limited = await attempt('10.1.99.1', 'correct horse battery');
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.json().error, 'temporarily_unavailable');
      assert.equal(limited.json().access_token, undefined);
      // Another user of the tenant is not affected.
      await id.identity.store.insertUser({
        id: randomUUID(),
        tenantId: id.tenantId,
        upn: `second@${id.domain}`,
        displayName: 'Second',
        passwordHash: await hashPassword(PASSWORD),
        accountEnabled: true,
        isAdmin: false,
        createdAt: new Date().toISOString(),
        modifiedAt: new Date().toISOString(),
      });
      const second = await id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        remoteAddress: '10.1.99.1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ grant_type: 'password', client_id: DEVICE_AGENT_CLIENT_ID, username: `second@${id.domain}`, password: PASSWORD, scope: 'User.Read' }),
      });
      assert.equal(second.statusCode, 200, second.body);
      assert.equal((await attempt('10.1.99.1', 'wrong')).statusCode, 429, 'the first user is still limited');
    });
  });
}
