// Tenant administration through Graph. An administrator registers a client, gives it a secret and a Microsoft Graph
// app role, and the client's own tokens then carry the role and open the Graph it names; and sets the company branding.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEVICE_AGENT_CLIENT_ID, GRAPH_RESOURCE, SERVICE_APP_IDS } from '@baton/contracts';
import { backends, form, startIdentity, type RunningIdentity } from '../testing/harness.js';

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const DEVICE_READ_WRITE_ALL = '1138cb37-bd11-4084-a2b7-9f71582aeddb';

for (const backend of backends()) {
  describe(`Graph applications, servicePrincipals and branding (${backend.name})`, () => {
    let id: RunningIdentity;
    let admin: string;
    before(async () => {
      id = await startIdentity(backend);
      admin = (await clientToken(id.adminClientId, 'admin-app-secret-0123456789')).json().access_token;
    });
    after(async () => {
      await id?.close();
    });

    function clientToken(clientId: string, clientSecret: string) {
      return id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: `${GRAPH_RESOURCE}/.default` }),
      });
    }
    const graph = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, bearer = admin) =>
      id.app.inject({ method, url: `/graph/v1.0${url}`, headers: { authorization: `Bearer ${bearer}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
    const rolesOf = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).roles as string[] | undefined;

    test('register, add a secret, grant Device.ReadWrite.All: the client reads devices with its own token', async () => {
      const created = await graph('POST', '/applications', { displayName: 'Inventory sync', web: { redirectUris: ['https://inventory.contoso.test/auth'] } });
      assert.equal(created.statusCode, 201, created.body);
      const application = created.json();
      assert.match(application.id, /^[0-9a-f-]{36}$/);
      assert.notEqual(application.id, application.appId, 'the object id is not the appId, as in Entra');
      assert.deepEqual(application.web.redirectUris, ['https://inventory.contoso.test/auth']);
      assert.deepEqual(application.passwordCredentials, []);
      const byAppId = await graph('GET', `/applications(appId='${application.appId}')`);
      assert.equal(byAppId.json().id, application.id);

      const noSecretYet = await clientToken(application.appId, 'guessed-secret');
      assert.ok(noSecretYet.statusCode === 400 || noSecretYet.statusCode === 401, noSecretYet.body);
      assert.equal(noSecretYet.json().access_token, undefined, 'no secret yet, no token');
      const password = await graph('POST', `/applications/${application.id}/addPassword`, { passwordCredential: { displayName: 'ci' } });
      assert.equal(password.statusCode, 200, password.body);
      const { secretText, hint } = password.json();
      assert.ok(secretText.length >= 32);
      assert.equal(hint, secretText.slice(0, 3));
      const reread = await graph('GET', `/applications/${application.id}`);
      assert.doesNotMatch(reread.body, new RegExp(secretText), 'the secret is shown once');
      assert.deepEqual(reread.json().passwordCredentials.map((c: { keyId: string }) => c.keyId), [password.json().keyId]);

      const before = await clientToken(application.appId, secretText);
      assert.equal(before.statusCode, 200, before.body);
      assert.deepEqual(rolesOf(before.json().access_token) ?? [], []);
      assert.equal((await graph('GET', '/devices', undefined, before.json().access_token)).statusCode, 403);

      const graphSp = (await graph('GET', `/servicePrincipals?$filter=appId eq '${GRAPH_APP_ID}'`)).json().value[0];
      const role = graphSp.appRoles.find((r: { value: string }) => r.value === 'Device.ReadWrite.All');
      assert.equal(role.id, DEVICE_READ_WRITE_ALL, "Microsoft Graph's own id for the permission");
      const sp = await graph('POST', '/servicePrincipals', { appId: application.appId });
      assert.equal(sp.statusCode, 201, sp.body);
      const granted = await graph('POST', `/servicePrincipals/${graphSp.id}/appRoleAssignedTo`, { principalId: sp.json().id, resourceId: graphSp.id, appRoleId: role.id });
      assert.equal(granted.statusCode, 201, granted.body);
      assert.equal(granted.json().principalId, sp.json().id);
      const held = await graph('GET', `/servicePrincipals/${sp.json().id}/appRoleAssignments`);
      assert.deepEqual(held.json().value.map((a: { appRoleId: string }) => a.appRoleId), [DEVICE_READ_WRITE_ALL]);

      const after = await clientToken(application.appId, secretText);
      assert.deepEqual(rolesOf(after.json().access_token), ['Device.ReadWrite.All']);
      assert.equal((await graph('GET', '/devices', undefined, after.json().access_token)).statusCode, 200);

      // Rotation: a second secret works beside the first until the first is removed.
      const second = (await graph('POST', `/applications/${application.id}/addPassword`, { passwordCredential: { displayName: 'rotated' } })).json();
      assert.equal((await clientToken(application.appId, secretText)).statusCode, 200, 'the first still works');
      assert.equal((await clientToken(application.appId, second.secretText)).statusCode, 200);
      const listed = (await graph('GET', `/applications/${application.id}`)).json().passwordCredentials;
      assert.deepEqual(listed.map((c: { keyId: string; displayName: string; hint: string }) => [c.keyId, c.displayName, c.hint]), [
        [password.json().keyId, 'ci', hint],
        [second.keyId, 'rotated', second.secretText.slice(0, 3)],
      ]);
      assert.equal(listed[0].secretText, null);
      const remove = await graph('POST', `/applications/${application.id}/removePassword`, { keyId: password.json().keyId });
      assert.equal(remove.statusCode, 204, remove.body);
      const removed = await clientToken(application.appId, secretText);
      assert.equal(removed.statusCode, 401);
      assert.deepEqual(removed.json().error_codes, [7000215]);
      assert.equal((await clientToken(application.appId, second.secretText)).statusCode, 200);
      assert.equal((await graph('POST', `/applications/${application.id}/removePassword`, { keyId: password.json().keyId })).statusCode, 400, 'already removed');
      assert.equal((await graph('POST', `/applications/${application.id}/removePassword`, {})).statusCode, 400);
    });

    test('a secret is valid from its start to its end date; limits and bad dates are 400s that add nothing', async () => {
      const application = (await graph('POST', '/applications', { displayName: 'Short-lived' })).json();
      const add = (passwordCredential: unknown) => graph('POST', `/applications/${application.id}/addPassword`, { passwordCredential });
      const soon = new Date(Date.now() + 1500).toISOString();
      const expiring = await add({ endDateTime: soon });
      assert.equal(expiring.statusCode, 200, expiring.body);
      assert.equal(expiring.json().endDateTime, soon);
      const later = await add({ startDateTime: new Date(Date.now() + 3600_000).toISOString() });
      assert.equal(later.json().endDateTime, new Date(Date.parse(later.json().startDateTime) + 2 * 365 * 24 * 3600_000).toISOString(), "Entra's default: two years");
      assert.equal((await clientToken(application.appId, expiring.json().secretText)).statusCode, 200);
      const notYet = await clientToken(application.appId, later.json().secretText);
      assert.deepEqual(notYet.json().error_codes, [7000222], 'not valid before its start');
      await new Promise((resolve) => setTimeout(resolve, 1600));
      const expired = await clientToken(application.appId, expiring.json().secretText);
      assert.equal(expired.statusCode, 401);
      assert.deepEqual(expired.json().error_codes, [7000222], 'AADSTS7000222: the client secret has expired');

      for (const bad of [{ endDateTime: 'next week' }, { endDateTime: new Date(Date.now() - 1000).toISOString() }, { startDateTime: 7 }, 'text']) {
        assert.equal((await add(bad)).statusCode, 400, JSON.stringify(bad));
      }
      for (let i = 2; i < 16; i++) assert.equal((await add({})).statusCode, 200);
      const seventeenth = await add({});
      assert.equal(seventeenth.statusCode, 400, seventeenth.body);
      assert.equal((await graph('GET', `/applications/${application.id}`)).json().passwordCredentials.length, 16, 'nothing added by the refusals');

      const agent = (await graph('GET', `/applications(appId='${DEVICE_AGENT_CLIENT_ID}')`)).json();
      assert.equal((await graph('POST', `/applications/${agent.id}/addPassword`, {})).statusCode, 400, 'the device agent stays a public client');
    });

    test('grants that cannot hold are 4xx and grant nothing; callers without the roles are refused', async () => {
      const application = (await graph('POST', '/applications', { displayName: 'Reports' })).json();
      const graphSp = (await graph('GET', `/servicePrincipals?$filter=appId eq '${GRAPH_APP_ID}'`)).json().value[0];
      const sp = (await graph('GET', `/servicePrincipals?$filter=appId eq '${application.appId}'`)).json().value[0];
      const grant = (body: Record<string, unknown>) => graph('POST', `/servicePrincipals/${sp.id}/appRoleAssignments`, { principalId: sp.id, resourceId: graphSp.id, appRoleId: DEVICE_READ_WRITE_ALL, ...body });
      assert.equal((await grant({ appRoleId: '00000000-0000-0000-0000-000000000001' })).statusCode, 400, 'no such role');
      assert.equal((await grant({ resourceId: sp.id })).statusCode, 400, 'not a resource with roles');
      assert.equal((await grant({ principalId: graphSp.id })).statusCode, 400, 'the principal must be the one in the URL');
      assert.equal((await graph('POST', `/servicePrincipals/${'0'.repeat(8)}-0000-0000-0000-000000000000/appRoleAssignments`, { principalId: `${'0'.repeat(8)}-0000-0000-0000-000000000000`, resourceId: graphSp.id, appRoleId: DEVICE_READ_WRITE_ALL })).statusCode, 404);
      assert.deepEqual((await graph('GET', `/servicePrincipals/${sp.id}/appRoleAssignments`)).json().value, []);
      assert.equal((await graph('POST', '/applications', { displayName: 'Plain http', web: { redirectUris: ['http://intranet.contoso.test/cb'] } })).statusCode, 400);
      assert.deepEqual((await graph('GET', "/servicePrincipals?$filter=displayName eq 'reports'")).json().value.map((s: { id: string }) => s.id), [sp.id]);
      assert.deepEqual((await graph('GET', `/applications?$filter=appId eq '${application.appId}'`)).json().value.map((a: { id: string }) => a.id), [application.id]);
      assert.deepEqual((await graph('GET', `/applications?$filter=displayName eq 'Reports' and appId eq '${SERVICE_APP_IDS.discovery}'`)).json().value, []);
      for (const unsupported of ["servicePrincipalType eq 'Application'", "startswith(displayName,'Rep')"]) {
        assert.equal((await graph('GET', `/servicePrincipals?$filter=${unsupported}`)).statusCode, 400, unsupported);
        assert.equal((await graph('GET', `/applications?$filter=${unsupported}`)).statusCode, 400, 'never an unfiltered list');
      }

      const discovery = (await clientToken(SERVICE_APP_IDS.discovery, id.ctx.serviceCredentials.discovery.clientSecret)).json().access_token;
      assert.equal((await graph('POST', '/applications', { displayName: 'Sneaky' }, discovery)).statusCode, 403);
      assert.equal((await grant({})).statusCode, 201, 'the admin application may grant');
    });

    test("DELETE ends an application: no more tokens, its service principal gone; Baton's own cannot be deleted", async () => {
      const application = (await graph('POST', '/applications', { displayName: 'Retired tool' })).json();
      const { secretText } = (await graph('POST', `/applications/${application.id}/addPassword`, {})).json();
      assert.equal((await clientToken(application.appId, secretText)).statusCode, 200);
      const discovery = (await clientToken(SERVICE_APP_IDS.discovery, id.ctx.serviceCredentials.discovery.clientSecret)).json().access_token;
      const del = (objectId: string, bearer = admin) => id.app.inject({ method: 'DELETE', url: `/graph/v1.0/applications/${objectId}`, headers: { authorization: `Bearer ${bearer}` } });
      assert.equal((await del(application.id, discovery)).statusCode, 403);
      assert.equal((await del(application.id)).statusCode, 204);
      const refused = await clientToken(application.appId, secretText);
      assert.equal(refused.statusCode, 400, refused.body);
      assert.deepEqual(refused.json().error_codes, [700016], 'AADSTS700016: no such application in the directory');
      assert.equal((await graph('GET', `/applications/${application.id}`)).statusCode, 404);
      assert.deepEqual((await graph('GET', `/servicePrincipals?$filter=appId eq '${application.appId}'`)).json().value, []);
      assert.equal((await del(application.id)).statusCode, 404);

      // The device agent's and the MDM application's registrations are what devices enrol with.
      for (const builtIn of [DEVICE_AGENT_CLIENT_ID, SERVICE_APP_IDS.management]) {
        const own = await graph('GET', `/applications(appId='${builtIn}')`);
        assert.equal(own.statusCode, 200, own.body);
        const refusedDelete = await del(own.json().id);
        assert.equal(refusedDelete.statusCode, 400, refusedDelete.body);
        assert.equal((await graph('GET', `/applications/${own.json().id}`)).statusCode, 200, 'still there');
      }
    });

    test('company branding: read and changed through Graph, shown on the sign-in pages', async () => {
      const url = `/organization/${id.tenantId}/branding`;
      const read = await graph('GET', url);
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json().signInPageText, 'Welcome');
      const patch = (body: unknown, bearer = admin) =>
        id.app.inject({ method: 'PATCH', url: `/graph/beta${url}`, headers: { authorization: `Bearer ${bearer}` }, payload: body as object });
      assert.equal((await patch({ signInPageText: 'Sign in with your Contoso account', backgroundColor: '#112233' })).statusCode, 204);
      const after = (await graph('GET', url)).json();
      assert.deepEqual([after.signInPageText, after.backgroundColor], ['Sign in with your Contoso account', '#112233']);
      const page = await id.app.inject({ url: `/${id.tenantId}/oauth2/v2.0/devicelogin` });
      assert.match(page.body, /Sign in with your Contoso account/);
      assert.match(page.body, /#112233/i);

      for (const body of [{ backgroundColor: 'blue' }, { bannerLogo: 'aGVsbG8=' }, { signInPageText: 'x'.repeat(1025) }]) {
        const refused = await patch(body);
        assert.equal(refused.statusCode, 400, JSON.stringify(body));
        assert.equal(typeof refused.json().error.code, 'string');
      }
      assert.equal((await graph('GET', `/organization/${'0'.repeat(8)}-0000-0000-0000-000000000000/branding`)).statusCode, 404, "another tenant's organization");
      const discovery = (await clientToken(SERVICE_APP_IDS.discovery, id.ctx.serviceCredentials.discovery.clientSecret)).json().access_token;
      assert.equal((await graph('GET', url, undefined, discovery)).statusCode, 200, 'Directory.Read.All reads it');
      assert.equal((await patch({ signInPageText: 'Hijacked' }, discovery)).statusCode, 403);
      assert.equal((await graph('GET', url)).json().signInPageText, 'Sign in with your Contoso account');
    });

    test('PATCH renames an application and replaces its web or public client redirect URIs; the authorization endpoint follows', async () => {
      const application = (await graph('POST', '/applications', { displayName: 'Portal', web: { redirectUris: ['https://portal.contoso.test/old'] }, publicClient: { redirectUris: ['http://localhost:5000/cb'] } })).json();
      const authorize = (redirectUri: string) =>
        id.app.inject({
          method: 'GET',
          url: `/${id.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: application.appId, response_type: 'code', scope: 'openid', redirect_uri: redirectUri, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' })}`,
        });
      assert.equal((await authorize('https://portal.contoso.test/old')).statusCode, 200);

      const patched = await graph('PATCH', `/applications/${application.id}`, { displayName: 'Portal (new)', web: { redirectUris: ['https://portal.contoso.test/new', 'https://portal.contoso.test/also'] } });
      assert.equal(patched.statusCode, 204, patched.body);
      const reread = (await graph('GET', `/applications/${application.id}`)).json();
      assert.equal(reread.displayName, 'Portal (new)');
      assert.deepEqual(reread.web.redirectUris.sort(), ['https://portal.contoso.test/also', 'https://portal.contoso.test/new']);
      assert.deepEqual(reread.publicClient.redirectUris, ['http://localhost:5000/cb'], 'the part the body left out stays');
      assert.equal((await graph('GET', `/servicePrincipals?$filter=appId eq '${application.appId}'`)).json().value[0].displayName, 'Portal (new)');
      assert.equal((await authorize('https://portal.contoso.test/new')).statusCode, 200);
      const removed = await authorize('https://portal.contoso.test/old');
      assert.equal(removed.statusCode, 400, 'a removed redirect URI is refused');
      assert.equal(removed.headers.location, undefined);
      assert.equal((await graph('PATCH', `/applications/${application.id}`, { publicClient: { redirectUris: [] } })).statusCode, 204);
      assert.deepEqual((await graph('GET', `/applications/${application.id}`)).json().publicClient.redirectUris, []);

      // Refused whole: nothing of a body with one bad part is written.
      for (const body of [
        { displayName: 'Half written', web: { redirectUris: ['http://intranet.contoso.test/cb'] } },
        { displayName: 'Half written', publicClient: { redirectUris: ['https://portal.contoso.test/native'] } },
        { displayName: 'Half written', signInAudience: 'AzureADMultipleOrgs' },
        { displayName: '' },
        { web: { redirectUris: ['https://portal.contoso.test/cb#fragment'] } },
        { web: { redirectUris: 'https://portal.contoso.test/cb' } },
      ]) {
        const res = await graph('PATCH', `/applications/${application.id}`, body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.equal(res.json().error.code, 'Request_BadRequest');
      }
      const after = (await graph('GET', `/applications/${application.id}`)).json();
      assert.equal(after.displayName, 'Portal (new)');
      assert.deepEqual(after.web.redirectUris.sort(), ['https://portal.contoso.test/also', 'https://portal.contoso.test/new']);

      const agent = (await graph('GET', `/applications(appId='${DEVICE_AGENT_CLIENT_ID}')`)).json();
      assert.equal((await graph('PATCH', `/applications/${agent.id}`, { displayName: 'Renamed agent' })).statusCode, 400, "Baton's own applications are not changed");
      assert.equal((await graph('PATCH', '/applications/00000000-0000-0000-0000-000000000000', { displayName: 'x' })).statusCode, 404);
    });

    test('hostile application bodies get a Graph 400 or a 201 (204 to PATCH), never a 5xx', async () => {
      const target = (await graph('POST', '/applications', { displayName: 'Patched by fast-check' })).json();
      await fc.assert(
        fc.asyncProperty(
          fc.record(
            {
              displayName: fc.oneof(fc.string({ maxLength: 300 }), fc.anything()),
              web: fc.oneof(fc.record({ redirectUris: fc.oneof(fc.array(fc.oneof(fc.webUrl(), fc.string({ maxLength: 40 })), { maxLength: 3 }), fc.anything()) }), fc.anything()),
              publicClient: fc.anything(),
            },
            { requiredKeys: [] },
          ),
          async (body) => {
            const res = await graph('POST', '/applications', body);
            assert.ok(res.statusCode === 201 || res.statusCode === 400, `${res.statusCode} ${res.body.slice(0, 300)}`);
            if (res.statusCode === 400) assert.equal(typeof res.json().error.code, 'string');
            const patched = await graph('PATCH', `/applications/${target.id}`, body);
            assert.ok(patched.statusCode === 204 || patched.statusCode === 400, `${patched.statusCode} ${patched.body.slice(0, 300)}`);
            if (patched.statusCode === 400) assert.equal(typeof patched.json().error.code, 'string');
          },
        ),
        { numRuns: 60 },
      );
    });
  });
}
