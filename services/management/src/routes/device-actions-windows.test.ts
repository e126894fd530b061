import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { GRAPH_RESOURCE } from '@baton/contracts';
import type { BatonApp } from '@baton/kit';
import { parseSyncML, type SyncMLCommand, type SyncMLItemCommand, type SyncMLMessage } from '@baton/protocols';
import type { ManagementDeps } from '../deps.js';
import { runSession } from '../session/engine.js';
import type { Enrollment } from '../store/store.js';
import { openActionsFixture, PRIVILEGED, type ActionsFixture } from '../testing/actions-fixture.js';
import { testBackends } from '../testing/context.js';
import { package1, syncml } from '../testing/device.js';
import type { FakeIdentity } from '../testing/fake-identity.js';

const SERVER = 'https://management.test/ManagementServer/MDM.svc';
const V1 = '/graph/v1.0/deviceManagement/managedDevices';
const BETA = '/graph/beta/deviceManagement/managedDevices';
const HEALTH = './Device/Vendor/MSFT/Defender/Health';
const itemCommands = (m: SyncMLMessage) =>
  m.commands.filter((c): c is SyncMLItemCommand => c.kind === 'Exec' || c.kind === 'Get' || c.kind === 'Replace' || c.kind === 'Delete');

/** What a device's Defender reports, by Health node. */
const HEALTHY: Record<string, string> = {
  ProductStatus: '524288',
  ComputerState: '0',
  DefenderEnabled: 'true',
  RtpEnabled: 'true',
  NisEnabled: 'true',
  QuickScanOverdue: 'false',
  FullScanOverdue: 'true',
  SignatureOutOfDate: 'false',
  RebootRequired: 'false',
  FullScanRequired: 'false',
  EngineVersion: '1.1.24090.11',
  SignatureVersion: '1.421.100.0',
  DefenderVersion: '4.18.24090.11',
  QuickScanTime: '05/04/2026 09:30:00 UTC',
  FullScanTime: '',
  QuickScanSigVersion: '1.421.100.0',
  FullScanSigVersion: '',
  TamperProtectionEnabled: 'true',
  IsVirtualMachine: 'false',
};

