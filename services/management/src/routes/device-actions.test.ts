import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { GRAPH_RESOURCE, ROLES } from '@baton/contracts';
import type { BatonApp } from '@baton/kit';
import { parseSyncML, type SyncMLCommand, type SyncMLItemCommand, type SyncMLMessage } from '@baton/protocols';
import { FACT } from '../compliance/facts.js';
import { defaultSettings } from '../compliance/policy.js';
import type { ManagementDeps } from '../deps.js';
import { PROVIDER_ID } from '../enrollment/enroll.js';
import { authenticateDevice } from '../session/authenticate.js';
import { runSession } from '../session/engine.js';
import type { Enrollment } from '../store/store.js';
import { openActionsFixture, PRIVILEGED, type ActionsFixture } from '../testing/actions-fixture.js';
import { testBackends } from '../testing/context.js';
import { package1, syncml } from '../testing/device.js';
import type { FakeIdentity } from '../testing/fake-identity.js';
import { sampleEnrollment } from '../testing/store.js';
import { TARGET_TYPES } from '../targeting/targets.js';

const SERVER = 'https://management.test/ManagementServer/MDM.svc';
const BASE = '/graph/v1.0/deviceManagement/managedDevices';
const actionsOf = (m: SyncMLMessage) => m.commands.filter((c): c is SyncMLItemCommand => c.kind === 'Exec' || c.kind === 'Delete');

