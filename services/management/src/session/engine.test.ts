import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseSyncML, type SyncMLCommand, type SyncMLItemCommand, type SyncMLMessage, type SyncMLStatus } from '@baton/protocols';
import { testBackends } from '../testing/context.js';
import { answerGets, package1, syncml } from '../testing/device.js';
import { openTestStore, sampleEnrollment } from '../testing/store.js';
import type { KyselyManagementStore } from '../store/kysely-store.js';
import type { Enrollment } from '../store/store.js';
import { FIRST_SESSION_INVENTORY, firstSessionCommands } from './inventory.js';
import { rejectMessage, runSession } from './engine.js';

const SERVER = 'https://management.test/ManagementServer/MDM.svc';
const statuses = (m: SyncMLMessage) => m.commands.filter((c): c is SyncMLStatus => c.kind === 'Status');
const gets = (m: SyncMLMessage) => m.commands.filter((c): c is SyncMLItemCommand => c.kind === 'Get');

for (const backend of testBackends()) {
  describe(`OMA-DM session engine (${backend})`, () => {
    let store: KyselyManagementStore;
    let close: () => Promise<void>;
    before(async () => {
      ({ store, close } = await openTestStore(backend));
    });
    after(async () => close());

    async function enrolled(): Promise<Enrollment> {
      const e = sampleEnrollment();
      await store.replaceEnrollment(e, firstSessionCommands());
      return e;
    }

    const send = async (e: Enrollment, xml: string) => {
      const fresh = (await store.getEnrollment(e.id))!;
      return runSession(store, { message: parseSyncML(xml), enrollment: fresh, rawBody: xml, serverUrl: SERVER });
    };

    test('package 1 gets a SyncHdr status, a status per command, then the queued Gets with unique CmdIDs', async () => {
      const e = await enrolled();
      const { reply, sent, complete } = await send(e, package1(e.mdmDeviceId, '1', '1'));
      const st = statuses(reply);
      assert.deepEqual(
        st.map((s) => [s.cmdId, s.cmdRef, s.cmd, s.data, s.msgRef]),
        [
          ['1', '0', 'SyncHdr', '200', '1'],
          ['2', '2', 'Alert', '200', '1'],
          ['3', '3', 'Alert', '200', '1'],
          ['4', '4', 'Replace', '200', '1'],
        ],
      );
      const g = gets(reply);
      assert.deepEqual(
        g.map((c) => c.items[0]!.target),
        [...FIRST_SESSION_INVENTORY],
      );
      const ids = reply.commands.map((c) => Number(c.cmdId));
      assert.deepEqual(ids, ids.map((_, i) => i + 1), 'CmdIDs run 1, 2, 3… in document order');
      assert.equal(sent, FIRST_SESSION_INVENTORY.length);
      assert.equal(complete, false);
      assert.equal(reply.final, true);
      assert.equal(reply.header.target, e.mdmDeviceId);
      assert.equal(reply.header.sessionId, '1');
      assert.equal(reply.header.msgId, '1');
      // DevInfo from package 1 is inventory already.
      const after1 = (await store.getEnrollment(e.id))!;
      assert.equal(after1.inventory['DevInfo/Man'], 'Contoso Ltd');
      assert.equal(after1.managementState, 'enrolling');
    });

    test('package 2 with Status and Results ends the session: no commands, Final, managed, inventory kept', async () => {
      const e = await enrolled();
      const first = await send(e, package1(e.mdmDeviceId, '7', '1'));
      const values: Record<string, string> = {
        './DevDetail/SwV': '10.0.22631.2861',
        './DevDetail/Ext/Microsoft/DeviceName': 'DEMO-5CG1234XYZ',
        './DevDetail/OEM': 'Contoso Hardware',
        './DevInfo/Mod': 'Surface Laptop 5',
      };
      const xml = answerGets(
        e.mdmDeviceId,
        '7',
        '2',
        '1',
        gets(first.reply).map((g) => ({ cmdId: g.cmdId, locUri: g.items[0]!.target! })),
        values,
      );
      const second = await send(e, xml);
      assert.deepEqual(
        second.reply.commands.map((c) => c.kind),
        ['Status'],
      );
      assert.equal(second.reply.final, true);
      assert.equal(second.complete, true);
      assert.equal(second.answered, FIRST_SESSION_INVENTORY.length);
      const done = (await store.getEnrollment(e.id))!;
      assert.equal(done.managementState, 'managed');
      assert.ok(done.lastSyncAt);
      assert.equal(done.inventory['DevDetail/SwV'], '10.0.22631.2861');
      assert.equal(done.inventory['DevInfo/Mod'], 'Surface Laptop 5');
      assert.equal(done.inventory['DevDetail/Ext/Microsoft/DeviceName'], 'DEMO-5CG1234XYZ');
      const queue = await store.listQueue(e.id);
      const bySerial = queue.find((q) => q.locUri.endsWith('SMBIOSSerialNumber'))!;
      assert.equal(bySerial.status, 'failed');
      assert.equal(bySerial.statusCode, '404');
      const swv = queue.find((q) => q.locUri === './DevDetail/SwV')!;
      assert.equal(swv.status, 'acknowledged');
      assert.deepEqual((swv.result as Array<{ data: string }>)[0]!.data, '10.0.22631.2861');
      const raw = await store.listRawRequests(e.id);
      assert.equal(raw.length, 2);
      assert.equal(raw[1]!.body, xml);
    });

    test('Statuses naming another session or message do not acknowledge anything', async () => {
      const e = await enrolled();
      const first = await send(e, package1(e.mdmDeviceId, '3', '1'));
      const wrong = answerGets(
        e.mdmDeviceId,
        '3',
        '2',
        '9',
        gets(first.reply).map((g) => ({ cmdId: g.cmdId, locUri: g.items[0]!.target! })),
        {},
      );
      const second = await send(e, wrong);
      assert.equal(second.answered, 0);
      assert.equal(second.complete, false);
      assert.equal((await store.getEnrollment(e.id))!.managementState, 'enrolling');
    });

    test('a new session re-sends what the last one left unanswered', async () => {
      const e = await enrolled();
      await send(e, package1(e.mdmDeviceId, '1', '1'));
      const next = await send(e, package1(e.mdmDeviceId, '2', '1'));
      assert.equal(gets(next.reply).length, FIRST_SESSION_INVENTORY.length);
      const queue = await store.listQueue(e.id);
      assert.ok(queue.every((q) => q.status === 'sent' && q.sessionId === '2'));
    });

    test('queued commands beyond the per-message cap follow in the next reply of the session', async () => {
      const e = await enrolled();
      const fresh = (await store.getEnrollment(e.id))!;
      const xml = package1(e.mdmDeviceId, '4', '1');
      const one = await runSession(store, { message: parseSyncML(xml), enrollment: fresh, rawBody: xml, serverUrl: SERVER, maxCommandsPerMessage: 2 });
      assert.equal(gets(one.reply).length, 2);
      const answer = answerGets(e.mdmDeviceId, '4', '2', '1', gets(one.reply).map((g) => ({ cmdId: g.cmdId, locUri: g.items[0]!.target! })), {});
      const two = await runSession(store, { message: parseSyncML(answer), enrollment: fresh, rawBody: answer, serverUrl: SERVER, maxCommandsPerMessage: 2 });
      assert.equal(gets(two.reply).length, 2);
      assert.deepEqual(
        gets(two.reply).map((g) => g.items[0]!.target),
        FIRST_SESSION_INVENTORY.slice(2, 4),
      );
    });

    test('a message that is not the last of its package gets Alert 1222 and no commands', async () => {
      const e = await enrolled();
      const xml = syncml(e.mdmDeviceId, '1', '1', [{ kind: 'Alert', cmdId: '2', data: '1201', items: [] }], false);
      const out = await send(e, xml);
      assert.equal(out.reply.final, false);
      assert.equal(gets(out.reply).length, 0);
      const alert = out.reply.commands.find((c) => c.kind === 'Alert') as Extract<SyncMLCommand, { kind: 'Alert' }>;
      assert.equal(alert.data, '1222');
    });

    test('Alert 1226 with the unenrollment type retires the enrollment', async () => {
      const e = await enrolled();
      const xml = syncml(e.mdmDeviceId, '9', '1', [
        { kind: 'Alert', cmdId: '2', data: '1201', items: [] },
        { kind: 'Alert', cmdId: '3', data: '1226', items: [{ meta: { type: 'com.microsoft:mdm.unenrollment.userrequest', format: 'int' }, data: '1' }] },
      ]);
      const out = await send(e, xml);
      assert.equal(out.state, 'retired');
      assert.equal(gets(out.reply).length, 0);
      assert.equal(statuses(out.reply).length, 3);
      assert.equal((await store.getEnrollment(e.id))!.managementState, 'retired');
    });

    test('inventory ignores nodes outside DevInfo/DevDetail', async () => {
      const e = await enrolled();
      const xml = syncml(e.mdmDeviceId, '1', '1', [
        { kind: 'Alert', cmdId: '2', data: '1201', items: [] },
        { kind: 'Replace', cmdId: '3', items: [{ source: './Vendor/MSFT/Evil/Node', data: 'x' }, { source: './DevInfo/Lang', data: 'fr-FR' }] },
      ]);
      await send(e, xml);
      assert.deepEqual((await store.getEnrollment(e.id))!.inventory, { 'DevInfo/Lang': 'fr-FR' });
    });

    test('two messages of one device processed at once never hand out a command twice', async () => {
      const e = sampleEnrollment();
      await store.replaceEnrollment(e, [{ verb: 'Get', locUri: './DevDetail/SwV' }]);
      // Keeps the session open: one command in flight.
      assert.equal((await send(e, syncml(e.mdmDeviceId, '1', '1', [{ kind: 'Alert', cmdId: '2', data: '1201', items: [] }]))).sent, 1);
      await store.enqueueCommand({ verb: 'Get', locUri: './DevInfo/Mod' }, [e.id]);
      await store.enqueueCommand({ verb: 'Get', locUri: './DevInfo/Man' }, [e.id]);
      const fresh = (await store.getEnrollment(e.id))!;
      const outcomes = await Promise.all(
        ['2', '3', '4', '5'].map((msgId) => {
          const xml = syncml(e.mdmDeviceId, '1', msgId, [{ kind: 'Alert', cmdId: '2', data: '1224', items: [] }]);
          return runSession(store, { message: parseSyncML(xml), enrollment: fresh, rawBody: xml, serverUrl: SERVER });
        }),
      );
      assert.equal(
        outcomes.reduce((n, o) => n + o.sent, 0),
        2,
      );
    });

    test('any well-formed device message gets one Status per command and unique, increasing CmdIDs', async () => {
      const e = await enrolled();
      const fresh = (await store.getEnrollment(e.id))!;
      const item = fc.record(
        {
          source: fc.oneof(fc.constantFrom('./DevInfo/Mod', './DevDetail/SwV', './Vendor/MSFT/X', './DevInfo/' + 'a'.repeat(300)), fc.string({ maxLength: 40 })),
          data: fc.string({ maxLength: 60 }),
          meta: fc.record({ type: fc.constantFrom('com.microsoft:mdm.unenrollment.userrequest', 'chr', 'int') }),
        },
        { requiredKeys: [] },
      );
      const numeric = fc.integer({ min: 0, max: 99 }).map(String);
      let session = 0;
      const command = fc.oneof(
        fc.record({ kind: fc.constantFrom('Get', 'Add', 'Replace', 'Delete', 'Exec'), cmdId: numeric, items: fc.array(item, { maxLength: 3 }) }),
        fc.record({ kind: fc.constant('Alert'), cmdId: numeric, data: fc.constantFrom('1201', '1200', '1222', '1223', '1224', '1226', '9999'), items: fc.array(item, { maxLength: 2 }) }),
        fc.record({ kind: fc.constant('Status'), cmdId: numeric, msgRef: numeric, cmdRef: numeric, cmd: fc.constantFrom('Get', 'SyncHdr'), data: fc.constantFrom('200', '404', '500', 'x') }),
        fc.record({ kind: fc.constant('Results'), cmdId: numeric, cmdRef: numeric, items: fc.array(item, { maxLength: 3 }) }, { requiredKeys: ['kind', 'cmdId', 'cmdRef', 'items'] }),
      ) as fc.Arbitrary<SyncMLCommand>;
      await fc.assert(
        fc.asyncProperty(fc.array(command, { maxLength: 12 }), fc.boolean(), async (body, final) => {
          // A fresh session each run, so the numbering rules accept the message.
          const commands: SyncMLCommand[] = [{ kind: 'Alert', cmdId: '1', data: '1201', items: [] }, ...body];
          const message: SyncMLMessage = { header: { verDTD: '1.2', verProto: 'DM/1.2', sessionId: `F${++session}`, msgId: '1', target: SERVER, source: e.mdmDeviceId }, commands, final };
          const out = await runSession(store, { message, enrollment: fresh, rawBody: '<SyncML/>', serverUrl: SERVER });
          const ids = out.reply.commands.map((c) => Number(c.cmdId));
          assert.deepEqual(ids, ids.map((_, i) => i + 1));
          const answerable = commands.filter((c) => c.kind !== 'Status' && c.kind !== 'Results').length;
          assert.equal(statuses(out.reply).length, answerable + 1);
        }),
        { numRuns: 60 },
      );
    });

    test("an Atomic goes out as one SyncML Atomic; the device's Statuses are filed for it and each child", async () => {
      const e = sampleEnrollment();
      await store.replaceEnrollment(e, [
        { verb: 'Get', locUri: './DevDetail/SwV' },
        {
          verb: 'Atomic',
          children: [
            { verb: 'Replace', locUri: './Device/Vendor/MSFT/BitLocker/RequireDeviceEncryption', payload: { data: '1', format: 'int' } },
            { verb: 'Add', locUri: './Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring', payload: { data: '1', format: 'int' } },
          ],
        },
        { verb: 'Get', locUri: './DevInfo/Mod' },
      ]);
      const first = await send(e, package1(e.mdmDeviceId, 'A1', '1'));
      const atomic = first.reply.commands.find((c) => c.kind === 'Atomic');
      assert.ok(atomic && atomic.kind === 'Atomic');
      assert.deepEqual(
        atomic.commands.map((c) => [c.kind, c.cmdId, (c as SyncMLItemCommand).items[0]!.target, (c as SyncMLItemCommand).items[0]!.data, (c as SyncMLItemCommand).items[0]!.meta?.format]),
        [
          ['Replace', String(Number(atomic.cmdId) + 1), './Device/Vendor/MSFT/BitLocker/RequireDeviceEncryption', '1', 'int'],
          ['Add', String(Number(atomic.cmdId) + 2), './Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring', '1', 'int'],
        ],
      );
      const flat = first.reply.commands.flatMap((c) => (c.kind === 'Atomic' ? [c, ...c.commands] : [c])).map((c) => Number(c.cmdId));
      assert.deepEqual(flat, flat.map((_, i) => i + 1), 'the children take the CmdIDs after their Atomic; the next command follows them');
      assert.equal(first.sent, 3);

      const [childA, childB] = atomic.commands;
      const answer = syncml(e.mdmDeviceId, 'A1', '2', [
        { kind: 'Status', cmdId: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', data: '200' },
        { kind: 'Status', cmdId: '2', msgRef: '1', cmdRef: atomic.cmdId, cmd: 'Atomic', data: '507' },
        { kind: 'Status', cmdId: '3', msgRef: '1', cmdRef: childA!.cmdId, cmd: 'Replace', data: '216' },
        { kind: 'Status', cmdId: '4', msgRef: '1', cmdRef: childB!.cmdId, cmd: 'Add', data: '500' },
        // A second answer for a child does not rewrite the first.
        { kind: 'Status', cmdId: '5', msgRef: '1', cmdRef: childB!.cmdId, cmd: 'Add', data: '200' },
      ]);
      const second = await send(e, answer);
      assert.equal(second.answered, 3);
      const row = (await store.listQueue(e.id)).find((q) => q.verb === 'Atomic')!;
      assert.equal(row.status, 'failed');
      assert.equal(row.statusCode, '507');
      assert.deepEqual(row.childStatuses, [
        { cmdId: childA!.cmdId, statusCode: '216' },
        { cmdId: childB!.cmdId, statusCode: '500' },
      ]);
    });

    test('an Atomic left in flight by an abandoned session is sent again whole, its child Statuses cleared', async () => {
      const e = sampleEnrollment();
      await store.replaceEnrollment(e, [{ verb: 'Atomic', children: [{ verb: 'Replace', locUri: './Vendor/MSFT/Firewall/MdmStore/DomainProfile/EnableFirewall', payload: { data: 'true', format: 'bool' } }] }]);
      await send(e, package1(e.mdmDeviceId, 'B1', '1'));
      const again = await send(e, package1(e.mdmDeviceId, 'B2', '1'));
      const atomic = again.reply.commands.find((c) => c.kind === 'Atomic');
      assert.ok(atomic && atomic.kind === 'Atomic' && atomic.commands.length === 1);
      const [row] = await store.listQueue(e.id);
      assert.equal(row!.status, 'sent');
      assert.deepEqual(row!.childStatuses, [{ cmdId: atomic.commands[0]!.cmdId, statusCode: null }]);
    });

    test('a rejected message gets only the SyncHdr status', () => {
      const message = parseSyncML(package1('DEVICE-X'));
      const reply = rejectMessage(message, '407', SERVER);
      assert.equal(reply.commands.length, 1);
      assert.equal((reply.commands[0] as SyncMLStatus).data, '407');
      assert.equal((reply.commands[0] as SyncMLStatus).cmd, 'SyncHdr');
    });
  });
}
