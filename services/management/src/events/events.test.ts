import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { EVENT_FEED_PATHS, GRAPH_RESOURCE, MANAGEMENT_PATHS, ROLES, SERVICE_APP_IDS, type ChainEvent } from '@baton/contracts';
import { x509 } from '@baton/kit';
import { buildDiscoverRequest, parseProvisioningDoc, parseRequestSecurityTokenResponse, parseSyncML, type SyncMLCommand, type SyncMLItemCommand } from '@baton/protocols';
import { testBackends } from '../testing/context.js';
import { answerGets, makeCsr, package1, rstXml, syncml } from '../testing/device.js';
import { startListening, type Listening } from '../testing/server.js';

const SOAP = 'application/soap+xml; charset=utf-8';
const SYNCML = 'application/vnd.syncml.dm+xml';

const newTrace = () => {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
};

for (const backend of testBackends()) {
  describe(`management event feed (${backend})`, () => {
    let m: Listening;
    before(async () => {
      m = await startListening(backend);
    });
    after(() => m.close());

    const soap = (path: string, payload: string, traceparent: string) =>
      m.app.inject({ method: 'POST', url: path, headers: { 'content-type': SOAP, traceparent }, payload });

    async function feed(query: string, claims: Record<string, unknown> = { roles: [ROLES.managedDevicesReadWrite], idtyp: 'app' }) {
      const token = await m.identity.mint({ aud: GRAPH_RESOURCE, ...claims });
      const res = await m.app.inject({ method: 'GET', url: `${EVENT_FEED_PATHS.management}${query}`, headers: { authorization: `Bearer ${token}` } });
      return { status: res.statusCode, body: res.json() as { value: ChainEvent[]; error?: { code: string } } };
    }

    test('an enrollment is recorded with the Entra device id, the managed device id and the trace id', async () => {
      const trace = newTrace();
      const deviceId = randomUUID();
      const discovered = await soap(
        MANAGEMENT_PATHS.discovery,
        buildDiscoverRequest({ messageId: `urn:uuid:${randomUUID()}`, emailAddress: 'adele@demo.baton.local', requestVersion: '5.0', deviceType: 'CIMClient_Windows', applicationVersion: '10.0', osEdition: '4', authPolicies: ['OnPremise'] }),
        trace.traceparent,
      );
      assert.equal(discovered.statusCode, 200);
      const { csrBase64 } = await makeCsr();
      const enrolled = await soap(MANAGEMENT_PATHS.enrollment, rstXml({ token: await m.deviceToken({ deviceid: deviceId }), csrBase64, deviceId: 'MDM-1' }), trace.traceparent);
      assert.equal(enrolled.statusCode, 200, enrolled.body);

      const own = await feed(`?traceId=${trace.traceId}`);
      assert.equal(own.status, 200);
      // Discover names no device, so it has no tenant: the admin sees the enrollment only.
      assert.deepEqual(own.body.value.map((e) => [e.type, e.outcome]), [['enrollment', 'success']]);
      const [event] = own.body.value;
      assert.equal(event!.azureADDeviceId, deviceId);
      assert.match(String(event!.managedDeviceId), /^[0-9a-f-]{36}$/);
      assert.equal((await feed(`?managedDeviceId=${event!.managedDeviceId}`)).body.value.length, 1);
      assert.equal((await feed(`?deviceId=${deviceId}`)).body.value.length, 1);

      const service = await feed(`?traceId=${trace.traceId}`, { azp: SERVICE_APP_IDS.identity, idtyp: 'app' });
      assert.deepEqual(service.body.value.map((e) => e.type), ['enrollment', 'mdmDiscovery']);
    });

    test('a refused enrollment records the MS-MDE2 fault subcode the device got', async () => {
      const trace = newTrace();
      const { csrBase64 } = await makeCsr();
      // A user token, not a device token: identity vouches for no device.
      const token = await m.identity.mint({ aud: 'https://enrollment.manage.baton.local', oid: randomUUID(), upn: 'adele@demo.baton.local' });
      const res = await soap(MANAGEMENT_PATHS.enrollment, rstXml({ token, csrBase64, deviceId: 'MDM-2' }), trace.traceparent);
      assert.equal(res.statusCode, 401);
      const { body } = await feed(`?traceId=${trace.traceId}`);
      assert.equal(body.value.length, 1);
      assert.equal(body.value[0]!.outcome, 'failure');
      assert.equal(body.value[0]!.errorCode, 'authentication');
      assert.equal(body.value[0]!.phase, 'enrollment');
    });

    test('a forged token writes nothing into the tenant it names', async () => {
      const trace = newTrace();
      const { csrBase64 } = await makeCsr();
      const [h, p] = (await m.deviceToken()).split('.');
      const res = await soap(MANAGEMENT_PATHS.enrollment, rstXml({ token: `${h}.${p}.${Buffer.from('forged').toString('base64url')}`, csrBase64, deviceId: 'MDM-3' }), trace.traceparent);
      assert.equal(res.statusCode, 401);
      assert.equal((await feed(`?traceId=${trace.traceId}`)).body.value.length, 0);
      const service = await feed(`?traceId=${trace.traceId}`, { azp: SERVICE_APP_IDS.management, idtyp: 'app' });
      assert.equal(service.body.value[0]?.errorCode, 'invalidsecurity');
    });

    /** Enrolls a device through WSTEP and answers an HTTPS client holding its MDM certificate. */
    async function enrolledClient(deviceId: string, mdmDeviceId: string) {
      const keys = await makeCsr();
      const enrolled = await soap(MANAGEMENT_PATHS.enrollment, rstXml({ token: await m.deviceToken({ deviceid: deviceId }), csrBase64: keys.csrBase64, deviceId: mdmDeviceId }), newTrace().traceparent);
      const doc = parseProvisioningDoc(parseRequestSecurityTokenResponse(enrolled.body).provisioningDocXml);
      const certPem = x509.PemConverter.encode(Buffer.from(doc.clientCertificates[0]!.base64, 'base64'), 'CERTIFICATE');
      return m.client({ certPem, keyPem: keys.privateKeyPem });
    }

    test('an OMA-DM session records the device statuses that failed and the session end', async () => {
      const deviceId = randomUUID();
      const client = await enrolledClient(deviceId, 'MDM-4');
      const post = (body: string) => client.post(MANAGEMENT_PATHS.omadm, body, SYNCML);
      try {
        const first = await post(package1('MDM-4'));
        assert.equal(first.status, 200);
        const reply = parseSyncML(first.body);
        const gets = reply.commands.filter((c): c is SyncMLItemCommand => c.kind === 'Get');
        assert.ok(gets.length > 1);
        const failing = gets[0]!;
        const commands: SyncMLCommand[] = [{ kind: 'Status', cmdId: '1', msgRef: reply.header.msgId, cmdRef: '0', cmd: 'SyncHdr', data: '200' }];
        gets.forEach((g, i) => commands.push({ kind: 'Status', cmdId: String(i + 2), msgRef: reply.header.msgId, cmdRef: g.cmdId, cmd: 'Get', data: g === failing ? '500' : '404' }));
        const second = await post(syncml('MDM-4', '1', '2', commands));
        assert.equal(second.status, 200);
      } finally {
        await client.close();
      }
      // This client sends no traceparent (the agent does): the device id finds the session's events.
      const { body } = await feed(`?deviceId=${deviceId}`);
      const failures = body.value.filter((e) => e.type === 'commandStatus');
      assert.equal(failures.length, 1, JSON.stringify(body.value));
      assert.equal(failures[0]!.errorCode, '500');
      assert.equal(failures[0]!.phase, 'deviceSetup');
      assert.equal(failures[0]!.detail.cmd, 'Get');
      // The 404s say a node is absent, which inventory tolerates: not failures.
      assert.ok(body.value.some((e) => e.type === 'omadmSession' && e.outcome === 'success'));
    });

    test('a routine poll with nothing to do leaves no event; the session that did work keeps its own', async () => {
      const deviceId = randomUUID();
      const client = await enrolledClient(deviceId, 'MDM-6');
      const post = (body: string) => client.post(MANAGEMENT_PATHS.omadm, body, SYNCML);
      const sessionsInFeed = async () => (await feed(`?deviceId=${deviceId}`)).body.value.filter((e) => e.type === 'omadmSession');
      let lastSync: string | null | undefined;
      let managedDeviceId: string | undefined;
      try {
        // The first session asks for inventory; the device answers every Get.
        const first = parseSyncML((await post(package1('MDM-6'))).body);
        const gets = first.commands.filter((c): c is SyncMLItemCommand => c.kind === 'Get').map((g) => ({ cmdId: g.cmdId, locUri: g.items[0]!.target! }));
        assert.ok(gets.length > 0);
        // DevInfo stays as package 1 reports it, so later polls change no inventory value.
        const values = Object.fromEntries(gets.filter((g) => !g.locUri.startsWith('./DevInfo/')).map((g) => [g.locUri, 'x']));
        const done = parseSyncML((await post(answerGets('MDM-6', '1', '2', first.header.msgId, gets, values))).body);
        assert.equal(done.commands.filter((c) => c.kind !== 'Status').length, 0, 'the first session is over');
        const [ended] = await sessionsInFeed();
        assert.equal(ended?.outcome, 'success');
        managedDeviceId = String(ended.managedDeviceId);
        lastSync = (await m.store.getEnrollment(managedDeviceId))?.lastSyncAt;
        await new Promise((r) => setTimeout(r, 5));
        // Later polls on schedule: nothing queued, the same DevInfo.
        for (const sessionId of ['2', '3']) {
          const poll = parseSyncML((await post(package1('MDM-6', sessionId))).body);
          assert.deepEqual(poll.commands.map((c) => c.kind), ['Status', 'Status', 'Status', 'Status']);
        }
      } finally {
        await client.close();
      }
      assert.equal((await sessionsInFeed()).length, 1, 'a poll with nothing to do adds no session event');
      assert.ok(managedDeviceId);
      const after = await m.store.getEnrollment(managedDeviceId);
      assert.ok(after?.lastSyncAt && lastSync && after.lastSyncAt > lastSync, 'the poll still moves lastSyncDateTime');
    });

    test('a message refused for its numbering records a failed session with the 400 it got, not a session end', async () => {
      const deviceId = randomUUID();
      const client = await enrolledClient(deviceId, 'MDM-5');
      try {
        // A message that continues a session no one opened.
        const stray = await client.post(MANAGEMENT_PATHS.omadm, syncml('MDM-5', '7', '2', [{ kind: 'Status', cmdId: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', data: '200' }]), SYNCML);
        assert.equal(stray.status, 200);
        const header = parseSyncML(stray.body).commands[0];
        assert.equal(header?.kind === 'Status' ? header.data : undefined, '400');
      } finally {
        await client.close();
      }
      const { body } = await feed(`?deviceId=${deviceId}`);
      const sessions = body.value.filter((e) => e.type === 'omadmSession');
      assert.equal(sessions.length, 1, JSON.stringify(body.value));
      assert.equal(sessions[0]!.outcome, 'failure');
      assert.equal(sessions[0]!.errorCode, '400');
      assert.match(String(sessions[0]!.detail.reason), /not open/);
    });

    test('bad queries and tokens without a managed-device role are refused in the Graph envelope', async () => {
      assert.equal((await feed('?serialNumber=')).status, 400);
      assert.equal((await feed('?managedDeviceId=x')).status, 400);
      const denied = await feed('', { roles: ['User.ReadWrite.All'], idtyp: 'app' });
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error?.code, 'Authorization_RequestDenied');
      const anonymous = await m.app.inject({ method: 'GET', url: EVENT_FEED_PATHS.management });
      assert.equal(anonymous.statusCode, 401);
    });
  });
}
