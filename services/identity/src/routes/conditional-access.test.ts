import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GRAPH_RESOURCE, SERVICE_APP_IDS } from '@baton/contracts';
import { ConditionalAccessCache } from '../domain/conditional-access/index.js';
import { backends, form, newGuid, startIdentity, tenantInput, type RunningIdentity } from '../testing/harness.js';

const fixture = (name: string) => readFileSync(new URL(`../testing/fixtures/${name}`, import.meta.url), 'utf8');
const POLICIES_EXPORT = fixture('conditional-access-policies.graph.json');
const LOCATIONS_EXPORT = fixture('conditional-access-named-locations.graph.json');

// Object ids of the tenant the export came from.
const SOURCE = {
  breakGlass: 'e2f0a1b3-4c5d-4e6f-8a9b-0c1d2e3f4a5b',
  exclusions: '5b1f9c3e-2d4a-4b6c-9e8f-1a2b3c4d5e6f',
  hq: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  blockedCountries: '1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e',
};
const PAYROLL = 'a3c1e5f7-9b2d-4f6a-8c0e-2b4d6f8a0c1e';
const HR_PORTAL = '7d9f1b3e-5a7c-4e9b-a1c3-5e7a9c1b3d5f';
const EXCHANGE = '00000002-0000-0ff1-ce00-000000000000';
const HQ_IP = '203.0.113.40';
const OUTSIDE_IP = '198.51.100.7';

type Policy = Record<string, any>;

/** The export with annotations and server-set properties removed: what a POST carries. */
function postable(item: Policy): Policy {
  const out: Policy = {};
  for (const [k, v] of Object.entries(item)) {
    if (k.includes('@odata.context') || ['id', 'createdDateTime', 'modifiedDateTime'].includes(k)) continue;
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? postable(v) : v;
  }
  return out;
}

