import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GRAPH_RESOURCE, SERVICE_APP_IDS } from '@baton/contracts';
import { backends, form, newGuid, startIdentity, tenantInput, type RunningIdentity } from '../testing/harness.js';

const SALES_RULE = '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Sales"))';

for (const backend of backends()) {
  describe(`Graph groups and dynamic membership (${backend.name})`, () => {
    let id: RunningIdentity;
    let admin: string;
    let discovery: string;
    let otherAdmin: string;
    const evaluations = new Map<string, number>();
    before(async () => {
      id = await startIdentity(backend, { membership: { onEvaluate: (g) => evaluations.set(g, (evaluations.get(g) ?? 0) + 1) } });
      admin = await token(id.tenantId, id.adminClientId, 'admin-app-secret-0123456789');
      discovery = await token(id.tenantId, SERVICE_APP_IDS.discovery, id.ctx.serviceCredentials.discovery.clientSecret);
      const other = await id.identity.bootstrapTenant(tenantInput(`other-${id.domain}`));
      otherAdmin = await token(other.tenantId, other.adminClientId, 'admin-app-secret-0123456789');
    });
    after(async () => {
      await id.close();
    });

    async function token(tenantId: string, clientId: string, secret: string) {
      const res = await id.app.inject({
        method: 'POST',
        url: `/${tenantId}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: `${GRAPH_RESOURCE}/.default` }),
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().access_token as string;
    }

    const graph = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, tokenValue = admin, payload?: unknown, headers: Record<string, string> = {}) =>
      id.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${tokenValue}`, ...headers },
        ...(payload !== undefined ? { payload: payload as object } : {}),
      });

    const createGroup = async (body: Record<string, unknown>, tokenValue = admin) => {
      const res = await graph('POST', '/graph/v1.0/groups', tokenValue, {
        mailEnabled: false,
        securityEnabled: true,
        mailNickname: `g${newGuid().slice(0, 8)}`,
        ...body,
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; membershipRule: string | null };
    };
    const dynamicGroup = (displayName: string, membershipRule: string) =>
      createGroup({ displayName, groupTypes: ['DynamicMembership'], membershipRule, membershipRuleProcessingState: 'On' });

    const placeholder = async (deviceId: string, physicalIds: string[], displayName = '5CG1234XYZ') => {
      const res = await graph(
        'PATCH',
        `/graph/v1.0/devices(deviceId='${deviceId}')`,
        discovery,
        { displayName, physicalIds, operatingSystem: 'Windows', accountEnabled: true },
        { prefer: 'create-if-missing' },
      );
      assert.ok([201, 204].includes(res.statusCode), res.body);
      return res;
    };
    const objectIdOf = async (deviceId: string) => (await graph('GET', `/graph/v1.0/devices(deviceId='${deviceId}')`, discovery)).json().id as string;
    const memberIds = async (groupId: string) =>
      ((await graph('GET', `/graph/v1.0/groups/${groupId}/members`)).json().value as Array<{ id: string }>).map((m) => m.id).sort();

    test('the Autopilot group-tag rule picks up a placeholder in the same request and drops it when the tag changes', async () => {
      const group = await dynamicGroup('Autopilot Sales', SALES_RULE);
      const deviceId = newGuid();
      const ztd = `[ZTDID]:${newGuid()}`;
      await placeholder(deviceId, [ztd, '[OrderID]:Sales']);
      const objectId = await objectIdOf(deviceId);
      const members = await graph('GET', `/graph/v1.0/groups/${group.id}/members`);
      assert.equal(members.statusCode, 200, members.body);
      assert.deepEqual(
        members.json().value.map((m: Record<string, unknown>) => [m['@odata.type'], m.id, m.deviceId]),
        [['#microsoft.graph.device', objectId, deviceId]],
      );
      const memberOf = await graph('GET', `/graph/v1.0/devices/${objectId}/memberOf`, discovery);
      assert.equal(memberOf.statusCode, 200, memberOf.body);
      assert.deepEqual(memberOf.json().value.map((g: Record<string, unknown>) => [g['@odata.type'], g.id]), [['#microsoft.graph.group', group.id]]);

      await placeholder(deviceId, [ztd, '[OrderID]:Marketing']);
      assert.deepEqual(await memberIds(group.id), []);
      assert.deepEqual((await graph('GET', `/graph/v1.0/devices/${objectId}/memberOf`, discovery)).json().value, []);

      // Back in by the object-id PATCH, out again by deletion.
      assert.equal((await graph('PATCH', `/graph/v1.0/devices/${objectId}`, discovery, { physicalIds: [ztd, '[OrderID]:sales'] })).statusCode, 204);
      assert.deepEqual(await memberIds(group.id), [objectId], 'values compare ignoring case');
      assert.equal((await graph('DELETE', `/graph/v1.0/devices/${objectId}`, discovery)).statusCode, 204);
      assert.deepEqual(await memberIds(group.id), []);
    });

    test('a write re-evaluates only the groups whose rule reads a changed property', async () => {
      const byTag = await dynamicGroup('tag', '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Ops"))');
      const byName = await dynamicGroup('name', 'device.displayName -startsWith "OPS-"');
      const byOs = await dynamicGroup('os', 'device.deviceOSType -eq "Windows" -and device.accountEnabled -eq true');
      const deviceId = newGuid();
      await placeholder(deviceId, ['[OrderID]:Ops'], 'OPS-1');
      const objectId = await objectIdOf(deviceId);
      assert.deepEqual(await memberIds(byTag.id), [objectId]);
      assert.deepEqual(await memberIds(byName.id), [objectId]);
      assert.deepEqual(await memberIds(byOs.id), [objectId]);

      evaluations.clear();
      await graph('PATCH', `/graph/v1.0/devices/${objectId}`, discovery, { operatingSystemVersion: '10.0.26100.1' });
      assert.equal(evaluations.size, 0, 'no rule reads deviceOSVersion');

      await graph('PATCH', `/graph/v1.0/devices/${objectId}`, discovery, { displayName: 'DEV-1' });
      assert.deepEqual([...evaluations.keys()], [byName.id], 'only the displayName rule ran');
      assert.deepEqual(await memberIds(byName.id), []);
      assert.deepEqual(await memberIds(byTag.id), [objectId]);

      evaluations.clear();
      await graph('PATCH', `/graph/v1.0/devices/${objectId}`, discovery, { accountEnabled: false });
      assert.deepEqual([...evaluations.keys()], [byOs.id]);
      assert.deepEqual(await memberIds(byOs.id), []);
    });

    const newUser = async (name: string, profile: Record<string, unknown>) => {
      const upn = `${name}.${newGuid().slice(0, 8)}@${id.domain}`;
      const res = await graph('POST', '/graph/v1.0/users', admin, {
        accountEnabled: true,
        displayName: name,
        mailNickname: name,
        userPrincipalName: upn,
        passwordProfile: { password: 'Kitchen-Table-42' },
        ...profile,
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id as string;
    };

    test('a dynamic user group by department holds that department, and a user who moves leaves it in the same request', async () => {
      const sara = await newUser('sara', { department: 'Sales' });
      const sam = await newUser('sam', { department: 'sales', jobTitle: 'Account Manager' });
      await newUser('fiona', { department: 'Finance' });
      await newUser('nobody', {});
      const sales = await dynamicGroup('Sales', '(user.department -eq "Sales")');
      assert.deepEqual(await memberIds(sales.id), [sara, sam].sort(), 'the rule compares ignoring case, as Entra does');

      evaluations.clear();
      assert.equal((await graph('PATCH', `/graph/v1.0/users/${sara}`, admin, { mobilePhone: '+1 555 0100' })).statusCode, 204);
      assert.equal(evaluations.get(sales.id), undefined, 'no rule reads user.mobile');

      assert.equal((await graph('PATCH', `/graph/v1.0/users/${sara}`, admin, { department: 'Finance' })).statusCode, 204);
      assert.deepEqual(await memberIds(sales.id), [sam]);
      assert.equal((await graph('PATCH', `/graph/v1.0/users/${sam}`, admin, { department: null })).statusCode, 204);
      assert.deepEqual(await memberIds(sales.id), [], 'a cleared department leaves the group too');
      const later = await newUser('sid', { department: 'Sales' });
      assert.deepEqual(await memberIds(sales.id), [later], 'a new user joins when created');
    });

    test("user rules read the profile under Entra's rule names: physicalDeliveryOfficeName, mobile, usageLocation", async () => {
      const tag = newGuid().slice(0, 8);
      const inOffice = await newUser('olga', { officeLocation: `B40/${tag}`, usageLocation: 'DE', mobilePhone: `+49 ${tag}` });
      await newUser('otto', { officeLocation: `B41/${tag}`, usageLocation: 'DE' });
      const office = await dynamicGroup('Building 40', `(user.physicalDeliveryOfficeName -eq "B40/${tag}") -and (user.usageLocation -eq "DE")`);
      const mobile = await dynamicGroup('Mobile', `(user.mobile -startsWith "+49 ${tag}")`);
      assert.deepEqual(await memberIds(office.id), [inOffice]);
      assert.deepEqual(await memberIds(mobile.id), [inOffice]);
      assert.equal((await graph('PATCH', `/graph/v1.0/users/${inOffice}`, admin, { officeLocation: 'Remote' })).statusCode, 204);
      assert.deepEqual(await memberIds(office.id), []);
      assert.deepEqual(await memberIds(mobile.id), [inOffice]);
    });

    test('rules over ownership, enrollment profile name and extension attributes see what identity keeps', async () => {
      const byProfile = await dynamicGroup('kiosk profile', '(device.enrollmentProfileName -eq "Kiosk") -and (device.deviceOwnership -eq "Company")');
      const byAttribute = await dynamicGroup('saw', 'device.extensionAttribute1 -eq "SAW"');
      const deviceId = newGuid();
      await placeholder(deviceId, ['[OrderID]:Kiosk']);
      const objectId = await objectIdOf(deviceId);
      assert.deepEqual(await memberIds(byProfile.id), []);
      const patched = await graph('PATCH', `/graph/v1.0/devices/${objectId}`, discovery, { deviceOwnership: 'Company', enrollmentProfileName: 'kiosk' });
      assert.equal(patched.statusCode, 204, patched.body);
      assert.deepEqual(await memberIds(byProfile.id), [objectId], 'values compare ignoring case');
      assert.deepEqual(await memberIds(byAttribute.id), []);
      await graph('PATCH', `/graph/v1.0/devices/${objectId}`, discovery, { extensionAttributes: { extensionAttribute1: 'SAW' } });
      assert.deepEqual(await memberIds(byAttribute.id), [objectId]);
      const cleared = await graph('PATCH', `/graph/v1.0/devices/${objectId}`, discovery, { enrollmentProfileName: null });
      assert.equal(cleared.statusCode, 204, cleared.body);
      assert.deepEqual(await memberIds(byProfile.id), [], 'a null name (profile unassigned) takes the device out');
      await graph('PATCH', `/graph/v1.0/devices/${objectId}`, discovery, { enrollmentProfileName: 'Kiosk' });
      assert.deepEqual(await memberIds(byProfile.id), [objectId]);
      await graph('PATCH', `/graph/v1.0/devices/${objectId}`, discovery, { deviceOwnership: 'Personal' });
      assert.deepEqual(await memberIds(byProfile.id), []);
    });

    test('a rule change recomputes the group; a paused rule keeps its members', async () => {
      const deviceId = newGuid();
      await placeholder(deviceId, ['[OrderID]:Finance'], 'FIN-1');
      const objectId = await objectIdOf(deviceId);
      const group = await dynamicGroup('moving', '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Nobody"))');
      assert.deepEqual(await memberIds(group.id), []);
      const patched = await graph('PATCH', `/graph/v1.0/groups/${group.id}`, admin, { membershipRule: '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Finance"))' });
      assert.equal(patched.statusCode, 204, patched.body);
      assert.deepEqual(await memberIds(group.id), [objectId]);
      await graph('PATCH', `/graph/v1.0/groups/${group.id}`, admin, { membershipRuleProcessingState: 'Paused' });
      await placeholder(deviceId, ['[OrderID]:Elsewhere'], 'FIN-1');
      assert.deepEqual(await memberIds(group.id), [objectId], 'paused: membership frozen');
      await graph('PATCH', `/graph/v1.0/groups/${group.id}`, admin, { membershipRuleProcessingState: 'On' });
      assert.deepEqual(await memberIds(group.id), [], 'resumed: recomputed');
      const beta = await graph('GET', `/graph/beta/groups/${group.id}`);
      assert.equal(beta.json().membershipRuleProcessingStatus.status, 'Succeeded');
      assert.ok(beta.json().membershipRuleProcessingStatus.lastMembershipUpdated);
    });

    test('static members: add, list with $select, remove; dynamic groups refuse both with 400', async () => {
      const group = await createGroup({ displayName: 'Pilot devices' });
      const deviceId = newGuid();
      await placeholder(deviceId, ['[OrderID]:Pilot']);
      const objectId = await objectIdOf(deviceId);
      // The administrator: other tests' users are in dynamic groups of their own.
      const user = (await graph('GET', `/graph/v1.0/users/admin@${id.domain}`)).json() as { id: string };
      const ref = (oid: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${oid}` });
      assert.equal((await graph('POST', `/graph/v1.0/groups/${group.id}/members/$ref`, admin, ref(objectId))).statusCode, 204);
      assert.equal((await graph('POST', `/graph/v1.0/groups/${group.id}/members/$ref`, admin, ref(user.id))).statusCode, 204);
      const dup = await graph('POST', `/graph/v1.0/groups/${group.id}/members/$ref`, admin, ref(objectId));
      assert.equal(dup.statusCode, 400);
      const missing = await graph('POST', `/graph/v1.0/groups/${group.id}/members/$ref`, admin, ref(newGuid()));
      assert.equal(missing.statusCode, 404);
      const listed = await graph('GET', `/graph/v1.0/groups/${group.id}/members?$select=id,displayName`);
      assert.equal(listed.statusCode, 200, listed.body);
      const types = listed.json().value.map((m: Record<string, unknown>) => m['@odata.type']).sort();
      assert.deepEqual(types, ['#microsoft.graph.device', '#microsoft.graph.user']);
      for (const m of listed.json().value) assert.deepEqual(Object.keys(m).sort(), ['@odata.type', 'displayName', 'id']);
      const userMemberOf = await graph('GET', `/graph/v1.0/users/${user.id}/memberOf`);
      assert.deepEqual(userMemberOf.json().value.map((g: { id: string }) => g.id), [group.id]);
      assert.equal((await graph('DELETE', `/graph/v1.0/groups/${group.id}/members/${objectId}/$ref`)).statusCode, 204);
      assert.equal((await graph('DELETE', `/graph/v1.0/groups/${group.id}/members/${objectId}/$ref`)).statusCode, 404);
      assert.deepEqual(await memberIds(group.id), [user.id]);

      const dynamic = await dynamicGroup('dyn', SALES_RULE);
      const add = await graph('POST', `/graph/v1.0/groups/${dynamic.id}/members/$ref`, admin, ref(objectId));
      assert.equal(add.statusCode, 400);
      assert.match(add.json().error.message, /dynamic membership/);
      const remove = await graph('DELETE', `/graph/v1.0/groups/${dynamic.id}/members/${objectId}/$ref`);
      assert.equal(remove.statusCode, 400);
      const forbidden = await graph('POST', `/graph/v1.0/groups/${group.id}/members/$ref`, discovery, ref(objectId));
      assert.equal(forbidden.statusCode, 403, 'Directory.Read.All reads but does not write');
    });

    test("scripts' member queries: a type cast, transitive members, and $count with ConsistencyLevel", async () => {
      const group = await createGroup({ displayName: 'Kiosks and their owners' });
      const devices = [newGuid(), newGuid(), newGuid()];
      for (const d of devices) await placeholder(d, ['[OrderID]:Kiosk']);
      const deviceObjects = await Promise.all(devices.map(objectIdOf));
      const [user] = (await graph('GET', '/graph/v1.0/users')).json().value as Array<{ id: string }>;
      for (const oid of [...deviceObjects, user!.id]) {
        const added = await graph('POST', `/graph/v1.0/groups/${group.id}/members/$ref`, admin, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${oid}` });
        assert.equal(added.statusCode, 204, added.body);
      }
      const eventual = { consistencylevel: 'eventual' };
      const ids = (res: { json(): { value: Array<{ id: string }> } }) => res.json().value.map((m) => m.id).sort();

      // The cast narrows the list to one type, and $select takes that type's properties.
      const castDevices = await graph('GET', `/graph/v1.0/groups/${group.id}/members/microsoft.graph.device?$select=id,deviceId&$top=2`);
      assert.equal(castDevices.statusCode, 200, castDevices.body);
      assert.match(castDevices.json()['@odata.context'], /\$metadata#devices$/);
      assert.equal(castDevices.json().value.length, 2);
      for (const d of castDevices.json().value) assert.deepEqual(Object.keys(d).sort(), ['@odata.type', 'deviceId', 'id']);
      const nextLink = castDevices.json()['@odata.nextLink'] as string;
      assert.match(nextLink, /members\/microsoft\.graph\.device\?/);
      const rest = await graph('GET', nextLink.slice(nextLink.indexOf('/graph/')));
      assert.deepEqual([...ids(castDevices), ...ids(rest)].sort(), [...deviceObjects].sort());
      const castUsers = await graph('GET', `/graph/beta/groups/${group.id}/members/microsoft.graph.user`);
      assert.deepEqual(ids(castUsers), [user!.id]);
      const userOnlyProperty = await graph('GET', `/graph/v1.0/groups/${group.id}/members/microsoft.graph.device?$select=userPrincipalName`);
      assert.equal(userOnlyProperty.statusCode, 400, userOnlyProperty.body);

      // Groups do not nest in Baton, so the transitive lists are the direct ones.
      const transitive = await graph('GET', `/graph/v1.0/groups/${group.id}/transitiveMembers`);
      assert.deepEqual(ids(transitive), [...deviceObjects, user!.id].sort());
      const transitiveOf = await graph('GET', `/graph/v1.0/devices/${deviceObjects[0]}/transitiveMemberOf/microsoft.graph.group`);
      assert.ok(ids(transitiveOf).includes(group.id));
      assert.deepEqual(ids(transitiveOf), ids(await graph('GET', `/graph/v1.0/devices/${deviceObjects[0]}/memberOf`)));

      const count = async (path: string, headers: Record<string, string> = eventual) => {
        const res = await graph('GET', `/graph/v1.0/${path}`, admin, undefined, headers);
        return { status: res.statusCode, body: res.body };
      };
      assert.deepEqual(await count(`groups/${group.id}/members/$count`), { status: 200, body: '4' });
      assert.deepEqual(await count(`groups/${group.id}/members/microsoft.graph.device/$count`), { status: 200, body: '3' });
      assert.deepEqual(await count(`groups/${group.id}/transitiveMembers/microsoft.graph.user/$count`), { status: 200, body: '1' });
      assert.deepEqual(await count(`users/${user!.id}/memberOf/$count`), { status: 200, body: String((await graph('GET', `/graph/v1.0/users/${user!.id}/memberOf`)).json().value.length) });
      const withoutHeader = await count(`groups/${group.id}/members/$count`, {});
      assert.equal(withoutHeader.status, 400);
      assert.match(withoutHeader.body, /ConsistencyLevel/);
      assert.equal((await count(`groups/${group.id}/members/$count?$filter=${encodeURIComponent("displayName eq 'x'")}`)).status, 400);
      assert.equal((await count(`groups/${newGuid()}/members/$count`)).status, 404);
    });

    test('rule errors are 400 with the position and a caret under it', async () => {
      const rule = '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Sales")) -and device.deviceOSTyp -eq "Windows"';
      const res = await graph('POST', '/graph/v1.0/groups', admin, {
        displayName: 'bad',
        mailNickname: 'bad',
        mailEnabled: false,
        securityEnabled: true,
        groupTypes: ['DynamicMembership'],
        membershipRule: rule,
      });
      assert.equal(res.statusCode, 400);
      const { code, message } = res.json().error;
      assert.equal(code, 'Request_BadRequest');
      const position = rule.indexOf('device.deviceOSTyp');
      const at = Number(/position (\d+)/.exec(message)?.[1]);
      assert.ok(at >= position && at <= position + 'device.deviceOSTyp'.length, message);
      assert.match(message, /\n {2}\(device/);
      assert.match(message, /\^/);
      const noRule = await graph('POST', '/graph/v1.0/groups', admin, {
        displayName: 'x',
        mailNickname: 'x',
        mailEnabled: false,
        securityEnabled: true,
        groupTypes: ['DynamicMembership'],
      });
      assert.equal(noRule.statusCode, 400);
      const ruleOnStatic = await graph('POST', '/graph/v1.0/groups', admin, {
        displayName: 'x',
        mailNickname: 'x',
        mailEnabled: false,
        securityEnabled: true,
        membershipRule: SALES_RULE,
      });
      assert.equal(ruleOnStatic.statusCode, 400);
      const group = await dynamicGroup('ok', SALES_RULE);
      const badPatch = await graph('PATCH', `/graph/v1.0/groups/${group.id}`, admin, { membershipRule: 'device.displayName -eq' });
      assert.equal(badPatch.statusCode, 400);
      assert.equal((await graph('GET', `/graph/v1.0/groups/${group.id}`)).json().membershipRule, SALES_RULE, 'a refused PATCH changes nothing');
    });

    test('evaluateDynamicMembership answers with the result and per-clause details, writing nothing', async () => {
      const deviceId = newGuid();
      await placeholder(deviceId, ['[OrderID]:Sales'], 'SALES-7');
      const objectId = await objectIdOf(deviceId);
      const group = await createGroup({ displayName: 'static' });
      const rule = `${SALES_RULE} -and device.displayName -startsWith "HR-"`;
      const res = await graph('POST', `/graph/beta/groups/${group.id}/evaluateDynamicMembership`, admin, { memberId: objectId, membershipRule: rule });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.membershipRule, rule);
      assert.deepEqual(body.membershipRuleValidationResult, { isValid: true, errorMessage: null });
      assert.equal(body.membershipRuleEvaluationResult, false);
      const [left, right] = body.membershipRuleEvaluationDetails.expressionEvaluationDetails;
      assert.equal(left.expressionResult, true);
      assert.deepEqual(left.propertyToEvaluate, { propertyName: 'devicePhysicalIds', propertyValue: '[OrderID]:Sales' });
      assert.equal(right.expressionResult, false);
      assert.deepEqual(right.propertyToEvaluate, { propertyName: 'displayName', propertyValue: 'SALES-7' });
      assert.deepEqual(await memberIds(group.id), [], 'a dry run');
      const invalid = await graph('POST', '/graph/beta/groups/evaluateDynamicMembership', admin, { memberId: objectId, membershipRule: 'device.displayName -eq "x" -and' });
      assert.equal(invalid.statusCode, 200);
      assert.equal(invalid.json().membershipRuleValidationResult.isValid, false);
      assert.equal(typeof invalid.json().membershipRuleValidationResult.errorPosition, 'number');
      assert.equal(invalid.json().membershipRuleEvaluationResult, null);
      const noMember = await graph('POST', '/graph/beta/groups/evaluateDynamicMembership', admin, { memberId: newGuid(), membershipRule: SALES_RULE });
      assert.equal(noMember.statusCode, 404);
    });

    test('listing: displayName eq and startswith, $top with an https nextLink, $count only with ConsistencyLevel', async () => {
      const prefix = `List-${newGuid().slice(0, 6)}`;
      for (let i = 0; i < 3; i++) await createGroup({ displayName: `${prefix}-${i}` });
      const eq = await graph('GET', `/graph/v1.0/groups?$filter=displayName eq '${prefix.toUpperCase()}-1'`);
      assert.equal(eq.statusCode, 200, eq.body);
      assert.deepEqual(eq.json().value.map((g: { displayName: string }) => g.displayName), [`${prefix}-1`]);
      const first = await graph('GET', `/graph/v1.0/groups?$filter=startswith(displayName,'${prefix}')&$top=2&$select=displayName`);
      assert.equal(first.json().value.length, 2);
      assert.deepEqual(Object.keys(first.json().value[0]).sort(), ['displayName', 'id']);
      const next = new URL(first.json()['@odata.nextLink']);
      assert.equal(next.protocol, 'https:');
      const second = await graph('GET', `${next.pathname}${next.search}`);
      assert.equal(second.json().value.length, 1);
      assert.equal(second.json()['@odata.nextLink'], undefined);
      const noHeader = await graph('GET', `/graph/v1.0/groups?$count=true`);
      assert.equal(noHeader.statusCode, 400);
      const endsWith = await graph('GET', `/graph/v1.0/groups?$filter=endswith(displayName,'-2')`);
      assert.equal(endsWith.statusCode, 400);
      assert.equal(endsWith.json().error.code, 'Request_UnsupportedQuery');
      const advanced = await graph('GET', `/graph/v1.0/groups?$filter=startswith(displayName,'${prefix}') and displayName ne '${prefix}-0'&$count=true`, admin, undefined, {
        consistencylevel: 'eventual',
      });
      assert.equal(advanced.statusCode, 200, advanced.body);
      assert.equal(advanced.json()['@odata.count'], 2);
      for (const bad of ['$top=0', "$filter=nope eq 'x'", '$skiptoken=abc', '$select=password', '$orderby=displayName', "$filter=displayName eq"]) {
        const res = await graph('GET', `/graph/v1.0/groups?${bad}`);
        assert.equal(res.statusCode, 400, `${bad}: ${res.body}`);
      }
    });

    test('tenants are isolated: groups and memberships of one tenant are invisible to another', async () => {
      const group = await dynamicGroup('mine', SALES_RULE);
      assert.equal((await graph('GET', `/graph/v1.0/groups/${group.id}`, otherAdmin)).statusCode, 404);
      assert.equal((await graph('GET', `/graph/v1.0/groups/${group.id}/members`, otherAdmin)).statusCode, 404);
      assert.equal((await graph('PATCH', `/graph/v1.0/groups/${group.id}`, otherAdmin, { displayName: 'stolen' })).statusCode, 404);
      assert.equal((await graph('DELETE', `/graph/v1.0/groups/${group.id}`, otherAdmin)).statusCode, 404);
      const theirs = await graph('GET', '/graph/v1.0/groups', otherAdmin);
      assert.ok(!theirs.json().value.some((g: { id: string }) => g.id === group.id));
      assert.equal((await graph('DELETE', `/graph/v1.0/groups/${group.id}`)).statusCode, 204);
      assert.equal((await graph('GET', `/graph/v1.0/groups/${group.id}`)).statusCode, 404);
    });

    test('hostile group bodies, rules and evaluations get a 4xx Graph envelope, never a 500', async () => {
      const ruleish = fc.oneof(
        fc.string({ maxLength: 200 }),
        fc
          .array(fc.constantFrom('device.', 'user.', 'devicePhysicalIds', 'displayName', ' -any ', ' -eq ', ' -and ', ' -not ', '(', ')', '_', '"x"', '[', ']', '`', '"', ' -match "(a+)+$"', ' -in ["a"]', 'null'), { maxLength: 30 })
          .map((parts) => parts.join('')),
      );
      const body = fc.record(
        {
          displayName: fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.constant(null)),
          mailNickname: fc.oneof(fc.string({ maxLength: 80 }), fc.constant('ok')),
          mailEnabled: fc.oneof(fc.boolean(), fc.string()),
          securityEnabled: fc.boolean(),
          groupTypes: fc.oneof(fc.constant(['DynamicMembership']), fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }), fc.string()),
          membershipRule: fc.oneof(ruleish, fc.constant(null)),
          membershipRuleProcessingState: fc.oneof(fc.constantFrom('On', 'Paused', 'on', 'Maybe'), fc.string({ maxLength: 10 })),
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(body, ruleish, async (b, rule) => {
          const created = await graph('POST', '/graph/v1.0/groups', admin, b);
          assert.ok(created.statusCode === 201 || (created.statusCode >= 400 && created.statusCode < 500), created.body);
          if (created.statusCode !== 201) assert.ok(created.json().error.code);
          const dry = await graph('POST', '/graph/beta/groups/evaluateDynamicMembership', admin, { memberId: newGuid(), membershipRule: rule });
          assert.ok(dry.statusCode >= 200 && dry.statusCode < 500, dry.body);
        }),
        { numRuns: 60 },
      );
    });
  });
}
