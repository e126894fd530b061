import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AAD_USER_TOKEN_ALERT_TYPE, buildSyncML, parseSyncML, type SyncMLCommand, type SyncMLMessage, type SyncMLResults, type SyncMLStatus } from '@baton/protocols';
import { CspTree } from '../csp-tree.js';
import { randomInventory } from '../inventory.js';
import { fakeHttp } from '../testing/fake-fetch.js';
import { buildPackage1, firstSync } from './omadm.js';

const ADDR = 'https://mdm.example/ManagementServer/MDM.svc';
const DEVICE_ID = '0123456789ABCDEF0123456789ABCDEF';
const inv = randomInventory('omadm', 0);
const input = () => ({ managementUrl: ADDR, deviceId: DEVICE_ID, tree: new CspTree(inv, { deviceId: DEVICE_ID, deviceName: 'DEMO-PC1' }) });

function serverMessage(request: SyncMLMessage, commands: SyncMLCommand[], headerStatus = '200'): string {
  return buildSyncML({
    header: { verDTD: '1.2', verProto: 'DM/1.2', sessionId: request.header.sessionId, msgId: request.header.msgId, target: request.header.source, source: ADDR },
    commands: [{ kind: 'Status', cmdId: '1', msgRef: request.header.msgId, cmdRef: '0', cmd: 'SyncHdr', data: headerStatus }, ...commands],
    final: true,
  });
}

const syncml = (body: string) => ({ contentType: 'application/vnd.syncml.dm+xml', body });

test('package 1, then Status and Results for each server command, until the server only sends Statuses', async () => {
  const received: SyncMLMessage[] = [];
  const http = fakeHttp((req) => {
    assert.equal(req.url, ADDR);
    assert.equal(req.headers['content-type'], 'application/vnd.syncml.dm+xml');
    const msg = parseSyncML(req.body);
    received.push(msg);
    if (received.length === 1) {
      return syncml(
        serverMessage(msg, [
          { kind: 'Status', cmdId: '2', msgRef: '1', cmdRef: '1', cmd: 'Alert', data: '200' },
          { kind: 'Status', cmdId: '3', msgRef: '1', cmdRef: '2', cmd: 'Replace', data: '200' },
          { kind: 'Get', cmdId: '4', items: [{ target: './DevDetail/SwV' }] },
          { kind: 'Get', cmdId: '5', items: [{ target: './DevDetail/Ext/Microsoft/DeviceName' }] },
          { kind: 'Get', cmdId: '6', items: [{ target: './Vendor/MSFT/NoSuchCsp/Node' }] },
          { kind: 'Replace', cmdId: '7', items: [{ target: './Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera', meta: { format: 'int' }, data: '0' }] },
        ]),
      );
    }
    return syncml(serverMessage(msg, []));
  });
  const facts = await firstSync(http, input());

  const [p1, p2] = received;
  assert.equal(received.length, 2);
  assert.equal(facts.messagesSent, 2);
  assert.deepEqual(
    { ...p1!.header },
    { verDTD: '1.2', verProto: 'DM/1.2', sessionId: '1', msgId: '1', target: ADDR, source: DEVICE_ID },
  );
  assert.equal(p1!.final, true);
  assert.deepEqual(p1!.commands[0], { kind: 'Alert', cmdId: '1', data: '1201', items: [] });
  const replace = p1!.commands[1]!;
  assert.equal(replace.kind, 'Replace');
  assert.deepEqual(
    (replace as { items: Array<{ source?: string; data?: string }> }).items.map((i) => [i.source, i.data]),
    [
      ['./DevInfo/DevId', DEVICE_ID],
      ['./DevInfo/Man', inv.manufacturer],
      ['./DevInfo/Mod', inv.model],
      ['./DevInfo/DmV', '1.3'],
      ['./DevInfo/Lang', 'en-US'],
    ],
  );

  assert.equal(p2!.header.msgId, '2');
  assert.equal(p2!.header.sessionId, '1');
  const statuses = p2!.commands.filter((c): c is SyncMLStatus => c.kind === 'Status');
  assert.deepEqual(
    statuses.map((s) => [s.cmdRef, s.cmd, s.data, s.msgRef]),
    [
      ['0', 'SyncHdr', '200', '1'],
      ['4', 'Get', '200', '1'],
      ['5', 'Get', '200', '1'],
      ['6', 'Get', '404', '1'],
      ['7', 'Replace', '200', '1'],
    ],
  );
  const results = p2!.commands.filter((c): c is SyncMLResults => c.kind === 'Results');
  assert.deepEqual(
    results.map((r) => [r.cmdRef, r.items[0]!.source, r.items[0]!.data]),
    [
      ['4', './DevDetail/SwV', inv.osBuild],
      ['5', './DevDetail/Ext/Microsoft/DeviceName', 'DEMO-PC1'],
    ],
  );
  const ids = p2!.commands.map((c) => c.cmdId);
  assert.equal(new Set(ids).size, ids.length, 'CmdIDs are unique within a message');
  assert.deepEqual(facts.commands.map((c) => c.status), ['200', '200', '404', '200']);
});

