import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import type { KyselyManagementStore } from '../store/kysely-store.js';
import type { Enrollment } from '../store/store.js';
import { testBackends } from '../testing/context.js';
import { openTestStore, sampleEnrollment } from '../testing/store.js';
import { planDevice, type AssignedPolicy } from './plan.js';
import { CUSTOM_TYPE } from './policy.js';
import type { ConfigurationDatabase } from './schema.js';
import type { DesiredSetting } from './setting.js';
import { ConfigurationStore } from './store.js';

const AT = '2026-11-26T12:00:00.000Z';
const setting = (omaUri: string, value: string): DesiredSetting => ({ omaUri, settingName: omaUri, format: 'int', value });

for (const backend of testBackends()) {
  describe(`configuration store (${backend})`, () => {
    let store: KyselyManagementStore;
    let config: ConfigurationStore;
    let close: () => Promise<void>;
    before(async () => {
      const opened = await openTestStore(backend);
      ({ store, close } = opened);
      config = new ConfigurationStore(opened.db as unknown as Kysely<ConfigurationDatabase>, store.dialect);
    });
    after(async () => close());

    async function device(commands: Parameters<KyselyManagementStore['replaceEnrollment']>[1] = []): Promise<Enrollment> {
      const e = sampleEnrollment({ managementState: 'managed' });
      await store.replaceEnrollment(e, commands);
      return e;
    }
    async function policy(tenantId: string, settings: DesiredSetting[]): Promise<AssignedPolicy> {
      const id = randomUUID();
      await config.insertPolicy({ id, tenantId, odataType: CUSTOM_TYPE, displayName: id, description: null, properties: { omaSettings: [] }, version: 1, createdAt: AT, modifiedAt: AT });
      return { id, version: 1, settings };
    }

    test('devices sent the same settings share one Atomic row; each gets it at the end of its own queue', async () => {
      const a = await device([{ verb: 'Get', locUri: './DevInfo/Mod' }]);
      const b = await device();
      const p = await policy(a.tenantId, [setting('./Vendor/MSFT/A/1', '1'), setting('./Vendor/MSFT/A/2', '2')]);
      const plan = planDevice([p], []);
      const written = await config.saveDevicePlans(
        [a, b].map((e) => ({ device: e, policies: plan.policies, removed: [] })),
        AT,
      );
      assert.equal(written, 2);
      const [qa, qb] = [await store.listQueue(a.id), await store.listQueue(b.id)];
      assert.deepEqual(qa.map((q) => [q.verb, q.position]), [
        ['Get', 1],
        ['Atomic', 2],
      ]);
      assert.deepEqual(qb.map((q) => [q.verb, q.position]), [['Atomic', 1]]);
      assert.equal(qa[1]!.commandId, qb[0]!.commandId);
      assert.deepEqual(qa[1]!.children!.map((c) => [c.verb, c.locUri, c.payload]), [
        ['Replace', './Vendor/MSFT/A/1', { data: '1', format: 'int' }],
        ['Replace', './Vendor/MSFT/A/2', { data: '2', format: 'int' }],
      ]);
      const [state] = (await config.statesOf([a.id])).get(a.id)!;
      assert.equal(state!.commandId, qa[1]!.commandId);
      assert.deepEqual(state!.settings.map((s) => s.state), ['pending', 'pending']);
    });

    test('two profiles sending one device the same settings queue it once; both states wait on it', async () => {
      const e = await device();
      const same = [setting('./Vendor/MSFT/B/1', '1')];
      const plan = planDevice([await policy(e.tenantId, same), await policy(e.tenantId, same)], []);
      assert.equal(await config.saveDevicePlans([{ device: e, policies: plan.policies, removed: [] }], AT), 1);
      const states = (await config.statesOf([e.id])).get(e.id)!;
      assert.equal(states.length, 2);
      assert.equal(states[0]!.commandId, states[1]!.commandId);
    });

    test('a withdrawn Atomic leaves the queue only while it has not been sent', async () => {
      const e = await device();
      const p = await policy(e.tenantId, [setting('./Vendor/MSFT/C/1', '1')]);
      await config.saveDevicePlans([{ device: e, policies: planDevice([p], []).policies, removed: [] }], AT);
      const first = (await config.statesOf([e.id])).get(e.id)!;
      const changed = { ...p, version: 2, settings: [setting('./Vendor/MSFT/C/1', '0')] };
      await config.saveDevicePlans([{ device: e, policies: planDevice([changed], first).policies, removed: [] }], AT);
      const queue = await store.listQueue(e.id);
      assert.equal(queue.length, 1, 'the first Atomic was withdrawn');
      assert.equal(queue[0]!.children![0]!.payload!.data, '0');

      await store.markSent(e.id, 'S', '1', [{ commandId: queue[0]!.commandId, cmdId: '2', childCmdIds: ['3'] }]);
      const second = (await config.statesOf([e.id])).get(e.id)!;
      const again = { ...p, version: 3, settings: [setting('./Vendor/MSFT/C/1', '1')] };
      await config.saveDevicePlans([{ device: e, policies: planDevice([again], second).policies, removed: [] }], AT);
      assert.deepEqual((await store.listQueue(e.id)).map((q) => q.status), ['sent', 'queued'], 'one already in flight stays');
      // Removing the assignment drops the state.
      await config.saveDevicePlans([{ device: e, policies: [], removed: [p.id] }], AT);
      assert.equal((await config.statesOf([e.id])).get(e.id), undefined);
    });

    test("an answered Atomic comes back with its own status and each child's", async () => {
      const e = await device();
      const p = await policy(e.tenantId, [setting('./Vendor/MSFT/D/1', '1'), setting('./Vendor/MSFT/D/2', '1')]);
      await config.saveDevicePlans([{ device: e, policies: planDevice([p], []).policies, removed: [] }], AT);
      assert.deepEqual(await config.answeredAtomics(e.id), [], 'nothing answered yet');
      const [q] = await store.listQueue(e.id);
      await store.markSent(e.id, 'S', '1', [{ commandId: q!.commandId, cmdId: '5', childCmdIds: ['6', '7'] }]);
      await store.recordStatus({ enrollmentId: e.id, sessionId: 'S', msgRef: '1', cmdRef: '5' }, '507');
      await store.recordChildStatuses(e.id, 'S', '1', new Map([['6', '216'], ['7', '405']]));
      const [answered] = await config.answeredAtomics(e.id);
      assert.deepEqual(answered!.outcome, {
        statusCode: '507',
        acknowledged: false,
        children: [
          { locUri: './Vendor/MSFT/D/1', statusCode: '216' },
          { locUri: './Vendor/MSFT/D/2', statusCode: '405' },
        ],
      });
    });

    test('drift reads: outstanding until answered, then the value read or null when the node is gone', async () => {
      const e = await device();
      const [found, gone] = await config.queueReads(e.id, ['./Vendor/MSFT/E/1', './Vendor/MSFT/E/2'], AT);
      assert.deepEqual([...(await config.readResults(e.id, [found!, gone!])).values()], [undefined, undefined]);
      await store.markSent(e.id, 'S', '1', [
        { commandId: found!, cmdId: '2' },
        { commandId: gone!, cmdId: '3' },
      ]);
      await store.recordStatus({ enrollmentId: e.id, sessionId: 'S', msgRef: '1', cmdRef: '2' }, '200');
      await store.recordResult({ enrollmentId: e.id, sessionId: 'S', msgRef: '1', cmdRef: '2' }, [{ locUri: './Vendor/MSFT/E/1', data: '7' }]);
      await store.recordStatus({ enrollmentId: e.id, sessionId: 'S', msgRef: '1', cmdRef: '3' }, '404');
      const results = await config.readResults(e.id, [found!, gone!]);
      assert.deepEqual([results.get(found!), results.get(gone!)], ['7', null]);
      await config.putCheck(e.id, AT, [{ commandId: found!, policyId: 'p', omaUri: './Vendor/MSFT/E/1' }]);
      assert.equal((await config.getCheck(e.id))!.reads.length, 1);
      await config.clearReads(e.id);
      assert.deepEqual(await config.getCheck(e.id), { checkedAt: AT, reads: [] });
    });
  });
}
