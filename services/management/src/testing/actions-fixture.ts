/**
 * Management on one store with a fake identity, an administrator allowed to act on devices,
 * and managed devices on demand: what the remote-action suites start from.
 */
import { GRAPH_RESOURCE } from '@baton/contracts';
import type { BatonApp } from '@baton/kit';
import { buildManagementApp } from '../app.js';
import type { ManagementDeps } from '../deps.js';
import type { Enrollment } from '../store/store.js';
import { createTestContext, tempDir, type TestBackend } from './context.js';
import { startFakeIdentity, type FakeIdentity } from './fake-identity.js';
import { sampleEnrollment } from './store.js';

export const PRIVILEGED = 'DeviceManagementManagedDevices.PrivilegedOperations.All';

export interface ActionsFixture {
  identity: FakeIdentity;
  app: BatonApp;
  deps: ManagementDeps;
  /** A token with the privileged-operations and read roles. */
  admin: string;
  /** A device enrolled in the administrator's tenant, its first session done. */
  managed(): Promise<Enrollment>;
  close(): Promise<void>;
}

export async function openActionsFixture(backend: TestBackend): Promise<ActionsFixture> {
  const identityDir = tempDir();
  const identity = await startFakeIdentity(identityDir.path);
  const tc = createTestContext(backend, identity);
  const { app, deps, close } = await buildManagementApp(tc.ctx);
  const admin = await identity.mint({ aud: GRAPH_RESOURCE, roles: [PRIVILEGED, 'DeviceManagementManagedDevices.Read.All'] });
  return {
    identity,
    app,
    deps,
    admin,
    async managed() {
      const e = sampleEnrollment({ tenantId: identity.tenantId, managementState: 'managed', lastSyncAt: '2026-01-01T00:00:00.000Z' });
      await deps.store.replaceEnrollment(e, []);
      return e;
    },
    async close() {
      await close();
      await identity.close();
      await tc.cleanup();
      identityDir.remove();
    },
  };
}
