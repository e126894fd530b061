/**
 * Graph beta `POST deviceManagement/managedDevices/executeAction`: one remote action on many
 * devices, as the Intune portal's bulk device actions send it. Each device is acted on alone,
 * as one device's own action would be; the answer (`bulkManagedDeviceActionResult`) sorts the
 * ids into those done, those that failed, those not found in the caller's tenant, and those
 * the action does not apply to.
 */
import type { DeviceActionName } from '../store/store.js';
import { graphErrorsManagement } from '../errors.js';

/**
 * Graph's managedDeviceRemoteAction members. Baton carries out those a Windows MDM client
 * takes from it; the rest (eSIM, Active Directory moves, notifications, …) are answered
 * as not supported for each device, as Intune answers an action a platform lacks. The enum
 * has no BitLocker rotation: rotateBitLockerKeys is a device's own action only.
 */
const REMOTE_ACTIONS = [
  'retire',
  'delete',
  'fullScan',
  'quickScan',
  'signatureUpdate',
  'wipe',
  'customTextNotification',
  'rebootNow',
  'setDeviceName',
  'syncDevice',
  'deprovision',
  'disable',
  'reenable',
  'moveDevicesToOU',
  'activateDeviceEsim',
  'collectDiagnostics',
  'initiateMobileDeviceManagementKeyRecovery',
  'initiateOnDemandProactiveRemediation',
  'unknownFutureValue',
] as const;

export type BulkActionName = DeviceActionName | 'delete';

/** The members Baton carries out, and the device action each one is (the scans are one action with a quickScan flag). */
const CARRIED_OUT: Readonly<Partial<Record<(typeof REMOTE_ACTIONS)[number], BulkActionName>>> = {
  retire: 'retire',
  wipe: 'wipe',
  rebootNow: 'rebootNow',
  syncDevice: 'syncDevice',
  delete: 'delete',
  quickScan: 'windowsDefenderScan',
  fullScan: 'windowsDefenderScan',
  signatureUpdate: 'windowsDefenderUpdateSignatures',
  setDeviceName: 'setDeviceName',
};

/** The portal acts on a page of selected devices; a larger list is refused rather than half-done. */
export const MAX_BULK_DEVICES = 1000;

export interface BulkRequest {
  /** The action Baton carries out, or undefined when Graph knows it but Baton does not do it. */
  action?: BulkActionName;
  /** The managedDeviceRemoteAction member as Graph spells it (quickScan and fullScan are both a scan). */
  member: string;
  deviceIds: string[];
}

/** Reads and checks the body whole before any device is touched. */
export function readBulkRequest(raw: unknown): BulkRequest {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw graphErrorsManagement.badQuery('The executeAction body must be a JSON object.');
  const body = raw as Record<string, unknown>;
  const name = body.actionName;
  if (typeof name !== 'string') throw graphErrorsManagement.badQuery("Property 'actionName' is required: a managedDeviceRemoteAction.");
  const member = REMOTE_ACTIONS.find((a) => a.toLowerCase() === name.toLowerCase());
  if (!member) throw graphErrorsManagement.badQuery(`The value '${name.slice(0, 64)}' is not a valid managedDeviceRemoteAction.`);
  const ids = body.deviceIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string' || id.length > 64)) {
    throw graphErrorsManagement.badQuery("Property 'deviceIds' must be a non-empty array of managed device ids.");
  }
  if (ids.length > MAX_BULK_DEVICES) throw graphErrorsManagement.badQuery(`At most ${MAX_BULK_DEVICES} devices in one executeAction.`);
  const action = CARRIED_OUT[member];
  return { ...(action ? { action } : {}), member, deviceIds: [...new Set(ids as string[])] };
}

export interface BulkResult {
  successfulDeviceIds: string[];
  failedDeviceIds: string[];
  notFoundDeviceIds: string[];
  notSupportedDeviceIds: string[];
}

export type DeviceOutcome = 'successful' | 'failed' | 'notFound';

/** Runs `act` on each device in turn and sorts the ids by outcome. */
export async function runBulk(request: BulkRequest, act: (action: BulkActionName, deviceId: string) => Promise<DeviceOutcome>): Promise<BulkResult> {
  const result: BulkResult = { successfulDeviceIds: [], failedDeviceIds: [], notFoundDeviceIds: [], notSupportedDeviceIds: [] };
  for (const id of request.deviceIds) {
    if (!request.action) {
      result.notSupportedDeviceIds.push(id);
      continue;
    }
    const outcome = await act(request.action, id);
    result[`${outcome}DeviceIds`].push(id);
  }
  return result;
}
