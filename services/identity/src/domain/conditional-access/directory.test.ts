import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileNamedLocations, compilePolicy } from './compile.js';
import { deviceInfo } from './directory.js';
import { evaluateConditionalAccess } from './evaluate.js';
import { validatePolicy } from './validate-policy.js';
import type { DeviceRecord } from '../../store/store.js';

const joined: DeviceRecord = {
  id: 'a1b2c3d4-0000-4000-8000-000000000001',
  deviceId: 'a1b2c3d4-0000-4000-8000-000000000002',
  tenantId: 't',
  displayName: 'DEMO-5CG1234XYZ',
  physicalIds: ['[ZTDID]:abc', '[OrderID]:Kiosk'],
  ztdId: 'abc',
  trustType: 'AzureAd',
  accountEnabled: true,
  operatingSystem: 'Windows',
  operatingSystemVersion: '10.0.22631.1',
  isCompliant: null,
  isManaged: true,
  certThumbprint: null,
  certPem: null,
  transportKey: null,
  registeredOwnerUserId: null,
  approximateLastSignIn: null,
  registeredAt: null,
  createdAt: '2025-01-01T00:00:00Z',
  modifiedAt: '2025-01-01T00:00:00Z',
};

test("a device object from identity's store is the filter subject and grant input", () => {
  const info = deviceInfo(joined);
  assert.equal(info.trustType, 'AzureAD');
  const body = validatePolicy({
    displayName: 'Kiosks that are Entra joined must be compliant',
    state: 'enabled',
    conditions: {
      users: { includeUsers: ['All'] },
      applications: { includeApplications: ['All'] },
      devices: { deviceFilter: { mode: 'include', rule: 'device.trustType -eq "AzureAD" -and device.physicalIds -contains "[OrderID]:Kiosk"' } },
    },
    grantControls: { operator: 'OR', builtInControls: ['compliantDevice'] },
  });
  const policies = [compilePolicy({ ...body, id: 'a1b2c3d4-0000-4000-8000-000000000003', createdDateTime: '2025-01-01T00:00:00Z', modifiedDateTime: null })];
  const signIn = (device: DeviceRecord) => ({ identity: { kind: 'user' as const, userId: 'u' }, target: { kind: 'application' as const, appId: 'a' }, device: deviceInfo(device) });
  assert.deepEqual(evaluateConditionalAccess(policies, compileNamedLocations([]), signIn(joined)).unmetControls, ['compliantDevice']);
  assert.equal(evaluateConditionalAccess(policies, compileNamedLocations([]), signIn({ ...joined, isCompliant: true })).decision, 'allow');
  assert.equal(evaluateConditionalAccess(policies, compileNamedLocations([]), signIn({ ...joined, trustType: 'Workplace' })).decision, 'allow');
});