for (const backend of testBackends()) {
  describe(`Windows remote actions: Defender, BitLocker, rename (${backend})`, () => {
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

    const post = (url: string, body?: unknown, token = admin) =>
      app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
    const get = async (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${admin}` } });
    const results = async (id: string) =>
      (await get(`${BETA}/${id}`)).json().deviceActionResults.map((r: { actionName: string; actionState: string }) => [r.actionName, r.actionState]);

    /**
     * One session in which the device answers every command: `code` gives each Status, `values`
     * the data of each Get (a node it has no value for is a 404, as Windows answers).
     */
    async function session(e: Enrollment, values: Record<string, string>, code: (cmd: SyncMLItemCommand) => string = () => '200') {
      const sessionId = randomUUID().slice(0, 8);
      const first = await runSession(deps.store, { message: parseSyncML(package1(e.mdmDeviceId, sessionId, '1')), enrollment: e, rawBody: '', serverUrl: SERVER });
      const sent = itemCommands(first.reply);
      const answers: SyncMLCommand[] = [{ kind: 'Status', cmdId: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', data: '200' }];
      let id = 2;
      for (const c of sent) {
        const uri = c.items[0]!.target!;
        const value = c.kind === 'Get' ? values[uri] : undefined;
        answers.push({ kind: 'Status', cmdId: String(id++), msgRef: '1', cmdRef: c.cmdId, cmd: c.kind, data: c.kind === 'Get' ? (value === undefined ? '404' : '200') : code(c) });
        if (value !== undefined) answers.push({ kind: 'Results', cmdId: String(id++), msgRef: '1', cmdRef: c.cmdId, items: [{ source: uri, data: value }] });
      }
      const xml = syncml(e.mdmDeviceId, sessionId, '2', answers);
      await runSession(deps.store, { message: parseSyncML(xml), enrollment: (await deps.store.getEnrollment(e.id))!, rawBody: xml, serverUrl: SERVER });
      return sent;
    }
    const health = (patch: Record<string, string> = {}) =>
      Object.fromEntries(Object.entries({ ...HEALTHY, ...patch }).map(([node, value]) => [`${HEALTH}/${node}`, value]));

    test('windowsDefenderScan: Exec Defender/Scan 1 or 2, then the Health reads; done on 200, and windowsProtectionState shows the report', async () => {
      const e = await managed();
      const never = await get(`${V1}/${e.id}/windowsProtectionState`);
      assert.equal(never.statusCode, 404, 'a device that never reported its Defender health has none');
      assert.equal(never.json().error.code, 'ResourceNotFound');

      assert.equal((await post(`${V1}/${e.id}/windowsDefenderScan`, { quickScan: true })).statusCode, 204);
      const queue = await deps.store.listQueue(e.id);
      assert.deepEqual([queue[0]!.verb, queue[0]!.locUri, queue[0]!.payload], ['Exec', './Device/Vendor/MSFT/Defender/Scan', { format: 'int', data: '1' }]);
      assert.ok(queue.slice(1).every((q) => q.verb === 'Get' && q.locUri.startsWith(`${HEALTH}/`)));
      assert.equal(queue.length, 20);
      assert.deepEqual(await results(e.id), [['windowsDefenderScan', 'pending']]);

      await session(e, health());
      assert.deepEqual(await results(e.id), [['windowsDefenderScan', 'done']]);
      const res = await get(`${V1}/${e.id}/windowsProtectionState`);
      assert.equal(res.statusCode, 200, res.body);
      const state = res.json();
      assert.equal(state['@odata.type'], '#microsoft.graph.windowsProtectionState');
      assert.equal(state.lastQuickScanDateTime, '2026-05-04T09:30:00.000Z');
      assert.equal(state.lastFullScanDateTime, null);
      assert.equal(state.quickScanOverdue, false);
      assert.equal(state.fullScanOverdue, true);
      assert.equal(state.productStatus, 'noStatusFlagsSet');
      assert.equal(state.deviceState, 'clean');
      assert.equal(state.antiMalwareVersion, '4.18.24090.11');
      assert.equal(state.tamperProtectionEnabled, true);
      assert.ok(Date.parse(state.lastReportedDateTime) > Date.parse('2026-01-01'));

      // A full scan asks for 2; the device's flags come back as Graph's flag-enum members.
      assert.equal((await post(`${BETA}/${e.id}/microsoft.graph.windowsDefenderScan`, { quickScan: 'false' })).statusCode, 204);
      await session(e, health({ ProductStatus: String((1 << 5) | (1 << 8)), ComputerState: '3', FullScanTime: '2026-05-05T10:00:00Z' }), (c) => {
        if (c.kind === 'Exec') assert.equal(c.items[0]!.data, '2');
        return '200';
      });
      const after = (await get(`${BETA}/${e.id}/windowsProtectionState`)).json();
      assert.equal(after.productStatus, 'avSignaturesOutOfDate,noFullScanHappenedForSpecifiedPeriod');
      assert.equal(after.deviceState, 'fullScanPending,rebootPending');
      assert.equal(after.lastFullScanDateTime, '2026-05-05T10:00:00.000Z');
    });

    test('windowsDefenderUpdateSignatures: Exec Defender/UpdateSignature; a device refusal fails the action', async () => {
      const e = await managed();
      assert.equal((await post(`${V1}/${e.id}/windowsDefenderUpdateSignatures`)).statusCode, 204);
      const [exec] = await deps.store.listQueue(e.id);
      assert.deepEqual([exec!.verb, exec!.locUri], ['Exec', './Device/Vendor/MSFT/Defender/UpdateSignature']);
      await session(e, health(), () => '500');
      assert.deepEqual(await results(e.id), [['windowsDefenderUpdateSignatures', 'failed']]);
    });

    test('setDeviceName (beta): Replace DevDetail DNSComputerName, then the managed device shows the name the device reports', async () => {
      const e = await managed();
      assert.equal((await post(`${V1}/${e.id}/setDeviceName`, { deviceName: 'KIOSK-07' })).statusCode, 404, 'v1.0 has no setDeviceName');
      assert.equal((await post(`${BETA}/${e.id}/setDeviceName`, { deviceName: 'KIOSK-07' })).statusCode, 204);
      const queue = await deps.store.listQueue(e.id);
      assert.deepEqual(
        queue.map((q) => [q.verb, q.locUri]),
        [
          ['Replace', './DevDetail/Ext/Microsoft/DNSComputerName'],
          ['Get', './DevDetail/Ext/Microsoft/DeviceName'],
        ],
      );
      assert.equal(queue[0]!.payload.data, 'KIOSK-07');
      await session(e, { './DevDetail/Ext/Microsoft/DeviceName': 'KIOSK-07' });
      const md = (await get(`${BETA}/${e.id}`)).json();
      assert.equal(md.deviceName, 'KIOSK-07');
      assert.deepEqual(await results(e.id), [['setDeviceName', 'done']]);
    });

    test('bad bodies are a Graph 400 and queue nothing; readers, other tenants and unknown devices are refused', async () => {
      const e = await managed();
      const bad: Array<[string, unknown]> = [
        ['windowsDefenderScan', { quickScan: 'yes' }],
        ['windowsDefenderScan', [true]],
        ['setDeviceName', {}],
        ['setDeviceName', { deviceName: 'A-NAME-LONGER-THAN-15' }],
        ['setDeviceName', { deviceName: '12345' }],
        ['setDeviceName', { deviceName: 'has space' }],
        ['setDeviceName', { deviceName: 'PC-%SERIAL%' }],
        ['setDeviceName', { deviceName: 42 }],
      ];
      for (const [action, body] of bad) {
        const res = await post(`${BETA}/${e.id}/${action}`, body);
        assert.equal(res.statusCode, 400, `${action} ${JSON.stringify(body)}`);
        assert.equal(res.json().error.code, 'BadRequest');
      }
      const reader = await identity.mint({ aud: GRAPH_RESOURCE, roles: ['DeviceManagementManagedDevices.Read.All'] });
      assert.equal((await post(`${BETA}/${e.id}/rotateBitLockerKeys`, undefined, reader)).statusCode, 403);
      const foreign = await identity.mint({ aud: GRAPH_RESOURCE, tid: randomUUID(), roles: [PRIVILEGED, 'DeviceManagementManagedDevices.Read.All'] });
      assert.equal((await post(`${BETA}/${e.id}/windowsDefenderScan`, { quickScan: true }, foreign)).statusCode, 404);
      const foreignRead = await app.inject({ method: 'GET', url: `${V1}/${e.id}/windowsProtectionState`, headers: { authorization: `Bearer ${foreign}` } });
      assert.equal(foreignRead.statusCode, 404);
      assert.equal((await post(`${BETA}/${randomUUID()}/setDeviceName`, { deviceName: 'PC1' })).statusCode, 404);
      assert.equal((await deps.store.listQueue(e.id)).length, 0);
      assert.deepEqual(await results(e.id), []);
    });

    test('rotateBitLockerKeys (beta): Exec with a request id; active on 202 until the device reports a pass for that request', async () => {
      const e = await managed();
      assert.equal((await post(`${BETA}/${e.id}/rotateBitLockerKeys`)).statusCode, 204);
      const queue = await deps.store.listQueue(e.id);
      assert.deepEqual(
        queue.map((q) => [q.verb, q.locUri]),
        [
          ['Exec', './Device/Vendor/MSFT/BitLocker/RotateRecoveryPasswords'],
          ['Get', './Device/Vendor/MSFT/BitLocker/Status/RotateRecoveryPasswordsStatus'],
          ['Get', './Device/Vendor/MSFT/BitLocker/Status/RotateRecoveryPasswordsRequestID'],
        ],
      );
      const requestId = queue[0]!.payload.data!;
      assert.match(requestId, /^[0-9a-f-]{36}$/);
      // Accepted, but the device still reports an earlier request: not done yet.
      await session(
        e,
        {
          './Device/Vendor/MSFT/BitLocker/Status/RotateRecoveryPasswordsStatus': '0',
          './Device/Vendor/MSFT/BitLocker/Status/RotateRecoveryPasswordsRequestID': 'an-earlier-request',
        },
        () => '202',
      );
      assert.deepEqual(await results(e.id), [['rotateBitLockerKeys', 'active']]);

      assert.equal((await post(`${BETA}/${e.id}/rotateBitLockerKeys`)).statusCode, 204);
      const second = (await deps.store.listQueue(e.id)).at(-3)!.payload.data!;
      assert.notEqual(second, requestId);
      await session(
        e,
        {
          './Device/Vendor/MSFT/BitLocker/Status/RotateRecoveryPasswordsStatus': '-2144272383',
          './Device/Vendor/MSFT/BitLocker/Status/RotateRecoveryPasswordsRequestID': second,
        },
        () => '202',
      );
      assert.deepEqual(await results(e.id), [['rotateBitLockerKeys', 'failed']], 'a failure HRESULT for this request fails it');

      assert.equal((await post(`${BETA}/${e.id}/rotateBitLockerKeys`)).statusCode, 204);
      const third = (await deps.store.listQueue(e.id)).at(-3)!.payload.data!;
      await session(
        e,
        {
          './Device/Vendor/MSFT/BitLocker/Status/RotateRecoveryPasswordsStatus': '0',
          './Device/Vendor/MSFT/BitLocker/Status/RotateRecoveryPasswordsRequestID': third,
        },
        () => '202',
      );
      assert.deepEqual(await results(e.id), [['rotateBitLockerKeys', 'done']]);
    });

    test('bulk executeAction carries out quickScan, fullScan, signatureUpdate and setDeviceName', async () => {
      const [a, b] = [await managed(), await managed()];
      const bulk = (body: unknown) => post(`${BETA}/executeAction`, body);
      const quick = await bulk({ actionName: 'quickScan', deviceIds: [a.id, randomUUID()] });
      assert.equal(quick.statusCode, 200, quick.body);
      assert.deepEqual(quick.json().successfulDeviceIds, [a.id]);
      assert.equal(quick.json().notFoundDeviceIds.length, 1);
      assert.deepEqual((await deps.store.listQueue(a.id))[0]!.payload, { format: 'int', data: '1' });
      await bulk({ actionName: 'fullScan', deviceIds: [b.id] });
      assert.deepEqual((await deps.store.listQueue(b.id))[0]!.payload, { format: 'int', data: '2' });
      await bulk({ actionName: 'signatureUpdate', deviceIds: [b.id] });
      const renamed = await bulk({ actionName: 'setDeviceName', deviceName: 'LAB-PC', deviceIds: [a.id] });
      assert.deepEqual(renamed.json().successfulDeviceIds, [a.id]);
      assert.deepEqual(await results(b.id), [
        ['windowsDefenderScan', 'pending'],
        ['windowsDefenderUpdateSignatures', 'pending'],
      ]);
      const before = (await deps.store.listQueue(a.id)).length;
      const refused = await bulk({ actionName: 'setDeviceName', deviceName: '1234', deviceIds: [a.id] });
      assert.equal(refused.statusCode, 400);
      assert.equal((await deps.store.listQueue(a.id)).length, before);
    });
  });
}
