import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { TOPICS, type ComplianceStateReported } from '@baton/contracts';
import type { Kysely } from 'kysely';
import { openTestStore, sampleEnrollment } from '../testing/store.js';
import { testBackends } from '../testing/context.js';
import { Compliance, nextVersion } from './compliance.js';
import { FACT } from './facts.js';
import { defaultSettings } from './policy.js';
import type { ComplianceDatabase } from './schema.js';
import { ComplianceStore } from './store.js';
import { TARGET_TYPES } from '../targeting/targets.js';

test('report versions grow per device even when the clock does not', () => {
  const at = new Date('2026-11-26T10:00:00.000Z');
  const first = nextVersion(undefined, at);
  assert.equal(first, at.getTime() * 1000);
  assert.equal(nextVersion(first, at), first + 1);
  assert.equal(nextVersion(first + 5, new Date(at.getTime() - 60_000)), first + 6, 'a clock that went back does not reuse versions');
});

for (const backend of testBackends()) {
  describe(`compliance grace periods (${backend})`, () => {
    test('a device whose grace period ends is re-evaluated without checking in, and identity hears it', async () => {
      const { store, close } = await openTestStore(backend);
      try {
        const db = (store as unknown as { db: Kysely<ComplianceDatabase> }).db;
        const cs = new ComplianceStore(db, store.dialect);
        let clock = new Date('2026-11-26T10:00:00.000Z');
        const engine = new Compliance({ store: cs, groups: { groupsOf: async () => new Set() }, now: () => clock });
        const e = sampleEnrollment({ managementState: 'managed' });
        await store.replaceEnrollment(e, []);
        const policyId = randomUUID();
        await cs.insertPolicy({
          id: policyId,
          tenantId: e.tenantId,
          displayName: 'BitLocker',
          description: null,
          createdAt: clock.toISOString(),
          modifiedAt: clock.toISOString(),
          version: 1,
          settings: { ...defaultSettings(), bitLockerEnabled: true },
          scheduledActions: [{ id: randomUUID(), ruleName: null, scheduledActionConfigurations: [{ id: randomUUID(), actionType: 'block', gracePeriodHours: 1, notificationTemplateId: '', notificationMessageCCList: [] }] }],
        });
        await cs.addAssignment(e.tenantId, { id: randomUUID(), policyId, target: { '@odata.type': TARGET_TYPES.allDevices } });

        await engine.factsReported(e, { [FACT.encryption]: '0' }, clock.toISOString());
        assert.equal((await cs.complianceOf([e.id])).get(e.id)?.state, 'inGracePeriod');
        clock = new Date('2026-11-26T10:59:00.000Z');
        assert.equal(await engine.sweepGracePeriods(), 0, 'nothing is due before the grace period ends');
        clock = new Date('2026-11-26T11:00:30.000Z');
        assert.equal(await engine.sweepGracePeriods(), 1);
        const after = (await cs.complianceOf([e.id])).get(e.id)!;
        assert.deepEqual([after.state, after.isCompliant, after.graceExpiresAt], ['noncompliant', false, null]);
        assert.equal(await engine.sweepGracePeriods(), 0, 'a lapsed device is not swept again');

        const messages = await db.selectFrom('outbox').select(['topic', 'payload']).orderBy('created_at').execute();
        const reports = messages.filter((m) => m.topic === TOPICS.complianceStateReported).map((m) => JSON.parse(m.payload) as ComplianceStateReported);
        assert.deepEqual(
          reports.map((r) => [r.deviceId, r.isCompliant, r.complianceExpirationDateTime]),
          [
            [e.azureAdDeviceId, true, '2026-11-26T11:00:00.000Z'],
            [e.azureAdDeviceId, false, null],
          ],
        );
        assert.ok(reports[1]!.version > reports[0]!.version);
      } finally {
        await close();
      }
    });

    test('a tenant re-evaluation writes only the devices whose result changed; devices with the same facts keep their own grace streaks', async () => {
      const { store, close } = await openTestStore(backend);
      try {
        const db = (store as unknown as { db: Kysely<ComplianceDatabase> }).db;
        const cs = new ComplianceStore(db, store.dialect);
        let clock = new Date('2026-11-26T10:00:00.000Z');
        const engine = new Compliance({ store: cs, groups: { groupsOf: async () => new Set() }, now: () => clock });
        const tenantId = randomUUID();
        const devices = Array.from({ length: 5 }, (_, i) => sampleEnrollment({ tenantId, managementState: 'managed', enrolledAt: `2026-11-26T09:0${i}:00.000Z` }));
        for (const d of devices) await store.replaceEnrollment(d, []);
        const policyId = randomUUID();
        await cs.insertPolicy({
          id: policyId,
          tenantId,
          displayName: 'BitLocker, 24 h grace',
          description: null,
          createdAt: clock.toISOString(),
          modifiedAt: clock.toISOString(),
          version: 1,
          settings: { ...defaultSettings(), bitLockerEnabled: true },
          scheduledActions: [{ id: randomUUID(), ruleName: null, scheduledActionConfigurations: [{ id: randomUUID(), actionType: 'block', gracePeriodHours: 24, notificationTemplateId: '', notificationMessageCCList: [] }] }],
        });
        await cs.addAssignment(tenantId, { id: randomUUID(), policyId, target: { '@odata.type': TARGET_TYPES.allDevices } });
        const [first, second, ...rest] = devices as [typeof devices[0], typeof devices[0], ...typeof devices];
        // Two devices lose BitLocker an hour apart; the others report it on.
        await engine.factsReported(first, { [FACT.encryption]: '0' }, clock.toISOString());
        clock = new Date('2026-11-26T11:00:00.000Z');
        await engine.factsReported(second, { [FACT.encryption]: '0' }, clock.toISOString());
        for (const d of rest) await engine.factsReported(d, { [FACT.encryption]: '1' }, clock.toISOString());
        const reportsSoFar = async () => Number((await db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
        assert.equal(await reportsSoFar(), 5);

        clock = new Date('2026-11-26T12:00:00.000Z');
        const before = await cs.complianceOf(devices.map((d) => d.id));
        assert.equal(await engine.evaluateTenant(tenantId), 0, 'nothing changed: nothing reported');
        const unchanged = await cs.complianceOf(devices.map((d) => d.id));
        for (const d of devices) assert.equal(unchanged.get(d.id)!.evaluatedAt, before.get(d.id)!.evaluatedAt, 'and nothing rewritten');
        // Same facts, same memoized policy result, yet each device keeps the grace period it started.
        assert.deepEqual(
          [first, second].map((d) => [unchanged.get(d.id)!.state, unchanged.get(d.id)!.graceExpiresAt, unchanged.get(d.id)!.policies[0]!.noncompliantSince]),
          [
            ['inGracePeriod', '2026-11-27T10:00:00.000Z', '2026-11-26T10:00:00.000Z'],
            ['inGracePeriod', '2026-11-27T11:00:00.000Z', '2026-11-26T11:00:00.000Z'],
          ],
        );

        // One device's facts change behind the engine's back (as a session that stored them would): only it is rewritten and reported.
        const changed = rest[1]!;
        await cs.putFacts(changed.id, { [FACT.encryption]: '0' }, clock.toISOString());
        assert.equal(await engine.evaluateTenant(tenantId), 1);
        assert.equal(await reportsSoFar(), 6);
        const after = await cs.complianceOf(devices.map((d) => d.id));
        for (const d of devices) {
          if (d.id === changed.id) assert.equal(after.get(d.id)!.evaluatedAt, clock.toISOString());
          else assert.equal(after.get(d.id)!.evaluatedAt, before.get(d.id)!.evaluatedAt);
        }
        assert.equal(after.get(changed.id)!.state, 'inGracePeriod');
        assert.equal(after.get(changed.id)!.policies[0]!.settings[0]!.currentValue, 'notEncrypted');
      } finally {
        await close();
      }
    });
  });
}
