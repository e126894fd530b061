import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEVICE_AGENT_CLIENT_ID, DRS_RESOURCE, GRAPH_RESOURCE, SERVICE_APP_IDS } from '@baton/contracts';
import { backends, form, startIdentity, type RunningIdentity } from '../testing/harness.js';

for (const backend of backends()) {
  describe(`Graph POST /users (${backend.name})`, () => {
    let id: RunningIdentity;
    before(async () => {
      id = await startIdentity(backend);
    });
    after(async () => {
      await id?.close();
    });

    const post = (url: string, payload: Record<string, string>) =>
      id.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(payload) });
    const token = async (clientId: string, clientSecret: string) => {
      const res = await post(`/${id.tenantId}/oauth2/v2.0/token`, { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: `${GRAPH_RESOURCE}/.default` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().access_token as string;
    };
    const adminToken = () => token(id.adminClientId, 'admin-app-secret-0123456789');
    const create = async (body: Record<string, unknown>, bearer?: string) =>
      id.app.inject({ method: 'POST', url: '/graph/v1.0/users', headers: { authorization: `Bearer ${bearer ?? (await adminToken())}` }, payload: body });
    const newUser = (upn: string, password = 'Kitchen-Table-42') => ({
      accountEnabled: true,
      displayName: 'Alex Wilber',
      mailNickname: upn.split('@')[0],
      userPrincipalName: upn,
      passwordProfile: { forceChangePasswordNextSignIn: false, password },
    });

    test('an administrator creates a user who can then sign in; the answer carries no password', async () => {
      const created = await create(newUser(`alex@${id.domain}`));
      assert.equal(created.statusCode, 201, created.body);
      const user = created.json();
      assert.equal(user.userPrincipalName, `alex@${id.domain}`);
      assert.equal(user.accountEnabled, true);
      assert.doesNotMatch(created.body, /Kitchen|scrypt|password/i);
      const listed = await id.app.inject({ url: `/graph/v1.0/users/${user.id}`, headers: { authorization: `Bearer ${await adminToken()}` } });
      assert.equal(listed.json().displayName, 'Alex Wilber');
      const signIn = await post(`/${id.tenantId}/oauth2/v2.0/token`, {
        grant_type: 'password',
        client_id: DEVICE_AGENT_CLIENT_ID,
        username: `alex@${id.domain}`,
        password: 'Kitchen-Table-42',
        scope: `${DRS_RESOURCE}/.default`,
      });
      assert.equal(signIn.statusCode, 200, signIn.body);
    });

    test('a taken UPN, a foreign domain or a weak password is a Graph 400, and nothing is written', async () => {
      assert.equal((await create(newUser(`taken@${id.domain}`))).statusCode, 201);
      for (const [body, message] of [
        [newUser(`TAKEN@${id.domain}`), /already exists/],
        [newUser('someone@elsewhere.example'), /domain portion/],
        [newUser(`weak@${id.domain}`, 'password'), /complexity/],
        [newUser('not-an-upn'), /userPrincipalName/],
      ] as const) {
        const res = await create(body);
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error.code, 'Request_BadRequest');
        assert.match(res.json().error.message, message);
      }
      const weak = await id.app.inject({ url: `/graph/v1.0/users/weak@${id.domain}`, headers: { authorization: `Bearer ${await adminToken()}` } });
      assert.equal(weak.statusCode, 404);
      const missing = await create({ displayName: 'No UPN' });
      assert.equal(missing.statusCode, 400);
    });

    test('hostile user bodies get a Graph 400 or a 201, never a 500', async () => {
      const bearer = await adminToken();
      const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(`x@${id.domain}`, `a'b@${id.domain}`, '@', `${'a'.repeat(70)}@${id.domain}`, 'Aa1!aaaa'));
      await fc.assert(
        fc.asyncProperty(
          fc.record({ accountEnabled: fc.oneof(fc.boolean(), fc.string()), displayName: text, mailNickname: text, userPrincipalName: text, passwordProfile: fc.oneof(fc.record({ password: text }), text) }, { requiredKeys: [] }),
          async (body) => {
            const res = await create(body, bearer);
            assert.ok(res.statusCode === 201 || res.statusCode === 400, `${res.statusCode} ${res.body}`);
            if (res.statusCode === 400) assert.ok(res.json().error.code, res.body);
          },
        ),
        { numRuns: 40 },
      );
    });

    test('an application without User.ReadWrite.All may not create users', async () => {
      const discovery = await token(SERVICE_APP_IDS.discovery, id.ctx.serviceCredentials.discovery.clientSecret);
      const res = await create(newUser(`eve@${id.domain}`), discovery);
      assert.equal(res.statusCode, 403);
    });
  });
}
