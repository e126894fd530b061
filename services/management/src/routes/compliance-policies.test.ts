import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { GRAPH_RESOURCE, ROLES, TOPICS, type DeviceComplianceReport } from '@baton/contracts';
import { outboxStats, type BatonApp, type Fetch } from '@baton/kit';
import { buildManagementApp } from '../app.js';
import { FACT } from '../compliance/facts.js';
import type { GroupMembership } from '../targeting/membership.js';
import { TARGET_TYPES } from '../targeting/targets.js';
import type { ManagementDeps } from '../deps.js';
import type { ManagementRuntime } from '../service.js';
import type { Enrollment } from '../store/store.js';
import { createTestContext, tempDir, testBackends, type TestContext } from '../testing/context.js';
import { startFakeIdentity, type FakeIdentity } from '../testing/fake-identity.js';
import { sampleEnrollment } from '../testing/store.js';

const POLICIES = '/graph/v1.0/deviceManagement/deviceCompliancePolicies';
const BETA_POLICIES = '/graph/beta/deviceManagement/deviceCompliancePolicies';
const DEVICES = '/graph/v1.0/deviceManagement/managedDevices';
const BLOCK = [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0, notificationMessageCCList: [] }] }];
const HEALTHY: Record<string, string> = {
  [FACT.osVersion]: '10.0.22631.2861',
  [FACT.encryption]: '1',
  [FACT.secureBoot]: '1',
  [FACT.firewall]: '0',
  [FACT.tpmVersion]: '2.0',
};

/** Plays identity's compliance endpoint and token endpoint; `up` false makes it unreachable. */
function identityEndpoints(inner: Fetch) {
  const received: Array<{ deviceId: string; report: DeviceComplianceReport }> = [];
  const state = { up: true, received };
  const fetch: Fetch = async (input, init) => {
    const url = new URL(String(input));
    if (url.pathname.endsWith('/oauth2/v2.0/token')) {
      return new Response(JSON.stringify({ access_token: 'management-app-token', expires_in: 3600, token_type: 'Bearer' }), { headers: { 'content-type': 'application/json' } });
    }
    const match = /^\/identity\/v1\/devices\/([^/]+)\/compliance$/.exec(url.pathname);
    if (match && init?.method === 'PUT') {
      if (!state.up) throw new TypeError('fetch failed: connect ECONNREFUSED');
      assert.equal((init.headers as Record<string, string>).authorization, 'Bearer management-app-token');
      received.push({ deviceId: decodeURIComponent(match[1]!), report: JSON.parse(String(init.body)) as DeviceComplianceReport });
      return new Response(JSON.stringify({ applied: true }), { headers: { 'content-type': 'application/json' } });
    }
    return inner(input, init);
  };
  return { fetch, state };
}