test('a refused SyncHdr ends the session with the SyncML status as the error code', async () => {
  const http = fakeHttp((req) => syncml(serverMessage(parseSyncML(req.body), [], '401')));
  await assert.rejects(firstSync(http, input()), (err: any) => err.service === 'management' && err.code === '401');
});

test('a server that never stops is cut off after the message cap', async () => {
  const http = fakeHttp((req) => syncml(serverMessage(parseSyncML(req.body), [{ kind: 'Get', cmdId: '2', items: [{ target: './DevInfo/Man' }] }])));
  await assert.rejects(firstSync(http, { ...input(), maxMessages: 20 }), (err: any) => err.code === 'session_too_long');
  assert.equal(http.requests.length, 20);
});

test('an unreadable answer and an HTTP error are reported as management failures', async () => {
  await assert.rejects(firstSync(fakeHttp(() => syncml('<html>oops</html>')), input()), (err: any) => err.service === 'management' && err.code === 'invalid_syncml');
  await assert.rejects(firstSync(fakeHttp(() => ({ status: 400, body: '' })), input()), (err: any) => err.code === 'http_400' && err.status === 400);
});

test('Atomic gets a Status for itself and each child; a failing child fails the Atomic and rolls the others back', async () => {
  let second: SyncMLMessage | undefined;
  const device = input();
  const http = fakeHttp((req) => {
    const msg = parseSyncML(req.body);
    if (msg.header.msgId === '2') second = msg;
    if (msg.header.msgId !== '1') return syncml(serverMessage(msg, []));
    return syncml(
      serverMessage(msg, [
        {
          kind: 'Atomic',
          cmdId: '2',
          commands: [
            { kind: 'Replace', cmdId: '3', items: [{ target: './Vendor/MSFT/Policy/Config/A/B', data: '1' }] },
            { kind: 'Replace', cmdId: '4', items: [{ target: './DevDetail/SwV', data: 'hack' }] },
          ],
        },
      ]),
    );
  });
  await firstSync(http, device);
  const statuses = second!.commands.filter((c): c is SyncMLStatus => c.kind === 'Status').map((s) => [s.cmdRef, s.cmd, s.data]);
  assert.deepEqual(statuses, [
    ['0', 'SyncHdr', '200'],
    ['2', 'Atomic', '507'],
    ['3', 'Replace', '216'],
    ['4', 'Replace', '405'],
  ]);
  assert.equal(device.tree.get('./Vendor/MSFT/Policy/Config/A/B'), undefined, 'the rolled-back child left nothing behind');
});

