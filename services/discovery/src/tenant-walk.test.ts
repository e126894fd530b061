// A change that moves a whole tenant (an all-devices assignment, a profile rename) is recorded in
// pages after it commits: the request answers once the change is stored, and every device still
// gets its event and its placeholder exactly once, even when a page fails or two runners race.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { DiscoveryApp } from './app.js';
import { runWalk, tenantWalk, TENANT_WALK_TOPIC } from './domain/tenant-walk.js';
import { startFakeIdentity, type FakeIdentity } from './testing/fake-identity.js';
import { databaseKinds, hashOf, sampleInventory, startDiscovery, testDatabase, type TestDatabase } from './testing/harness.js';

const AZURE_AD = '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile';
const PROFILES = '/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles';
const AUTOPILOT_DEVICES = '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities';
const ALL_DEVICES = { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' };
const PAGE = 4;
const DEVICES = 10;

for (const kind of databaseKinds()) {
  describe(`tenant walks on ${kind}`, () => {
    let identity: FakeIdentity;
    let database: TestDatabase;
    let discovery: DiscoveryApp;

    before(async () => {
      identity = await startFakeIdentity();
      database = testDatabase(kind);
      // No time for pages inside the request: it records one page, then the relay takes over.
      discovery = await startDiscovery(database, identity, { relay: { backoffMs: () => 0 }, walk: { pageDevices: PAGE, inlineMs: 0, relayMs: 0 } });
    });
    after(async () => {
      await discovery?.close();
      await database?.dispose();
      await identity?.close();
    });

    async function tenant() {
      const tid = randomUUID();
      const token = await identity.adminToken(tid);
      const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
        const response = await discovery.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
        return { status: response.statusCode, body: response.body ? response.json() : undefined };
      };
      const deviceIds: string[] = [];
      const ztdIds: string[] = [];
      for (let i = 0; i < DEVICES; i++) {
        const imported = await call('POST', '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities', { hardwareIdentifier: hashOf(sampleInventory()) });
        assert.equal(imported.status, 201);
        ztdIds.push(imported.body.state.deviceRegistrationId);
        deviceIds.push((await call('GET', `${AUTOPILOT_DEVICES}/${ztdIds.at(-1)}`)).body.azureActiveDirectoryDeviceId);
      }
      await discovery.runtime.drainOutbox();
      const profile = async (displayName: string) => {
        const res = await call('POST', PROFILES, { '@odata.type': AZURE_AD, displayName });
        assert.equal(res.status, 201);
        return res.body.id as string;
      };
      return { tid, call, deviceIds, ztdIds, profile };
    }

    /** Assignment events of the tenant, as ZTDIds, one entry per event. */
    async function assignmentEvents(tid: string, traceId?: string): Promise<string[]> {
      let query = discovery.runtime.store.db.selectFrom('discovery_events').select('ztd_id').where('tenant_id', '=', tid).where('type', '=', 'assignment');
      if (traceId) query = query.where('trace_id', '=', traceId);
      return (await query.execute()).map((r) => String(r.ztd_id)).sort();
    }
    const queuedWalks = async () =>
      Number(
        (
          await discovery.runtime.store.db
            .selectFrom('outbox')
            .select(sql<number>`count(*)`.as('n'))
            .where('topic', '=', TENANT_WALK_TOPIC)
            .where('delivered_at', 'is', null)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const namesAtIdentity = (deviceIds: string[]) =>
      deviceIds.map((id) => identity.patches.filter((p) => p.deviceId === id).at(-1)?.body.enrollmentProfileName);

    test('the request records a page and answers; the relay records the rest, one event and one new name per device', async () => {
      const t = await tenant();
      const profileId = await t.profile('Fleet');
      const assigned = await t.call('POST', `${PROFILES}/${profileId}/assignments`, { target: ALL_DEVICES });
      assert.equal(assigned.status, 201, JSON.stringify(assigned.body));
      assert.equal((await assignmentEvents(t.tid)).length, PAGE, 'the request ran one page');
      assert.equal(await queuedWalks(), 1, 'the rest of the walk is queued for the relay');

      // A device's profile does not wait for the walk: it is resolved when it is read.
      const last = await t.call('GET', `${AUTOPILOT_DEVICES}/${t.ztdIds.at(-1)}?$expand=intendedDeploymentProfile`);
      assert.equal(last.body.intendedDeploymentProfile?.id, profileId);

      await discovery.runtime.drainOutbox();
      const events = await assignmentEvents(t.tid);
      assert.equal(events.length, DEVICES);
      assert.equal(new Set(events).size, DEVICES, 'each device once');
      assert.equal(await queuedWalks(), 0);
      assert.deepEqual(namesAtIdentity(t.deviceIds), Array(DEVICES).fill('Fleet'));

      // A rename walks the same way, with no events: only the new name.
      const renamed = await t.call('PATCH', `${PROFILES}/${profileId}`, { displayName: 'Fleet 2027' });
      assert.equal(renamed.status, 200);
      await discovery.runtime.drainOutbox();
      assert.deepEqual(namesAtIdentity(t.deviceIds), Array(DEVICES).fill('Fleet 2027'));
      assert.equal((await assignmentEvents(t.tid)).length, DEVICES);
    });

    test('a page two runners race for is recorded once', async () => {
      const t = await tenant();
      const profileId = await t.profile('Raced');
      const assigned = await t.call('POST', `${PROFILES}/${profileId}/assignments`, { target: ALL_DEVICES });
      assert.equal(assigned.status, 201);
      await discovery.runtime.drainOutbox();

      // The same transition once more, as a walk no request started: two runners start it at once.
      const entries = await discovery.runtime.store.tenantAssignments(t.tid);
      const traceId = randomUUID().replace(/-/g, '');
      const walk = tenantWalk({ tenantId: t.tid, transition: { before: [], after: entries, reason: 'assignmentCreated', traceId, at: new Date().toISOString() } });
      await discovery.runtime.store.enqueueMessages([walk]);
      const deps = discovery.runtime.deps;
      await Promise.all([runWalk(deps, walk, 0), runWalk(deps, walk, 0)]);
      assert.equal((await assignmentEvents(t.tid, traceId)).length, PAGE, 'the first page, once');
      assert.equal(await queuedWalks(), 1, 'one next page, not two');

      await discovery.runtime.drainOutbox();
      const events = await assignmentEvents(t.tid, traceId);
      assert.equal(events.length, DEVICES);
      assert.equal(new Set(events).size, DEVICES);
    });

    test('a page that fails after the change committed fails neither the request nor the walk', async () => {
      const t = await tenant();
      const profileId = await t.profile('Survives');
      const store = discovery.runtime.store;
      const commit = store.commitWalkPage.bind(store);
      store.commitWalkPage = async () => {
        store.commitWalkPage = commit;
        throw new Error('disk I/O error');
      };
      try {
        const assigned = await t.call('POST', `${PROFILES}/${profileId}/assignments`, { target: ALL_DEVICES });
        assert.equal(assigned.status, 201, 'the assignment is stored, whatever its walk does');
      } finally {
        store.commitWalkPage = commit;
      }
      assert.equal((await t.call('GET', `${PROFILES}/${profileId}/assignments`)).body.value.length, 1);
      assert.equal((await assignmentEvents(t.tid)).length, 0, 'the failed page wrote nothing');
      assert.equal(await queuedWalks(), 1, 'and is queued again, due now');

      await discovery.runtime.drainOutbox();
      const events = await assignmentEvents(t.tid);
      assert.equal(events.length, DEVICES);
      assert.equal(new Set(events).size, DEVICES);
      assert.deepEqual(namesAtIdentity(t.deviceIds), Array(DEVICES).fill('Survives'));
    });
  });
}
