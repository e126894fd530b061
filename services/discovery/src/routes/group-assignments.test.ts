import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { DiscoveryApp } from '../app.js';
import { RENEW_BEFORE_MS } from '../domain/group-membership.js';
import { startFakeIdentity, type FakeIdentity, type FakeMember } from '../testing/fake-identity.js';
import { databaseKinds, hashOf, sampleInventory, startDiscovery, testDatabase, type TestDatabase } from '../testing/harness.js';

const AZURE_AD = '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile';
const PROFILES = '/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles';
const DEVICES = '/graph/beta/deviceManagement/windowsAutopilotDeviceIdentities';
const DAY = 24 * 60 * 60_000;
const group = (groupId: string) => ({ '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId });
const exclusion = (groupId: string) => ({ '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget', groupId });
const ALL_DEVICES = { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' };

for (const kind of databaseKinds()) {
  describe(`profiles assigned to groups, kept current by notifications, on ${kind}`, () => {
    let identity: FakeIdentity;
    let database: TestDatabase;
    let discovery: DiscoveryApp;
    let clock = Date.now();

    before(async () => {
      identity = await startFakeIdentity();
      database = testDatabase(kind);
      discovery = await startDiscovery(database, identity, { now: () => new Date(clock) });
    });
    after(async () => {
      await discovery?.close();
      await database?.dispose();
      await identity?.close();
    });

    async function tenant() {
      const tid = randomUUID();
      const token = await identity.adminToken(tid);
      const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) => {
        const response = await discovery.app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${token}` },
          ...(payload === undefined ? {} : { payload: payload as object }),
        });
        return { status: response.statusCode, body: response.body ? response.json() : undefined };
      };
      const device = async () => {
        const hash = hashOf(sampleInventory());
        const imported = await call('POST', '/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities', { hardwareIdentifier: hash });
        assert.equal(imported.status, 201);
        const ztdId = imported.body.state.deviceRegistrationId as string;
        const read = await call('GET', `${DEVICES}/${ztdId}`);
        const member: FakeMember = { id: randomUUID(), deviceId: read.body.azureActiveDirectoryDeviceId };
        return { hash, ztdId, member };
      };
      const profile = async (displayName: string) => {
        const res = await call('POST', PROFILES, { '@odata.type': AZURE_AD, displayName });
        assert.equal(res.status, 201);
        return res.body.id as string;
      };
      const assign = async (profileId: string, target: unknown) => {
        const res = await call('POST', `${PROFILES}/${profileId}/assignments`, { target });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        return res.body.id as string;
      };
      /** The device's status and the profile it gets, as Graph reports them. */
      const state = async (ztdId: string) => {
        const res = await call('GET', `${DEVICES}/${ztdId}?$expand=deploymentProfile`);
        assert.equal(res.status, 200);
        return {
          status: res.body.deploymentProfileAssignmentStatus as string,
          profileId: (res.body.deploymentProfile?.id ?? null) as string | null,
          assignedAt: res.body.deploymentProfileAssignedDateTime as string,
        };
      };
      return { tid, call, device, profile, assign, state };
    }

    const lookup = (hash: string) =>
      discovery.app.inject({ method: 'POST', url: '/ztd/v1/lookup', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ hardwareHash: hash }) });

    const subscriptionFor = (groupId: string) => [...identity.subscriptions.values()].find((s) => s.resource === `groups/${groupId}/members`);

    test('assigning to a group subscribes then lists it; joins and leaves arrive as notifications', async () => {
      const t = await tenant();
      const [d1, d2] = [await t.device(), await t.device()];
      const G = randomUUID();
      identity.memberPageSize = 1;
      await identity.changeMembers(G, { added: [d1.member, { id: randomUUID(), deviceId: randomUUID() }] });
      const fallback = await t.profile('All devices');
      const sales = await t.profile('Sales');
      await t.assign(fallback, ALL_DEVICES);
      const calls = identity.subscriptionCalls.length;
      await t.assign(sales, group(G));
      identity.memberPageSize = 100;

      const post = identity.subscriptionCalls.slice(calls).find((c) => c.method === 'POST');
      assert.ok(post, 'discovery subscribed');
      assert.equal(post.body!.resource, `groups/${G}/members`);
      assert.equal(post.body!.changeType, 'updated');
      assert.match(String(post.body!.notificationUrl), /^https:\/\/127\.0\.0\.1:\d+\/ztd\/v1\/notifications$/);
      assert.ok(typeof post.body!.clientState === 'string' && (post.body!.clientState as string).length <= 128);
      const ahead = Date.parse(String(post.body!.expirationDateTime)) - clock;
      assert.ok(ahead > 3 * DAY - 60_000 && ahead <= 3 * DAY, 'three days');
      const subscription = subscriptionFor(G);
      assert.ok(subscription, 'the handshake reached the receiver over HTTPS');

      const listed = await t.state(d1.ztdId);
      assert.deepEqual([listed.status, listed.profileId], ['assignedInSync', sales], 'a listed member gets the group profile');
      assert.equal((await t.state(d2.ztdId)).profileId, fallback);

      assert.deepEqual(await identity.changeMembers(G, { added: [d2.member] }), [202]);
      const joined = await t.state(d2.ztdId);
      assert.equal(joined.profileId, sales);
      assert.equal(joined.status, 'assignedInSync');
      assert.equal(joined.assignedAt, new Date(clock).toISOString(), 'the date it changed');
      const looked = await lookup(d2.hash);
      assert.equal(looked.statusCode, 200, looked.body);
      assert.equal(looked.json().deploymentProfile.id, sales);

      // Replays and duplicates: identity delivers at least once.
      assert.deepEqual(await identity.changeMembers(G, { added: [d2.member] }), [202]);
      assert.equal((await t.state(d2.ztdId)).profileId, sales);

      // A forged removal, right subscription id, wrong clientState: accepted, ignored.
      const forged = {
        value: [
          {
            subscriptionId: subscription.id,
            clientState: 'guessed',
            changeType: 'updated',
            resource: `groups/${G}/members`,
            tenantId: t.tid,
            subscriptionExpirationDateTime: subscription.expirationDateTime,
            resourceData: { '@odata.type': '#microsoft.graph.group', '@odata.id': `groups/${G}`, id: G, 'members@delta': [{ ...d2.member, '@odata.type': '#microsoft.graph.device', '@removed': { reason: 'deleted' } }] },
          },
        ],
      };
      assert.equal(await identity.post(subscription.notificationUrl, JSON.stringify(forged)), 202);
      assert.equal((await t.state(d2.ztdId)).profileId, sales, 'a wrong clientState changes nothing');

      assert.deepEqual(await identity.changeMembers(G, { removed: [d2.member] }), [202]);
      assert.equal((await t.state(d2.ztdId)).profileId, fallback, 'back to the all-devices profile');

      const assignments = await t.call('GET', `${PROFILES}/${sales}/assignments`);
      const before = identity.subscriptionCalls.length;
      assert.equal((await t.call('DELETE', `${PROFILES}/${sales}/assignments/${assignments.body.value[0].id}`)).status, 204);
      assert.deepEqual(identity.subscriptionCalls.slice(before), [{ method: 'DELETE', id: subscription.id }]);
      assert.equal(subscriptionFor(G), undefined);
      assert.equal((await t.state(d1.ztdId)).profileId, fallback);
    });

    test('the oldest profile wins between groups; an exclusion group wins over inclusion; no all-devices profile means notAssigned', async () => {
      const t = await tenant();
      const d = await t.device();
      const [G1, G2, E] = [randomUUID(), randomUUID(), randomUUID()];
      const older = await t.profile('Older');
      clock += 1000;
      const newer = await t.profile('Newer');
      await t.assign(newer, group(G1));
      await t.assign(older, group(G2));
      await t.assign(older, exclusion(E));
      assert.equal((await t.state(d.ztdId)).status, 'notAssigned');
      await identity.changeMembers(G1, { added: [d.member] });
      assert.equal((await t.state(d.ztdId)).profileId, newer);
      await identity.changeMembers(G2, { added: [d.member] });
      assert.equal((await t.state(d.ztdId)).profileId, older, 'the oldest created profile, though assigned last');
      await identity.changeMembers(E, { added: [d.member] });
      assert.equal((await t.state(d.ztdId)).profileId, newer, 'excluded from the older profile');
      await identity.changeMembers(G1, { removed: [d.member] });
      const none = await t.state(d.ztdId);
      assert.deepEqual([none.status, none.profileId], ['notAssigned', null]);
      assert.equal((await lookup(d.hash)).statusCode, 404);
    });

    test('identity down at assignment time: created, devices pending, finished by the retry loop', async () => {
      const t = await tenant();
      const d = await t.device();
      const G = randomUUID();
      await identity.changeMembers(G, { added: [d.member] });
      const p = await t.profile('Later');
      identity.graphDown = true;
      try {
        await t.assign(p, group(G));
        assert.equal((await t.state(d.ztdId)).status, 'pending');
        await discovery.runtime.groups.reconcile();
        assert.equal((await t.state(d.ztdId)).status, 'pending', 'still down');
      } finally {
        identity.graphDown = false;
      }
      await discovery.runtime.groups.reconcile();
      const done = await t.state(d.ztdId);
      assert.deepEqual([done.status, done.profileId], ['assignedInSync', p]);
      assert.ok(subscriptionFor(G));
    });

    test('subscriptions are renewed when less than a day is left, and made again when identity lost them', async () => {
      const t = await tenant();
      const [G, H] = [randomUUID(), randomUUID()];
      const p = await t.profile('Renewed');
      await t.assign(p, group(G));
      await t.assign(p, group(H));
      const sub = subscriptionFor(G)!;
      const lost = subscriptionFor(H)!;
      const start = clock;
      const patchesOf = (id: string) => identity.subscriptionCalls.filter((c) => c.method === 'PATCH' && c.id === id);
      await discovery.runtime.groups.renewDue();
      assert.equal(patchesOf(sub.id).length, 0, 'three days left: nothing to do');
      identity.subscriptions.delete(lost.id);
      clock = Date.parse(sub.expirationDateTime) - RENEW_BEFORE_MS + 60_000;
      try {
        await discovery.runtime.groups.renewDue();
        assert.equal(patchesOf(sub.id).length, 1);
        const renewedTo = Date.parse(String(patchesOf(sub.id)[0]!.body!.expirationDateTime));
        assert.ok(Math.abs(renewedTo - (clock + 3 * DAY)) < 1000);
        assert.equal(Date.parse(subscriptionFor(G)!.expirationDateTime), renewedTo);
        const again = subscriptionFor(H);
        assert.ok(again && again.id !== lost.id, 'a 404 on renewal subscribes anew');
        await discovery.runtime.groups.renewDue();
        assert.equal(patchesOf(sub.id).length, 1, 'renewed once');
      } finally {
        clock = start + 2000;
      }
    });

    test('the receiver echoes the validation token as text/plain and refuses malformed deliveries with a 400', async () => {
      const token = 'Validation: a+b/c=<script>';
      const res = await discovery.app.inject({ method: 'POST', url: `/ztd/v1/notifications?validationToken=${encodeURIComponent(token)}`, headers: { 'content-type': 'text/plain' }, payload: '' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.body, token);
      for (const [payload, type] of [['{"value":', 'application/json'], ['[]', 'application/json'], ['{"value":{}}', 'application/json'], ['hello', 'text/plain']]) {
        const bad = await discovery.app.inject({ method: 'POST', url: '/ztd/v1/notifications', headers: { 'content-type': type! }, payload });
        assert.equal(bad.statusCode, 400, `${payload}: ${bad.body}`);
        assert.ok(bad.json().error.code);
      }
      const big = await discovery.app.inject({ method: 'POST', url: '/ztd/v1/notifications', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ value: [], pad: 'x'.repeat(300_000) }) });
      assert.equal(big.statusCode, 413);
    });

    test('hostile deliveries: 4xx or 202, never a 500, never a membership change without the clientState', async () => {
      const t = await tenant();
      const d = await t.device();
      const G = randomUUID();
      const p = await t.profile('Guarded');
      await t.assign(p, group(G));
      const sub = subscriptionFor(G)!;
      const members = () => discovery.runtime.store.groupsOfDevices(t.tid, [d.member.deviceId]);
      const delta = fc.array(
        fc.record(
          { '@odata.type': fc.constant('#microsoft.graph.device'), id: fc.oneof(fc.constant(d.member.id), fc.uuid(), fc.string()), deviceId: fc.oneof(fc.constant(d.member.deviceId), fc.uuid(), fc.anything()), '@removed': fc.anything() },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      );
      const notification = fc.record(
        {
          subscriptionId: fc.oneof(fc.constant(sub.id), fc.uuid(), fc.anything()),
          clientState: fc.oneof(fc.string({ maxLength: 60 }), fc.constant(null), fc.anything()),
          changeType: fc.constant('updated'),
          resource: fc.oneof(fc.constant(`groups/${G}/members`), fc.string()),
          tenantId: fc.oneof(fc.constant(t.tid), fc.uuid()),
          resourceData: fc.oneof(fc.record({ id: fc.constant(G), 'members@delta': delta }), fc.anything()),
        },
        { requiredKeys: [] },
      );
      const body = fc.oneof(
        fc.record({ value: fc.array(notification, { maxLength: 3 }) }).map((b) => JSON.stringify(b)),
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
        fc.string({ maxLength: 200 }),
      );
      const contentType = fc.constantFrom('application/json', 'text/plain', 'application/xml', 'application/octet-stream');
      await fc.assert(
        fc.asyncProperty(body, contentType, async (payload, type) => {
          const res = await discovery.app.inject({ method: 'POST', url: '/ztd/v1/notifications', headers: { 'content-type': type }, payload });
          assert.ok(res.statusCode === 202 || (res.statusCode >= 400 && res.statusCode < 500), `${res.statusCode} for ${payload.slice(0, 200)}`);
          assert.equal((await members()).size, 0, 'membership unchanged');
        }),
        { numRuns: 150 },
      );
    });
  });
}
