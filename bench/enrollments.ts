/** Enrolled devices written straight into management's store, for benchmarks that start after enrollment. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Enrollment } from '@baton/management';

/** `count` managed devices of one tenant, enrolled and last seen at `at`, each with its own ids. */
export function benchEnrollments(tenantId: string, count: number, at: string): Enrollment[] {
  return Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    tenantId,
    azureAdDeviceId: randomUUID(),
    userId: randomUUID(),
    upn: `user${i}@bench.baton.local`,
    mdmDeviceId: randomBytes(16).toString('hex').toUpperCase(),
    hwDevId: null,
    deviceName: `BENCH-${i}`,
    osVersion: '10.0.22631.2861',
    enrollmentType: 'Full',
    certThumbprint: randomBytes(20).toString('hex').toUpperCase(),
    certPem: '',
    enrolledAt: at,
    lastSyncAt: at,
    managementState: 'managed',
    inventory: {},
  }));
}