test('a baseline Atomic applied whole changes the security posture; one with a failing CSP changes nothing', async () => {
  const baseline = (cmdId: number, fail: boolean): SyncMLCommand => ({
    kind: 'Atomic',
    cmdId: String(cmdId),
    commands: [
      { kind: 'Replace', cmdId: String(cmdId + 1), items: [{ target: './Device/Vendor/MSFT/BitLocker/RequireDeviceEncryption', meta: { format: 'int' }, data: '1' }] },
      { kind: 'Replace', cmdId: String(cmdId + 2), items: [{ target: './Vendor/MSFT/Firewall/MdmStore/PublicProfile/EnableFirewall', meta: { format: 'bool' }, data: 'true' }] },
      { kind: 'Replace', cmdId: String(cmdId + 3), items: [{ target: './Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring', meta: { format: 'int' }, data: fail ? 'yes' : '1' }] },
    ],
  });
  for (const fail of [true, false]) {
    const device = input();
    device.tree.setSecurity({ bitLocker: false, firewall: false, realTimeProtection: false });
    let answered: SyncMLMessage | undefined;
    const http = fakeHttp((req) => {
      const msg = parseSyncML(req.body);
      if (msg.header.msgId !== '1') {
        answered = msg;
        return syncml(serverMessage(msg, []));
      }
      return syncml(serverMessage(msg, [baseline(2, fail)]));
    });
    await firstSync(http, device);
    const codes = answered!.commands.filter((c): c is SyncMLStatus => c.kind === 'Status' && c.cmdRef !== '0').map((c) => c.data);
    const security = device.tree.state.security;
    if (fail) {
      assert.deepEqual(codes, ['507', '216', '216', '400']);
      assert.deepEqual([security.bitLocker, security.realTimeProtection], [false, false]);
      assert.equal(device.tree.get('./Vendor/MSFT/BitLocker/RequireDeviceEncryption'), undefined);
    } else {
      assert.deepEqual(codes, ['200', '200', '200', '200']);
      assert.deepEqual([security.bitLocker, security.realTimeProtection], [true, true]);
      assert.deepEqual(device.tree.get('./Device/Vendor/MSFT/BitLocker/RequireDeviceEncryption'), { format: 'int', data: '1' });
    }
  }
});

test('Exec of RemoteWipe and Reboot nodes is answered 200 and changes the device; an unknown Exec node is 404', async () => {
  const tree = new CspTree(inv, { deviceId: DEVICE_ID, deviceName: 'DEMO-PC1', providerId: 'Baton' });
  let answer: SyncMLMessage | undefined;
  let turn = 0;
  const http = fakeHttp((req) => {
    const msg = parseSyncML(req.body);
    if (turn++ === 0) {
      return syncml(
        serverMessage(msg, [
          { kind: 'Exec', cmdId: '2', items: [{ target: './Device/Vendor/MSFT/Reboot/RebootNow', meta: { format: 'chr' }, data: '' }] },
          { kind: 'Exec', cmdId: '3', items: [{ target: './Device/Vendor/MSFT/RemoteWipe/doWipePersistProvisionedData', meta: { format: 'chr' } }] },
          { kind: 'Exec', cmdId: '4', items: [{ target: './Device/Vendor/MSFT/RemoteWipe/doNothing' }] },
        ]),
      );
    }
    answer = msg;
    return syncml(serverMessage(msg, []));
  });
  const facts = await firstSync(http, { managementUrl: ADDR, deviceId: DEVICE_ID, tree, sessionNumber: 10 });
  assert.equal(facts.sessionId, 'A');
  const st = answer!.commands.filter((c): c is SyncMLStatus => c.kind === 'Status' && c.cmd === 'Exec');
  assert.deepEqual(
    st.map((s) => [s.cmdRef, s.data]),
    [
      ['2', '200'],
      ['3', '200'],
      ['4', '404'],
    ],
  );
  assert.equal(tree.state.rebootCount, 1);
  assert.deepEqual({ ...tree.state.wiped, at: undefined }, { method: 'doWipePersistProvisionedData', enrollmentKept: true, userDataKept: false, at: undefined });
  assert.equal(tree.state.enrolled, true);
});

test("package 1 carries the logged-on user's token in Alert 1224 on the wire, and none without a user", () => {
  const withUser = parseSyncML(buildSyncML(buildPackage1({ ...input(), userToken: 'eyJ.user.token' }, '1')));
  const alerts = withUser.commands.filter((c): c is Extract<SyncMLCommand, { kind: 'Alert' }> => c.kind === 'Alert');
  assert.deepEqual(
    alerts.map((a) => [a.data, a.items[0]?.meta?.type, a.items[0]?.data]),
    [
      ['1201', undefined, undefined],
      ['1224', AAD_USER_TOKEN_ALERT_TYPE, 'eyJ.user.token'],
    ],
  );
  const alone = parseSyncML(buildSyncML(buildPackage1(input(), '1')));
  assert.deepEqual(alone.commands.filter((c) => c.kind === 'Alert').map((c) => (c as { data: string }).data), ['1201']);
});
