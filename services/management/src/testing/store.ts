import { randomBytes, randomUUID } from 'node:crypto';
import { dropPostgresSchema } from '@baton/kit';
import type { Kysely } from 'kysely';
import { openManagementStore, type Enrollment, type KyselyManagementStore, type ManagementDatabase } from '../store/index.js';
import { tempDir, type TestBackend } from './context.js';

export async function openTestStore(backend: TestBackend): Promise<{ store: KyselyManagementStore; db: Kysely<ManagementDatabase>; close(): Promise<void> }> {
  const dir = tempDir();
  const databaseUrl = backend === 'postgres' ? process.env.BATON_TEST_DATABASE_URL : undefined;
  const schema = backend === 'postgres' ? `mgmt_test_${randomBytes(6).toString('hex')}` : undefined;
  const drop = async () => {
    if (databaseUrl && schema) await dropPostgresSchema(databaseUrl, schema);
    dir.remove();
  };
  let opened;
  try {
    opened = await openManagementStore({ dataDir: dir.path, databaseUrl, schema });
  } catch (error) {
    await drop();
    throw error;
  }
  const { store, database } = opened;
  return {
    store,
    db: database.db,
    async close() {
      await database.close();
      await drop();
    },
  };
}

export function sampleEnrollment(overrides: Partial<Enrollment> = {}): Enrollment {
  return {
    id: randomUUID(),
    tenantId: randomUUID(),
    azureAdDeviceId: randomUUID(),
    userId: randomUUID(),
    upn: 'adele@demo.baton.local',
    userDisplayName: 'Adele Vance',
    userEmail: 'adele@demo.baton.local',
    deviceAuth: false,
    mdmDeviceId: randomUUID().toUpperCase(),
    hwDevId: randomBytes(32).toString('hex').toUpperCase(),
    deviceName: 'DEMO-1',
    osVersion: '10.0.22631.2861',
    enrollmentType: 'Full',
    certThumbprint: randomBytes(20).toString('hex').toUpperCase(),
    certPem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
    enrolledAt: new Date().toISOString(),
    lastSyncAt: null,
    managementState: 'enrolling',
    inventory: {},
    ...overrides,
  };
}

/**
 * Row counts of every table a device message could touch, to show that a refused message
 * left nothing behind. Reads through the store's own connection.
 */
export async function tableCounts(store: KyselyManagementStore): Promise<Record<string, number>> {
  const db = (store as unknown as { db: Kysely<ManagementDatabase> }).db;
  const out: Record<string, number> = {};
  for (const table of ['enrollments', 'commands', 'command_queue', 'sessions', 'raw_requests', 'digest_credentials'] as const) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  const states = await db
    .selectFrom('command_queue')
    .select((eb) => ['status', eb.fn.countAll().as('n')])
    .groupBy('status')
    .execute();
  for (const s of states) out[`queue.${s.status}`] = Number(s.n);
  return out;
}
