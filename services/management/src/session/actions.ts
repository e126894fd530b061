/**
 * Administrator actions on a managed device (Graph's managedDevice actions) and the OMA-DM
 * command each one becomes. Nothing reaches a Windows device except in a session the device
 * opens itself, so every action is a queued command the device receives at its next poll.
 *
 * - rebootNow: Exec ./Device/Vendor/MSFT/Reboot/RebootNow.
 * - wipe: Exec on a RemoteWipe node (the node is the only thing that differs):
 *   useProtectedWipe → doWipeProtected (also cleans the drive; keeps nothing),
 *   keepUserData → doWipePersistUserData (user accounts, data and enrollment survive),
 *   keepEnrollmentData → doWipePersistProvisionedData (Autopilot reset: provisioning data,
 *   enrollment included, is restored after the reset), otherwise doWipe.
 * - retire: Delete ./Device/Vendor/MSFT/DMClient/Provider/<ProviderID>. Removing the
 *   provider that enrollment created is how a server takes its own enrollment off a Windows
 *   device; corporate data the MDM pushed goes with it, the OS and user data stay.
 * - windowsDefenderScan: Exec ./Device/Vendor/MSFT/Defender/Scan with 1 (quick) or 2 (full),
 *   windowsDefenderUpdateSignatures: Exec ./Device/Vendor/MSFT/Defender/UpdateSignature
 *   (Defender CSP, https://learn.microsoft.com/windows/client-management/mdm/defender-csp: Scan
 *   is one node that takes the scan type as its data, there is no Scan/Quick). Both are followed
 *   by reads of the Health nodes they change, for windowsProtectionState.
 * - rotateBitLockerKeys: Exec ./Device/Vendor/MSFT/BitLocker/RotateRecoveryPasswords with a
 *   request id (BitLocker CSP, https://learn.microsoft.com/windows/client-management/mdm/bitlocker-csp).
 *   Windows answers 202 (accepted for processing) and rotates in the background; the outcome is
 *   Status/RotateRecoveryPasswordsStatus (0 pass, 1 pending, 2 not started, else a failure
 *   HRESULT) for the request Status/RotateRecoveryPasswordsRequestID names, read right behind it.
 * - setDeviceName: Replace ./DevDetail/Ext/Microsoft/DNSComputerName (DevDetail CSP,
 *   https://learn.microsoft.com/windows/client-management/mdm/devdetail-csp: since Windows 10
 *   2004 this node replaces the Accounts CSP's Domain/ComputerName, which takes Add only), then
 *   a read of DevDetail's DeviceName, which is what the managed device shows. Windows applies
 *   the name at its next restart.
 * - syncDevice: queues nothing. Windows MDM has no push channel here (no WNS), so the
 *   request is recorded and counts as done once the device next completes a session.
 */
import type { CommandPayload, DeviceActionName, Enrollment, ManagementState, NewCommand, StoredDeviceAction } from '../store/store.js';

export const REBOOT_NOW_URI = './Device/Vendor/MSFT/Reboot/RebootNow';
export const REMOTE_WIPE_URI = './Device/Vendor/MSFT/RemoteWipe';
export const DMCLIENT_PROVIDER_URI = './Device/Vendor/MSFT/DMClient/Provider';

export type WipeNode = 'doWipe' | 'doWipeProtected' | 'doWipePersistProvisionedData' | 'doWipePersistUserData';

export interface WipeOptions {
  keepEnrollmentData?: boolean;
  keepUserData?: boolean;
  useProtectedWipe?: boolean;
}

/** Exec nodes take an (empty) chr value on Windows. */
const EXEC_PAYLOAD: CommandPayload = { format: 'chr', data: '' };

export function wipeNode(options: WipeOptions): WipeNode {
  if (options.useProtectedWipe) return 'doWipeProtected';
  if (options.keepUserData) return 'doWipePersistUserData';
  if (options.keepEnrollmentData) return 'doWipePersistProvisionedData';
  return 'doWipe';
}

export function wipeCommand(options: WipeOptions): NewCommand {
  return { verb: 'Exec', locUri: `${REMOTE_WIPE_URI}/${wipeNode(options)}`, payload: EXEC_PAYLOAD };
}

export function rebootCommand(): NewCommand {
  return { verb: 'Exec', locUri: REBOOT_NOW_URI, payload: EXEC_PAYLOAD };
}

export function retireCommand(providerId: string): NewCommand {
  return { verb: 'Delete', locUri: `${DMCLIENT_PROVIDER_URI}/${providerId}` };
}

export const DEFENDER_SCAN_URI = './Device/Vendor/MSFT/Defender/Scan';
export const DEFENDER_UPDATE_SIGNATURE_URI = './Device/Vendor/MSFT/Defender/UpdateSignature';
export const BITLOCKER_ROTATE_URI = './Device/Vendor/MSFT/BitLocker/RotateRecoveryPasswords';
export const BITLOCKER_ROTATION_STATUS = 'BitLocker/Status/RotateRecoveryPasswordsStatus';
export const BITLOCKER_ROTATION_REQUEST = 'BitLocker/Status/RotateRecoveryPasswordsRequestID';
export const DNS_COMPUTER_NAME_URI = './DevDetail/Ext/Microsoft/DNSComputerName';

