import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEVICE_AGENT_CLIENT_ID, DRS_RESOURCE, GRAPH_RESOURCE, SERVICE_APP_IDS } from '@baton/contracts';
import { backends, form, startIdentity, type RunningIdentity } from '../testing/harness.js';

for (const backend of backends()) {
  describe(`Graph POST and PATCH /users (${backend.name})`, () => {
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
      const patched = await id.app.inject({ method: 'PATCH', url: `/graph/v1.0/users/admin@${id.domain}`, headers: { authorization: `Bearer ${discovery}` }, payload: { accountEnabled: false } });
      assert.equal(patched.statusCode, 403);
    });

    const signIn = (upn: string, password: string) =>
      post(`/${id.tenantId}/oauth2/v2.0/token`, { grant_type: 'password', client_id: DEVICE_AGENT_CLIENT_ID, username: upn, password, scope: `${DRS_RESOURCE}/.default offline_access` });
    const refresh = (refreshToken: string) =>
      post(`/${id.tenantId}/oauth2/v2.0/token`, { grant_type: 'refresh_token', client_id: DEVICE_AGENT_CLIENT_ID, refresh_token: refreshToken, scope: `${DRS_RESOURCE}/.default` });
    const patch = async (who: string, body: Record<string, unknown>, version = 'v1.0') =>
      id.app.inject({ method: 'PATCH', url: `/graph/${version}/users/${who}`, headers: { authorization: `Bearer ${await adminToken()}` }, payload: body });

    test('PATCH renames a user and resets a password: the old password and the refresh tokens it earned stop working', async () => {
      const upn = `megan@${id.domain}`;
      const created = (await create(newUser(upn))).json();
      const first = await signIn(upn, 'Kitchen-Table-42');
      assert.equal(first.statusCode, 200, first.body);
      const earned = first.json().refresh_token as string;

      assert.equal((await patch(created.id, { displayName: 'Megan Bowen' })).statusCode, 204);
      const read = await id.app.inject({ url: `/graph/beta/users/${upn}`, headers: { authorization: `Bearer ${await adminToken()}` } });
      assert.equal(read.json().displayName, 'Megan Bowen');
      assert.equal((await refresh(earned)).statusCode, 200, 'a rename leaves tokens alone');
      const again = (await signIn(upn, 'Kitchen-Table-42')).json().refresh_token as string;

      const reset = await patch(upn, { passwordProfile: { password: 'Window-Garden-77', forceChangePasswordNextSignIn: false } }, 'beta');
      assert.equal(reset.statusCode, 204, reset.body);
      assert.equal((await signIn(upn, 'Kitchen-Table-42')).statusCode, 400, 'the old password is gone');
      assert.equal((await signIn(upn, 'Window-Garden-77')).statusCode, 200);
      const revoked = await refresh(again);
      assert.equal(revoked.statusCode, 400, 'refresh tokens from before the reset are revoked');
      assert.equal(revoked.json().error, 'invalid_grant');
    });

    test('PATCH accountEnabled false blocks sign-in and refresh; true lets the user back in', async () => {
      const upn = `lynne@${id.domain}`;
      await create(newUser(upn));
      const earned = (await signIn(upn, 'Kitchen-Table-42')).json().refresh_token as string;
      assert.equal((await patch(upn, { accountEnabled: false })).statusCode, 204);
      const blocked = await signIn(upn, 'Kitchen-Table-42');
      assert.equal(blocked.statusCode, 400);
      assert.deepEqual(blocked.json().error_codes, [50057], 'AADSTS50057: the user account is disabled');
      assert.equal((await refresh(earned)).statusCode, 400);
      assert.equal((await patch(upn, { accountEnabled: true })).statusCode, 204);
      assert.equal((await signIn(upn, 'Kitchen-Table-42')).statusCode, 200);
    });

    test('DELETE removes a user: sign-in, refresh and group membership end with it', async () => {
      const upn = `diego@${id.domain}`;
      const user = (await create(newUser(upn))).json();
      const bearer = await adminToken();
      const group = await id.app.inject({
        method: 'POST',
        url: '/graph/v1.0/groups',
        headers: { authorization: `Bearer ${bearer}` },
        payload: { displayName: 'Buyers', mailNickname: 'buyers', mailEnabled: false, securityEnabled: true },
      });
      assert.equal(group.statusCode, 201, group.body);
      const added = await id.app.inject({
        method: 'POST',
        url: `/graph/v1.0/groups/${group.json().id}/members/$ref`,
        headers: { authorization: `Bearer ${bearer}` },
        payload: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${user.id}` },
      });
      assert.equal(added.statusCode, 204, added.body);
      const earned = (await signIn(upn, 'Kitchen-Table-42')).json().refresh_token as string;

      const discovery = await token(SERVICE_APP_IDS.discovery, id.ctx.serviceCredentials.discovery.clientSecret);
      assert.equal((await id.app.inject({ method: 'DELETE', url: `/graph/v1.0/users/${user.id}`, headers: { authorization: `Bearer ${discovery}` } })).statusCode, 403);
      const deleted = await id.app.inject({ method: 'DELETE', url: `/graph/beta/users/${upn}`, headers: { authorization: `Bearer ${bearer}` } });
      assert.equal(deleted.statusCode, 204, deleted.body);

      assert.equal((await id.app.inject({ url: `/graph/v1.0/users/${user.id}`, headers: { authorization: `Bearer ${bearer}` } })).statusCode, 404);
      assert.equal((await signIn(upn, 'Kitchen-Table-42')).statusCode, 400);
      assert.equal((await refresh(earned)).statusCode, 400);
      const members = await id.app.inject({ url: `/graph/v1.0/groups/${group.json().id}/members`, headers: { authorization: `Bearer ${bearer}` } });
      assert.deepEqual(members.json().value, []);
      assert.equal((await id.app.inject({ method: 'DELETE', url: `/graph/v1.0/users/${user.id}`, headers: { authorization: `Bearer ${bearer}` } })).statusCode, 404);
    });

    const read = async (who: string, query = '') =>
      (await id.app.inject({ url: `/graph/v1.0/users/${who}${query}`, headers: { authorization: `Bearer ${await adminToken()}` } })).json() as Record<string, unknown>;
    // Everything but mail, which each test sets to the user's own address.
    const profile = {
      givenName: 'Isaiah',
      surname: 'Langer',
      jobTitle: 'Sales Representative',
      department: 'Sales',
      companyName: 'Contoso',
      officeLocation: '20/1101',
      city: 'Tulsa',
      state: 'OK',
      country: 'United States',
      usageLocation: 'US',
      employeeId: 'E-1042',
      mobilePhone: '+1 918 555 0101',
    };

    test('a user created with profile properties shows them; ones never set are null, and $select names them', async () => {
      const upn = `isaiah@${id.domain}`;
      const created = await create({ ...newUser(upn), ...profile, mail: upn });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().department, 'Sales');
      const user = await read(upn);
      for (const [property, value] of Object.entries({ ...profile, mail: upn })) assert.equal(user[property], value, property);
      const plain = (await create(newUser(`plain@${id.domain}`))).json();
      assert.equal(plain.jobTitle, null);
      assert.equal(plain.mail, null);
      const selected = await read(upn, '?$select=department,usageLocation,mobilePhone');
      assert.deepEqual(Object.keys(selected).sort(), ['@odata.context', 'department', 'id', 'mobilePhone', 'usageLocation']);
    });

    test('PATCH changes one profile property and null clears another, leaving the rest alone', async () => {
      const upn = `nestor@${id.domain}`;
      assert.equal((await create({ ...newUser(upn), ...profile, mail: upn })).statusCode, 201);
      assert.equal((await patch(upn, { jobTitle: 'Sales Manager', mobilePhone: null, usageLocation: 'gb' })).statusCode, 204);
      const user = await read(upn);
      assert.equal(user.jobTitle, 'Sales Manager');
      assert.equal(user.mobilePhone, null);
      assert.equal(user.usageLocation, 'GB', 'the country code is kept in capitals');
      assert.equal(user.department, 'Sales');
      assert.equal(user.givenName, 'Isaiah');
    });

    test("a mail address names one user: another user's, in any case, is a Graph 400 on create and PATCH; a cleared one is free again", async () => {
      const first = `lidia@${id.domain}`;
      const second = `grady@${id.domain}`;
      const shared = `sales.desk@${id.domain}`;
      assert.equal((await create({ ...newUser(first), mail: shared })).statusCode, 201);
      const taken = await create({ ...newUser(second), mail: shared.toUpperCase() });
      assert.equal(taken.statusCode, 400, taken.body);
      assert.match(taken.json().error.message, /same value for property proxyAddresses/);
      assert.equal((await read(second)).id, undefined, 'the refused user was not created');
      assert.equal((await create({ ...newUser(second), mail: `grady.a@${id.domain}` })).statusCode, 201);
      const patched = await patch(second, { mail: shared });
      assert.equal(patched.statusCode, 400, patched.body);
      assert.equal((await read(second)).mail, `grady.a@${id.domain}`, 'the refused PATCH changed nothing');
      assert.equal((await patch(first, { mail: shared.toUpperCase() })).statusCode, 204, 'a user may keep their own address');
      assert.equal((await patch(first, { mail: null })).statusCode, 204);
      assert.equal((await patch(second, { mail: shared })).statusCode, 204);
      assert.equal((await read(second)).mail, shared);
    });

    test('a bad usageLocation, an over-long jobTitle or an empty department is a Graph 400 naming it, and nothing is written', async () => {
      const upn = `pradeep@${id.domain}`;
      assert.equal((await create({ ...newUser(upn), department: 'Sales', usageLocation: 'US' })).statusCode, 201);
      const bad: Array<[Record<string, unknown>, string]> = [
        [{ usageLocation: 'XX' }, 'usageLocation'],
        [{ usageLocation: 'USA' }, 'usageLocation'],
        [{ jobTitle: 'J'.repeat(129) }, 'jobTitle'],
        [{ department: '' }, 'department'],
        [{ employeeId: 'E'.repeat(17) }, 'employeeId'],
        [{ mail: 'not an address' }, 'mail'],
      ];
      for (const [body, property] of bad) {
        const patched = await patch(upn, { displayName: 'Changed', ...body });
        assert.equal(patched.statusCode, 400, `PATCH ${JSON.stringify(body)}: ${patched.body}`);
        assert.equal(patched.json().error.code, 'Request_BadRequest');
        assert.equal(patched.json().error.message, `Invalid value specified for property '${property}' of resource 'User'.`);
        const other = `rejected-${property}@${id.domain}`;
        const created = await create({ ...newUser(other), ...body });
        assert.equal(created.statusCode, 400, `POST ${JSON.stringify(body)}: ${created.body}`);
        assert.match(created.json().error.message, new RegExp(`'${property}'`));
        const missing = await id.app.inject({ url: `/graph/v1.0/users/${other}`, headers: { authorization: `Bearer ${await adminToken()}` } });
        assert.equal(missing.statusCode, 404, 'the user was not created');
      }
      assert.equal((await patch(upn, { jobTitle: 42 })).statusCode, 400, 'a number is not text');
      const user = await read(upn);
      assert.deepEqual([user.displayName, user.department, user.usageLocation, user.jobTitle], ['Alex Wilber', 'Sales', 'US', null], 'nothing was written');
    });

    test('PATCH refuses what it cannot keep by name, a weak password, and an unknown user, changing nothing', async () => {
      const upn = `adele@${id.domain}`;
      await create(newUser(upn));
      for (const [body, message] of [
        [{ streetAddress: '1 Main St', displayName: 'Changed' }, /streetAddress/],
        [{ passwordProfile: { password: 'password' } }, /complexity/],
        [{ accountEnabled: 'no' }, /accountEnabled/],
      ] as const) {
        const res = await patch(upn, body);
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.json().error.message, message);
      }
      const read = await id.app.inject({ url: `/graph/v1.0/users/${upn}`, headers: { authorization: `Bearer ${await adminToken()}` } });
      assert.equal(read.json().displayName, 'Alex Wilber', 'nothing was written');
      assert.equal((await signIn(upn, 'Kitchen-Table-42')).statusCode, 200);
      assert.equal((await patch(`nobody@${id.domain}`, { displayName: 'Ghost' })).statusCode, 404);
    });
  });
}
