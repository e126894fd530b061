/**
 * A fleet run: register N devices with discovery through Graph (as an administrator
 * imports them), then let N device agents go through the chain with bounded
 * concurrency. The agents are configured with discovery's URL only.
 */
import { GRAPH_RESOURCE } from '@baton/contracts';
import { createHttpsFetch, type Fetch } from '@baton/kit';
import { hardwareHash, randomInventory, runDevice, type DeviceInventory, type DeviceRunResult } from '@baton/device';
import { adminToken, graphJson, type DemoInfo } from '../host/demo.js';

export interface FleetOptions {
  demo: DemoInfo;
  caPem: string;
  devices: number;
  concurrency: number;
  seed: number;
  groupTag?: string;
  onRegistered?: (done: number) => void;
  onDeviceDone?: (result: DeviceRunResult, done: number) => void;
}

export interface FleetResult {
  results: DeviceRunResult[];
  registerMs: number;
  runMs: number;
}

export async function runFleet(options: FleetOptions): Promise<FleetResult> {
  const fetch = createHttpsFetch({ caPem: options.caPem, connections: Math.max(8, options.concurrency * 2) });
  try {
    const inventories = Array.from({ length: options.devices }, (_, i) => randomInventory(options.seed, i));
    const t0 = performance.now();
    await registerDevices(options, inventories, fetch);
    const t1 = performance.now();
    const results: DeviceRunResult[] = new Array(inventories.length);
    let done = 0;
    await eachLimited(inventories, options.concurrency, async (inventory, i) => {
      results[i] = await runDevice({ discoveryUrl: options.demo.discoveryUrl, caPem: options.caPem, inventory, user: options.demo.user, fetch });
      options.onDeviceDone?.(results[i]!, ++done);
    });
    return { results, registerMs: t1 - t0, runMs: performance.now() - t1 };
  } finally {
    await fetch.close();
  }
}

async function registerDevices(options: FleetOptions, inventories: DeviceInventory[], fetch: Fetch): Promise<void> {
  const token = await adminToken(options.demo, fetch);
  const url = `${options.demo.discoveryUrl}/graph/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities`;
  let done = 0;
  await eachLimited(inventories, Math.min(8, options.concurrency), async (inventory) => {
    const imported = await graphJson(fetch, url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        '@odata.type': '#microsoft.graph.importedWindowsAutopilotDeviceIdentity',
        serialNumber: inventory.serialNumber,
        productKey: '',
        hardwareIdentifier: hardwareHash(inventory),
        groupTag: options.groupTag ?? '',
        state: { deviceImportStatus: 'pending', deviceRegistrationId: '', deviceErrorCode: 0, deviceErrorName: '' },
      }),
    });
    const status = imported.state?.deviceImportStatus;
    // 806 (already registered in this tenant) is fine on a re-run with the same seed.
    if (status !== 'complete' && imported.state?.deviceErrorCode !== 806) {
      throw new Error(`import of ${inventory.serialNumber} failed: ${imported.state?.deviceErrorCode} ${imported.state?.deviceErrorName}`);
    }
    options.onRegistered?.(++done);
  });
}

export async function eachLimited<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
}

export { GRAPH_RESOURCE };
