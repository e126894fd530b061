import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { dropPostgresSchema, openDatabase } from '@baton/kit';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { managementMigrations, openManagementStore } from '../store/index.js';
import { tempDir, testBackends } from '../testing/context.js';
import { sampleEnrollment } from '../testing/store.js';
import { FACT } from './facts.js';
import { splitFacts } from './migration.js';
import type { ComplianceDatabase } from './schema.js';
import { ComplianceStore } from './store.js';

const BEFORE_SPLIT = Object.fromEntries(Object.entries(managementMigrations).filter(([name]) => name < '0008'));

for (const backend of testBackends()) {
  test(`facts stored before values and times were split keep every value and time (${backend})`, async () => {
    const dir = tempDir();
    const databaseUrl = backend === 'postgres' ? process.env.BATON_TEST_DATABASE_URL : undefined;
    const schema = backend === 'postgres' ? `mgmt_test_${randomBytes(6).toString('hex')}` : undefined;
    try {
      const old = await openDatabase<ComplianceDatabase>({ service: 'management', dataDir: dir.path, databaseUrl, schema, migrations: BEFORE_SPLIT });
      const devices = Array.from({ length: 1203 }, () => sampleEnrollment({ managementState: 'managed' }));
      for (let i = 0; i < devices.length; i += 200) {
        await (old.db as Kysely<any>)
          .insertInto('enrollments')
          .values(
            devices.slice(i, i + 200).map((e) => ({
              id: e.id,
              tenant_id: e.tenantId,
              azure_ad_device_id: e.azureAdDeviceId,
              user_id: e.userId,
              upn: e.upn,
              mdm_device_id: e.mdmDeviceId,
              hw_dev_id: e.hwDevId,
              device_name: e.deviceName,
              os_version: e.osVersion,
              enrollment_type: e.enrollmentType,
              cert_thumbprint: e.certThumbprint,
              cert_pem: e.certPem,
              enrolled_at: e.enrolledAt,
              last_sync_at: null,
              management_state: e.managementState,
              inventory: '{}',
            })),
          )
          .execute();
        await (old.db as Kysely<any>)
          .insertInto('device_facts')
          .values(
            devices.slice(i, i + 200).map((e, j) => ({
              enrollment_id: e.id,
              updated_at: '2026-11-26T10:00:00.000Z',
              // The older layout, keys in whatever order the device reported them.
              facts: JSON.stringify({
                [FACT.secureBoot]: { value: '1', reportedAt: '2026-11-26T09:00:00.000Z' },
                [FACT.encryption]: { value: String((i + j) % 2), reportedAt: '2026-11-26T10:00:00.000Z' },
              }),
            })),
          )
          .execute();
      }
      await old.close();

      const { database } = await openManagementStore({ dataDir: dir.path, databaseUrl, schema });
      try {
        const cs = new ComplianceStore(database.db as unknown as Kysely<ComplianceDatabase>, database.dialect);
        const facts = await cs.factsOf(devices.map((d) => d.id));
        assert.equal(facts.size, devices.length);
        assert.deepEqual({ ...facts.get(devices[1201]!.id) }, { [FACT.encryption]: '1', [FACT.secureBoot]: '1' });
        assert.deepEqual({ ...facts.get(devices[1202]!.id) }, { [FACT.encryption]: '0', [FACT.secureBoot]: '1' });
        // The times moved with the values: a report older than the stored one changes nothing, a newer one does.
        const d = devices[5]!;
        await cs.putFacts(d.id, { [FACT.encryption]: '0', [FACT.secureBoot]: '2' }, '2026-11-26T09:30:00.000Z');
        assert.deepEqual({ ...(await cs.factsOf([d.id])).get(d.id) }, { [FACT.encryption]: '1', [FACT.secureBoot]: '2' });
      } finally {
        await database.close();
      }
    } finally {
      if (databaseUrl && schema) await dropPostgresSchema(databaseUrl, schema);
      dir.remove();
    }
  });
}

test('splitting facts keeps each string value with its time, drops what is not a fact, and leaves split rows alone', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.oneof(fc.record({ value: fc.string(), reportedAt: fc.string() }), fc.anything())), (stored) => {
      const split = splitFacts(JSON.stringify(stored));
      if (Object.values(stored).some((v) => typeof v === 'string')) return split === undefined;
      assert.ok(split);
      const values = JSON.parse(split.facts) as Record<string, string>;
      const times = JSON.parse(split.reported_at) as Record<string, string>;
      for (const [key, fact] of Object.entries(stored)) {
        const f = fact as { value?: unknown; reportedAt?: unknown } | null;
        const isFact = !!f && typeof f === 'object' && typeof f.value === 'string';
        assert.equal(Object.hasOwn(values, key) ? values[key] : undefined, isFact ? f.value : undefined);
        if (isFact && typeof f.reportedAt === 'string') assert.equal(times[key], f.reportedAt);
      }
      return true;
    }),
  );
  for (const hostile of ['', 'null', '[]', '"x"', '{', '{"a":null}', '{"__proto__":{"value":"x"}}']) assert.doesNotThrow(() => splitFacts(hostile));
});
