/**
 * What an administrator does to a pre-provisioned device's records while it sits resealed,
 * for the faults that need it, over Graph only: a stale-device cleanup deletes its Entra
 * device object (the Autopilot-anchored one the technician's join used). Identity then
 * answers the device's next step as Entra does; nothing here writes a service's storage.
 */
import type { Fetch } from '@baton/kit';
import type { LearnedFacts, ResealedArrangement } from '@baton/device';
import { adminToken, graphJson, type DemoInfo } from '../host/demo.js';

export interface AdminTarget {
  demo: Pick<DemoInfo, 'authority' | 'adminApp'>;
  /** Identity's public base URL (Graph `/devices` is identity's). */
  identityUrl: string;
  fetch: Fetch;
}

/** Deletes the Entra device object whose `deviceId` is the one the device joined with. */
export async function deleteDeviceObject(target: AdminTarget, azureADDeviceId: string): Promise<void> {
  const headers = { authorization: `Bearer ${await adminToken(target.demo, target.fetch)}` };
  const graph = `${target.identityUrl}/graph/v1.0/devices`;
  const found = await graphJson(target.fetch, `${graph}?$filter=${encodeURIComponent(`deviceId eq '${azureADDeviceId}'`)}`, { headers });
  const device = (found.value as Array<{ id: string }>)[0];
  if (!device) throw new Error(`no Entra device object has deviceId ${azureADDeviceId}`);
  await graphJson(target.fetch, `${graph}/${device.id}`, { method: 'DELETE', headers });
}

/** The hook a device runs while resealed, for an arrangement (none when there is nothing to do). */
export function whileResealed(arrangement: ResealedArrangement | undefined, target: AdminTarget): ((learned: LearnedFacts) => Promise<void>) | undefined {
  if (arrangement !== 'deleteDeviceObject') return undefined;
  return async (learned) => {
    if (!learned.deviceId) throw new Error('the device learned no Entra device id before its reseal');
    await deleteDeviceObject(target, learned.deviceId);
  };
}
