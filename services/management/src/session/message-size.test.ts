/**
 * MaxMsgSize / MaxObjSize: no reply is larger than the device said it accepts; what does not
 * fit follows in the next message of the same session; what can never fit is failed with 413
 * instead of blocking the queue; a device that gives up on a message (Alert 1223) gets its
 * in-flight commands again in its next session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { buildSyncML, parseSyncML, type SyncMLCommand, type SyncMLItemCommand, type SyncMLMessage } from '@baton/protocols';
import type { KyselyManagementStore } from '../store/kysely-store.js';
import type { Enrollment } from '../store/store.js';
import { testBackends } from '../testing/context.js';
import { openTestStore, sampleEnrollment } from '../testing/store.js';
import { runSession } from './engine.js';
import { SERVER_MAX_MSG_SIZE } from './message-budget.js';

const SERVER = 'https://management.test/ManagementServer/MDM.svc';
const replaces = (m: SyncMLMessage) => m.commands.filter((c): c is SyncMLItemCommand => c.kind === 'Replace');

function deviceMessage(e: Enrollment, sessionId: string, msgId: number, commands: SyncMLCommand[], meta?: { maxMsgSize?: number; maxObjSize?: number }): string {
  return buildSyncML({
    header: { verDTD: '1.2', verProto: 'DM/1.2', sessionId, msgId: String(msgId), target: SERVER, source: e.mdmDeviceId, ...(meta ? { meta } : {}) },
    commands,
    final: true,
  });
}

const opening = (e: Enrollment): SyncMLCommand[] => [
  { kind: 'Alert', cmdId: '2', data: '1201', items: [] },
  { kind: 'Replace', cmdId: '3', items: [{ source: './DevInfo/DevId', data: e.mdmDeviceId }] },
];

/** The device's answer: SyncHdr Status, a 200 per server command, Alert 1222 when the server's package continues. */
function answer(reply: SyncMLMessage): SyncMLCommand[] {
  const out: SyncMLCommand[] = [{ kind: 'Status', cmdId: '1', msgRef: reply.header.msgId, cmdRef: '0', cmd: 'SyncHdr', data: '200' }];
  for (const c of replaces(reply)) out.push({ kind: 'Status', cmdId: String(out.length + 1), msgRef: reply.header.msgId, cmdRef: c.cmdId, cmd: 'Replace', data: '200' });
  if (!reply.final) out.push({ kind: 'Alert', cmdId: String(out.length + 1), data: '1222', items: [] });
  return out;
}

