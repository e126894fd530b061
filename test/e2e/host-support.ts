/** Set-up the end-to-end tests share: Baton started with the demo tenant (one origin or three), a profile for every device, devices registered by hash. */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createHttpsFetch, type Fetch, type StoreBackend } from '@baton/kit';
import { adminToken, graphJson, seedDemo, type DemoInfo, type RunningBaton } from '@baton/cli';
import { hardwareHash, type DeviceInventory } from '@baton/device';
import type { IdentityRuntime } from '@baton/identity';
import { startGroups } from './support.js';

/** Creates the deployment profile and assigns it to all devices; the newest such assignment wins over the demo's profile. */
export async function assignProfileToAllDevices(fetch: Fetch, discoveryUrl: string, headers: Record<string, string>, profileBody: Record<string, unknown>): Promise<string> {
  const base = `${discoveryUrl}/graph/beta/deviceManagement/windowsAutopilotDeploymentProfiles`;
  const profile = await graphJson(fetch, base, {
    method: 'POST',
    headers,
    body: JSON.stringify({ '@odata.type': '#microsoft.graph.azureADWindowsAutopilotDeploymentProfile', ...profileBody }),
  });
  await graphJson(fetch, `${base}/${profile.id}/assignments`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }),
  });
  return profile.id as string;
}

/** Imports the device's hardware hash as an administrator would; answers its ZTDId. */
export async function register(fetch: Fetch, demo: DemoInfo, headers: Record<string, string>, inventory: DeviceInventory): Promise<string> {
  const row = await graphJson(fetch, `${demo.discoveryUrl}/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ serialNumber: inventory.serialNumber, hardwareIdentifier: hardwareHash(inventory) }),
  });
  assert.equal(row.state.deviceImportStatus, 'complete', JSON.stringify(row.state));
  return row.state.deviceRegistrationId as string;
}

/** The three services on one origin with the demo tenant seeded; stopped when the test ends. */
export async function startDemoHost(t: TestContext, backend: StoreBackend): Promise<{ host: RunningBaton; fetch: ReturnType<typeof createHttpsFetch>; demo: DemoInfo; headers: Record<string, string>; dataDir: string }> {
  const baton = await startGroups(backend, [['discovery', 'identity', 'management']]);
  t.after(() => baton.stop());
  const [host] = baton.instances as [RunningBaton];
  const fetch = createHttpsFetch({ caPem: host.caPem });
  t.after(() => fetch.close());
  const demo = await seedDemo({ dataDir: baton.dataDir, url: host.url, urls: host.urls, caPath: host.caPath, identity: host.runtimes.identity as IdentityRuntime, fetch });
  const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}`, 'content-type': 'application/json' };
  return { host, fetch, demo, headers, dataDir: baton.dataDir };
}

/** Each service on its own origin, with the demo tenant seeded; stopped when the test ends. */
export async function startDemoOrigins(t: TestContext, backend: StoreBackend) {
  const baton = await startGroups(backend, [['discovery'], ['identity'], ['management']]);
  t.after(() => baton.stop());
  const [discovery, identity, management] = baton.instances;
  assert.ok(discovery && identity && management);
  const fetch = createHttpsFetch({ caPem: identity.caPem });
  t.after(() => fetch.close());
  const demo = await seedDemo({ dataDir: baton.dataDir, url: discovery.url, urls: discovery.urls, caPath: identity.caPath, identity: identity.runtimes.identity as IdentityRuntime, fetch });
  const headers = { authorization: `Bearer ${await adminToken(demo, fetch)}`, 'content-type': 'application/json' };
  return { discovery, identity, management, fetch, demo, headers, dataDir: baton.dataDir };
}
