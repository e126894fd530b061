import { randomBytes, randomUUID } from 'node:crypto';
import { dropPostgresSchema } from '@baton/kit';
import { openManagementStore, type Enrollment, type KyselyManagementStore } from '../store/index.js';
import { tempDir, type TestBackend } from './context.js';

export async function openTestStore(backend: TestBackend): Promise<{ store: KyselyManagementStore; close(): Promise<void> }> {
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