for (const backend of testBackends()) {
  describe(`OMA-DM message sizes (${backend})`, () => {
    let store: KyselyManagementStore;
    let close: () => Promise<void>;
    before(async () => {
      ({ store, close } = await openTestStore(backend));
    });
    after(async () => close());

    async function enrolledWith(sizes: number[]): Promise<Enrollment> {
      const e = sampleEnrollment();
      await store.replaceEnrollment(e, []);
      for (const [i, size] of sizes.entries()) {
        await store.enqueueCommand({ verb: 'Replace', locUri: `./Vendor/MSFT/Policy/Config/Test/Setting${i}`, payload: { data: String(i % 10).repeat(size) } }, [e.id]);
      }
      return e;
    }

    const send = async (e: Enrollment, xml: string) =>
      runSession(store, { message: parseSyncML(xml), enrollment: (await store.getEnrollment(e.id))!, rawBody: xml, serverUrl: SERVER });

    test('commands are spread over messages of one session so that no reply exceeds MaxMsgSize', async () => {
      const MAX = 4096;
      const e = await enrolledWith(Array.from({ length: 12 }, () => 700));
      const delivered: string[] = [];
      let continued = 0;
      let xml = deviceMessage(e, '1A', 1, opening(e), { maxMsgSize: MAX });
      for (let msgId = 1; msgId < 20; msgId++) {
        const out = await send(e, xml);
        const wire = buildSyncML(out.reply);
        assert.ok(Buffer.byteLength(wire) <= MAX, `reply to message ${msgId} is ${Buffer.byteLength(wire)} bytes`);
        assert.equal(out.reply.header.sessionId, '1A');
        delivered.push(...replaces(out.reply).map((c) => c.items[0]!.target!));
        if (!out.reply.final) continued++;
        if (out.complete) break;
        // Later messages do not repeat MaxMsgSize: the session's stated limit still applies.
        xml = deviceMessage(e, '1A', msgId + 1, answer(out.reply));
      }
      assert.deepEqual(
        delivered,
        Array.from({ length: 12 }, (_, i) => `./Vendor/MSFT/Policy/Config/Test/Setting${i}`),
        'every command once, in queue order',
      );
      assert.ok(continued > 0, 'at least one reply left Final out to continue the package');
      assert.ok((await store.listQueue(e.id)).every((q) => q.status === 'acknowledged'));
    });

    test('whatever the queue and the limit, every reply fits and every command is delivered once or failed 413', async () => {
      let session = 100;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1024, max: 9000 }), async (sizes, max) => {
          const e = await enrolledWith(sizes);
          const sessionId = (session++).toString(16).toUpperCase();
          const delivered = new Map<string, number>();
          let xml = deviceMessage(e, sessionId, 1, opening(e), { maxMsgSize: max });
          let done = false;
          for (let msgId = 1; msgId < 40 && !done; msgId++) {
            const out = await send(e, xml);
            assert.ok(Buffer.byteLength(buildSyncML(out.reply)) <= max, `reply ${msgId}: ${Buffer.byteLength(buildSyncML(out.reply))} > ${max}`);
            for (const c of replaces(out.reply)) delivered.set(c.items[0]!.target!, (delivered.get(c.items[0]!.target!) ?? 0) + 1);
            done = out.complete;
            xml = deviceMessage(e, sessionId, msgId + 1, answer(out.reply));
          }
          assert.ok(done, 'the session ended');
          const queue = await store.listQueue(e.id);
          for (const q of queue) {
            if (q.status === 'failed') {
              assert.equal(q.statusCode, '413');
              assert.equal(delivered.get(q.locUri), undefined);
            } else {
              assert.equal(q.status, 'acknowledged');
              assert.equal(delivered.get(q.locUri), 1);
            }
          }
          // Only a command too big for a reply of its own is failed (headers, the two Statuses
          // of the smallest reply and the command's own markup stay under 1,000 bytes here).
          const failed = queue.filter((q) => q.status === 'failed').map((q) => Number(q.locUri.replace(/\D+/g, '')));
          for (const i of failed) assert.ok(sizes[i]! > max - 1000, `command ${i} of ${sizes[i]} bytes failed under ${max}`);
        }),
        { numRuns: 12, examples: [[[773, 0], 1638], [[158, 0], 1024], [[155, 0], 1024]] },
      );
    });

    test('a command larger than MaxMsgSize or MaxObjSize is failed with 413 and does not hold up the queue', async () => {
      const e = await enrolledWith([6000, 100, 1500, 100]);
      const out = await send(e, deviceMessage(e, '2', 1, opening(e), { maxMsgSize: 4096, maxObjSize: 1024 }));
      assert.deepEqual(
        replaces(out.reply).map((c) => c.items[0]!.target),
        ['./Vendor/MSFT/Policy/Config/Test/Setting1', './Vendor/MSFT/Policy/Config/Test/Setting3'],
      );
      const queue = await store.listQueue(e.id);
      assert.deepEqual(
        queue.map((q) => [q.status, q.statusCode]),
        [
          ['failed', '413'],
          ['sent', null],
          ['failed', '413'],
          ['sent', null],
        ],
      );
    });

    test('without MaxMsgSize the reply is bounded only by the per-message command cap, and says what the server accepts', async () => {
      const e = await enrolledWith(Array.from({ length: 5 }, () => 2000));
      const out = await send(e, deviceMessage(e, '3', 1, opening(e)));
      assert.equal(replaces(out.reply).length, 5);
      assert.equal(out.reply.final, true);
      assert.equal(out.reply.header.meta?.maxMsgSize, SERVER_MAX_MSG_SIZE);
      assert.match(buildSyncML(out.reply), /<MaxMsgSize xmlns="syncml:metinf">524288<\/MaxMsgSize>/);
    });

    test('Alert 1223 (the device gives up, e.g. on a result too large to send) ends the session; the next one re-sends what was in flight', async () => {
      const e = await enrolledWith([100, 100]);
      const first = await send(e, deviceMessage(e, '4', 1, opening(e), { maxMsgSize: 2048 }));
      assert.equal(replaces(first.reply).length, 2);
      const abort = await send(e, deviceMessage(e, '4', 2, [
        { kind: 'Status', cmdId: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', data: '200' },
        { kind: 'Alert', cmdId: '2', data: '1223', items: [] },
      ]));
      assert.equal(abort.complete, true);
      assert.equal(replaces(abort.reply).length, 0);
      assert.ok((await store.listQueue(e.id)).every((q) => q.status === 'queued'));
      // The aborted session is over: a continuation is refused, a new session gets the commands again.
      const late = await send(e, deviceMessage(e, '4', 3, [{ kind: 'Status', cmdId: '1', msgRef: '2', cmdRef: '0', cmd: 'SyncHdr', data: '200' }]));
      assert.equal(late.reply.commands[0]!.kind === 'Status' && late.reply.commands[0].data, '400');
      const again = await send(e, deviceMessage(e, '5', 1, opening(e), { maxMsgSize: 2048 }));
      assert.equal(replaces(again.reply).length, 2);
    });
  });
}
