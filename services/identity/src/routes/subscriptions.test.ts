import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GRAPH_RESOURCE, SERVICE_APP_IDS, type ChangeNotificationCollection } from '@baton/contracts';
import { backends, form, newGuid, startIdentity, tenantInput, type RunningIdentity } from '../testing/harness.js';
import { startReceiver, type Receiver } from '../testing/receiver.js';

for (const backend of backends()) {
  describe(`change notifications (${backend.name})`, () => {
    let id: RunningIdentity;
    let receiver: Receiver;
    let clock = Date.now();
    let admin: string;
    let discovery: string;
    let management: string;
    let otherAdmin: string;
    before(async () => {
      receiver = await startReceiver();
      id = await startIdentity(backend, { now: () => new Date(clock), outboxBackoffMs: () => 50, outboxPollMs: 50 }, { fetch: receiver.fetch });
      await id.identity.start();
      admin = await token(id.tenantId, id.adminClientId, 'admin-app-secret-0123456789');
      discovery = await token(id.tenantId, SERVICE_APP_IDS.discovery, id.ctx.serviceCredentials.discovery.clientSecret);
      management = await token(id.tenantId, SERVICE_APP_IDS.management, id.ctx.serviceCredentials.management.clientSecret);
      const other = await id.identity.bootstrapTenant(tenantInput(`other-${id.domain}`));
      otherAdmin = await token(other.tenantId, other.adminClientId, 'admin-app-secret-0123456789');
    });
    after(async () => {
      await id.close();
      await receiver.close();
    });
    beforeEach(() => {
      clock = Date.now();
      receiver.handshake = 'echo';
      receiver.statuses = [];
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
    const graph = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, tokenValue: string, payload?: unknown, headers: Record<string, string> = {}) =>
      id.app.inject({ method, url, headers: { authorization: `Bearer ${tokenValue}`, ...headers }, ...(payload !== undefined ? { payload: payload as object } : {}) });
    const inMinutes = (m: number) => new Date(clock + m * 60_000).toISOString();
    const subscribe = (resource: string, tokenValue = management, extra: Record<string, unknown> = {}) =>
      graph('POST', '/graph/v1.0/subscriptions', tokenValue, {
        changeType: 'updated',
        notificationUrl: receiver.url,
        resource,
        expirationDateTime: inMinutes(60),
        clientState: 'secret-from-management',
        ...extra,
      });
    const salesGroup = async () => {
      const res = await graph('POST', '/graph/v1.0/groups', admin, {
        displayName: 'Autopilot Sales',
        mailNickname: `sales${newGuid().slice(0, 6)}`,
        mailEnabled: false,
        securityEnabled: true,
        groupTypes: ['DynamicMembership'],
        membershipRule: '(device.devicePhysicalIds -any (_ -eq "[OrderID]:Sales"))',
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id as string;
    };
    const placeholder = (deviceId: string, tag: string) =>
      graph(
        'PATCH',
        `/graph/v1.0/devices(deviceId='${deviceId}')`,
        discovery,
        { displayName: 'PC', physicalIds: [`[ZTDID]:${deviceId}`, `[OrderID]:${tag}`], accountEnabled: true },
        { prefer: 'create-if-missing' },
      );
    const objectIdOf = async (deviceId: string) => (await graph('GET', `/graph/v1.0/devices(deviceId='${deviceId}')`, discovery)).json().id as string;
    const deliveredFor = (subscriptionId: string) =>
      receiver.received.flatMap((c: ChangeNotificationCollection) => c.value).filter((n) => n.subscriptionId === subscriptionId);

    test('subscribing runs the validation handshake; a wrong echo, a non-200 or a non-text answer refuses it', async () => {
      const groupId = await salesGroup();
      const before = receiver.validations.length;
      const ok = await subscribe(`groups/${groupId}/members`);
      assert.equal(ok.statusCode, 201, ok.body);
      assert.equal(receiver.validations.length, before + 1);
      assert.match(receiver.validations.at(-1)!, /\S{20,}/);
      const sub = ok.json();
      assert.equal(sub.resource, `groups/${groupId}/members`);
      assert.equal(sub.applicationId, SERVICE_APP_IDS.management);
      assert.equal(sub.clientState, 'secret-from-management');
      for (const mode of ['wrong-token', 'status-500', 'json'] as const) {
        receiver.handshake = mode;
        const refused = await subscribe('groups');
        assert.equal(refused.statusCode, 400, `${mode}: ${refused.body}`);
        assert.equal(refused.json().error.code, 'ValidationError');
      }
      receiver.handshake = 'echo';
      const unreachable = await subscribe('groups', management, { notificationUrl: 'https://127.0.0.1:1/hook' });
      assert.equal(unreachable.json().error.code, 'ValidationError');
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ notificationUrl: receiver.url.replace('https:', 'http:') }, /https/],
        [{ expirationDateTime: inMinutes(-1) }, /future/],
        [{ expirationDateTime: inMinutes(5000) }, /4320 minutes/],
        [{ expirationDateTime: 'tomorrow' }, /ISO 8601/],
        [{ changeType: 'updated,exploded' }, /changeType/],
        [{ clientState: 'x'.repeat(129) }, /clientState/],
        [{ resource: 'users' }, /not supported/],
      ];
      const validationsBefore = receiver.validations.length;
      for (const [extra, message] of cases) {
        const res = await subscribe('groups', management, extra);
        assert.equal(res.statusCode, 400, JSON.stringify(extra));
        assert.match(res.json().error.message, message);
      }
      assert.equal(receiver.validations.length, validationsBefore, 'an invalid request never reaches the endpoint');
      assert.equal((await subscribe(`groups/${newGuid()}/members`)).statusCode, 404);
      const noRole = await subscribe('groups', await token(id.tenantId, SERVICE_APP_IDS.identity, id.ctx.serviceCredentials.identity.clientSecret));
      assert.equal(noRole.statusCode, 403);
    });

    test('a membership change reaches the receiver in Graph shape, with deviceId; retried when the receiver is down first', async () => {
      const groupId = await salesGroup();
      const sub = (await subscribe(`groups/${groupId}/members`)).json();
      receiver.statuses = [503, 500];
      const attempts = receiver.attempts;
      const deviceId = newGuid();
      assert.equal((await placeholder(deviceId, 'Sales')).statusCode, 201);
      const objectId = await objectIdOf(deviceId);
      await receiver.waitFor(() => deliveredFor(sub.id).length === 1);
      assert.ok(receiver.attempts - attempts >= 3, 'two refusals, then the delivery');
      const [notification] = deliveredFor(sub.id);
      assert.deepEqual(notification, {
        subscriptionId: sub.id,
        clientState: 'secret-from-management',
        changeType: 'updated',
        resource: `groups/${groupId}/members`,
        tenantId: id.tenantId,
        subscriptionExpirationDateTime: sub.expirationDateTime,
        resourceData: {
          '@odata.type': '#microsoft.graph.group',
          '@odata.id': `groups/${groupId}`,
          id: groupId,
          'members@delta': [{ '@odata.type': '#microsoft.graph.device', id: objectId, deviceId }],
        },
      });
      await placeholder(deviceId, 'Marketing');
      await receiver.waitFor(() => deliveredFor(sub.id).length === 2);
      assert.deepEqual(deliveredFor(sub.id)[1]!.resourceData, {
        '@odata.type': '#microsoft.graph.group',
        '@odata.id': `groups/${groupId}`,
        id: groupId,
        'members@delta': [{ '@odata.type': '#microsoft.graph.device', id: objectId, deviceId, '@removed': { reason: 'deleted' } }],
      });
      // A write that changes no membership sends nothing to a members subscription.
      await graph('PATCH', `/graph/v1.0/devices/${objectId}`, discovery, { operatingSystemVersion: '10.0.1' });
      await id.identity.drainOutbox();
      assert.equal(deliveredFor(sub.id).length, 2);
    });

    test('device subscriptions see created, updated and deleted as asked', async () => {
      const sub = (await subscribe('devices', management, { changeType: 'created,deleted' })).json();
      const deviceId = newGuid();
      await placeholder(deviceId, 'Any');
      const objectId = await objectIdOf(deviceId);
      await graph('PATCH', `/graph/v1.0/devices/${objectId}`, discovery, { displayName: 'renamed' });
      await graph('DELETE', `/graph/v1.0/devices/${objectId}`, discovery);
      await receiver.waitFor(() => deliveredFor(sub.id).length === 2);
      await id.identity.drainOutbox();
      assert.deepEqual(
        deliveredFor(sub.id).map((n) => [n.changeType, n.resource, (n.resourceData as { deviceId: string }).deviceId]),
        [
          ['created', `devices/${objectId}`, deviceId],
          ['deleted', `devices/${objectId}`, deviceId],
        ],
      );
    });

    test('expired or deleted subscriptions receive nothing, pending retries included; renewal is capped', async () => {
      const groupId = await salesGroup();
      const sub = (await subscribe(`groups/${groupId}/members`)).json();
      const renewed = await graph('PATCH', `/graph/v1.0/subscriptions/${sub.id}`, management, { expirationDateTime: inMinutes(120) });
      assert.equal(renewed.statusCode, 200, renewed.body);
      assert.equal(renewed.json().expirationDateTime, inMinutes(120));
      assert.equal((await graph('PATCH', `/graph/v1.0/subscriptions/${sub.id}`, management, { expirationDateTime: inMinutes(10_000) })).statusCode, 400);

      assert.equal((await graph('PATCH', `/graph/v1.0/subscriptions/${sub.id}`, management, { expirationDateTime: inMinutes(1) })).statusCode, 200);

      // A delivery that keeps failing until the subscription expires is dropped, not sent late.
      receiver.statuses = Array.from({ length: 1000 }, () => 503);
      const attempts = receiver.attempts;
      assert.equal((await placeholder(newGuid(), 'Sales')).statusCode, 201);
      await receiver.waitFor(() => receiver.attempts > attempts);
      // Two minutes on: past the subscription's expiry, well inside the tokens' lifetime.
      clock += 2 * 60_000;
      // A retry the dispatcher sent before the clock moved may still be on its way: the
      // receiver keeps failing until it has landed, and only then comes back up.
      await new Promise((r) => setTimeout(r, 300));
      receiver.statuses = [];
      await id.identity.drainOutbox();
      assert.equal(deliveredFor(sub.id).length, 0);
      // Other tests' subscriptions on Sales groups are still live and may be delivered to meanwhile.
      const attemptsAfterExpiry = receiver.attemptedFor.filter((s) => s === sub.id).length;
      assert.equal((await placeholder(newGuid(), 'Sales')).statusCode, 201);
      await id.identity.drainOutbox();
      assert.equal(deliveredFor(sub.id).length, 0, 'expired: nothing new is queued either');
      assert.equal(receiver.attemptedFor.filter((s) => s === sub.id).length, attemptsAfterExpiry, 'and nothing is even attempted');

      clock = Date.now();
      const live = (await subscribe(`groups/${groupId}/members`)).json();
      assert.equal((await graph('DELETE', `/graph/v1.0/subscriptions/${live.id}`, management)).statusCode, 204);
      assert.equal((await placeholder(newGuid(), 'Sales')).statusCode, 201);
      await id.identity.drainOutbox();
      assert.equal(deliveredFor(live.id).length, 0);
      assert.equal((await graph('GET', `/graph/v1.0/subscriptions/${live.id}`, management)).statusCode, 404);
    });

    test('subscriptions belong to one application of one tenant', async () => {
      const mine = (await subscribe('groups')).json();
      const list = await graph('GET', '/graph/v1.0/subscriptions', management);
      assert.ok(list.json().value.some((s: { id: string }) => s.id === mine.id));
      const other = await graph('GET', '/graph/v1.0/subscriptions', discovery);
      assert.ok(!other.json().value.some((s: { id: string }) => s.id === mine.id), 'another app of the tenant does not see it');
      assert.equal((await graph('GET', `/graph/v1.0/subscriptions/${mine.id}`, discovery)).statusCode, 404);
      assert.equal((await graph('DELETE', `/graph/v1.0/subscriptions/${mine.id}`, discovery)).statusCode, 404);
      assert.equal((await graph('GET', `/graph/v1.0/subscriptions/${mine.id}`, otherAdmin)).statusCode, 404);
      assert.equal((await graph('PATCH', `/graph/v1.0/subscriptions/${mine.id}`, otherAdmin, { expirationDateTime: inMinutes(30) })).statusCode, 404);

      // Another tenant's changes never reach this tenant's subscription.
      const seen = deliveredFor(mine.id).length;
      const theirGroup = await graph('POST', '/graph/v1.0/groups', otherAdmin, {
        displayName: 'theirs',
        mailNickname: 'theirs',
        mailEnabled: false,
        securityEnabled: true,
      });
      assert.equal(theirGroup.statusCode, 201);
      await id.identity.drainOutbox();
      assert.equal(deliveredFor(mine.id).length, seen);
      assert.equal((await graph('GET', `/graph/v1.0/subscriptions/${mine.id}`, management)).json().id, mine.id);
    });
  });
}