export function defenderScanCommand(quickScan: boolean): NewCommand {
  return { verb: 'Exec', locUri: DEFENDER_SCAN_URI, payload: { format: 'int', data: quickScan ? '1' : '2' } };
}

export function defenderSignatureCommand(): NewCommand {
  return { verb: 'Exec', locUri: DEFENDER_UPDATE_SIGNATURE_URI, payload: EXEC_PAYLOAD };
}

export function rotateBitLockerCommand(requestId: string): NewCommand {
  return { verb: 'Exec', locUri: BITLOCKER_ROTATE_URI, payload: { format: 'chr', data: requestId } };
}

/** The rotation's outcome, read right behind the Exec. */
export function bitLockerRotationReads(): NewCommand[] {
  return [BITLOCKER_ROTATION_STATUS, BITLOCKER_ROTATION_REQUEST].map((node) => ({ verb: 'Get', locUri: `./Device/Vendor/MSFT/${node}` }));
}

export function setDeviceNameCommand(name: string): NewCommand {
  return { verb: 'Replace', locUri: DNS_COMPUTER_NAME_URI, payload: { format: 'chr', data: name } };
}

export function deviceNameReads(): NewCommand[] {
  return [{ verb: 'Get', locUri: './DevDetail/Ext/Microsoft/DeviceName' }];
}

/** Graph's actionState values Baton produces. */
export type ActionState = 'pending' | 'active' | 'done' | 'failed';

export interface DeviceActionResult {
  actionName: DeviceActionName;
  actionState: ActionState;
  startDateTime: string;
  lastUpdatedDateTime: string;
}

const QUEUE_TO_ACTION: Record<string, ActionState> = { queued: 'pending', sent: 'active', acknowledged: 'done', failed: 'failed' };

/**
 * A rotation the device accepted is done only once it reports a pass for this very request; a
 * report for an earlier request, or none yet, leaves it active.
 */
function rotationState(action: StoredDeviceAction, inventory: Record<string, string>): ActionState {
  if (action.queueStatus !== 'acknowledged') return action.queueStatus ? QUEUE_TO_ACTION[action.queueStatus]! : 'pending';
  if (action.commandData === null || inventory[BITLOCKER_ROTATION_REQUEST] !== action.commandData) return 'active';
  const status = inventory[BITLOCKER_ROTATION_STATUS]?.trim();
  if (status === '0') return 'done';
  return status === '1' || status === '2' || status === undefined ? 'active' : 'failed';
}

export function actionState(action: StoredDeviceAction, enrollment: Pick<Enrollment, 'lastSyncAt' | 'inventory'>): ActionState {
  const { lastSyncAt } = enrollment;
  if (action.actionName === 'syncDevice') return lastSyncAt !== null && lastSyncAt >= action.startedAt ? 'done' : 'pending';
  if (action.actionName === 'rotateBitLockerKeys') return rotationState(action, enrollment.inventory);
  return action.queueStatus ? QUEUE_TO_ACTION[action.queueStatus]! : 'pending';
}

/** One result per action name, the latest request of each, as Graph lists them. */
export function deviceActionResults(actions: StoredDeviceAction[], enrollment: Pick<Enrollment, 'lastSyncAt' | 'inventory'>): DeviceActionResult[] {
  const latest = new Map<DeviceActionName, StoredDeviceAction>();
  for (const a of actions) latest.set(a.actionName, a);
  return [...latest.values()].map((a) => {
    const state = actionState(a, enrollment);
    const updated = a.actionName === 'syncDevice' ? (state === 'done' ? enrollment.lastSyncAt! : a.startedAt) : (a.queueUpdatedAt ?? a.startedAt);
    return { actionName: a.actionName, actionState: state, startDateTime: a.startedAt, lastUpdatedDateTime: updated };
  });
}

const PENDING: Partial<Record<ManagementState, { action: DeviceActionName; done: ManagementState; failed: ManagementState }>> = {
  wipePending: { action: 'wipe', done: 'wipeIssued', failed: 'wipeFailed' },
  retirePending: { action: 'retire', done: 'retireIssued', failed: 'retireFailed' },
};

/** The state an enrollment moves to once the device has answered its pending wipe or retire. */
export function settledState(state: ManagementState, actions: StoredDeviceAction[]): ManagementState {
  const pending = PENDING[state];
  if (!pending) return state;
  const latest = actions.filter((a) => a.actionName === pending.action).at(-1);
  if (latest?.queueStatus === 'acknowledged') return pending.done;
  if (latest?.queueStatus === 'failed') return pending.failed;
  return state;
}

export function isPendingState(state: ManagementState): boolean {
  return PENDING[state] !== undefined;
}
