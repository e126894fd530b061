/** Discovery set-up the mode tests share: a profile for every device, and devices registered by hash. */
import assert from 'node:assert/strict';
import type { Fetch } from '@baton/kit';
import { graphJson, type DemoInfo } from '@baton/cli';
import { hardwareHash, type DeviceInventory } from '@baton/device';

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
