import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { GRAPH_RESOURCE } from '@baton/contracts';
import type { DiscoveryApp } from '../app.js';
import { pruneEvents } from '../domain/events.js';
import { startFakeIdentity, type FakeIdentity } from '../testing/fake-identity.js';
import { databaseKinds, hashOf, sampleInventory, startDiscovery, testDatabase, type TestDatabase } from '../testing/harness.js';

const PROFILES = '/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles';
const IMPORTED = '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities';
const ALL_DEVICES = { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' };

const newTrace = () => {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
};

interface Event {
  id: string;
  occurredDateTime: string;
  service: string;
  type: string;
  outcome: string;
  phase: string;
  ztdId: string | null;
  azureADDeviceId: string | null;
  serialNumber: string | null;
  traceId: string;
  errorCode: string | null;
  detail: Record<string, unknown>;
}

for (const kind of databaseKinds()) {
  describe(`discovery events on ${kind}`, () => {
    let identity: FakeIdentity;
    let database: TestDatabase;
    let discovery: DiscoveryApp;

    before(async () => {
      identity = await startFakeIdentity();
      database = testDatabase(kind);
      discovery = await startDiscovery(database, identity);
    });
    after(async () => {
      await discovery?.close();
      await database?.dispose();
      await identity?.close();
    });

    async function call(tid: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) {
      const token = await identity.adminToken(tid);
      const res = await discovery.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...headers }, ...(payload !== undefined ? { payload: payload as object } : {}) });
      return { status: res.statusCode, body: res.body ? res.json() : undefined };
    }

    const lookup = (payload: unknown, headers: Record<string, string> = {}) =>
      discovery.app.inject({ method: 'POST', url: '/ztd/v1/lookup', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(payload) });

    async function events(tid: string, query: string, token?: string): Promise<{ status: number; body: { value: Event[]; '@odata.nextLink'?: string } }> {
      const bearer = token ?? (await identity.adminToken(tid));
      const res = await discovery.app.inject({ method: 'GET', url: `/ztd/v1/events${query}`, headers: { authorization: `Bearer ${bearer}` } });
      return { status: res.statusCode, body: res.json() };
    }

    function tenant() {
      const tid = randomUUID();
      identity.organizations.set(tid, { displayName: 'Contoso', domain: `t-${tid.slice(0, 6)}.baton.local` });
      return tid;
    }

    test('import, assignment and lookup carry the trace id of their requests', async () => {
      const tid = tenant();
      const inventory = sampleInventory();
      const importTrace = newTrace();
      const imported = await call(tid, 'POST', IMPORTED, { hardwareIdentifier: hashOf(inventory), groupTag: 'Sales' }, { traceparent: importTrace.traceparent });
      assert.equal(imported.status, 201);
      const ztdId = imported.body.state.deviceRegistrationId as string;

      const registration = await events(tid, `?traceId=${importTrace.traceId}`);
      assert.equal(registration.status, 200);
      assert.equal(registration.body.value.length, 1);
      const reg = registration.body.value[0]!;
      assert.deepEqual([reg.type, reg.outcome, reg.service, reg.phase, reg.ztdId, reg.serialNumber, reg.errorCode], ['registration', 'success', 'discovery', 'discovery', ztdId, inventory.smbiosSerial, null]);
      assert.equal(reg.detail.importedDeviceIdentityId, imported.body.id);
      assert.match(reg.azureADDeviceId!, /^[0-9a-f-]{36}$/);

      const lookupBeforeProfile = newTrace();
      assert.equal((await lookup({ hardwareHash: hashOf(inventory) }, { traceparent: lookupBeforeProfile.traceparent })).statusCode, 404);
      const [noProfile] = (await events(tid, `?traceId=${lookupBeforeProfile.traceId}`)).body.value;
      assert.deepEqual([noProfile!.type, noProfile!.outcome, noProfile!.errorCode, noProfile!.ztdId], ['lookup', 'failure', 'ZtdProfileNotAssigned', ztdId]);

      const profile = await call(tid, 'POST', PROFILES, { '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile', displayName: 'P' });
      const assignTrace = newTrace();
      const assigned = await call(tid, 'POST', `${PROFILES}/${profile.body.id}/assignments`, { target: ALL_DEVICES }, { traceparent: assignTrace.traceparent });
      assert.equal(assigned.status, 201);
      const [change] = (await events(tid, `?traceId=${assignTrace.traceId}`)).body.value;
      assert.deepEqual([change!.type, change!.outcome, change!.ztdId], ['assignment', 'success', ztdId]);
      assert.deepEqual(change!.detail, { profileIdBefore: null, profileIdAfter: profile.body.id, reason: 'assignmentCreated', assignmentId: assigned.body.id });

      const lookupTrace = newTrace();
      assert.equal((await lookup({ hardwareHash: hashOf(inventory) }, { traceparent: lookupTrace.traceparent })).statusCode, 200);
      const [served] = (await events(tid, `?traceId=${lookupTrace.traceId}`)).body.value;
      assert.deepEqual([served!.type, served!.outcome, served!.detail.profileId, served!.detail.via], ['lookup', 'success', profile.body.id, 'hardwareHash']);

      const unassignTrace = newTrace();
      assert.equal((await call(tid, 'DELETE', `${PROFILES}/${profile.body.id}/assignments/${assigned.body.id}`, undefined, { traceparent: unassignTrace.traceparent })).status, 204);
      const [removed] = (await events(tid, `?traceId=${unassignTrace.traceId}`)).body.value;
      assert.deepEqual(removed!.detail, { profileIdBefore: profile.body.id, profileIdAfter: null, reason: 'assignmentDeleted', assignmentId: assigned.body.id });

      const byDevice = await events(tid, `?ztdId=${ztdId}`);
      assert.deepEqual(byDevice.body.value.map((e) => e.type), ['assignment', 'lookup', 'assignment', 'lookup', 'registration'], 'newest first');
      assert.equal((await events(tid, `?deviceId=${reg.azureADDeviceId}`)).body.value.length, 5);
      assert.equal((await events(tid, `?serialNumber=${inventory.smbiosSerial.toLowerCase()}`)).body.value.length, 5);
    });

    test('refused registrations carry their Autopilot code', async () => {
      const tid = tenant();
      const other = tenant();
      const inventory = sampleInventory();
      await call(other, 'POST', IMPORTED, { hardwareIdentifier: hashOf(inventory) });
      const trace = newTrace();
      const res = await call(
        tid,
        'POST',
        `${IMPORTED}/import`,
        { importedWindowsAutopilotDeviceIdentities: [{ hardwareIdentifier: hashOf(inventory) }, { hardwareIdentifier: Buffer.from('not a hash').toString('base64'), serialNumber: 'X1' }] },
        { traceparent: trace.traceparent },
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const feed = (await events(tid, `?traceId=${trace.traceId}`)).body.value;
      assert.deepEqual(feed.map((e) => [e.outcome, e.errorCode, e.detail.deviceErrorCode]).sort(), [
        ['failure', 'InvalidZtdHardwareHash', 802],
        ['failure', 'ZtdDeviceAssignedToOtherTenant', 808],
      ]);
      assert.ok(feed.every((e) => e.ztdId === null), 'the other tenant keeps its registration id');
      assert.equal((await events(other, `?traceId=${trace.traceId}`)).body.value.length, 0, 'the refusal is the importing tenant\'s event');
    });

    test('tenants see only their own events; tenant-less lookups need a service token', async () => {
      const a = tenant();
      const b = tenant();
      const trace = newTrace();
      await call(a, 'POST', IMPORTED, { hardwareIdentifier: hashOf(sampleInventory()) }, { traceparent: trace.traceparent });
      assert.equal((await events(a, `?traceId=${trace.traceId}`)).body.value.length, 1);
      assert.equal((await events(b, `?traceId=${trace.traceId}`)).body.value.length, 0);

      const unknown = newTrace();
      assert.equal((await lookup({ hardwareHash: hashOf(sampleInventory()) }, { traceparent: unknown.traceparent })).statusCode, 404);
      assert.equal((await events(a, `?traceId=${unknown.traceId}`)).body.value.length, 0, 'no tenant owns an unknown hash');

      const tokenRes = await identity.fetch(`${identity.url}/${a}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: identity.discoveryCredentials.clientId, client_secret: identity.discoveryCredentials.clientSecret, scope: `${GRAPH_RESOURCE}/.default` }).toString(),
      });
      const serviceToken = ((await tokenRes.json()) as { access_token: string }).access_token;
      const seen = await events(a, `?traceId=${unknown.traceId}`, serviceToken);
      assert.equal(seen.status, 200);
      assert.equal(seen.body.value.length, 1);
      assert.deepEqual([seen.body.value[0]!.errorCode, seen.body.value[0]!.ztdId], ['ZtdDeviceNotFound', null]);
      assert.match(String(seen.body.value[0]!.detail.hardwareIdentityDigest), /.+/);

      const reader = await identity.adminToken(a, ['Device.ReadWrite.All']);
      assert.equal((await events(a, '', reader)).status, 403);
      assert.equal((await discovery.app.inject({ method: 'GET', url: '/ztd/v1/events' })).statusCode, 401);
      assert.equal((await events(a, '?traceId=nope')).status, 400);
      assert.equal((await events(a, '?$filter=x')).status, 400);
    });

    test('pages newest first by keyset, and since narrows', async () => {
      const tid = tenant();
      const trace = newTrace();
      const rows = Array.from({ length: 7 }, () => ({ hardwareIdentifier: hashOf(sampleInventory()) }));
      await call(tid, 'POST', `${IMPORTED}/import`, { importedWindowsAutopilotDeviceIdentities: rows.slice(0, 4) }, { traceparent: trace.traceparent });
      const between = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 5));
      await call(tid, 'POST', `${IMPORTED}/import`, { importedWindowsAutopilotDeviceIdentities: rows.slice(4) }, { traceparent: trace.traceparent });

      const seen: Event[] = [];
      let next: string | undefined = `?traceId=${trace.traceId}&$top=3`;
      let pages = 0;
      while (next) {
        const page = await events(tid, next);
        assert.equal(page.status, 200);
        seen.push(...page.body.value);
        pages++;
        const link = page.body['@odata.nextLink'];
        next = link ? link.slice(link.indexOf('?')) : undefined;
        if (link) assert.match(link, /^https:\/\/[^/]+\/ztd\/v1\/events\?/);
      }
      assert.equal(pages, 3);
      assert.equal(seen.length, 7);
      assert.equal(new Set(seen.map((e) => e.id)).size, 7);
      const order = seen.map((e) => `${e.occurredDateTime} ${e.id}`);
      assert.deepEqual(order, [...order].sort().reverse());
      assert.equal((await events(tid, `?traceId=${trace.traceId}&since=${between}`)).body.value.length, 3);
      assert.equal((await events(tid, '?$skiptoken=garbage')).status, 400);
    });

    test('the prune deletes events older than thirty days', async () => {
      const tid = tenant();
      const trace = newTrace();
      await call(tid, 'POST', IMPORTED, { hardwareIdentifier: hashOf(sampleInventory()) }, { traceparent: trace.traceparent });
      const deps = discovery.runtime.deps;
      assert.equal(await pruneEvents({ ...deps, now: () => new Date(Date.now() + 29 * 86_400_000) }), 0);
      assert.equal((await events(tid, `?traceId=${trace.traceId}`)).body.value.length, 1);
      assert.ok((await pruneEvents({ ...deps, now: () => new Date(Date.now() + 31 * 86_400_000) })) >= 1);
      assert.equal((await events(tid, `?traceId=${trace.traceId}`)).body.value.length, 0);
    });
  });
}
