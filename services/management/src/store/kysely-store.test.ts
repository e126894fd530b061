import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { pruneSessionHistory } from '../session/retention.js';
import { testBackends } from '../testing/context.js';
import { openTestStore, sampleEnrollment } from '../testing/store.js';
import type { KyselyManagementStore } from './kysely-store.js';
import type { ManagementDatabase } from './schema.js';

for (const backend of testBackends()) {
  describe(`management store (${backend})`, () => {
    let store: KyselyManagementStore;
    let close: () => Promise<void>;
    before(async () => {
      ({ store, close } = await openTestStore(backend));
    });
    after(async () => close());

    test('keeps the first CA stored when two replicas race to create one', async () => {
      const first = await store.putCertificateAuthorityIfAbsent({ certPem: 'cert-a', keySealed: 'key-a' });
      const second = await store.putCertificateAuthorityIfAbsent({ certPem: 'cert-b', keySealed: 'key-b' });
      assert.equal(first.certPem, 'cert-a');
      assert.deepEqual(second, { certPem: 'cert-a', keySealed: 'key-a' });
    });

    test('re-enrolling a device replaces its enrollment in the tenant, not in other tenants', async () => {
      const original = sampleEnrollment();
      await store.replaceEnrollment(original, [{ verb: 'Get', locUri: './DevInfo/Mod' }]);
      const otherTenant = sampleEnrollment({ mdmDeviceId: original.mdmDeviceId, hwDevId: original.hwDevId });
      await store.replaceEnrollment(otherTenant, []);

      const again = sampleEnrollment({ tenantId: original.tenantId, hwDevId: original.hwDevId, azureAdDeviceId: original.azureAdDeviceId });
      const removed = await store.replaceEnrollment(again, [{ verb: 'Get', locUri: './DevDetail/SwV' }]);
      assert.deepEqual(removed, [original.id]);
      assert.equal(await store.getEnrollment(original.id), undefined);
      assert.ok(await store.getEnrollment(otherTenant.id));
      const queue = await store.listQueue(again.id);
      assert.deepEqual(
        queue.map((q) => q.locUri),
        ['./DevDetail/SwV'],
      );
      assert.equal((await store.getEnrollmentByThumbprint(again.certThumbprint))?.id, again.id);
    });

    test('one command fans out to many enrollments, each at the end of its own queue', async () => {
      const a = sampleEnrollment();
      const b = sampleEnrollment({ tenantId: a.tenantId });
      await store.replaceEnrollment(a, [{ verb: 'Get', locUri: './DevInfo/Mod' }, { verb: 'Get', locUri: './DevInfo/Man' }]);
      await store.replaceEnrollment(b, []);
      const id = await store.enqueueCommand({ verb: 'Replace', locUri: './Vendor/MSFT/Policy/Config/X', payload: { data: '1', format: 'int' } }, [a.id, b.id]);
      const qa = await store.listQueue(a.id);
      const qb = await store.listQueue(b.id);
      assert.deepEqual(
        qa.map((q) => q.position),
        [1, 2, 3],
      );
      assert.equal(qa[2]!.commandId, id);
      assert.deepEqual(qb.map((q) => [q.commandId, q.position, q.status]), [[id, 1, 'queued']]);
      assert.deepEqual(qb[0]!.payload, { data: '1', format: 'int' });
    });

    test('a device Status updates only the command it names by session, message and CmdID', async () => {
      const e = sampleEnrollment();
      await store.replaceEnrollment(e, [{ verb: 'Get', locUri: './DevInfo/Mod' }, { verb: 'Get', locUri: './DevInfo/Man' }]);
      const [first, second] = await store.nextQueued(e.id, 10);
      await store.markSent(e.id, '5', '1', [
        { commandId: first!.commandId, cmdId: '3' },
        { commandId: second!.commandId, cmdId: '4' },
      ]);
      assert.equal(await store.recordStatus({ enrollmentId: e.id, sessionId: '5', msgRef: '2', cmdRef: '3' }, '200'), false);
      assert.equal(await store.recordStatus({ enrollmentId: e.id, sessionId: '5', msgRef: '1', cmdRef: '3' }, '200'), true);
      assert.equal(await store.recordStatus({ enrollmentId: e.id, sessionId: '5', msgRef: '1', cmdRef: '4' }, '404'), true);
      assert.equal(await store.recordResult({ enrollmentId: e.id, sessionId: '5', msgRef: '1', cmdRef: '3' }, [{ data: 'VM' }]), true);
      const queue = await store.listQueue(e.id);
      assert.deepEqual(
        queue.map((q) => [q.status, q.statusCode]),
        [
          ['acknowledged', '200'],
          ['failed', '404'],
        ],
      );
      assert.deepEqual(queue[0]!.result, [{ data: 'VM' }]);
      assert.deepEqual(await store.countOutstanding(e.id), { queued: 0, sent: 0 });
    });

    test('commands in flight when a session is abandoned go back to the queue', async () => {
      const e = sampleEnrollment();
      await store.replaceEnrollment(e, [{ verb: 'Get', locUri: './DevInfo/Mod' }]);
      const [q] = await store.nextQueued(e.id, 10);
      await store.markSent(e.id, '1', '1', [{ commandId: q!.commandId, cmdId: '2' }]);
      assert.deepEqual(await store.countOutstanding(e.id), { queued: 0, sent: 1 });
      assert.equal(await store.requeueInFlight(e.id), 1);
      const [back] = await store.listQueue(e.id);
      assert.equal(back!.status, 'queued');
      assert.equal(back!.cmdId, null);
    });

    test('sessions: a new session closes the open one; stated limits last until restated; a poll is written ended', async () => {
      const e = sampleEnrollment();
      await store.replaceEnrollment(e, []);
      const at = new Date().toISOString();
      const message = (sessionId: string, msgId: string, opens: boolean, more: { endedAt?: string; limits?: { maxMsgSize?: number; maxObjSize?: number } } = {}) =>
        store.recordSessionMessage({ enrollmentId: e.id, sessionId, msgId, at, opens, endedAt: more.endedAt ?? null, ...(more.limits ? { limits: more.limits } : {}) });
      await message('1', '1', true, { limits: { maxMsgSize: 4000 } });
      assert.deepEqual(await store.findSession(e.id, '1'), { lastMsgId: '1', ended: false, auth: 'certificate', limits: { maxMsgSize: 4000 } });
      await message('1', '2', false, { limits: { maxObjSize: 9000 } });
      await message('1', '3', false);
      assert.deepEqual(await store.findSession(e.id, '1'), { lastMsgId: '3', ended: false, auth: 'certificate', limits: { maxMsgSize: 4000, maxObjSize: 9000 } });
      await message('2', '1', true);
      assert.equal((await store.findSession(e.id, '1'))?.ended, true);
      assert.equal((await store.findSession(e.id, '2'))?.ended, false);
      await message('3', '1', true, { endedAt: at });
      assert.equal((await store.findSession(e.id, '2'))?.ended, true);
      assert.deepEqual(await store.findSession(e.id, '3'), { lastMsgId: '1', ended: true, auth: 'certificate', limits: {} });
      // A message that continues an ended session moves nothing.
      await message('3', '2', false);
      assert.equal((await store.findSession(e.id, '3'))?.lastMsgId, '1');
    });

    test('a message reads its enrollment, its session and whether any session is open in one go', async () => {
      const e = sampleEnrollment();
      await store.replaceEnrollment(e, []);
      const at = new Date().toISOString();
      assert.equal(await store.lockEnrollmentForMessage('no-such-enrollment', '1'), undefined);
      const fresh = await store.lockEnrollmentForMessage(e.id, '1');
      assert.equal(fresh?.enrollment.id, e.id);
      assert.equal(fresh?.enrollment.mdmDeviceId, e.mdmDeviceId);
      assert.equal(fresh?.session, undefined);
      assert.equal(fresh?.anyOpen, false);

      await store.recordSessionMessage({ enrollmentId: e.id, sessionId: '1', msgId: '1', at, opens: true, endedAt: null, limits: { maxMsgSize: 4000 } });
      await store.recordSessionMessage({ enrollmentId: e.id, sessionId: '1', msgId: '2', at, opens: false, endedAt: null });
      const open = await store.lockEnrollmentForMessage(e.id, '1');
      assert.deepEqual(open?.session, { lastMsgId: '2', ended: false, auth: 'certificate', limits: { maxMsgSize: 4000 } });
      assert.equal(open?.anyOpen, true);
      // Another SessionID: no session of that id, but the device still has one open.
      const other = await store.lockEnrollmentForMessage(e.id, '2');
      assert.equal(other?.session, undefined);
      assert.equal(other?.anyOpen, true);

      // The latest of two sessions that share a SessionID is the one read.
      const later = new Date(Date.now() + 1000).toISOString();
      await store.recordSessionMessage({ enrollmentId: e.id, sessionId: '1', msgId: '1', at: later, opens: true, endedAt: later, auth: 'digest' });
      const reused = await store.lockEnrollmentForMessage(e.id, '1');
      assert.deepEqual(reused?.session, { lastMsgId: '1', ended: true, auth: 'digest', limits: {} });
      assert.equal(reused?.anyOpen, false, 'opening the new session ended the old one');
    });

    test('a session opened with endsOpenSessions false leaves other sessions as they are', async () => {
      const e = sampleEnrollment();
      await store.replaceEnrollment(e, []);
      const at = new Date().toISOString();
      await store.recordSessionMessage({ enrollmentId: e.id, sessionId: 'A', msgId: '1', at, opens: true, endedAt: null });
      await store.recordSessionMessage({ enrollmentId: e.id, sessionId: 'B', msgId: '1', at, opens: true, endedAt: at, endsOpenSessions: false });
      assert.equal((await store.findSession(e.id, 'A'))?.ended, false);
      await store.recordSessionMessage({ enrollmentId: e.id, sessionId: 'C', msgId: '1', at, opens: true, endedAt: at, endsOpenSessions: true });
      assert.equal((await store.findSession(e.id, 'A'))?.ended, true);
    });

    test('raw requests round-trip through gzip', async () => {
      const e = sampleEnrollment();
      await store.replaceEnrollment(e, []);
      const body = '<SyncML>' + 'x'.repeat(10_000) + '</SyncML>';
      await store.recordRawRequest(e.id, '1', '1', body, new Date().toISOString());
      const [raw] = await store.listRawRequests(e.id);
      assert.equal(raw!.body, body);
    });

    test('raw requests past the retention period are pruned in batches; recent ones stay, compressed', async () => {
      const e = sampleEnrollment();
      await store.replaceEnrollment(e, []);
      const now = new Date('2026-11-26T12:00:00Z');
      const daysAgo = (d: number) => new Date(now.getTime() - d * 24 * 3600 * 1000).toISOString();
      const body = (i: number) => `<SyncML><SyncHdr><MsgID>${i}</MsgID></SyncHdr>${'<Status><Data>200</Data></Status>'.repeat(200)}</SyncML>`;
      // Five older than 7 days, two inside.
      for (const [i, age] of [10, 9, 8.5, 8, 7.01, 6.99, 1].entries()) await store.recordRawRequest(e.id, '1', String(i + 1), body(i + 1), daysAgo(age));
      const stored = await (store as unknown as { db: Kysely<ManagementDatabase> }).db
        .selectFrom('raw_requests')
        .select('body_gzip')
        .where('enrollment_id', '=', e.id)
        .execute();
      assert.ok(stored.every((r) => r.body_gzip.length * 4 < body(1).length), 'kept compressed');

      assert.equal((await pruneSessionHistory(store, 7, now, 2)).rawRequests, 5);
      const left = await store.listRawRequests(e.id);
      assert.deepEqual(left.map((r) => r.msgId), ['6', '7']);
      assert.equal(left[0]!.body, body(6));
      assert.equal((await pruneSessionHistory(store, 7, now, 2)).rawRequests, 0);
    });

    test('sessions that ended before the retention period are pruned; open and recent ones stay', async () => {
      const e = sampleEnrollment();
      await store.replaceEnrollment(e, []);
      const now = new Date('2026-11-26T12:00:00Z');
      const daysAgo = (d: number) => new Date(now.getTime() - d * 24 * 3600 * 1000).toISOString();
      // Three polls that ended long ago, one recent, then a session opened long ago and still open.
      for (const [i, age] of [30, 20, 9, 2].entries()) {
        await store.recordSessionMessage({ enrollmentId: e.id, sessionId: String(i + 1), msgId: '1', at: daysAgo(age), opens: true, endedAt: daysAgo(age) });
      }
      await store.recordSessionMessage({ enrollmentId: e.id, sessionId: '9', msgId: '1', at: daysAgo(12), opens: true, endedAt: null });

      assert.equal((await pruneSessionHistory(store, 7, now, 2)).endedSessions, 3);
      for (const gone of ['1', '2', '3']) assert.equal(await store.findSession(e.id, gone), undefined);
      assert.equal((await store.findSession(e.id, '4'))?.ended, true);
      assert.equal((await store.findSession(e.id, '9'))?.ended, false, 'an open session is never pruned');
      assert.equal((await pruneSessionHistory(store, 7, now, 2)).endedSessions, 0);
    });

    test('a settled session sets the state and last sync time of its enrollment only, inventory kept', async () => {
      const synced = sampleEnrollment({ inventory: { 'DevInfo/Mod': 'A' } });
      const other = sampleEnrollment({ tenantId: synced.tenantId });
      await store.replaceEnrollment(synced, []);
      await store.replaceEnrollment(other, []);
      await store.markSynced(synced.id, 'managed', '2030-01-02T03:04:05.000Z');
      const after = await store.getEnrollment(synced.id);
      assert.deepEqual([after!.managementState, after!.lastSyncAt, after!.inventory], ['managed', '2030-01-02T03:04:05.000Z', { 'DevInfo/Mod': 'A' }]);
      const untouched = await store.getEnrollment(other.id);
      assert.deepEqual([untouched!.managementState, untouched!.lastSyncAt], ['enrolling', null]);

      // The general update still writes the same two fields.
      await store.updateEnrollment(other.id, { managementState: 'retired', lastSyncAt: '2030-01-03T00:00:00.000Z' });
      const updated = await store.getEnrollment(other.id);
      assert.deepEqual([updated!.managementState, updated!.lastSyncAt], ['retired', '2030-01-03T00:00:00.000Z']);
    });

    test("Graph's $filter narrows the listing on what the device reported, per tenant", async () => {
      const { randomUUID } = await import('node:crypto');
      const { parseFilter, parseQueryOptions } = await import('@baton/protocols');
      const tenantId = randomUUID();
      const laptops = [0, 1, 2].map((i) => sampleEnrollment({ tenantId, deviceName: `ENROLLED-${i}`, enrolledAt: new Date(Date.UTC(2030, 0, i + 1)).toISOString() }));
      for (const e of laptops) await store.replaceEnrollment(e, []);
      const elsewhere = sampleEnrollment({ inventory: { 'DevDetail/Ext/Microsoft/SMBIOSSerialNumber': '5CG1' } });
      await store.replaceEnrollment(elsewhere, []);
      await store.updateEnrollment(laptops[1]!.id, { inventory: { 'DevDetail/Ext/Microsoft/SMBIOSSerialNumber': '5CG1', 'DevDetail/Ext/Microsoft/DeviceName': 'SALES-7' } });
      await store.updateEnrollment(laptops[2]!.id, { inventory: { 'DevDetail/SwV': '10.0.26100.2605' } });
      const ids = async (filter: string) => (await store.listEnrollments(tenantId, { top: 10, skip: 0 }, parseFilter(filter))).items.map((e) => e.id);
      assert.deepEqual(await ids("serialNumber eq '5CG1'"), [laptops[1]!.id], "the reported serial, and not another tenant's device");
      assert.deepEqual(await ids("deviceName eq 'sales-7'"), [laptops[1]!.id], 'the reported name wins over the enrolled one, compared as Graph does, without case');
      assert.deepEqual(await ids("startswith(deviceName,'ENROLLED')"), [laptops[0]!.id, laptops[2]!.id]);
      assert.deepEqual(await ids(`azureADDeviceId eq '${laptops[0]!.azureAdDeviceId.toUpperCase()}'`), [laptops[0]!.id]);
      assert.deepEqual(await ids("osVersion eq '10.0.26100.2605'"), [laptops[2]!.id]);
      assert.deepEqual(await ids('enrolledDateTime gt 2030-01-01T12:00:00Z'), [laptops[1]!.id, laptops[2]!.id]);
      assert.equal((await store.listEnrollments(tenantId, { top: 1, skip: 0 }, parseFilter("startswith(deviceName,'ENROLLED')"))).total, 2, 'the count is filtered too');
      assert.deepEqual(await ids("complianceState eq 'unknown'"), laptops.map((e) => e.id), 'a device never evaluated is unknown, read from the compliance table');
      await assert.rejects(() => ids("deviceEnrollmentType eq 'windowsAzureADJoin'"), /deviceEnrollmentType/);

      const ordered = async (orderby: string, skip = 0) =>
        (await store.listEnrollments(tenantId, { top: 2, skip }, undefined, parseQueryOptions({ $orderby: orderby }).orderby)).items.map((e) => e.id);
      assert.deepEqual(await ordered('enrolledDateTime desc'), [laptops[2]!.id, laptops[1]!.id]);
      assert.deepEqual(await ordered('enrolledDateTime desc', 2), [laptops[0]!.id], 'pages follow the order');
      // SALES-7 sorts after ENROLLED-0 and ENROLLED-2, whatever the case.
      assert.deepEqual(await ordered('deviceName desc'), [laptops[1]!.id, laptops[2]!.id]);
      assert.deepEqual(await ordered('deviceName'), [laptops[0]!.id, laptops[2]!.id]);
    });

    test('inventory merges key by key and listing is per tenant, paged', async () => {
      const tenantId = (await import('node:crypto')).randomUUID();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const e = sampleEnrollment({ tenantId, enrolledAt: new Date(Date.UTC(2030, 0, i + 1)).toISOString() });
        ids.push(e.id);
        await store.replaceEnrollment(e, []);
      }
      await store.updateEnrollment(ids[0]!, { inventory: { 'DevInfo/Mod': 'A' } });
      await store.updateEnrollment(ids[0]!, { inventory: { 'DevDetail/SwV': '10.0' }, managementState: 'managed' });
      const first = await store.getEnrollment(ids[0]!);
      assert.deepEqual(first!.inventory, { 'DevInfo/Mod': 'A', 'DevDetail/SwV': '10.0' });
      assert.equal(first!.managementState, 'managed');
      const page = await store.listEnrollments(tenantId, { top: 2, skip: 1 });
      assert.equal(page.total, 3);
      assert.deepEqual(
        page.items.map((i) => i.id),
        ids.slice(1),
      );
    });
  });
}