for (const backend of testBackends()) {
  describe(`deviceCompliancePolicies and compliance evaluation (${backend})`, () => {
    let identity: FakeIdentity;
    let tc: TestContext;
    let app: BatonApp;
    let deps: ManagementDeps;
    let runtime: ManagementRuntime;
    let close: () => Promise<void>;
    let admin: string;
    let endpoints: ReturnType<typeof identityEndpoints>;
    const memberships = new Map<string, Set<string>>();
    const groups: GroupMembership = { groupsOf: async (d) => memberships.get(d.azureAdDeviceId) ?? new Set() };
    const identityDir = tempDir();

    before(async () => {
      identity = await startFakeIdentity(identityDir.path);
      endpoints = identityEndpoints(identity.fetch);
      tc = createTestContext(backend, { url: identity.url, fetch: endpoints.fetch });
      ({ app, deps, runtime, close } = await buildManagementApp(tc.ctx, { service: { groups, relay: { pollMs: 20, backoffMs: () => 20 } } }));
      admin = await identity.mint({ aud: GRAPH_RESOURCE, roles: [ROLES.configurationReadWrite, ROLES.managedDevicesReadWrite] });
    });
    after(async () => {
      await close();
      await identity.close();
      await tc.cleanup();
      identityDir.remove();
    });

    const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, token = admin) =>
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
    const createPolicy = async (settings: Record<string, unknown>, url = BETA_POLICIES, actions: unknown = BLOCK) => {
      const res = await call('POST', url, {
        '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
        displayName: `Policy ${randomUUID().slice(0, 8)}`,
        scheduledActionsForRule: actions,
        ...settings,
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as Record<string, unknown> & { id: string };
    };
    const assign = async (policyId: string, targets: Array<Record<string, unknown>>) => {
      const res = await call('POST', `${POLICIES}/${policyId}/assign`, { assignments: targets.map((target) => ({ target })) });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    async function device(tenantId = identity.tenantId): Promise<Enrollment> {
      const e = sampleEnrollment({ tenantId, managementState: 'managed', lastSyncAt: new Date().toISOString() });
      await deps.store.replaceEnrollment(e, []);
      return e;
    }
    const managedDevice = async (id: string) => {
      const res = await call('GET', `${DEVICES}/${id}`);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };

    test('create, read, update and delete a windows10CompliancePolicy; v1.0 hides the beta-only settings', async () => {
      const created = await createPolicy({ bitLockerEnabled: true, tpmRequired: true, osMinimumVersion: '10.0.19045' });
      assert.equal(created['@odata.type'], '#microsoft.graph.windows10CompliancePolicy');
      assert.equal(created.version, 1);
      assert.equal(created.tpmRequired, true);
      assert.equal(created.secureBootEnabled, false, 'unset booleans are false, as Graph shows them');
      const v1 = (await call('GET', `${POLICIES}/${created.id}`)).json();
      assert.equal(v1.bitLockerEnabled, true);
      assert.equal('tpmRequired' in v1, false);
      const patched = await call('PATCH', `${POLICIES}/${created.id}`, { '@odata.type': '#microsoft.graph.windows10CompliancePolicy', secureBootEnabled: true, description: 'Baseline' });
      assert.equal(patched.statusCode, 204, patched.body);
      const after = (await call('GET', `${BETA_POLICIES}/${created.id}`)).json();
      assert.deepEqual([after.secureBootEnabled, after.bitLockerEnabled, after.tpmRequired, after.description, after.version], [true, true, true, 'Baseline', 2]);
      const rules = (await call('GET', `${POLICIES}/${created.id}/scheduledActionsForRule`)).json();
      assert.equal(rules.value[0].scheduledActionConfigurations[0].actionType, 'block');
      const list = (await call('GET', POLICIES)).json();
      assert.ok(list.value.some((p: { id: string }) => p.id === created.id));
      assert.equal((await call('DELETE', `${POLICIES}/${created.id}`)).statusCode, 204);
      const gone = await call('GET', `${POLICIES}/${created.id}`);
      assert.equal(gone.statusCode, 404);
      assert.equal(gone.json().error.code, 'ResourceNotFound');
    });

    test('bad input is a Graph 400 envelope and stores nothing', async () => {
      const before = (await call('GET', BETA_POLICIES)).json().value.length;
      const base = { '@odata.type': '#microsoft.graph.windows10CompliancePolicy', displayName: 'Bad', scheduledActionsForRule: BLOCK };
      const cases: Array<[string, Record<string, unknown>, string]> = [
        [POLICIES, { ...base, tpmRequired: true }, 'only on /beta'],
        [BETA_POLICIES, { ...base, bitLockerEnabled: 'yes' }, 'bitLockerEnabled'],
        [BETA_POLICIES, { ...base, osMinimumVersion: 'eleven' }, 'osMinimumVersion'],
        [BETA_POLICIES, { ...base, osMinimumVersion: '10.0.22631', osMaximumVersion: '10.0.19045' }, 'osMinimumVersion'],
        [BETA_POLICIES, { ...base, passwordRequiredType: 'emoji' }, 'passwordRequiredType'],
        [BETA_POLICIES, { ...base, noSuchSetting: true }, 'noSuchSetting'],
        [BETA_POLICIES, { ...base, '@odata.type': '#microsoft.graph.iosCompliancePolicy' }, 'iosCompliancePolicy'],
        [BETA_POLICIES, { ...base, displayName: '' }, 'displayName'],
        [BETA_POLICIES, { ...base, scheduledActionsForRule: [] }, 'scheduledActionsForRule'],
        [BETA_POLICIES, { ...base, scheduledActionsForRule: [{ scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: -1 }] }] }, 'gracePeriodHours'],
        [BETA_POLICIES, { ...base, validOperatingSystemBuildRanges: [{ lowestVersion: '10.0.2', highestVersion: '10.0.1' }] }, 'validOperatingSystemBuildRanges'],
      ];
      for (const [url, body, mention] of cases) {
        const res = await call('POST', url, body);
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)} → ${res.body}`);
        const error = res.json().error;
        assert.equal(error.code, 'BadRequest');
        assert.ok(error.message.includes(mention), `${error.message} should mention ${mention}`);
        assert.ok(error.innerError['request-id']);
      }
      const policy = await createPolicy({});
      const badAssign = await call('POST', `${POLICIES}/${policy.id}/assign`, { assignments: [{ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'not-a-guid' } }] });
      assert.equal(badAssign.statusCode, 400);
      assert.equal((await call('GET', `${POLICIES}/${policy.id}/assignments`)).json().value.length, 0);
      assert.equal((await call('GET', BETA_POLICIES)).json().value.length, before + 1);
    });

    test('hostile bodies on every write route get a 4xx Graph envelope, never a 500', async () => {
      const policy = await createPolicy({});
      const routes: Array<['POST' | 'PATCH', string]> = [
        ['POST', BETA_POLICIES],
        ['PATCH', `${BETA_POLICIES}/${policy.id}`],
        ['POST', `${POLICIES}/${policy.id}/assign`],
        ['POST', `${POLICIES}/${policy.id}/assignments`],
        ['POST', `${POLICIES}/${policy.id}/scheduleActionsForRules`],
      ];
      const body = fc.oneof(
        fc.anything(),
        fc.record({ '@odata.type': fc.constantFrom('#microsoft.graph.windows10CompliancePolicy', 'x'), displayName: fc.anything(), bitLockerEnabled: fc.anything(), osMinimumVersion: fc.anything(), scheduledActionsForRule: fc.anything() }),
        fc.record({ assignments: fc.array(fc.record({ target: fc.anything() }), { maxLength: 3 }) }),
        fc.record({ target: fc.record({ '@odata.type': fc.constantFrom(...Object.values(TARGET_TYPES), 'x'), groupId: fc.oneof(fc.uuid(), fc.string()) }) }),
        fc.record({ deviceComplianceScheduledActionForRules: fc.array(fc.anything(), { maxLength: 3 }) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...routes), body, async ([method, url], payload) => {
          const res = await app.inject({ method, url, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, payload: JSON.stringify(payload) ?? 'null' });
          assert.ok(res.statusCode < 500, `${method} ${url} ${JSON.stringify(payload)} → ${res.statusCode} ${res.body}`);
          if (res.statusCode >= 400) assert.equal(typeof res.json().error.code, 'string');
        }),
        { numRuns: 60 },
      );
      assert.equal((await call('DELETE', `${POLICIES}/${policy.id}`)).statusCode, 204);
    });

    test('roles and tenants: readers cannot write, another tenant sees nothing', async () => {
      const policy = await createPolicy({ bitLockerEnabled: true });
      const reader = await identity.mint({ aud: GRAPH_RESOURCE, roles: ['DeviceManagementConfiguration.Read.All'] });
      assert.equal((await call('GET', `${POLICIES}/${policy.id}`, undefined, reader)).statusCode, 200);
      const denied = await call('PATCH', `${POLICIES}/${policy.id}`, { bitLockerEnabled: false }, reader);
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().error.code, 'Authorization_RequestDenied');
      const foreign = await identity.mint({ aud: GRAPH_RESOURCE, tid: randomUUID(), roles: [ROLES.configurationReadWrite] });
      assert.equal((await call('GET', `${POLICIES}/${policy.id}`, undefined, foreign)).statusCode, 404);
      assert.equal((await call('DELETE', `${POLICIES}/${policy.id}`, undefined, foreign)).statusCode, 404);
      assert.equal((await call('GET', POLICIES, undefined, foreign)).json().value.length, 0);
    });

    test('an assigned policy is evaluated on the facts a device reports, and the result is shown on the device and the policy', async () => {
      const e = await device();
      const policy = await createPolicy({ bitLockerEnabled: true, secureBootEnabled: true, activeFirewallRequired: true });
      await assign(policy.id, [{ '@odata.type': TARGET_TYPES.allDevices }]);
      assert.equal((await managedDevice(e.id)).complianceState, 'unknown', 'not evaluated before the device reports');

      await deps.compliance.factsReported(e, HEALTHY, new Date().toISOString());
      assert.equal((await managedDevice(e.id)).complianceState, 'compliant');

      await deps.compliance.factsReported(e, { [FACT.encryption]: '0' }, new Date().toISOString());
      const md = await managedDevice(e.id);
      assert.equal(md.complianceState, 'noncompliant');
      const states = (await call('GET', `${DEVICES}/${e.id}/deviceCompliancePolicyStates`)).json().value;
      const state = states.find((s: { id: string }) => s.id === policy.id);
      assert.equal(state.state, 'nonCompliant');
      assert.deepEqual(
        state.settingStates.map((s: Record<string, unknown>) => [s.settingName, s.state, s.currentValue]),
        [
          ['bitLockerEnabled', 'nonCompliant', 'notEncrypted'],
          ['secureBootEnabled', 'compliant', 'enabled'],
          ['activeFirewallRequired', 'compliant', 'on'],
        ],
      );
      const statuses = (await call('GET', `${POLICIES}/${policy.id}/deviceStatuses`)).json().value;
      assert.deepEqual(
        statuses.map((s: Record<string, unknown>) => [s.deviceDisplayName, s.status]),
        [[e.deviceName, 'nonCompliant']],
      );
      const overview = (await call('GET', `${POLICIES}/${policy.id}/deviceStatusOverview`)).json();
      assert.deepEqual([overview.failedCount, overview.successCount, overview.configurationVersion], [1, 0, 1]);

      // Relaxing the policy re-evaluates the tenant's devices at once.
      assert.equal((await call('PATCH', `${BETA_POLICIES}/${policy.id}`, { bitLockerEnabled: false })).statusCode, 204);
      assert.equal((await managedDevice(e.id)).complianceState, 'compliant');
      assert.equal((await call('DELETE', `${POLICIES}/${policy.id}`)).statusCode, 204);
    });

    test('group targets: included groups select devices, excluded groups win, other devices are not judged', async () => {
      const inGroup = await device();
      const excluded = await device();
      const outside = await device();
      const group = randomUUID();
      const vip = randomUUID();
      memberships.set(inGroup.azureAdDeviceId, new Set([group]));
      memberships.set(excluded.azureAdDeviceId, new Set([group, vip]));
      const policy = await createPolicy({ secureBootEnabled: true });
      const assigned = await assign(policy.id, [
        { '@odata.type': TARGET_TYPES.group, groupId: group },
        { '@odata.type': TARGET_TYPES.exclusionGroup, groupId: vip },
      ]);
      assert.equal(assigned.value.length, 2);
      for (const e of [inGroup, excluded, outside]) await deps.compliance.factsReported(e, { ...HEALTHY, [FACT.secureBoot]: '2' }, new Date().toISOString());
      assert.equal((await managedDevice(inGroup.id)).complianceState, 'noncompliant');
      assert.equal((await managedDevice(excluded.id)).complianceState, 'compliant');
      assert.equal((await managedDevice(outside.id)).complianceState, 'compliant');
      const listed = (await call('GET', `${POLICIES}/${policy.id}/assignments`)).json().value;
      assert.deepEqual(listed.map((a: { target: { '@odata.type': string } }) => a.target['@odata.type']).sort(), [TARGET_TYPES.exclusionGroup, TARGET_TYPES.group]);
      // Removing the inclusion frees the device.
      const inclusion = listed.find((a: { target: { '@odata.type': string } }) => a.target['@odata.type'] === TARGET_TYPES.group);
      assert.equal((await call('DELETE', `${POLICIES}/${policy.id}/assignments/${inclusion.id}`)).statusCode, 204);
      assert.equal((await managedDevice(inGroup.id)).complianceState, 'compliant');
      assert.equal((await call('DELETE', `${POLICIES}/${policy.id}`)).statusCode, 204);
    });

    test('a grace period keeps a noncompliant device compliant for identity until it ends', async () => {
      const e = await device();
      const policy = await createPolicy({ bitLockerEnabled: true }, BETA_POLICIES, [
        { ruleName: 'PasswordRequired', scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 72 }] },
      ]);
      await assign(policy.id, [{ '@odata.type': TARGET_TYPES.allDevices }]);
      await deps.compliance.factsReported(e, { ...HEALTHY, [FACT.encryption]: '0' }, new Date().toISOString());
      const md = await managedDevice(e.id);
      assert.equal(md.complianceState, 'inGracePeriod');
      const hours = (Date.parse(md.complianceGracePeriodExpirationDateTime) - Date.now()) / 3_600_000;
      assert.ok(hours > 71.9 && hours <= 72, String(hours));
      assert.equal((await call('DELETE', `${POLICIES}/${policy.id}`)).statusCode, 204);
    });

    test('sessions of devices in a tenant with assignments read the compliance facts, once', async () => {
      const e = await device();
      const policy = await createPolicy({ bitLockerEnabled: true });
      await assign(policy.id, [{ '@odata.type': TARGET_TYPES.allDevices }]);
      assert.ok((await deps.compliance.sessionStarting(e)) >= 5);
      assert.equal(await deps.compliance.sessionStarting(e), 0, 'reads still queued are not queued again');
      const gets = (await deps.store.listQueue(e.id)).map((q) => q.locUri);
      assert.ok(gets.includes('./Vendor/MSFT/DeviceStatus/Compliance/EncryptionCompliance'));
      assert.ok(gets.includes('./DevDetail/SwV'));
      const other = await device(randomUUID());
      assert.equal(await deps.compliance.sessionStarting(other), 0, 'a tenant that assigns nothing is not asked');
      assert.equal(await deps.compliance.factsReported(other, HEALTHY, new Date().toISOString()), false, 'nor judged on what it reports');
      assert.equal((await deps.complianceStore.complianceOf([other.id])).size, 0);
      assert.equal((await call('DELETE', `${POLICIES}/${policy.id}`)).statusCode, 204);
    });

    test('changed results reach identity through the outbox, with increasing versions, even after identity was down', async () => {
      await runtime.drainOutbox();
      const e = await device();
      const policy = await createPolicy({ bitLockerEnabled: true });
      await assign(policy.id, [{ '@odata.type': TARGET_TYPES.allDevices }]);
      endpoints.state.up = false;
      await deps.compliance.factsReported(e, HEALTHY, new Date().toISOString());
      await deps.compliance.factsReported(e, { [FACT.encryption]: '0' }, new Date().toISOString());
      // Facts that change nothing identity sees queue nothing more.
      await deps.compliance.factsReported(e, { [FACT.secureBoot]: '2' }, new Date().toISOString());
      await new Promise((r) => setTimeout(r, 150));
      const db = (deps.complianceStore as unknown as { db: Parameters<typeof outboxStats>[0] }).db;
      assert.ok((await outboxStats(db)).pending >= 2, 'kept while identity is down');
      assert.equal(endpoints.state.received.filter((r) => r.deviceId === e.azureAdDeviceId).length, 0);

      endpoints.state.up = true;
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && (await outboxStats(db)).pending > 0) await new Promise((r) => setTimeout(r, 30));
      const mine = endpoints.state.received.filter((r) => r.deviceId === e.azureAdDeviceId).sort((a, b) => a.report.version - b.report.version);
      assert.deepEqual(
        mine.map((r) => [r.report.isCompliant, r.report.isManaged]),
        [
          [true, true],
          [false, true],
        ],
      );
      assert.ok(mine[1]!.report.version > mine[0]!.report.version);
      assert.ok(mine[0]!.report.version >= Date.parse('2026-01-01') * 1000, 'versions are evaluation times in microseconds');
      const rows = await db.selectFrom('outbox').select(['topic']).where('delivered_at', 'is not', null).execute();
      assert.ok(rows.every((r: { topic: string }) => r.topic === TOPICS.complianceStateReported));
      assert.equal((await call('DELETE', `${POLICIES}/${policy.id}`)).statusCode, 204);
    });
  });
}
