import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEVICE_AGENT_CLIENT_ID, SERVICE_APP_IDS } from '@baton/contracts';
import { backends, form, graphAppToken, newGuid, startIdentity, tenantInput, TEST_ADMIN_APP_SECRET, type RunningIdentity } from '../testing/harness.js';

for (const backend of backends()) {
  describe(`Graph directory (${backend.name})`, () => {
    let id: RunningIdentity;
    let discoveryToken: string;
    let otherTenantToken: string;
    let otherTenantId: string;
    before(async () => {
      id = await startIdentity(backend);
      discoveryToken = await appToken(id.tenantId);
      const other = await id.identity.bootstrapTenant(tenantInput(`other-${id.domain}`));
      otherTenantId = other.tenantId;
      otherTenantToken = await appToken(other.tenantId);
    });
    after(async () => {
      await id.close();
    });

    const appToken = (tenantId: string, service: 'discovery' | 'identity' = 'discovery') =>
      graphAppToken(id, tenantId, SERVICE_APP_IDS[service], id.ctx.serviceCredentials[service].clientSecret);
    const adminAppToken = () => graphAppToken(id, id.tenantId, id.adminClientId, TEST_ADMIN_APP_SECRET);

    const graph = (method: 'GET' | 'PATCH', url: string, token: string, payload?: object, headers: Record<string, string> = {}) =>
      id.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...headers }, ...(payload ? { payload } : {}) });

    const placeholder = (deviceId: string, ztdId: string, token = discoveryToken, displayName = '5CG1234XYZ') =>
      graph(
        'PATCH',
        `/graph/v1.0/devices(deviceId='${deviceId}')`,
        token,
        { displayName, physicalIds: [`[ZTDID]:${ztdId}`, '[OrderID]:Sales'], operatingSystem: 'Windows', accountEnabled: true },
        { prefer: 'create-if-missing' },
      );

    test('placeholder upsert creates once, then updates in place (redelivery is harmless)', async () => {
      const deviceId = newGuid();
      const ztdId = newGuid();
      const created = await placeholder(deviceId, ztdId);
      assert.equal(created.statusCode, 201, created.body);
      const device = created.json();
      assert.equal(device.deviceId, deviceId);
      assert.equal(device.trustType, null);
      assert.deepEqual(device.physicalIds, [`[ZTDID]:${ztdId}`, '[OrderID]:Sales']);
      for (let i = 0; i < 3; i++) {
        const again = await placeholder(deviceId, ztdId);
        assert.equal(again.statusCode, 204);
      }
      const renamed = await placeholder(deviceId, ztdId, discoveryToken, 'RENAMED');
      assert.equal(renamed.statusCode, 204);
      const list = await graph('GET', `/graph/v1.0/devices?$filter=deviceId eq '${deviceId}'`, discoveryToken);
      assert.equal(list.statusCode, 200);
      assert.equal(list.json().value.length, 1);
      assert.equal(list.json().value[0].id, device.id);
      assert.equal(list.json().value[0].displayName, 'RENAMED');
      // Scripts on beta (Get-WindowsAutopilotInfoCommunity looks devices up there) read the same directory.
      const onBeta = await graph('GET', `/graph/beta/devices?$filter=deviceId eq '${deviceId}'`, discoveryToken);
      assert.equal(onBeta.statusCode, 200, onBeta.body);
      assert.equal(onBeta.json().value[0].id, device.id);
      assert.match(onBeta.json()['@odata.context'], /\/graph\/beta\/\$metadata#devices$/);
      const one = await graph('GET', `/graph/v1.0/devices/${device.id}`, discoveryToken);
      assert.equal(one.statusCode, 200);
      assert.deepEqual(
        Object.keys(one.json()).filter((k) => !k.startsWith('@')).sort(),
        [
          'accountEnabled',
          'approximateLastSignInDateTime',
          'complianceExpirationDateTime',
          'createdDateTime',
          'deviceId',
          'deviceOwnership',
          'displayName',
          'enrollmentProfileName',
          'extensionAttributes',
          'id',
          'isCompliant',
          'isManaged',
          'mdmAppId',
          'operatingSystem',
          'operatingSystemVersion',
          'physicalIds',
          'profileType',
          'registrationDateTime',
          'trustType',
        ],
      );
      const byKey = await graph('GET', `/graph/v1.0/devices(deviceId='${deviceId}')`, discoveryToken);
      assert.equal(byKey.json().id, device.id);
    });

    test('concurrent deliveries of the same placeholder create one object', async () => {
      const deviceId = newGuid();
      const ztdId = newGuid();
      const results = await Promise.all(Array.from({ length: 5 }, () => placeholder(deviceId, ztdId)));
      assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 204, 204, 204, 204]);
    });

    test('one [ZTDID] belongs to one device object: a second placeholder merges into it', async () => {
      const ztdId = newGuid();
      const firstId = newGuid();
      assert.equal((await placeholder(firstId, ztdId)).statusCode, 201);
      const other = newGuid();
      const merged = await placeholder(other, ztdId);
      assert.equal(merged.statusCode, 200, merged.body);
      assert.equal(merged.json().deviceId, firstId, 'the caller learns the device id the object carries');
      const ghost = await graph('GET', `/graph/v1.0/devices?$filter=deviceId eq '${other}'`, discoveryToken);
      assert.deepEqual(ghost.json().value, [], 'no second object');
      assert.equal((await placeholder(other, newGuid())).statusCode, 201);
      const moved = await placeholder(other, ztdId);
      assert.equal(moved.statusCode, 409, moved.body);
      assert.equal(moved.json().error.code, 'Conflict');
    });

    test('without Prefer: create-if-missing an unknown device is 404', async () => {
      const res = await graph('PATCH', `/graph/v1.0/devices(deviceId='${newGuid()}')`, discoveryToken, { displayName: 'x' });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'Request_ResourceNotFound');
    });

    test('tenants are isolated: another tenant neither sees nor reaches the device', async () => {
      const deviceId = newGuid();
      const created = (await placeholder(deviceId, newGuid())).json();
      const foreignGet = await graph('GET', `/graph/v1.0/devices/${created.id}`, otherTenantToken);
      assert.equal(foreignGet.statusCode, 404);
      assert.ok(foreignGet.json().error.innerError['request-id']);
      const foreignList = await graph('GET', `/graph/v1.0/devices?$filter=deviceId eq '${deviceId}'`, otherTenantToken);
      assert.deepEqual(foreignList.json().value, []);
      const foreignKey = await graph('GET', `/graph/v1.0/devices(deviceId='${deviceId}')`, otherTenantToken);
      assert.equal(foreignKey.statusCode, 404);
      // The same device id upserted in the other tenant is that tenant's own object.
      const theirs = await placeholder(deviceId, newGuid(), otherTenantToken);
      assert.equal(theirs.statusCode, 201);
      assert.notEqual(theirs.json().id, created.id);
      const mine = await graph('GET', `/graph/v1.0/devices/${created.id}`, discoveryToken);
      assert.equal(mine.json().displayName, '5CG1234XYZ');
      const org = await graph('GET', '/graph/v1.0/organization', otherTenantToken);
      assert.equal(org.json().value[0].id, otherTenantId);
    });

    test('listing filters by physical id and pages with $top and an https nextLink', async () => {
      const ztdId = newGuid();
      await placeholder(newGuid(), ztdId);
      const byZtd = await graph('GET', `/graph/v1.0/devices?$filter=physicalIds/any(p:p eq '[ZTDID]:${ztdId}')`, discoveryToken);
      assert.equal(byZtd.statusCode, 200, byZtd.body);
      assert.equal(byZtd.json().value.length, 1);
      const first = await graph('GET', '/graph/v1.0/devices?$top=2', discoveryToken);
      assert.equal(first.json().value.length, 2);
      const next = new URL(first.json()['@odata.nextLink']);
      assert.equal(next.protocol, 'https:');
      const second = await graph('GET', `${next.pathname}${next.search}`, discoveryToken);
      assert.equal(second.statusCode, 200);
      const seen = new Set([...first.json().value, ...second.json().value].map((d: { id: string }) => d.id));
      assert.equal(seen.size, first.json().value.length + second.json().value.length);
      for (const bad of ['$top=0', '$top=abc', "$filter=displayName gt 'a'", "$filter=foo eq 'x'", '$skiptoken=%%%']) {
        const res = await graph('GET', `/graph/v1.0/devices?${bad}`, discoveryToken);
        assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
        assert.ok(res.json().error.code);
      }
    });

    test("$filter runs Entra's device queries in the database; advanced ones and $count need ConsistencyLevel: eventual", async () => {
      const tag = `T${newGuid().slice(0, 6)}`;
      const ids = [newGuid(), newGuid(), newGuid()];
      for (const [i, deviceId] of ids.entries()) {
        const res = await graph(
          'PATCH',
          `/graph/v1.0/devices(deviceId='${deviceId}')`,
          discoveryToken,
          { displayName: `${tag}-${i}`, physicalIds: [`[ZTDID]:${newGuid()}`, `[OrderID]:${tag}${i === 2 ? 'x' : ''}`], operatingSystem: 'Windows' },
          { prefer: 'create-if-missing' },
        );
        assert.equal(res.statusCode, 201, res.body);
      }
      const eventual = { consistencylevel: 'eventual' };
      const list = async (query: string, headers: Record<string, string> = {}) => {
        const res = await graph('GET', `/graph/v1.0/devices?${query}`, discoveryToken, undefined, headers);
        assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
        return res.json() as { value: Array<{ deviceId: string }>; '@odata.count'?: number };
      };
      const names = (body: { value: Array<{ deviceId: string }> }) => body.value.map((d) => d.deviceId).sort();

      const tagged = await list(`$filter=physicalIds/any(p:startswith(p,'[OrderID]:${tag}'))`);
      assert.deepEqual(names(tagged), [...ids].sort());
      const exact = await list(`$filter=physicalIds/any(p:p eq '[OrderID]:${tag}') and startswith(displayName,'${tag}')`);
      assert.deepEqual(names(exact), [ids[0], ids[1]].sort());
      const withZtd = await list(`$filter=physicalIds/any(p:startswith(p,'[ZTDID]')) and startswith(displayName,'${tag}')&$count=true`, eventual);
      assert.equal(withZtd['@odata.count'], 3);

      const countWithout = await graph('GET', `/graph/v1.0/devices?$count=true`, discoveryToken);
      assert.equal(countWithout.statusCode, 400);
      const neWithout = await graph('GET', `/graph/v1.0/devices?$filter=displayName ne '${tag}-0'`, discoveryToken);
      assert.equal(neWithout.statusCode, 400);
      assert.match(neWithout.json().error.message, /ConsistencyLevel/);
      const ne = await list(`$filter=startswith(displayName,'${tag}') and displayName ne '${tag}-0'&$count=true`, eventual);
      assert.deepEqual(names(ne), [ids[1], ids[2]].sort());
      assert.equal(ne['@odata.count'], 2);
      for (const bad of [`$filter=contains(displayName,'${tag}')`, `$filter=physicalIds eq 'x'`, `$filter=physicalIds/all(p:p eq 'x')`, `$filter=isCompliant gt true`]) {
        const res = await graph('GET', `/graph/v1.0/devices?${bad}`, discoveryToken, undefined, eventual);
        assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
      }
    });

    test('organization carries verified domain and branding', async () => {
      const res = await graph('GET', '/graph/v1.0/organization', discoveryToken);
      assert.equal(res.statusCode, 200);
      const [org] = res.json().value;
      assert.equal(org.id, id.tenantId);
      assert.deepEqual(org.verifiedDomains[0], { name: id.domain, isDefault: true, isInitial: true, type: 'Managed', capabilities: 'None' });
      assert.equal(org.branding.companyName, 'Contoso (test)');
    });

    test('users list and get never expose the password hash', async () => {
      const list = await graph('GET', '/graph/v1.0/users', discoveryToken);
      assert.equal(list.statusCode, 200);
      const [admin] = list.json().value;
      assert.equal(admin.userPrincipalName, `admin@${id.domain}`);
      assert.doesNotMatch(list.body, /scrypt|password/i);
      const one = await graph('GET', `/graph/v1.0/users/${admin.id}`, discoveryToken);
      assert.equal(one.json().displayName, 'Admin');
      const byUpn = await graph('GET', `/graph/v1.0/users/admin@${id.domain}`, discoveryToken);
      assert.equal(byUpn.json().id, admin.id);
      const selected = await graph('GET', `/graph/v1.0/users/${admin.id}?$select=userPrincipalName`, discoveryToken);
      assert.deepEqual(Object.keys(selected.json()).sort(), ['@odata.context', 'id', 'userPrincipalName']);
      for (const bad of ['$select=passwordHash', '$expand=memberOf', '$filter=id eq 1']) {
        assert.equal((await graph('GET', `/graph/v1.0/users/${admin.id}?${bad}`, discoveryToken)).statusCode, 400, bad);
      }
      const filtered = await graph('GET', `/graph/v1.0/users?$filter=userPrincipalName eq 'ADMIN@${id.domain}'`, discoveryToken);
      assert.equal(filtered.json().value.length, 1);
      const foreign = await graph('GET', `/graph/v1.0/users/${admin.id}`, otherTenantToken);
      assert.equal(foreign.statusCode, 404);
    });

    test('users: $filter with startswith, accountEnabled and createdDateTime, $select and $count, as Entra answers them', async () => {
      const admin = await adminAppToken();
      const tag = `Q${newGuid().slice(0, 6)}`;
      const created: string[] = [];
      for (const [i, enabled] of [true, true, false].entries()) {
        const res = await id.app.inject({
          method: 'POST',
          url: '/graph/v1.0/users',
          headers: { authorization: `Bearer ${admin}` },
          payload: { accountEnabled: enabled, displayName: `${tag} user ${i}`, mailNickname: `${tag}${i}`, userPrincipalName: `${tag}.${i}@${id.domain}`, passwordProfile: { password: 'Kitchen-Table-42' } },
        });
        assert.equal(res.statusCode, 201, res.body);
        created.push(res.json().id);
      }
      const eventual = { consistencylevel: 'eventual' };
      const list = async (query: string, headers: Record<string, string> = {}) => {
        const res = await graph('GET', `/graph/v1.0/users?${query}`, discoveryToken, undefined, headers);
        assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
        return res.json() as { value: Array<Record<string, unknown>>; '@odata.count'?: number; '@odata.nextLink'?: string };
      };
      const ids = (body: { value: Array<Record<string, unknown>> }) => body.value.map((u) => u.id).sort();

      assert.deepEqual(ids(await list(`$filter=startswith(displayName,'${tag.toLowerCase()}')`)), [...created].sort(), 'startswith ignores case, as in Entra');
      assert.deepEqual(ids(await list(`$filter=startswith(userPrincipalName,'${tag}') and accountEnabled eq false`)), [created[2]]);
      assert.deepEqual(ids(await list(`$filter=displayName eq '${tag} user 0' or displayName eq '${tag} user 1'`)), [created[0], created[1]].sort());
      assert.equal((await list(`$filter=startswith(displayName,'${tag}') and createdDateTime ge 2000-01-01T00:00:00Z`)).value.length, 3);
      const counted = await list(`$filter=startswith(displayName,'${tag}')&$count=true`, eventual);
      assert.equal(counted['@odata.count'], 3);
      const selected = await list(`$filter=startswith(displayName,'${tag}')&$select=displayName&$top=2`);
      assert.deepEqual(Object.keys(selected.value[0]!).sort(), ['displayName', 'id'], '$select keeps the id, as Graph does');
      const next = new URL(selected['@odata.nextLink']!);
      assert.equal(next.searchParams.get('$select'), 'displayName', 'the next page answers the same question');
      const second = await list(next.search.slice(1));
      assert.deepEqual(Object.keys(second.value[0]!).sort(), ['displayName', 'id']);
      assert.deepEqual(ids(await list(`$filter=endswith(userPrincipalName,'${tag}.2@${id.domain}')`, eventual)), [created[2]]);
      const countSegment = await graph('GET', `/graph/v1.0/users/$count?$filter=${encodeURIComponent(`startswith(displayName,'${tag}') and accountEnabled eq true`)}`, discoveryToken, undefined, eventual);
      assert.equal(countSegment.statusCode, 200, countSegment.body);
      assert.match(String(countSegment.headers['content-type']), /^text\/plain/);
      assert.equal(countSegment.body, '2');
      assert.equal((await graph('GET', '/graph/v1.0/users/$count', discoveryToken)).statusCode, 400, 'a count needs ConsistencyLevel: eventual');
      assert.equal((await graph('GET', '/graph/v1.0/users/$count?$top=1', discoveryToken, undefined, eventual)).statusCode, 400);

      // What Baton cannot answer is refused by name, never ignored into a different answer.
      for (const bad of [
        `$filter=endswith(userPrincipalName,'x')`,
        `$filter=streetAddress eq '1 Main St'`,
        `$filter=contains(displayName,'${tag}')`,
        `$filter=displayName ge 'a'`,
        '$count=true',
        '$orderby=accountEnabled',
        '$search="displayName:Admin"',
        '$expand=memberOf',
        '$select=passwordHash',
        '$frobnicate=1',
      ]) {
        const res = await graph('GET', `/graph/v1.0/users?${bad}`, discoveryToken);
        assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
        assert.equal(res.json().error.code, 'Request_UnsupportedQuery', bad);
      }
    });

    test("users by userPrincipalName or id in (…) and devices by deviceId in (…), at most 15 values unless the query is advanced", async () => {
      const admin = await adminAppToken();
      const tag = `N${newGuid().slice(0, 6)}`;
      const users: Array<{ id: string; upn: string }> = [];
      for (let i = 0; i < 3; i++) {
        const upn = `${tag}.${i}@${id.domain}`;
        const res = await id.app.inject({
          method: 'POST',
          url: '/graph/v1.0/users',
          headers: { authorization: `Bearer ${admin}` },
          payload: { accountEnabled: true, displayName: `${tag} user ${i}`, mailNickname: `${tag}${i}`, userPrincipalName: upn, passwordProfile: { password: 'Kitchen-Table-42' } },
        });
        assert.equal(res.statusCode, 201, res.body);
        users.push({ id: res.json().id, upn });
      }
      const eventual = { consistencylevel: 'eventual' };
      const get = (collection: 'users' | 'devices', filter: string, headers: Record<string, string> = {}) =>
        graph('GET', `/graph/v1.0/${collection}?$filter=${encodeURIComponent(filter)}`, discoveryToken, undefined, headers);
      const found = async (collection: 'users' | 'devices', filter: string, key: 'id' | 'deviceId', headers: Record<string, string> = {}) => {
        const res = await get(collection, filter, headers);
        assert.equal(res.statusCode, 200, `${filter}: ${res.body}`);
        return (res.json().value as Array<Record<string, string>>).map((o) => o[key]).sort();
      };

      assert.deepEqual(await found('users', `userPrincipalName in ('${users[0]!.upn.toUpperCase()}', '${users[2]!.upn}', 'nobody@${id.domain}')`, 'id'), [users[0]!.id, users[2]!.id].sort(), 'as eq, ignoring case');
      assert.deepEqual(await found('users', `id in ('${users[1]!.id}', '${users[2]!.id.toUpperCase()}')`, 'id'), [users[1]!.id, users[2]!.id].sort());
      const notIn = `startswith(displayName,'${tag}') and not (userPrincipalName in ('${users[0]!.upn}'))`;
      assert.equal((await get('users', notIn)).statusCode, 400, "'not' stays an advanced query");
      assert.deepEqual(await found('users', notIn, 'id', eventual), [users[1]!.id, users[2]!.id].sort());

      const sixteen = `userPrincipalName in (${[...users.map((u) => `'${u.upn}'`), ...Array.from({ length: 13 }, (_, i) => `'x${i}@${id.domain}'`)].join(',')})`;
      const tooMany = await get('users', sixteen);
      assert.equal(tooMany.statusCode, 400, tooMany.body);
      assert.equal(tooMany.json().error.code, 'Request_UnsupportedQuery');
      assert.match(tooMany.json().error.message, /Max allowed: 15/);
      assert.equal((await found('users', sixteen, 'id', eventual)).length, 3, 'an advanced query lifts the limit, as in Entra');
      for (const bad of [`streetAddress in ('1 Main St')`, `userPrincipalName in ('a', 1)`, 'userPrincipalName in ()']) {
        const res = await get('users', bad);
        assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
        assert.equal(res.json().error.code, 'Request_UnsupportedQuery', bad);
      }

      const devices = [newGuid(), newGuid(), newGuid()];
      for (const deviceId of devices) assert.equal((await placeholder(deviceId, newGuid())).statusCode, 201);
      assert.deepEqual(await found('devices', `deviceId in ('${devices[0]!.toUpperCase()}', '${devices[1]}')`, 'deviceId'), [devices[0]!, devices[1]!].sort());
      assert.deepEqual(await found('devices', `deviceId in (${devices[2]}, ${devices[0]!.toUpperCase()})`, 'deviceId'), [devices[0]!, devices[2]!].sort(), 'unquoted GUIDs too');
      const collection = await get('devices', "physicalIds in ('[OrderID]:Sales')");
      assert.equal(collection.statusCode, 400, 'a collection is refused, as for eq');
    });

    test('devices: $select trims each device and carries over to the next page; what devices cannot answer is refused, not ignored', async () => {
      for (let i = 0; i < 3; i++) assert.ok([201, 204].includes((await placeholder(newGuid(), newGuid())).statusCode));
      const first = await graph('GET', '/graph/v1.0/devices?$select=deviceId,displayName&$top=2', discoveryToken);
      assert.equal(first.statusCode, 200, first.body);
      for (const device of first.json().value) assert.deepEqual(Object.keys(device).sort(), ['deviceId', 'displayName', 'id']);
      const next = new URL(first.json()['@odata.nextLink']);
      const second = await graph('GET', `${next.pathname}${next.search}`, discoveryToken);
      for (const device of second.json().value) assert.deepEqual(Object.keys(device).sort(), ['deviceId', 'displayName', 'id']);
      const total = await graph('GET', '/graph/v1.0/devices?$count=true&$top=1', discoveryToken, undefined, { consistencylevel: 'eventual' });
      const one = first.json().value[0];
      const byKey = await graph('GET', `/graph/v1.0/devices(deviceId='${one.deviceId}')?$select=displayName`, discoveryToken);
      assert.deepEqual(Object.keys(byKey.json()).sort(), ['@odata.context', 'displayName', 'id']);
      const byId = await graph('GET', `/graph/v1.0/devices/${one.id}?$select=deviceId,trustType`, discoveryToken);
      assert.deepEqual(Object.keys(byId.json()).sort(), ['@odata.context', 'deviceId', 'id', 'trustType']);
      assert.equal((await graph('GET', `/graph/v1.0/devices/${one.id}?$top=1`, discoveryToken)).statusCode, 400);
      const segment = await graph('GET', '/graph/v1.0/devices/$count', discoveryToken, undefined, { consistencylevel: 'eventual' });
      assert.equal(segment.statusCode, 200, segment.body);
      assert.equal(Number(segment.body), total.json()['@odata.count']);
      const zero = await graph('GET', `/graph/v1.0/devices/$count?$filter=${encodeURIComponent("displayName eq 'no such device'")}`, discoveryToken, undefined, { consistencylevel: 'eventual' });
      assert.equal(zero.body, '0');
      for (const bad of ['$orderby=displayName', '$search="physicalIds:x"', '$select=nope', '$expand=registeredOwners']) {
        const res = await graph('GET', `/graph/v1.0/devices?${bad}`, discoveryToken, undefined, { consistencylevel: 'eventual' });
        assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
      }
    });

    /** A word of letters only: digits in it would split it into several search words. */
    const word = (length = 8) => Array.from({ length }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
    const eventual = { consistencylevel: 'eventual' };
    type Page = { value: Array<Record<string, unknown>>; '@odata.count'?: number; '@odata.nextLink'?: string };
    const getPage = async (url: string, headers: Record<string, string> = {}) => {
      const res = await graph('GET', url, discoveryToken, undefined, headers);
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      return res.json() as Page;
    };
    /** Every page of a list, following each nextLink as a client does. */
    const allPages = async (url: string, headers: Record<string, string> = {}) => {
      const pages: Page[] = [await getPage(url, headers)];
      for (let next = pages[0]!['@odata.nextLink']; next; next = pages.at(-1)!['@odata.nextLink']) {
        const link = new URL(next);
        pages.push(await getPage(`${link.pathname}${link.search}`, headers));
      }
      return pages;
    };
    const refused = async (url: string, headers: Record<string, string>, message: RegExp) => {
      const res = await graph('GET', url, discoveryToken, undefined, headers);
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
      assert.equal(res.json().error.code, 'Request_UnsupportedQuery', url);
      assert.match(res.json().error.message, message, url);
    };
    const q = (value: string) => encodeURIComponent(value);
    /** Users named `names`, their UPNs starting with `tag`; their ids in the same order. */
    const createUsers = async (admin: string, tag: string, names: readonly string[]) => {
      const ids: string[] = [];
      for (const [i, displayName] of names.entries()) {
        const res = await id.app.inject({
          method: 'POST',
          url: '/graph/v1.0/users',
          headers: { authorization: `Bearer ${admin}` },
          payload: { accountEnabled: true, displayName, mailNickname: `${tag}${i}`, userPrincipalName: `${tag}.${i}@${id.domain}`, passwordProfile: { password: 'Kitchen-Table-42' } },
        });
        assert.equal(res.statusCode, 201, res.body);
        ids.push(res.json().id as string);
      }
      return ids;
    };

    test('users: $search matches the words of a name and combines with AND, OR, $filter and $count, as in Entra', async () => {
      const admin = await adminAppToken();
      const tag = word();
      const names = ['Mary Jones', 'John Smith', 'Ajoy Kumar', 'Ann-Marie McDonald'];
      const ids = await createUsers(admin, tag, names);
      const mine = `"userPrincipalName:${tag}"`;
      const found = async (search: string, extra = '') => (await getPage(`/graph/v1.0/users?$search=${q(search)}${extra}`, eventual)).value.map((u) => u.id).sort();
      const expect = (...indexes: number[]) => indexes.map((i) => ids[i]).sort();

      assert.deepEqual(await found(`"displayName:jo" AND ${mine}`), expect(0, 1), 'jo begins a word of Mary Jones and John Smith, not of Ajoy Kumar');
      assert.deepEqual(await found('"displayName:JO"', `&$filter=${q(`startswith(userPrincipalName,'${tag}')`)}`), expect(0, 1), 'ignoring case, with $filter');
      assert.deepEqual(await found(`"displayName:smith john" AND ${mine}`), expect(1), 'every word, in any order');
      assert.deepEqual(await found(`("displayName:kumar" OR "displayName:smith") AND ${mine}`), expect(1, 2));
      assert.deepEqual(await found(`"displayName:donald" AND ${mine}`), expect(3), 'McDonald is two words');
      assert.deepEqual(await found(`"displayName:annmarie" AND ${mine}`), expect(3), 'words joined by a hyphen are also one word');
      assert.deepEqual(await found(`"userPrincipalName:${tag}.2"`), expect(2), 'other properties match as startswith');
      assert.deepEqual(await found(`"displayName:${tag}"`), [], 'the name, not the UPN');

      const counted = await getPage(`/graph/v1.0/users?$search=${q(`"displayName:jo" AND ${mine}`)}&$count=true&$top=1`, eventual);
      assert.equal(counted['@odata.count'], 2, 'the count is of what the search found');
      const next = new URL(counted['@odata.nextLink']!);
      assert.equal(next.searchParams.get('$search'), `"displayName:jo" AND ${mine}`, 'the next page searches too');
      assert.equal((await getPage(`${next.pathname}${next.search}`, eventual)).value.length, 1);
      const segment = await graph('GET', `/graph/v1.0/users/$count?$search=${q(`"displayName:a" AND ${mine}`)}`, discoveryToken, undefined, eventual);
      assert.equal(segment.body, '2', 'Ajoy and Ann-Marie');

      await refused(`/graph/v1.0/users?$search=${q('"displayName:jo"')}`, {}, /^Request with \$search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'$/);
      await refused(`/graph/v1.0/users?$search=${q('"jobTitle:sales"')}`, eventual, /'jobTitle'/);
      await refused(`/graph/v1.0/users?$search=${q('"streetAddress:main"')}`, eventual, /'streetAddress'/);
      await refused(`/graph/v1.0/users?$search=${q('"jo"')}`, eventual, /name the property/);
      await refused(`/graph/v1.0/users?$search=${q('displayName:jo')}`, eventual, /double quotes/);
      await refused(`/graph/v1.0/users?$search=${q('"displayName:jo" and "displayName:x"')}`, eventual, /upper case/);
    });

    test('users: $filter and $search on profile properties, ignoring case as Entra does', async () => {
      const admin = await adminAppToken();
      const tag = word();
      const people = [
        { givenName: 'Maria', surname: 'Garcia', department: 'Sales', jobTitle: 'Engineer' },
        { givenName: 'Marco', surname: 'Rossi', department: 'sales', jobTitle: 'Account Manager' },
        { givenName: 'Omar', surname: 'Marsh', department: 'Finance', jobTitle: 'Engineering Manager' },
        { givenName: 'Lee', surname: 'Chen' },
      ];
      const ids: string[] = [];
      for (const [i, person] of people.entries()) {
        const upn = `${tag}.${i}@${id.domain}`;
        const res = await id.app.inject({
          method: 'POST',
          url: '/graph/v1.0/users',
          headers: { authorization: `Bearer ${admin}` },
          payload: { accountEnabled: true, displayName: `${person.givenName} ${person.surname}`, mailNickname: `${tag}${i}`, userPrincipalName: upn, mail: upn, passwordProfile: { password: 'Kitchen-Table-42' }, ...person },
        });
        assert.equal(res.statusCode, 201, res.body);
        ids.push(res.json().id);
      }
      const expect = (...indexes: number[]) => indexes.map((i) => ids[i]).sort();
      const mine = `startswith(userPrincipalName,'${tag}')`;
      const filtered = async (filter: string, headers: Record<string, string> = {}) =>
        (await getPage(`/graph/v1.0/users?$filter=${q(`${filter} and ${mine}`)}`, headers)).value.map((u) => u.id).sort();
      const searched = async (search: string) => (await getPage(`/graph/v1.0/users?$search=${q(`${search} AND "userPrincipalName:${tag}"`)}`, eventual)).value.map((u) => u.id).sort();

      assert.deepEqual(await filtered("department eq 'Sales'"), expect(0, 1), 'eq ignores case');
      assert.deepEqual(await filtered("startswith(jobTitle,'Eng')"), expect(0, 2));
      assert.deepEqual(await filtered("department ne 'Sales'", eventual), expect(2, 3), 'ne, an advanced query, takes users with no department too');
      assert.deepEqual(await filtered("not(department eq 'Finance')", eventual), expect(0, 1, 3));
      assert.deepEqual(await filtered('jobTitle eq null'), expect(3));
      assert.deepEqual(await filtered(`mail eq '${tag}.2@${id.domain}'`), expect(2), 'mail is real now');
      assert.deepEqual(await filtered("givenName ge 'Marz'"), expect(2));
      await refused(`/graph/v1.0/users?$filter=${q("department ne 'Sales'")}`, {}, /ConsistencyLevel/);

      assert.deepEqual(await searched('"givenName:mar"'), expect(0, 1), 'givenName as startswith, not by its words');
      assert.deepEqual(await searched('"surname:MARSH"'), expect(2));
      assert.deepEqual(await searched('"givenName:omar" OR "surname:chen"'), expect(2, 3));
      assert.deepEqual(await searched(`"mail:${tag}.1"`), expect(1));
    });

    test('users: $orderby pages in order with ties kept apart by id; sorting a filtered list is an advanced query', async () => {
      const admin = await adminAppToken();
      const tag = word();
      const names = ['bea Quinn', 'Pat Lee', 'Ann Ames', 'Pat Lee', 'Carl Ode', 'pat lee'];
      const byName = new Map<string, string[]>();
      for (const [i, userId] of (await createUsers(admin, tag, names)).entries()) {
        const key = names[i]!.toLowerCase();
        byName.set(key, [...(byName.get(key) ?? []), userId].sort());
      }
      const expected = [...byName.entries()].sort(([a], [b]) => (a < b ? 1 : -1)).flatMap(([, ids]) => ids);

      const mine = q(`startswith(userPrincipalName,'${tag}')`);
      const pages = await allPages(`/graph/v1.0/users?$filter=${mine}&$orderby=${q('displayName desc')}&$count=true&$top=2`, eventual);
      assert.equal(pages.length, 3);
      assert.deepEqual(pages.flatMap((p) => p.value.map((u) => u.id)), expected, 'descending, case ignored, the three Pat Lees in id order, none twice');
      for (const page of pages) assert.equal(page['@odata.count'], 6);
      const second = new URL(pages[0]!['@odata.nextLink']!);
      assert.equal(second.searchParams.get('$orderby'), 'displayName desc', 'the next link keeps the order');

      const searched = await allPages(`/graph/v1.0/users?$search=${q(`"userPrincipalName:${tag}"`)}&$orderby=displayName&$top=4`, eventual);
      const ascending = [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).flatMap(([, ids]) => ids);
      assert.deepEqual(searched.flatMap((p) => p.value.map((u) => u.id)), ascending, 'with $search, by name ascending, ties still in id order');

      const everyone = await allPages('/graph/v1.0/users?$orderby=displayName&$top=3');
      const all = everyone.flatMap((p) => p.value.map((u) => String(u.displayName).toLowerCase()));
      assert.deepEqual(all, [...all].sort(), 'displayName is sorted by default, without advanced query parameters');
      const byUpn = (await getPage('/graph/v1.0/users?$orderby=userPrincipalName%20desc&$top=999')).value.map((u) => String(u.userPrincipalName).toLowerCase());
      assert.deepEqual(byUpn, [...byUpn].sort().reverse());
      const newest = await getPage('/graph/v1.0/users?$orderby=createdDateTime%20desc&$count=true&$top=1', eventual);
      assert.equal(newest.value.length, 1);

      await refused(`/graph/v1.0/users?$filter=${mine}&$orderby=displayName`, eventual, /^Sorting not supported for current query\.$/);
      await refused(`/graph/v1.0/users?$filter=${mine}&$orderby=displayName&$count=true`, {}, /ConsistencyLevel/);
      await refused('/graph/v1.0/users?$orderby=createdDateTime', {}, /^Sorting not supported for current query\.$/);
      await refused('/graph/v1.0/users?$orderby=accountEnabled', eventual, /'accountEnabled'/);
      await refused('/graph/v1.0/users?$orderby=displayName%20sideways', {}, /\$orderby/);

      // A page token belongs to the order it was issued for.
      for (const order of [undefined, 'displayName asc', 'userPrincipalName desc']) {
        const tampered = new URL(pages[0]!['@odata.nextLink']!);
        if (order) tampered.searchParams.set('$orderby', order);
        else tampered.searchParams.delete('$orderby');
        const res = await graph('GET', `${tampered.pathname}${tampered.search}`, discoveryToken, undefined, eventual);
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.json().error.message, /\$skiptoken/);
      }
    });

    test('devices: $search on the words of displayName and $orderby, an advanced query on devices, across pages', async () => {
      const tag = word();
      const names = [`${tag} Lobby Kiosk`, `${tag} Reception Kiosk`, `${tag}-Warehouse-Scanner`];
      const deviceIds: string[] = [];
      for (const name of names) {
        const deviceId = newGuid();
        assert.equal((await placeholder(deviceId, newGuid(), discoveryToken, name)).statusCode, 201);
        deviceIds.push(deviceId);
      }
      const found = async (search: string) => (await getPage(`/graph/v1.0/devices?$search=${q(search)}`, eventual)).value.map((d) => d.deviceId).sort();
      assert.deepEqual(await found(`"displayName:${tag} kio"`), [deviceIds[0], deviceIds[1]].sort());
      assert.deepEqual(await found(`"displayName:${tag}" AND "displayName:scan"`), [deviceIds[2]]);
      assert.deepEqual(await found(`"displayName:reception" OR "displayName:warehouse"`), [deviceIds[1], deviceIds[2]].sort());
      assert.deepEqual(await found(`"displayName:${tag}" AND "operatingSystem:WIN"`), [...deviceIds].sort(), 'other properties as startswith');
      assert.deepEqual(await found(`"deviceId:${deviceIds[1]}"`), [deviceIds[1]]);

      const pages = await allPages(`/graph/v1.0/devices?$search=${q(`"displayName:${tag}"`)}&$orderby=${q('displayName desc')}&$count=true&$top=2`, eventual);
      assert.deepEqual(pages.map((p) => p.value.map((d) => d.displayName)), [[names[2], names[1]], [names[0]]]);
      assert.deepEqual(pages.map((p) => p['@odata.count']), [3, 3]);
      const counted = await graph('GET', `/graph/v1.0/devices/$count?$search=${q(`"displayName:${tag} kiosk"`)}`, discoveryToken, undefined, eventual);
      assert.equal(counted.body, '2');

      await refused(`/graph/v1.0/devices?$search=${q(`"displayName:${tag}"`)}`, {}, /ConsistencyLevel: eventual/);
      await refused('/graph/v1.0/devices?$orderby=displayName', eventual, /^Sorting not supported for current query\.$/);
      await refused('/graph/v1.0/devices?$orderby=displayName&$count=true', {}, /ConsistencyLevel/);
      await refused('/graph/v1.0/devices?$orderby=trustType&$count=true', eventual, /'trustType'/);
      await refused(`/graph/v1.0/devices?$search=${q('"physicalIds:[ZTDID]"')}`, eventual, /'physicalIds'/);
    });

    test('tokens: missing → 401, wrong audience → 401, missing role → 403', async () => {
      const none = await id.app.inject({ url: '/graph/v1.0/devices' });
      assert.equal(none.statusCode, 401);
      assert.equal(none.json().error.code, 'InvalidAuthenticationToken');
      const userDrs = await id.app.inject({
        method: 'POST',
        url: `/${id.tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({
          grant_type: 'password',
          client_id: DEVICE_AGENT_CLIENT_ID,
          username: `admin@${id.domain}`,
          password: 'correct horse battery',
          scope: 'urn:ms-drs:enterpriseregistration.baton.local/.default',
        }),
      });
      const wrongAud = await graph('GET', '/graph/v1.0/devices', userDrs.json().access_token);
      assert.equal(wrongAud.statusCode, 401);
      const identityApp = await appToken(id.tenantId, 'identity');
      const forbidden = await graph('GET', '/graph/v1.0/devices', identityApp);
      assert.equal(forbidden.statusCode, 403);
      const badBody = await graph('PATCH', `/graph/v1.0/devices(deviceId='${newGuid()}')`, discoveryToken, { displayName: 42 } as object, {
        prefer: 'create-if-missing',
      });
      assert.equal(badBody.statusCode, 400);
      assert.ok(badBody.json().error);
      const badKey = await graph('PATCH', `/graph/v1.0/devices(deviceId=nope)`, discoveryToken, { displayName: 'x' });
      assert.equal(badKey.statusCode, 400);
    });
  });
}