for (const backend of backends()) {
  describe(`Graph conditional access (${backend.name})`, () => {
    let id: RunningIdentity;
    let admin: string;
    let otherAdmin: string;
    let discovery: string;
    const users = { alice: '', bob: '', admin: '', breakGlass: '' };
    const ids = new Map<string, string>();
    const created: Policy[] = [];
    const exported = JSON.parse(POLICIES_EXPORT).value as Policy[];

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
    const graph = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, tokenValue = admin) =>
      id.app.inject({ method, url: `/graph/v1.0${url}`, headers: { authorization: `Bearer ${tokenValue}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
    const CA = '/identity/conditionalAccess';

    before(async () => {
      id = await startIdentity(backend);
      admin = await token(id.tenantId, id.adminClientId, 'admin-app-secret-0123456789');
      discovery = await token(id.tenantId, SERVICE_APP_IDS.discovery, id.ctx.serviceCredentials.discovery.clientSecret);
      const other = await id.identity.bootstrapTenant(tenantInput(`other-${id.domain}`));
      otherAdmin = await token(other.tenantId, other.adminClientId, 'admin-app-secret-0123456789');
      const now = new Date().toISOString();
      for (const [name, isAdmin] of [['alice', false], ['bob', false], ['admin', true], ['breakGlass', true]] as const) {
        users[name] = newGuid();
        await id.identity.store.insertUser({
          id: users[name],
          tenantId: id.tenantId,
          upn: `ca-${name}@${id.domain}`,
          displayName: name,
          passwordHash: 'not-used',
          accountEnabled: true,
          isAdmin,
          createdAt: now,
          modifiedAt: now,
        });
      }
      const group = await graph('POST', '/groups', { displayName: 'CA-Exclusions', mailEnabled: false, securityEnabled: true, mailNickname: 'caexclusions' });
      assert.equal(group.statusCode, 201, group.body);
      const member = await graph('POST', `/groups/${group.json().id}/members/$ref`, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${users.bob}` });
      assert.equal(member.statusCode, 204, member.body);
      ids.set(SOURCE.breakGlass, users.breakGlass);
      ids.set(SOURCE.exclusions, group.json().id);
    });
    after(async () => {
      await id.close();
    });

    test('an exported named-location set and policy set import through POST, ids mapped', async () => {
      for (const location of JSON.parse(LOCATIONS_EXPORT).value as Policy[]) {
        const res = await graph('POST', `${CA}/namedLocations`, location);
        assert.equal(res.statusCode, 201, res.body);
        const body = res.json();
        assert.equal(body['@odata.type'], location['@odata.type']);
        assert.notEqual(body.id, location.id);
        assert.match(body['@odata.context'], /\$metadata#identity\/conditionalAccess\/namedLocations\/\$entity$/);
        ids.set(location.id, body.id);
      }
      let text = POLICIES_EXPORT;
      for (const [from, to] of ids) text = text.split(from).join(to);
      const policies = JSON.parse(text).value as Policy[];
      for (const policy of policies) {
        // The export as is, annotations and all.
        const res = await graph('POST', `${CA}/policies`, policy);
        assert.equal(res.statusCode, 201, res.body);
        const body = res.json();
        assert.ok(body.createdDateTime && body.modifiedDateTime === null);
        // Graph's shape comes back: the same body, new id and timestamps.
        assert.deepEqual(postable(body), postable(policy));
        created.push(body);
      }
      const list = await graph('GET', `${CA}/policies`);
      assert.equal(list.statusCode, 200);
      assert.match(list.json()['@odata.context'], /\$metadata#identity\/conditionalAccess\/policies$/);
      assert.deepEqual(list.json().value.map((p: Policy) => p.displayName).sort(), exported.map((p) => p.displayName).sort());
      // Beta-first tools (IntuneManagement) read the same policies on beta.
      const onBeta = await id.app.inject({ method: 'GET', url: `/graph/beta${CA}/policies`, headers: { authorization: `Bearer ${admin}` } });
      assert.equal(onBeta.statusCode, 200, onBeta.body);
      assert.match(onBeta.json()['@odata.context'], /\/graph\/beta\/\$metadata#identity\/conditionalAccess\/policies$/);
      assert.deepEqual(onBeta.json().value, list.json().value);
      const locations = await graph('GET', `${CA}/namedLocations`);
      assert.deepEqual(locations.json().value.map((l: Policy) => l['@odata.type']).sort(), ['#microsoft.graph.countryNamedLocation', '#microsoft.graph.ipNamedLocation']);
    });

    const policyId = (prefix: string) => created.find((p) => p.displayName.startsWith(prefix))!.id as string;
    const names = (policyIds: string[]) => policyIds.map((pid) => created.find((p) => p.id === pid)!.displayName.slice(0, 5)).sort();

    interface Row {
      name: string;
      user: keyof typeof users;
      app?: string;
      userAction?: string;
      client?: string;
      platform?: string;
      ip?: string;
      country?: string;
      device?: Record<string, unknown>;
      satisfied?: Record<string, unknown>;
      decision: 'allow' | 'block' | 'needsControls';
      unmet?: string[];
      blockedBy?: string[];
      results?: Record<string, string>;
    }
    const compliant = { deviceId: newGuid(), trustType: 'AzureAD', isCompliant: true, operatingSystem: 'Windows' };
    const joinedNotCompliant = { deviceId: newGuid(), trustType: 'AzureAD', isCompliant: false, operatingSystem: 'Windows', physicalIds: ['[ZTDID]:x', '[OrderID]:Sales'] };
    const kiosk = { ...joinedNotCompliant, physicalIds: ['[ZTDID]:y', '[OrderID]:Kiosk'] };
    const hybrid = { deviceId: newGuid(), trustType: 'ServerAD', isCompliant: false, operatingSystem: 'Windows' };
    const TABLE: Row[] = [
      { name: 'compliant device in HQ', user: 'alice', app: PAYROLL, device: compliant, decision: 'allow', results: { CA003: 'success', CA005: 'reportOnlyFailure', CA008: 'notEnabled', CA010: 'notApplied' } },
      { name: 'report-only succeeds with MFA', user: 'alice', app: PAYROLL, device: compliant, satisfied: { mfa: true }, decision: 'allow', results: { CA005: 'reportOnlySuccess' } },
      { name: 'unregistered device on Payroll', user: 'alice', app: PAYROLL, decision: 'needsControls', unmet: ['compliantDevice'], results: { CA003: 'failure' } },
      { name: 'excluded group member on Payroll', user: 'bob', app: PAYROLL, ip: OUTSIDE_IP, decision: 'allow', results: { CA003: 'notApplied', CA010: 'notApplied' } },
      { name: 'legacy client is blocked even with MFA', user: 'alice', app: EXCHANGE, client: 'exchangeActiveSync', satisfied: { mfa: true }, device: compliant, decision: 'block', blockedBy: ['CA001'] },
      { name: 'break-glass legacy client is excluded', user: 'breakGlass', app: EXCHANGE, client: 'other', decision: 'allow', results: { CA001: 'notApplied', CA002: 'notApplied' } },
      { name: 'administrator without MFA', user: 'admin', app: PAYROLL, device: compliant, decision: 'needsControls', unmet: ['mfa'], results: { CA002: 'failure' } },
      { name: 'administrator with MFA', user: 'admin', app: PAYROLL, device: compliant, satisfied: { mfa: true }, decision: 'allow', results: { CA002: 'success' } },
      { name: 'Office 365 from a hybrid joined device (OR grant)', user: 'alice', app: EXCHANGE, device: hybrid, decision: 'allow', results: { CA004: 'success' } },
      { name: 'Office 365 from a joined, non-compliant device', user: 'alice', app: EXCHANGE, device: joinedNotCompliant, decision: 'needsControls', unmet: ['compliantDevice', 'domainJoinedDevice'] },
      { name: 'Office 365 from iOS is outside the platform condition', user: 'alice', app: EXCHANGE, platform: 'iOS', decision: 'allow', results: { CA004: 'notApplied' } },
      { name: 'HR portal from an unregistered device (negative filter matches)', user: 'alice', app: HR_PORTAL, decision: 'block', blockedBy: ['CA006'] },
      { name: 'HR portal from an Autopilot kiosk (excluded by filter)', user: 'alice', app: HR_PORTAL, device: kiosk, decision: 'allow', results: { CA006: 'notApplied', CA007: 'notApplied' } },
      { name: 'HR portal from another joined device', user: 'alice', app: HR_PORTAL, device: joinedNotCompliant, decision: 'needsControls', unmet: ['mfa'], results: { CA007: 'failure' } },
      { name: 'outside trusted locations needs MFA', user: 'alice', app: PAYROLL, device: compliant, ip: OUTSIDE_IP, decision: 'needsControls', unmet: ['mfa'], results: { CA010: 'failure' } },
      { name: 'outside trusted locations with MFA', user: 'alice', app: PAYROLL, device: compliant, ip: OUTSIDE_IP, satisfied: { mfa: true }, decision: 'allow' },
      { name: 'HQ over IPv6 is trusted', user: 'alice', app: PAYROLL, device: compliant, ip: '2001:db8:100:7::5', decision: 'allow', results: { CA010: 'notApplied' } },
      { name: 'blocked country', user: 'alice', app: PAYROLL, device: compliant, ip: OUTSIDE_IP, country: 'KP', satisfied: { mfa: true }, decision: 'block', blockedBy: ['CA009'] },
      { name: 'blocked country, break-glass excluded', user: 'breakGlass', app: PAYROLL, device: compliant, ip: OUTSIDE_IP, country: 'KP', decision: 'allow' },
      { name: 'register or join devices needs MFA; app policies do not apply', user: 'alice', userAction: 'registerOrJoinDevices', decision: 'needsControls', unmet: ['mfa'], results: { CA011: 'failure', CA003: 'notApplied', CA001: 'notApplied' } },
    ];

    const whatIf = (row: Row, appliedPoliciesOnly = false) =>
      graph('POST', `${CA}/evaluate`, {
        signInIdentity: { '@odata.type': '#microsoft.graph.userSignIn', userId: users[row.user] },
        signInContext: row.userAction
          ? { '@odata.type': '#microsoft.graph.userActionContext', userAction: row.userAction }
          : { '@odata.type': '#microsoft.graph.applicationContext', includeApplications: [row.app] },
        signInConditions: {
          clientAppType: row.client ?? 'browser',
          devicePlatform: row.platform ?? 'windows',
          ipAddress: row.ip ?? HQ_IP,
          country: row.country ?? 'FR',
          ...(row.device ? { deviceInfo: row.device } : {}),
        },
        appliedPoliciesOnly,
        ...(row.satisfied ? { '@baton.satisfiedControls': row.satisfied } : {}),
      });

    test('what-if decisions for the imported set match the table', async () => {
      assert.equal(created.length, exported.length, 'the import ran');
      for (const row of TABLE) {
        const res = await whatIf(row);
        assert.equal(res.statusCode, 200, `${row.name}: ${res.body}`);
        const body = res.json();
        assert.match(body['@odata.context'], /Collection\(microsoft\.graph\.whatIfAnalysisResult\)$/);
        const decision = body['@baton.decision'];
        assert.equal(decision.decision, row.decision, `${row.name}: ${JSON.stringify(decision)}`);
        assert.deepEqual(decision.unmetControls, row.unmet ?? [], row.name);
        assert.deepEqual(names(decision.blockedBy), row.blockedBy ?? [], row.name);
        assert.equal(body.value.length, exported.length, 'every policy is listed');
        for (const [prefix, result] of Object.entries(row.results ?? {})) {
          const item = body.value.find((p: Policy) => p.id === policyId(prefix));
          assert.equal(item['@baton.result'], result, `${row.name}: ${prefix}`);
          assert.equal(item.policyApplies, !/notApplied|notEnabled/i.test(result), `${row.name}: ${prefix} policyApplies`);
        }
      }
    });

    test('what-if items are the policy plus policyApplies and analysisReasons; appliedPoliciesOnly filters', async () => {
      const row = TABLE.find((r) => r.name.startsWith('Office 365 from iOS'))!;
      const all = (await whatIf(row)).json().value as Policy[];
      const disabled = all.find((p) => p.id === policyId('CA008'))!;
      assert.equal(disabled.policyApplies, false);
      assert.equal(disabled.analysisReasons, 'policyNotEnabled');
      assert.equal(disabled.state, 'disabled');
      assert.deepEqual(disabled.grantControls.builtInControls, ['block']);
      const platform = all.find((p) => p.id === policyId('CA004'))!;
      assert.equal(platform.analysisReasons, 'devicePlatform');
      const payroll = all.find((p) => p.id === policyId('CA003'))!;
      assert.equal(payroll.analysisReasons, 'application');
      const applied = (await whatIf(row, true)).json().value as Policy[];
      assert.deepEqual(applied.map((p) => p.id).sort(), all.filter((p) => p.policyApplies).map((p) => p.id).sort());
      assert.ok(applied.every((p) => p.analysisReasons === 'notSet'));
      assert.ok(applied.length > 0 && applied.length < all.length);
    });

    test('a what-if over several applications lists policies applying to any of them; the strictest decision wins', async () => {
      const res = await graph('POST', `${CA}/evaluate`, {
        signInIdentity: { userId: users.alice },
        signInContext: { includeApplications: [PAYROLL, HR_PORTAL] },
        signInConditions: { clientAppType: 'browser', devicePlatform: 'windows', ipAddress: HQ_IP, country: 'FR', deviceInfo: joinedNotCompliant },
      });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body['@baton.decision'].decision, 'needsControls');
      assert.deepEqual(body['@baton.decision'].unmetControls, ['mfa', 'compliantDevice']);
      const applying = (body.value as Policy[]).filter((p) => p.policyApplies).map((p) => p.displayName.slice(0, 5)).sort();
      assert.deepEqual(applying, ['CA003', 'CA005', 'CA007']);
      const blocked = await graph('POST', `${CA}/evaluate`, {
        signInIdentity: { userId: users.alice },
        signInContext: { includeApplications: [PAYROLL, HR_PORTAL] },
        signInConditions: { clientAppType: 'browser', devicePlatform: 'windows', ipAddress: HQ_IP, country: 'FR' },
      });
      assert.equal(blocked.json()['@baton.decision'].decision, 'block');
      assert.deepEqual(names(blocked.json()['@baton.decision'].blockedBy), ['CA006']);
    });

    test('bad what-if bodies answer 400 in the Graph envelope', async () => {
      for (const [payload, pattern] of [
        [{ signInContext: { includeApplications: [PAYROLL] } }, /signInIdentity/],
        [{ signInIdentity: { userId: users.alice }, signInContext: { includeApplications: [PAYROLL] }, signInConditions: { devicePlatform: 'amiga' } }, /signInConditions\.devicePlatform/],
        [{ signInIdentity: { userId: newGuid() }, signInContext: { includeApplications: [PAYROLL] } }, /does not exist/],
        [{ signInIdentity: { userId: users.alice }, signInContext: { '@odata.type': '#microsoft.graph.userActionContext', userAction: 'launchMissiles' } }, /userAction/],
      ] as const) {
        const res = await graph('POST', `${CA}/evaluate`, payload);
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.json().error.message, pattern);
        assert.ok(res.json().error.innerError['request-id']);
      }
    });

    test('PATCH, $filter, $top paging, GET and DELETE; the compiled-set cache follows writes', async () => {
      const cache = new ConditionalAccessCache(id.identity.store);
      const first = await cache.get(id.tenantId);
      assert.equal(await cache.get(id.tenantId), first, 'unchanged tenant: the same compiled set');
      const target = policyId('CA005');
      const patch = await graph('PATCH', `${CA}/policies/${target}`, { state: 'enabled', conditions: { users: { excludeUsers: [users.breakGlass] } } });
      assert.equal(patch.statusCode, 204, patch.body);
      const got = (await graph('GET', `${CA}/policies/${target}`)).json();
      assert.equal(got.state, 'enabled');
      assert.deepEqual(got.conditions.users.includeUsers, ['All'], 'PATCH merged the users condition');
      assert.deepEqual(got.conditions.users.excludeUsers, [users.breakGlass]);
      assert.ok(got.modifiedDateTime >= got.createdDateTime);
      const second = await cache.get(id.tenantId);
      assert.notEqual(second, first);
      assert.equal(second.byId.get(target)?.state, 'enabled');
      // Enforced now: alice in HQ with a compliant device needs MFA.
      const row = TABLE[0]!;
      assert.deepEqual((await whatIf(row)).json()['@baton.decision'].unmetControls, ['mfa']);

      const disabled = await graph('GET', `${CA}/policies?$filter=state eq 'disabled'`);
      assert.equal(disabled.statusCode, 200, disabled.body);
      assert.deepEqual(disabled.json().value.map((p: Policy) => p.id), [policyId('CA008')]);
      const byName = await graph('GET', `${CA}/policies?$filter=startswith(displayName,'CA00')`);
      assert.equal(byName.json().value.length, 9);
      const seen: string[] = [];
      let url: string | undefined = `${CA}/policies?$top=4`;
      while (url) {
        const page = await graph('GET', url);
        assert.equal(page.statusCode, 200, page.body);
        seen.push(...page.json().value.map((p: Policy) => p.id));
        const next = page.json()['@odata.nextLink'] as string | undefined;
        assert.ok(!next || next.startsWith('https://'));
        url = next?.slice(next.indexOf('/graph/v1.0') + '/graph/v1.0'.length);
      }
      assert.equal(seen.length, exported.length);
      assert.equal(new Set(seen).size, exported.length);

      const badFilter = await graph('GET', `${CA}/policies?$filter=colour eq 'red'`);
      assert.equal(badFilter.statusCode, 400);

      const doomed = policyId('CA008');
      assert.equal((await graph('DELETE', `${CA}/policies/${doomed}`)).statusCode, 204);
      assert.equal((await graph('GET', `${CA}/policies/${doomed}`)).statusCode, 404);
      assert.equal((await graph('DELETE', `${CA}/policies/${doomed}`)).statusCode, 404);
      assert.equal((await graph('PATCH', `${CA}/policies/${doomed}`, { state: 'enabled' })).statusCode, 404);
      const third = await cache.get(id.tenantId);
      assert.equal(third.policies.length, exported.length - 1);
    });

    test('bad policies and locations answer 400 naming the property; nothing is written', async () => {
      const before = (await graph('GET', `${CA}/policies`)).json().value.length;
      const good = postable(exported[0]!);
      const cases: Array<[string, unknown, RegExp]> = [
        ['policies', { ...good, state: 'sometimes' }, /state: 'sometimes' is not one of/],
        ['policies', { ...good, conditions: { ...good.conditions, clientAppTypes: ['fax'] } }, /conditions\.clientAppTypes\[0\]/],
        ['policies', { ...good, conditions: { ...good.conditions, devices: { deviceFilter: { mode: 'include', rule: 'device.model -eq' } } } }, /conditions\.devices\.deviceFilter\.rule.*position 16/],
        ['policies', { ...good, conditions: { ...good.conditions, locations: { includeLocations: [newGuid()] } } }, /named location .* does not exist/],
        ['policies', [good], /object/],
        ['namedLocations', { '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'x', ipRanges: [{ cidrAddress: '10.0.0.0/40' }] }, /ipRanges\[0\]\.cidrAddress/],
      ];
      for (const [resource, payload, pattern] of cases) {
        const res = await graph('POST', `${CA}/${resource}`, payload);
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.json().error.message, pattern);
      }
      const patch = await graph('PATCH', `${CA}/policies/${policyId('CA001')}`, { grantControls: { operator: 'OR', builtInControls: ['block', 'mfa'] } });
      assert.equal(patch.statusCode, 400);
      assert.deepEqual((await graph('GET', `${CA}/policies/${policyId('CA001')}`)).json().grantControls.builtInControls, ['block']);
      assert.equal((await graph('GET', `${CA}/policies`)).json().value.length, before);
      const inUse = await graph('DELETE', `${CA}/namedLocations/${ids.get(SOURCE.blockedCountries)}`);
      assert.equal(inUse.statusCode, 400);
      assert.match(inUse.json().error.message, /used by conditional access policies/);
      const spare = await graph('POST', `${CA}/namedLocations`, { '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'Spare', countriesAndRegions: ['NZ'] });
      const renamed = await graph('PATCH', `${CA}/namedLocations/${spare.json().id}`, { displayName: 'Spare (NZ)', countriesAndRegions: ['NZ', 'AU'] });
      assert.equal(renamed.statusCode, 204, renamed.body);
      const after = (await graph('GET', `${CA}/namedLocations/${spare.json().id}`)).json();
      assert.deepEqual([after.displayName, after.countriesAndRegions, after['@odata.type']], ['Spare (NZ)', ['NZ', 'AU'], '#microsoft.graph.countryNamedLocation']);
      assert.equal((await graph('DELETE', `${CA}/namedLocations/${spare.json().id}`)).statusCode, 204);
    });

    test('roles and tenants: reads and writes need the policy permissions; other tenants see nothing', async () => {
      const forbidden = await graph('GET', `${CA}/policies`, undefined, discovery);
      assert.equal(forbidden.statusCode, 403);
      assert.equal(forbidden.json().error.code, 'Authorization_RequestDenied');
      assert.equal((await graph('POST', `${CA}/evaluate`, {}, discovery)).statusCode, 403);
      assert.equal((await id.app.inject({ method: 'GET', url: `/graph/v1.0${CA}/policies` })).statusCode, 401);
      const mine = policyId('CA001');
      assert.equal((await graph('GET', `${CA}/policies/${mine}`, undefined, otherAdmin)).statusCode, 404);
      assert.equal((await graph('PATCH', `${CA}/policies/${mine}`, { state: 'disabled' }, otherAdmin)).statusCode, 404);
      assert.equal((await graph('DELETE', `${CA}/policies/${mine}`, undefined, otherAdmin)).statusCode, 404);
      assert.deepEqual((await graph('GET', `${CA}/policies`, undefined, otherAdmin)).json().value, []);
      assert.equal((await graph('GET', `${CA}/policies/${mine}`)).json().state, 'enabled');
    });
  });
}