for (const backend of testBackends()) {
  describe(`managed-device actions (${backend})`, () => {
    let fixture: ActionsFixture;
    let identity: FakeIdentity;
    let app: BatonApp;
    let deps: ManagementDeps;
    let admin: string;
    const managed = () => fixture.managed();

    before(async () => {
      fixture = await openActionsFixture(backend);
      ({ identity, app, deps, admin } = fixture);
    });
    after(() => fixture.close());

    const post = (id: string, action: string, body?: unknown, token = admin) =>
      app.inject({
        method: 'POST',
        url: `${BASE}/${id}/${action}`,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
    const get = async (id: string) => {
      const res = await app.inject({ method: 'GET', url: `${BASE}/${id}`, headers: { authorization: `Bearer ${admin}` } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };

    /** One client-initiated session: package 1, then the device answers every command with `code`. */
    async function session(e: Enrollment, sessionId: string, code: (cmd: SyncMLItemCommand) => string = () => '200') {
      const first = await runSession(deps.store, { message: parseSyncML(package1(e.mdmDeviceId, sessionId, '1')), enrollment: e, rawBody: '', serverUrl: SERVER });
      const sent = actionsOf(first.reply);
      if (sent.length === 0) return { sent, outcome: first };
      const answers: SyncMLCommand[] = [{ kind: 'Status', cmdId: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', data: '200' }];
      sent.forEach((c, i) => answers.push({ kind: 'Status', cmdId: String(i + 2), msgRef: '1', cmdRef: c.cmdId, cmd: c.kind, data: code(c) }));
      const xml = syncml(e.mdmDeviceId, sessionId, '2', answers);
      const outcome = await runSession(deps.store, { message: parseSyncML(xml), enrollment: e, rawBody: xml, serverUrl: SERVER });
      return { sent, outcome };
    }

    test('wipe variants queue one Exec on the RemoteWipe node their flags select', async () => {
      const cases: Array<[unknown, string]> = [
        [{ keepEnrollmentData: false, keepUserData: false }, 'doWipe'],
        [{ keepEnrollmentData: true, keepUserData: false, macOsUnlockCode: '123456', persistEsimDataPlan: true }, 'doWipePersistProvisionedData'],
        [{ keepEnrollmentData: 'true', keepUserData: 'true' }, 'doWipePersistUserData'],
        [{ useProtectedWipe: true }, 'doWipeProtected'],
        [undefined, 'doWipe'],
      ];
      for (const [body, node] of cases) {
        const e = await managed();
        const res = await post(e.id, 'wipe', body);
        assert.equal(res.statusCode, 204, res.body);
        const queue = await deps.store.listQueue(e.id);
        assert.deepEqual(
          queue.map((q) => [q.verb, q.locUri, q.status]),
          [['Exec', `./Device/Vendor/MSFT/RemoteWipe/${node}`, 'queued']],
          JSON.stringify(body),
        );
        const md = await get(e.id);
        assert.equal(md.managementState, 'wipePending');
        assert.deepEqual(
          md.deviceActionResults.map((r: { actionName: string; actionState: string }) => [r.actionName, r.actionState]),
          [['wipe', 'pending']],
        );
      }
    });

    test('bad wipe bodies are 400 and queue nothing', async () => {
      const e = await managed();
      for (const body of [{ keepUserData: 'yes' }, { useProtectedWipe: true, keepEnrollmentData: true }, [1]]) {
        const res = await post(e.id, 'wipe', body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.equal(res.json().error.code, 'BadRequest');
      }
      assert.equal((await deps.store.listQueue(e.id)).length, 0);
      assert.equal((await get(e.id)).managementState, 'managed');
    });

    test('roles and tenants: readers cannot act, another tenant gets 404, ReadWrite.All may act', async () => {
      const e = await managed();
      const reader = await identity.mint({ aud: GRAPH_RESOURCE, roles: ['DeviceManagementManagedDevices.Read.All'] });
      assert.equal((await post(e.id, 'retire', undefined, reader)).statusCode, 403);
      const foreignAdmin = await identity.mint({ aud: GRAPH_RESOURCE, tid: randomUUID(), roles: [PRIVILEGED] });
      const cross = await post(e.id, 'wipe', {}, foreignAdmin);
      assert.equal(cross.statusCode, 404);
      assert.equal(cross.json().error.code, 'ResourceNotFound');
      const crossDelete = await app.inject({ method: 'DELETE', url: `${BASE}/${e.id}`, headers: { authorization: `Bearer ${foreignAdmin}` } });
      assert.equal(crossDelete.statusCode, 404);
      assert.equal((await post(randomUUID(), 'rebootNow')).statusCode, 404);
      assert.equal((await post('not-a-guid', 'rebootNow')).statusCode, 404);
      assert.equal((await deps.store.listQueue(e.id)).length, 0);
      const readWrite = await identity.mint({ aud: GRAPH_RESOURCE, roles: [ROLES.managedDevicesReadWrite] });
      assert.equal((await post(e.id, 'microsoft.graph.rebootNow', undefined, readWrite)).statusCode, 204);
      assert.equal((await deps.store.listQueue(e.id)).length, 1);
    });

    test('bulk executeAction: each device of the tenant acted on alone, the others sorted out as Graph answers', async () => {
      const mine = [await managed(), await managed(), await managed()];
      const foreign = sampleEnrollment({ tenantId: randomUUID(), managementState: 'managed' });
      await deps.store.replaceEnrollment(foreign, []);
      const bulk = (body: unknown, token = admin) =>
        app.inject({
          method: 'POST',
          url: '/graph/beta/deviceManagement/managedDevices/executeAction',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
      const missing = randomUUID();
      const wiped = await bulk({ actionName: 'wipe', keepEnrollmentData: true, keepUserData: false, deviceIds: [mine[0]!.id, mine[1]!.id, foreign.id, missing, 'not-a-guid'] });
      assert.equal(wiped.statusCode, 200, wiped.body);
      assert.deepEqual(
        { ...(wiped.json() as Record<string, unknown>), '@odata.context': undefined },
        { '@odata.context': undefined, successfulDeviceIds: [mine[0]!.id, mine[1]!.id], failedDeviceIds: [], notFoundDeviceIds: [foreign.id, missing, 'not-a-guid'], notSupportedDeviceIds: [] },
      );
      // An Autopilot reset on each selected device, nothing on the other tenant's.
      for (const e of mine.slice(0, 2)) {
        assert.equal((await get(e.id)).managementState, 'wipePending');
        const [queued] = await deps.store.listQueue(e.id);
        assert.match(JSON.stringify(queued), /doWipePersistProvisionedData/);
      }
      assert.equal((await deps.store.listQueue(mine[2]!.id)).length, 0);
      assert.equal((await deps.store.listQueue(foreign.id)).length, 0);

      // An action Graph knows but a Windows MDM client is not given here: not supported, per device.
      const scan = await bulk({ actionName: 'customTextNotification', deviceIds: [mine[2]!.id] });
      assert.deepEqual(scan.json().notSupportedDeviceIds, [mine[2]!.id]);
      assert.equal((await deps.store.listQueue(mine[2]!.id)).length, 0);

      const deleted = await bulk({ actionName: 'delete', deviceIds: [mine[2]!.id] });
      assert.deepEqual(deleted.json().successfulDeviceIds, [mine[2]!.id]);
      assert.equal((await app.inject({ method: 'GET', url: `${BASE}/${mine[2]!.id}`, headers: { authorization: `Bearer ${admin}` } })).statusCode, 404);

      // Refused whole, nothing queued: an unknown action, a bad wipe body, no ids, a reader.
      const before = (await deps.store.listQueue(mine[0]!.id)).length;
      for (const body of [
        { actionName: 'selfDestruct', deviceIds: [mine[0]!.id] },
        { actionName: 'wipe', useProtectedWipe: true, keepUserData: true, deviceIds: [mine[0]!.id] },
        { actionName: 'retire', deviceIds: [] },
        { actionName: 'retire', deviceIds: [7] },
        [],
      ]) {
        const res = await bulk(body);
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
        assert.equal(res.json().error.code, 'BadRequest');
      }
      const reader = await identity.mint({ aud: GRAPH_RESOURCE, roles: ['DeviceManagementManagedDevices.Read.All'] });
      assert.equal((await bulk({ actionName: 'retire', deviceIds: [mine[0]!.id] }, reader)).statusCode, 403);
      assert.equal((await deps.store.listQueue(mine[0]!.id)).length, before);
    });

    test('wipe with keepEnrollmentData: pending → active while sent → done and wipeIssued on the device 200', async () => {
      const e = await managed();
      assert.equal((await post(e.id, 'wipe', { keepEnrollmentData: true, keepUserData: false })).statusCode, 204);
      const first = await runSession(deps.store, { message: parseSyncML(package1(e.mdmDeviceId, '2', '1')), enrollment: e, rawBody: '', serverUrl: SERVER });
      assert.deepEqual(
        actionsOf(first.reply).map((c) => [c.kind, c.items[0]!.target]),
        [['Exec', './Device/Vendor/MSFT/RemoteWipe/doWipePersistProvisionedData']],
      );
      const inFlight = await get(e.id);
      assert.equal(inFlight.deviceActionResults[0].actionState, 'active');
      assert.equal(inFlight.managementState, 'wipePending');

      const cmd = actionsOf(first.reply)[0]!;
      const xml = syncml(e.mdmDeviceId, '2', '2', [
        { kind: 'Status', cmdId: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', data: '200' },
        { kind: 'Status', cmdId: '2', msgRef: '1', cmdRef: cmd.cmdId, cmd: 'Exec', data: '200' },
      ]);
      const done = await runSession(deps.store, { message: parseSyncML(xml), enrollment: e, rawBody: xml, serverUrl: SERVER });
      assert.equal(done.complete, true);
      assert.equal(done.state, 'wipeIssued');
      const md = await get(e.id);
      assert.equal(md.managementState, 'wipeIssued');
      const [result] = md.deviceActionResults;
      assert.equal(result.actionName, 'wipe');
      assert.equal(result.actionState, 'done');
      assert.ok(result.lastUpdatedDateTime >= result.startDateTime);
      assert.deepEqual((await deps.store.listQueue(e.id)).map((q) => [q.status, q.statusCode]), [['acknowledged', '200']]);
    });

    test('a wipe the device refuses is failed with its code and wipeFailed', async () => {
      const e = await managed();
      await post(e.id, 'wipe', {});
      const { outcome } = await session(e, '3', () => '500');
      assert.equal(outcome.state, 'wipeFailed');
      const md = await get(e.id);
      assert.equal(md.managementState, 'wipeFailed');
      assert.equal(md.deviceActionResults[0].actionState, 'failed');
      assert.deepEqual((await deps.store.listQueue(e.id)).map((q) => [q.status, q.statusCode]), [['failed', '500']]);
    });

    test('retire deletes the DMClient provider, becomes retireIssued, and the device is then refused', async () => {
      const e = await managed();
      assert.equal((await post(e.id, 'retire')).statusCode, 204);
      assert.equal((await get(e.id)).managementState, 'retirePending');
      const { sent, outcome } = await session(e, '4');
      assert.deepEqual(
        sent.map((c) => [c.kind, c.items[0]!.target]),
        [['Delete', `./Device/Vendor/MSFT/DMClient/Provider/${PROVIDER_ID}`]],
      );
      assert.equal(outcome.state, 'retireIssued');
      const md = await get(e.id);
      assert.equal(md.managementState, 'retireIssued');
      assert.deepEqual(
        md.deviceActionResults.map((r: { actionName: string; actionState: string }) => [r.actionName, r.actionState]),
        [['retire', 'done']],
      );
      const authority = await deps.authority();
      const auth = await authenticateDevice(
        { store: deps.store, caCertPem: authority.certPem, secrets: deps.secrets },
        parseSyncML(package1(e.mdmDeviceId, '5', '1')),
        undefined,
      );
      assert.equal(auth.ok, false);
    });

    test('rebootNow queues Exec Reboot/RebootNow and leaves the management state alone', async () => {
      const e = await managed();
      assert.equal((await post(e.id, 'rebootNow')).statusCode, 204);
      const { sent, outcome } = await session(e, '6');
      assert.deepEqual(
        sent.map((c) => [c.kind, c.items[0]!.target]),
        [['Exec', './Device/Vendor/MSFT/Reboot/RebootNow']],
      );
      assert.equal(outcome.state, 'managed');
      const md = await get(e.id);
      assert.equal(md.managementState, 'managed');
      assert.equal(md.deviceActionResults[0].actionState, 'done');
    });

    test('syncDevice queues nothing and is done once the device completes its next session', async () => {
      const e = await managed();
      assert.equal((await post(e.id, 'syncDevice')).statusCode, 204);
      assert.equal((await deps.store.listQueue(e.id)).length, 0);
      assert.deepEqual(
        (await get(e.id)).deviceActionResults.map((r: { actionName: string; actionState: string }) => [r.actionName, r.actionState]),
        [['syncDevice', 'pending']],
      );
      const { outcome } = await session(e, '7');
      assert.equal(outcome.complete, true);
      const [result] = (await get(e.id)).deviceActionResults;
      assert.equal(result.actionState, 'done');
      assert.ok(result.lastUpdatedDateTime >= result.startDateTime);
    });

    test('DELETE removes the record and its queue; the device is then unknown', async () => {
      const e = await managed();
      await post(e.id, 'rebootNow');
      const res = await app.inject({ method: 'DELETE', url: `/graph/beta/deviceManagement/managedDevices/${e.id}`, headers: { authorization: `Bearer ${admin}` } });
      assert.equal(res.statusCode, 204);
      const gone = await app.inject({ method: 'GET', url: `${BASE}/${e.id}`, headers: { authorization: `Bearer ${admin}` } });
      assert.equal(gone.statusCode, 404);
      assert.equal((await deps.store.listQueue(e.id)).length, 0);
      assert.equal(await deps.store.getEnrollmentByThumbprint(e.certThumbprint), undefined);
      const again = await app.inject({ method: 'DELETE', url: `${BASE}/${e.id}`, headers: { authorization: `Bearer ${admin}` } });
      assert.equal(again.statusCode, 404);
      // A session already past authentication finds nothing and gets 401.
      const late = await runSession(deps.store, { message: parseSyncML(package1(e.mdmDeviceId, '8', '1')), enrollment: e, rawBody: '', serverUrl: SERVER });
      assert.equal(late.reply.commands[0]!.kind === 'Status' && late.reply.commands[0]!.data, '401');
    });

    test('the list shows each device its own action results, and $select can leave them out', async () => {
      const a = await managed();
      const b = await managed();
      await post(a.id, 'rebootNow');
      await post(b.id, 'retire');
      const res = await app.inject({ method: 'GET', url: `${BASE}?$top=1000`, headers: { authorization: `Bearer ${admin}` } });
      const byId = new Map(res.json().value.map((d: { id: string }) => [d.id, d]));
      const names = (d: any) => d.deviceActionResults.map((r: { actionName: string }) => r.actionName);
      assert.deepEqual(names(byId.get(a.id)), ['rebootNow']);
      assert.deepEqual(names(byId.get(b.id)), ['retire']);
      const slim = await app.inject({ method: 'GET', url: `${BASE}?$top=1&$select=id,managementState`, headers: { authorization: `Bearer ${admin}` } });
      assert.deepEqual(Object.keys(slim.json().value[0]).sort(), ['id', 'managementState']);
    });

    test("scripts find a device by serial number with $filter, as on Graph; a property it cannot filter on is a 400", async () => {
      const wanted = await managed();
      await managed();
      await deps.store.updateEnrollment(wanted.id, { inventory: { 'DevDetail/Ext/Microsoft/SMBIOSSerialNumber': '5CG4B4HZSZ', 'DevInfo/Mod': 'Latitude 7440', 'DevInfo/Man': 'Dell Inc.' } });
      const list = (query: string) => app.inject({ method: 'GET', url: `/graph/beta/deviceManagement/managedDevices?${query}`, headers: { authorization: `Bearer ${admin}` } });
      const found = await list(`$filter=${encodeURIComponent("serialNumber eq '5CG4B4HZSZ'")}&$count=true`);
      assert.equal(found.statusCode, 200, found.body);
      assert.deepEqual(found.json().value.map((d: { id: string; serialNumber: string }) => [d.id, d.serialNumber]), [[wanted.id, '5CG4B4HZSZ']]);
      assert.equal(found.json()['@odata.count'], 1);
      const counted = await app.inject({ method: 'GET', url: `${BASE}/$count?$filter=${encodeURIComponent("serialNumber eq '5CG4B4HZSZ'")}`, headers: { authorization: `Bearer ${admin}` } });
      assert.deepEqual([counted.statusCode, counted.body], [200, '1'], 'the $count segment counts what the filter selects');
      const refusedCount = await app.inject({ method: 'GET', url: `${BASE}/$count?$top=1`, headers: { authorization: `Bearer ${admin}` } });
      assert.equal(refusedCount.statusCode, 400);
      // Model and manufacturer as the device reported them, as the JSON shows them.
      const byModel = await list(`$filter=${encodeURIComponent("startswith(model,'Latitude') and manufacturer eq 'dell inc.'")}&$select=id,model,manufacturer`);
      assert.equal(byModel.statusCode, 200, byModel.body);
      assert.deepEqual(byModel.json().value, [{ id: wanted.id, model: 'Latitude 7440', manufacturer: 'Dell Inc.' }]);
      // Intune's reference does not list deviceEnrollmentType as filterable (Graph ignores it); Baton says so.
      for (const filter of ["deviceEnrollmentType eq 'windowsAzureADJoin'", "serialNumber eq '", 'serialNumber eq 5 and']) {
        const refused = await list(`$filter=${encodeURIComponent(filter)}`);
        assert.equal(refused.statusCode, 400, `${filter}: ${refused.body}`);
        assert.equal(refused.json().error.code, 'BadRequest');
      }
    });

    test('an administrator lists the noncompliant Windows devices with $filter, counts them, and narrows by management state', async () => {
      // A tenant of its own, so that counts are this test's devices only.
      const tenantId = randomUUID();
      const token = await identity.mint({ aud: GRAPH_RESOURCE, tid: tenantId, roles: [PRIVILEGED, 'DeviceManagementManagedDevices.Read.All'] });
      const enroll = async (day: number, managementState: Enrollment['managementState'] = 'managed') => {
        const e = sampleEnrollment({
          tenantId,
          managementState,
          enrolledAt: `2026-02-0${day}T09:00:00.000Z`,
          lastSyncAt: '2026-02-10T09:00:00.000Z',
          inventory: { 'DevDetail/Ext/Microsoft/SMBIOSSerialNumber': `5CG${day}` },
        });
        await deps.store.replaceEnrollment(e, []);
        return e;
      };
      // Enrolled in this order, so that an $orderby that has no effect shows.
      const silent = await enroll(1);
      const healthy = await enroll(2);
      const unlocked = await enroll(3);
      const stolen = await enroll(4);
      const newcomer = await enroll(5, 'enrolling');

      // BitLocker required, blocked at once; three devices report, two never have.
      const policyId = randomUUID();
      const now = new Date().toISOString();
      await deps.complianceStore.insertPolicy({
        id: policyId,
        tenantId,
        displayName: 'BitLocker',
        description: null,
        createdAt: now,
        modifiedAt: now,
        version: 1,
        settings: { ...defaultSettings(), bitLockerEnabled: true },
        scheduledActions: [{ id: randomUUID(), ruleName: null, scheduledActionConfigurations: [{ id: randomUUID(), actionType: 'block', gracePeriodHours: 0, notificationTemplateId: '', notificationMessageCCList: [] }] }],
      });
      await deps.complianceStore.addAssignment(tenantId, { id: randomUUID(), policyId, target: { '@odata.type': TARGET_TYPES.allDevices } });
      await deps.compliance.factsReported(healthy, { [FACT.encryption]: '1' }, now);
      await deps.compliance.factsReported(unlocked, { [FACT.encryption]: '0' }, now);
      await deps.compliance.factsReported(stolen, { [FACT.encryption]: '0' }, now);

      const list = async (filter: string, more = '') => {
        const res = await app.inject({
          method: 'GET',
          url: `/graph/beta/deviceManagement/managedDevices?$filter=${encodeURIComponent(filter)}&$count=true${more}`,
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(res.statusCode, 200, `${filter}: ${res.body}`);
        const body = res.json();
        const devices = body.value as Array<{ id: string; complianceState: string; managementState: string }>;
        assert.equal(body['@odata.count'], devices.length, `${filter}: $count counts what the filter finds`);
        return devices;
      };
      const ids = (devices: Array<{ id: string }>) => devices.map((d) => d.id);

      const noncompliant = await list("complianceState eq 'noncompliant'");
      assert.deepEqual(ids(noncompliant), [unlocked.id, stolen.id]);
      assert.ok(noncompliant.every((d) => d.complianceState === 'noncompliant'), 'the JSON says what the filter found');
      assert.deepEqual(ids(await list("complianceState eq 'unknown'")), [silent.id, newcomer.id], 'a device never evaluated is unknown');
      assert.deepEqual(ids(await list("complianceState ne 'noncompliant'")), [silent.id, healthy.id, newcomer.id]);
      assert.deepEqual(ids(await list("complianceState eq 'Compliant'")), [healthy.id], 'enum values are read ignoring case, as on Graph');

      // 'in', as administrators' scripts write it, is an or of eq's: enum members ignore case, serial numbers do not.
      assert.deepEqual(ids(await list("complianceState in ('noncompliant','unknown')")), [silent.id, unlocked.id, stolen.id, newcomer.id]);
      assert.deepEqual(ids(await list("complianceState in ('COMPLIANT')")), [healthy.id]);
      assert.deepEqual(ids(await list("not (complianceState in ('noncompliant','unknown'))")), [healthy.id]);
      assert.deepEqual(ids(await list("serialNumber in ('5CG2','5CG4','5cg5','5CG9')")), [healthy.id, stolen.id]);
      assert.deepEqual(ids(await list("serialNumber in ('5CG1','5CG3') and complianceState in ('noncompliant')")), [unlocked.id]);

      const all = [silent.id, healthy.id, unlocked.id, stolen.id, newcomer.id];
      assert.deepEqual(ids(await list("operatingSystem eq 'Windows'")), all);
      assert.deepEqual(ids(await list("operatingSystem eq 'iOS'")), []);
      assert.deepEqual(ids(await list("managementAgent eq 'mdm'")), all);
      assert.deepEqual(ids(await list("operatingSystem eq 'Windows'", '&$orderby=complianceState desc')), [unlocked.id, stolen.id, healthy.id, silent.id, newcomer.id]);

      assert.equal((await post(stolen.id, 'retire', undefined, token)).statusCode, 204);
      const retiring = await list("managementState eq 'retirePending'");
      assert.deepEqual(ids(retiring), [stolen.id]);
      assert.equal(retiring[0]!.managementState, 'retirePending');
      assert.deepEqual(ids(await list("complianceState eq 'noncompliant' and managementState eq 'managed'")), [unlocked.id], 'what is left to chase');
      assert.deepEqual(
        ids(await list("operatingSystem eq 'Windows' and (complianceState eq 'noncompliant' or complianceState eq 'unknown') and not (managementState eq 'retirePending')")),
        [silent.id, unlocked.id, newcomer.id],
      );
      assert.deepEqual(ids(await list("managementState eq 'discovered'")), [newcomer.id], 'a device still enrolling is discovered, as its JSON says');
      assert.deepEqual(ids(await list("managementState eq 'unhealthy'")), [], "a Graph value Baton never shows finds nothing, and is no error");

      const sixteen = `serialNumber in (${Array.from({ length: 16 }, (_, i) => `'5CG${i}'`).join(',')})`;
      for (const filter of [
        "complianceState eq 'bogus'",
        "complianceState in ('noncompliant','bogus')",
        "managementState eq 'enrolling'",
        "managementState in ('enrolling')",
        "complianceState gt 'compliant'",
        "startswith(complianceState,'non')",
        "complianceState in ('noncompliant', 1)",
        "deviceEnrollmentType in ('windowsAzureADJoin')",
        sixteen,
      ]) {
        const res = await app.inject({ method: 'GET', url: `/graph/beta/deviceManagement/managedDevices?$filter=${encodeURIComponent(filter)}`, headers: { authorization: `Bearer ${token}` } });
        assert.equal(res.statusCode, 400, `${filter}: ${res.body}`);
        assert.equal(res.json().error.code, 'BadRequest');
      }
    });
  });
}
